"""Read `go test -bench -benchmem` output on stdin; print the median table and the
ratios of the added cost (variant minus bare) against the targets.

Targets: the generated middleware adds at most 0.4 of otelhttp's added ns/op and
allocs/op when sampled (issue 13; issue 12 asked 0.5), and no more than a minimal
hand-written middleware recording the same span and metric with the same SDK; unsampled
it adds at most a fifth of otelhttp's sampled cost. Every variant serves the same request
with the full default attribute set (query, user agent, peer address).
"""

from __future__ import annotations

import re
import statistics
import sys

LINE = re.compile(
    r"^Benchmark(\w+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op\s+(\d+) B/op\s+(\d+) allocs/op"
)
ORDER = [
    "Bare",
    "GeneratedSampled",
    "GeneratedUnsampled",
    "MinimalSampled",
    "MinimalUnsampled",
    "OtelhttpSampled",
    "OtelhttpUnsampled",
]


def main() -> int:
    runs: dict[str, list[tuple[float, int, int]]] = {}
    for line in sys.stdin:
        m = LINE.match(line)
        if m:
            runs.setdefault(m.group(1), []).append(
                (float(m.group(2)), int(m.group(3)), int(m.group(4)))
            )
    missing = [n for n in ORDER if n not in runs]
    if missing:
        sys.stderr.write(f"missing benchmarks: {missing}\n")
        return 1
    med = {
        n: (
            statistics.median(r[0] for r in runs[n]),
            statistics.median(r[1] for r in runs[n]),
            statistics.median(r[2] for r in runs[n]),
        )
        for n in ORDER
    }
    bare_ns, _bare_b, bare_allocs = med["Bare"]
    print(
        f"| benchmark (median of {len(runs['Bare'])}) | ns/op | B/op | allocs/op | added ns/op | added allocs/op |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for n in ORDER:
        ns, b, allocs = med[n]
        print(
            f"| {n} | {ns:.0f} | {b:.0f} | {allocs:.0f} | {ns - bare_ns:.0f} | {allocs - bare_allocs:.0f} |"
        )

    def added(n: str) -> tuple[float, float]:
        return med[n][0] - bare_ns, med[n][2] - bare_allocs

    gs, gu, os_ = added("GeneratedSampled"), added("GeneratedUnsampled"), added("OtelhttpSampled")
    ms = added("MinimalSampled")
    rows = [
        ("generated sampled / otelhttp sampled, ns", gs[0] / os_[0], 0.4),
        ("generated sampled / otelhttp sampled, allocs", gs[1] / os_[1], 0.4),
        ("generated sampled / minimal hand-written sampled, ns", gs[0] / ms[0], 1.0),
        ("generated sampled / minimal hand-written sampled, allocs", gs[1] / ms[1], 1.0),
        ("generated unsampled / otelhttp sampled, ns", gu[0] / os_[0], 0.2),
        ("generated unsampled / otelhttp sampled, allocs", gu[1] / os_[1], 0.2),
    ]
    print()
    print("| added cost ratio | measured | target | met |")
    print("|---|---:|---:|---|")
    for label, ratio, target in rows:
        print(f"| {label} | {ratio:.3f} | <= {target} | {'yes' if ratio <= target else 'no'} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
