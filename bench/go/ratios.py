"""Read `go test -bench -benchmem` output on stdin; print the median table and the
ratios of the added cost (variant minus bare) against the targets.

Targets: the generated middleware adds at most 0.4 of otelhttp's added ns/op and
allocs/op when sampled (issue 13; issue 12 asked 0.5), and no more than a minimal
hand-written middleware recording the same span and metric with the same SDK; unsampled
it adds at most a fifth of otelhttp's sampled cost. Every variant serves the same request
with the full default attribute set (query, user agent, peer address).

A round is the k-th result of every benchmark (run.sh runs each benchmark once per round,
the rounds one after another). Each ratio is given two ways: the median over the rounds
of the ratio taken within one round (the variants of a round ran seconds apart, so a
burst of load from elsewhere on the machine moves both sides), which the targets are
judged on, and the ratio of the overall medians, as earlier runs reported it. cpu-ns/op
(when the benchmark reports it) is the CPU time of the whole process per request: the
request's goroutine, the garbage collector and the batch span processor.
"""

from __future__ import annotations

import re
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass

LINE = re.compile(
    r"^Benchmark(\w+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op"
    r"(?:\s+([\d.]+) cpu-ns/op)?\s+(\d+) B/op\s+(\d+) allocs/op"
)
ORDER = [
    "Bare",
    "FloorSampled",
    "GeneratedSampled",
    "GeneratedUnsampled",
    "MinimalSampled",
    "MinimalUnsampled",
    "OtelhttpSampled",
    "OtelhttpUnsampled",
]


@dataclass(frozen=True)
class Result:
    ns: float
    cpu: float | None
    bytes: int
    allocs: int


def parse(lines: list[str]) -> dict[str, list[Result]]:
    runs: dict[str, list[Result]] = {}
    for line in lines:
        m = LINE.match(line)
        if m:
            cpu = float(m.group(3)) if m.group(3) else None
            runs.setdefault(m.group(1), []).append(
                Result(float(m.group(2)), cpu, int(m.group(4)), int(m.group(5)))
            )
    return runs


def per_round(
    runs: dict[str, list[Result]], num: str, den: str, get: Callable[[Result], float | None]
) -> list[float]:
    """The ratio of the added cost of num to that of den within each round."""
    out = []
    for bare, a, b in zip(runs["Bare"], runs[num], runs[den], strict=False):
        vb, va, vd = get(bare), get(a), get(b)
        if vb is None or va is None or vd is None or vd - vb <= 0:
            continue
        out.append((va - vb) / (vd - vb))
    return out


def of_medians(
    runs: dict[str, list[Result]], num: str, den: str, get: Callable[[Result], float | None]
) -> float | None:
    def med(name: str) -> float | None:
        values = [v for v in map(get, runs[name]) if v is not None]
        return statistics.median(values) if values else None

    bare, a, b = med("Bare"), med(num), med(den)
    if bare is None or a is None or b is None or b - bare <= 0:
        return None
    return (a - bare) / (b - bare)


def fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def spread(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"{statistics.median(values):.3f} ({min(values):.2f}–{max(values):.2f})"


def print_table(runs: dict[str, list[Result]]) -> None:
    def med(name: str, get: Callable[[Result], float | None]) -> float | None:
        values = [v for v in map(get, runs[name]) if v is not None]
        return statistics.median(values) if values else None

    bare_ns = med("Bare", lambda r: r.ns) or 0.0
    bare_cpu = med("Bare", lambda r: r.cpu)
    bare_allocs = med("Bare", lambda r: r.allocs) or 0.0
    print(
        f"| benchmark (median of {len(runs['Bare'])}) | ns/op | cpu-ns/op | B/op | allocs/op "
        "| added ns/op | added cpu-ns/op | added allocs/op |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for n in ORDER:
        ns, cpu = med(n, lambda r: r.ns) or 0.0, med(n, lambda r: r.cpu)
        b, allocs = med(n, lambda r: r.bytes) or 0.0, med(n, lambda r: r.allocs) or 0.0
        cpu_s = "n/a" if cpu is None else f"{cpu:.0f}"
        added_cpu = "n/a" if cpu is None or bare_cpu is None else f"{cpu - bare_cpu:.0f}"
        print(
            f"| {n} | {ns:.0f} | {cpu_s} | {b:.0f} | {allocs:.0f} | {ns - bare_ns:.0f} "
            f"| {added_cpu} | {allocs - bare_allocs:.0f} |"
        )


ROWS = [
    ("generated sampled / otelhttp sampled", "GeneratedSampled", "OtelhttpSampled", 0.4),
    ("generated sampled / minimal hand-written sampled", "GeneratedSampled", "MinimalSampled", 1.0),
    ("generated unsampled / otelhttp sampled", "GeneratedUnsampled", "OtelhttpSampled", 0.2),
    ("SDK floor / otelhttp sampled (reference)", "FloorSampled", "OtelhttpSampled", None),
    ("generated sampled / SDK floor (reference)", "GeneratedSampled", "FloorSampled", None),
]


def print_ratios(runs: dict[str, list[Result]]) -> None:
    print()
    print(
        "| added cost ratio | median of per-round ratios (min–max) | ratio of medians "
        "| cpu-ns: median of per-round ratios (min–max) | target | met |"
    )
    print("|---|---:|---:|---:|---:|---|")
    for label, num, den, target in ROWS:
        rounds = per_round(runs, num, den, lambda r: float(r.ns))
        cpu_rounds = per_round(runs, num, den, lambda r: r.cpu)
        allocs = of_medians(runs, num, den, lambda r: float(r.allocs))
        cpu = spread(cpu_rounds)
        goal = "—" if target is None else f"<= {target}"
        ns_met = (
            "—"
            if target is None
            else "yes" if rounds and statistics.median(rounds) <= target else "no"
        )
        allocs_met = (
            "—" if target is None else "yes" if allocs is not None and allocs <= target else "no"
        )
        ns_of_medians = of_medians(runs, num, den, lambda r: float(r.ns))
        print(
            f"| {label}, ns | {spread(rounds)} | {fmt(ns_of_medians)} | {cpu} | {goal} | {ns_met} |"
        )
        print(f"| {label}, allocs | — | {fmt(allocs)} | — | {goal} | {allocs_met} |")


def main() -> int:
    runs = parse(sys.stdin.readlines())
    missing = [n for n in ORDER if n not in runs]
    if missing:
        sys.stderr.write(f"missing benchmarks: {missing}\n")
        return 1
    print_table(runs)
    print_ratios(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
