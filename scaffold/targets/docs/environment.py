"""The environment variables a generated service reads: the standard `OTEL_*` ones, with
what the Go and Rust services do with each, and the ones the conventions name.

One table, read by the docs page and by the behaviour table's tests
(tests/behaviour/test_environment.py): every variable marked `read` for a language is set
by at least one behaviour row, which both languages pass with real processes.

Checked against the OpenTelemetry specification v1.60.0 (configuration/
sdk-environment-variables.md and protocol/exporter.md) and the HTTP semantic conventions
(OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS).
"""

from __future__ import annotations

from dataclasses import dataclass

from scaffold.conventions.model import Conventions

SPEC_VERSION = "1.60.0"

# What a generated service does with a variable.
READ = "read"  # honoured; a bad value is warned about and the default used
NOT_READ = "not read"  # ignored; the conventions decide


@dataclass(frozen=True)
class Variable:
    name: str
    meaning: str
    default: str
    go: str
    rust: str
    # Behaviour-table rows that set the variable (proof for every `read`).
    rows: tuple[str, ...] = ()
    note: str = ""


STANDARD: tuple[Variable, ...] = (
    Variable(
        "OTEL_SDK_DISABLED",
        "Disables tracing and metrics; propagation of incoming context continues.",
        "false",
        READ,
        READ,
        ("sdk-disabled-still-propagates", "env-boolean-not-true-is-false"),
    ),
    Variable(
        "OTEL_SERVICE_NAME",
        "The service.name resource attribute.",
        "the name given to scaffold new",
        READ,
        READ,
        ("env-service-name-wins",),
    ),
    Variable(
        "OTEL_RESOURCE_ATTRIBUTES",
        "Extra resource attributes, key=value pairs separated by commas.",
        "empty",
        READ,
        READ,
        ("startup-environment-from-resource-attributes",),
    ),
    Variable(
        "OTEL_TRACES_SAMPLER",
        "The sampler. All names of the specification are known; jaeger_remote, "
        "parentbased_jaeger_remote and xray are warned about and replaced by the default.",
        "the conventions' parent-based ratio sampler",
        READ,
        READ,
        (
            "startup-unknown-sampler-jaeger-remote",
            "sampler-always-off-ignores-sampled-parent",
            "sampler-parentbased-always-off-follows-sampled-parent",
        ),
    ),
    Variable(
        "OTEL_TRACES_SAMPLER_ARG",
        "The ratio of the traceidratio samplers, in [0, 1]; used only with OTEL_TRACES_SAMPLER.",
        "1.0",
        READ,
        READ,
        ("startup-sampler-arg-out-of-range", "sampler-traceidratio-ignores-sampled-parent"),
    ),
    Variable(
        "OTEL_PROPAGATORS",
        "The propagators: tracecontext, baggage, b3, b3multi, none.",
        "the conventions' propagation.propagators",
        READ,
        READ,
        ("env-propagators-tracecontext-only",),
    ),
    Variable(
        "OTEL_TRACES_EXPORTER",
        "otlp or none; other names (console, zipkin) are warned about and skipped.",
        "otlp",
        READ,
        READ,
        ("startup-exporter-list-with-console", "env-traces-exporter-none"),
    ),
    Variable(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "Where the OTLP exporters send (per-signal variables _TRACES_/_METRICS_ win).",
        "the conventions' export.endpoint",
        READ,
        READ,
        ("shutdown-with-no-receiver",),
    ),
    Variable(
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "The full URL spans are sent to, used as it is; wins over OTEL_EXPORTER_OTLP_ENDPOINT.",
        "OTEL_EXPORTER_OTLP_ENDPOINT with /v1/traces (http/protobuf)",
        READ,
        READ,
        ("env-signal-endpoint-wins",),
    ),
    Variable(
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "grpc or http/protobuf; http/json is warned about and the conventions' protocol used.",
        "the conventions' export.protocol",
        READ,
        READ,
        ("startup-http-json-protocol",),
    ),
    Variable(
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "The protocol for spans only; wins over OTEL_EXPORTER_OTLP_PROTOCOL.",
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        READ,
        READ,
        ("export-startup-line-signal-protocol-wins",),
    ),
    Variable(
        "OTEL_EXPORTER_OTLP_HEADERS",
        "Headers sent with every export (key=value pairs separated by commas), read by the SDK.",
        "none",
        READ,
        READ,
        ("export-failure-reported-at-once",),
        "the value never appears in a log line or an export error (the row checks it)",
    ),
    Variable(
        "OTEL_BSP_SCHEDULE_DELAY",
        "Milliseconds between two exports of the span batcher.",
        "the conventions' export.batch.schedule_delay",
        READ,
        READ,
        ("env-bsp-schedule-delay-bad-value",),
    ),
    Variable(
        "OTEL_BSP_MAX_QUEUE_SIZE",
        "Spans the batcher holds; a value beyond the largest queue the service allocates "
        "(65536 spans in both languages) is warned about and capped.",
        "the conventions' export.batch.max_queue_size",
        READ,
        READ,
        ("startup-huge-queue-size", "env-bsp-queue-size-huge"),
    ),
    Variable(
        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
        "Spans per export; at most the queue size, capped like it.",
        "the conventions' export.batch.max_export_batch_size",
        READ,
        READ,
        ("startup-huge-queue-size",),
    ),
    Variable(
        "OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS",
        "The HTTP methods recorded as they are; others become _OTHER (HTTP semantic conventions).",
        "the conventions' http.known_methods, else the RFC 9110 methods and PATCH",
        READ,
        READ,
        ("http-known-methods-variable",),
    ),
)


@dataclass(frozen=True)
class OwnVariable:
    name: str
    meaning: str


def own_variables(conv: Conventions) -> list[OwnVariable]:
    """The variables the conventions name, in the order a reader meets them."""
    out = [
        OwnVariable(
            conv.environment_variable,
            "The environment the service runs in; picks the sampling ratio.",
        )
    ]
    for res in conv.resource:
        if res.source == "env" and res.env:
            out.append(OwnVariable(res.env, f"The {res.key} resource attribute."))
    out.append(OwnVariable(conv.incident.kill_switch_env, "true switches tracing off."))
    out.append(OwnVariable(conv.incident.ratio_env, "Overrides the sampling ratio (0 to 1)."))
    key = conv.privacy.hash_key_env
    out.append(OwnVariable(key, "The HMAC key for attributes whose action is hash."))
    out.append(OwnVariable(key + "_FILE", f"A file holding the key, when {key} is unset."))
    token = conv.incident.admin_token_env
    out.append(OwnVariable(token, "The bearer token the admin listener requires."))
    out.append(OwnVariable(token + "_FILE", f"A file holding the token, when {token} is unset."))
    out.append(
        OwnVariable("ADMIN_ADDR", f"The admin listener (default {conv.incident.admin_address}).")
    )
    return out


def environment_view(conv: Conventions) -> dict[str, object]:
    """The docs page's data: the precedence rule, the standard table, the own variables."""
    return {
        "spec_version": SPEC_VERSION,
        "standard": [
            {
                "name": v.name,
                "meaning": v.meaning,
                "default": v.default,
                "go": v.go,
                "rust": v.rust,
                "note": v.note,
            }
            for v in STANDARD
        ],
        "own": [{"name": v.name, "meaning": v.meaning} for v in own_variables(conv)],
    }
