"""Instructions per request of each variant, counted by valgrind (callgrind): a
figure that machine load does not move. Each variant runs 1,000 and 3,000 requests;
the difference divided by 2,000 is the per-request count, start-up excluded.

Usage: instructions.py <path of the `requests` example binary>
"""

from __future__ import annotations

import re
import subprocess
import sys
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


def main(binary: Path) -> None:
    per = {v: (count(binary, v, 3000) - count(binary, v, 1000)) / 2000 for v in VARIANTS}
    bare = per["bare"]
    print("| case | instructions per request | added over bare |")
    print("|---|---:|---:|")
    for v in VARIANTS:
        added = "" if v == "bare" else f"{per[v] - bare:,.0f}"
        print(f"| {v} | {per[v]:,.0f} | {added} |")
    print()
    for label in ("sampled", "unsampled"):
        gen = per[f"generated_{label}"] - bare
        ref = per[f"tracelayer_{label}"] - bare
        print(
            f"{label}: added instructions, generated / TraceLayer stack = "
            f"{gen:,.0f} / {ref:,.0f} = {gen / ref:.2f} (target <= 0.40)"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
