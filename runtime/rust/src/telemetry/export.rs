//! Exporters besides OTLP: `console` for spans (one JSON object per span on
//! standard output, for local runs and tests); [`Warned`], which retries
//! OTLP exports and reports the first failure at once; and the start-up line
//! saying where telemetry goes ([`announce`]).

use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::Value;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::Temporality;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;
use serde_json::{Map, Value as Json};

use super::conventions;
use super::otlp;
use super::rules::{Protocol, Retry};
use super::settings::{self, Warnings};

/// Writes each finished span as one JSON line.
pub struct ConsoleExporter {
    out: Mutex<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for ConsoleExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ConsoleExporter")
    }
}

impl ConsoleExporter {
    /// An exporter writing to standard output.
    pub fn stdout() -> Self {
        Self::new(Box::new(std::io::stdout()))
    }

    /// An exporter writing to `out`.
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        Self {
            out: Mutex::new(out),
        }
    }
}

fn json_value(value: &Value) -> Json {
    match value {
        Value::Bool(b) => Json::from(*b),
        Value::I64(i) => Json::from(*i),
        Value::F64(f) => Json::from(*f),
        Value::String(s) => Json::from(s.as_str()),
        other => Json::from(other.to_string()),
    }
}

/// The JSON form of one span.
pub fn span_json(span: &SpanData) -> Json {
    let mut attributes = Map::new();
    for kv in &span.attributes {
        attributes.insert(kv.key.as_str().to_owned(), json_value(&kv.value));
    }
    let kind = match span.span_kind {
        SpanKind::Client => "client",
        SpanKind::Server => "server",
        SpanKind::Producer => "producer",
        SpanKind::Consumer => "consumer",
        SpanKind::Internal => "internal",
    };
    let (status, message) = match &span.status {
        Status::Unset => ("unset", String::new()),
        Status::Ok => ("ok", String::new()),
        Status::Error { description } => ("error", description.to_string()),
    };
    let mut out = Map::new();
    out.insert("name".into(), Json::from(span.name.as_ref()));
    out.insert(
        "trace_id".into(),
        Json::from(span.span_context.trace_id().to_string()),
    );
    out.insert(
        "span_id".into(),
        Json::from(span.span_context.span_id().to_string()),
    );
    out.insert(
        "parent_span_id".into(),
        Json::from(span.parent_span_id.to_string()),
    );
    out.insert("kind".into(), Json::from(kind));
    out.insert("status".into(), Json::from(status));
    out.insert("status_message".into(), Json::from(message));
    out.insert("attributes".into(), Json::Object(attributes));
    Json::Object(out)
}

impl SpanExporter for ConsoleExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let mut text = String::new();
        for span in &batch {
            text.push_str(&span_json(span).to_string());
            text.push('\n');
        }
        let mut out = self
            .out
            .lock()
            .map_err(|_| OTelSdkError::InternalFailure("console exporter poisoned".into()))?;
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| OTelSdkError::InternalFailure(e.to_string()))
    }
}

/// Where telemetry goes, as the start-up line says it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Startup {
    /// Spans are exported over OTLP: the protocol and the traces endpoint.
    Configured {
        /// `grpc` or `http/protobuf`, as resolved from the environment.
        protocol: &'static str,
        /// The traces endpoint, without userinfo or query.
        endpoint: String,
    },
    /// Spans are not exported over OTLP, and why.
    Disabled {
        /// The setting that switched export off.
        reason: String,
    },
}

impl Startup {
    /// Logs the line: INFO `telemetry export configured` with `protocol` and
    /// `endpoint`, or INFO `telemetry export disabled` with `reason`.
    pub fn log(&self) {
        match self {
            Self::Configured { protocol, endpoint } => {
                tracing::info!(protocol, endpoint = %endpoint, "telemetry export configured");
            }
            Self::Disabled { reason } => {
                tracing::info!(reason = %reason, "telemetry export disabled");
            }
        }
    }
}

fn protocol_name(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Grpc => "grpc",
        Protocol::HttpProtobuf => "http/protobuf",
    }
}

/// Where telemetry goes with these variables (read through `getenv`), the
/// way `init` resolves them; bad values are warned about by `init`, not here.
pub fn startup(getenv: &dyn Fn(&str) -> Option<String>) -> Startup {
    let mut ignored = Warnings::default();
    let disabled = |reason: String| Startup::Disabled { reason };
    if settings::boolean(getenv, "OTEL_SDK_DISABLED", &mut ignored) {
        return disabled("OTEL_SDK_DISABLED=true".to_owned());
    }
    let (enabled, _) = super::init::start_levers(getenv, &mut ignored);
    if !enabled {
        return disabled(format!("{} is set", conventions::KILL_SWITCH_ENV));
    }
    let traces = settings::exporters(getenv, "OTEL_TRACES_EXPORTER", true, &mut ignored);
    if !traces.otlp {
        let what = if traces.console { "console" } else { "none" };
        return disabled(format!("OTEL_TRACES_EXPORTER={what}"));
    }
    let protocol = settings::protocol(getenv, "TRACES", &mut ignored);
    Startup::Configured {
        protocol: protocol_name(protocol),
        endpoint: clean_endpoint(&otlp::endpoint("TRACES", protocol)),
    }
}

/// Logs the start-up line once a global subscriber is there to receive it:
/// at once when there is one, else from a thread that waits (at most five
/// seconds) for the application to install the subscriber it composes the
/// layers into.
pub fn announce() {
    let line = startup(&|name| std::env::var(name).ok());
    if tracing::dispatcher::has_been_set() {
        line.log();
        return;
    }
    let waiting = std::thread::Builder::new()
        .name("telemetry-startup".into())
        .spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(5);
            while !tracing::dispatcher::has_been_set() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            line.log();
        });
    drop(waiting);
}

/// An endpoint URL as logs show it: without userinfo, query or fragment.
pub fn clean_endpoint(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), url),
    };
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.rsplit('@').next().unwrap_or_default();
    format!("{scheme}{host}{path}")
}

/// Error text as logs show it: URLs cleaned, the values of secret-looking
/// variables (tokens, keys, headers, passwords) blanked, at most 300 bytes.
pub fn clean_error(text: &str) -> String {
    let words: Vec<String> = text
        .split(' ')
        .map(|word| {
            if word.contains("://") {
                clean_endpoint(word)
            } else {
                word.to_owned()
            }
        })
        .collect();
    let mut joined = words.join(" ");
    for (name, value) in std::env::vars() {
        let upper = name.to_ascii_uppercase();
        let secret = ["TOKEN", "KEY", "SECRET", "PASSWORD", "HEADERS"]
            .iter()
            .any(|word| upper.contains(word));
        if !secret {
            continue;
        }
        let parts = value.split([',', '=']).map(str::trim);
        for part in std::iter::once(value.trim()).chain(parts) {
            if part.len() >= 4 {
                joined = joined.replace(part, "<redacted>");
            }
        }
    }
    let mut end = joined.len().min(300);
    while !joined.is_char_boundary(end) {
        end -= 1;
    }
    joined.truncate(end);
    joined
}

/// Set once the service shuts telemetry down: from then on a failed export
/// is not retried (one attempt each), so a collector that refuses
/// connections does not hold the exit for the whole shutdown timeout.
static CLOSING: AtomicBool = AtomicBool::new(false);

/// Marks the start of shutdown for every [`Warned`] exporter.
pub fn closing() {
    CLOSING.store(true, Ordering::Relaxed);
}

/// An exporter that retries failed exports within the conventions' retry
/// policy and reports them through `tracing`: WARN `telemetry export failed`
/// (with `endpoint`, `signal`, `error`) at the first failed attempt after
/// start-up or after a success, at once rather than when the retries end;
/// at most one such line per signal until an export succeeds again, which
/// logs INFO `telemetry export recovered`.
#[derive(Debug)]
pub struct Warned<E> {
    inner: E,
    signal: &'static str,
    endpoint: String,
    failing: AtomicBool,
}

impl<E> Warned<E> {
    /// Wraps `inner`; `signal` names it in the log lines (`traces`,
    /// `metrics`, `logs`), with the endpoint the environment resolves for it.
    pub fn new(inner: E, signal: &'static str) -> Self {
        let getenv = |name: &str| std::env::var(name).ok();
        let upper = signal.to_ascii_uppercase();
        let protocol = settings::protocol(&getenv, &upper, &mut Warnings::default());
        Self {
            inner,
            signal,
            endpoint: clean_endpoint(&otlp::endpoint(&upper, protocol)),
            failing: AtomicBool::new(false),
        }
    }

    fn report(&self, result: &OTelSdkResult) {
        match result {
            Ok(()) => {
                if self.failing.swap(false, Ordering::Relaxed) {
                    tracing::info!(
                        endpoint = %self.endpoint,
                        signal = self.signal,
                        "telemetry export recovered"
                    );
                }
            }
            Err(error) => {
                if !self.failing.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        endpoint = %self.endpoint,
                        signal = self.signal,
                        error = %clean_error(&error.to_string()),
                        "telemetry export failed"
                    );
                }
            }
        }
    }

    /// Runs `call` until it succeeds or the conventions' retries run out,
    /// reporting each result.
    async fn attempts<F, Fut>(&self, call: F) -> OTelSdkResult
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = OTelSdkResult>,
    {
        self.attempts_within(conventions::RETRY, call).await
    }

    /// [`Self::attempts`] under `retry`. The retry window is kept on the wall
    /// clock from the first attempt, as the Go exporter keeps it: the time
    /// the attempts took counts, and no retry starts when the elapsed time
    /// plus the next jittered pause would pass the window. An attempt
    /// already running is bounded by the exporter's own timeout only.
    async fn attempts_within<F, Fut>(&self, retry: Retry, mut call: F) -> OTelSdkResult
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = OTelSdkResult>,
    {
        let start = Instant::now();
        let mut delay = retry.initial_interval;
        let mut done = 0;
        loop {
            let result = call().await;
            self.report(&result);
            let last =
                !retry.enabled || done >= retry.max_retries || CLOSING.load(Ordering::Relaxed);
            let again = match &result {
                Ok(()) => false,
                Err(error) => transient(error),
            };
            if !again || last {
                return result;
            }
            let wait = jittered(delay, random_unit());
            if start.elapsed() + wait > retry.max_elapsed {
                return result;
            }
            done += 1;
            pause(wait).await;
            delay = (delay * 2).min(retry.max_interval);
        }
    }
}

/// Whether a failed export is worth another attempt: the transient errors of
/// the OTLP specification (protocol/exporter.md, v1.60.0; the retryable
/// failures of the OTLP protocol): gRPC CANCELLED, DEADLINE_EXCEEDED,
/// ABORTED, OUT_OF_RANGE, UNAVAILABLE and DATA_LOSS; HTTP 429, 502, 503 and
/// 504; a collector that cannot be reached, and an attempt that timed out.
/// The Go exporter retries the same ones. The OTLP exporters report their
/// failures as text only, so the text is read.
fn transient(error: &OTelSdkError) -> bool {
    match error {
        OTelSdkError::Timeout(_) => true,
        OTelSdkError::InternalFailure(message) => transient_message(message),
        _ => false,
    }
}

fn transient_message(message: &str) -> bool {
    let after = |marker: &str| message.split_once(marker).map(|(_, rest)| rest);
    if let Some(rest) = after("status code: ") {
        let code: String = rest.chars().take_while(char::is_ascii_digit).collect();
        return matches!(code.as_str(), "429" | "502" | "503" | "504");
    }
    if let Some(rest) = after("gRPC code: ") {
        let code: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
        return matches!(
            code.as_str(),
            "Cancelled"
                | "DeadlineExceeded"
                | "Aborted"
                | "OutOfRange"
                | "Unavailable"
                | "DataLoss"
        );
    }
    message.contains("network error")
}

/// `delay` spread over [delay / 2, delay * 3 / 2] by `unit` (in [0, 1)), the
/// randomisation the Go exporter's back-off uses, so that many services do
/// not retry in step.
fn jittered(delay: Duration, unit: f64) -> Duration {
    delay.mul_f64(0.5 + unit.clamp(0.0, 1.0))
}

/// A number in [0, 1) that differs from call to call (the standard library's
/// randomly keyed hasher; no cryptographic quality is needed).
fn random_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(Instant::now().elapsed().as_nanos());
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Sleeps without blocking a Tokio runtime when the exporter runs on one,
/// in short steps that end early once shutdown has begun.
async fn pause(delay: Duration) {
    let step = Duration::from_millis(50);
    let end = Instant::now() + delay;
    let on_runtime = tokio::runtime::Handle::try_current().is_ok();
    while !CLOSING.load(Ordering::Relaxed) {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        if on_runtime {
            tokio::time::sleep(left.min(step)).await;
        } else {
            std::thread::sleep(left.min(step));
        }
    }
}

impl<E: SpanExporter> SpanExporter for Warned<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let inner = &self.inner;
        self.attempts(|| inner.export(batch.clone())).await
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}

impl<E: PushMetricExporter> PushMetricExporter for Warned<E> {
    async fn export(&self, metrics: &ResourceMetrics) -> OTelSdkResult {
        let inner = &self.inner;
        self.attempts(|| inner.export(metrics)).await
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn temporality(&self) -> Temporality {
        self.inner.temporality()
    }
}

#[cfg(test)]
mod export_tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use opentelemetry_sdk::error::OTelSdkError;
    use tracing_subscriber::layer::SubscriberExt as _;

    use super::super::logs::LogLayer;
    use super::{clean_endpoint, clean_error, startup, Startup, Warned};

    #[test]
    fn only_transient_failures_are_retried() {
        use super::transient;
        let failure = |text: &str| OTelSdkError::InternalFailure(text.to_owned());
        for text in [
            "HTTP export failed with status code: 503",
            "HTTP export failed with status code: 429",
            "HTTP export failed with status code: 502",
            "HTTP export failed with status code: 504",
            "HTTP export failed: network error",
            "TraceExporter export failed with gRPC code: Unavailable: transport error",
            "MetricsExporter export failed with gRPC code: DeadlineExceeded",
        ] {
            assert!(transient(&failure(text)), "{text}");
        }
        for text in [
            "HTTP export failed with status code: 400",
            "HTTP export failed with status code: 401",
            "HTTP export failed with status code: 500",
            "TraceExporter export failed with gRPC code: InvalidArgument",
            "TraceExporter export failed with gRPC code: Unauthenticated",
            "TraceExporter export failed with gRPC code: ResourceExhausted",
            "Failed to acquire lock: poisoned",
        ] {
            assert!(!transient(&failure(text)), "{text}");
        }
        let second = std::time::Duration::from_secs(1);
        assert!(transient(&OTelSdkError::Timeout(second)));
        assert!(!transient(&OTelSdkError::AlreadyShutdown));
    }

    #[test]
    fn retry_delays_are_jittered() {
        use super::{jittered, random_unit};
        use std::time::Duration;
        let second = Duration::from_secs(1);
        assert_eq!(jittered(second, 0.0), Duration::from_millis(500));
        assert_eq!(jittered(second, 0.5), second);
        assert!(jittered(second, 0.999) < Duration::from_millis(1500));
        let draws: Vec<f64> = (0..16).map(|_| random_unit()).collect();
        assert!(draws.iter().all(|u| (0.0..1.0).contains(u)), "{draws:?}");
        assert!(draws.windows(2).any(|w| w[0] != w[1]), "{draws:?}");
    }

    #[tokio::test]
    async fn a_permanent_failure_is_tried_once() {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let warned = Warned {
            inner: (),
            signal: "traces",
            endpoint: "http://127.0.0.1:9/v1/traces".to_owned(),
            failing: AtomicBool::new(false),
        };
        let calls = AtomicUsize::new(0);
        let result = warned
            .attempts(|| {
                calls.fetch_add(1, Ordering::Relaxed);
                async {
                    Err(OTelSdkError::InternalFailure(
                        "HTTP export failed with status code: 400".to_owned(),
                    ))
                }
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::Relaxed), 1);
    }

    /// The retry window holds on the wall clock: attempts that each take
    /// 300 ms and fail transiently stop within the window plus one attempt,
    /// although the retry count alone would allow many more.
    #[tokio::test]
    async fn retries_keep_to_the_window_counting_attempt_time() {
        use super::super::rules::Retry;
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        use std::time::{Duration, Instant};
        let warned = Warned {
            inner: (),
            signal: "traces",
            endpoint: "http://127.0.0.1:9/v1/traces".to_owned(),
            failing: AtomicBool::new(false),
        };
        let retry = Retry {
            enabled: true,
            initial_interval: Duration::from_millis(100),
            max_interval: Duration::from_millis(200),
            max_retries: 20,
            max_elapsed: Duration::from_secs(1),
        };
        let calls = AtomicUsize::new(0);
        let start = Instant::now();
        let result = warned
            .attempts_within(retry, || {
                calls.fetch_add(1, Ordering::Relaxed);
                async {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    Err(OTelSdkError::InternalFailure(
                        "HTTP export failed: network error".to_owned(),
                    ))
                }
            })
            .await;
        let took = start.elapsed();
        assert!(result.is_err());
        assert!(calls.load(Ordering::Relaxed) >= 2, "retried at all");
        assert!(
            took <= Duration::from_millis(1500),
            "{took:?} for {} attempts, past the 1 s window plus one attempt",
            calls.load(Ordering::Relaxed)
        );
    }

    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn logged(f: impl FnOnce()) -> Vec<serde_json::Value> {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let layer = LogLayer::with_writer(Box::new(Lines(buffer.clone())), true);
        let flush = layer.flusher();
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), f);
        assert!(
            flush.flush(std::time::Duration::from_secs(5)),
            "log queue not flushed"
        );
        let text = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn one_warning_per_failure_then_one_recovery_line() {
        let warned = Warned::new((), "traces");
        let failure = || {
            Err(OTelSdkError::InternalFailure(
                "connect refused http://user:pw@127.0.0.1:9/v1/traces?sig=abc".into(),
            ))
        };
        let lines = logged(|| {
            warned.report(&failure());
            warned.report(&failure());
            warned.report(&Ok(()));
            warned.report(&Ok(()));
            warned.report(&failure());
        });
        let said: Vec<(&str, &str)> = lines
            .iter()
            .map(|l| (l["level"].as_str().unwrap(), l["message"].as_str().unwrap()))
            .collect();
        assert_eq!(
            said,
            [
                ("WARN", "telemetry export failed"),
                ("INFO", "telemetry export recovered"),
                ("WARN", "telemetry export failed"),
            ]
        );
        assert_eq!(lines[0]["signal"], "traces");
        assert!(lines[0]["endpoint"].as_str().unwrap().contains("://"));
        let error = lines[0]["error"].as_str().unwrap();
        assert!(error.contains("http://127.0.0.1:9/v1/traces"), "{error}");
        assert!(
            !error.contains("pw") && !error.contains("sig=abc"),
            "{error}"
        );
    }

    #[test]
    fn endpoints_lose_userinfo_query_and_fragment() {
        for (url, want) in [
            (
                "https://u:p@collector:4318/v1/traces?token=x#f",
                "https://collector:4318/v1/traces",
            ),
            ("http://127.0.0.1:4317", "http://127.0.0.1:4317"),
            ("collector:4317?x=1", "collector:4317"),
            ("http://a@b@host/p", "http://host/p"),
        ] {
            assert_eq!(clean_endpoint(url), want);
        }
        assert!(clean_error(&"é".repeat(400)).len() <= 300);
    }

    #[test]
    fn the_start_up_line_says_why_export_is_off() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let reason = |line: Startup| match line {
            Startup::Disabled { reason } => reason,
            Startup::Configured { .. } => String::new(),
        };
        let off = env(&[("OTEL_SDK_DISABLED", "true")]);
        assert_eq!(reason(startup(&off)), "OTEL_SDK_DISABLED=true");
        let none = env(&[("OTEL_TRACES_EXPORTER", "none")]);
        assert_eq!(reason(startup(&none)), "OTEL_TRACES_EXPORTER=none");
        let kill =
            |name: &str| (name == super::conventions::KILL_SWITCH_ENV).then(|| "true".to_owned());
        assert!(reason(startup(&kill)).contains(super::conventions::KILL_SWITCH_ENV));
        let http = env(&[("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf")]);
        assert!(matches!(
            startup(&http),
            Startup::Configured {
                protocol: "http/protobuf",
                ..
            }
        ));
        // Without the OTLP/gRPC exporter the line names the protocol used instead.
        let grpc = env(&[("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")]);
        let used = if super::otlp::GRPC_BUILT_IN {
            "grpc"
        } else {
            "http/protobuf"
        };
        assert!(matches!(
            startup(&grpc),
            Startup::Configured { protocol, .. } if protocol == used
        ));
    }
}
