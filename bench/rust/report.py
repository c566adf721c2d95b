"""Print the Rust layer benchmark as a Markdown table with per-request overheads and
the ratio of the generated layer's overhead to the TraceLayer stack's."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROWS = [
    ("bare", "bare axum router"),
    ("generated_sampled", "generated layer, sampled"),
    ("tracelayer_sampled", "TraceLayer + tracing-opentelemetry, sampled"),
    ("generated_unsampled", "generated layer, unsampled"),
    ("tracelayer_unsampled", "TraceLayer + tracing-opentelemetry, unsampled"),
    ("direct_sampled", "generated layer without a subscriber (direct span), sampled"),
    ("direct_unsampled", "generated layer without a subscriber (direct span), unsampled"),
    ("bare_end", "bare axum router, measured again last"),
]


def estimate(folder: Path, name: str) -> tuple[float, float, float]:
    data = json.loads((folder / name / "new" / "estimates.json").read_text(encoding="utf-8"))
    mean = data["mean"]
    return (
        mean["point_estimate"],
        mean["confidence_interval"]["lower_bound"],
        mean["confidence_interval"]["upper_bound"],
    )


def main(folder: Path) -> None:
    est = {name: estimate(folder, name) for name, _ in ROWS}
    # The baseline is the mean of the two bare runs (first and last).
    bare = (est["bare"][0] + est["bare_end"][0]) / 2
    print("| case | mean per request | 95% CI | overhead over bare |")
    print("|---|---:|---:|---:|")
    for name, label in ROWS:
        mean, low, high = est[name]
        over = "" if name.startswith("bare") else f"{(mean - bare) / 1000:.2f} µs"
        print(
            f"| {label} | {mean / 1000:.2f} µs | {low / 1000:.2f}–{high / 1000:.2f} µs | {over} |"
        )
    print()
    for label in ("sampled", "unsampled"):
        gen = est[f"generated_{label}"][0] - bare
        ref = est[f"tracelayer_{label}"][0] - bare
        print(
            f"{label}: generated layer overhead / TraceLayer stack overhead = "
            f"{gen / 1000:.2f} µs / {ref / 1000:.2f} µs = {gen / ref:.2f} (target <= 0.40)"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
