"""Attribute rules: unknown keys, value types, enum members, deprecated attributes, and
pii/secret values exported in a form the conventions forbid."""

from __future__ import annotations

import re

from scaffold.conventions.model import Attribute
from scaffold.verify.context import Context
from scaffold.verify.findings import Level, Where
from scaffold.verify.records import Attributes, Value

_KINDS = {"string": "string", "int": "int", "double": "double", "boolean": "bool"}
_HASHED = re.compile(r"[0-9a-f]{64}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
MASK = "REDACTED"


def _type_problem(attr: Attribute, value: Value) -> str:
    """Why `value` does not fit the attribute's type, or ""."""
    if attr.type in _KINDS:
        want = _KINDS[attr.type]
        return "" if value.kind == want else f"is {value.kind}, the registry says {attr.type}"
    if attr.type.endswith("[]"):
        want = _KINDS.get(attr.type[:-2], "")
        items = value.value if value.kind == "array" and isinstance(value.value, tuple) else None
        if items is None or any(item.kind != want for item in items):
            return f"is {_describe(value)}, the registry says {attr.type}"
        return ""
    if attr.type == "enum" and attr.members:
        want = "int" if isinstance(attr.members[0].value, int) else "string"
        if value.kind != want:
            return f"is {value.kind}, the registry says an enum of {want} values"
    return ""


def _describe(value: Value) -> str:
    if value.kind == "array" and isinstance(value.value, tuple) and value.value:
        return f"an array of {value.value[0].kind}"
    return value.kind


def _check_known(ctx: Context, key: str, value: Value, where: Where, scope: str) -> None:
    attr = ctx.conv.registry[key]
    problem = _type_problem(attr, value)
    if problem:
        ctx.add(
            Level.VIOLATION,
            "attribute.type",
            f"{scope} attribute {key} {problem}",
            where,
            ctx.lines.attribute(key),
            key,
        )
    elif attr.type == "enum" and attr.members:
        members = [m.value for m in attr.members]
        if value.value not in members:
            allowed = ", ".join(str(m) for m in members)
            ctx.add(
                Level.VIOLATION,
                "attribute.enum",
                f"{scope} attribute {key}={value.text()!r} is not a member ({allowed})",
                where,
                ctx.lines.attribute(key),
                key,
            )
    if attr.deprecated or attr.stability == "deprecated":
        use = f"; use {attr.renamed_to}" if attr.renamed_to else ""
        ctx.add(
            Level.IMPROVEMENT,
            "attribute.deprecated",
            f"{scope} attribute {key} is deprecated{use} ({attr.deprecated or 'deprecated'})",
            where,
            ctx.lines.attribute(key),
            key,
        )
    if key == "db.query.text" and not ctx.conv.privacy.db_query_text:
        ctx.add(
            Level.VIOLATION,
            "privacy.raw",
            f"{scope} attribute db.query.text is exported; the conventions do not record it",
            where,
            ctx.lines.at("privacy", "db_query_text"),
            key,
        )
    elif attr.pii != "none":
        _check_private(ctx, attr, value, where, scope)


def _check_private(ctx: Context, attr: Attribute, value: Value, where: Where, scope: str) -> None:
    action = ctx.conv.privacy.actions.get(attr.pii)
    verb = getattr(action, ctx.options.stage, "keep") if action else "keep"
    text = value.text()
    if verb == "keep":
        return
    if verb == "hash" and value.kind == "string" and _HASHED.fullmatch(text):
        return
    if verb == "redact" and value.kind == "string" and text == MASK:
        return
    form = {
        "drop": "dropped",
        "hash": "hashed (keyed HMAC-SHA-256, lowercase hex)",
        "redact": f"masked as {MASK}",
    }
    ctx.add(
        Level.VIOLATION,
        "privacy.raw",
        f"{scope} attribute {attr.id} ({attr.pii}) is exported raw; the conventions say "
        f"{form.get(verb, verb)}",
        where,
        ctx.lines.privacy(attr.pii, ctx.options.stage),
        attr.id,
    )


def check_text(ctx: Context, text: str, where: Where, what: str) -> None:
    """A raw e-mail address in a name, a body or a value not classed as personal data."""
    if "@" in text and _EMAIL.search(text):
        ctx.add(
            Level.VIOLATION,
            "privacy.email",
            f"{what} holds a raw e-mail address",
            where,
            ctx.lines.privacy("pii", ctx.options.stage),
        )


def check_attributes(
    ctx: Context, attributes: Attributes, where: Where, scope: str, on_resource: bool = False
) -> None:
    """Every rule on one attribute set; `scope` says whose ("span", "log", "metric"...)."""
    for key, value in attributes.items():
        memo = (key, value, on_resource)
        if memo in ctx.clean:
            continue
        before = len(ctx.found)
        _check_one(ctx, key, value, where, scope, on_resource)
        attr = ctx.conv.registry.get(key)
        if len(ctx.found) == before and attr is not None and attr.cardinality == "low":
            ctx.remember_clean(memo)


def _check_one(
    ctx: Context, key: str, value: Value, where: Where, scope: str, on_resource: bool
) -> None:
    attr = ctx.conv.registry.get(key)
    if attr is not None:
        ctx.attributes_seen.add(key)
        _check_known(ctx, key, value, where, scope)
        if attr.pii != "none":
            return
    elif not ctx.known(key, on_resource):
        ctx.add(
            Level.IMPROVEMENT if on_resource else Level.VIOLATION,
            "attribute.unknown",
            f"{scope} attribute {key} is not in the registry "
            "(the conventions' attributes or the semantic conventions scaffold knows)",
            where,
            ctx.lines.at("attributes"),
            key,
        )
    for text in value.strings():
        check_text(ctx, text, where, f"{scope} attribute {key}")
