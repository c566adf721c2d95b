//! The messaging helpers' tests (the `messaging` part), on the harness in
//! `tests`.

use opentelemetry::trace::{SpanKind, TraceContextExt};
use opentelemetry::{Context, Value};

use opentelemetry::propagation::TextMapPropagator as _;

use super::conventions;
use super::messaging::ByteHeadersReader;
use super::tests::{attr, expected_name, remote_parent, Harness, PARENT_TRACE};
use super::tracecontext::W3cTraceContext;
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

/// The trace context header every message test below starts from.
const TC_HEAD: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-";

/// Message headers: two `traceparent` headers are no parent (whatever
/// their case), `tracestate` headers are joined, as Go's `HeaderCarrier`.
#[test]
fn message_headers_repeat_as_http_lines_do() {
    let tp = format!("{TC_HEAD}01").into_bytes();
    let two = vec![
        ("traceparent".to_owned(), tp.clone()),
        ("Traceparent".to_owned(), tp.clone()),
    ];
    let cx = W3cTraceContext::new().extract(&ByteHeadersReader(&two));
    assert!(!cx.span().span_context().is_valid());
    let odd = vec![
        ("traceparent".to_owned(), tp.clone()),
        ("traceparent".to_owned(), b"\xff".to_vec()),
    ];
    let cx = W3cTraceContext::new().extract(&ByteHeadersReader(&odd));
    assert!(!cx.span().span_context().is_valid());
    let one = vec![
        ("TRACEPARENT".to_owned(), tp),
        ("tracestate".to_owned(), b"a=1".to_vec()),
        ("tracestate".to_owned(), b"b=2".to_vec()),
    ];
    let cx = W3cTraceContext::new().extract(&ByteHeadersReader(&one));
    let sc = cx.span().span_context().clone();
    assert_eq!(sc.span_id().to_string(), "00f067aa0ba902b7");
    assert_eq!(sc.trace_state().header(), "a=1,b=2");
}

/// A message's traceparent is read as bytes too: a higher version ending
/// in bytes that are not UTF-8 is continued, as Go continues it.
#[test]
fn a_message_traceparent_is_read_as_bytes() {
    let extract = |traceparent: &[u8]| {
        let headers = vec![
            ("traceparent".to_owned(), traceparent.to_vec()),
            ("tracestate".to_owned(), b"x=1".to_vec()),
        ];
        let cx = W3cTraceContext::new().extract(&ByteHeadersReader(&headers));
        let sc = cx.span().span_context().clone();
        (sc.is_valid(), sc.trace_state().header())
    };
    let ids = &TC_HEAD.as_bytes()[3..];
    let higher = [b"01-", ids, b"01-\xff"].concat();
    assert_eq!(extract(&higher), (true, "x=1".to_owned()));
    let zero = [b"00-", ids, b"01-\xff"].concat();
    assert_eq!(extract(&zero), (false, String::new()));
    let cut = [b"01-", ids, b"01\xff"].concat();
    assert_eq!(extract(&cut), (false, String::new()));
    assert_eq!(super::tracecontext::traceparent_text(b" \t\xff"), "\u{7f}");
}
