"""The built-in glossary: OpenTelemetry's words, explained for service teams.

The organisation's own terms (the conventions' `glossary:`) are added to these by the docs
view; a term the organisation defines itself replaces the built-in one of the same name.
Each row: term, definition, related terms (other rows of this table).
"""

from __future__ import annotations

BUILTIN_TERMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "attribute",
        "A key and a typed value attached to a span, a log record, a metric point or a "
        "resource. Keys come from the attribute registry so that every service spells them "
        "the same way.",
        ("resource", "span"),
    ),
    (
        "baggage",
        "Key-value pairs that travel with a request across service boundaries, next to the "
        "trace context. Baggage is visible to every downstream service, so only allow-listed "
        "keys are sent and nothing personal belongs in it.",
        ("context", "propagation"),
    ),
    (
        "batch span processor",
        "The part of the SDK that queues finished spans in memory and hands them to the "
        "exporter in batches, on a timer or when a batch is full. When the queue is full, new "
        "spans are dropped instead of slowing the service down.",
        ("exporter", "span"),
    ),
    (
        "cardinality",
        "How many distinct values an attribute takes. Low-cardinality attributes (a method, a "
        "route template) may appear in span names and metric attributes; high-cardinality ones "
        "(a user id, a URL) may not, because every distinct value creates a new time series.",
        ("attribute", "metric"),
    ),
    (
        "collector",
        "A separate process that receives telemetry, processes it (limits memory, redacts, "
        "batches, samples) and sends it on to one or more backends. Agents run next to the "
        "services; gateways receive from agents and make tail-sampling decisions.",
        ("exporter", "tail sampling"),
    ),
    (
        "context",
        "The in-process carrier of the active span and baggage. Passing the context along "
        "(in Go the context.Context argument, in Rust the current tracing span) is what makes "
        "child spans join the right trace.",
        ("propagation", "span"),
    ),
    (
        "exemplar",
        "A sample measurement stored with a metric point together with the trace id and span "
        "id that produced it, so a spike on a latency chart leads straight to a trace.",
        ("metric", "trace"),
    ),
    (
        "exporter",
        "The SDK component that sends telemetry out of the process, here over OTLP to the "
        "collector, with a timeout, compression and bounded retries.",
        ("collector", "OTLP"),
    ),
    (
        "head sampling",
        "Deciding whether to keep a trace when its first span starts, before anything is known "
        "about how it will end. Cheap, and the decision travels with the trace context so all "
        "services agree.",
        ("parent-based sampling", "ratio sampling", "tail sampling"),
    ),
    (
        "instrumentation",
        "The code that creates spans, records metrics and writes correlated logs. Generated "
        "instrumentation follows the conventions, so hand-written code only adds what is "
        "specific to the service.",
        ("span", "metric"),
    ),
    (
        "log correlation",
        "Writing the trace id and span id of the active span into every log line, so logs and "
        "traces of one request can be found from each other.",
        ("trace", "span"),
    ),
    (
        "metric",
        "A numeric measurement aggregated over time, such as a request duration histogram. "
        "Metrics are cheap to keep for a long time and answer how much and how often; traces "
        "answer where and why.",
        ("exemplar", "RED metrics"),
    ),
    (
        "OTLP",
        "The OpenTelemetry Protocol: how SDKs and collectors send traces, metrics and logs to "
        "each other, over gRPC or HTTP with protobuf.",
        ("exporter", "collector"),
    ),
    (
        "parent-based sampling",
        "A sampler that follows the decision of the incoming parent span: a sampled parent "
        "means a sampled child, an unsampled parent an unsampled child. Only root spans are "
        "decided by the ratio, so a trace is never kept in one service and dropped in another.",
        ("head sampling", "ratio sampling"),
    ),
    (
        "propagation",
        "Carrying the trace context and baggage across a process boundary in request headers "
        "or message metadata (W3C traceparent, tracestate and baggage), so the receiving "
        "service continues the same trace.",
        ("baggage", "context", "traceparent"),
    ),
    (
        "ratio sampling",
        "Keeping a fixed fraction of root spans, chosen from the trace id itself. Because the "
        "choice depends only on the trace id, every service computes the same answer.",
        ("head sampling", "parent-based sampling"),
    ),
    (
        "RED metrics",
        "Rate, errors and duration of a request boundary, the first three things to look at "
        "for any service. One duration histogram per boundary gives all three.",
        ("metric", "exemplar"),
    ),
    (
        "redaction",
        "Removing, hashing or masking attribute values that carry personal data or secrets "
        "before they leave the service (in the SDK) or before they reach a backend (in the "
        "collector).",
        ("attribute", "collector"),
    ),
    (
        "resource",
        "The attributes that describe what produced the telemetry: service name, version, "
        "environment, team, instance. They are set once at start-up and stamped on every "
        "span, metric and log record.",
        ("attribute",),
    ),
    (
        "semantic conventions",
        "OpenTelemetry's shared names and meanings for attributes, span names and metrics "
        "(http.request.method, db.system.name, ...). The organisation's conventions build on "
        "them and add their own.",
        ("attribute",),
    ),
    (
        "span",
        "One timed operation within a trace: a name, a start and end time, a kind, a status, "
        "attributes, events and links, and the id of its parent span.",
        ("span kind", "trace"),
    ),
    (
        "span event",
        "A timestamped note inside a span, such as a recorded exception with its type, message "
        "and stack trace.",
        ("span",),
    ),
    (
        "span kind",
        "What role a span plays: server (handles an incoming request), client (makes an "
        "outgoing call), producer (sends a message), consumer (processes a message) or "
        "internal (work inside the process).",
        ("span",),
    ),
    (
        "span status",
        "Whether the operation of a span failed: unset (the default, meaning fine), error "
        "(with a description) or ok (set only by the application to override).",
        ("span",),
    ),
    (
        "tail sampling",
        "Deciding whether to keep a trace after all its spans have arrived at the collector "
        "gateway, so that errors and slow requests can always be kept while ordinary traffic "
        "is thinned out.",
        ("collector", "head sampling"),
    ),
    (
        "trace",
        "The record of one request as it travels through services: a tree of spans sharing "
        "one trace id.",
        ("span", "propagation"),
    ),
    (
        "trace id",
        "A 16-byte identifier shared by every span of a trace, written as 32 hexadecimal "
        "digits. Sampling decisions and log correlation are keyed on it.",
        ("trace", "log correlation"),
    ),
    (
        "traceparent",
        "The W3C Trace Context header that carries the trace id, the parent span id and the "
        "sampled flag from one service to the next.",
        ("propagation", "trace id"),
    ),
)
