//! A log layer for `tracing-subscriber` that writes one line per event, JSON
//! or text, with the conventions' trace id, span id and trace flags fields on
//! every event written inside a span, and the fields of the spans it is in
//! (an `#[instrument]` function's arguments, say; the event's own fields win).
//! Fields go through the redaction policy like span attributes (a pii or
//! secret field is dropped, hashed or masked); a field whose name says it is
//! a secret ([`is_secret_name`]: `password`,
//! `apiKey`, `Set-Cookie`...) is masked whatever its value; the message and every other
//! text field (an error logged with `%e` or by `#[instrument(err)]`, a value
//! formatted with `Display` or `Debug`, an `#[instrument]` argument) are
//! scrubbed as free text ([`Policy::scrub`](super::redact::Policy::scrub):
//! URLs, e-mail addresses, credentials, long digit runs); numbers and bools
//! stay. A composite value logged with `?` (a struct, map
//! or list through `Debug`) is read member by member: a member whose dotted
//! path is a pii or secret attribute name gets its action, and text that is
//! not derived `Debug` output is not logged at all (see [`debug_text`]); the
//! span events of [`SpanEvents`] get the same. The message and each text
//! field are then cut to [`MAX_TEXT_BYTES`] (at a character boundary, ending
//! in [`CUT_MARKER`]). In the text format, control characters of the message,
//! the keys and the values are written escaped (`\n`, `\u{1b}`), so no value
//! starts a line of its own or reaches a terminal as an escape sequence.
//!
//! Lines are written by a thread of their own: an event only queues its line
//! (at most [`QUEUE_LINES`] lines and [`QUEUE_BYTES`] bytes); when the queue
//! is full the line is dropped and counted, and the writer reports the count
//! in a WARN line of its own (`log lines dropped`, field `dropped`). The
//! guard of `init` flushes the queue on shutdown and drop.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use opentelemetry::trace::TraceContextExt;
use opentelemetry::KeyValue;
use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::Layer;

use super::conventions;
use super::redact;
use super::scrub::is_secret_name;

/// Lines queued for the writer thread; beyond this, new lines are dropped
/// and counted.
pub const QUEUE_LINES: usize = 8192;

/// Bytes queued for the writer thread (the lines' lengths); a line that
/// would go beyond this is dropped and counted.
pub const QUEUE_BYTES: usize = 8 << 20;

/// The longest message or text field written, in bytes, after scrubbing;
/// a longer one is cut at a character boundary and ends in [`CUT_MARKER`].
pub const MAX_TEXT_BYTES: usize = 16 << 10;

/// What a cut message or text field ends in.
pub const CUT_MARKER: &str = "...[cut]";

enum Message {
    Line(String),
    Flush(mpsc::Sender<()>),
}

/// Writes log lines with trace correlation fields, through a bounded queue
/// and a writer thread: an event never waits for the output.
pub struct LogLayer {
    queue: SyncSender<Message>,
    dropped: Arc<AtomicU64>,
    /// Bytes of the lines queued and not yet written.
    queued: Arc<AtomicUsize>,
    max_bytes: usize,
    json: bool,
}

impl std::fmt::Debug for LogLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogLayer")
            .field("json", &self.json)
            .field("dropped", &self.dropped.load(Ordering::Relaxed))
            .finish()
    }
}

impl LogLayer {
    /// Lines to standard output, in the conventions' format.
    pub fn new() -> Self {
        Self::with_writer(Box::new(std::io::stdout()), conventions::LOG_JSON)
    }

    /// Lines to `writer`, JSON (`json: true`) or text, written by a thread of
    /// their own. Should the thread not start, lines are dropped and counted.
    pub fn with_writer(writer: Box<dyn Write + Send>, json: bool) -> Self {
        Self::with_capacity(writer, json, QUEUE_LINES)
    }

    /// [`with_writer`](Self::with_writer) with a queue of `lines` lines.
    pub fn with_capacity(writer: Box<dyn Write + Send>, json: bool, lines: usize) -> Self {
        Self::with_limits(writer, json, lines, QUEUE_BYTES)
    }

    /// [`with_writer`](Self::with_writer) with a queue of at most `lines`
    /// lines and `bytes` bytes.
    pub fn with_limits(
        writer: Box<dyn Write + Send>,
        json: bool,
        lines: usize,
        bytes: usize,
    ) -> Self {
        let (queue, receiver) = mpsc::sync_channel(lines.max(1));
        let dropped = Arc::new(AtomicU64::new(0));
        let queued = Arc::new(AtomicUsize::new(0));
        let (counted, written) = (dropped.clone(), queued.clone());
        let _ = std::thread::Builder::new()
            .name("telemetry-logs".into())
            .spawn(move || write_lines(receiver, writer, &counted, &written, json));
        Self {
            queue,
            dropped,
            queued,
            max_bytes: bytes,
            json,
        }
    }

    /// A handle that flushes this layer's queue; keep it when the layer goes
    /// into a subscriber.
    pub fn flusher(&self) -> LogFlush {
        LogFlush {
            queue: self.queue.clone(),
        }
    }

    /// Lines dropped because the queue was full and not yet reported.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    fn send(&self, line: String) {
        // A full queue (by lines or by bytes) or a writer thread gone: the
        // line is counted.
        let size = line.len();
        let reserved = self
            .queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |queued| {
                queued
                    .checked_add(size)
                    .filter(|total| *total <= self.max_bytes)
            })
            .is_ok();
        if !reserved {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if self.queue.try_send(Message::Line(line)).is_err() {
            self.queued.fetch_sub(size, Ordering::AcqRel);
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }
}

impl Default for LogLayer {
    fn default() -> Self {
        Self::new()
    }
}

/// Flushes a [`LogLayer`]'s queue.
#[derive(Clone, Debug)]
pub struct LogFlush {
    queue: SyncSender<Message>,
}

impl LogFlush {
    /// Waits until every line queued before the call is written and the
    /// writer flushed, at most `timeout`; false when the time ran out.
    pub fn flush(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let (done, wait) = mpsc::channel();
        let mut message = Message::Flush(done);
        loop {
            match self.queue.try_send(message) {
                Ok(()) => break,
                Err(TrySendError::Disconnected(_)) => return false,
                Err(TrySendError::Full(back)) => {
                    if Instant::now() >= deadline {
                        return false;
                    }
                    message = back;
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        }
        wait.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .is_ok()
    }
}

/// The writer thread: lines in order, the output flushed whenever the queue
/// is empty, and a WARN line with the count of lines dropped before the next
/// line it writes.
fn write_lines(
    receiver: Receiver<Message>,
    writer: Box<dyn Write + Send>,
    dropped: &AtomicU64,
    queued: &AtomicUsize,
    json: bool,
) {
    let mut out = std::io::BufWriter::new(writer);
    loop {
        let message = match receiver.try_recv() {
            Ok(message) => message,
            Err(TryRecvError::Empty) => {
                let _ = out.flush();
                match receiver.recv() {
                    Ok(message) => message,
                    Err(_) => break,
                }
            }
            Err(TryRecvError::Disconnected) => break,
        };
        report_dropped(&mut out, dropped, json);
        match message {
            Message::Line(line) => {
                let _ = out.write_all(line.as_bytes());
                queued.fetch_sub(line.len(), Ordering::AcqRel);
            }
            Message::Flush(done) => {
                let _ = out.flush();
                let _ = done.send(());
            }
        }
    }
    report_dropped(&mut out, dropped, json);
    let _ = out.flush();
}

fn report_dropped(out: &mut impl Write, dropped: &AtomicU64, json: bool) {
    let count = dropped.swap(0, Ordering::Relaxed);
    if count == 0 {
        return;
    }
    let now = rfc3339(SystemTime::now());
    let target = module_path!();
    let line = if json {
        let mut fields = Map::new();
        fields.insert("timestamp".into(), Value::from(now));
        fields.insert("level".into(), Value::from("WARN"));
        fields.insert("target".into(), Value::from(target));
        fields.insert("message".into(), Value::from("log lines dropped"));
        fields.insert("dropped".into(), Value::from(count));
        Value::Object(fields).to_string()
    } else {
        format!("{now} WARN {target}: log lines dropped dropped={count}")
    };
    let _ = out.write_all(line.as_bytes());
    let _ = out.write_all(b"\n");
}

/// The fields of a span, kept for the lines written inside it.
struct SpanFields(Map<String, Value>);

/// Whether `meta` is the server layer's request span: its HTTP fields are
/// span attributes, not log context; the registry attributes a handler
/// records on it are.
fn is_request_span(meta: &Metadata<'_>) -> bool {
    super::bridge::is_request_span(meta)
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
        let text = debug_text(field.name(), &format!("{value:?}"));
        self.0.insert(field.name().to_owned(), Value::from(text));
    }
}

/// The fields as they may leave, per the redaction policy, each text cut
/// to [`MAX_TEXT_BYTES`].
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
        } else if key != "message" && is_secret_name(&key) && !classed_below(&key) {
            // Named a secret, not classed by the conventions: masked.
            Value::from(redact::MASK)
        } else {
            match value {
                // The message and every other text field (an error logged
                // with `%e`, a `Debug` or `Display` value, an `#[instrument]`
                // argument) are free text: scrubbed, as span event names
                // are. Numbers and bools stay.
                Value::String(s) => match policy.scrub(&s) {
                    Cow::Borrowed(_) => Value::String(cut(s)),
                    Cow::Owned(clean) => Value::from(cut(clean)),
                },
                other => other,
            }
        };
        out.insert(key, value);
    }
    out
}

/// `text` cut to [`MAX_TEXT_BYTES`] at a character boundary, ending in
/// [`CUT_MARKER`] when cut.
pub fn cut(mut text: String) -> String {
    if text.len() <= MAX_TEXT_BYTES {
        return text;
    }
    let mut end = MAX_TEXT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push_str(CUT_MARKER);
    text
}

/// The message of a text-format line: as it is when it is printable ASCII
/// without a blank, `=` or `"`, else JSON-quoted (control characters, C1
/// and U+2028/U+2029 escaped), as Go's text handler quotes one, so that a
/// message cannot forge `key=value` fields after it on its line.
fn text_message(message: &str) -> Cow<'_, str> {
    if !message.is_empty()
        && message
            .bytes()
            .all(|c| c.is_ascii_graphic() && c != b'=' && c != b'"')
    {
        return Cow::Borrowed(message);
    }
    let quoted = Value::String(message.to_owned()).to_string();
    Cow::Owned(escape_controls(&quoted).into_owned())
}

/// `text` with control characters, C1 and U+2028/U+2029 escaped.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    let special = |c: char| c.is_control() || c == '\u{2028}' || c == '\u{2029}';
    if !text.chars().any(special) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if special(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether the conventions class keys below the dotted `path` (or below the
/// path under any of its parents): then a secret-named value there is left
/// to their actions, member by member (`app.session` when
/// `app.session.token` is classed), instead of being masked whole.
fn classed_below(path: &str) -> bool {
    std::iter::once(path)
        .chain(path.match_indices('.').map(|(i, _)| &path[i + 1..]))
        .any(|p| {
            conventions::REDACTIONS.iter().any(|(key, _)| {
                key.len() > p.len() && key.starts_with(p) && key.as_bytes()[p.len()] == b'.'
            })
        })
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

impl<S> Layer<S> for LogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let mut fields = Fields(Map::new());
        if !is_request_span(attrs.metadata()) {
            attrs.record(&mut fields);
            fields.0.retain(|key, _| !key.starts_with("otel."));
        }
        span.extensions_mut().insert(SpanFields(fields.0));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let request = is_request_span(span.metadata());
        let mut fields = Fields(Map::new());
        values.record(&mut fields);
        let mut extensions = span.extensions_mut();
        if let Some(SpanFields(held)) = extensions.get_mut::<SpanFields>() {
            for (key, value) in fields.0 {
                let kept = if request {
                    super::attributes::ALL.contains(&key.as_str())
                } else {
                    !key.starts_with("otel.")
                };
                if kept {
                    held.insert(key, value);
                }
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        let mut fields = Fields(Map::new());
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(SpanFields(held)) = span.extensions().get::<SpanFields>() {
                    for (key, value) in held {
                        fields.0.insert(key.clone(), value.clone());
                    }
                }
            }
        }
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
                escape_controls(meta.target()),
                text_message(&message)
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
                let value = value.to_string();
                let _ = write!(
                    line,
                    " {}={}",
                    escape_controls(&key),
                    escape_controls(&value)
                );
            }
        }
        line.push('\n');
        self.send(line);
    }
}

/// Turns `tracing` warnings and errors into events of an OpenTelemetry span:
/// the nearest enclosing span the [bridge](super::bridge) knows, else (no
/// enclosing `tracing` span enabled, say under `RUST_LOG=warn`) the current
/// OpenTelemetry span, the server span in a handler. Named by the message
/// (scrubbed at export as free text), or by the level (`ERROR`, `WARN`)
/// when it has none, with the event's fields whose keys the conventions
/// know as attributes (text under a key the privacy rules do not class
/// scrubbed as free text, see [`captured_text`](super::bridge::captured_text);
/// redacted at export like every attribute; other fields stay in the log
/// line only). It leaves the status of the server span alone: the HTTP
/// semantic conventions set it from the response, not from an ERROR event.
/// An ERROR event with an `error` field and no message (what
/// `#[instrument(err)]` logs when the function returns an error) sets the
/// status of a span the bridge started to Error, described by the error
/// (scrubbed at export), and its `error.type` to `_OTHER` (semantic
/// conventions v1.45.0, recording errors on spans).
#[derive(Clone, Copy, Debug, Default)]
pub struct SpanEvents;

impl<S> Layer<S> for SpanEvents
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let meta = event.metadata();
        // Warnings and errors become span events; info and debug events stay
        // log lines (with the span's ids), so a span carries no chatter and no
        // free-form fields of every log call.
        if *meta.level() > tracing::Level::WARN {
            return;
        }
        let (cx, own) = ctx
            .event_scope(event)
            .into_iter()
            .flatten()
            .find_map(|span| super::bridge::started_context_of(&span))
            .unwrap_or_else(|| (opentelemetry::Context::current(), false));
        let otel = cx.span();
        if !otel.is_recording() {
            return;
        }
        // The event's own fields only: `level` and `target` are no registry
        // attributes (the log line carries them).
        let mut fields = EventFields {
            name: None,
            attributes: Vec::new(),
            error: None,
        };
        event.record(&mut fields);
        if let (true, None, Some(error)) = (own, &fields.name, fields.error) {
            if *meta.level() == tracing::Level::ERROR {
                otel.set_attribute(KeyValue::new("error.type", "_OTHER"));
                otel.set_status(opentelemetry::trace::Status::error(error));
            }
        }
        match fields.name {
            Some(name) => otel.add_event(name, fields.attributes),
            None => otel.add_event(meta.level().as_str(), fields.attributes),
        }
    }
}

struct EventFields {
    name: Option<String>,
    attributes: Vec<KeyValue>,
    /// The text of an `error` field (`#[instrument(err)]`'s).
    error: Option<String>,
}

impl EventFields {
    /// Keeps the field when the conventions know its key: an event's fields
    /// are captured implicitly, like a span's (see
    /// [`exported`](super::bridge::exported)); the log line keeps them all.
    fn push(&mut self, field: &Field, value: impl Into<opentelemetry::Value>) {
        if super::bridge::exported(field.name()) {
            self.attributes.push(KeyValue::new(field.name(), value));
        }
    }
}

impl Visit for EventFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.name = Some(value.to_owned());
        } else if super::bridge::exported(field.name()) {
            self.push(
                field,
                super::bridge::captured_text(field.name(), value.to_owned()),
            );
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.push(field, value);
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        let value = match i64::try_from(value) {
            Ok(v) => opentelemetry::Value::I64(v),
            Err(_) => opentelemetry::Value::from(value.to_string()),
        };
        self.push(field, value);
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.push(field, value);
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.push(field, value);
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.name = Some(format!("{value:?}"));
        } else if super::bridge::exported(field.name()) {
            let text = debug_text(field.name(), &format!("{value:?}"));
            self.push(field, super::bridge::captured_text(field.name(), text));
        } else if field.name() == "error" {
            // Scrubbed at export, as every status description.
            self.error = Some(format!("{value:?}"));
        }
    }
}

/// What a composite value logged with `?` (Debug) is written as when its
/// text is not Debug output as `#[derive(Debug)]` writes it.
pub const NOT_LOGGED: &str = "<composite value not logged>";

/// How deep composite values are read; deeper ones are not logged.
const MAX_DEPTH: usize = 32;

/// The text of a field recorded through `Debug` (`?value`, and `%value`),
/// as it may leave. A composite value (a struct, tuple struct or enum
/// variant `Name { .. }` / `Name(..)`, a map or set `{..}`, a list `[..]`)
/// is read as derived `Debug` writes it: every member whose dotted path below
/// `key` ends in an attribute name the conventions class pii or secret gets
/// its privacy action, like a span attribute (`app.user = ?user` with a field
/// `email` is `app.user.email`); a dropped member is written as the mask.
/// Text that is not derived `Debug` output is written as [`NOT_LOGGED`],
/// never raw. Other values (numbers, strings, `None`) are returned as they
/// are; the caller cleans URLs in them.
pub fn debug_text(key: &str, text: &str) -> String {
    if key != "message" && string_literal(text) && redact::policy().action(key).is_some() {
        // `?value` quotes a string, `%value` does not: the value the
        // privacy action sees (and so its hash) is the same either way.
        return unquote(text);
    }
    if key == "message" || !composite(text) {
        return text.to_owned();
    }
    let mut scan = Scan {
        text,
        at: 0,
        out: String::with_capacity(text.len()),
        policy: redact::policy(),
    };
    match scan.value(key, 0) {
        Some(()) if scan.at == text.len() => scan.out,
        _ => NOT_LOGGED.to_owned(),
    }
}

fn is_ident(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// Whether `text` is one string literal as `Debug` writes it: in double
/// quotes, with every inner quote escaped.
fn string_literal(text: &str) -> bool {
    let Some(inner) = text
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    else {
        return false;
    };
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            // An escape takes the next character with it.
            '\\' if chars.next().is_none() => return false,
            '"' => return false,
            _ => {}
        }
    }
    true
}

/// Whether `text` starts like a composite Debug value.
fn composite(text: &str) -> bool {
    if text.starts_with('{') || text.starts_with('[') {
        return true;
    }
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    is_ident(&text[..end]) && (text[end..].starts_with(" {") || text[end..].starts_with('('))
}

/// The registry key a member at dotted `path` falls under, if any: the path
/// itself or the path below any of its parents.
fn privacy_key<'a>(policy: &redact::Policy, path: &'a str) -> Option<&'a str> {
    std::iter::once(path)
        .chain(path.match_indices('.').map(|(i, _)| &path[i + 1..]))
        .find(|key| policy.action(key).is_some())
}

/// The text of a Debug string or char literal (quotes and escapes removed).
fn unquote(literal: &str) -> String {
    let inner = &literal[1..literal.len() - 1];
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('u') => {
                let code: String = chars
                    .by_ref()
                    .skip_while(|c| *c == '{')
                    .take_while(|c| *c != '}')
                    .collect();
                if let Some(c) = u32::from_str_radix(&code, 16).ok().and_then(char::from_u32) {
                    out.push(c);
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// The name an entry of a struct or map has, if any.
enum Key {
    Named(String),
    Unnamed,
}

/// Reads derived Debug output, copying it to `out` with the privacy policy
/// applied to named members. Each method returns `None` when the text is not
/// in that form.
struct Scan<'a> {
    text: &'a str,
    at: usize,
    out: String,
    policy: &'static redact::Policy,
}

impl<'a> Scan<'a> {
    fn rest(&self) -> &'a str {
        let text = self.text;
        &text[self.at..]
    }

    fn eat(&mut self, lit: &str) -> bool {
        if self.rest().starts_with(lit) {
            self.out.push_str(lit);
            self.at += lit.len();
            return true;
        }
        false
    }

    /// One value whose members are below `path`.
    fn value(&mut self, path: &str, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.rest().as_bytes().first()? {
            b'"' => self.quoted('"'),
            b'\'' => self.quoted('\''),
            b'{' => {
                self.eat("{");
                self.entries(path, '}', true, depth)
            }
            b'[' => {
                self.eat("[");
                self.entries(path, ']', false, depth)
            }
            b'(' => {
                self.eat("(");
                self.entries(path, ')', false, depth)
            }
            _ => {
                let atom = self.atom()?;
                let written = self.out.len();
                if self.eat("(") {
                    self.entries(path, ')', false, depth)?;
                } else if is_ident(atom) && (self.eat(" { ") || self.eat(" {")) {
                    self.entries(path, '}', true, depth)?;
                } else {
                    return Some(());
                }
                // A type or variant named a secret (`Password("..")`,
                // `Token { .. }`): what it holds is masked whole.
                if is_secret_name(atom) {
                    self.out.truncate(written);
                    let _ = write!(self.out, "({:?})", redact::MASK);
                }
                Some(())
            }
        }
    }

    /// A number, a unit variant, an address...: text up to a separator.
    fn atom(&mut self) -> Option<&'a str> {
        let rest = self.rest();
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            if ",()[]{}\"' ".contains(c) || rest[i..].starts_with(": ") {
                end = i;
                break;
            }
        }
        if end == 0 {
            return None;
        }
        self.out.push_str(&rest[..end]);
        self.at += end;
        Some(&rest[..end])
    }

    /// A string or char literal, escapes included.
    fn quoted(&mut self, quote: char) -> Option<()> {
        let rest = self.rest();
        let mut escaped = false;
        for (i, c) in rest.char_indices().skip(1) {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == quote {
                let end = i + c.len_utf8();
                self.out.push_str(&rest[..end]);
                self.at += end;
                return Some(());
            }
        }
        None
    }

    /// The entries up to `close`: `name: value` (a struct's fields, a map's
    /// entries) where `keyed` allows them, else values; `..` of a
    /// non-exhaustive struct.
    fn entries(&mut self, path: &str, close: char, keyed: bool, depth: usize) -> Option<()> {
        let close_text = close.to_string();
        let spaced = format!(" {close}");
        loop {
            if self.eat(&close_text) || self.eat(&spaced) {
                return Some(());
            }
            if self.eat("..") {
                continue;
            }
            let name = if keyed {
                self.key(depth)?
            } else {
                Key::Unnamed
            };
            match name {
                Key::Named(name) => {
                    let child = format!("{path}.{name}");
                    self.member(&child, depth)?;
                }
                Key::Unnamed => self.value(path, depth + 1)?,
            }
            if !self.eat(", ") && !self.eat(",") {
                return (self.eat(&close_text) || self.eat(&spaced)).then_some(());
            }
        }
    }

    /// In a struct or map, the name of the entry starting here (its `: `
    /// copied): a field name or a map's string key; [`Key::Unnamed`] for an
    /// entry without a name (a map's other keys, a set's values).
    fn key(&mut self, depth: usize) -> Option<Key> {
        let rest = self.rest();
        let ident = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|end| is_ident(&rest[..*end]) && rest[*end..].starts_with(": "));
        if let Some(end) = ident {
            let name = rest[..end].to_owned();
            self.eat(&format!("{name}: "));
            return Some(Key::Named(name));
        }
        let start = self.at;
        self.value("", depth + 1)?;
        if !self.eat(": ") {
            return Some(Key::Unnamed);
        }
        let text = self.text;
        let literal = &text[start..self.at - 2];
        if literal.starts_with('"') {
            return Some(Key::Named(unquote(literal)));
        }
        Some(Key::Unnamed)
    }

    /// The value of a named member at `path`, with the privacy action of
    /// its registry key if it has one.
    fn member(&mut self, path: &str, depth: usize) -> Option<()> {
        let (start, written) = (self.at, self.out.len());
        self.value(path, depth + 1)?;
        let Some(key) = privacy_key(self.policy, path) else {
            // A member named a secret, not classed by the conventions.
            if is_secret_name(path.rsplit('.').next().unwrap_or(path)) && !classed_below(path) {
                self.out.truncate(written);
                let _ = write!(self.out, "{:?}", redact::MASK);
            }
            return Some(());
        };
        let all = self.text;
        let raw = &all[start..self.at];
        let text = if raw.starts_with('"') || raw.starts_with('\'') {
            unquote(raw)
        } else {
            raw.to_owned()
        };
        let masked = self
            .policy
            .value(key, &opentelemetry::Value::from(text))
            .map_or_else(|| redact::MASK.to_owned(), |v| v.as_str().into_owned());
        self.out.truncate(written);
        let _ = write!(self.out, "{masked:?}");
        Some(())
    }
}
