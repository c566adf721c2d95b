//! Setting up tracing, metrics and logs for the whole process.

use std::str::FromStr;
use std::sync::mpsc;
use std::sync::OnceLock;
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{global, InstrumentationScope, KeyValue};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::{Instrument, PeriodicReader, SdkMeterProvider, Stream};
use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider};
use opentelemetry_sdk::Resource;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::Layer as _;

use super::conventions;
use super::export::{ConsoleExporter, ExporterKind};
use super::logs::LogLayer;
use super::otlp;
use super::redact::Redacting;
use super::rules::Source;
use super::sampler::{Levers, Sampler};

/// Why telemetry could not be set up or shut down.
#[derive(Debug)]
pub enum TelemetryError {
    /// The exporter could not be built (a malformed endpoint, say).
    Exporter(String),
    /// A global subscriber was already installed.
    Subscriber(String),
    /// Flushing or shutting down failed.
    Export(String),
    /// Flushing or shutting down did not finish within the bound.
    Timeout(Duration),
    /// The environment does not let telemetry start (an unknown environment,
    /// a missing required resource attribute, a malformed ratio).
    Config(String),
}

impl std::fmt::Display for TelemetryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Exporter(e) => write!(f, "telemetry exporter: {e}"),
            Self::Subscriber(e) => write!(f, "telemetry subscriber: {e}"),
            Self::Export(e) => write!(f, "telemetry export: {e}"),
            Self::Timeout(d) => write!(f, "telemetry did not finish within {d:?}"),
            Self::Config(e) => write!(f, "telemetry: {e}"),
        }
    }
}

impl std::error::Error for TelemetryError {}

static LEVERS: OnceLock<Levers> = OnceLock::new();

/// The incident levers of the process (kill switch and ratio); the sampler
/// `init` installs reads them on every decision. Before `init` they hold
/// tracing on at ratio 1.
pub fn levers() -> &'static Levers {
    LEVERS.get_or_init(|| Levers::new(true, 1.0))
}

/// Reads a boolean the way the Go services do (`1`, `t`, `true`, `TRUE` ...).
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim() {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

fn is_true(value: Option<String>) -> bool {
    value.and_then(|v| parse_bool(&v)).unwrap_or(false)
}

fn parse_ratio(text: &str) -> Result<f64, String> {
    match f64::from_str(text.trim()) {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err(format!("{text:?} is not a ratio between 0 and 1")),
    }
}

/// The ratio and kill switch the service starts with, read through `getenv`:
/// the environment's ratio, `OTEL_TRACES_SAMPLER(_ARG)`, then the
/// conventions' ratio variable; the kill switch variable turns tracing off.
pub fn start_levers(
    getenv: &dyn Fn(&str) -> Option<String>,
) -> Result<(bool, f64), TelemetryError> {
    let environment = getenv(conventions::ENVIRONMENT_VARIABLE)
        .map(|v| v.trim().to_owned())
        .unwrap_or_default();
    let mut ratio = conventions::ENVIRONMENT_RATIOS
        .iter()
        .find(|(name, _)| *name == environment)
        .map(|(_, ratio)| *ratio)
        .ok_or_else(|| {
            let known: Vec<&str> = conventions::ENVIRONMENT_RATIOS
                .iter()
                .map(|(n, _)| *n)
                .collect();
            TelemetryError::Config(format!(
                "{}={environment:?} is not one of {}",
                conventions::ENVIRONMENT_VARIABLE,
                known.join(", ")
            ))
        })?;
    match getenv("OTEL_TRACES_SAMPLER").unwrap_or_default().trim() {
        "" => {}
        "always_on" | "parentbased_always_on" => ratio = 1.0,
        "always_off" | "parentbased_always_off" => ratio = 0.0,
        "traceidratio" | "parentbased_traceidratio" => {
            ratio = parse_ratio(&getenv("OTEL_TRACES_SAMPLER_ARG").unwrap_or_default())
                .map_err(|e| TelemetryError::Config(format!("OTEL_TRACES_SAMPLER_ARG: {e}")))?;
        }
        other => {
            return Err(TelemetryError::Config(format!(
                "OTEL_TRACES_SAMPLER={other:?} is not supported"
            )))
        }
    }
    if let Some(value) = getenv(conventions::RATIO_ENV).filter(|v| !v.trim().is_empty()) {
        ratio = parse_ratio(&value)
            .map_err(|e| TelemetryError::Config(format!("{}: {e}", conventions::RATIO_ENV)))?;
    }
    let enabled = !is_true(getenv(conventions::KILL_SWITCH_ENV));
    Ok((enabled, ratio))
}

fn getenv(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The resource of every signal: the conventions' attributes, overridden by
/// `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_SERVICE_NAME`. A required attribute
/// without a value is an error that says which variable to set.
pub fn resource(getenv: &dyn Fn(&str) -> Option<String>) -> Result<Resource, TelemetryError> {
    let mut attributes = Vec::new();
    let mut missing = Vec::new();
    let from_env = Resource::builder().build();
    for attr in conventions::RESOURCE {
        let (value, hint) = match attr.source {
            Source::Service => (
                Some(conventions::SERVICE_NAME.to_owned()),
                "set OTEL_SERVICE_NAME".to_owned(),
            ),
            Source::Version => (
                Some(
                    getenv("SERVICE_VERSION")
                        .filter(|v| !v.is_empty())
                        .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_owned()),
                ),
                "set SERVICE_VERSION".to_owned(),
            ),
            Source::Environment => (
                getenv(conventions::ENVIRONMENT_VARIABLE),
                format!("set {}", conventions::ENVIRONMENT_VARIABLE),
            ),
            Source::Env(name) => (getenv(name), format!("set {name}")),
            Source::Static(value) => (
                Some(value.to_owned()),
                "set OTEL_RESOURCE_ATTRIBUTES".to_owned(),
            ),
        };
        let overridden = from_env
            .get(&opentelemetry::Key::from_static_str(attr.key))
            .filter(|_| overrides(attr.key, getenv));
        match (overridden, value.filter(|v| !v.trim().is_empty())) {
            (Some(v), _) => attributes.push(KeyValue::new(attr.key, v)),
            (None, Some(v)) => attributes.push(KeyValue::new(attr.key, v)),
            (None, None) if attr.required => missing.push(format!("{} ({hint})", attr.key)),
            (None, None) => {}
        }
    }
    if !missing.is_empty() {
        return Err(TelemetryError::Config(format!(
            "missing required resource attributes: {}",
            missing.join(", ")
        )));
    }
    Ok(Resource::builder().with_attributes(attributes).build())
}

/// Whether the standard variables set `key` themselves.
fn overrides(key: &str, getenv: &dyn Fn(&str) -> Option<String>) -> bool {
    if key == "service.name" && getenv("OTEL_SERVICE_NAME").is_some_and(|v| !v.trim().is_empty()) {
        return true;
    }
    getenv("OTEL_RESOURCE_ATTRIBUTES").is_some_and(|v| {
        v.split(',')
            .filter_map(|pair| pair.split_once('='))
            .any(|(k, _)| k.trim() == key)
    })
}

fn env_unset(name: &str) -> bool {
    std::env::var(name).map_or(true, |v| v.trim().is_empty())
}

/// The batch limits: the conventions' values unless `OTEL_BSP_*` set them.
pub fn batch_config() -> opentelemetry_sdk::trace::BatchConfig {
    let mut builder = BatchConfigBuilder::default();
    if env_unset("OTEL_BSP_MAX_QUEUE_SIZE") {
        builder = builder.with_max_queue_size(conventions::MAX_QUEUE_SIZE);
    }
    if env_unset("OTEL_BSP_MAX_EXPORT_BATCH_SIZE") {
        builder = builder.with_max_export_batch_size(conventions::MAX_EXPORT_BATCH_SIZE);
    }
    if env_unset("OTEL_BSP_SCHEDULE_DELAY") {
        builder = builder.with_scheduled_delay(conventions::SCHEDULE_DELAY);
    }
    builder.build()
}

/// The metrics view of every instrument: the conventions' cardinality limit.
pub fn cardinality_view(_instrument: &Instrument) -> Option<Stream> {
    Stream::builder()
        .with_cardinality_limit(conventions::CARDINALITY_LIMIT)
        .build()
        .ok()
}

/// Flushes and shuts telemetry down, each bounded by the conventions'
/// shutdown timeout even when the collector is unreachable. Dropping the guard
/// shuts down too.
#[derive(Debug)]
pub struct TelemetryGuard {
    tracer_provider: Option<SdkTracerProvider>,
    meter_provider: Option<SdkMeterProvider>,
    watcher: Option<tokio::task::JoinHandle<()>>,
    timeout: Duration,
}

fn bounded<F>(timeout: Duration, work: F) -> Result<(), TelemetryError>
where
    F: FnOnce() -> Vec<OTelSdkResult> + Send + 'static,
{
    let (done, wait) = mpsc::channel();
    std::thread::Builder::new()
        .name("telemetry-shutdown".into())
        .spawn(move || {
            let _ = done.send(work());
        })
        .map_err(|e| TelemetryError::Export(e.to_string()))?;
    match wait.recv_timeout(timeout) {
        Ok(results) => results
            .into_iter()
            .collect::<Result<(), _>>()
            .map_err(|e| TelemetryError::Export(e.to_string())),
        Err(_) => Err(TelemetryError::Timeout(timeout)),
    }
}

impl TelemetryGuard {
    /// A guard over these providers, bounded by `timeout`.
    pub fn new(
        tracer_provider: Option<SdkTracerProvider>,
        meter_provider: Option<SdkMeterProvider>,
        timeout: Duration,
    ) -> Self {
        Self {
            tracer_provider,
            meter_provider,
            watcher: None,
            timeout,
        }
    }

    /// Exports what is queued, waiting at most the shutdown timeout.
    pub fn flush(&self) -> Result<(), TelemetryError> {
        let tracer = self.tracer_provider.clone();
        let meter = self.meter_provider.clone();
        bounded(self.timeout, move || {
            let mut results = Vec::new();
            if let Some(p) = tracer {
                results.push(p.force_flush());
            }
            if let Some(p) = meter {
                results.push(p.force_flush());
            }
            results
        })
    }

    /// Flushes and stops the exporters, waiting at most the shutdown timeout.
    pub fn shutdown(mut self) -> Result<(), TelemetryError> {
        self.shutdown_inner()
    }

    fn shutdown_inner(&mut self) -> Result<(), TelemetryError> {
        if let Some(watcher) = self.watcher.take() {
            watcher.abort();
        }
        let tracer = self.tracer_provider.take();
        let meter = self.meter_provider.take();
        if tracer.is_none() && meter.is_none() {
            return Ok(());
        }
        let timeout = self.timeout;
        bounded(timeout, move || {
            let mut results = Vec::new();
            if let Some(p) = tracer {
                results.push(p.shutdown_with_timeout(timeout));
            }
            if let Some(p) = meter {
                results.push(p.shutdown_with_timeout(timeout));
            }
            results
        })
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        let _ = self.shutdown_inner();
    }
}

/// Sets up tracing, metrics and logs for the process, per the conventions
/// and the standard `OTEL_*` variables:
///
/// - `OTEL_SDK_DISABLED=true`: logs only, no tracing or metrics at all;
/// - the kill switch and ratio variables set the [`levers`];
/// - `OTEL_TRACES_EXPORTER`: `otlp` (default), `console` or `none`;
///   `OTEL_METRICS_EXPORTER`: `otlp` (default) or `none`;
/// - `OTEL_EXPORTER_OTLP_*`, `OTEL_BSP_*`, `OTEL_RESOURCE_ATTRIBUTES`,
///   `OTEL_SERVICE_NAME`, `RUST_LOG` win over the conventions.
///
/// Call it once, inside the Tokio runtime, and keep the guard until exit.
pub fn init() -> Result<TelemetryGuard, TelemetryError> {
    let filter = Targets::from_str(
        std::env::var("RUST_LOG")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .as_deref()
            .unwrap_or(conventions::LOG_LEVEL),
    )
    .unwrap_or_else(|_| Targets::new().with_default(tracing::Level::INFO));
    let sdk_disabled = is_true(getenv("OTEL_SDK_DISABLED"));
    let timeout = conventions::SHUTDOWN_TIMEOUT;
    if sdk_disabled {
        tracing_subscriber::registry()
            .with(LogLayer::new().with_filter(filter))
            .try_init()
            .map_err(|e| TelemetryError::Subscriber(e.to_string()))?;
        return Ok(TelemetryGuard::new(None, None, timeout));
    }

    let (enabled, ratio) = start_levers(&getenv)?;
    let resource = resource(&getenv)?;
    let levers = levers().clone();
    levers.set_enabled(enabled);
    levers.set_base_ratio(ratio);
    let mut tracer_builder = SdkTracerProvider::builder()
        .with_sampler(Sampler::new(levers.clone()))
        .with_resource(resource.clone());
    let mut meter_builder = SdkMeterProvider::builder()
        .with_resource(resource)
        .with_view(cardinality_view);
    let traces = getenv("OTEL_TRACES_EXPORTER");
    let metrics = getenv("OTEL_METRICS_EXPORTER");
    let traces = ExporterKind::parse("OTEL_TRACES_EXPORTER", traces.as_deref(), true)
        .map_err(TelemetryError::Config)?;
    let metrics = ExporterKind::parse("OTEL_METRICS_EXPORTER", metrics.as_deref(), false)
        .map_err(TelemetryError::Config)?;
    let span_processor = match traces {
        ExporterKind::Otlp => Some(
            BatchSpanProcessor::builder(
                otlp::span_exporter().map_err(|e| TelemetryError::Exporter(e.to_string()))?,
            )
            .with_batch_config(batch_config())
            .build(),
        ),
        ExporterKind::Console => Some(
            BatchSpanProcessor::builder(ConsoleExporter::stdout())
                .with_batch_config(batch_config())
                .build(),
        ),
        ExporterKind::None => None,
    };
    if let Some(processor) = span_processor {
        tracer_builder = tracer_builder.with_span_processor(Redacting::new(processor));
    }
    if metrics == ExporterKind::Otlp {
        let exporter =
            otlp::metric_exporter().map_err(|e| TelemetryError::Exporter(e.to_string()))?;
        let interval = getenv("OTEL_METRIC_EXPORT_INTERVAL")
            .and_then(|v| v.trim().parse().ok())
            .map_or(conventions::METRICS_EXPORT_INTERVAL, Duration::from_millis);
        meter_builder = meter_builder.with_reader(
            PeriodicReader::builder(exporter)
                .with_interval(interval)
                .build(),
        );
    }
    let tracer_provider = tracer_builder.build();
    let meter_provider = meter_builder.build();
    global::set_tracer_provider(tracer_provider.clone());
    global::set_meter_provider(meter_provider.clone());
    global::set_text_map_propagator(super::propagation::propagator());

    let scope = InstrumentationScope::builder(conventions::SCOPE_NAME)
        .with_version(env!("CARGO_PKG_VERSION"))
        .build();
    let tracer = tracer_provider.tracer_with_scope(scope);
    tracing_subscriber::registry()
        .with(
            tracing_opentelemetry::layer()
                .with_tracer(tracer)
                .with_filter(filter.clone()),
        )
        .with(LogLayer::new().with_filter(filter))
        .try_init()
        .map_err(|e| TelemetryError::Subscriber(e.to_string()))?;
    let mut guard = TelemetryGuard::new(Some(tracer_provider), Some(meter_provider), timeout);
    guard.watcher = super::control::start(&levers);
    Ok(guard)
}
