"""The typed, frozen conventions. Built only by scaffold/conventions/build.py."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Duration:
    text: str
    ms: int

    @property
    def seconds(self) -> float:
        return self.ms / 1000


@dataclass(frozen=True)
class EnumMember:
    id: str
    value: str | int
    brief: str


@dataclass(frozen=True)
class Attribute:
    id: str
    type: str
    brief: str
    requirement_level: str
    pii: str
    cardinality: str
    stability: str
    examples: tuple[object, ...] = ()
    members: tuple[EnumMember, ...] = ()
    note: str = ""
    condition: str = ""
    deprecated: str = ""
    renamed_to: str = ""
    # "semconv" for OpenTelemetry's attributes, "conventions" for the organisation's own.
    origin: str = "conventions"


@dataclass(frozen=True)
class ResourceAttribute:
    key: str
    requirement_level: str
    source: str
    env: str = ""
    value: str = ""
    # Exported when the value is missing at run time; `scaffold verify` flags a required
    # attribute that carries it.
    placeholder: str = "unknown"


@dataclass(frozen=True)
class NamePart:
    """A piece of a span name: literal text, or an attribute id (when `attribute` is set)."""

    text: str
    attribute: str = ""


@dataclass(frozen=True)
class SpanRule:
    boundary: str
    template: str
    parts: tuple[NamePart, ...]
    fallback: str
    fallback_parts: tuple[NamePart, ...]
    # Fallbacks tried in order between the template and `fallback`: the first whose
    # attributes are all known names the span; `fallback` applies when none is.
    chain: tuple[str, ...] = ()
    chain_parts: tuple[tuple[NamePart, ...], ...] = ()

    @property
    def attributes(self) -> tuple[str, ...]:
        return tuple(p.attribute for p in self.parts if p.attribute)

    @property
    def steps(self) -> tuple[tuple[NamePart, ...], ...]:
        """The template, the chain and the fallback, in the order they are tried."""
        return (self.parts, *self.chain_parts, self.fallback_parts)


@dataclass(frozen=True)
class RouteRatio:
    method: str
    route: str
    ratio: float


@dataclass(frozen=True)
class TailPolicy:
    name: str
    type: str
    status_codes: tuple[str, ...] = ()
    threshold: Duration | None = None
    ratio: float | None = None
    key: str = ""
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sampling:
    environments: dict[str, float]
    routes: tuple[RouteRatio, ...]
    decision_wait: Duration
    num_traces: int
    tail_policies: tuple[TailPolicy, ...]


@dataclass(frozen=True)
class Propagation:
    propagators: tuple[str, ...]
    baggage_allow: tuple[str, ...]
    baggage_max_entries: int


@dataclass(frozen=True)
class Export:
    protocol: str
    endpoint: str
    timeout: Duration
    compression: str
    max_export_batch_size: int
    max_queue_size: int
    schedule_delay: Duration
    retry_enabled: bool
    retry_initial_interval: Duration
    retry_max_interval: Duration
    retry_max_elapsed_time: Duration
    shutdown_timeout: Duration
    # The longest span attribute value, in characters (export.limits).
    span_attribute_value_length: int


@dataclass(frozen=True)
class Logs:
    format: str
    level: str
    trace_id_field: str
    span_id_field: str
    trace_flags_field: str


@dataclass(frozen=True)
class Metrics:
    http_server_duration: str
    http_client_duration: str
    rpc_server_duration: str
    db_duration: str
    duration_buckets: tuple[float, ...]
    cardinality_limit: int
    export_interval: Duration


@dataclass(frozen=True)
class PrivacyAction:
    sdk: str
    collector: str


@dataclass(frozen=True)
class Privacy:
    actions: dict[str, PrivacyAction]
    db_query_text: bool
    retention: dict[str, Duration]
    # The variable holding the HMAC-SHA-256 key of action `hash` (or <name>_FILE a file).
    hash_key_env: str
    # Query parameters whose values are replaced by REDACTED in url.full and url.query.
    sensitive_query_parameters: tuple[str, ...]


@dataclass(frozen=True)
class Startup:
    # true: a bad OTEL_* value or a missing required resource value stops the service.
    strict: bool


@dataclass(frozen=True)
class TrustRoute:
    # An http.route value, a prefix ending in "/*", or a gRPC "pkg.Service/*" or method.
    route: str
    trust: str  # internal or public


@dataclass(frozen=True)
class Trust:
    http_server: str  # internal or public
    grpc_server: str
    routes: tuple[TrustRoute, ...]
    # Networks (canonical CIDR text) whose X-Forwarded-* headers are believed.
    trusted_proxies: tuple[str, ...]


@dataclass(frozen=True)
class Http:
    # The resolved list: the conventions' own, else the semantic conventions' default set.
    known_methods: tuple[str, ...]
    # Whether known_methods is the semantic conventions' default set.
    known_methods_default: bool
    # The configured server name for server.address; empty: the Host header.
    server_name: str


@dataclass(frozen=True)
class Slo:
    name: str
    description: str
    operation: str
    objective: float
    window: Duration
    latency_threshold: Duration | None = None


@dataclass(frozen=True)
class Tls:
    """TLS towards a collector peer: on when the conventions give it."""

    ca_file: str = ""
    server_name_override: str = ""


@dataclass(frozen=True)
class Backend:
    name: str
    type: str
    endpoint: str
    signals: tuple[str, ...]
    tls: Tls | None = None


@dataclass(frozen=True)
class Collector:
    topology: str
    gateway_endpoint: str
    memory_limit_mib: int
    backends: tuple[Backend, ...]
    queue_durable: bool
    queue_directory: str
    queue_size: int
    gateway_tls: Tls | None = None


@dataclass(frozen=True)
class Incident:
    kill_switch_env: str
    ratio_env: str
    control: str
    admin_path: str
    control_file: str
    # The admin listener's default address (host:port) and the bearer token's variable.
    admin_address: str
    admin_token_env: str


@dataclass(frozen=True)
class GlossaryTerm:
    term: str
    definition: str


@dataclass(frozen=True)
class Conventions:
    source: str
    digest: str
    schema_version: int
    organisation: str
    environments: tuple[str, ...]
    environment_variable: str
    go_package: str
    rust_module: str
    resource: tuple[ResourceAttribute, ...]
    # The organisation's own attributes, in file order.
    attributes: tuple[Attribute, ...]
    # Every known attribute (semantic conventions and the organisation's), by id.
    registry: dict[str, Attribute]
    span_rules: dict[str, SpanRule]
    internal_span_pattern: str
    sampling: Sampling
    propagation: Propagation
    export: Export
    logs: Logs
    metrics: Metrics
    privacy: Privacy
    startup: Startup
    trust: Trust
    http: Http
    slos: tuple[Slo, ...]
    collector: Collector
    incident: Incident
    glossary: tuple[GlossaryTerm, ...]

    def attribute(self, attribute_id: str) -> Attribute:
        return self.registry[attribute_id]

    def ratio_for(self, environment: str) -> float:
        return self.sampling.environments[environment]

    @property
    def sensitive_attributes(self) -> tuple[Attribute, ...]:
        """Attributes whose PII class is pii or secret, sorted by id."""
        return tuple(a for _, a in sorted(self.registry.items()) if a.pii != "none")
