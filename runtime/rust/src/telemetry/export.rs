//! Choosing the exporters per the standard `OTEL_TRACES_EXPORTER` and
//! `OTEL_METRICS_EXPORTER` variables: OTLP (the conventions' collector, the
//! default), `console` for spans (one JSON object per span on standard output,
//! for local runs and tests) or `none`.

use std::io::Write;
use std::sync::Mutex;

use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::Value;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use serde_json::{Map, Value as Json};

/// Which exporter a variable asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExporterKind {
    /// OTLP to the collector (the default).
    Otlp,
    /// JSON lines on standard output.
    Console,
    /// No exporter: spans are sampled and dropped.
    None,
}

impl ExporterKind {
    /// Reads a variable's value: empty means OTLP; `console` is allowed only
    /// where `console_allowed` (spans); anything else is an error naming it.
    pub fn parse(
        variable: &str,
        value: Option<&str>,
        console_allowed: bool,
    ) -> Result<Self, String> {
        match value.unwrap_or("").trim() {
            "" | "otlp" => Ok(Self::Otlp),
            "none" => Ok(Self::None),
            "console" if console_allowed => Ok(Self::Console),
            other => Err(format!(
                "{variable}={other:?} is not one of {}",
                if console_allowed {
                    "otlp, console, none"
                } else {
                    "otlp, none"
                }
            )),
        }
    }
}

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
