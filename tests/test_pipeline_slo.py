"""Latency SLOs and the duration histogram: a threshold must be a bucket bound, since the
SLO counts fast requests from the bucket with that bound (`le`). The conventions refuse
any other threshold at load (exit 2, file, line and the fix)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from scaffold.conventions import load
from scaffold.targets import pipeline_metrics as pm
from tests.conftest import DEFAULT_CONVENTIONS, EXAMPLES, HOSTILE, CliResult

# The bounds the semantic conventions advise for http.server.request.duration
# (semantic-conventions, docs/http/http-metrics.md).
SEMCONV_HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)


def test_the_default_conventions_use_the_semconv_buckets_and_stay_valid() -> None:
    conv = load(DEFAULT_CONVENTIONS)
    assert conv.metrics.duration_buckets == SEMCONV_HTTP_BUCKETS
    latency = [s for s in conv.slos if s.latency_threshold is not None]
    assert latency, "the default conventions have a latency SLO"


@pytest.mark.parametrize("conventions", [DEFAULT_CONVENTIONS, *EXAMPLES, HOSTILE], ids=str)
def test_every_latency_slo_is_counted_from_the_bucket_of_its_threshold(conventions: Path) -> None:
    conv = load(conventions)
    for view in pm.slo_views(conv):
        if view.kind == "latency":
            assert round(view.bound * 1000, 6) == view.threshold_ms, view.name
            assert view.bound in conv.metrics.duration_buckets


def _variant(tmp_path: Path, edit: Callable[[str], str]) -> Path:
    text = DEFAULT_CONVENTIONS.read_text()
    changed = edit(text)
    assert changed != text
    path = tmp_path / "observability.yaml"
    path.write_text(changed)
    return path


def _line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_a_threshold_between_bounds_is_refused_with_file_line_and_fix(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    path = _variant(
        tmp_path, lambda t: t.replace("latency_threshold: 250ms", "latency_threshold: 300ms")
    )
    result = cli("alerts", "--conventions", str(path), "--out", str(tmp_path / "out"))
    assert result.code == 2
    line = _line_of(path, "latency_threshold: 300ms")
    assert re.search(rf"observability\.yaml:{line}:\d+: slos\[1\]\.latency_threshold", result.err)
    assert "Add 0.3 to metrics.duration_buckets, or pick a bound: 250ms or 500ms." in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "out").exists()


def test_adding_the_threshold_to_the_buckets_makes_it_valid(tmp_path: Path) -> None:
    path = _variant(
        tmp_path,
        lambda t: t.replace("latency_threshold: 250ms", "latency_threshold: 300ms").replace(
            "0.25, 0.5,", "0.25, 0.3, 0.5,"
        ),
    )
    (view,) = [v for v in pm.slo_views(load(path)) if v.kind == "latency"]
    assert view.bound == 0.3


def test_without_duration_buckets_the_default_bounds_are_checked(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    def drop_buckets(threshold: str) -> Callable[[str], str]:
        def edit(text: str) -> str:
            text = re.sub(r"\n  duration_buckets: \[[^\]]*\]", "", text)
            return text.replace("latency_threshold: 250ms", f"latency_threshold: {threshold}")

        return edit

    refused = _variant(tmp_path, drop_buckets("2s"))
    result = cli("collector", "--conventions", str(refused), "--out", str(tmp_path / "out"))
    assert result.code == 2
    assert "pick a bound: 1000ms or 2500ms" in result.err
    accepted = _variant(tmp_path, drop_buckets("750ms"))
    assert load(accepted).slos[1].latency_threshold is not None
