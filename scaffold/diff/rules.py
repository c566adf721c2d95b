"""The classification table: every path of observability.yaml and what a change there means.

One row per path pattern ("*" is one key, an attribute id or an SLO name); the first row
that matches a difference judges it. A difference no row matches is still reported, as
breaking, saying it could not be classified (verdicts.unclassified). Where a default fills
in a missing value, rows compare the value in force (verdicts.effective), so writing out a
default is cosmetic. The reasons are in docs/ci.md.
"""

from __future__ import annotations

from typing import Any

from scaffold.conventions.model import Conventions
from scaffold.diff.model import Kind
from scaffold.diff.verdicts import (
    Classify,
    Ctx,
    Getter,
    Verdict,
    effective,
    fixed,
    item,
    members,
    moved,
    ranked,
    show,
    unclassified,
)
from scaffold.diff.walk import ORDER

PII_ORDER = ("none", "pii", "secret")
LEVEL_ORDER = ("opt_in", "recommended", "conditionally_required", "required")
STABILITY_ORDER = ("development", "stable")

B: Kind = "breaking"
A: Kind = "additive"
C: Kind = "cosmetic"


def _attr(field: str) -> Getter:
    return lambda c, p: getattr(c.registry[p[1]], field)


def _resource(field: str) -> Getter:
    return lambda c, p: getattr(next(r for r in c.resource if r.key == p[1]), field)


def _of(*names: str) -> Getter:
    """The model value at a dotted path of attribute names (`export.timeout.ms`)."""

    def get(conv: Conventions, _: tuple[str, ...]) -> Any:
        value: Any = conv
        for name in names:
            value = getattr(value, name)
        return value

    return get


def _rule(c: Conventions, p: tuple[str, ...]) -> Any:
    rule = c.span_rules[p[1]]
    return (rule.template, rule.fallback)


Shape = tuple[str, str]


def _shapes(ctx: Ctx) -> tuple[dict[Shape, list[str]], set[Shape]]:
    """(type, brief) -> ids of the attributes new on the new side, and the (type, brief)
    of every old attribute: worked out once per comparison (ctx.memo), so many removals
    and additions cost linear work."""
    found = ctx.memo.get("shapes")
    if found is None:
        added: dict[Shape, list[str]] = {}
        for a in ctx.new_conv.attributes:
            if a.id not in ctx.old_conv.registry:
                added.setdefault((a.type, a.brief), []).append(a.id)
        found = (added, {(a.type, a.brief) for a in ctx.old_conv.attributes})
        ctx.memo["shapes"] = found
    return found


def _attribute_removed(ctx: Ctx) -> Verdict:
    ident = ctx.path[1]
    old = ctx.old_conv.registry.get(ident)
    twins = _shapes(ctx)[0].get((old.type, old.brief), []) if old is not None else []
    hint = (
        f" It may have been renamed to {', '.join(twins)} (same type and brief); a rename "
        "is a removal for every consumer of the old name."
        if twins
        else ""
    )
    if ident in ctx.new_conv.registry:
        hint += " The id is still known from the semantic conventions, with their definition."
    detail = f"{ctx.change.key} removed: telemetry and code using it break.{hint}"
    return Verdict(B, "attribute removed", detail)


def _attribute_added(ctx: Ctx) -> Verdict:
    ident = ctx.path[1]
    if ident in ctx.old_conv.registry:
        return Verdict(
            B,
            "attribute redefined",
            f"{ctx.change.key} added over the semantic conventions' attribute of that id; "
            "its type, PII class or level may differ from what consumers expect",
        )
    old_twins = _shapes(ctx)[1]
    new = ctx.new_conv.registry.get(ident)
    twin = new is not None and (new.type, new.brief) in old_twins
    hint = " (same type and brief as an attribute removed: perhaps a rename)" if twin else ""
    return Verdict(A, "attribute added", f"{ctx.change.key} added{hint}")


def _requirement(ctx: Ctx) -> Verdict:
    if ctx.old not in LEVEL_ORDER or ctx.new not in LEVEL_ORDER:
        return unclassified(ctx)
    key = ctx.change.key
    if LEVEL_ORDER.index(ctx.new) > LEVEL_ORDER.index(ctx.old):
        why = "instrumentation must now set it where it did not have to"
        return Verdict(B, "requirement level raised", f"{key} {moved(ctx)}: {why}")
    if ctx.new == "opt_in":
        why = "it is no longer recorded by default, so consumers may stop receiving it"
        return Verdict(B, "requirement level lowered to opt-in", f"{key} {moved(ctx)}: {why}")
    if ctx.old == "required":
        why = "dashboards, alerts and SLOs relying on it on every span may stop receiving it"
        return Verdict(B, "requirement level lowered from required", f"{key} {moved(ctx)}: {why}")
    return Verdict(A, "requirement level lowered", f"{key} {moved(ctx)}: services may omit it")


def _stability(ctx: Ctx) -> Verdict:
    key = ctx.change.key
    new = ctx.new_conv.registry[ctx.path[1]].stability
    old = ctx.old_conv.registry[ctx.path[1]].stability
    if new == "deprecated":
        return Verdict(
            A, "attribute deprecated", f"{key} {moved(ctx)}: still emitted, now deprecated"
        )
    if old == "stable":
        why = "the stability promise is withdrawn"
        return Verdict(B, "stability lowered", f"{key} {moved(ctx)}: {why}")
    return Verdict(A, "stability raised", f"{key} {moved(ctx)}")


def _span_rule(ctx: Ctx) -> Verdict:
    old, new = _rule(ctx.old_conv, ctx.path), _rule(ctx.new_conv, ctx.path)
    text = (
        f"span_naming.{ctx.path[1]}: template/fallback {show(list(old))} -> {show(list(new))}; "
        "spans at this boundary get other names, which breaks queries, alerts and SLOs on them"
    )
    return Verdict(B, "span naming rule changed", text)


_LOOSENED = "less is protected than before"
_TIGHTENED = (
    "more is protected, but consumers now receive it hashed, redacted or not at all, so "
    "queries, joins and dashboards on its values break"
)


def _actions(conv: Conventions, pii: str) -> tuple[str, str]:
    """The (sdk, collector) actions in force for a PII class; `none` is kept as it is."""
    if pii == "none":
        return ("keep", "keep")
    action = conv.privacy.actions[pii]
    return (action.sdk, action.collector)


def _pii_class(ctx: Ctx) -> Verdict:
    """An attribute's PII class: weaker is breaking (less protected); stronger is breaking
    too when the actions in force change what consumers receive; else additive."""
    if ctx.old not in PII_ORDER or ctx.new not in PII_ORDER:
        return unclassified(ctx)
    key = ctx.change.key
    old, new = _actions(ctx.old_conv, ctx.old), _actions(ctx.new_conv, ctx.new)
    acts = f"(sdk/collector {'/'.join(old)} -> {'/'.join(new)})"
    if PII_ORDER.index(ctx.new) < PII_ORDER.index(ctx.old):
        return Verdict(B, "PII class loosened", f"{key} {moved(ctx)} {acts}: {_LOOSENED}")
    if old != new:
        return Verdict(B, "PII class tightened", f"{key} {moved(ctx)} {acts}: {_TIGHTENED}")
    why = "the actions in force are the same, so consumers receive the same values"
    return Verdict(A, "PII class changed", f"{key} {moved(ctx)} {acts}: {why}")


_NEW_VAR = "deployments and runbooks that set the old variable stop working"
_TELEMETRY = "exported telemetry changes shape for every consumer"

RULES: tuple[tuple[tuple[str, ...], Classify], ...] = (
    (("schema_version",), fixed(B, "schema version changed")),
    (("organisation", "name"), fixed(B, "organisation renamed", "names derived from it change")),
    (
        ("organisation", "environments"),
        members(
            "environments changed", B, A, "services there lose their settings", "new place to run"
        ),
    ),
    (
        ("organisation", "environment_variable"),
        effective(_of("environment_variable"), fixed(B, "environment variable changed", _NEW_VAR)),
    ),
    (("codegen", "go_package"), effective(_of("go_package"), fixed(B, "Go package renamed"))),
    (("codegen", "rust_module"), effective(_of("rust_module"), fixed(B, "Rust module renamed"))),
    (("resource", ORDER), fixed(C, "resource attributes reordered", "a resource is a set")),
    (
        ("resource", "*"),
        item("resource attribute", A, B, "stamped on every signal", "consumers lose it"),
    ),
    (
        ("resource", "*", "requirement_level"),
        ranked(
            ("recommended", "required"),
            "resource requirement level changed",
            B,
            A,
            "services must now provide it",
            "services may omit it",
        ),
    ),
    (
        ("resource", "*", "placeholder"),
        effective(_resource("placeholder"), fixed(B, "resource placeholder changed", _TELEMETRY)),
    ),
    (
        ("resource", "*", "*"),
        fixed(B, "resource value source changed", "the exported value changes"),
    ),
    (("attributes", ORDER), fixed(C, "attributes reordered")),
    (
        ("attributes", "*"),
        lambda ctx: _attribute_added(ctx) if ctx.added else _attribute_removed(ctx),
    ),
    (
        ("attributes", "*", "type"),
        fixed(B, "attribute type changed", "values of the old type are wrong"),
    ),
    (("attributes", "*", "pii"), _pii_class),
    (("attributes", "*", "requirement_level"), _requirement),
    (("attributes", "*", "stability"), effective(_attr("stability"), _stability)),
    (
        ("attributes", "*", "cardinality"),
        effective(
            _attr("cardinality"),
            ranked(
                ("high", "low"),
                "cardinality changed",
                A,
                B,
                "it may now appear in span names and metrics",
                "it may no longer appear in span names and metric attributes",
            ),
        ),
    ),
    (("attributes", "*", "members", ORDER), fixed(C, "enum members reordered")),
    (
        ("attributes", "*", "members"),
        item("enum members", A, B, "the attribute became an enum", "the attribute is no enum"),
    ),
    (
        ("attributes", "*", "members", "*"),
        item("enum member", A, B, "a new value is allowed", "values using it become invalid"),
    ),
    (
        ("attributes", "*", "members", "*", "value"),
        fixed(B, "enum member value changed", _TELEMETRY),
    ),
    (
        ("attributes", "*", "members", "*", "id"),
        fixed(B, "enum member id changed", "generated constants are renamed"),
    ),
    (("attributes", "*", "members", "*", "brief"), fixed(C, "enum member brief changed")),
    (("attributes", "*", "renamed_to"), fixed(A, "attribute rename announced")),
    (("attributes", "*", "deprecated"), fixed(C, "deprecation note changed")),
    (("attributes", "*", "brief"), fixed(C, "brief changed")),
    (("attributes", "*", "note"), fixed(C, "note changed")),
    (("attributes", "*", "examples"), fixed(C, "examples changed")),
    (("attributes", "*", "condition"), fixed(C, "condition text changed")),
    (
        ("span_naming", "internal", "pattern"),
        effective(
            _of("internal_span_pattern"),
            fixed(B, "internal span pattern changed", "names that passed may now fail verify"),
        ),
    ),
    (
        ("span_naming", "internal"),
        effective(
            _of("internal_span_pattern"),
            fixed(B, "internal span pattern changed", "names that passed may now fail verify"),
        ),
    ),
    (("span_naming", "*"), effective(_rule, _span_rule)),
    (("span_naming", "*", "*"), effective(_rule, _span_rule)),
)
