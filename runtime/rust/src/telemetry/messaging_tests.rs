//! The messaging helpers' tests (the `messaging` part), on the harness in
//! `tests`.

use opentelemetry::trace::{SpanKind, TraceContextExt};
use opentelemetry::{Context, Value};

use super::conventions;
use super::tests::{attr, expected_name, remote_parent, Harness, PARENT_TRACE};
use super::*;

const PRODUCER_KNOWN: &[(&str, &str)] = &[
    ("messaging.system", "kafka"),
    ("messaging.destination.name", "orders"),
    ("messaging.operation.type", "send"),
    ("messaging.operation.name", "send"),
];
const CONSUMER_KNOWN: &[(&str, &str)] = &[
    ("messaging.system", "kafka"),
    ("messaging.destination.name", "orders"),
    ("messaging.operation.type", "process"),
    ("messaging.operation.name", "process"),
];

#[tokio::test]
async fn messaging_carriers_link_producer_and_consumer() {
    let h = Harness::new();
    let destination = messaging::Destination {
        system: "kafka",
        name: "orders".to_owned(),
        ..Default::default()
    };
    let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
    let producer = {
        let _guard = remote_parent(true).attach();
        messaging::start_send(
            &h.instruments,
            &destination,
            &mut messaging::ByteHeaders(&mut headers),
        )
    };
    producer.span().end();
    let consumer = messaging::start_process(
        &h.instruments,
        &destination,
        &messaging::ByteHeadersReader(&headers),
    );
    consumer.span().end();
    let spans = h.finished();
    let producer = spans
        .iter()
        .find(|s| s.span_kind == SpanKind::Producer)
        .unwrap();
    let consumer = spans
        .iter()
        .find(|s| s.span_kind == SpanKind::Consumer)
        .unwrap();
    assert_eq!(
        producer.name,
        expected_name(&conventions::MESSAGING_PRODUCER_NAME, PRODUCER_KNOWN).as_str()
    );
    assert_eq!(
        consumer.name,
        expected_name(&conventions::MESSAGING_CONSUMER_NAME, CONSUMER_KNOWN).as_str()
    );
    assert_eq!(consumer.span_context.trace_id().to_string(), PARENT_TRACE);
    assert_eq!(consumer.parent_span_id, producer.span_context.span_id());
    // Semantic conventions 1.45.0: a "Process" span links to the message's
    // creation context, as Go's consumer span does.
    let linked: Vec<_> = consumer
        .links
        .iter()
        .map(|l| l.span_context.span_id())
        .collect();
    assert_eq!(linked, vec![producer.span_context.span_id()]);
    assert_eq!(
        attr(producer, "messaging.operation.name"),
        Some(Value::from("send"))
    );
    assert_eq!(
        attr(consumer, "messaging.operation.name"),
        Some(Value::from("process"))
    );
}

/// "Process" spans follow messaging-spans.md (semantic conventions 1.45.0),
/// as in Go: in the scope of another span, that span is the parent and the
/// creation context a link; with no ambient span, the creation context is
/// the parent and the link; a message without a context gives no link,
/// whatever the ambient span.
#[tokio::test]
async fn process_spans_parent_and_links() {
    use opentelemetry::trace::Tracer as _;
    let h = Harness::new();
    let destination = messaging::Destination {
        system: "kafka",
        name: "orders".to_owned(),
        ..Default::default()
    };
    let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
    let producer = messaging::start_send(
        &h.instruments,
        &destination,
        &mut messaging::ByteHeaders(&mut headers),
    );
    let creation = producer.span().span_context().span_id();
    messaging::end(&producer, None);
    let ambient = Context::current_with_span(h.instruments.tracer.start("POST /push"));
    let ambient_id = ambient.span().span_context().span_id();
    let in_scope = {
        let _guard = ambient.clone().attach();
        messaging::start_process(
            &h.instruments,
            &destination,
            &messaging::ByteHeadersReader(&headers),
        )
    };
    messaging::end(&in_scope, None);
    let alone = messaging::start_process(
        &h.instruments,
        &destination,
        &messaging::ByteHeadersReader(&headers),
    );
    messaging::end(&alone, None);
    let bare = {
        let _guard = ambient.clone().attach();
        messaging::start_process(
            &h.instruments,
            &destination,
            &messaging::ByteHeadersReader(&[]),
        )
    };
    messaging::end(&bare, None);
    ambient.span().end();
    let consumers: Vec<_> = h
        .finished()
        .into_iter()
        .filter(|s| s.span_kind == SpanKind::Consumer)
        .collect();
    assert_eq!(consumers.len(), 3);
    let links = |s: &opentelemetry_sdk::trace::SpanData| -> Vec<_> {
        s.links.iter().map(|l| l.span_context.span_id()).collect()
    };
    assert_eq!(consumers[0].parent_span_id, ambient_id);
    assert_eq!(links(&consumers[0]), vec![creation]);
    assert_eq!(consumers[1].parent_span_id, creation);
    assert_eq!(links(&consumers[1]), vec![creation]);
    assert_eq!(consumers[2].parent_span_id, ambient_id);
    assert!(links(&consumers[2]).is_empty());
}

/// The message id goes on both spans and the consumer group on the consumer
/// span, as Go's `Message` does; a failed operation carries `error.type`.
#[tokio::test]
async fn destination_id_group_and_errors() {
    let h = Harness::new();
    let destination = messaging::Destination {
        system: "kafka",
        name: "orders".to_owned(),
        message_id: Some("m-1".to_owned()),
        consumer_group: Some("billing".to_owned()),
    };
    let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
    let producer = messaging::start_send(
        &h.instruments,
        &destination,
        &mut messaging::ByteHeaders(&mut headers),
    );
    let failure = std::io::Error::other("broker down");
    messaging::end(&producer, Some(&failure));
    let consumer = messaging::start_process(
        &h.instruments,
        &destination,
        &messaging::ByteHeadersReader(&headers),
    );
    messaging::end(&consumer, None);
    let spans = h.finished();
    let producer = spans
        .iter()
        .find(|s| s.span_kind == SpanKind::Producer)
        .unwrap();
    let consumer = spans
        .iter()
        .find(|s| s.span_kind == SpanKind::Consumer)
        .unwrap();
    assert_eq!(
        attr(producer, "messaging.message.id"),
        Some(Value::from("m-1"))
    );
    assert_eq!(attr(producer, "messaging.consumer.group.name"), None);
    assert_eq!(attr(producer, "error.type"), Some(Value::from("_OTHER")));
    assert!(matches!(
        producer.status,
        opentelemetry::trace::Status::Error { .. }
    ));
    assert_eq!(
        attr(consumer, "messaging.message.id"),
        Some(Value::from("m-1"))
    );
    assert_eq!(
        attr(consumer, "messaging.consumer.group.name"),
        Some(Value::from("billing"))
    );
    assert_eq!(attr(consumer, "error.type"), None);
}
