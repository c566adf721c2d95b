"""The readers' details: OTLP JSON's encodings, protobuf files whose name does not say the
signal, and the trace tracker's wait and window."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scaffold.conventions import load
from scaffold.errors import InputError
from scaffold.verify import Options, jsonsplit
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
    attrs,
    log,
    logs,
    metric,
    metrics,
    resource_attrs,
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


def _two_groups() -> dict[str, object]:
    tricky = span('GET /a"[{}]\\ \u00e9', attributes=attrs(note='}{"]['))  # type: ignore[arg-type]
    doc = traces(span(), tricky)
    other = traces(span(span_id=CHILD_SPAN, parent=ROOT_SPAN), res=resource_attrs(service="stock"))
    doc["resourceSpans"] = doc["resourceSpans"] + other["resourceSpans"]  # type: ignore[operator]
    doc["extra"] = {"resourceSpans": [{"not": "a group"}]}
    return doc


def _names(path: Path, max_message: int) -> list[tuple[str, str, str]]:
    return [
        (piece.where.rsplit(":", 1)[1], s.resource.service, s.name)
        for piece in read_file(path, max_message=max_message)
        for s in piece.batch.spans
    ]


@pytest.mark.parametrize("chunk", [7, 1 << 20])
@pytest.mark.parametrize("shape", ["pretty", "one-line", "array", "concatenated"])
def test_large_documents_are_split_by_resource_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, shape: str
) -> None:
    monkeypatch.setattr(jsonsplit, "CHUNK", chunk)
    doc = _two_groups()
    text = {
        "pretty": json.dumps(doc, indent=2),
        "one-line": json.dumps(doc),
        "array": json.dumps([doc, doc], indent=1),
        "concatenated": json.dumps(doc, indent=1) + "\n" + json.dumps(doc, indent=1),
    }[shape]
    path = tmp_path / "big.json"
    path.write_text(text, encoding="utf-8")
    limit = len(text) // 3 if shape in ("array", "concatenated") else len(text) - 10
    got = _names(path, limit)
    expected = [("payments", "GET /users/{id}"), ("payments", 'GET /a"[{}]\\ \u00e9')]
    expected += [("stock", "GET /users/{id}")]
    twice = shape in ("array", "concatenated")
    assert [(service, name) for _, service, name in got] == expected * (2 if twice else 1)
    if shape == "pretty":
        lines = text.splitlines()
        first_group = int(got[0][0])
        assert lines[first_group - 1].strip() == "{" and "resourceSpans" in lines[first_group - 2]


def test_a_resource_group_over_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps(_two_groups(), indent=2), encoding="utf-8")
    with pytest.raises(InputError, match="one resource group over 200 bytes"):
        list(read_file(path, max_message=200))


def test_a_broken_group_names_its_line(tmp_path: Path) -> None:
    text = json.dumps(_two_groups(), indent=2).replace('"stock"', '"stock" oops', 1)
    path = tmp_path / "big.json"
    path.write_text(text, encoding="utf-8")
    line = next(i for i, x in enumerate(text.splitlines(), start=1) if "oops" in x)
    with pytest.raises(InputError, match=rf"big.json:{line}: not valid JSON"):
        list(read_file(path, max_message=len(text) - 10))
