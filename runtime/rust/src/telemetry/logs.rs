//! A log layer for `tracing-subscriber` that writes one line per event, JSON
//! or text, with the conventions' trace id, span id and trace flags fields on
//! every event written inside a span. Fields go through the redaction policy
//! like span attributes (a pii or secret field is dropped, hashed or masked),
//! and URLs in the message and in text fields are cleaned.

use std::fmt::Write as _;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use opentelemetry::trace::TraceContextExt;
use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::Layer;

use super::conventions;
use super::redact;

type Sink = Arc<Mutex<Box<dyn Write + Send>>>;

/// Writes log lines with trace correlation fields.
pub struct LogLayer {
    sink: Sink,
    json: bool,
}

impl std::fmt::Debug for LogLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogLayer")
            .field("json", &self.json)
            .finish()
    }
}

impl LogLayer {
    /// Lines to standard output, in the conventions' format.
    pub fn new() -> Self {
        Self::with_writer(Box::new(std::io::stdout()), conventions::LOG_JSON)
    }

    /// Lines to `writer`, JSON (`json: true`) or text.
    pub fn with_writer(writer: Box<dyn Write + Send>, json: bool) -> Self {
        Self {
            sink: Arc::new(Mutex::new(writer)),
            json,
        }
    }
}

impl Default for LogLayer {
    fn default() -> Self {
        Self::new()
    }
}

struct Fields(Map<String, Value>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_owned(), Value::from(format!("{value:?}")));
    }
}

/// The fields as they may leave, per the redaction policy.
fn clean(fields: Map<String, Value>) -> Map<String, Value> {
    let policy = redact::policy();
    let mut out = Map::new();
    for (key, value) in fields {
        let value = if policy.touches(&key) {
            let otel = match &value {
                Value::String(s) => opentelemetry::Value::from(s.clone()),
                other => opentelemetry::Value::from(other.to_string()),
            };
            match policy.value(&key, &otel) {
                Some(v) => Value::from(v.as_str().into_owned()),
                None => continue,
            }
        } else {
            match value {
                Value::String(s) => Value::from(policy.text(&s).into_owned()),
                other => other,
            }
        };
        out.insert(key, value);
    }
    out
}

/// The trace id, span id and trace flags of the current span, if any.
pub fn current_ids() -> Option<(String, String, String)> {
    let cx = opentelemetry::Context::current();
    let span = cx.span();
    let sc = span.span_context();
    if !sc.is_valid() {
        return None;
    }
    Some((
        sc.trace_id().to_string(),
        sc.span_id().to_string(),
        format!("{:02x}", sc.trace_flags().to_u8()),
    ))
}

/// Formats a time as RFC 3339 in UTC with milliseconds.
pub fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

impl<S: Subscriber> Layer<S> for LogLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let mut fields = Fields(Map::new());
        event.record(&mut fields);
        let mut fields = clean(fields.0);
        let message = fields.remove("message").unwrap_or(Value::from(""));
        let ids = current_ids();
        let mut line = String::with_capacity(256);
        if self.json {
            let mut out = Map::new();
            out.insert("timestamp".into(), Value::from(rfc3339(SystemTime::now())));
            out.insert("level".into(), Value::from(meta.level().as_str()));
            out.insert("target".into(), Value::from(meta.target()));
            out.insert("message".into(), message);
            if let Some((trace_id, span_id, flags)) = ids {
                out.insert(
                    conventions::LOG_FIELD_TRACE_ID.into(),
                    Value::from(trace_id),
                );
                out.insert(conventions::LOG_FIELD_SPAN_ID.into(), Value::from(span_id));
                out.insert(
                    conventions::LOG_FIELD_TRACE_FLAGS.into(),
                    Value::from(flags),
                );
            }
            for (key, value) in fields {
                out.entry(key).or_insert(value);
            }
            line.push_str(&Value::Object(out).to_string());
        } else {
            let message = match message {
                Value::String(text) => text,
                other => other.to_string(),
            };
            let _ = write!(
                line,
                "{} {} {}: {}",
                rfc3339(SystemTime::now()),
                meta.level(),
                meta.target(),
                message
            );
            if let Some((trace_id, span_id, flags)) = ids {
                let _ = write!(
                    line,
                    " {}={trace_id} {}={span_id} {}={flags}",
                    conventions::LOG_FIELD_TRACE_ID,
                    conventions::LOG_FIELD_SPAN_ID,
                    conventions::LOG_FIELD_TRACE_FLAGS
                );
            }
            for (key, value) in fields {
                let _ = write!(line, " {key}={value}");
            }
        }
        line.push('\n');
        if let Ok(mut sink) = self.sink.lock() {
            let _ = sink.write_all(line.as_bytes());
        }
    }
}
