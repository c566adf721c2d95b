//! Setting up tracing, metrics and logs for the whole process.

use std::str::FromStr;
use std::sync::OnceLock;
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{global, KeyValue};
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::{Instrument, PeriodicReader, SdkMeterProvider, Stream};
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider, SpanLimits,
};
use opentelemetry_sdk::Resource;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::Layer;

use super::conventions;
use super::export::{ConsoleExporter, Warned};
use super::logs::{LogFlush, LogLayer, SpanEvents};
use super::metrics::RedactingMeterProvider;
use super::otlp;
use super::redact::{self, Redacting};
use super::sampler::{Levers, Sampler};
use super::settings::{self, SamplerChoice, Warnings};

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

/// The sampler and kill switch the service starts with, read through
/// `getenv` (see [`settings::sampler`]); the kill switch variable turns
/// tracing off. Bad values are recorded in `warnings`.
pub fn start_levers(
    getenv: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Warnings,
) -> (bool, SamplerChoice) {
    let choice = settings::sampler(getenv, warnings);
    let kill = conventions::KILL_SWITCH_ENV;
    // A boolean as the specification reads one and as the Go package reads
    // this one: `true` in any case turns tracing off; anything but `false`
    // or empty is warned about and taken as false.
    let enabled = !settings::boolean(getenv, kill, warnings);
    (enabled, choice)
}

fn getenv(name: &str) -> Option<String> {
    settings::process_env(name)
}

/// The resource of every signal: the conventions' attributes, overridden by
/// `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_SERVICE_NAME`, with the privacy
/// policy applied. A required attribute without a value gets its placeholder
/// and a warning.
pub fn resource(getenv: &dyn Fn(&str) -> Option<String>, warnings: &mut Warnings) -> Resource {
    let mut attributes = Vec::new();
    for attr in conventions::RESOURCE {
        if let Some(value) = settings::resource_value(getenv, attr, warnings) {
            attributes.push(KeyValue::new(attr.key, value));
        }
    }
    if let Some(list) = settings::value(getenv, "OTEL_RESOURCE_ATTRIBUTES") {
        let mut malformed = Vec::new();
        for (position, pair) in list.split(',').enumerate() {
            if pair.trim().is_empty() {
                continue;
            }
            // A malformed entry is named by position (and key, when it has one),
            // never by its text: the text may be a secret.
            let Some((key, raw)) = pair.split_once('=').filter(|(k, _)| !k.trim().is_empty())
            else {
                malformed.push(format!("entry {}", position + 1));
                continue;
            };
            let key = key.trim();
            if !settings::percent_encoding_valid(raw) {
                malformed.push(format!("entry {} ({key})", position + 1));
                continue;
            }
            if attributes.iter().any(|kv| kv.key.as_str() == key) {
                continue;
            }
            if let Some(value) = settings::resource_attribute(getenv, key) {
                attributes.push(KeyValue::new(key.to_owned(), value));
            }
        }
        if !malformed.is_empty() {
            warnings.push(
                "OTEL_RESOURCE_ATTRIBUTES",
                &format!("<malformed: {}>", malformed.join(", ")),
                "the well-formed entries only",
            );
        }
    }
    let resource = Resource::builder_empty()
        .with_schema_url(Vec::<KeyValue>::new(), conventions::SCHEMA_URL)
        .with_attributes(
            [
                KeyValue::new("telemetry.sdk.name", "opentelemetry"),
                KeyValue::new("telemetry.sdk.language", "rust"),
                KeyValue::new("telemetry.sdk.version", SDK_VERSION),
            ]
            .into_iter()
            .chain(attributes),
        )
        .build();
    redact::policy().resource(resource)
}

/// The version of the OpenTelemetry SDK this module is built against.
pub const SDK_VERSION: &str = "0.33.1";

/// The batch limits: `OTEL_BSP_*` when usable, else the conventions' values
/// ([`settings::batch`]; `init` reports the unusable ones).
pub fn batch_config() -> opentelemetry_sdk::trace::BatchConfig {
    let limits = settings::batch(&getenv, &mut Warnings::default());
    BatchConfigBuilder::default()
        .with_max_queue_size(limits.max_queue_size)
        .with_max_export_batch_size(limits.max_export_batch_size)
        .with_scheduled_delay(limits.scheduled_delay)
        .build()
}

/// The metrics view of every instrument: the conventions' cardinality limit.
pub fn cardinality_view(_instrument: &Instrument) -> Option<Stream> {
    Stream::builder()
        .with_cardinality_limit(conventions::CARDINALITY_LIMIT)
        .build()
        .ok()
}

/// Flushes and shuts telemetry down, traces and metrics in parallel, bounded
/// by the conventions' shutdown timeout even when the collector is
/// unreachable. The work runs on threads of its own and the async methods
/// only wait for it, so the exporters (which may need the Tokio runtime)
/// keep running on every runtime flavour, `#[tokio::test]` included.
/// Dropping the guard shuts down too, without waiting on a current-thread
/// runtime.
#[derive(Debug)]
pub struct TelemetryGuard {
    tracer_provider: Option<SdkTracerProvider>,
    meter_provider: Option<SdkMeterProvider>,
    watcher: Option<tokio::task::JoinHandle<()>>,
    logs: Option<LogFlush>,
    timeout: Duration,
}

type Work = Box<dyn FnOnce(Duration) -> OTelSdkResult + Send>;

fn flush_logs(logs: LogFlush) -> Work {
    Box::new(move |timeout| {
        if logs.flush(timeout) {
            Ok(())
        } else {
            Err(OTelSdkError::Timeout(timeout))
        }
    })
}

/// Runs each piece of work on its own thread; the receiver yields once per
/// piece.
fn start_parallel(work: Vec<Work>, timeout: Duration) -> Result<Receiver, TelemetryError> {
    let (done, wait) = tokio::sync::mpsc::unbounded_channel();
    let count = work.len();
    for piece in work {
        let done = done.clone();
        std::thread::Builder::new()
            .name("telemetry-shutdown".into())
            .spawn(move || {
                let _ = done.send(piece(timeout));
            })
            .map_err(|e| TelemetryError::Export(e.to_string()))?;
    }
    Ok(Receiver { wait, count })
}

struct Receiver {
    wait: tokio::sync::mpsc::UnboundedReceiver<OTelSdkResult>,
    count: usize,
}

impl Receiver {
    fn collect(results: Vec<OTelSdkResult>) -> Result<(), TelemetryError> {
        results
            .into_iter()
            .collect::<Result<(), _>>()
            .map_err(|e| TelemetryError::Export(e.to_string()))
    }

    async fn wait(mut self, timeout: Duration) -> Result<(), TelemetryError> {
        let all = async {
            let mut results = Vec::new();
            while results.len() < self.count {
                match self.wait.recv().await {
                    Some(r) => results.push(r),
                    None => break,
                }
            }
            results
        };
        match tokio::time::timeout(timeout, all).await {
            Ok(results) => Self::collect(results),
            Err(_) => Err(TelemetryError::Timeout(timeout)),
        }
    }

    fn wait_blocking(mut self, timeout: Duration) -> Result<(), TelemetryError> {
        let deadline = std::time::Instant::now() + timeout;
        let mut results = Vec::new();
        while results.len() < self.count {
            match self.wait.try_recv() {
                Ok(r) => results.push(r),
                Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => break,
                Err(tokio::sync::mpsc::error::TryRecvError::Empty) => {
                    if std::time::Instant::now() >= deadline {
                        return Err(TelemetryError::Timeout(timeout));
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        }
        Self::collect(results)
    }
}

/// Whether the caller runs on a current-thread Tokio runtime, where
/// blocking would stop the exporters.
fn on_current_thread_runtime() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread)
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
            logs: None,
            timeout,
        }
    }

    /// Also flushes the log lines `logs` queued, on flush, shutdown and drop.
    pub fn with_logs(mut self, logs: LogFlush) -> Self {
        self.logs = Some(logs);
        self
    }

    fn flush_work(&self) -> Vec<Work> {
        let mut work: Vec<Work> = Vec::new();
        if let Some(p) = self.tracer_provider.clone() {
            work.push(Box::new(move |_| p.force_flush()));
        }
        if let Some(p) = self.meter_provider.clone() {
            work.push(Box::new(move |_| p.force_flush()));
        }
        if let Some(logs) = self.logs.clone() {
            work.push(flush_logs(logs));
        }
        work
    }

    fn shutdown_work(&mut self) -> Vec<Work> {
        super::export::closing();
        if let Some(watcher) = self.watcher.take() {
            watcher.abort();
        }
        let mut work: Vec<Work> = Vec::new();
        if let Some(p) = self.tracer_provider.take() {
            work.push(Box::new(move |t| p.shutdown_with_timeout(t)));
        }
        if let Some(p) = self.meter_provider.take() {
            work.push(Box::new(move |t| p.shutdown_with_timeout(t)));
        }
        if let Some(logs) = self.logs.take() {
            work.push(flush_logs(logs));
        }
        work
    }

    /// Exports what is queued, waiting at most the shutdown timeout.
    pub async fn flush(&self) -> Result<(), TelemetryError> {
        start_parallel(self.flush_work(), self.timeout)?
            .wait(self.timeout)
            .await
    }

    /// Flushes and stops the exporters, waiting at most the shutdown timeout.
    pub async fn shutdown(mut self) -> Result<(), TelemetryError> {
        let timeout = self.timeout;
        start_parallel(self.shutdown_work(), timeout)?
            .wait(timeout)
            .await
    }

    /// [`flush`](Self::flush) for code outside a runtime (or on a
    /// multi-thread runtime). On a current-thread runtime it refuses, since
    /// blocking there stops the exporters: await `flush` instead.
    pub fn flush_blocking(&self) -> Result<(), TelemetryError> {
        if on_current_thread_runtime() {
            return Err(TelemetryError::Export(
                "flush_blocking on a current-thread runtime: await flush() instead".into(),
            ));
        }
        let receiver = start_parallel(self.flush_work(), self.timeout)?;
        block(|| receiver.wait_blocking(self.timeout))
    }

    /// [`shutdown`](Self::shutdown) for code outside a runtime (or on a
    /// multi-thread runtime). On a current-thread runtime the work is started
    /// and not waited for: await `shutdown` instead.
    pub fn shutdown_blocking(mut self) -> Result<(), TelemetryError> {
        self.shutdown_inner()
    }

    fn shutdown_inner(&mut self) -> Result<(), TelemetryError> {
        let timeout = self.timeout;
        let work = self.shutdown_work();
        if work.is_empty() {
            return Ok(());
        }
        let receiver = start_parallel(work, timeout)?;
        if on_current_thread_runtime() {
            return Err(TelemetryError::Export(
                "shutdown started on a current-thread runtime without waiting: await shutdown() instead".into(),
            ));
        }
        block(|| receiver.wait_blocking(timeout))
    }
}

/// Runs blocking `f`, telling a multi-thread runtime first.
fn block<T>(f: impl FnOnce() -> T) -> T {
    if tokio::runtime::Handle::try_current().is_ok() {
        tokio::task::block_in_place(f)
    } else {
        f()
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        let _ = self.shutdown_inner();
    }
}

/// Everything `init` sets up, before it is installed: the providers, the
/// layers for a subscriber, and the warnings to log once a subscriber runs.
pub struct Parts {
    /// The tracer provider (`None` with `OTEL_SDK_DISABLED=true`).
    pub tracer_provider: Option<SdkTracerProvider>,
    /// The meter provider (`None` with `OTEL_SDK_DISABLED=true`).
    pub meter_provider: Option<SdkMeterProvider>,
    /// The log filter `RUST_LOG` or the conventions give
    /// ([`log_filter_from`]), for the log lines and the bridge.
    pub log_filter: Targets,
    /// Start-up warnings (bad settings and what was used instead).
    pub warnings: Vec<String>,
}

/// Builds the providers from the conventions and the environment, without
/// installing anything. With a strict start-up, a bad setting is an error.
pub fn build() -> Result<Parts, TelemetryError> {
    // https to collectors and downstreams uses rustls with the ring provider.
    super::client::install_tls_provider();
    let mut warnings = Warnings::default();
    let log_filter = log_filter_from(&getenv, &mut warnings);
    let sdk_disabled = settings::boolean(&getenv, "OTEL_SDK_DISABLED", &mut warnings);
    super::server::known_methods_from(&getenv, &mut warnings);
    let mut lines: Vec<String> = Vec::new();
    if let Some(w) = redact::policy_warning() {
        lines.push(w.to_owned());
    }
    if sdk_disabled {
        return finish(warnings, lines, log_filter, None, None);
    }
    let (enabled, choice) = start_levers(&getenv, &mut warnings);
    let resource = resource(&getenv, &mut warnings);
    settings::check_batch(&getenv, &mut warnings);
    let _ = super::propagation::kinds(&getenv, &mut warnings);
    let levers = levers().clone();
    levers.set_enabled(enabled);
    levers.set_base_ratio(choice.base);
    levers.set_parent_based(choice.parent_based);
    if choice.from_lever {
        // The ratio variable is the ratio lever, set at start-up: every root
        // span, per-route ratios included, until the lever is reset (as in
        // Go).
        levers.set_ratio(choice.ratio);
    }
    let span_limits = super::limit::span_limits(&getenv, &mut warnings);
    super::server::ORDERED.store(
        span_limits.max_attributes_per_span < SpanLimits::default().max_attributes_per_span,
        std::sync::atomic::Ordering::Relaxed,
    );
    let mut tracer_builder = SdkTracerProvider::builder()
        .with_sampler(Sampler::new(levers.clone()))
        .with_span_limits(span_limits)
        .with_resource(resource.clone());
    let value_limit = super::limit::span_value_length(&getenv, &mut warnings);
    let traces = settings::exporters(&getenv, "OTEL_TRACES_EXPORTER", true, &mut warnings);
    if traces.otlp {
        let protocol = settings::protocol(&getenv, "TRACES", &mut warnings);
        match otlp::span_exporter(protocol) {
            Ok(exporter) => {
                let processor = BatchSpanProcessor::builder(Warned::new(exporter, "traces"))
                    .with_batch_config(batch_config())
                    .build();
                tracer_builder = tracer_builder
                    .with_span_processor(Redacting::new(processor).with_value_limit(value_limit));
            }
            Err(e) => lines.push(format!(
                "OTLP span exporter not built, spans are not exported: {e}"
            )),
        }
    }
    if traces.console {
        let processor = BatchSpanProcessor::builder(ConsoleExporter::stdout())
            .with_batch_config(batch_config())
            .build();
        tracer_builder = tracer_builder
            .with_span_processor(Redacting::new(processor).with_value_limit(value_limit));
    }
    let mut meter_builder = SdkMeterProvider::builder()
        .with_resource(resource)
        .with_view(cardinality_view);
    let metrics = settings::exporters(&getenv, "OTEL_METRICS_EXPORTER", false, &mut warnings);
    // Read (and warned about) whatever the exporters, as in Go.
    let interval = settings::metric_interval(&getenv, &mut warnings);
    if metrics.otlp {
        let protocol = settings::protocol(&getenv, "METRICS", &mut warnings);
        match otlp::metric_exporter(protocol) {
            Ok(exporter) => {
                meter_builder = meter_builder.with_reader(
                    PeriodicReader::builder(Warned::new(exporter, "metrics"))
                        .with_interval(interval)
                        .build(),
                );
            }
            Err(e) => lines.push(format!(
                "OTLP metric exporter not built, metrics are not exported: {e}"
            )),
        }
    }
    finish(
        warnings,
        lines,
        log_filter,
        Some(tracer_builder.build()),
        Some(meter_builder.build()),
    )
}

fn finish(
    warnings: Warnings,
    mut lines: Vec<String>,
    log_filter: Targets,
    tracer_provider: Option<SdkTracerProvider>,
    meter_provider: Option<SdkMeterProvider>,
) -> Result<Parts, TelemetryError> {
    let mut all: Vec<String> = warnings.0.iter().map(ToString::to_string).collect();
    all.append(&mut lines);
    if conventions::STRICT_STARTUP && !warnings.0.is_empty() {
        return Err(TelemetryError::Config(all.join("; ")));
    }
    Ok(Parts {
        tracer_provider,
        meter_provider,
        log_filter,
        warnings: all,
    })
}

/// What a `RUST_LOG` warning says the variable takes.
const RUST_LOG_FIX: &str =
    "RUST_LOG takes comma-separated target=level directives, such as warn,my_crate=debug";

/// The log filter: `RUST_LOG`, else the conventions' level. A value it
/// cannot use (not UTF-8, a bad directive) is warned about (the variable and
/// how to write it) and the conventions' level used; under a strict
/// start-up it is refused, like a bad `OTEL_*` value. A directive with a
/// span-field filter (`target[span{field=value}]=level`, `target{..}`) is
/// dropped with a warning: its cost on every span has no bound.
pub fn log_filter_from(
    getenv: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Warnings,
) -> Targets {
    let default = || {
        Targets::from_str(conventions::LOG_LEVEL)
            .unwrap_or_else(|_| Targets::new().with_default(tracing::Level::INFO))
    };
    let used = || format!("{} ({RUST_LOG_FIX})", conventions::LOG_LEVEL);
    let Some(raw) = getenv("RUST_LOG").filter(|v| !v.trim().is_empty()) else {
        return default();
    };
    if raw == settings::NOT_UTF8 {
        warnings.push("RUST_LOG", &raw, used());
        return default();
    }
    let mut kept: Vec<&str> = Vec::new();
    for directive in raw.split(',').map(str::trim).filter(|d| !d.is_empty()) {
        if directive.contains(['[', ']', '{', '}']) {
            warnings.push(
                "RUST_LOG",
                directive,
                "the other directives (span-field filters are not supported; \
                 RUST_LOG takes target=level directives)",
            );
        } else {
            kept.push(directive);
        }
    }
    if kept.is_empty() {
        return default();
    }
    Targets::from_str(&kept.join(",")).unwrap_or_else(|_| {
        warnings.push("RUST_LOG", &raw, used());
        default()
    })
}

/// The log filter: `RUST_LOG`, else the conventions' level (see
/// [`log_filter_from`]; warnings are dropped here: [`build`] reports them).
pub fn log_filter() -> Targets {
    log_filter_from(&getenv, &mut Warnings::default())
}

/// What [`layers`] returns: the guard, the start-up warnings to log, and the
/// two layers to add to the application's own subscriber: the telemetry
/// part always, the JSON log lines only when the application has no log
/// output of its own (else every line is printed twice, once by each).
pub struct Layers<S> {
    /// Flushes and shuts telemetry down (log lines included); keep it until
    /// exit.
    pub guard: TelemetryGuard,
    /// Start-up warnings (a bad setting and the value used instead); log
    /// them once the subscriber is installed.
    pub warnings: Vec<String>,
    /// The `tracing` to OpenTelemetry bridge: request spans and the spans
    /// and events inside them go to the trace (absent with the SDK disabled,
    /// then a layer that does nothing). Filtered by `RUST_LOG` or the
    /// conventions' level (the server layer's request spans always reach
    /// it). It writes no log line: an application with its own `fmt` layer
    /// keeps its format.
    pub telemetry: Box<dyn Layer<S> + Send + Sync>,
    /// The conventions' log lines ([`LogLayer`]: JSON or text with trace id,
    /// span id and trace flags, fields redacted), filtered like the
    /// telemetry part. [`init`] installs both; add this one only to a
    /// subscriber without a log output of its own, composed with the
    /// telemetry part: `.with(layers.telemetry.and_then(layers.json_logs))`.
    pub json_logs: Box<dyn Layer<S> + Send + Sync>,
}

/// The `tracing` to OpenTelemetry bridge of [`layers`], over `tracer`: the
/// module's own [`Bridge`](super::bridge::Bridge).
pub fn bridge<S>(tracer: opentelemetry_sdk::trace::Tracer) -> super::bridge::Bridge<S>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
{
    super::bridge::Bridge::new(tracer)
}

/// The bridge over `tracer`, for spans and (as [`SpanEvents`]) events,
/// filtered by `filter`; the server layer's request spans always reach it,
/// the exporters' transport crates never
/// ([`is_transport`](super::bridge::is_transport)).
/// One layer with one filter: a filter costs on every span enter and exit.
pub fn bridge_layers<S>(
    tracer: opentelemetry_sdk::trace::Tracer,
    filter: Targets,
) -> Box<dyn Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a> + Send + Sync,
{
    let filter = filter.with_target(super::server::TARGET, tracing::Level::INFO);
    Box::new(bridge(tracer).with_filter(super::bridge::BridgeFilter(filter)))
}

/// Sets telemetry up like [`init`] but installs no subscriber: the layers
/// are returned for an application that builds its own, or that already has
/// a global subscriber (then [`init`] refuses). The global tracer and meter
/// providers and the propagator are installed. This is the way to add the
/// conventions' telemetry to a subscriber with layers of its own; an
/// application with its own `fmt` layer adds the telemetry part only and
/// keeps its log format:
///
/// ```ignore
/// use tracing_subscriber::layer::SubscriberExt as _;
/// use tracing_subscriber::util::SubscriberInitExt as _;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let telemetry = telemetry::layers()?;
/// tracing_subscriber::registry()
///     .with(tracing_subscriber::fmt::layer())
///     .with(telemetry.telemetry)
///     .try_init()?;
/// for warning in &telemetry.warnings {
///     tracing::warn!(%warning, "telemetry configuration");
/// }
/// # Ok(())
/// # }
/// ```
///
/// Without a log output of its own, it adds both, as [`init`] does:
/// `.with(telemetry.telemetry.and_then(telemetry.json_logs))`. The bridge
/// is the one of [`bridge_layers`].
pub fn layers<S>() -> Result<Layers<S>, TelemetryError>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a> + Send + Sync,
{
    let parts = build()?;
    super::export::announce();
    let filter = parts.log_filter;
    global::set_text_map_propagator(super::propagation::propagator());
    let timeout = conventions::SHUTDOWN_TIMEOUT;
    let logs = LogLayer::new();
    let flush = logs.flusher();
    let logs = logs.with_filter(filter.clone());
    let (Some(tracer_provider), Some(meter_provider)) =
        (parts.tracer_provider, parts.meter_provider)
    else {
        return Ok(Layers {
            guard: TelemetryGuard::new(None, None, timeout).with_logs(flush),
            warnings: parts.warnings,
            telemetry: Box::new(tracing_subscriber::layer::Identity::new()),
            json_logs: Box::new(logs),
        });
    };
    global::set_tracer_provider(tracer_provider.clone());
    global::set_meter_provider(RedactingMeterProvider::new(meter_provider.clone()));
    // Layers and clients built before this call now record with these.
    super::instruments::Instruments::install(&tracer_provider);
    super::instruments::Instruments::reset();
    let tracer = tracer_provider.tracer_with_scope(super::instruments::scope());
    let bridge = bridge_layers(tracer, filter);
    let mut guard =
        TelemetryGuard::new(Some(tracer_provider), Some(meter_provider), timeout).with_logs(flush);
    guard.watcher = super::control::start(levers());
    Ok(Layers {
        guard,
        warnings: parts.warnings,
        telemetry: bridge,
        json_logs: Box::new(logs),
    })
}

/// Sets up tracing, metrics and logs for the process, per the conventions
/// and the standard `OTEL_*` variables (environment over conventions over
/// SDK defaults):
///
/// - `OTEL_SDK_DISABLED=true`: logs only, no spans or metrics; propagation
///   still passes the incoming context on;
/// - the kill switch and ratio variables set the [`levers`];
/// - `OTEL_TRACES_SAMPLER(_ARG)` as the specification defines them;
/// - `OTEL_TRACES_EXPORTER`: a list of `otlp` (default), `console`, `none`;
///   `OTEL_METRICS_EXPORTER`: `otlp` (default) or `none`;
/// - `OTEL_EXPORTER_OTLP_*` (protocol `grpc` or `http/protobuf`, endpoint,
///   insecure, timeout, compression), `OTEL_BSP_*`,
///   `OTEL_METRIC_EXPORT_INTERVAL`, `OTEL_RESOURCE_ATTRIBUTES`,
///   `OTEL_SERVICE_NAME`, `RUST_LOG`.
///
/// A bad value is logged once at WARN (the variable, the value, the value
/// used) and never stops the service, unless the conventions ask for a
/// strict start-up. Call it once, inside the Tokio runtime, and keep the
/// guard until exit; await [`TelemetryGuard::shutdown`] at the end.
///
/// When the process already has a global `tracing` subscriber, `init` sets
/// nothing up and returns [`TelemetryError::Subscriber`]: add the layers of
/// [`layers`] to that subscriber instead. It never panics.
pub fn init() -> Result<TelemetryGuard, TelemetryError> {
    if tracing::dispatcher::has_been_set() {
        return Err(TelemetryError::Subscriber(
            "a global tracing subscriber is already installed; add the layers of \
             telemetry::layers() to it instead of calling init"
                .into(),
        ));
    }
    let telemetry = layers()?;
    tracing_subscriber::registry()
        .with(telemetry.telemetry.and_then(telemetry.json_logs))
        .try_init()
        .map_err(|e| TelemetryError::Subscriber(e.to_string()))?;
    for warning in telemetry.warnings {
        tracing::warn!(%warning, "telemetry configuration");
    }
    Ok(telemetry.guard)
}
