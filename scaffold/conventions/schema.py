"""The JSON Schema of observability.yaml, schema version 1.

It is data: `scaffold schema` prints it for editors, and scaffold's own validator walks
it (scaffold/conventions/validate.py), so the two can never disagree. Rules that a JSON
Schema cannot say (references between sections, identifiers) live in checks.py.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

ATTRIBUTE_ID = r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"
ENV_VAR = r"^[A-Z_][A-Z0-9_]*$"
DURATION = r"^[0-9]+(ms|s|m|h|d)$"
NAME = r"^[a-z0-9][a-z0-9_-]*$"
ATTRIBUTE_TYPES = [
    "string",
    "int",
    "double",
    "boolean",
    "string[]",
    "int[]",
    "double[]",
    "boolean[]",
    "enum",
]
REQUIREMENT_LEVELS = ["required", "conditionally_required", "recommended", "opt_in"]
PII_CLASSES = ["none", "pii", "secret"]
# What a value matching each pattern is, for messages when a field has no description.
PATTERN_NAMES = {
    ATTRIBUTE_ID: "a dotted, lower-case attribute id such as app.tenant.id",
    ENV_VAR: "an environment variable name such as ACME_TRACING_DISABLED",
    DURATION: "a duration such as 500ms, 10s, 5m, 1h or 28d",
    NAME: "a lower-case name (letters, digits, - and _)",
}
BOUNDARIES = [
    "http_server",
    "http_client",
    "rpc_server",
    "rpc_client",
    "db",
    "messaging_producer",
    "messaging_consumer",
]
PRIVACY_ACTIONS = ["drop", "hash", "redact", "keep"]


def obj(props: dict[str, Schema], required: tuple[str, ...] = (), desc: str = "") -> Schema:
    schema: Schema = {
        "type": "object",
        "properties": props,
        "required": list(required),
        "additionalProperties": False,
    }
    if desc:
        schema["description"] = desc
    return schema


def map_of(values: Schema, key_pattern: str, desc: str = "") -> Schema:
    schema: Schema = {
        "type": "object",
        "additionalProperties": values,
        "propertyNames": {"pattern": key_pattern},
    }
    if desc:
        schema["description"] = desc
    return schema


def arr(items: Schema, min_items: int = 0, desc: str = "", unique: bool = False) -> Schema:
    schema: Schema = {"type": "array", "items": items}
    if min_items:
        schema["minItems"] = min_items
    if unique:
        schema["uniqueItems"] = True
    if desc:
        schema["description"] = desc
    return schema


def string(desc: str = "", pattern: str = "", enum: list[str] | None = None) -> Schema:
    schema: Schema = {"type": "string"}
    if pattern:
        schema["pattern"] = pattern
    if enum:
        schema["enum"] = enum
    if desc:
        schema["description"] = desc
    return schema


def number(desc: str = "", minimum: float | None = None, maximum: float | None = None) -> Schema:
    schema: Schema = {"type": "number"}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    if desc:
        schema["description"] = desc
    return schema


def integer(desc: str = "", minimum: int | None = None, maximum: int | None = None) -> Schema:
    schema: Schema = {"type": "integer"}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    if desc:
        schema["description"] = desc
    return schema


def boolean(desc: str = "") -> Schema:
    return {"type": "boolean", "description": desc} if desc else {"type": "boolean"}


def duration(desc: str = "") -> Schema:
    return string(desc or "A duration such as 500ms, 10s, 5m, 1h or 28d.", pattern=DURATION)


RATIO = number("A sampling ratio: a finite number from 0 to 1.", 0, 1)

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
    },
    ("key", "requirement_level", "source"),
)

_RULE = obj(
    {
        "template": string("Span name over attribute ids in braces."),
        "fallback": string("Used when an attribute of the template is missing."),
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
                    "environments": arr(string("", NAME), 1, "Environment names.", unique=True),
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
                    "environments": map_of(
                        RATIO, r"^[a-z0-9][a-z0-9_-]*$", "Ratio per environment."
                    ),
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
                    "protocol": string("", enum=["grpc", "http/protobuf"]),
                    "endpoint": string(
                        "Collector endpoint URL.", r"^https?://[^\s/:]+(:[0-9]{1,5})?(/\S*)?$"
                    ),
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
                },
                ("protocol", "endpoint"),
            ),
            "logs": obj(
                {
                    "format": string("", enum=["json", "text"]),
                    "level": string("", enum=["debug", "info", "warn", "error"]),
                    "fields": obj(
                        {
                            "trace_id": string("", r"^[a-z_][a-z0-9_.]*$"),
                            "span_id": string("", r"^[a-z_][a-z0-9_.]*$"),
                            "trace_flags": string("", r"^[a-z_][a-z0-9_.]*$"),
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
                },
                ("actions",),
            ),
            "slos": arr(
                obj(
                    {
                        "name": string("", NAME),
                        "description": string(),
                        "operation": string("The span name the SLO measures."),
                        "objective": number("Fraction of good events, below 1.", 0, 1),
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
                    "kill_switch_env": string("", ENV_VAR),
                    "ratio_env": string("", ENV_VAR),
                    "control": string("", enum=["admin_handler", "watched_file", "none"]),
                    "admin_path": string("", r"^/\S*$"),
                    "control_file": string(),
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
