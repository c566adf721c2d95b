"""The standard `OTEL_*` variables and what the Go and Rust services do with each, checked
against the OpenTelemetry specification v1.60.0 (configuration/sdk-environment-variables.md,
context/api-propagators.md, protocol/exporter.md) and the HTTP semantic conventions.
tests/behaviour/test_environment.py holds the table to the runtimes' sources: every `OTEL_*`
name a runtime's own code reads is here as `read` or `checked` for it, and named in its code."""

from __future__ import annotations

from dataclasses import dataclass

READ = "read"  # what a service does with a variable: its own code reads and honours it
SDK = "read by the SDK"  # the OpenTelemetry SDK reads it; the service adds no check
CHECKED = "checked only"  # a bad value is warned about; a good one changes nothing
NOT_READ = "not read"  # ignored; the conventions decide


@dataclass(frozen=True)
class Variable:
    name: str
    meaning: str
    default: str
    go: str
    rust: str
    # Behaviour-table rows that set the variable (proof for every `read` and `checked`).
    rows: tuple[str, ...] = ()
    note: str = ""


_ACCEPTED = "env-export-variables-accepted"
_SIGNALS = (("TRACES", "spans"), ("METRICS", "metrics"))


def _per_signal(
    suffix: str,
    meaning: str,
    default: str,
    langs: tuple[str, str],
    rows: tuple[str, ...],
    traces_rows: tuple[str, ...] = (),
    note: str = "",
) -> tuple[Variable, ...]:
    """OTEL_EXPORTER_OTLP_<suffix> and its TRACES_ and METRICS_ forms (the signal's wins);
    `rows` set the general one, `traces_rows` (and the accepted-values row) the others."""
    go, rust = langs
    general = Variable(f"OTEL_EXPORTER_OTLP_{suffix}", meaning, default, go, rust, rows, note)
    own = tuple(
        Variable(
            f"OTEL_EXPORTER_OTLP_{signal}_{suffix}",
            f"As OTEL_EXPORTER_OTLP_{suffix}, for {what} only; wins over it.",
            f"OTEL_EXPORTER_OTLP_{suffix}",
            go,
            rust,
            (_ACCEPTED, *(traces_rows if signal == "TRACES" else ())),
        )
        for signal, what in _SIGNALS
    )
    return (general, *own)


_GENERAL: tuple[Variable, ...] = (
    Variable(
        "OTEL_SDK_DISABLED",
        "Disables tracing and metrics; propagation of incoming context continues.",
        "false",
        READ,
        READ,
        (
            "sdk-disabled-still-propagates",
            "env-boolean-not-true-is-false",
            "parity2-choice-not-utf8-is-warned-about-unechoed",
        ),
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
        "Extra resource attributes, key=value pairs separated by commas. Of a key given "
        "twice the last value is kept; they win over the conventions' attributes and the "
        "SDK's telemetry.sdk.* ones.",
        "empty",
        READ,
        READ,
        (
            "startup-environment-from-resource-attributes",
            "envfix-resource-attributes-last-value-and-sdk",
        ),
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
        "The ratio of the traceidratio samplers, a plain decimal number in [0, 1] (no sign, "
        "hex float, underscore, inf or nan); used only with OTEL_TRACES_SAMPLER.",
        "1.0",
        READ,
        READ,
        (
            "startup-sampler-arg-out-of-range",
            "sampler-traceidratio-ignores-sampled-parent",
            "parity2-sampler-arg-hex-float-is-not-read",
            "parity2-sampler-arg-sign-is-not-read",
        ),
    ),
    Variable(
        "OTEL_PROPAGATORS",
        "The propagators, a comma-separated list of tracecontext, baggage, b3 (B3 single "
        "header), b3multi (B3 X-B3-* headers) and none. A list of only unknown names is "
        "warned about and the conventions' propagators used.",
        "the conventions' propagation.propagators",
        READ,
        READ,
        (
            "env-propagators-tracecontext-only",
            "env-propagators-b3-single-header",
            "env-propagators-only-unknown-names",
            "env-propagators-none-with-others-ignored",
            "parity2-choice-not-utf8-is-warned-about-unechoed",
        ),
        "Each name is used once; none alone means no propagator, listed with others it is "
        "warned about and ignored. Go: b3 and b3multi are warned about and left out (the Go "
        "package has no B3 propagator of its own). The conventions' b3 is the X-B3-* form "
        "in both languages.",
    ),
)

_EXPORT: tuple[Variable, ...] = (
    Variable(
        "OTEL_TRACES_EXPORTER",
        "A comma-separated list of otlp, console (spans as JSON lines on standard output) "
        "and none; unknown names (zipkin, say) are warned about and skipped. none listed "
        "with other names is warned about and ignored.",
        "otlp",
        READ,
        READ,
        (
            "startup-exporter-list-with-console",
            "env-traces-exporter-none",
            "env-traces-exporter-none-with-otlp",
        ),
    ),
    Variable(
        "OTEL_METRICS_EXPORTER",
        "otlp or none (Go also console); unknown names are warned about and skipped.",
        "otlp",
        READ,
        READ,
        (_ACCEPTED,),
        "Differs: Go prints metrics to standard output for console; Rust has no console "
        "metric exporter, so console is warned about (spans only) and otlp used.",
    ),
    *_per_signal(
        "ENDPOINT",
        "Where the OTLP exporters send; a signal's own variable is used as it is, the "
        "general one gets /v1/traces or /v1/metrics appended over http/protobuf. Over "
        "http/protobuf a value that is no http:// or https:// URL with a host (host:port) "
        "names no transport: it is warned about and the next setting used.",
        "the conventions' export.endpoint when the protocol is the conventions' one; with "
        "only the protocol overridden, that protocol's default of the specification: "
        "`http://localhost:4317` for grpc, `http://localhost:4318` for http/protobuf",
        (READ, READ),
        ("shutdown-with-no-receiver", _ACCEPTED),
        ("env-signal-endpoint-wins", "schemeless-http-endpoint-warns-and-falls-back"),
    ),
    *_per_signal(
        "PROTOCOL",
        "grpc or http/protobuf; http/json is warned about and http/protobuf used, grpc too "
        "when the OTLP/gRPC exporter is not built in. Another value is warned about and "
        "ignored.",
        "the conventions' export.protocol",
        (READ, READ),
        ("startup-http-json-protocol", _ACCEPTED),
        ("export-startup-line-signal-protocol-wins",),
    ),
    *_per_signal(
        "TIMEOUT",
        "Milliseconds one export request may take; 0 is no limit (2147483647 ms in both "
        "languages, as configuration/common.md allows).",
        "the conventions' export.timeout",
        (READ, READ),
        (_ACCEPTED, "envfix-timeout-zero-is-no-limit"),
    ),
    *_per_signal(
        "COMPRESSION",
        "gzip or none, any case; another value (br, zstd: not built in) is warned about "
        "and ignored.",
        "the conventions' export.compression",
        (READ, READ),
        (
            _ACCEPTED,
            "envfix-compression-unknown-warns",
            "parity2-choice-not-utf8-is-warned-about-unechoed",
        ),
    ),
    *_per_signal(
        "INSECURE",
        "true: a gRPC endpoint written without a scheme is used without TLS. An endpoint "
        "written with http:// or https:// keeps its scheme whatever this says "
        "(protocol/exporter.md).",
        "false",
        (SDK, READ),
        (_ACCEPTED, "envfix-insecure-never-downgrades-https"),
        note="Go: the SDK reads it, and the service gives the exporter any endpoint that "
        "has a scheme, so the scheme wins.",
    ),
    *_per_signal(
        "HEADERS",
        "Headers sent with every export (key=value pairs separated by commas, values "
        "percent-encoded). An entry the exporters leave out (no key=value form, a key that "
        "is no header name, a value that is not percent-encoding) is warned about by its "
        "position and key.",
        "none",
        (READ, READ),
        ("export-failure-reported-at-once", "bad-export-header-entries-warned-without-their-value"),
        note="the service checks the entries and the SDK's exporter sends them; a value never "
        "appears in a log line or an export error (the rows check it)",
    ),
    *_per_signal(
        "CERTIFICATE",
        "A PEM file of the certificate authorities the collector's certificate is checked "
        "against; a file that cannot be read is warned about (Go).",
        "the system's authorities",
        (READ, NOT_READ),
        (_ACCEPTED,),
    ),
    *_per_signal(
        "CLIENT_CERTIFICATE",
        "A PEM client certificate for mutual TLS, with the CLIENT_KEY variable.",
        "none",
        (READ, NOT_READ),
        (_ACCEPTED,),
    ),
    *_per_signal(
        "CLIENT_KEY",
        "The PEM private key of the client certificate.",
        "none",
        (READ, NOT_READ),
        (_ACCEPTED,),
    ),
)

_BATCH: tuple[Variable, ...] = (
    Variable(
        "OTEL_BSP_SCHEDULE_DELAY",
        "Milliseconds between two exports of the span batcher. Below 10 ms (0 would make "
        "the batcher spin) it is warned about and 10 ms used; above 9223372036854 ms it is "
        "warned about and the default used.",
        "the conventions' export.batch.schedule_delay",
        READ,
        READ,
        (
            "env-bsp-schedule-delay-bad-value",
            "envfix-bsp-schedule-delay-floor",
            "parity2-durations-past-the-longest-are-warned-about",
        ),
    ),
    Variable(
        "OTEL_BSP_EXPORT_TIMEOUT",
        "Milliseconds the span batcher lets one export take; 0 is no limit.",
        "the conventions' export.timeout",
        READ,
        CHECKED,
        (_ACCEPTED, "env-export-timeouts-bad-values"),
        "Rust: the SDK's thread-based batcher applies no export timeout of its own (each "
        "request is bounded by OTEL_EXPORTER_OTLP_TIMEOUT); the value is only checked.",
    ),
    Variable(
        "OTEL_BSP_MAX_QUEUE_SIZE",
        "Spans the batcher holds; a value beyond the largest queue the service allocates "
        "(65536 spans in both languages) is warned about and capped. Valid values are "
        "positive: 0 is warned about and ignored.",
        "the conventions' export.batch.max_queue_size",
        READ,
        READ,
        (
            "startup-huge-queue-size",
            "env-bsp-queue-size-huge",
            "envfix-bsp-queue-zero",
            "parity2-number-not-utf8-is-warned-about-unechoed",
        ),
    ),
    Variable(
        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
        "Spans per export; positive, at most the queue size (a larger one is warned about "
        "and the queue size used), capped like it.",
        "the conventions' export.batch.max_export_batch_size",
        READ,
        READ,
        ("startup-huge-queue-size", "envfix-bsp-batch-larger-than-queue"),
    ),
    Variable(
        "OTEL_METRIC_EXPORT_INTERVAL",
        "Milliseconds between two metric exports; 0, or above 9223372036854 ms, is warned "
        "about and the default used. Read, and warned about, whatever the metric exporters.",
        "60000",
        READ,
        READ,
        (
            _ACCEPTED,
            "parity2-durations-past-the-longest-are-warned-about",
            "parity2-metric-interval-is-read-without-metric-export",
        ),
    ),
    Variable(
        "OTEL_METRIC_EXPORT_TIMEOUT",
        "Milliseconds one metric export may take; 0 is no limit.",
        "the conventions' export.timeout",
        READ,
        CHECKED,
        (_ACCEPTED, "env-export-timeouts-bad-values"),
        "Rust: the SDK's periodic reader applies no export timeout of its own (each request "
        "is bounded by OTEL_EXPORTER_OTLP_TIMEOUT); the value is only checked.",
    ),
)


_METRICS_SDK: tuple[Variable, ...] = (
    Variable(
        "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE",
        "The OTLP metric exporter's temporality: cumulative, delta or lowmemory (any "
        "case); another value is warned about and cumulative used.",
        "cumulative",
        READ,
        READ,
        ("envfix-metrics-temporality-bad-value",),
    ),
    Variable(
        "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION",
        "The histogram aggregation of the OTLP metric exporter.",
        "explicit_bucket_histogram",
        NOT_READ,
        NOT_READ,
        note="Histograms keep the explicit bucket boundaries of the conventions in both "
        "languages (the Go SDK would read it; the service gives the exporter its "
        "aggregation).",
    ),
    Variable(
        "OTEL_METRICS_EXEMPLAR_FILTER",
        "Which measurements may become exemplars: trace_based, always_on or always_off.",
        "trace_based",
        SDK,
        NOT_READ,
        note="Differs: the Rust SDK (0.33) records no exemplars, so the variable changes "
        "nothing there.",
    ),
    Variable(
        "OTEL_LOG_LEVEL",
        "The level of the SDK's own log.",
        "info",
        NOT_READ,
        NOT_READ,
        note="The service writes its telemetry warnings at WARN through its own logger; "
        "the Go SDK's messages go to the same logger, the Rust SDK's are compiled out.",
    ),
    Variable(
        "OTEL_LOGS_EXPORTER",
        "The log exporter.",
        "otlp",
        NOT_READ,
        NOT_READ,
        note="Logs are JSON lines on standard output carrying the trace and span ids; no "
        "log record is exported over OTLP, so the OTEL_BLRP_* variables change nothing "
        "either.",
    ),
)


_HTTP: tuple[Variable, ...] = (
    Variable(
        "OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS",
        "The HTTP methods recorded as they are; others become _OTHER (HTTP semantic conventions).",
        "the conventions' http.known_methods, else the RFC 9110 methods, PATCH and QUERY",
        READ,
        READ,
        ("http-known-methods-variable",),
    ),
)

# Before the limits (environment_limits.py) and the HTTP variables, in the page's order.
BEFORE_LIMITS: tuple[Variable, ...] = (*_GENERAL, *_EXPORT, *_BATCH, *_METRICS_SDK)
HTTP = _HTTP
