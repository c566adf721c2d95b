"""Classification rows for the sections services and the pipeline read at run time:
sampling, propagation, export, logs, metrics, privacy, start-up, trust, HTTP, SLOs, the
collector, incident levers and the glossary. rules.py holds the rest and the reasons."""

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
    number,
    ranked,
)
from scaffold.diff.walk import ORDER

B: Kind = "breaking"
A: Kind = "additive"
C: Kind = "cosmetic"
ACTION_ORDER = ("keep", "hash", "redact", "drop")
_LOOSENED = "less is protected than before"
_TIGHTENED = "more is protected than before"
_ACTION_TIGHTENED = (
    "more is protected, but consumers now receive these attributes hashed, redacted or not "
    "at all, so queries, joins and dashboards on their values break"
)
_NEW_VAR = "deployments and runbooks that use the old one stop working"
_TUNING = "how telemetry is sent changes; nothing is renamed"
_SAMPLING = "only how many traces are kept changes; nothing is renamed"


def of(*names: str) -> Getter:
    """The model value at a chain of attribute names (`export.timeout`)."""

    def get(conv: Conventions, _: tuple[str, ...]) -> Any:
        value: Any = conv
        for name in names:
            value = getattr(value, name)
        return value

    return get


def _action(c: Conventions, p: tuple[str, ...]) -> Any:
    return c.privacy.actions[p[2]]


def _privacy_class(ctx: Ctx) -> Verdict:
    """A whole privacy.actions.<class> entry written or removed: judged stage by stage."""
    old = ctx.old_conv.privacy.actions.get(ctx.path[2])
    new = ctx.new_conv.privacy.actions.get(ctx.path[2])
    if old is None or new is None:
        return Verdict(
            B, "PII class actions changed", f"{ctx.change.key} {moved(ctx)}: a class has no action"
        )
    weaker = [
        s
        for s in ("sdk", "collector")
        if ACTION_ORDER.index(getattr(new, s)) < ACTION_ORDER.index(getattr(old, s))
    ]
    if weaker:
        why = f"the action is weaker at {' and '.join(weaker)}: {_LOOSENED}"
        return Verdict(B, "PII action loosened", f"{ctx.change.key} {moved(ctx)}: {why}")
    if (old.sdk, old.collector) == (new.sdk, new.collector):
        return Verdict(C, "same value written differently", f"{ctx.change.key} {moved(ctx)}")
    why = _ACTION_TIGHTENED
    return Verdict(B, "PII action tightened", f"{ctx.change.key} {moved(ctx)}: {why}")


def _allow(ctx: Ctx) -> Verdict:
    """Baggage keys allowed out: one removed breaks receivers; one added that the
    registry classes as pii or secret loosens privacy."""
    old = ctx.old if isinstance(ctx.old, list) else []
    new = ctx.new if isinstance(ctx.new, list) else []
    sensitive = [
        k
        for k in new
        if k not in old and getattr(ctx.new_conv.registry.get(k), "pii", "") != "none"
    ]
    if sensitive and not [k for k in old if k not in new]:
        why = f"{', '.join(sensitive)} is pii or secret and now leaves services in baggage"
        return Verdict(B, "baggage allow-list loosened", f"{ctx.change.key} {moved(ctx)}: {why}")
    return members(
        "baggage allow-list changed",
        B,
        A,
        "downstream services stop receiving it",
        "more baggage reaches downstream services",
    )(ctx)


def either(edges: Classify, changed: Classify) -> Classify:
    """`edges` judges a value added or removed, `changed` one present on both sides."""
    return lambda ctx: edges(ctx) if ctx.added or ctx.removed else changed(ctx)


def _slo_field(ctx: Ctx) -> Verdict:
    field = ctx.path[-1]
    if field == "description":
        return fixed(C, "SLO description changed")(ctx)
    if field == "operation":
        return fixed(B, "SLO operation changed", "it measures other spans")(ctx)
    return fixed(A, "SLO target changed", "alerts fire at another point; names are kept")(ctx)


_TIGHTER_PII = ranked(ACTION_ORDER, "PII action changed", B, B, _ACTION_TIGHTENED, _LOOSENED)

RUNTIME_RULES: tuple[tuple[tuple[str, ...], Classify], ...] = (
    (
        ("sampling", "environments", "*"),
        either(
            item(
                "environment ratio",
                A,
                B,
                "sampling for a new environment",
                "services there fall back",
            ),
            fixed(A, "sampling ratio changed", _SAMPLING),
        ),
    ),
    (("sampling", "routes", ORDER), fixed(C, "sampling routes reordered", "routes match exactly")),
    (("sampling", "routes", "*"), item("per-route ratio", A, A, _SAMPLING, _SAMPLING)),
    (("sampling", "routes", "*", "ratio"), fixed(A, "per-route ratio changed", _SAMPLING)),
    (("sampling", "tail", "policies", ORDER), fixed(C, "tail policies reordered")),
    (
        ("sampling", "tail", "policies", "*"),
        item("tail policy", A, B, _SAMPLING, "traces it kept may now be dropped"),
    ),
    (("sampling", "tail", "policies", "*", "*"), fixed(A, "tail policy changed", _SAMPLING)),
    (("sampling", "tail"), effective(of("sampling"), fixed(A, "tail sampling changed", _SAMPLING))),
    (
        ("sampling", "tail", "*"),
        effective(of("sampling"), fixed(A, "tail sampling changed", _SAMPLING)),
    ),
    (
        ("sampling", "routes"),
        effective(of("sampling", "routes"), fixed(A, "per-route ratios changed", _SAMPLING)),
    ),
    (
        ("propagation", "propagators"),
        members(
            "propagators changed", B, A, "context no longer reaches peers", "more formats read"
        ),
    ),
    (("propagation", "baggage", "allow"), effective(of("propagation", "baggage_allow"), _allow)),
    (
        ("propagation", "baggage", "max_entries"),
        effective(
            of("propagation", "baggage_max_entries"),
            number(
                "baggage limit changed", A, B, "more entries pass", "entries past it are dropped"
            ),
        ),
    ),
    (("propagation",), effective(of("propagation"), fixed(B, "propagation changed"))),
    (("propagation", "baggage"), effective(of("propagation"), fixed(B, "baggage rules changed"))),
    (
        ("export", "protocol"),
        fixed(B, "export protocol changed", "services need a collector speaking it"),
    ),
    (("export", "endpoint"), fixed(B, "export endpoint changed", "telemetry goes elsewhere")),
    (("export", "**"), effective(of("export"), fixed(A, "export tuning changed", _TUNING))),
    (
        ("logs", "format"),
        effective(of("logs", "format"), fixed(B, "log format changed", "log parsers break")),
    ),
    (("logs", "level"), effective(of("logs", "level"), fixed(A, "log level changed"))),
    (
        ("logs", "fields", "*"),
        effective(of("logs"), fixed(B, "log field renamed", "log queries break")),
    ),
    (
        ("logs", "**"),
        effective(of("logs"), fixed(B, "log settings changed", "log queries may break")),
    ),
    (
        ("metrics", "instruments", "*"),
        effective(of("metrics"), fixed(B, "metric renamed", "dashboards, alerts and rules break")),
    ),
    (
        ("metrics", "duration_buckets"),
        effective(
            of("metrics", "duration_buckets"),
            members(
                "histogram buckets changed",
                B,
                A,
                "queries on that bound (le) break",
                "finer buckets",
            ),
        ),
    ),
    (
        ("metrics", "cardinality_limit"),
        effective(
            of("metrics", "cardinality_limit"),
            number(
                "cardinality limit changed", A, B, "more series kept", "series past it collapse"
            ),
        ),
    ),
    (
        ("metrics", "export_interval"),
        effective(of("metrics"), fixed(A, "metric interval changed", _TUNING)),
    ),
    (
        ("metrics", "**"),
        effective(of("metrics"), fixed(B, "metric settings changed", "metrics may change")),
    ),
    (("privacy", "actions", "*", "*"), effective(_action, _TIGHTER_PII)),
    (("privacy", "actions", "*"), effective(_action, _privacy_class)),
    (
        ("privacy", "db_query_text"),
        effective(
            of("privacy", "db_query_text"),
            ranked((True, False), "query text policy changed", A, B, _TIGHTENED, _LOOSENED),
        ),
    ),
    (
        ("privacy", "retention", "*"),
        effective(
            of("privacy", "retention"),
            fixed(B, "retention changed", "data is kept for another time; check both directions"),
        ),
    ),
    (
        ("privacy", "hash_key_env"),
        effective(of("privacy", "hash_key_env"), fixed(B, "hash key variable changed", _NEW_VAR)),
    ),
    (
        ("privacy", "sensitive_query_parameters"),
        effective(
            of("privacy", "sensitive_query_parameters"),
            members("sensitive query parameters changed", B, A, _LOOSENED, _TIGHTENED),
        ),
    ),
    (("privacy", "**"), effective(of("privacy"), fixed(B, "privacy settings changed"))),
    (
        ("startup", "strict"),
        effective(
            of("startup", "strict"),
            ranked(
                (False, True),
                "start-up strictness changed",
                B,
                A,
                "services may refuse to start",
                "services start on bad settings",
            ),
        ),
    ),
    (("startup", "**"), effective(of("startup"), fixed(B, "start-up settings changed"))),
    (
        ("trust", "**"),
        effective(
            of("trust"),
            fixed(
                B, "trust boundary changed", "whose trace context and baggage is believed changes"
            ),
        ),
    ),
    (
        ("http", "**"),
        effective(of("http"), fixed(B, "HTTP settings changed", "span names or attributes change")),
    ),
    (("slos", ORDER), fixed(C, "SLOs reordered")),
    (
        ("slos", "*"),
        item("SLO", A, B, "new alerts and rules", "its alerts and recording rules disappear"),
    ),
    (("slos", "*", "*"), effective(of("slos"), _slo_field)),
    (("collector", "backends", ORDER), fixed(C, "backends reordered")),
    (
        ("collector", "backends", "*"),
        item("backend", A, B, "telemetry also goes there", "telemetry no longer reaches it"),
    ),
    (
        ("collector", "topology"),
        effective(
            of("collector", "topology"),
            fixed(B, "collector topology changed", "deployments change"),
        ),
    ),
    (
        ("collector", "memory_limit_mib"),
        effective(
            of("collector", "memory_limit_mib"), fixed(A, "collector tuning changed", _TUNING)
        ),
    ),
    (
        ("collector", "queue", "**"),
        effective(of("collector"), fixed(A, "collector queue changed", _TUNING)),
    ),
    (
        ("collector", "**"),
        effective(of("collector"), fixed(B, "collector settings changed", "the pipeline changes")),
    ),
    (("incident", "**"), effective(of("incident"), fixed(B, "incident lever changed", _NEW_VAR))),
    (("glossary", "**"), fixed(C, "glossary changed")),
)
