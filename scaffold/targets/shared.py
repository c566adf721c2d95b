"""The language-neutral view of the conventions, computed once and shared by every target.

Targets format from this view and nothing else: the Go and Rust views are thin adapters
that turn its values into literals (through filters and the per-language data in
scaffold/lang/), and the docs target shows the same identifiers the code generators
produce. A new conventions field is added here once.
"""

from __future__ import annotations

from dataclasses import dataclass

from scaffold.conventions.model import Conventions, Logs, NamePart, SpanRule
from scaffold.conventions.semconv import BOUNDARY_ATTRIBUTES
from scaffold.targets.shared_attributes import (
    AttributeView,
    MemberView,
    Value,
    attribute_views,
)
from scaffold.targets.shared_runtime import RuntimeView, runtime_view

__all__ = [
    "AttributeView",
    "ConventionsView",
    "MemberView",
    "RuntimeView",
    "Value",
    "attribute_views",
    "neutral_view",
]


@dataclass(frozen=True)
class ChainStep:
    """One fallback of a span-name rule and the attributes it needs."""

    parts: tuple[NamePart, ...]
    needed: tuple[str, ...]


@dataclass(frozen=True)
class SpanRuleView:
    """One boundary's span-name rule as parts (text or attribute) with its fallback."""

    boundary: str
    # The attributes known when this boundary's span starts, in call-site order.
    params: tuple[str, ...]
    parts: tuple[NamePart, ...]
    fallback: tuple[NamePart, ...]
    # The attributes `parts` needs; when one is missing the fallback applies.
    needed: tuple[str, ...]
    # The fallbacks tried before `fallback`, each with the attributes it needs; only the
    # ones whose attributes the boundary can know (the others never apply).
    chain: tuple[ChainStep, ...] = ()


@dataclass(frozen=True)
class Ratio:
    env: str
    ratio: float


@dataclass(frozen=True)
class RouteRatio:
    method: str
    route: str
    ratio: float


@dataclass(frozen=True)
class ResourceSource:
    key: str
    source: str  # service, version, environment, env, static
    arg: str  # the variable for `env`, the value for `static`
    required: bool
    placeholder: str  # exported when the value is missing at run time


@dataclass(frozen=True)
class Redaction:
    key: str
    action: str  # drop, hash, redact


@dataclass(frozen=True)
class ExportView:
    protocol: str
    endpoint: str
    timeout_ms: int
    gzip: bool
    batch_size: int
    queue_size: int
    schedule_delay_ms: int
    retry_enabled: bool
    retry_initial_ms: int
    retry_max_ms: int
    retry_elapsed_ms: int
    # Retries whose doubling delays fit in the retry window (for SDKs counting attempts).
    max_retries: int
    shutdown_timeout_ms: int
    span_attribute_value_length: int


@dataclass(frozen=True)
class MetricsView:
    http_server_duration: str
    http_client_duration: str
    rpc_server_duration: str
    db_duration: str
    buckets: tuple[float, ...]
    export_interval_ms: int
    cardinality_limit: int


@dataclass(frozen=True)
class AdminListen:
    """Where a generated service skeleton listens for the admin endpoint."""

    env: str
    default: str


@dataclass(frozen=True)
class IncidentView:
    kill_switch_env: str
    ratio_env: str
    control: str  # admin_handler or watched_file
    admin_path: str
    control_file: str
    # The skeletons' admin listener: the same variable and default in Go and Rust.
    go_admin: AdminListen
    rust_admin: AdminListen


@dataclass(frozen=True)
class ConventionsView:
    organisation: str
    go_package: str
    rust_module: str
    environment_variable: str
    environments: tuple[str, ...]
    env_ratios: tuple[Ratio, ...]
    route_ratios: tuple[RouteRatio, ...]
    resource: tuple[ResourceSource, ...]
    propagators: tuple[str, ...]
    baggage_allow: tuple[str, ...]
    baggage_max_entries: int
    export: ExportView
    logs: Logs
    metrics: MetricsView
    redactions: tuple[Redaction, ...]
    db_query_text: bool
    incident: IncidentView
    internal_span_pattern: str
    span_rules: tuple[SpanRuleView, ...]
    attributes: tuple[AttributeView, ...]
    # Start-up strictness, trust, HTTP settings, URL redaction, hash key and admin listener.
    runtime: RuntimeView

    def span_rule(self, boundary: str) -> SpanRuleView:
        return next(r for r in self.span_rules if r.boundary == boundary)


# The variable the service skeletons (main.go, main.rs) read for the admin listener; its
# default is the conventions' incident.admin_address. The runbook names both.
ADMIN_ENV = "ADMIN_ADDR"
DEFAULT_ADMIN_PATH = "/-/telemetry"


def max_retries(enabled: bool, initial_ms: int, max_ms: int, elapsed_ms: int) -> int:
    """Retries whose exponential delays (doubling from `initial`, capped at `max`) fit in
    the total retry time the conventions allow."""
    if not enabled or elapsed_ms <= 0:
        return 0
    delay, total, count = max(initial_ms, 1), 0, 0
    while count < 20:
        step = min(delay, max_ms) if max_ms > 0 else delay
        if total + step > elapsed_ms:
            break
        total += step
        count += 1
        delay *= 2
    return count


def _span_rule(boundary: str, rule: SpanRule) -> SpanRuleView:
    parts = tuple(p for p in rule.parts if p.attribute or p.text)
    fallback = tuple(p for p in (rule.fallback_parts or rule.parts) if p.attribute or p.text)
    params = tuple(BOUNDARY_ATTRIBUTES.get(boundary, ()))
    chain = tuple(
        ChainStep(
            parts=tuple(p for p in step if p.attribute or p.text),
            needed=tuple(sorted({p.attribute for p in step if p.attribute})),
        )
        for step in rule.chain_parts
    )
    return SpanRuleView(
        boundary=boundary,
        params=params,
        parts=parts,
        fallback=fallback,
        needed=tuple(sorted({p.attribute for p in rule.parts if p.attribute})),
        chain=tuple(c for c in chain if all(a in params for a in c.needed)),
    )


def _export(conv: Conventions) -> ExportView:
    e = conv.export
    return ExportView(
        protocol=e.protocol,
        endpoint=e.endpoint,
        timeout_ms=e.timeout.ms,
        gzip=e.compression == "gzip",
        batch_size=e.max_export_batch_size,
        queue_size=e.max_queue_size,
        schedule_delay_ms=e.schedule_delay.ms,
        retry_enabled=e.retry_enabled,
        retry_initial_ms=e.retry_initial_interval.ms,
        retry_max_ms=e.retry_max_interval.ms,
        retry_elapsed_ms=e.retry_max_elapsed_time.ms,
        max_retries=max_retries(
            e.retry_enabled,
            e.retry_initial_interval.ms,
            e.retry_max_interval.ms,
            e.retry_max_elapsed_time.ms,
        ),
        shutdown_timeout_ms=e.shutdown_timeout.ms,
        span_attribute_value_length=e.span_attribute_value_length,
    )


def _metrics(conv: Conventions) -> MetricsView:
    m = conv.metrics
    return MetricsView(
        http_server_duration=m.http_server_duration,
        http_client_duration=m.http_client_duration,
        rpc_server_duration=m.rpc_server_duration,
        db_duration=m.db_duration,
        buckets=tuple(float(b) for b in m.duration_buckets),
        export_interval_ms=m.export_interval.ms,
        cardinality_limit=m.cardinality_limit,
    )


def _incident(conv: Conventions) -> IncidentView:
    i = conv.incident
    return IncidentView(
        kill_switch_env=i.kill_switch_env,
        ratio_env=i.ratio_env,
        control=i.control,
        admin_path=i.admin_path or DEFAULT_ADMIN_PATH,
        control_file=i.control_file,
        go_admin=AdminListen(ADMIN_ENV, i.admin_address),
        rust_admin=AdminListen(ADMIN_ENV, i.admin_address),
    )


def _redactions(conv: Conventions) -> tuple[Redaction, ...]:
    actions = conv.privacy.actions
    return tuple(
        Redaction(a.id, actions[a.pii].sdk)
        for a in conv.sensitive_attributes
        if a.pii in actions and actions[a.pii].sdk != "keep"
    )


_VIEWS: dict[str, ConventionsView] = {}


def _sampling(conv: Conventions) -> tuple[tuple[Ratio, ...], tuple[RouteRatio, ...]]:
    envs = conv.sampling.environments
    ratios = tuple(Ratio(e, float(envs[e])) for e in conv.environments if e in envs)
    routes = tuple(RouteRatio(r.method, r.route, float(r.ratio)) for r in conv.sampling.routes)
    return ratios, routes


def neutral_view(conv: Conventions) -> ConventionsView:
    """The shared view of `conv`, built once per conventions digest."""
    cached = _VIEWS.get(conv.digest)
    if cached is not None:
        return cached
    env_ratios, route_ratios = _sampling(conv)
    view = ConventionsView(
        organisation=conv.organisation,
        go_package=conv.go_package,
        rust_module=conv.rust_module,
        environment_variable=conv.environment_variable,
        environments=tuple(conv.environments),
        env_ratios=env_ratios,
        route_ratios=route_ratios,
        resource=tuple(
            ResourceSource(
                r.key,
                r.source,
                r.env if r.source == "env" else r.value,
                r.requirement_level == "required",
                r.placeholder,
            )
            for r in conv.resource
        ),
        propagators=tuple(conv.propagation.propagators),
        baggage_allow=tuple(conv.propagation.baggage_allow),
        baggage_max_entries=conv.propagation.baggage_max_entries,
        export=_export(conv),
        logs=conv.logs,
        metrics=_metrics(conv),
        redactions=_redactions(conv),
        db_query_text=conv.privacy.db_query_text,
        incident=_incident(conv),
        internal_span_pattern=conv.internal_span_pattern,
        span_rules=tuple(_span_rule(b, r) for b, r in conv.span_rules.items()),
        attributes=attribute_views(conv),
        runtime=runtime_view(conv),
    )
    if len(_VIEWS) >= 32:
        _VIEWS.clear()
    _VIEWS[conv.digest] = view
    return view
