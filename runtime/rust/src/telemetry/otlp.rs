//! The OTLP exporters, configured from the conventions unless the standard
//! `OTEL_EXPORTER_OTLP_*` variables say otherwise. Both transports are built
//! in: `OTEL_EXPORTER_OTLP_PROTOCOL` (or the signal's own variable) chooses
//! between `grpc` and `http/protobuf` at start-up.

use opentelemetry_otlp::{
    Compression, MetricExporter, RetryPolicy, SpanExporter, WithExportConfig, WithHttpConfig,
    WithTonicConfig,
};

use super::conventions;
use super::rules::Protocol;

fn env_value(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The collector endpoint for `signal` (`TRACES` or `METRICS`) over
/// `protocol`: the signal's variable as it is, else
/// `OTEL_EXPORTER_OTLP_ENDPOINT` (with `/v1/<signal>` appended over HTTP),
/// else the conventions' endpoint when `protocol` is the conventions' one,
/// else the specification's default for `protocol`. An endpoint without a
/// scheme gets `https://`, or `http://` when `OTEL_EXPORTER_OTLP_INSECURE`
/// (or the signal's own variable) is `true`.
pub fn endpoint(signal: &str, protocol: Protocol) -> String {
    let insecure = [
        format!("OTEL_EXPORTER_OTLP_{signal}_INSECURE"),
        "OTEL_EXPORTER_OTLP_INSECURE".to_owned(),
    ]
    .iter()
    .find_map(|name| env_value(name))
    .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if let Some(specific) = env_value(&format!("OTEL_EXPORTER_OTLP_{signal}_ENDPOINT")) {
        return with_scheme(specific.trim(), insecure);
    }
    let base = env_value("OTEL_EXPORTER_OTLP_ENDPOINT").unwrap_or_else(|| {
        match (protocol, conventions::EXPORT_PROTOCOL) {
            (a, b) if a == b => conventions::EXPORT_ENDPOINT.to_owned(),
            (Protocol::Grpc, _) => "http://localhost:4317".to_owned(),
            (Protocol::HttpProtobuf, _) => "http://localhost:4318".to_owned(),
        }
    });
    let base = with_scheme(base.trim(), insecure);
    match protocol {
        Protocol::Grpc => base,
        Protocol::HttpProtobuf => format!(
            "{}/v1/{}",
            base.trim_end_matches('/'),
            signal.to_ascii_lowercase()
        ),
    }
}

/// Prefixes `https://` (`http://` when `insecure`) to an endpoint that names
/// no scheme.
pub fn with_scheme(endpoint: &str, insecure: bool) -> String {
    if endpoint.contains("://") {
        endpoint.to_owned()
    } else if insecure {
        format!("http://{endpoint}")
    } else {
        format!("https://{endpoint}")
    }
}

/// The exporters' own retries are off: [`super::export::Warned`] retries
/// within the conventions' policy, so that the first failed attempt is
/// reported at once rather than when the retries end.
pub fn retry_policy() -> RetryPolicy {
    RetryPolicy::disabled()
}

fn configure<B: WithExportConfig>(builder: B, signal: &str, protocol: Protocol) -> B {
    let mut builder = builder.with_endpoint(endpoint(signal, protocol));
    let timeout_vars = [
        format!("OTEL_EXPORTER_OTLP_{signal}_TIMEOUT"),
        "OTEL_EXPORTER_OTLP_TIMEOUT".to_owned(),
    ];
    if timeout_vars.iter().all(|v| env_value(v).is_none()) {
        builder = builder.with_timeout(conventions::EXPORT_TIMEOUT);
    }
    builder
}

fn gzip(signal: &str) -> bool {
    let compression_vars = [
        format!("OTEL_EXPORTER_OTLP_{signal}_COMPRESSION"),
        "OTEL_EXPORTER_OTLP_COMPRESSION".to_owned(),
    ];
    conventions::EXPORT_GZIP && compression_vars.iter().all(|v| env_value(v).is_none())
}

/// The OTLP span exporter over `protocol`.
pub fn span_exporter(
    protocol: Protocol,
) -> Result<SpanExporter, opentelemetry_otlp::ExporterBuildError> {
    let builder = SpanExporter::builder();
    match protocol {
        Protocol::Grpc => {
            let mut b = configure(builder.with_tonic(), "TRACES", protocol)
                .with_retry_policy(retry_policy());
            if gzip("TRACES") {
                b = b.with_compression(Compression::Gzip);
            }
            b.build()
        }
        Protocol::HttpProtobuf => {
            let mut b = configure(builder.with_http(), "TRACES", protocol)
                .with_retry_policy(retry_policy());
            if gzip("TRACES") {
                b = b.with_compression(Compression::Gzip);
            }
            b.build()
        }
    }
}

/// The OTLP metric exporter over `protocol`.
pub fn metric_exporter(
    protocol: Protocol,
) -> Result<MetricExporter, opentelemetry_otlp::ExporterBuildError> {
    let builder = MetricExporter::builder();
    match protocol {
        Protocol::Grpc => {
            let mut b = configure(builder.with_tonic(), "METRICS", protocol)
                .with_retry_policy(retry_policy());
            if gzip("METRICS") {
                b = b.with_compression(Compression::Gzip);
            }
            b.build()
        }
        Protocol::HttpProtobuf => {
            let mut b = configure(builder.with_http(), "METRICS", protocol)
                .with_retry_policy(retry_policy());
            if gzip("METRICS") {
                b = b.with_compression(Compression::Gzip);
            }
            b.build()
        }
    }
}
