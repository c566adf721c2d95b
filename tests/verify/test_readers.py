"""The readers' details: OTLP JSON's encodings, protobuf files whose name does not say the
signal, and the trace tracker's wait and window."""

from __future__ import annotations

from pathlib import Path

import pytest

from scaffold.conventions import load
from scaffold.errors import InputError
from scaffold.verify import Options
from scaffold.verify.context import Context
from scaffold.verify.files import read_file
from scaffold.verify.lines import RuleLines
from scaffold.verify.otlp_json import batch_of
from scaffold.verify.records import Value
from scaffold.verify.traces import TraceTracker
from tests.conftest import DEFAULT_CONVENTIONS
from tests.verify.payloads import (
    CHILD_SPAN,
    ROOT_SPAN,
    TRACE,
    log,
    logs,
    metric,
    metrics,
    span,
    to_proto,
    traces,
)


def test_json_encodings() -> None:
    doc = traces(
        span(
            trace=TRACE.upper(),
            kind="SPAN_KIND_CLIENT",  # type: ignore[arg-type]
            attributes=[
                {"key": "a", "value": {"intValue": "9007199254740993"}},
                {"key": "b", "value": {"intValue": 7}},
                {"key": "c", "value": {"bytesValue": "aGk="}},
                {"key": "d", "value": {"arrayValue": {"values": [{"stringValue": "x"}]}}},
                {
                    "key": "e",
                    "value": {
                        "kvlistValue": {"values": [{"key": "k", "value": {"boolValue": True}}]}
                    },
                },
                {"key": "f", "value": {}},
            ],
        )
    )
    got = batch_of(doc).spans[0]
    assert got.trace_id == TRACE and got.kind == 3
    assert got.attributes == {
        "a": Value("int", 9007199254740993),
        "b": Value("int", 7),
        "c": Value("bytes", b"hi"),
        "d": Value("array", (Value("string", "x"),)),
        "e": Value("kvlist", (("k", Value("bool", True)),)),
        "f": Value("empty", None),
    }


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"intValue": "seven"}, "is not an integer"),
        ({"bytesValue": "***"}, "not base64"),
        ({"doubleValue": "x"}, "not a number"),
    ],
)
def test_json_bad_values_are_input_errors(bad: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        batch_of(traces(span(attributes=[{"key": "a", "value": bad}])))


@pytest.mark.parametrize(
    ("doc", "signal"),
    [
        (traces(span()), "spans"),
        (logs(log("x")), "logs"),
        (metrics(metric("http.server.request.duration")), "metrics"),
    ],
)
def test_protobuf_signal_is_guessed_when_the_name_does_not_say(
    tmp_path: Path, doc: dict[str, object], signal: str
) -> None:
    path = tmp_path / "export.bin"
    path.write_bytes(to_proto(doc))
    (piece,) = list(read_file(path))
    counts = {
        "spans": len(piece.batch.spans),
        "logs": len(piece.batch.logs),
        "metrics": len(piece.batch.metrics),
    }
    assert {k for k, v in counts.items() if v} == {signal}


def _tracker(**options: float) -> tuple[TraceTracker, Context]:
    conv = load(DEFAULT_CONVENTIONS)
    ctx = Context(conv, RuleLines.read(DEFAULT_CONVENTIONS), Options(**options))  # type: ignore[arg-type]
    return TraceTracker(ctx), ctx


def test_orphans_are_judged_after_the_wait_not_before() -> None:
    tracker, ctx = _tracker(orphan_wait=10)
    (child,) = batch_of(
        traces(span("load_user", kind=1, span_id=CHILD_SPAN, parent=ROOT_SPAN))
    ).spans
    tracker.add(child, now=100.0)
    tracker.expire(now=105.0)
    assert ctx.take() == []
    tracker.expire(now=111.0)
    assert [f.rule for f in ctx.take()] == ["trace.orphan"]


def test_a_late_parent_within_the_wait_is_no_orphan() -> None:
    tracker, ctx = _tracker(orphan_wait=10)
    batch = batch_of(
        traces(span("load_user", kind=1, span_id=CHILD_SPAN, parent=ROOT_SPAN), span())
    )
    child, root = batch.spans
    tracker.add(child, now=100.0)
    tracker.add(root, now=108.0)
    tracker.expire(now=115.0)
    tracker.finish()
    assert ctx.take() == []


def test_the_window_bounds_what_is_held() -> None:
    tracker, _ = _tracker(trace_window=50)
    for i in range(500):
        (one,) = batch_of(traces(span(trace=f"{i + 1:032x}"))).spans
        tracker.add(one, now=0.0)
        assert tracker.held <= 50
    assert len(tracker.open) <= 50
