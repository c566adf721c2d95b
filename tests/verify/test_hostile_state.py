"""What a hostile client cannot make verify keep: ids of the wrong shape are refused, and
the state kept between requests (traces, services, memos, metric series) stays bounded."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from scaffold.conventions import load
from scaffold.errors import InputError
from scaffold.verify import Options, otlp_json, otlp_proto
from scaffold.verify.context import Context
from scaffold.verify.findings import Where
from scaffold.verify.lines import RuleLines
from scaffold.verify.records import Value
from scaffold.verify.rules_attributes import check_attributes
from scaffold.verify.traces import KEEP_CHARS, MAX_SERVICES, TraceTracker
from tests.conftest import DEFAULT_CONVENTIONS, CliResult
from tests.verify.payloads import TRACE, resource_attrs, span, to_proto, traces

Cli = Callable[..., CliResult]


def _context(**options: int) -> Context:
    conv = load(DEFAULT_CONVENTIONS)
    return Context(conv, RuleLines.read(DEFAULT_CONVENTIONS), Options(**options))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("traceId", "not-hex-not-hex-not-hex-not-hex!", "is not 32 hex digits"),
        ("traceId", "abc", "is not 32 hex digits"),
        ("spanId", "0" * 100, "is not 16 hex digits"),
        ("spanId", "00f067aa 0ba902b", "is not 16 hex digits"),
        ("parentSpanId", "zzzzzzzzzzzzzzzz", "is not 16 hex digits"),
    ],
)
def test_json_ids_of_the_wrong_shape_are_refused(field: str, value: str, message: str) -> None:
    doc = traces(span(**{field: value}))  # type: ignore[arg-type]
    with pytest.raises(InputError, match=message):
        otlp_json.batch_of(doc)


def test_upper_case_hex_ids_are_read_as_the_spec_allows() -> None:
    (one,) = otlp_json.batch_of(traces(span(traceId=TRACE.upper()))).spans
    assert one.trace_id == TRACE


@pytest.mark.parametrize(("field", "size"), [("trace_id", 3), ("span_id", 9)])
def test_protobuf_ids_of_the_wrong_length_are_refused(field: str, size: int) -> None:
    message = ExportTraceServiceRequest()
    message.ParseFromString(to_proto(traces(span())))
    setattr(message.resource_spans[0].scope_spans[0].spans[0], field, b"\x01" * size)
    with pytest.raises(InputError, match=f"{field} of {size} bytes"):
        otlp_proto.batch_of("traces", message.SerializeToString())


def test_a_bad_id_in_a_file_is_exit_2(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(traces(span(spanId="xyz"))) + "\n", encoding="utf-8")
    result = cli("verify", "--conventions", str(DEFAULT_CONVENTIONS), str(path))
    assert result.code == 2 and f"{path}:1: `spanId` 'xyz' is not 16 hex digits" in result.err


def test_one_trace_cannot_outgrow_the_window() -> None:
    ctx = _context(trace_window=100)
    tracker = TraceTracker(ctx)
    for i in range(1000):
        (one,) = otlp_json.batch_of(traces(span(span_id=f"{i + 1:016x}"))).spans
        tracker.add(one, now=0.0)
        assert tracker.held <= 100
    assert [f.rule for f in ctx.take()] == ["trace.too_large"]
    tracker.finish()
    assert ctx.take() == [] and tracker.held == 0


def test_held_names_and_services_are_cut_and_services_counted() -> None:
    ctx = _context()
    tracker = TraceTracker(ctx)
    doc = traces(span("n" * 100_000), res=resource_attrs(service="s" * 100_000))
    (one,) = otlp_json.batch_of(doc).spans
    tracker.add(one, now=0.0)
    (seen,) = tracker.open[TRACE].spans.values()
    assert len(seen.name) == KEEP_CHARS and len(seen.service) == KEEP_CHARS
    for i in range(MAX_SERVICES + 500):
        (other,) = otlp_json.batch_of(
            traces(span(trace=f"{i + 1:032x}"), res=resource_attrs(service=f"svc-{i}"))
        ).spans
        tracker.add(other, now=0.0)
    assert len(tracker.services) <= MAX_SERVICES


def test_the_clean_memo_keeps_no_long_values() -> None:
    ctx = _context()
    where = Where("span")
    check_attributes(ctx, {"acme.team": Value("string", "t" * 100_000)}, where, "span")
    check_attributes(ctx, {"acme.team": Value("string", "payments")}, where, "span")
    assert ctx.take() == []
    assert [m[1].value for m in ctx.clean] == ["payments"]


def test_long_service_and_metric_names_are_checked_not_remembered() -> None:
    from scaffold.verify.engine import Verifier
    from tests.verify.payloads import metric, metrics

    conv = load(DEFAULT_CONVENTIONS)
    verifier = Verifier(conv, RuleLines.read(DEFAULT_CONVENTIONS))
    name = "app." + "x" * 5000
    doc = metrics(metric(name, attributes=[]), res=resource_attrs(service="s" * 5000))
    found = verifier.check(otlp_json.batch_of(doc))
    assert "resource.service_name" in {f.rule for f in found}
    assert verifier.ctx.service_names == {} and verifier.metrics.series == {}
    assert verifier.metrics.reported == set()


def test_a_million_attribute_span_costs_counters_not_findings() -> None:
    from scaffold.verify.context import MAX_LISTED
    from scaffold.verify.engine import Verifier

    conv = load(DEFAULT_CONVENTIONS)
    verifier = Verifier(conv, RuleLines.read(DEFAULT_CONVENTIONS))
    (one,) = otlp_json.batch_of(traces(span())).spans
    extra = MAX_LISTED + 50
    one.attributes.update({f"k{i}": Value("string", "") for i in range(extra)})
    batch = otlp_json.batch_of(traces())
    batch.spans.append(one)
    found = verifier.check(batch, "POST /v1/traces")
    assert len(found) == MAX_LISTED + 1
    last = found[-1]
    assert last.rule == "verify.unlisted" and last.where.input == "POST /v1/traces"
    assert "were counted in the summary but not listed" in last.message
    assert verifier.summary.by_rule["attribute.unknown"] == extra
    assert sum(verifier.summary.by_level.values()) == extra + 1
    assert verifier.check(otlp_json.batch_of(traces(span())))[-1:] != [last]


@pytest.mark.parametrize(
    "raw",
    [
        {"boolValue": "false"},
        {"intValue": 1.5},
        {"intValue": True},
        {"intValue": 2**64},
        {"intValue": "1e3"},
        {"doubleValue": True},
        {"doubleValue": "nan "},
        {"stringValue": 5},
    ],
)
def test_json_scalars_are_refused_not_coerced(raw: dict[str, object]) -> None:
    with pytest.raises(InputError, match=r"is not (a|an) "):
        otlp_json.value_of(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"boolValue": False}, Value("bool", False)),
        ({"intValue": "-42"}, Value("int", -42)),
        ({"intValue": 7}, Value("int", 7)),
        ({"doubleValue": "Infinity"}, Value("double", float("inf"))),
        ({"doubleValue": "2.5"}, Value("double", 2.5)),
        ({"doubleValue": 3}, Value("double", 3.0)),
    ],
)
def test_json_scalars_in_the_protobuf_json_mapping_are_read(
    raw: dict[str, object], expected: Value
) -> None:
    assert otlp_json.value_of(raw) == expected


def test_metrics_over_the_limit_count_against_the_tracked_metrics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from scaffold.verify import rules_metrics
    from scaffold.verify.engine import Verifier
    from tests.verify.payloads import metric, metrics

    monkeypatch.setattr(rules_metrics, "MAX_TRACKED_METRICS", 3)
    conv = load(DEFAULT_CONVENTIONS)
    verifier = Verifier(conv, RuleLines.read(DEFAULT_CONVENTIONS))
    limit = conv.metrics.cardinality_limit
    for n in range(10):
        points = [
            {"attributes": [{"key": "acme.team", "value": {"stringValue": f"t{i}"}}]}
            for i in range(limit + 1)
        ]
        doc = metrics(metric(f"app.m{n}", attributes=[]))
        doc["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["gauge"] = {  # type: ignore[index]
            "dataPoints": points
        }
        verifier.check(otlp_json.batch_of(doc))
    held = verifier.metrics
    assert len(held.series) + len(held.over) <= 3
