"""The shared sampling vectors are current, follow the documented arithmetic, and the
Go sampler agrees with every one of them (checked in place, in runtime/go)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from tests.go.gotools import GO, assert_ok, needs_go, run

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "tests" / "vectors" / "sampling.json"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_sampling", VECTORS.parent / "make_sampling.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vectors_file_is_current() -> None:
    assert VECTORS.read_text(encoding="utf-8") == _generator().render()


def test_vectors_cover_ratios_and_boundaries() -> None:
    gen = _generator()
    rows = gen.vectors()
    assert len(rows) >= 10_000
    ratios = {r["ratio"] for r in rows}
    assert {0.0, 1.0, 0.5, 0.1} <= ratios
    assert all(r["sampled"] for r in rows if r["ratio"] == 1.0)
    assert not any(r["sampled"] for r in rows if r["ratio"] == 0.0)
    # Both sides of the bound appear for a fractional ratio.
    b = gen.bound(0.1)
    lows = {int(str(r["trace_id"])[16:], 16) >> 1 for r in rows if r["ratio"] == 0.1}
    assert {b - 1, b} <= lows
    # The arithmetic, checked independently with integers: x < ratio * 2^63 for
    # ratios that are exact binary fractions.
    for r in rows:
        if r["ratio"] in (0.5, 0.25, 0.125):
            x = int(str(r["trace_id"])[16:], 16) >> 1
            assert r["sampled"] == (x * 8 < int(r["ratio"] * 8) << 63)


@needs_go
@pytest.mark.toolchain
def test_go_sampler_agrees_with_vectors() -> None:
    # runtime/go/telemetry/sampling_vectors_test.go reads tests/vectors/sampling.json.
    proc = run(
        [str(GO), "test", "-count=1", "-v", "-run", "TestSharedSamplingVectors", "./telemetry/"],
        ROOT / "runtime" / "go",
    )
    assert_ok(proc, "go test (sampling vectors)")
    assert "--- PASS: TestSharedSamplingVectors" in proc.stdout, proc.stdout
    assert "0 disagreements" in proc.stdout, proc.stdout
