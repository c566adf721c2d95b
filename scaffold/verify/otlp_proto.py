"""OTLP protobuf (an export request, or TracesData/LogsData/MetricsData) into a Batch.

The export requests and the *Data messages share one wire layout (field 1: the resource
groups), so one parser per signal reads both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from scaffold.errors import InputError
from scaffold.verify.records import (
    Attributes,
    Batch,
    Event,
    Link,
    LogRecord,
    Metric,
    Resource,
    Span,
    Value,
)

SIGNALS = ("traces", "metrics", "logs")
_INSTRUMENTS = ("gauge", "sum", "histogram", "exponential_histogram", "summary")


_SCALARS = {
    "string_value": "string",
    "int_value": "int",
    "double_value": "double",
    "bool_value": "bool",
    "bytes_value": "bytes",
}


MAX_NESTING = 64


def value_of(raw: AnyValue, depth: int = 0) -> Value:
    if depth > MAX_NESTING:
        raise InputError(f"an attribute value nests arrays or kvlists over {MAX_NESTING} deep")
    which = raw.WhichOneof("value")
    kind = _SCALARS.get(which or "")
    if kind is not None:
        return Value(kind, getattr(raw, str(which)))
    if which == "array_value":
        return Value("array", tuple(value_of(v, depth + 1) for v in raw.array_value.values))
    if which == "kvlist_value":
        pairs = attributes_of(raw.kvlist_value.values, depth + 1)
        return Value("kvlist", tuple(pairs.items()))
    return Value("empty", None)


def attributes_of(raw: Iterable[KeyValue], depth: int = 0) -> Attributes:
    return {kv.key: value_of(kv.value, depth) for kv in raw}


def _id(raw: bytes, field: str, size: int) -> str:
    """A trace (16 bytes) or span (8 bytes) id as hex, or "" when absent."""
    if raw and len(raw) != size:
        raise InputError(f"a {field} of {len(raw)} bytes; it has {size}")
    return raw.hex()


def _span(resource: Resource, raw: Any) -> Span:
    return Span(
        resource=resource,
        trace_id=_id(raw.trace_id, "trace_id", 16),
        span_id=_id(raw.span_id, "span_id", 8),
        parent_span_id=_id(raw.parent_span_id, "parent_span_id", 8),
        name=raw.name,
        kind=int(raw.kind),
        attributes=attributes_of(raw.attributes),
        events=[Event(e.name, attributes_of(e.attributes)) for e in raw.events],
        links=[
            Link(
                _id(k.trace_id, "link trace_id", 16),
                _id(k.span_id, "link span_id", 8),
                attributes_of(k.attributes),
            )
            for k in raw.links
        ],
        status_code=int(raw.status.code) if 0 <= raw.status.code <= 2 else 0,
        status_message=raw.status.message,
    )


def _log(resource: Resource, raw: Any) -> LogRecord:
    return LogRecord(
        resource=resource,
        ordinal=0,
        trace_id=_id(raw.trace_id, "trace_id", 16),
        span_id=_id(raw.span_id, "span_id", 8),
        severity=raw.severity_text,
        body=value_of(raw.body) if raw.HasField("body") else None,
        attributes=attributes_of(raw.attributes),
    )


def _metric(resource: Resource, raw: Any) -> Metric:
    instrument = raw.WhichOneof("data") or ""
    points: list[Attributes] = []
    if instrument in _INSTRUMENTS:
        points = [attributes_of(p.attributes) for p in getattr(raw, instrument).data_points]
    return Metric(resource, raw.name, raw.unit, instrument, points)


def _traces(message: Any, batch: Batch) -> None:
    for group in message.resource_spans:
        resource = Resource(attributes_of(group.resource.attributes))
        batch.resources.append(resource)
        for scope in group.scope_spans:
            batch.spans.extend(_span(resource, s) for s in scope.spans)


def _logs(message: Any, batch: Batch) -> None:
    for group in message.resource_logs:
        resource = Resource(attributes_of(group.resource.attributes))
        batch.resources.append(resource)
        for scope in group.scope_logs:
            batch.logs.extend(_log(resource, r) for r in scope.log_records)


def _metrics(message: Any, batch: Batch) -> None:
    for group in message.resource_metrics:
        resource = Resource(attributes_of(group.resource.attributes))
        batch.resources.append(resource)
        for scope in group.scope_metrics:
            batch.metrics.extend(_metric(resource, m) for m in scope.metrics)


_PARSERS: dict[str, tuple[Callable[[], Any], Callable[[Any, Batch], None]]] = {
    "traces": (ExportTraceServiceRequest, _traces),
    "metrics": (ExportMetricsServiceRequest, _metrics),
    "logs": (ExportLogsServiceRequest, _logs),
}


def parse(signal: str, data: bytes) -> Any:
    """The protobuf message of one export request of `signal`."""
    factory, _ = _PARSERS[signal]
    message = factory()
    try:
        message.ParseFromString(data)
    except DecodeError as exc:
        raise InputError(f"not an OTLP {signal} protobuf message ({exc})") from exc
    return message


def batch_of(signal: str, data: bytes) -> Batch:
    """One export request of `signal` (traces, metrics or logs)."""
    message = parse(signal, data)
    batch = Batch()
    _PARSERS[signal][1](message, batch)
    return batch


def guess_signal(data: bytes) -> str | None:
    """Which signal a message holds, for files that do not say: spans carry 16-byte trace
    and 8-byte span ids, log records a time; else metrics, if it parses as metrics at all."""
    try:
        traces = parse("traces", data)
        for group in traces.resource_spans:
            for scope in group.scope_spans:
                if any(len(s.trace_id) == 16 and len(s.span_id) == 8 for s in scope.spans):
                    return "traces"
    except InputError:
        pass
    try:
        logs = parse("logs", data)
        for group in logs.resource_logs:
            for scope in group.scope_logs:
                if any(r.time_unix_nano or r.observed_time_unix_nano for r in scope.log_records):
                    return "logs"
    except InputError:
        pass
    try:
        parse("metrics", data)
    except InputError:
        return None
    return "metrics"
