"""Span rules: the name against the naming rule of its kind and boundary, high-cardinality
pieces in names, and the attribute rules on the span, its events and its links."""

from __future__ import annotations

import re
from functools import lru_cache

from scaffold.conventions.model import NamePart
from scaffold.conventions.regex_dialect import as_python
from scaffold.verify.context import Context
from scaffold.verify.findings import Level, Where
from scaffold.verify.records import (
    KIND_CLIENT,
    KIND_CONSUMER,
    KIND_PRODUCER,
    KIND_SERVER,
    STATUS_ERROR,
    STATUS_NAMES,
    STATUS_UNSET,
    Attributes,
    Span,
)
from scaffold.verify.rules_attributes import check_attributes, check_text
from scaffold.verify.rules_http import check_http

_HIGH_CARDINALITY = (
    (re.compile(r"/\d+(?=[/?#\s]|$)"), "a number in a path"),
    (
        re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I),
        "a UUID",
    ),
    (re.compile(r"(?<![0-9a-z])[0-9a-f]{16,}(?![0-9a-z])", re.I), "a long hex id"),
    (re.compile(r"(?<![\w.])\d{4,}(?![\w.])"), "a long number"),
    (re.compile(r"\?\S*="), "a query string"),
)


def _rpc(attributes: Attributes) -> bool:
    # rpc.system.name since semantic conventions 1.45.0; rpc.system before.
    return "rpc.system.name" in attributes or "rpc.system" in attributes


def boundary_of(span: Span) -> str:
    """Which naming rule applies: the span's kind, refined by the attributes it carries."""
    a = span.attributes
    if span.kind == KIND_SERVER:
        return "rpc_server" if _rpc(a) else "http_server"
    if span.kind == KIND_CLIENT:
        if "db.system.name" in a or "db.system" in a:
            return "db"
        if "messaging.system" in a:
            # Messaging receive and settle spans are clients (semantic conventions'
            # messaging spans); no naming rule of the conventions covers them.
            return "messaging_client"
        return "rpc_client" if _rpc(a) else "http_client"
    if span.kind == KIND_PRODUCER:
        return "messaging_producer"
    if span.kind == KIND_CONSUMER:
        return "messaging_consumer"
    return "db" if "db.system.name" in a else "internal"


def _render(parts: tuple[NamePart, ...], attributes: Attributes) -> str | None:
    out = []
    for part in parts:
        if part.attribute:
            value = attributes.get(part.attribute)
            if value is None:
                return None
            out.append(_placeholder(part.attribute, value.text()))
        else:
            out.append(part.text)
    return "".join(out)


def _placeholder(attribute: str, text: str) -> str:
    """What an attribute puts in a span name. HTTP semantic conventions (v1.23 on): when
    http.request.method is `_OTHER` (a method the instrumentation does not know), the
    name's `{method}` MUST be `HTTP`."""
    if attribute == "http.request.method" and text == "_OTHER":
        return "HTTP"
    return text


@lru_cache(maxsize=64)
def _shape(parts: tuple[NamePart, ...]) -> re.Pattern[str]:
    return re.compile(
        "".join(r"\S+" if p.attribute else re.escape(p.text) for p in parts), re.DOTALL
    )


@lru_cache(maxsize=16)
def _pattern(text: str) -> re.Pattern[str]:
    # Read as Go and the Rust runtime read it (ASCII classes, `$` at the very end); a
    # pattern outside the dialect never loads, so the plain compile is a fallback only.
    return as_python(text) or re.compile(text)


def _name_ok(ctx: Context, span: Span, boundary: str) -> tuple[bool, str]:
    """Whether the name follows the rule, and what the rule expects (for the message)."""
    if boundary == "internal":
        pattern = ctx.conv.internal_span_pattern
        if not pattern:
            return True, ""
        return bool(_pattern(pattern).search(span.name)), f"the pattern {pattern}"
    rule = ctx.conv.span_rules.get(boundary)
    if rule is None:
        return True, ""
    wanted = [r for r in (_render(step, span.attributes) for step in rule.steps) if r is not None]
    if wanted:
        return span.name in wanted, " or ".join(repr(w) for w in dict.fromkeys(wanted))
    ok = any(_shape(p).fullmatch(span.name) for p in rule.steps)
    return ok, f"{rule.template!r} (or {rule.fallback!r})"


def _high_cardinality(span: Span) -> str:
    path = span.attributes.get("url.path")
    route = span.attributes.get("http.route")
    raw = path.text() if path is not None else ""
    if raw not in ("", "/") and raw in span.name and (route is None or route.text() != raw):
        return "the raw URL path"
    for pattern, what in _HIGH_CARDINALITY:
        if pattern.search(span.name):
            return what
    return ""


def _check_status(ctx: Context, span: Span, where: Where, boundary: str) -> None:
    """Span status as the Trace API and the HTTP semantic conventions (v1.23 on) set it: a
    description only with Error; a server span's 4xx leaves the status unset (MUST); a 5xx
    SHOULD be Error; 1xx-3xx leave it unset unless another error (error.type) happened."""
    line = ctx.lines.naming(boundary)
    if span.status_message and span.status_code != STATUS_ERROR:
        ctx.add(
            Level.IMPROVEMENT,
            "span.status",
            f"the status has a description but is {STATUS_NAMES[span.status_code]}; "
            "a description goes only with Error",
            where,
            line,
        )
    code = span.attributes.get("http.response.status_code")
    if boundary not in ("http_server", "http_client") or code is None or code.kind != "int":
        return
    http, error = int(str(code.value)), span.status_code == STATUS_ERROR
    if boundary == "http_server" and 400 <= http < 500 and error:
        level, text = Level.VIOLATION, "a server span's 4xx leaves the status unset"
    elif http >= 500 and span.status_code == STATUS_UNSET:
        level, text = Level.IMPROVEMENT, "a 5xx sets the status to Error"
    elif http < 400 and error and "error.type" not in span.attributes:
        level, text = Level.IMPROVEMENT, "a 1xx-3xx leaves the status unset unless error.type says"
    else:
        return
    ctx.add(
        level,
        "span.status",
        f"HTTP {http} with status {STATUS_NAMES[span.status_code]}; {text}",
        where,
        line,
    )


def check_span(ctx: Context, span: Span, input_name: str) -> None:
    where = Where(
        "span",
        service=span.resource.service,
        trace_id=span.trace_id,
        span_id=span.span_id,
        span_name=span.name,
        input=input_name,
    )
    boundary = boundary_of(span)
    ctx.rules_seen.add(boundary)
    ok, expected = _name_ok(ctx, span, boundary)
    if not ok:
        ctx.add(
            Level.VIOLATION,
            "span.name",
            f"name does not follow the {boundary} naming rule: expected {expected}",
            where,
            ctx.lines.naming(boundary),
        )
    piece = _high_cardinality(span)
    if piece:
        ctx.add(
            Level.VIOLATION,
            "span.name.cardinality",
            f"name holds {piece}; span names must be low-cardinality",
            where,
            ctx.lines.naming(boundary),
        )
    _check_status(ctx, span, where, boundary)
    check_http(ctx, boundary, span.attributes, span.status_code, where)
    check_text(ctx, span.name, where, "the span name")
    check_attributes(ctx, span.attributes, where, "span")
    for event in span.events:
        check_text(ctx, event.name, where, f"event {event.name!r} name")
        check_attributes(ctx, event.attributes, where, f"event {event.name!r}")
    for link in span.links:
        check_attributes(ctx, link.attributes, where, "link")
