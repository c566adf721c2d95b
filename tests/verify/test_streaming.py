"""A file of 100,000 spans is verified with bounded memory: the peak while reading the last
80,000 spans is no higher than while reading the first 20,000 (measured with tracemalloc).
Not a timed test."""

from __future__ import annotations

import importlib.util
import tracemalloc
from pathlib import Path
from types import ModuleType

import pytest

from scaffold.conventions import load
from scaffold.verify import Options
from scaffold.verify.engine import Verifier
from scaffold.verify.files import read_file
from scaffold.verify.lines import RuleLines
from tests.conftest import DEFAULT_CONVENTIONS, ROOT

SPANS = 100_000
FIRST = 20_000


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "verify_bench", ROOT / "bench" / "verify_bench.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_100k_spans_stream_with_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "traces.pb"
    _bench().write_spans(path, SPANS, "proto")
    conv = load(DEFAULT_CONVENTIONS)
    verifier = Verifier(conv, RuleLines.read(DEFAULT_CONVENTIONS), Options(trace_window=5_000))
    found = 0
    first_peak = 0
    tracemalloc.start()
    try:
        for piece in read_file(path):
            found += len(verifier.check(piece.batch, piece.where))
            if not first_peak and verifier.summary.spans >= FIRST:
                first_peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.reset_peak()
        found += len(verifier.finish())
        rest_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert verifier.summary.spans == SPANS
    assert found == 0
    assert path.stat().st_size > 10 * 1024 * 1024
    # Flat after the trace window fills: the last 80% of the file costs no more memory
    # than the first 20%, and neither comes near the size of the file.
    assert rest_peak <= first_peak * 1.2 + 256 * 1024, (first_peak, rest_peak)
    assert rest_peak < 8 * 1024 * 1024, rest_peak
