//! Exporters besides OTLP: `console` for spans (one JSON object per span on
//! standard output, for local runs and tests), and [`Warned`], which logs
//! export failures at WARN, at most once per interval.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
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

/// Export failures are logged at most once per this interval; the next line
/// says how many were not logged in between.
pub const WARN_INTERVAL: Duration = Duration::from_secs(30);

/// An exporter whose failures are logged at WARN, rate-limited.
#[derive(Debug)]
pub struct Warned<E> {
    inner: E,
    signal: &'static str,
    started: Instant,
    /// Milliseconds after `started` of the last line, plus one (0: none yet).
    last: AtomicU64,
    suppressed: AtomicU64,
}

impl<E> Warned<E> {
    /// Wraps `inner`; `signal` names it in the log line (`traces`, `metrics`).
    pub fn new(inner: E, signal: &'static str) -> Self {
        Self {
            inner,
            signal,
            started: Instant::now(),
            last: AtomicU64::new(0),
            suppressed: AtomicU64::new(0),
        }
    }

    fn report(&self, result: &OTelSdkResult) {
        let Err(error) = result else {
            return;
        };
        let now = self.started.elapsed().as_millis() as u64 + 1;
        let last = self.last.load(Ordering::Relaxed);
        let due = last == 0 || now.saturating_sub(last) >= WARN_INTERVAL.as_millis() as u64;
        if due
            && self
                .last
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            let suppressed = self.suppressed.swap(0, Ordering::Relaxed);
            tracing::warn!(
                signal = self.signal,
                %error,
                suppressed,
                "telemetry export failed"
            );
        } else {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl<E: SpanExporter> SpanExporter for Warned<E> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let result = self.inner.export(batch).await;
        self.report(&result);
        result
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
        let result = self.inner.export(metrics).await;
        self.report(&result);
        result
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
