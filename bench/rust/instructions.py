"""Instructions per request of each variant, counted by valgrind (callgrind): a
figure that machine load does not move. Each variant runs 1,000 and 3,000 requests;
the difference divided by 2,000 is the per-request count, start-up excluded.

The sampled counts still move between runs of the same binary: most runs count
the same total to within a few dozen instructions (the floor), and some count
more, up to a few thousand per request (the batch processor's thread hands over
and exports in steps that depend on how the threads are scheduled). That extra
work only ever adds, so `--runs N` counts every variant N times and prints each
run, the median and the range of each figure and ratio, and the floor: each
count's minimum over the runs, the cost without that scheduling work, which the
target is judged on (docs/benchmarks.md).

Usage: instructions.py <path of the `requests` example binary> [--runs N]
       [--variants name,name,...]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import tempfile
from pathlib import Path

VARIANTS = [
    "bare",
    "generated_sampled",
    "tracelayer_sampled",
    "generated_unsampled",
    "tracelayer_unsampled",
    "direct_sampled",
    "direct_unsampled",
]

LABELS = ("sampled", "unsampled")


def count(binary: Path, variant: str, n: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={tmp}/out",
                str(binary),
                variant,
                str(n),
            ],
            capture_output=True,
            text=True,
            timeout=1800,
            check=True,
        )
    match = re.search(r"Collected : (\d+)", proc.stderr)
    if not match:
        raise SystemExit(f"no instruction count for {variant}:\n{proc.stderr}")
    return int(match.group(1))


Counts = dict[str, tuple[int, int]]


def counts(binary: Path, variants: list[str]) -> Counts:
    """One count of each variant at 1,000 and at 3,000 requests."""
    return {v: (count(binary, v, 1000), count(binary, v, 3000)) for v in variants}


def per_request(raw: Counts) -> dict[str, float]:
    """3,000 minus 1,000 requests, per request."""
    return {v: (high - low) / 2000 for v, (low, high) in raw.items()}


def floor(runs: list[Counts]) -> dict[str, float]:
    """Per request from each count's minimum over `runs`."""
    return {v: (min(r[v][1] for r in runs) - min(r[v][0] for r in runs)) / 2000 for v in runs[0]}


def ratios(per: dict[str, float]) -> dict[str, float]:
    """Added cost of the generated layer over the TraceLayer stack's, per label
    both variants of which (and the bare router) were counted."""
    out = {}
    for label in LABELS:
        gen, ref = f"generated_{label}", f"tracelayer_{label}"
        if "bare" in per and gen in per and ref in per:
            out[label] = (per[gen] - per["bare"]) / (per[ref] - per["bare"])
    return out


def print_one(per: dict[str, float]) -> None:
    """The table and ratios of one count (the default output)."""
    bare = per.get("bare")
    print("| case | instructions per request | added over bare |")
    print("|---|---:|---:|")
    for v, value in per.items():
        added = "" if v == "bare" or bare is None else f"{value - bare:,.0f}"
        print(f"| {v} | {value:,.0f} | {added} |")
    print()
    for label, ratio in ratios(per).items():
        gen = per[f"generated_{label}"] - per["bare"]
        ref = per[f"tracelayer_{label}"] - per["bare"]
        print(
            f"{label}: added instructions, generated / TraceLayer stack = "
            f"{gen:,.0f} / {ref:,.0f} = {ratio:.3f} (target <= 0.40)"
        )


def summary(values: list[float], fmt: str) -> str:
    """Median and range of `values`."""
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{mid:{fmt}} | {low:{fmt}} to {high:{fmt}}"


def print_runs(runs: list[dict[str, float]], low: dict[str, float]) -> None:
    """Every run's counts and ratios, then the median and range of each, and
    the floor (`low`)."""
    heads = " | ".join(f"run {i + 1}" for i in range(len(runs)))
    print(f"| case (instructions per request) | {heads} | median | range | floor |")
    print("|---|" + "---:|" * (len(runs) + 3))
    rows: dict[str, list[float]] = {v: [run[v] for run in runs] for v in runs[0]}
    lows = dict(low)
    if "bare" in rows:
        for v in runs[0]:
            if v != "bare":
                rows[f"{v}, added"] = [run[v] - run["bare"] for run in runs]
                lows[f"{v}, added"] = low[v] - low["bare"]
    for name, values in rows.items():
        cells = " | ".join(f"{value:,.0f}" for value in values)
        print(f"| {name} | {cells} | {summary(values, ',.0f')} | {lows[name]:,.0f} |")
    per_run = [ratios(run) for run in runs]
    low_ratios = ratios(low)
    for label in per_run[0]:
        values = [r[label] for r in per_run]
        cells = " | ".join(f"{value:.3f}" for value in values)
        print(
            f"| ratio {label} (target <= 0.40, on the floor) | {cells} | "
            f"{summary(values, '.3f')} | {low_ratios[label]:.3f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary", type=Path)
    parser.add_argument("--runs", type=int, default=1, help="counts of each variant")
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated")
    args = parser.parse_args()
    variants = [v for v in args.variants.split(",") if v]
    unknown = sorted(set(variants) - set(VARIANTS))
    if unknown or args.runs < 1:
        parser.error(f"unknown variants {unknown}" if unknown else "--runs must be >= 1")
    raw = [counts(args.binary, variants) for _ in range(args.runs)]
    if len(raw) == 1:
        print_one(per_request(raw[0]))
    else:
        print_runs([per_request(r) for r in raw], floor(raw))


if __name__ == "__main__":
    main()
