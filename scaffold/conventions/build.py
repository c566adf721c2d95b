"""Turn checked plain data into the frozen `Conventions`, filling documented defaults."""

from __future__ import annotations

import ipaddress
from typing import Any

from scaffold import naming
from scaffold.conventions import model as m
from scaffold.conventions.rulebase import duration_ms, parse_template
from scaffold.conventions.schema_runtime import (
    DEFAULT_ADMIN_ADDRESS,
    DEFAULT_KNOWN_METHODS,
    DEFAULT_SENSITIVE_QUERY_PARAMETERS,
)
from scaffold.conventions.semconv import SEMCONV, modern_template

# The span names semantic conventions 1.45.0 give each boundary: the template, then the
# fallbacks in order (the first whose attributes are all known wins; the last always
# applies). Database {target} is the collection, stored procedure, namespace or
# server.address:server.port, and is left out when none is known; messaging
# {destination} is the destination name.
_DB_TARGETS = (
    "{db.collection.name}",
    "{db.stored_procedure.name}",
    "{db.namespace}",
    "{server.address}:{server.port}",
)
DEFAULT_RULES: dict[str, tuple[str, ...]] = {
    "http_server": ("{http.request.method} {http.route}", "{http.request.method}"),
    "http_client": ("{http.request.method}", "{http.request.method}"),
    "rpc_server": ("{rpc.method}", "{rpc.system.name}"),
    "rpc_client": ("{rpc.method}", "{rpc.system.name}"),
    "db": (
        "{db.query.summary}",
        *(f"{{db.operation.name}} {t}" for t in _DB_TARGETS),
        "{db.operation.name}",
        *_DB_TARGETS,
        "{db.system.name}",
    ),
    "messaging_producer": (
        "{messaging.operation.name} {messaging.destination.name}",
        "{messaging.operation.name}",
    ),
    "messaging_consumer": (
        "{messaging.operation.name} {messaging.destination.name}",
        "{messaging.operation.name}",
    ),
}
# The longest span attribute value (characters) when export.limits names none: a
# request-derived value (a header, a path) of any size then stays bounded, where the
# specification's default is no limit.
SPAN_ATTRIBUTE_VALUE_LENGTH = 4096
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)


def incident_variables(organisation: str) -> tuple[str, str]:
    """The kill-switch and ratio variables an organisation gets unless it names its own."""
    prefix = naming.rust_const(organisation)
    return f"{prefix}_TRACING_DISABLED", f"{prefix}_TRACING_RATIO"


def secret_variables(organisation: str) -> tuple[str, str]:
    """The hash-key and admin-token variables an organisation gets unless it names its own."""
    prefix = naming.rust_const(organisation)
    return f"{prefix}_TELEMETRY_HASH_KEY", f"{prefix}_TELEMETRY_ADMIN_TOKEN"


def dur(text: str) -> m.Duration:
    return m.Duration(text=text, ms=duration_ms(text))


def _parts(template: str) -> tuple[m.NamePart, ...]:
    pieces, _ = parse_template(template)
    return tuple(m.NamePart(text=lit, attribute=attr) for lit, attr in pieces)


def _attribute(raw: dict[str, Any]) -> m.Attribute:
    return m.Attribute(
        id=raw["id"],
        type=raw["type"],
        brief=raw["brief"],
        requirement_level=raw["requirement_level"],
        pii=raw["pii"],
        cardinality=raw.get("cardinality", "high"),
        stability=raw.get("stability", "development"),
        examples=tuple(raw.get("examples", [])),
        members=tuple(
            m.EnumMember(id=x["id"], value=x["value"], brief=x.get("brief", ""))
            for x in raw.get("members", [])
        ),
        note=raw.get("note", ""),
        condition=raw.get("condition", ""),
        deprecated=raw.get("deprecated", ""),
        renamed_to=raw.get("renamed_to", ""),
    )


def _registry(own: tuple[m.Attribute, ...]) -> dict[str, m.Attribute]:
    registry = {
        aid: m.Attribute(
            id=aid,
            type=kind,
            brief=brief,
            requirement_level="recommended",
            pii=pii,
            cardinality=card,
            stability=stab,
            origin="semconv",
        )
        for aid, kind, card, pii, stab, brief in SEMCONV
    }
    registry.update({a.id: a for a in own})
    return dict(sorted(registry.items()))


def _chain(given: dict[str, Any], default: tuple[str, ...]) -> tuple[str, ...]:
    """The template then its fallbacks, as written or as the defaults say."""
    tpl = modern_template(given.get("template", default[0]))
    if "fallbacks" in given:
        return (tpl, *(modern_template(f) for f in given["fallbacks"]))
    if "fallback" in given:
        return (tpl, modern_template(given["fallback"]))
    if tpl == default[0]:
        return default
    # A template of the organisation's own: its literal text, else its first attribute.
    pieces, _ = parse_template(tpl)
    literal = "".join(lit for lit, _ in pieces).strip()
    first = next((f"{{{attr}}}" for _, attr in pieces if attr), tpl)
    return (tpl, literal or first)


def _span_rules(raw: dict[str, Any]) -> dict[str, m.SpanRule]:
    rules: dict[str, m.SpanRule] = {}
    for boundary, default in DEFAULT_RULES.items():
        steps = _chain(raw.get(boundary, {}), default)
        tpl, middle, fb = steps[0], steps[1:-1], steps[-1]
        rules[boundary] = m.SpanRule(
            boundary,
            tpl,
            _parts(tpl),
            fb,
            _parts(fb),
            chain=middle,
            chain_parts=tuple(_parts(c) for c in middle),
        )
    return rules


def _sampling(data: dict[str, Any]) -> m.Sampling:
    sampling = data["sampling"]
    tail = sampling.get("tail", {})
    return m.Sampling(
        environments={k: float(v) for k, v in sampling["environments"].items()},
        routes=tuple(
            m.RouteRatio(
                r["route"].split(" ", 1)[0], r["route"].split(" ", 1)[1], float(r["ratio"])
            )
            for r in sampling.get("routes", [])
        ),
        decision_wait=dur(tail.get("decision_wait", "10s")),
        num_traces=tail.get("num_traces", 50_000),
        tail_policies=tuple(
            m.TailPolicy(
                name=p["name"],
                type=p["type"],
                status_codes=tuple(p.get("status_codes", [])),
                threshold=dur(p["threshold"]) if "threshold" in p else None,
                ratio=float(p["ratio"]) if "ratio" in p else None,
                key=p.get("key", ""),
                values=tuple(p.get("values", [])),
            )
            for p in tail.get("policies", [])
        ),
    )


def _propagation(data: dict[str, Any]) -> m.Propagation:
    prop = data.get("propagation", {"propagators": ["tracecontext", "baggage"]})
    return m.Propagation(
        propagators=tuple(prop["propagators"]),
        baggage_allow=tuple(prop.get("baggage", {}).get("allow", [])),
        baggage_max_entries=prop.get("baggage", {}).get("max_entries", 8),
    )


def _export(data: dict[str, Any]) -> m.Export:
    export = data["export"]
    batch, retry = export.get("batch", {}), export.get("retry", {})
    return m.Export(
        protocol=export["protocol"],
        endpoint=export["endpoint"],
        timeout=dur(export.get("timeout", "10s")),
        compression=export.get("compression", "gzip"),
        max_export_batch_size=batch.get("max_export_batch_size", 512),
        max_queue_size=batch.get("max_queue_size", 2048),
        schedule_delay=dur(batch.get("schedule_delay", "5s")),
        retry_enabled=retry.get("enabled", True),
        retry_initial_interval=dur(retry.get("initial_interval", "1s")),
        retry_max_interval=dur(retry.get("max_interval", "10s")),
        retry_max_elapsed_time=dur(retry.get("max_elapsed_time", "30s")),
        shutdown_timeout=dur(export.get("shutdown_timeout", "5s")),
        span_attribute_value_length=export.get("limits", {}).get(
            "span_attribute_value_length", SPAN_ATTRIBUTE_VALUE_LENGTH
        ),
    )


def _logs(data: dict[str, Any]) -> m.Logs:
    logs = data.get("logs", {"fields": {"trace_id": "trace_id", "span_id": "span_id"}})
    return m.Logs(
        format=logs.get("format", "json"),
        level=logs.get("level", "info"),
        trace_id_field=logs["fields"]["trace_id"],
        span_id_field=logs["fields"]["span_id"],
        trace_flags_field=logs["fields"].get("trace_flags", "trace_flags"),
    )


def _metrics(data: dict[str, Any]) -> m.Metrics:
    metrics = data.get("metrics", {})
    instruments = metrics.get("instruments", {})
    return m.Metrics(
        http_server_duration=instruments.get(
            "http_server_duration", "http.server.request.duration"
        ),
        http_client_duration=instruments.get(
            "http_client_duration", "http.client.request.duration"
        ),
        rpc_server_duration=instruments.get("rpc_server_duration", "rpc.server.call.duration"),
        db_duration=instruments.get("db_duration", "db.client.operation.duration"),
        duration_buckets=tuple(float(b) for b in metrics.get("duration_buckets", DEFAULT_BUCKETS)),
        cardinality_limit=metrics.get("cardinality_limit", 2000),
        export_interval=dur(metrics.get("export_interval", "60s")),
    )


def _privacy(data: dict[str, Any]) -> m.Privacy:
    privacy = data.get("privacy", {})
    actions = privacy.get(
        "actions",
        {
            "pii": {"sdk": "hash", "collector": "hash"},
            "secret": {"sdk": "drop", "collector": "drop"},
        },
    )
    retention = privacy.get("retention", {})
    hash_key_env, _ = secret_variables(data["organisation"]["name"])
    return m.Privacy(
        actions={k: m.PrivacyAction(v["sdk"], v["collector"]) for k, v in actions.items()},
        db_query_text=privacy.get("db_query_text", False),
        retention={
            s: dur(retention.get(s, d))
            for s, d in (("traces", "14d"), ("logs", "30d"), ("metrics", "395d"))
        },
        hash_key_env=privacy.get("hash_key_env", hash_key_env),
        sensitive_query_parameters=tuple(
            privacy.get("sensitive_query_parameters", DEFAULT_SENSITIVE_QUERY_PARAMETERS)
        ),
    )


def _trust(data: dict[str, Any]) -> m.Trust:
    trust = data.get("trust", {})
    return m.Trust(
        http_server=trust.get("http_server", "internal"),
        grpc_server=trust.get("grpc_server", "internal"),
        routes=tuple(m.TrustRoute(r["route"], r["trust"]) for r in trust.get("routes", [])),
        # Canonical text (lower-case hex, compressed IPv6): the rules checked each parses.
        trusted_proxies=tuple(
            ipaddress.ip_network(p).with_prefixlen for p in trust.get("trusted_proxies", [])
        ),
    )


def _http(data: dict[str, Any]) -> m.Http:
    http = data.get("http", {})
    given = tuple(http.get("known_methods", ()))
    return m.Http(
        known_methods=given or DEFAULT_KNOWN_METHODS,
        known_methods_default=not given,
        server_name=http.get("server_name", ""),
    )


def _slos(data: dict[str, Any]) -> tuple[m.Slo, ...]:
    return tuple(
        m.Slo(
            name=s["name"],
            description=s.get("description", ""),
            operation=s["operation"],
            objective=float(s["objective"]),
            window=dur(s["window"]),
            latency_threshold=dur(s["latency_threshold"]) if "latency_threshold" in s else None,
        )
        for s in data.get("slos", [])
    )


def _tls(data: dict[str, Any] | None) -> m.Tls | None:
    if data is None:
        return None
    return m.Tls(data.get("ca_file", ""), data.get("server_name_override", ""))


def _collector(data: dict[str, Any]) -> m.Collector:
    collector = data.get("collector", {"topology": "single"})
    queue = collector.get("queue", {})
    return m.Collector(
        topology=collector["topology"],
        gateway_endpoint=collector.get("gateway_endpoint", ""),
        memory_limit_mib=collector.get("memory_limit_mib", 512),
        backends=tuple(
            m.Backend(
                b["name"],
                b["type"],
                b["endpoint"],
                tuple(b.get("signals", ["traces"])),
                _tls(b.get("tls")),
            )
            for b in collector.get("backends", [])
        ),
        queue_durable=queue.get("durable", False),
        queue_directory=queue.get("directory", "/var/lib/otelcol/queue"),
        queue_size=queue.get("size", 5000),
        gateway_tls=_tls(collector.get("gateway_tls")),
    )


def _incident(data: dict[str, Any]) -> m.Incident:
    kill_switch_env, ratio_env = incident_variables(data["organisation"]["name"])
    _, admin_token_env = secret_variables(data["organisation"]["name"])
    incident = data.get("incident", {})
    return m.Incident(
        kill_switch_env=incident.get("kill_switch_env", kill_switch_env),
        ratio_env=incident.get("ratio_env", ratio_env),
        control=incident.get("control", "admin_handler"),
        admin_path=incident.get("admin_path", "/-/telemetry"),
        control_file=incident.get("control_file", "/etc/telemetry/telemetry.json"),
        admin_address=incident.get("admin_address", DEFAULT_ADMIN_ADDRESS),
        admin_token_env=incident.get("admin_token_env", admin_token_env),
    )


def build(data: dict[str, Any], source: str, digest: str) -> m.Conventions:
    org = data["organisation"]
    own = tuple(_attribute(a) for a in data.get("attributes", []))
    codegen = data.get("codegen", {})
    return m.Conventions(
        source=source,
        digest=digest,
        schema_version=data["schema_version"],
        organisation=org["name"],
        environments=tuple(org["environments"]),
        environment_variable=org.get("environment_variable", "DEPLOYMENT_ENVIRONMENT"),
        go_package=codegen.get("go_package", "telemetry"),
        rust_module=codegen.get("rust_module", "telemetry"),
        resource=tuple(
            m.ResourceAttribute(
                r["key"],
                r["requirement_level"],
                r["source"],
                r.get("env", ""),
                r.get("value", ""),
                r.get("placeholder", "unknown"),
            )
            for r in data["resource"]
        ),
        attributes=own,
        registry=_registry(own),
        span_rules=_span_rules(data["span_naming"]),
        internal_span_pattern=data["span_naming"].get("internal", {}).get("pattern", "^.+$"),
        sampling=_sampling(data),
        propagation=_propagation(data),
        export=_export(data),
        logs=_logs(data),
        metrics=_metrics(data),
        privacy=_privacy(data),
        startup=m.Startup(strict=data.get("startup", {}).get("strict", False)),
        trust=_trust(data),
        http=_http(data),
        slos=_slos(data),
        collector=_collector(data),
        incident=_incident(data),
        glossary=tuple(
            m.GlossaryTerm(g["term"], g["definition"]) for g in data.get("glossary", [])
        ),
    )
