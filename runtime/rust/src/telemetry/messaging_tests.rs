//! The messaging helpers' tests (the `messaging` part), on the harness in
//! `tests`.

use opentelemetry::trace::{SpanKind, TraceContextExt};
use opentelemetry::Value;

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
