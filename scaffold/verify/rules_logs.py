"""Log rules: a record written inside a span carries the conventions' trace and span id
fields (or OTLP's own trace context, complete), plus the attribute rules and raw e-mails.

A record counts as written inside a span when it carries any trace context: OTLP's traceId
or spanId, one of the conventions' fields, or a trace id under another common name.
"""

from __future__ import annotations

import json
import re

from scaffold.verify.context import Context
from scaffold.verify.findings import Level, Where
from scaffold.verify.records import LogRecord
from scaffold.verify.rules_attributes import check_attributes, check_text

OTHER_TRACE_KEYS = (
    "traceId",
    "traceid",
    "trace.id",
    "trace-id",
    "otelTraceID",
    "dd.trace_id",
    "logging.googleapis.com/trace",
    "trace_id",
)
_HEX = {32: re.compile(r"[0-9a-f]{32}"), 16: re.compile(r"[0-9a-f]{16}")}


def _fields(record: LogRecord) -> dict[str, str]:
    """Top-level fields of the record: its attributes, and a structured (or JSON) body."""
    out = {key: value.text() for key, value in record.attributes.items()}
    body = record.body
    if body is not None and body.kind == "kvlist" and isinstance(body.value, tuple):
        out.update((key, item.text()) for key, item in body.value)
    elif body is not None and body.kind == "string" and str(body.value).startswith("{"):
        try:
            parsed = json.loads(str(body.value))
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            out.update((str(k), str(v)) for k, v in parsed.items())
    return out


def _correlation_problem(ctx: Context, record: LogRecord, fields: dict[str, str]) -> str:
    trace_field, span_field = ctx.conv.logs.trace_id_field, ctx.conv.logs.span_id_field
    if bool(record.trace_id) != bool(record.span_id):
        return "carries only one of OTLP's traceId and spanId"
    has_trace, has_span = trace_field in fields, span_field in fields
    if has_trace != has_span:
        missing = span_field if has_trace else trace_field
        return f"carries {trace_field if has_trace else span_field} but not {missing}"
    if has_trace:
        for name, width in ((trace_field, 32), (span_field, 16)):
            if not _HEX[width].fullmatch(fields[name]):
                return f"field {name}={fields[name]!r} is not a {width}-digit hex id"
        return ""
    if record.trace_id:
        return ""
    other = next((k for k in OTHER_TRACE_KEYS if k in fields and k != trace_field), "")
    if other:
        return (
            f"names its trace id {other!r}; the conventions say {trace_field!r} and {span_field!r}"
        )
    return ""


def check_log(ctx: Context, record: LogRecord, input_name: str) -> None:
    where = Where(
        "log",
        service=record.resource.service,
        trace_id=record.trace_id,
        span_id=record.span_id,
        log_record=record.ordinal,
        input=input_name,
    )
    fields = _fields(record)
    problem = _correlation_problem(ctx, record, fields)
    if problem:
        ctx.add(
            Level.VIOLATION,
            "log.correlation",
            f"log record inside a span {problem}",
            where,
            ctx.lines.at("logs", "fields", "trace_id"),
        )
    own = {
        ctx.conv.logs.trace_id_field,
        ctx.conv.logs.span_id_field,
        ctx.conv.logs.trace_flags_field,
    }
    attributes = {k: v for k, v in record.attributes.items() if k not in own}
    check_attributes(ctx, attributes, where, "log")
    if record.body is not None:
        for text in record.body.strings():
            check_text(ctx, text, where, "the log body")
