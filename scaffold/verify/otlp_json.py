"""OTLP JSON (as the collector's file exporter and OTLP/HTTP JSON write it) into a Batch.

Ids are hex strings, 64-bit integers may be strings ("intValue": "42"), enums may be
numbers or names ("kind": 2 or "SPAN_KIND_SERVER").
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from scaffold.errors import InputError
from scaffold.verify.records import (
    KIND_NAMES,
    STATUS_NAMES,
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

# How deep arrays and kvlists may nest inside one attribute value (the protobuf reader
# enforces the same); deeper is refused, not recursed into.
MAX_NESTING = 64

_INSTRUMENTS = {
    "gauge": "gauge",
    "sum": "sum",
    "histogram": "histogram",
    "exponentialHistogram": "exponential_histogram",
    "summary": "summary",
}


class JsonSyntaxError(InputError):
    """Text that is not JSON at all (as opposed to JSON that is not OTLP)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


def _no_constant(name: str) -> Any:
    raise JsonSyntaxError(f"not valid JSON: {name} is not a JSON value", 1)


def loads(data: bytes | str) -> Any:
    """Parse JSON text; every way it can be bad (syntax, NaN and Infinity, bytes that are not
    UTF-8, nesting beyond the parser's depth) is an InputError."""
    try:
        return json.loads(data, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise JsonSyntaxError(f"not valid JSON: {exc.msg}", exc.lineno) from exc
    except UnicodeDecodeError as exc:
        raise InputError(
            f"not UTF-8: byte {exc.start} is {data[exc.start:exc.start + 1]!r}"
        ) from exc
    except RecursionError as exc:
        raise InputError("JSON nested too deeply to read") from exc


def _list(obj: dict[str, Any], key: str) -> list[Any]:
    value = obj.get(key) or []
    if not isinstance(value, list):
        raise InputError(f"`{key}` must be a list, not {type(value).__name__}")
    return value


def _dict(obj: Any, what: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise InputError(f"{what} must be an object, not {type(obj).__name__}")
    return obj


_SCALARS = (
    ("stringValue", "string"),
    ("intValue", "int"),
    ("doubleValue", "double"),
    ("boolValue", "bool"),
)
_WHAT = {
    "stringValue": "a string",
    "intValue": "an integer (64 bits)",
    "doubleValue": "a number",
    "boolValue": "a boolean (true or false)",
}
_INT64 = range(-(2**63), 2**63)
_INTEGER = re.compile(r"-?[0-9]+")
_DOUBLE_WORDS = {"NaN", "Infinity", "-Infinity"}


def _scalar(key: str, raw: Any) -> object:
    """A scalar AnyValue as the protobuf JSON mapping has it: strings are strings, booleans
    true or false, 64-bit integers a number or a decimal string, doubles a number, a
    numeric string, "NaN" or "Infinity". Anything else is refused, never coerced."""
    if key == "stringValue" and isinstance(raw, str):
        return raw
    if key == "boolValue" and isinstance(raw, bool):
        return raw
    if key == "intValue" and not isinstance(raw, bool):
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, str) and _INTEGER.fullmatch(raw) and len(raw) <= 20:
            raw = int(raw)
        if isinstance(raw, int) and raw in _INT64:
            return raw
    if key == "doubleValue" and not isinstance(raw, bool):
        if isinstance(raw, int | float):
            return float(raw)
        if isinstance(raw, str) and (raw in _DOUBLE_WORDS or _is_number(raw)):
            return float(raw)
    raise InputError(f"{key} {str(raw)[:40]!r} is not {_WHAT[key]}")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and text.lower().lstrip("+-") not in ("nan", "inf", "infinity")


def value_of(raw: Any, depth: int = 0) -> Value:
    """One OTLP AnyValue in JSON form."""
    if depth > MAX_NESTING:
        raise InputError(f"an attribute value nests arrays or kvlists over {MAX_NESTING} deep")
    obj = _dict(raw, "an attribute value")
    for key, kind in _SCALARS:
        if key in obj:
            return Value(kind, _scalar(key, obj[key]))
    if "bytesValue" in obj:
        try:
            return Value("bytes", base64.b64decode(str(obj["bytesValue"]), validate=True))
        except binascii.Error as exc:
            raise InputError("bytesValue is not base64") from exc
    if "arrayValue" in obj:
        items = _list(_dict(obj["arrayValue"], "arrayValue"), "values")
        return Value("array", tuple(value_of(v, depth + 1) for v in items))
    if "kvlistValue" in obj:
        pairs = attributes_of(_list(_dict(obj["kvlistValue"], "kvlistValue"), "values"), depth + 1)
        return Value("kvlist", tuple(pairs.items()))
    return Value("empty", None)


def attributes_of(raw: list[Any], depth: int = 0) -> Attributes:
    out: Attributes = {}
    for item in raw:
        kv = _dict(item, "an attribute")
        key = kv.get("key")
        if not isinstance(key, str):
            raise InputError("an attribute has no string `key`")
        out[key] = value_of(kv.get("value") or {}, depth)
    return out


_HEX = re.compile(r"[0-9a-fA-F]+")
_ID_DIGITS = {"traceId": 32, "spanId": 16, "parentSpanId": 16}


def _hex(obj: dict[str, Any], key: str) -> str:
    """A trace or span id: hex digits of its exact width (case-insensitive), or absent."""
    value = obj.get(key) or ""
    if not isinstance(value, str):
        raise InputError(f"`{key}` must be a hex string")
    digits = _ID_DIGITS[key]
    if value and (len(value) != digits or not _HEX.fullmatch(value)):
        raise InputError(f"`{key}` {value[:40]!r} is not {digits} hex digits")
    return value.lower()


def _kind(raw: Any) -> int:
    if isinstance(raw, int):
        return raw if 0 <= raw < len(KIND_NAMES) else 0
    if isinstance(raw, str):
        name = raw.removeprefix("SPAN_KIND_").lower()
        return KIND_NAMES.index(name) if name in KIND_NAMES else 0
    return 0


def _status_code(raw: Any) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if 0 <= raw < len(STATUS_NAMES) else 0
    if isinstance(raw, str):
        name = raw.removeprefix("STATUS_CODE_").lower()
        return STATUS_NAMES.index(name) if name in STATUS_NAMES else 0
    return 0


def _resource(obj: dict[str, Any]) -> Resource:
    raw = obj.get("resource") or {}
    return Resource(attributes_of(_list(_dict(raw, "resource"), "attributes")))


def _span(resource: Resource, raw: Any) -> Span:
    obj = _dict(raw, "a span")
    events = [
        Event(str(e.get("name", "")), attributes_of(_list(e, "attributes")))
        for e in (_dict(x, "an event") for x in _list(obj, "events"))
    ]
    links = [
        Link(_hex(k, "traceId"), _hex(k, "spanId"), attributes_of(_list(k, "attributes")))
        for k in (_dict(x, "a link") for x in _list(obj, "links"))
    ]
    status = _dict(obj.get("status") or {}, "a span status")
    return Span(
        resource=resource,
        trace_id=_hex(obj, "traceId"),
        span_id=_hex(obj, "spanId"),
        parent_span_id=_hex(obj, "parentSpanId"),
        name=str(obj.get("name", "")),
        kind=_kind(obj.get("kind", 0)),
        attributes=attributes_of(_list(obj, "attributes")),
        events=events,
        links=links,
        status_code=_status_code(status.get("code", 0)),
        status_message=str(status.get("message", "")),
    )


def _log(resource: Resource, raw: Any) -> LogRecord:
    obj = _dict(raw, "a log record")
    body = obj.get("body")
    return LogRecord(
        resource=resource,
        ordinal=0,
        trace_id=_hex(obj, "traceId"),
        span_id=_hex(obj, "spanId"),
        severity=str(obj.get("severityText", "")),
        body=value_of(body) if body else None,
        attributes=attributes_of(_list(obj, "attributes")),
    )


def _metric(resource: Resource, raw: Any) -> Metric:
    obj = _dict(raw, "a metric")
    instrument, points = "", []
    for key, name in _INSTRUMENTS.items():
        if key in obj:
            instrument = name
            data = _dict(obj[key], key)
            points = [
                attributes_of(_list(_dict(p, "a data point"), "attributes"))
                for p in _list(data, "dataPoints")
            ]
            break
    return Metric(resource, str(obj.get("name", "")), str(obj.get("unit", "")), instrument, points)


_SIGNALS = (
    ("resourceSpans", "scopeSpans", "spans"),
    ("resourceLogs", "scopeLogs", "logRecords"),
    ("resourceMetrics", "scopeMetrics", "metrics"),
)


_TOP_KEYS = {"traces": "resourceSpans", "logs": "resourceLogs", "metrics": "resourceMetrics"}


def batch_of(document: Any, signal: str | None = None) -> Batch:
    """One export request (traces, logs or metrics; several at once are fine in a file).

    With `signal` (an OTLP/HTTP path said which), only that signal's groups are read and
    an empty request (`{}`) is a valid one, as the specification has it; a file with none
    of the three keys is not an OTLP export at all."""
    doc = _dict(document, "an OTLP document")
    wanted = [s for s in _SIGNALS if signal is None or s[0] == _TOP_KEYS[signal]]
    if signal is None and not any(top in doc for top, _, _ in _SIGNALS):
        raise InputError("not an OTLP export: no resourceSpans, resourceLogs or resourceMetrics")
    batch = Batch()
    for top, scopes, items in wanted:
        for raw_resource in _list(doc, top):
            obj = _dict(raw_resource, top)
            resource = _resource(obj)
            batch.resources.append(resource)
            for scope in _list(obj, scopes):
                for raw in _list(_dict(scope, scopes), items):
                    if items == "spans":
                        batch.spans.append(_span(resource, raw))
                    elif items == "logRecords":
                        batch.logs.append(_log(resource, raw))
                    else:
                        batch.metrics.append(_metric(resource, raw))
    return batch
