"""The language-neutral view of the conventions, computed once and shared by every target.

Targets format from this view and nothing else: the Go and Rust views are thin adapters
that turn its values into literals (through filters and the per-language data in
scaffold/lang/), and the docs target shows the same identifiers the code generators
produce. A new conventions field is added here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scaffold import naming
from scaffold.conventions.model import Attribute, Conventions, Logs, NamePart, SpanRule
from scaffold.conventions.semconv import BOUNDARY_ATTRIBUTES
from scaffold.lang.go import GENERATED_NAMES as GO_GENERATED_NAMES
from scaffold.lang.rust import GENERATED_NAMES as RUST_GENERATED_NAMES

Value = str | int | float | bool


@dataclass(frozen=True)
class MemberView:
    """One enum member with its identifier in each language."""

    id: str
    value: Value
    brief: str
    is_int: bool
    go_ident: str
    rust_const: str


@dataclass(frozen=True)
class AttributeView:
    """One attribute of the organisation's registry, with its identifiers per language."""

    id: str
    type: str
    brief: str
    note: str
    requirement_level: str
    stability: str
    pii: str
    cardinality: str
    examples: tuple[Any, ...]
    deprecated: str
    members: tuple[MemberView, ...]
    # An enum whose members are all integers: an int64 in Go.
    int_enum: bool
    go_ident: str
    go_key: str
    rust_const: str

    @property
    def facts(self) -> str:
        """The one-line summary every language's doc comment carries."""
        return (
            f"Requirement level: {self.requirement_level}. Stability: {self.stability}. "
            f"PII class: {self.pii}. Cardinality: {self.cardinality}."
        )

    @property
    def tail_lines(self) -> list[str]:
        """The doc lines after the facts: examples and deprecation, when there are any."""
        lines = []
        if self.examples:
            lines.append("Examples: " + ", ".join(repr(e) for e in self.examples) + ".")
        if self.deprecated:
            lines.append("Deprecated: " + self.deprecated)
        return lines


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
    # The skeletons' admin listeners, by language.
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

    def span_rule(self, boundary: str) -> SpanRuleView:
        return next(r for r in self.span_rules if r.boundary == boundary)


# The admin listeners of the service skeletons (main.go, main.rs); the runbook names them.
GO_ADMIN = AdminListen("ADMIN_ADDR", "127.0.0.1:9464")
RUST_ADMIN = AdminListen("LISTEN_ADDR", "127.0.0.1:8080")
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


def _go_unique(base: str, taken: set[str], suffix: str) -> str:
    name, n = base, 1
    while name in taken or name + "Key" in taken:
        name = f"{base}{suffix}" if n == 1 else f"{base}{suffix}{n}"
        n += 1
    taken.add(name)
    return name


def _rust_unique(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name = f"{base}_{n}"
        n += 1
    taken.add(name)
    return name


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _attribute(attr: Attribute, go_taken: set[str], rust_taken: set[str]) -> AttributeView:
    go_ident = _go_unique(naming.go_exported(attr.id), go_taken, "Attr")
    go_taken.add(go_ident + "Key")
    rust_const = _rust_unique(naming.rust_const(attr.id), rust_taken)
    members = tuple(
        MemberView(
            id=m.id,
            value=m.value,
            brief=m.brief,
            is_int=_is_int(m.value),
            go_ident=_go_unique(go_ident + naming.go_exported(m.id), go_taken, "Value"),
            rust_const=_rust_unique(rust_const + "_" + naming.rust_const(m.id), rust_taken),
        )
        for m in attr.members
    )
    return AttributeView(
        id=attr.id,
        type=attr.type,
        brief=attr.brief,
        note=attr.note,
        requirement_level=attr.requirement_level,
        stability=attr.stability,
        pii=attr.pii,
        cardinality=attr.cardinality,
        examples=tuple(attr.examples),
        deprecated=attr.deprecated,
        members=members,
        int_enum=attr.type == "enum" and bool(members) and all(m.is_int for m in members),
        go_ident=go_ident,
        go_key=go_ident + "Key",
        rust_const=rust_const,
    )


def attribute_views(conv: Conventions) -> tuple[AttributeView, ...]:
    """The organisation's attributes by id, each identifier unique in its language."""
    go_taken, rust_taken = set(GO_GENERATED_NAMES), set(RUST_GENERATED_NAMES)
    ordered = sorted(conv.attributes, key=lambda a: a.id)
    return tuple(_attribute(a, go_taken, rust_taken) for a in ordered)


def _span_rule(boundary: str, rule: SpanRule) -> SpanRuleView:
    parts = tuple(p for p in rule.parts if p.attribute or p.text)
    fallback = tuple(p for p in (rule.fallback_parts or rule.parts) if p.attribute or p.text)
    return SpanRuleView(
        boundary=boundary,
        params=tuple(BOUNDARY_ATTRIBUTES.get(boundary, ())),
        parts=parts,
        fallback=fallback,
        needed=tuple(sorted({p.attribute for p in rule.parts if p.attribute})),
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
        go_admin=GO_ADMIN,
        rust_admin=RUST_ADMIN,
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
    )
    if len(_VIEWS) >= 32:
        _VIEWS.clear()
    _VIEWS[conv.digest] = view
    return view
