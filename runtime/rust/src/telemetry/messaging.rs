//! Messaging: header carriers and producer/consumer spans.

use std::sync::Arc;

use opentelemetry::propagation::{Extractor, Injector};
use opentelemetry::trace::{Link, SpanKind, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue};

use super::conventions;
use super::instruments::Instruments;
use super::propagation;

/// Message headers as a list of `(name, bytes)` pairs (Kafka's shape).
/// Values that are not UTF-8 are skipped when reading.
pub struct ByteHeaders<'a>(pub &'a mut Vec<(String, Vec<u8>)>);

impl Injector for ByteHeaders<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.retain(|(name, _)| !name.eq_ignore_ascii_case(key));
        self.0.push((key.to_owned(), value.into_bytes()));
    }
}

/// Reads propagation fields from `(name, bytes)` message headers.
pub struct ByteHeadersReader<'a>(pub &'a [(String, Vec<u8>)]);

impl Extractor for ByteHeadersReader<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(key))
            .and_then(|(_, value)| std::str::from_utf8(value).ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.iter().map(|(name, _)| name.as_str()).collect()
    }
}

/// The messaging system and destination of a message.
#[derive(Clone, Debug)]
pub struct Destination {
    /// `messaging.system` (`kafka`, `rabbitmq`, ...).
    pub system: &'static str,
    /// `messaging.destination.name` (the topic or queue).
    pub name: String,
}

fn start(
    instruments: &Instruments,
    parent: &Context,
    destination: &Destination,
    producer: bool,
) -> Context {
    // The operation type, and the operation's name (the same words here).
    let operation = if producer { "send" } else { "process" };
    let get = |key: &str| match key {
        "messaging.destination.name" => Some(destination.name.as_str()),
        "messaging.system" => Some(destination.system),
        "messaging.operation.type" | "messaging.operation.name" => Some(operation),
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
    let tracer = &instruments.tracer;
    // A consumer links to the message's creation context (semantic
    // conventions 1.45.0), besides continuing it as its parent.
    let creation = parent.span().span_context().clone();
    let links = if producer || !creation.is_valid() {
        Vec::new()
    } else {
        vec![Link::with_context(creation)]
    };
    let span = tracer
        .span_builder(name)
        .with_kind(kind)
        .with_links(links)
        .with_attributes([
            KeyValue::new("messaging.system", destination.system),
            KeyValue::new("messaging.destination.name", destination.name.clone()),
            KeyValue::new("messaging.operation.type", operation),
            KeyValue::new("messaging.operation.name", operation),
        ])
        .start_with_context(tracer, parent);
    parent.with_span(span)
}

/// Starts a producer span as a child of the current context and writes its
/// context into `headers`. End the span with `cx.span().end()` once sent.
pub fn start_send(
    instruments: &Arc<Instruments>,
    destination: &Destination,
    headers: &mut dyn Injector,
) -> Context {
    let cx = start(instruments, &Context::current(), destination, true);
    propagation::inject_into(&cx, headers);
    cx
}

/// Starts a consumer span whose parent is the context carried by `headers`,
/// linked to it as well (the message's creation context).
/// Run the processing inside it (`cx.attach()` or `FutureExt::with_context`)
/// and end it with `cx.span().end()`.
pub fn start_process(
    instruments: &Arc<Instruments>,
    destination: &Destination,
    headers: &dyn Extractor,
) -> Context {
    let parent = propagation::extract_from(headers);
    start(instruments, &parent, destination, false)
}
