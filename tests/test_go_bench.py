"""bench/go builds against the rendered package and every benchmark runs (one
iteration each: this checks the benchmark works, it measures nothing)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.go.gotools import GO, assert_ok, needs_go, render_service, run

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench" / "go"

pytestmark = [needs_go, pytest.mark.toolchain]


def test_bench_module_runs_and_reports(tmp_path: Path) -> None:
    for name in ("go.mod", "go.sum", "bench_test.go"):
        shutil.copy(BENCH / name, tmp_path / name)
    render_service(
        ROOT / "conventions" / "observability.yaml",
        tmp_path,
        service="bench",
        module="example.com/bench",
        mode="add",
    )
    for test_file in (tmp_path / "internal" / "telemetry").glob("*_test.go"):
        test_file.unlink()
    assert_ok(run([str(GO), "vet", "./..."], tmp_path), "go vet (bench)")
    proc = run(
        [str(GO), "test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", "1x"], tmp_path
    )
    assert_ok(proc, "go test -bench (bench)")
    report = subprocess.run(
        [sys.executable, str(BENCH / "ratios.py")],
        input=proc.stdout,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert report.returncode == 0, report.stderr
    for name in ("Bare", "GeneratedSampled", "GeneratedUnsampled", "OtelhttpSampled"):
        assert f"| {name} |" in report.stdout
    assert "generated unsampled / otelhttp sampled, ns" in report.stdout
