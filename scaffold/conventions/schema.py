"""The JSON Schema of observability.yaml, schema version 1.

It is data: `scaffold schema` prints it for editors, and scaffold's own validator walks
it (scaffold/conventions/validate.py), so the two can never disagree. Rules that a JSON
Schema cannot say (references between sections, identifiers) live in checks.py and the
rules_*.py modules beside it. The patterns and builders are in schema_types.py.
"""

from __future__ import annotations

from scaffold.conventions.schema_runtime import (
    HTTP,
    INCIDENT_RUNTIME,
    PLACEHOLDER_SCHEMA,
    PRIVACY_RUNTIME,
    STARTUP,
    TRUST,
)
from scaffold.conventions.schema_types import (
    ATTRIBUTE_ID,
    ATTRIBUTE_TYPES,
    BOUNDARIES,
    DURATION,
    ENDPOINT,
    ENV_VAR,
    ENVIRONMENT_VARIABLE,
    ENVIRONMENTS,
    LOG_FIELD,
    NAME,
    PATTERN_NAMES,
    PII_CLASSES,
    PRIVACY_ACTIONS,
    PROTOCOL,
    RATIO,
    REQUIREMENT_LEVELS,
    Schema,
    arr,
    boolean,
    duration,
    integer,
    map_of,
    number,
    obj,
    open_fraction,
    string,
)

__all__ = [
    "ATTRIBUTE_ID",
    "DURATION",
    "ENDPOINT",
    "ENVIRONMENTS",
    "ENVIRONMENT_VARIABLE",
    "ENV_VAR",
    "NAME",
    "PATTERN_NAMES",
    "PROTOCOL",
    "RATIO",
    "SCHEMA",
    "Schema",
]

_MEMBER = obj(
    {
        "id": string("Member id, used for generated constants.", ATTRIBUTE_ID),
        "value": {"type": ["string", "integer"], "description": "The value on the wire."},
        "brief": string("What the member means."),
    },
    ("id", "value"),
)

_ATTRIBUTE = obj(
    {
        "id": string("Dotted attribute id, lower case.", ATTRIBUTE_ID),
        "type": string("Value type.", enum=ATTRIBUTE_TYPES),
        "members": arr(_MEMBER, 1, "Members of an enum attribute."),
        "brief": string("One sentence on what the attribute holds."),
        "note": string("Longer notes."),
        "examples": arr({}, 1, "Example values, of the attribute's type."),
        "requirement_level": string(
            "How much instrumentation must set it.", enum=REQUIREMENT_LEVELS
        ),
        "condition": string("When a conditionally required attribute is required."),
        "stability": string("Stability.", enum=["stable", "development", "deprecated"]),
        "deprecated": string("Why it is deprecated and what to use."),
        "renamed_to": string("The attribute that replaces it.", ATTRIBUTE_ID),
        "pii": string("Privacy class.", enum=PII_CLASSES),
        "cardinality": string("low may appear in span names and metrics.", enum=["low", "high"]),
    },
    ("id", "type", "brief", "requirement_level", "pii"),
)

_RESOURCE = obj(
    {
        "key": string("A known attribute id.", ATTRIBUTE_ID),
        "requirement_level": string("", enum=["required", "recommended"]),
        "source": string(
            "Where the value comes from.",
            enum=["service", "version", "environment", "env", "static"],
        ),
        "env": string("Environment variable, for source env.", ENV_VAR),
        "value": string("Fixed value, for source static."),
        "placeholder": PLACEHOLDER_SCHEMA,
    },
    ("key", "requirement_level", "source"),
)

_RULE = obj(
    {
        "template": string("Span name over attribute ids in braces."),
        "fallback": string("Used when an attribute of the template is missing."),
        "fallbacks": arr(
            string("A fallback template."),
            1,
            "Fallbacks tried in order when an attribute of the template is missing: the"
            " first whose attributes are all known names the span; the last always applies.",
        ),
    },
    ("template",),
)

_TAIL_POLICY = obj(
    {
        "name": string("Policy name.", NAME),
        "type": string(
            "",
            enum=["status_code", "latency", "probabilistic", "always_sample", "string_attribute"],
        ),
        "status_codes": arr(string(enum=["ERROR", "OK", "UNSET"]), 1),
        "threshold": duration("For latency: keep traces slower than this."),
        "ratio": RATIO,
        "key": string("For string_attribute.", ATTRIBUTE_ID),
        "values": arr(string(), 1),
    },
    ("name", "type"),
)

_HOST_NAME = (
    r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
# TLS towards a backend or the gateways: present means TLS on, whatever the endpoint.
_TLS = obj(
    {
        "ca_file": string(
            "PEM file (absolute path where the collector runs) of the CA that signs the "
            "peer's certificate; default: the system's roots.",
            r"^/[^\x00-\x1f]+$",
        ),
        "server_name_override": string(
            "The name the peer's certificate carries, when the collector reaches it by "
            "another name or address (an IP from DNS, a load balancer).",
            _HOST_NAME,
        ),
    },
    (),
    "TLS towards this peer (on when present).",
)

SCHEMA: Schema = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://scaffold.dev/schemas/observability-v1.json",
    "title": "scaffold conventions (observability.yaml), schema version 1",
    **obj(
        {
            "schema_version": {"const": 1, "type": "integer", "description": "Always 1."},
            "organisation": obj(
                {
                    "name": string("The organisation's name."),
                    "environments": ENVIRONMENTS,
                    "environment_variable": string("Variable naming the environment.", ENV_VAR),
                },
                ("name", "environments"),
            ),
            "codegen": obj(
                {
                    "go_package": string(
                        "Go package name of the generated code.", r"^[a-z][a-z0-9]*$"
                    ),
                    "rust_module": string("Rust module name.", r"^[a-z][a-z0-9_]*$"),
                },
            ),
            "resource": arr(_RESOURCE, 1, "Resource attributes on every signal."),
            "attributes": arr(_ATTRIBUTE, 0, "The organisation's own attributes."),
            "span_naming": obj(
                {
                    **{b: _RULE for b in BOUNDARIES},
                    "internal": obj(
                        {"pattern": string("Regular expression for internal span names.")}
                    ),
                },
                desc="Span names per boundary.",
            ),
            "sampling": obj(
                {
                    "environments": map_of(RATIO, NAME, "Ratio per environment."),
                    "routes": arr(
                        obj(
                            {"route": string("METHOD /route", r"^[A-Z]+ /\S*$"), "ratio": RATIO},
                            ("route", "ratio"),
                        )
                    ),
                    "tail": obj(
                        {
                            "decision_wait": duration(),
                            "num_traces": integer("", 1),
                            "policies": arr(_TAIL_POLICY, 1),
                        },
                        ("policies",),
                    ),
                },
                ("environments",),
            ),
            "propagation": obj(
                {
                    "propagators": arr(
                        string(enum=["tracecontext", "baggage", "b3"]), 1, unique=True
                    ),
                    "baggage": obj(
                        {
                            "allow": arr(string("", ATTRIBUTE_ID), 0, unique=True),
                            "max_entries": integer("", 1, 180),
                        },
                        ("allow",),
                    ),
                },
                ("propagators",),
            ),
            "export": obj(
                {
                    "protocol": PROTOCOL,
                    "endpoint": ENDPOINT,
                    "timeout": duration(),
                    "compression": string("", enum=["gzip", "none"]),
                    "batch": obj(
                        {
                            "max_export_batch_size": integer("", 1, 1_000_000),
                            "max_queue_size": integer("", 1, 10_000_000),
                            "schedule_delay": duration(),
                        }
                    ),
                    "retry": obj(
                        {
                            "enabled": boolean(),
                            "initial_interval": duration(),
                            "max_interval": duration(),
                            "max_elapsed_time": duration(),
                        }
                    ),
                    "shutdown_timeout": duration(),
                    "limits": obj(
                        {"span_attribute_value_length": integer("", 1, 100_000_000)},
                    ),
                },
                ("protocol", "endpoint"),
            ),
            "logs": obj(
                {
                    "format": string("", enum=["json", "text"]),
                    "level": string("", enum=["debug", "info", "warn", "error"]),
                    "fields": obj(
                        {
                            "trace_id": string("", LOG_FIELD),
                            "span_id": string("", LOG_FIELD),
                            "trace_flags": string("", LOG_FIELD),
                        },
                        ("trace_id", "span_id"),
                    ),
                },
                ("fields",),
            ),
            "metrics": obj(
                {
                    "instruments": obj(
                        {
                            k: string("", r"^[a-z][a-z0-9_.]*$")
                            for k in (
                                "http_server_duration",
                                "http_client_duration",
                                "rpc_server_duration",
                                "db_duration",
                            )
                        }
                    ),
                    "duration_buckets": arr(number("", 0), 1),
                    "cardinality_limit": integer("", 1),
                    "export_interval": duration(),
                }
            ),
            "privacy": obj(
                {
                    "actions": obj(
                        {
                            c: obj(
                                {
                                    "sdk": string("", enum=PRIVACY_ACTIONS),
                                    "collector": string("", enum=PRIVACY_ACTIONS),
                                },
                                ("sdk", "collector"),
                            )
                            for c in ("pii", "secret")
                        },
                        ("pii", "secret"),
                    ),
                    "db_query_text": boolean("Whether database query text may be recorded."),
                    "retention": obj({s: duration() for s in ("traces", "logs", "metrics")}),
                    **PRIVACY_RUNTIME,
                },
                ("actions",),
            ),
            "startup": STARTUP,
            "trust": TRUST,
            "http": HTTP,
            "slos": arr(
                obj(
                    {
                        "name": string("", NAME),
                        "description": string(),
                        "operation": string("The span name the SLO measures."),
                        "objective": open_fraction("Fraction of good events, above 0 and below 1."),
                        "latency_threshold": duration(),
                        "window": duration(),
                    },
                    ("name", "operation", "objective", "window"),
                )
            ),
            "collector": obj(
                {
                    "topology": string("", enum=["single", "agent", "gateway", "agent_gateway"]),
                    "gateway_endpoint": string(),
                    "gateway_tls": _TLS,
                    "memory_limit_mib": integer("", 32),
                    "backends": arr(
                        obj(
                            {
                                "name": string("", NAME),
                                "type": string(
                                    "",
                                    enum=[
                                        "otlp",
                                        "otlphttp",
                                        "jaeger",
                                        "zipkin",
                                        "prometheus_remote_write",
                                    ],
                                ),
                                "endpoint": string(),
                                "signals": arr(
                                    string(enum=["traces", "metrics", "logs"]), 1, unique=True
                                ),
                                "tls": _TLS,
                            },
                            ("name", "type", "endpoint"),
                        )
                    ),
                    "queue": obj(
                        {"durable": boolean(), "directory": string(), "size": integer("", 1)}
                    ),
                },
                ("topology",),
            ),
            "incident": obj(
                {
                    "kill_switch_env": ENVIRONMENT_VARIABLE,
                    "ratio_env": ENVIRONMENT_VARIABLE,
                    "control": string("", enum=["admin_handler", "watched_file", "none"]),
                    "admin_path": string("", r"^/\S*$"),
                    "control_file": string(),
                    **INCIDENT_RUNTIME,
                },
                ("kill_switch_env", "ratio_env"),
            ),
            "glossary": arr(
                obj({"term": string(), "definition": string()}, ("term", "definition"))
            ),
        },
        ("schema_version", "organisation", "resource", "span_naming", "sampling", "export"),
    ),
}
