"""Write sampling.json: trace ids with the sampling decision every language must reach.

The arithmetic (shared by the generated Go and Rust code): x is the big-endian uint64 of
trace id bytes 8..16, shifted right by one; ratio >= 1 samples, ratio <= 0 drops;
otherwise bound = uint64(ratio * 2^63) (a float64 multiply, then truncation) and the id
is sampled iff x < bound.

Run `python tests/vectors/make_sampling.py` to rewrite the file; the output is
deterministic (a fixed seed), and tests/test_go_sampling.py checks it is current.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "sampling.json"
RATIOS = (0.0, 1e-12, 0.001, 0.01, 0.1, 0.125, 0.25, 1 / 3, 0.5, 0.75, 0.9, 0.999999, 1.0)
RANDOM_PER_RATIO = 800
U64 = (1 << 64) - 1


def bound(ratio: float) -> int:
    return int(ratio * float(1 << 63))


def sampled(trace_id: str, ratio: float) -> bool:
    if ratio >= 1:
        return True
    if not ratio > 0:
        return False
    x = int(trace_id[16:], 16) >> 1
    return x < bound(ratio)


def trace_id(high: int, low: int) -> str:
    return f"{high & U64:016x}{low & U64:016x}"


def vectors() -> list[dict[str, object]]:
    rng = random.Random(20261123)
    out: list[dict[str, object]] = []
    for ratio in RATIOS:
        lows = [rng.getrandbits(64) for _ in range(RANDOM_PER_RATIO)]
        lows += [0, 1, U64, U64 - 1, 1 << 63, (1 << 63) - 1]
        if 0 < ratio < 1:
            b = bound(ratio)
            for x in (b - 1, b, b + 1):
                if 0 <= x < (1 << 63):
                    lows += [x << 1, (x << 1) | 1]
        for low in lows:
            tid = trace_id(rng.getrandbits(64), low)
            out.append({"trace_id": tid, "ratio": ratio, "sampled": sampled(tid, ratio)})
    return out


def render() -> str:
    rows = [json.dumps(v, separators=(",", ":")) for v in vectors()]
    return '{"vectors":[\n' + ",\n".join(rows) + "\n]}\n"


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {OUT}\n")
