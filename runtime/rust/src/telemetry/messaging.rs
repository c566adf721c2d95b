//! Messaging: header carriers and producer/consumer spans.

use std::sync::Arc;

use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::{Link, SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue};

use super::conventions;
use super::instruments::Instruments;
use super::propagation;

/// Message headers as a list of `(name, bytes)` pairs (Kafka's shape).
/// Values that are not UTF-8 are skipped when reading, but for a
/// `traceparent`, which is read as bytes.
pub struct ByteHeaders<'a>(pub &'a mut Vec<(String, Vec<u8>)>);

impl Injector for ByteHeaders<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.retain(|(name, _)| !name.eq_ignore_ascii_case(key));
        self.0.push((key.to_owned(), value.into_bytes()));
    }
}

/// Reads propagation fields from `(name, bytes)` message headers; names are
/// matched without regard to ASCII case (as W3C Trace Context reads its field
/// names, and as Go's `HeaderCarrier` reads them). A message may repeat a
/// header: two `traceparent` headers are no parent, `tracestate` headers are
/// joined (see [`super::tracecontext`]).
pub struct ByteHeadersReader<'a>(pub &'a [(String, Vec<u8>)]);

/// The text of a message header's `value` under `key`: a `traceparent` is
/// read as bytes ([`super::tracecontext::traceparent_text`]: a higher
/// version's bytes past its version-00 prefix are not read); another value
/// that is not UTF-8 is `"\u{7f}"`, text no field accepts.
fn header_text<'v>(key: &str, value: &'v [u8]) -> &'v str {
    if key.eq_ignore_ascii_case("traceparent") {
        return super::tracecontext::traceparent_text(value);
    }
    std::str::from_utf8(value).unwrap_or("\u{7f}")
}

impl Extractor for ByteHeadersReader<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key))
            .and_then(|(_, value)| {
                if key.eq_ignore_ascii_case("traceparent") {
                    return Some(super::tracecontext::traceparent_text(value));
                }
                std::str::from_utf8(value).ok()
            })
    }

    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(name, _)| name.as_str()).collect()
    }

    fn get_all(&self, key: &str) -> Option<Vec<&str>> {
        let all: Vec<&str> = self
            .0
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(key))
            // A value that is not UTF-8 still counts (a second traceparent
            // is no parent).
            .map(|(_, value)| header_text(key, value))
            .collect();
        (!all.is_empty()).then_some(all)
    }
}

/// The messaging system and destination of a message, and what else the
/// spans carry about it (as Go's `Message`).
#[derive(Clone, Debug, Default)]
pub struct Destination {
    /// `messaging.system` (`kafka`, `rabbitmq`, ...).
    pub system: &'static str,
    /// `messaging.destination.name` (the topic or queue).
    pub name: String,
    /// `messaging.message.id`, on producer and consumer spans. Optional.
    pub message_id: Option<String>,
    /// `messaging.consumer.group.name`, on consumer spans only. Optional.
    pub consumer_group: Option<String>,
}

fn start(
    instruments: &Instruments,
    parent: &Context,
    destination: &Destination,
    producer: bool,
    links: Vec<Link>,
) -> Context {
    // The operation type, and the operation's name (the same words here).
    let operation = if producer { "send" } else { "process" };
    let group = destination
        .consumer_group
        .as_deref()
        .filter(|group| !producer && !group.is_empty());
    let get = |key: &str| match key {
        "messaging.destination.name" => Some(destination.name.as_str()),
        "messaging.system" => Some(destination.system),
        "messaging.operation.type" | "messaging.operation.name" => Some(operation),
        "messaging.consumer.group.name" => group,
        _ => None,
    };
    let (name, kind) = if producer {
        (
            conventions::MESSAGING_PRODUCER_NAME.render(get),
            SpanKind::Producer,
        )
    } else {
        (
            conventions::MESSAGING_CONSUMER_NAME.render(get),
            SpanKind::Consumer,
        )
    };
    let mut attributes = vec![
        KeyValue::new("messaging.system", destination.system),
        KeyValue::new("messaging.destination.name", destination.name.clone()),
        KeyValue::new("messaging.operation.type", operation),
        KeyValue::new("messaging.operation.name", operation),
    ];
    if let Some(id) = destination
        .message_id
        .as_deref()
        .filter(|id| !id.is_empty())
    {
        attributes.push(KeyValue::new("messaging.message.id", id.to_owned()));
    }
    if let Some(group) = group {
        attributes.push(KeyValue::new(
            "messaging.consumer.group.name",
            group.to_owned(),
        ));
    }
    let tracer = &instruments.tracer;
    let span = tracer
        .span_builder(name)
        .with_kind(kind)
        .with_links(links)
        .with_attributes(attributes)
        .start_with_context(tracer, parent);
    parent.with_span(span)
}

/// Starts a producer span as a child of the current context and writes its
/// context into `headers`. End the span with [`end`] once sent.
pub fn start_send(
    instruments: &Arc<Instruments>,
    destination: &Destination,
    headers: &mut dyn Injector,
) -> Context {
    let cx = start(
        instruments,
        &Context::current(),
        destination,
        true,
        Vec::new(),
    );
    propagation::inject_into(&cx, headers);
    cx
}

/// Starts a consumer ("process") span, linked to the message's creation
/// context (the context `headers` carry, when they carry one). Its parent
/// follows semantic conventions 1.45.0 (messaging-spans.md, Consumer spans):
/// when the current context holds a valid span (processing happens in the
/// scope of another span, such as an HTTP server span) that span is the
/// parent and the current context is kept as it is (the message's baggage is
/// not taken); otherwise the creation context is the parent, with the
/// message's baggage. Headers without a context give no link.
/// Run the processing inside it (`cx.attach()` or `FutureExt::with_context`)
/// and end it with [`end`].
pub fn start_process(
    instruments: &Arc<Instruments>,
    destination: &Destination,
    headers: &dyn Extractor,
) -> Context {
    let ambient = Context::current();
    let ambient_span = ambient.span().span_context().clone();
    let message = propagation::extract_from(headers);
    let creation = message.span().span_context().clone();
    let links = if creation.is_valid() && creation != ambient_span {
        vec![Link::with_context(creation)]
    } else {
        Vec::new()
    };
    let parent = if ambient_span.is_valid() {
        ambient
    } else {
        message
    };
    start(instruments, &parent, destination, false, links)
}

/// Ends the span of `cx`, recording `error` as its error when there is one:
/// the span's status, an exception event and `error.type` `_OTHER`
/// (conditionally required on messaging spans when the operation failed,
/// semantic conventions 1.45.0), as Go's `End`.
pub fn end(cx: &Context, error: Option<&dyn std::error::Error>) {
    let span = cx.span();
    if let Some(error) = error {
        span.record_error(error);
        span.set_attribute(KeyValue::new("error.type", "_OTHER"));
        span.set_status(Status::error(error.to_string()));
    }
    span.end();
}
