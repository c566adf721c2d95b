"""The collector target's view: one collector config per topology and the builder manifest.

Topologies (`opts.extra["topologies"]`, default: what the conventions' `collector.topology`
deploys): `single` (one tier does everything), `agent` (next to the services: protects
memory, stamps the resource, redacts, and routes spans by trace id to the gateways with
the load-balancing exporter), `gateway` (tail sampling on whole traces, then the
backends). The first tier the services talk to redacts; a gateway behind agents does not,
so that hashing never runs twice. The builder manifest lists exactly the component types
the rendered configs use, at the pinned collector version.

Other options: `zpages` (bool), `debug` (bool, a debug exporter on every pipeline),
`file_export` (a path: a file exporter on every pipeline, for tests), `gateways`
(host:port list for the agent's static resolver; default: DNS on the conventions'
gateway endpoint) and `listen_address` (where the listeners bind when the environment
does not say; default localhost; see collector_network.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scaffold.conventions.model import Backend, Conventions, Tls
from scaffold.errors import UsageError
from scaffold.render.filters import slug
from scaffold.render.options import RenderOptions
from scaffold.targets.collector_components import COLLECTOR_VERSION, builder_sections
from scaffold.targets.collector_network import DEFAULT_LISTEN, LISTEN_ENV, listen_host
from scaffold.targets.shared import neutral_view

TOPOLOGIES = ("single", "agent", "gateway")
SIGNALS = ("traces", "metrics", "logs")
DEPLOYED = {
    "single": ("single",),
    "agent": ("agent",),
    "gateway": ("gateway",),
    "agent_gateway": ("agent", "gateway"),
}
# Where the gateways are when the conventions name no endpoint.
DEFAULT_GATEWAY = "otel-gateway:4317"
# Backend type in the conventions -> exporter type (Jaeger takes OTLP).
EXPORTER_TYPES = {
    "otlp": "otlp_grpc",
    "jaeger": "otlp_grpc",
    "otlphttp": "otlp_http",
    "zipkin": "zipkin",
    "prometheus_remote_write": "prometheus_remote_write",
}
# The environment variable holding the key of the collector's keyed hash (HMAC-SHA256).
HMAC_KEY_ENV = "OTELCOL_REDACTION_HMAC_KEY"
# Attributes whose URLs the redaction processor sanitises (variable path segments).
URL_ATTRIBUTES = ("url.path", "http.target", "http.url")


@dataclass(frozen=True)
class Exporter:
    id: str
    type: str
    endpoint: str = ""
    insecure: bool = False
    # Timeout, capped retry and the sending queue (exporterhelper settings).
    helper: bool = True
    path: str = ""
    # TLS settings from the conventions (CA file, server name override); None: none given.
    tls: Tls | None = None

    @property
    def tls_items(self) -> tuple[tuple[str, str], ...]:
        """The TLS settings the conventions give, as collector keys and values."""
        if self.tls is None:
            return ()
        given = (
            ("ca_file", self.tls.ca_file),
            ("server_name_override", self.tls.server_name_override),
        )
        return tuple((k, v) for k, v in given if v)


@dataclass(frozen=True)
class Pipeline:
    signal: str
    processors: tuple[str, ...]
    exporters: tuple[str, ...]


@dataclass(frozen=True)
class Topology:
    name: str
    summary: str
    extensions: tuple[str, ...]
    processors: tuple[str, ...]
    exporters: tuple[Exporter, ...]
    pipelines: tuple[Pipeline, ...]

    @property
    def types(self) -> set[str]:
        ids = (*self.extensions, *self.processors, *(e.id for e in self.exporters))
        return {"otlp", *(i.split("/")[0] for i in ids)}


@dataclass(frozen=True)
class TailPolicyView:
    name: str
    type: str
    status_codes: tuple[str, ...] = ()
    threshold_ms: int = 0
    percentage: float = 0.0
    key: str = ""
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class Privacy:
    drop: tuple[str, ...]
    hash: tuple[str, ...]
    mask: tuple[str, ...]
    urls: tuple[str, ...]

    @property
    def exemplar(self) -> tuple[str, ...]:
        """Keys removed from exemplars' filtered attributes: every PII class, since the
        redaction processors do not reach exemplars."""
        return (*self.drop, *self.hash, *self.mask)


def _go_duration(ms: int) -> str:
    return f"{ms}ms"


def _privacy(conv: Conventions) -> Privacy:
    actions = conv.privacy.actions
    by: dict[str, list[str]] = {"drop": [], "hash": [], "redact": []}
    for attr in conv.sensitive_attributes:
        action = actions[attr.pii].collector if attr.pii in actions else "drop"
        if action in by:
            by[action].append(attr.id)
    return Privacy(tuple(by["drop"]), tuple(by["hash"]), tuple(by["redact"]), URL_ATTRIBUTES)


def _tail_policies(conv: Conventions) -> tuple[TailPolicyView, ...]:
    out: list[TailPolicyView] = []
    for p in conv.sampling.tail_policies:
        out.append(
            TailPolicyView(
                name=p.name,
                type=p.type,
                status_codes=p.status_codes,
                threshold_ms=p.threshold.ms if p.threshold else 0,
                percentage=round((p.ratio or 0.0) * 100, 6),
                key=p.key,
                values=p.values,
            )
        )
    names = {p.name for p in out}
    for slo in conv.slos:
        name = f"slo-{slo.name}"
        if slo.latency_threshold is not None and name not in names:
            names.add(name)
            out.append(TailPolicyView(name, "latency", threshold_ms=slo.latency_threshold.ms))
    return tuple(out)


def _backend_exporter(backend: Backend, conv: Conventions) -> Exporter:
    kind = EXPORTER_TYPES[backend.type]
    # The remote-write exporter's write-ahead log, next to the durable queue's files.
    wal = f"{conv.collector.queue_directory.rstrip('/')}/wal-{slug(backend.name)}"
    return Exporter(
        id=f"{kind}/{backend.name}",
        type=kind,
        endpoint=backend.endpoint,
        insecure=kind == "otlp_grpc" and _plaintext(backend.endpoint, backend.tls),
        path=wal if kind == "prometheus_remote_write" else "",
        tls=backend.tls,
    )


def _plaintext(endpoint: str, tls: Tls | None) -> bool:
    """A gRPC peer is reached without TLS only when the conventions give no TLS settings
    and the endpoint does not say https://."""
    return tls is None and not endpoint.startswith("https://")


def _extras(opts: RenderOptions) -> tuple[Exporter, ...]:
    out: list[Exporter] = []
    if opts.extra.get("debug"):
        out.append(Exporter("debug", "debug", helper=False))
    if opts.extra.get("file_export"):
        out.append(Exporter("file/test", "file", helper=False, path=str(opts.extra["file_export"])))
    return tuple(out)


def _first_tier_processors(conv: Conventions, privacy: Privacy) -> tuple[str, ...]:
    out = ["memory_limiter"]
    if any(r.source == "static" for r in conv.resource):
        out.append("resource/conventions")
    if privacy.exemplar:
        out.append("transform/drop")
    if privacy.hash:
        out.append("redaction/hash")
    if privacy.mask:
        out.append("redaction/mask")
    out.append("redaction/urls")
    return tuple(out)


def _backend_signals(conv: Conventions, opts: RenderOptions) -> tuple[str, ...]:
    """The signals a `single` or `gateway` collector builds pipelines for: those its
    backends take (every signal with a debug or file exporter; traces when none)."""
    if _extras(opts):
        return SIGNALS
    signals = tuple(s for s in SIGNALS if any(s in b.signals for b in conv.collector.backends))
    return signals or ("traces",)


def _backend_tier(
    name: str, conv: Conventions, opts: RenderOptions, privacy: Privacy, first: bool
) -> Topology:
    """`single` and `gateway`: the backends of the conventions, tail sampling on traces."""
    backends = [_backend_exporter(b, conv) for b in conv.collector.backends]
    extras = _extras(opts)
    signals = list(_backend_signals(conv, opts))
    if not any(s in b.signals for b in conv.collector.backends for s in SIGNALS) and not extras:
        extras = (Exporter("debug", "debug", helper=False),)
    base = _first_tier_processors(conv, privacy) if first else ("memory_limiter",)
    pipelines = []
    for signal in signals:
        processors = (*base, "tail_sampling") if signal == "traces" else base
        used = [
            e.id
            for b, e in zip(conv.collector.backends, backends, strict=True)
            if signal in b.signals
        ]
        pipelines.append(Pipeline(signal, processors, (*used, *(e.id for e in extras))))
    return _topology(name, conv, opts, (*backends, *extras), tuple(pipelines))


def _agent(conv: Conventions, opts: RenderOptions, privacy: Privacy) -> Topology:
    endpoint = conv.collector.gateway_endpoint or DEFAULT_GATEWAY
    tls = conv.collector.gateway_tls
    insecure = _plaintext(endpoint, tls)
    balancer = Exporter("load_balancing/gateways", "load_balancing", endpoint, insecure, tls=tls)
    forward = Exporter("otlp_grpc/gateway", "otlp_grpc", endpoint, insecure, tls=tls)
    extras = _extras(opts)
    base = _first_tier_processors(conv, privacy)
    # Exactly the signals the gateways build pipelines for: anything else they refuse.
    signals = _backend_signals(conv, opts)
    pipelines = tuple(
        Pipeline(s, base, ((balancer if s == "traces" else forward).id, *(e.id for e in extras)))
        for s in signals
    )
    used = tuple(
        e for e in (balancer, forward) if any((s == "traces") == (e is balancer) for s in signals)
    )
    return _topology("agent", conv, opts, (*used, *extras), pipelines)


SUMMARIES = {
    "single": "one collector: receives, redacts, tail-samples and exports to the backends",
    "agent": "next to the services: redacts and routes spans by trace id to the gateways",
    "gateway": "behind the agents: tail-samples whole traces and exports to the backends",
}


def _topology(
    name: str,
    conv: Conventions,
    opts: RenderOptions,
    exporters: tuple[Exporter, ...],
    pipelines: tuple[Pipeline, ...],
) -> Topology:
    extensions = ["health_check"]
    if conv.collector.queue_durable:
        extensions.append("file_storage/queue")
    if opts.extra.get("zpages"):
        extensions.append("zpages")
    processors = tuple(dict.fromkeys(p for pl in pipelines for p in pl.processors))
    return Topology(name, SUMMARIES[name], tuple(extensions), processors, exporters, pipelines)


def topologies_for(conv: Conventions, opts: RenderOptions) -> tuple[str, ...]:
    """The topologies to render: the option, else what the conventions deploy."""
    asked = tuple(opts.extra.get("topologies") or DEPLOYED[conv.collector.topology])
    unknown = [t for t in asked if t not in TOPOLOGIES]
    if unknown or not asked:
        raise UsageError(
            f"--topology {', '.join(unknown) or '(none)'}: choose from {', '.join(TOPOLOGIES)}"
        )
    return tuple(dict.fromkeys(asked))


def _gateway_resolver(conv: Conventions, opts: RenderOptions) -> dict[str, Any]:
    static = tuple(str(g) for g in opts.extra.get("gateways") or ())
    if static:
        return {"static": static, "hostname": "", "port": ""}
    endpoint = (conv.collector.gateway_endpoint or DEFAULT_GATEWAY).split("://")[-1]
    host, _, port = endpoint.rpartition(":")
    if not host or not port.isdigit():
        host, port = endpoint, "4317"
    return {"static": (), "hostname": host, "port": port}


def build_view(conv: Conventions, opts: RenderOptions) -> dict[str, Any]:
    shared = neutral_view(conv)
    privacy = _privacy(conv)
    first_tier_gateway = conv.collector.topology == "gateway"
    built: list[Topology] = []
    for name in topologies_for(conv, opts):
        if name == "agent":
            built.append(_agent(conv, opts, privacy))
        else:
            first = name == "single" or first_tier_gateway
            built.append(_backend_tier(name, conv, opts, privacy, first))
    types: set[str] = set().union(*(t.types for t in built))
    e = shared.export
    return {
        "conv": shared,
        "version": COLLECTOR_VERSION,
        "topologies": built,
        "builder": builder_sections(types),
        "privacy": privacy,
        "hmac_env": HMAC_KEY_ENV,
        "tail": {
            "decision_wait": _go_duration(conv.sampling.decision_wait.ms),
            "num_traces": conv.sampling.num_traces,
            "policies": _tail_policies(conv),
        },
        "memory_limit_mib": conv.collector.memory_limit_mib,
        "resource": [r for r in shared.resource if r.source == "static"],
        "queue": {
            "durable": conv.collector.queue_durable,
            "directory": conv.collector.queue_directory,
            "size": conv.collector.queue_size,
        },
        "helper": {
            "timeout": _go_duration(e.timeout_ms),
            "retry_enabled": e.retry_enabled,
            "initial": _go_duration(e.retry_initial_ms),
            "max": _go_duration(e.retry_max_ms),
            # Capped: the collector's 0 means retry forever.
            "elapsed": _go_duration(e.retry_elapsed_ms or 300_000),
            "batch_size": e.batch_size,
            "compression": "gzip" if e.gzip else "none",
        },
        "resolver": _gateway_resolver(conv, opts),
        "listen_env": LISTEN_ENV,
        "listen": listen_host(str(opts.extra.get("listen_address") or DEFAULT_LISTEN)),
    }
