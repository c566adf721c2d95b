//! The module's own tests, against the SDK's in-memory exporters.

use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::routing::get;
use axum::Router;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body::Frame;
use opentelemetry::baggage::BaggageExt;
use opentelemetry::trace::{
    SpanContext, SpanId, SpanKind, Status, TraceContextExt, TraceFlags, TraceId, TraceState,
    Tracer as _,
};
use opentelemetry::{Context, KeyValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{
    InMemorySpanExporter, SdkTracerProvider, SimpleSpanProcessor, SpanData, SpanExporter,
};
use tower::{Layer as _, ServiceExt as _};

use super::conventions;
use super::rules::Action;
use super::*;

pub(super) const PARENT_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const TEST_KEY: &[u8] = b"test-hash-key";

/// The conventions' policy with a known key.
fn test_policy() -> redact::Policy {
    redact::Policy::new(
        conventions::redaction,
        Some(TEST_KEY.to_vec()),
        conventions::SENSITIVE_QUERY_PARAMETERS,
    )
}
const PARENT_SPAN: &str = "00f067aa0ba902b7";

// The attributes each boundary knows when its span starts in these tests. The
// names the tests expect come from the generated rules in `conventions`, so the
// tests hold for any conventions file.
const HTTP_SERVER_KNOWN: &[(&str, &str)] = &[
    ("http.request.method", "GET"),
    ("http.route", "/orders/{id}"),
    ("url.scheme", "http"),
];
const HTTP_SERVER_UNROUTED: &[(&str, &str)] =
    &[("http.request.method", "GET"), ("url.scheme", "http")];
const HTTP_CLIENT_KNOWN: &[(&str, &str)] = &[
    ("http.request.method", "GET"),
    ("server.address", "127.0.0.1"),
    ("server.port", "9"),
    ("url.scheme", "http"),
];

/// The name `rule` gives a span whose known attributes are `known`.
pub(super) fn expected_name(
    rule: &super::rules::NameRule,
    known: &[(&str, &'static str)],
) -> String {
    rule.render(|key| known.iter().find(|(k, _)| *k == key).map(|(_, v)| *v))
}

pub(super) struct Harness {
    pub(super) spans: InMemorySpanExporter,
    metrics: InMemoryMetricExporter,
    tracer_provider: SdkTracerProvider,
    meter_provider: SdkMeterProvider,
    pub(super) instruments: Arc<Instruments>,
    levers: Levers,
}

impl Harness {
    pub(super) fn new() -> Self {
        let spans = InMemorySpanExporter::default();
        let metrics = InMemoryMetricExporter::default();
        let levers = Levers::new(true, 1.0);
        let tracer_provider = SdkTracerProvider::builder()
            .with_sampler(Sampler::new(levers.clone()))
            .with_span_processor(Redacting::with_policy(
                SimpleSpanProcessor::new(spans.clone()),
                test_policy(),
            ))
            .build();
        let meter_provider = SdkMeterProvider::builder()
            .with_reader(PeriodicReader::builder(metrics.clone()).build())
            .with_view(init::cardinality_view)
            .build();
        let instruments = Instruments::from_providers_with_levers(
            &tracer_provider,
            &metrics::RedactingMeterProvider::with_policy(meter_provider.clone(), test_policy()),
            levers.clone(),
        );
        Self {
            spans,
            metrics,
            tracer_provider,
            meter_provider,
            instruments,
            levers,
        }
    }

    pub(super) fn finished(&self) -> Vec<SpanData> {
        self.tracer_provider.force_flush().expect("flush spans");
        self.spans.get_finished_spans().expect("finished spans")
    }

    pub(super) fn only(&self, kind: SpanKind) -> SpanData {
        let mut found: Vec<SpanData> = self
            .finished()
            .into_iter()
            .filter(|s| s.span_kind == kind)
            .collect();
        assert_eq!(found.len(), 1, "expected one {kind:?} span");
        found.remove(0)
    }

    pub(super) fn histogram_points(&self, name: &str) -> Vec<Vec<KeyValue>> {
        self.meter_provider.force_flush().expect("flush metrics");
        let mut out = Vec::new();
        for rm in self.metrics.get_finished_metrics().expect("metrics") {
            for sm in rm.scope_metrics() {
                for metric in sm.metrics().filter(|m| m.name() == name) {
                    if let AggregatedMetrics::F64(MetricData::Histogram(h)) = metric.data() {
                        for point in h.data_points() {
                            assert!(point.count() >= 1);
                            out.push(point.attributes().cloned().collect());
                        }
                    }
                }
            }
        }
        out
    }

    /// The bucket boundaries of each point of the histogram `name`.
    pub(super) fn histogram_bounds(&self, name: &str) -> Vec<Vec<f64>> {
        self.meter_provider.force_flush().expect("flush metrics");
        let mut out = Vec::new();
        for rm in self.metrics.get_finished_metrics().expect("metrics") {
            for sm in rm.scope_metrics() {
                for metric in sm.metrics().filter(|m| m.name() == name) {
                    if let AggregatedMetrics::F64(MetricData::Histogram(h)) = metric.data() {
                        out.extend(h.data_points().map(|point| point.bounds().collect()));
                    }
                }
            }
        }
        out
    }
}

pub(super) fn attr(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.clone())
}

/// What an attribute's value looks like after the conventions' privacy action
/// (checked on its own in `redaction_applies_the_privacy_actions_before_export`).
pub(super) fn after_privacy(key: &str, raw: &str) -> Option<Value> {
    test_policy().value(key, &Value::from(raw.to_owned()))
}

pub(super) fn remote_parent(sampled: bool) -> Context {
    let flags = if sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::default()
    };
    let sc = SpanContext::new(
        TraceId::from_hex(PARENT_TRACE).unwrap(),
        SpanId::from_hex(PARENT_SPAN).unwrap(),
        flags,
        true,
        TraceState::default(),
    );
    Context::new().with_remote_span_context(sc)
}

fn app(h: &Harness) -> Router {
    Router::new()
        .route("/orders/{id}", get(|| async { "ok" }))
        .route("/fail", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
        .layer(HttpServerLayer::with_instruments(h.instruments.clone()))
}

pub(super) fn traceparent(sampled: bool) -> String {
    format!(
        "00-{PARENT_TRACE}-{PARENT_SPAN}-{}",
        if sampled { "01" } else { "00" }
    )
}

#[tokio::test]
async fn server_span_continues_the_incoming_trace_and_follows_the_conventions() {
    let h = Harness::new();
    let mut request = Request::get("/orders/42")
        .header("traceparent", traceparent(true))
        .header("user-agent", "test-agent")
        .body(Body::empty())
        .unwrap();
    let peer: std::net::SocketAddr = "10.1.2.3:5555".parse().unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    let response = app(&h).oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // The span ends with the body (here: dropped unread).
    drop(response);
    let span = h.only(SpanKind::Server);
    assert_eq!(
        span.name,
        expected_name(&conventions::HTTP_SERVER_NAME, HTTP_SERVER_KNOWN).as_str()
    );
    if trust::public_route("/orders/{id}") {
        // A public boundary: a new trace, the caller's span only as a link.
        assert_ne!(span.span_context.trace_id().to_string(), PARENT_TRACE);
        assert_eq!(span.parent_span_id, SpanId::INVALID);
        assert_eq!(
            span.links.links[0].span_context.span_id().to_string(),
            PARENT_SPAN
        );
    } else {
        assert_eq!(span.span_context.trace_id().to_string(), PARENT_TRACE);
        assert_eq!(span.parent_span_id.to_string(), PARENT_SPAN);
        assert!(span.parent_span_is_remote);
    }
    assert_eq!(attr(&span, "http.request.method"), Some(Value::from("GET")));
    assert_eq!(attr(&span, "http.route"), Some(Value::from("/orders/{id}")));
    assert_eq!(
        attr(&span, "http.response.status_code"),
        Some(Value::I64(200))
    );
    assert_eq!(attr(&span, "url.path"), Some(Value::from("/orders/42")));
    assert_eq!(
        attr(&span, "user_agent.original"),
        Some(Value::from("test-agent"))
    );
    assert_eq!(
        attr(&span, "client.address"),
        after_privacy("client.address", "10.1.2.3")
    );
    // client.port is Opt-In on HTTP server spans (semantic conventions 1.45.0).
    assert_eq!(attr(&span, "client.port"), None);
    assert_eq!(attr(&span, "network.peer.port"), Some(Value::I64(5555)));
    assert_eq!(span.status, Status::Unset);
    let points = h.histogram_points(conventions::HTTP_SERVER_DURATION);
    assert_eq!(points.len(), 1);
    assert!(points[0].contains(&KeyValue::new("http.route", "/orders/{id}")));
    assert!(points[0].contains(&KeyValue::new("http.response.status_code", 200_i64)));
}

#[test]
fn duration_metrics_keep_the_buckets_and_the_cardinality_limit() {
    let h = Harness::new();
    let routes = conventions::CARDINALITY_LIMIT + 10;
    for n in 0..routes {
        let key = bound::DurationKey {
            method: "GET",
            scheme: "http",
            protocol: Some("1.1"),
            route: Some(std::sync::Arc::from(format!("/r{n}"))),
            status: 200,
            error: false,
            server: None,
        };
        h.instruments.http_server_duration.record(0.003, key);
    }
    h.meter_provider.force_flush().unwrap();
    let mut points = 0;
    for rm in h.metrics.get_finished_metrics().unwrap() {
        for sm in rm.scope_metrics() {
            for metric in sm
                .metrics()
                .filter(|m| m.name() == conventions::HTTP_SERVER_DURATION)
            {
                if let AggregatedMetrics::F64(MetricData::Histogram(hist)) = metric.data() {
                    for point in hist.data_points() {
                        points += 1;
                        let bounds: Vec<f64> = point.bounds().collect();
                        assert_eq!(bounds, conventions::DURATION_BUCKETS);
                    }
                }
            }
        }
    }
    assert!(
        points > 1 && points <= conventions::CARDINALITY_LIMIT + 1,
        "{points}"
    );
}

#[tokio::test]
async fn server_errors_and_unmatched_routes() {
    let h = Harness::new();
    let response = app(&h)
        .oneshot(Request::get("/fail").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let span = h.only(SpanKind::Server);
    assert!(matches!(span.status, Status::Error { .. }));
    assert_eq!(attr(&span, "error.type"), Some(Value::from("500")));
    assert_eq!(
        attr(&span, "http.response.status_code"),
        Some(Value::I64(500))
    );
    h.spans.reset();
    let response = app(&h)
        .oneshot(Request::get("/nowhere").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let span = h.only(SpanKind::Server);
    assert_eq!(
        span.name,
        expected_name(&conventions::HTTP_SERVER_NAME, HTTP_SERVER_UNROUTED).as_str()
    );
    assert_eq!(attr(&span, "http.route"), None);
}

#[tokio::test]
async fn server_layer_wraps_a_plain_tower_service() {
    // Hyper services are tower services over `http` requests: no router, no route.
    let h = Harness::new();
    let service = HttpServerLayer::with_instruments(h.instruments.clone()).layer(
        tower::service_fn(|_req: Request<Body>| async {
            Ok::<_, std::convert::Infallible>(Response::new(Body::empty()))
        }),
    );
    let request = Request::get("/orders/7")
        .header("traceparent", traceparent(true))
        .body(Body::empty())
        .unwrap();
    let response = service.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let span = h.only(SpanKind::Server);
    assert_eq!(
        span.name,
        expected_name(&conventions::HTTP_SERVER_NAME, HTTP_SERVER_UNROUTED).as_str()
    );
    if !trust::public_route("/orders/7") {
        assert_eq!(span.parent_span_id.to_string(), PARENT_SPAN);
    }
    assert_eq!(attr(&span, "http.route"), None);
    assert_eq!(
        attr(&span, "http.response.status_code"),
        Some(Value::I64(200))
    );
}

#[tokio::test]
async fn configured_server_address_goes_to_spans_and_metrics() {
    let h = Harness::new();
    let app = Router::new()
        .route("/orders/{id}", get(|| async { "ok" }))
        .layer(
            HttpServerLayer::with_instruments(h.instruments.clone())
                .with_server_address("orders.internal", 8443),
        );
    let request = Request::get("/orders/1")
        .header("host", "attacker.example:1")
        .body(Body::empty())
        .unwrap();
    app.oneshot(request).await.unwrap();
    let span = h.only(SpanKind::Server);
    assert_eq!(
        attr(&span, "server.address"),
        Some(Value::from("orders.internal"))
    );
    assert_eq!(attr(&span, "server.port"), Some(Value::I64(8443)));
    let points = h.histogram_points(conventions::HTTP_SERVER_DURATION);
    assert_eq!(points.len(), 1);
    assert!(points[0].contains(&KeyValue::new("server.port", 8443_i64)));
}

#[tokio::test]
async fn unsampled_parent_and_kill_switch_drop_spans() {
    let h = Harness::new();
    let request = Request::get("/orders/1")
        .header("traceparent", traceparent(false))
        .body(Body::empty())
        .unwrap();
    app(&h).oneshot(request).await.unwrap();
    // A public boundary ignores the unsampled parent and samples at ratio 1.
    let public = trust::public_route("/orders/{id}");
    assert_eq!(h.finished().len(), usize::from(public));
    h.levers.set_enabled(false);
    app(&h)
        .oneshot(Request::get("/orders/1").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let request = Request::get("/orders/1")
        .header("traceparent", traceparent(true))
        .body(Body::empty())
        .unwrap();
    app(&h).oneshot(request).await.unwrap();
    assert_eq!(
        h.finished().len(),
        usize::from(public),
        "kill switch must drop even sampled parents"
    );
    h.levers.set_enabled(true);
    h.levers.set_ratio(0.0);
    app(&h)
        .oneshot(Request::get("/orders/1").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(
        h.finished().len(),
        usize::from(public),
        "run-time ratio 0 drops root spans"
    );
    h.levers.reset_ratio();
    h.levers.set_base_ratio(1.0);
    app(&h)
        .oneshot(Request::get("/orders/1").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(h.finished().len(), 1 + usize::from(public));
}

#[test]
fn ratio_arithmetic_matches_the_shared_rule() {
    let id = |low: u64| {
        TraceId::from_bytes({
            let mut b = [0u8; 16];
            b[8..].copy_from_slice(&low.to_be_bytes());
            b
        })
    };
    assert!(sampler::ratio_admits(id(u64::MAX), 1.0));
    assert!(!sampler::ratio_admits(id(0), 0.0));
    assert!(!sampler::ratio_admits(id(0), -1.0));
    assert!(!sampler::ratio_admits(id(0), f64::NAN));
    // bound = 0.5 * 2^63 = 2^62; x = low >> 1.
    assert!(sampler::ratio_admits(id((1u64 << 63) - 2), 0.5));
    assert!(!sampler::ratio_admits(id(1u64 << 63), 0.5));
    assert!(!sampler::ratio_admits(id(1), 1e-300));
    // Either side of the bound, whatever the lowest bit: x = bound - 1 is
    // sampled, x = bound and x = bound + 1 are not.
    for ratio in [0.5, 0.25, 0.1, 1e-9, 0.999999] {
        let bound = (ratio * 2f64.powi(63)) as u64;
        for lsb in [0, 1] {
            let low = |x: u64| (x << 1) | lsb;
            assert!(sampler::ratio_admits(id(low(bound - 1)), ratio), "{ratio}");
            assert!(!sampler::ratio_admits(id(low(bound)), ratio), "{ratio}");
            assert!(!sampler::ratio_admits(id(low(bound + 1)), ratio), "{ratio}");
        }
    }
}

#[test]
fn route_ratios_apply_to_root_spans_only() {
    static ROUTES: &[rules::RouteRatio] = &[rules::RouteRatio {
        method: Some("GET"),
        route: "/never",
        ratio: 0.0,
    }];
    let levers = Levers::new(true, 1.0);
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_sampler(Sampler::with_routes(levers.clone(), ROUTES))
        .with_simple_exporter(exporter.clone())
        .build();
    let tracer = opentelemetry::trace::TracerProvider::tracer(&provider, "t");
    let attrs = vec![
        KeyValue::new("http.request.method", "GET"),
        KeyValue::new("http.route", "/never"),
    ];
    tracer
        .span_builder("root")
        .with_attributes(attrs.clone())
        .start(&tracer);
    assert!(exporter.get_finished_spans().unwrap().is_empty());
    let child = tracer
        .span_builder("child")
        .with_attributes(attrs)
        .start_with_context(&tracer, &remote_parent(true));
    drop(child);
    assert_eq!(exporter.get_finished_spans().unwrap().len(), 1);
}

struct Recorder(Arc<Mutex<Vec<u8>>>);

impl Write for Recorder {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn log_lines_inside_a_span_carry_the_conventions_fields() {
    use tracing_subscriber::layer::SubscriberExt as _;
    let h = Harness::new();
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let logs = LogLayer::with_writer(Box::new(Recorder(buffer.clone())), true);
    let flusher = logs.flusher();
    let subscriber = tracing_subscriber::registry().with(logs);
    let span = h.instruments.tracer.start("work");
    let cx = Context::current_with_span(span);
    let (trace_id, span_id) = (
        cx.span().span_context().trace_id(),
        cx.span().span_context().span_id(),
    );
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!("outside");
        let _guard = cx.clone().attach();
        tracing::info!(order = 7, "inside");
    });
    assert!(flusher.flush(Duration::from_secs(5)));
    let text = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].get(conventions::LOG_FIELD_TRACE_ID).is_none());
    assert_eq!(lines[1]["message"], "inside");
    assert_eq!(lines[1]["order"], 7);
    assert_eq!(
        lines[1][conventions::LOG_FIELD_TRACE_ID],
        trace_id.to_string()
    );
    assert_eq!(
        lines[1][conventions::LOG_FIELD_SPAN_ID],
        span_id.to_string()
    );
    assert_eq!(lines[1][conventions::LOG_FIELD_TRACE_FLAGS], "01");
}

#[test]
fn redaction_applies_the_privacy_actions_before_export() {
    let h = Harness::new();
    let mut attributes: Vec<KeyValue> = conventions::REDACTIONS
        .iter()
        .map(|(key, _)| KeyValue::new(*key, "jane@example.com"))
        .collect();
    attributes.push(KeyValue::new("scaffold.test.kept", "visible"));
    let span = h
        .instruments
        .tracer
        .span_builder("redacted")
        .with_attributes(attributes)
        .start(&h.instruments.tracer);
    drop(span);
    let span = h.only(SpanKind::Internal);
    assert_eq!(
        attr(&span, "scaffold.test.kept"),
        Some(Value::from("visible"))
    );
    for (key, action) in conventions::REDACTIONS {
        let value = attr(&span, key);
        match action {
            Action::Drop => assert_eq!(value, None, "{key} must be dropped"),
            Action::Hash => assert_eq!(
                value,
                Some(Value::from(redact::hmac_sha256_hex(
                    TEST_KEY,
                    b"jane@example.com"
                ))),
                "{key}"
            ),
            Action::Redact => assert_eq!(value, Some(Value::from(redact::MASK)), "{key}"),
        }
    }
    // RFC 4231, test case 2.
    assert_eq!(
        redact::hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    // RFC 4231, test case 6: a key longer than the block.
    assert_eq!(
        redact::hmac_sha256_hex(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First"
        ),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
}

async fn echo_headers_server() -> (String, Arc<Mutex<Option<HeaderMap>>>) {
    let seen = Arc::new(Mutex::new(None));
    let store = seen.clone();
    let router = Router::new().route(
        "/stock/{id}",
        get(move |headers: HeaderMap| {
            let store = store.clone();
            async move {
                *store.lock().unwrap() = Some(headers);
                "in stock"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{address}"), seen)
}

fn baggage_context(parent: Context) -> Context {
    let mut entries: Vec<KeyValue> = conventions::BAGGAGE_ALLOW
        .iter()
        .map(|k| KeyValue::new(*k, "allowed"))
        .collect();
    assert!(!conventions::BAGGAGE_ALLOW.contains(&"scaffold.test.denied"));
    entries.push(KeyValue::new("scaffold.test.denied", "secret"));
    parent.with_baggage(entries)
}

fn baggage_keys(headers: &HeaderMap) -> Vec<String> {
    let Some(value) = headers.get("baggage") else {
        return Vec::new();
    };
    value
        .to_str()
        .unwrap()
        .split(',')
        .map(|e| e.split('=').next().unwrap().trim().to_owned())
        .collect()
}

#[tokio::test]
async fn reqwest_client_injects_context_and_only_allowed_baggage() {
    let h = Harness::new();
    let (base, seen) = echo_headers_server().await;
    client::install_tls_provider();
    let client = HttpClient::with_instruments(reqwest::Client::new(), h.instruments.clone());
    let cx = baggage_context(remote_parent(true));
    let response = {
        let _guard = cx.attach();
        client.get(&format!("{base}/stock/9")).send().await.unwrap()
    };
    assert_eq!(response.status(), 200);
    let span = h.only(SpanKind::Client);
    assert_eq!(span.parent_span_id.to_string(), PARENT_SPAN);
    assert_eq!(
        attr(&span, "http.response.status_code"),
        Some(Value::I64(200))
    );
    let headers = seen.lock().unwrap().clone().expect("downstream was called");
    let expected = format!("00-{PARENT_TRACE}-{}-01", span.span_context.span_id());
    assert_eq!(headers.get("traceparent").unwrap(), expected.as_str());
    let mut keys = baggage_keys(&headers);
    keys.sort();
    let mut allowed: Vec<String> = conventions::BAGGAGE_ALLOW
        .iter()
        .take(conventions::BAGGAGE_MAX_ENTRIES)
        .map(|k| k.to_string())
        .collect();
    allowed.sort();
    assert_eq!(keys, allowed);
    assert_eq!(
        h.histogram_points(conventions::HTTP_CLIENT_DURATION).len(),
        1
    );
}

#[tokio::test]
async fn tower_client_layer_injects_context() {
    let h = Harness::new();
    let seen = Arc::new(Mutex::new(None));
    let store = seen.clone();
    let inner = tower::service_fn(move |req: Request<Body>| {
        *store.lock().unwrap() = Some(req.headers().clone());
        async move {
            Ok::<_, std::convert::Infallible>(
                Response::builder().status(503).body(Body::empty()).unwrap(),
            )
        }
    });
    let service = HttpClientLayer::with_instruments(h.instruments.clone()).layer(inner);
    let cx = baggage_context(remote_parent(true));
    let request = Request::get("http://127.0.0.1:9/x")
        .body(Body::empty())
        .unwrap();
    let response = {
        let _guard = cx.attach();
        service.oneshot(request).await.unwrap()
    };
    assert_eq!(response.status(), 503);
    let span = h.only(SpanKind::Client);
    assert_eq!(
        span.name,
        expected_name(&conventions::HTTP_CLIENT_NAME, HTTP_CLIENT_KNOWN).as_str()
    );
    assert!(matches!(span.status, Status::Error { .. }));
    let headers = seen.lock().unwrap().clone().unwrap();
    assert!(headers
        .get("traceparent")
        .unwrap()
        .to_str()
        .unwrap()
        .contains(&span.span_context.span_id().to_string()));
    assert!(!baggage_keys(&headers).contains(&"scaffold.test.denied".to_owned()));
}

/// `url.scheme` is Opt-In on client spans and `http.client.request.duration`:
/// not recorded, as in Go. `error.type` of a failed call is `timeout` for a timeout,
/// else `_OTHER`, the values Go records.
#[tokio::test]
async fn client_error_types_and_no_scheme_on_the_duration() {
    let h = Harness::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refused = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    let hang = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hang_url = format!("http://{}/", hang.local_addr().unwrap());
    let _held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = hang.accept().await {
            open.push(socket);
        }
    });
    client::install_tls_provider();
    let plain = reqwest::Client::new();
    let quick = reqwest::Client::builder()
        .timeout(std::time::Duration::from_millis(50))
        .build()
        .unwrap();
    let traced = HttpClient::with_instruments(plain, h.instruments.clone());
    assert!(traced.get(&refused).send().await.is_err());
    let traced = HttpClient::with_instruments(quick, h.instruments.clone());
    assert!(traced.get(&hang_url).send().await.is_err());
    let spans = h.finished();
    let types: Vec<_> = spans
        .iter()
        .map(|s| (attr(s, "error.type"), attr(s, "url.scheme")))
        .collect();
    assert_eq!(
        types,
        [
            (Some(Value::from("_OTHER")), None),
            (Some(Value::from("timeout")), None)
        ]
    );
    let mut points = h.histogram_points(conventions::HTTP_CLIENT_DURATION);
    points.sort_by_key(|p| format!("{p:?}"));
    assert_eq!(points.len(), 2);
    for point in &points {
        assert!(point.iter().all(|kv| kv.key.as_str() != "url.scheme"));
    }
    let errors: Vec<_> = points
        .iter()
        .filter_map(|p| p.iter().find(|kv| kv.key.as_str() == "error.type"))
        .map(|kv| kv.value.as_str().into_owned())
        .collect();
    assert_eq!(errors.len(), 2);
    assert!(errors.contains(&"timeout".to_owned()) && errors.contains(&"_OTHER".to_owned()));
}

#[tokio::test]
async fn spawned_tasks_keep_the_span() {
    let h = Harness::new();
    let span = h.instruments.tracer.start("parent");
    let cx = Context::current_with_span(span);
    let expected = cx.span().span_context().span_id();
    let handle = {
        let _guard = cx.clone().attach();
        spawn(async { Context::current().span().span_context().span_id() })
    };
    assert_eq!(handle.await.unwrap(), expected);
}

fn admin_request(method: &str, headers: &[(&str, &str)], body: &str) -> Request<Body> {
    let mut builder = Request::builder()
        .method(method)
        .uri(conventions::ADMIN_PATH);
    if !headers
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("host"))
    {
        builder = builder.header("host", "127.0.0.1:7465");
    }
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let mut request = builder.body(Body::from(body.to_owned())).unwrap();
    request
        .extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [127, 0, 0, 1],
            40000,
        ))));
    request
}

const ADMIN_JSON: &[(&str, &str)] = &[
    ("authorization", "Bearer sesame"),
    ("content-type", "application/json"),
];

#[tokio::test]
async fn admin_endpoint_reads_and_changes_the_levers() {
    let levers = Levers::new(true, 0.25);
    let router = control::admin_router(levers.clone(), Some(b"sesame".to_vec()));
    let send = |request: Request<Body>| {
        let router = router.clone();
        async move { router.oneshot(request).await.unwrap().status() }
    };
    let read = admin_request("GET", &[("authorization", "Bearer sesame")], "");
    assert_eq!(send(read).await, StatusCode::OK);
    let change = r#"{"enabled":false,"ratio":0.5}"#;
    assert_eq!(
        send(admin_request("POST", ADMIN_JSON, change)).await,
        StatusCode::OK
    );
    assert!(!levers.enabled());
    assert_eq!(levers.ratio(), 0.5);
    for bad in [r#"{"ratio":2}"#, r#"{"enabeld":true}"#, "[]", "{"] {
        assert_eq!(
            send(admin_request("POST", ADMIN_JSON, bad)).await,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    assert!(!levers.enabled(), "a refused change changes nothing");
    let reset = r#"{"ratio":null,"enabled":true}"#;
    assert_eq!(
        send(admin_request("PUT", ADMIN_JSON, reset)).await,
        StatusCode::OK
    );
    assert!(levers.enabled());
    assert_eq!(levers.ratio(), 0.25);
}

#[tokio::test]
async fn admin_endpoint_refuses_what_a_browser_or_a_stranger_sends() {
    let levers = Levers::new(true, 0.25);
    let router = control::admin_router(levers.clone(), Some(b"sesame".to_vec()));
    let send = |request: Request<Body>| {
        let router = router.clone();
        async move { router.oneshot(request).await.unwrap().status() }
    };
    let off = r#"{"enabled":false}"#;
    let cases: &[(&[(&str, &str)], StatusCode)] = &[
        (
            &[("content-type", "application/json")],
            StatusCode::UNAUTHORIZED,
        ),
        (
            &[
                ("authorization", "Bearer sesamE"),
                ("content-type", "application/json"),
            ],
            StatusCode::UNAUTHORIZED,
        ),
        (
            &[
                ("authorization", "Bearer sesame"),
                ("content-type", "text/plain"),
            ],
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            &[
                ("authorization", "Bearer sesame"),
                ("content-type", "application/json"),
                ("origin", "http://evil.example"),
            ],
            StatusCode::FORBIDDEN,
        ),
        (
            &[
                ("authorization", "Bearer sesame"),
                ("content-type", "application/json"),
                ("sec-fetch-site", "cross-site"),
            ],
            StatusCode::FORBIDDEN,
        ),
    ];
    for (headers, status) in cases {
        assert_eq!(
            send(admin_request("POST", headers, off)).await,
            *status,
            "{headers:?}"
        );
    }
    let big = " ".repeat(control::MAX_BODY + 1);
    assert_eq!(
        send(admin_request("POST", ADMIN_JSON, &big)).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert!(levers.enabled(), "nothing refused changed the levers");
    let untokened = control::admin_router(levers.clone(), None);
    let status = untokened
        .oneshot(admin_request(
            "POST",
            &[
                ("authorization", "Bearer "),
                ("content-type", "application/json"),
            ],
            off,
        ))
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(levers.enabled());
    assert!(control::constant_time_eq(b"abc", b"abc"));
    assert!(!control::constant_time_eq(b"abc", b"abd"));
    assert!(!control::constant_time_eq(b"abc", b"abcd"));
}

#[tokio::test]
async fn admin_listener_closes_slow_connections() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let (address, task) = control::serve_admin(Levers::new(true, 1.0), "127.0.0.1:0")
        .await
        .unwrap();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"POST /-/telemetry HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 64];
    let closed = tokio::time::timeout(
        control::CONNECTION_TIMEOUT + Duration::from_secs(5),
        stream.read(&mut buf),
    )
    .await;
    task.abort();
    assert!(closed.is_ok(), "the connection stayed open");
    assert!(started.elapsed() <= control::CONNECTION_TIMEOUT + Duration::from_secs(1));
}

#[tokio::test]
async fn watched_file_changes_the_levers() {
    let dir = std::env::temp_dir().join(format!("telemetry-control-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("control.json");
    std::fs::write(&path, r#"{"enabled": false}"#).unwrap();
    let levers = Levers::new(true, 1.0);
    let task = control::watch_file(levers.clone(), path.clone(), Duration::from_millis(20));
    let deadline = Instant::now() + Duration::from_secs(5);
    while levers.enabled() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!levers.enabled());
    std::fs::write(&path, r#"{"enabled": true, "ratio": 0.125}"#).unwrap();
    while levers.ratio() != 0.125 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    task.abort();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(levers.enabled());
    assert_eq!(levers.ratio(), 0.125);
}

#[derive(Debug)]
struct StalledExporter;

impl SpanExporter for StalledExporter {
    async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
        std::thread::sleep(Duration::from_secs(30));
        Ok(())
    }
}

#[test]
fn guard_flush_and_shutdown_are_bounded_when_the_collector_hangs() {
    let provider = SdkTracerProvider::builder()
        .with_span_processor(
            opentelemetry_sdk::trace::BatchSpanProcessor::builder(StalledExporter).build(),
        )
        .build();
    let tracer = opentelemetry::trace::TracerProvider::tracer(&provider, "t");
    drop(tracer.start("queued"));
    let guard = TelemetryGuard::new(Some(provider), None, Duration::from_millis(300));
    let started = Instant::now();
    assert!(matches!(
        guard.flush_blocking(),
        Err(TelemetryError::Timeout(_))
    ));
    assert!(guard.shutdown_blocking().is_err());
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn start_levers_follow_the_environment_and_the_incident_variables() {
    let (env, ratio) = conventions::ENVIRONMENT_RATIOS[0];
    let vars = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            if name == conventions::ENVIRONMENT_VARIABLE {
                return Some(env.to_owned());
            }
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    };
    let start = |getenv: &dyn Fn(&str) -> Option<String>| {
        let mut w = settings::Warnings::default();
        let (enabled, choice) = init::start_levers(getenv, &mut w);
        (enabled, choice.ratio, choice.parent_based, w.0)
    };
    assert_eq!(start(&vars(&[])), (true, ratio, true, vec![]));
    let kill: &'static [(&'static str, &'static str)] = Box::leak(Box::new([
        (conventions::KILL_SWITCH_ENV, "true"),
        (conventions::RATIO_ENV, "0.25"),
    ]));
    assert_eq!(start(&vars(kill)), (false, 0.25, true, vec![]));
    let bad: &'static [(&'static str, &'static str)] =
        Box::leak(Box::new([(conventions::RATIO_ENV, "2")]));
    let (enabled, r, _, warnings) = start(&vars(bad));
    assert!(enabled);
    assert_eq!(r, ratio, "a bad ratio keeps the environment's");
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].variable, conventions::RATIO_ENV);
    assert_eq!(warnings[0].value, "2");
    let unknown = |name: &str| {
        (name == conventions::ENVIRONMENT_VARIABLE).then(|| "\u{1F600}-nowhere".to_owned())
    };
    let lowest = conventions::ENVIRONMENT_RATIOS
        .iter()
        .map(|(_, r)| *r)
        .fold(1.0_f64, f64::min);
    let (_, r, _, warnings) = start(&unknown);
    assert_eq!(r, lowest);
    assert_eq!(warnings[0].variable, conventions::ENVIRONMENT_VARIABLE);
    // The kill switch is a boolean as the specification and the Go package
    // read one: `true` in any case is on; `1` is no boolean, warned about
    // and taken as false (it switched tracing off here before, not in Go).
    for (value, on, warned) in [("TRUE", false, 0), ("tRuE", false, 0), ("1", true, 1)] {
        let pairs: &'static [(&'static str, &'static str)] =
            Box::leak(Box::new([(conventions::KILL_SWITCH_ENV, value)]));
        let (enabled, _, _, warnings) = start(&vars(pairs));
        assert_eq!((enabled, warnings.len()), (on, warned), "{value}");
        if warned > 0 {
            assert_eq!(warnings[0].used, "false");
        }
    }
}

#[test]
fn sampler_variables_follow_the_specification() {
    let (env, ratio) = conventions::ENVIRONMENT_RATIOS[0];
    let run = |sampler: &'static str, arg: Option<&'static str>| {
        let getenv = move |name: &str| match name {
            "OTEL_TRACES_SAMPLER" => Some(sampler.to_owned()),
            "OTEL_TRACES_SAMPLER_ARG" => arg.map(str::to_owned),
            n if n == conventions::ENVIRONMENT_VARIABLE => Some(env.to_owned()),
            _ => None,
        };
        let mut w = settings::Warnings::default();
        let choice = settings::sampler(&getenv, &mut w);
        (choice.parent_based, choice.ratio, w.0.len())
    };
    assert_eq!(run("always_on", None), (false, 1.0, 0));
    assert_eq!(run("ALWAYS_OFF", None), (false, 0.0, 0));
    assert_eq!(run("traceidratio", Some("0.5")), (false, 0.5, 0));
    assert_eq!(run("parentbased_traceidratio", Some("0.5")), (true, 0.5, 0));
    assert_eq!(run("parentbased_always_off", None), (true, 0.0, 0));
    for bad in ["1.5", "", "0.1x"] {
        let leaked: &'static str = Box::leak(bad.to_owned().into_boxed_str());
        let (_, r, warned) = run("traceidratio", Some(leaked));
        assert_eq!(r, ratio, "{bad:?}");
        assert_eq!(warned, usize::from(!bad.is_empty()), "{bad:?}");
    }
    for unsupported in ["jaeger_remote", "xray", "nonsense"] {
        assert_eq!(run(unsupported, None), (true, ratio, 1), "{unsupported}");
    }
}

#[tokio::test]
async fn samplers_that_are_not_parent_based_ignore_the_parent() {
    let h = Harness::new();
    h.levers.set_parent_based(false);
    h.levers.set_base_ratio(0.0);
    let request = Request::get("/orders/1")
        .header("traceparent", traceparent(true))
        .body(Body::empty())
        .unwrap();
    app(&h).oneshot(request).await.unwrap();
    assert!(h.finished().is_empty(), "always_off drops a sampled parent");
    h.levers.set_base_ratio(1.0);
    let request = Request::get("/orders/1")
        .header("traceparent", traceparent(false))
        .body(Body::empty())
        .unwrap();
    app(&h).oneshot(request).await.unwrap();
    assert_eq!(
        h.finished().len(),
        1,
        "always_on samples an unsampled parent"
    );
}

/// A policy with the semantic conventions' sensitive query parameters,
/// whatever the conventions file lists.
fn url_policy() -> redact::Policy {
    redact::Policy::new(
        conventions::redaction,
        Some(TEST_KEY.to_vec()),
        &["AWSAccessKeyId", "Signature", "sig", "X-Goog-Signature"],
    )
}

#[test]
fn urls_are_cleaned_as_the_semantic_conventions_say() {
    let p = redact::Policy::new(
        conventions::redaction,
        Some(TEST_KEY.to_vec()),
        &["AWSAccessKeyId", "Signature", "sig", "X-Goog-Signature"],
    );
    assert_eq!(
        p.url("https://user:pw@example.com:8443/a?sig=abc&x=1#frag"),
        "https://REDACTED:REDACTED@example.com:8443/a?sig=REDACTED&x=1#frag"
    );
    assert_eq!(
        p.url("http://example.com/a?x=1"),
        "http://example.com/a?x=1"
    );
    assert_eq!(
        p.text("error sending request for url (http://u:SECRET@127.0.0.1:9/fail?Signature=S&x=1)"),
        "error sending request for url (http://REDACTED:REDACTED@127.0.0.1:9/fail?Signature=REDACTED&x=1)"
    );
    assert_eq!(
        p.query("AWSAccessKeyId=k&sig"),
        "AWSAccessKeyId=REDACTED&sig"
    );
    // A server decodes `%73ig` to `sig`; every repeat of a name is cleaned.
    assert_eq!(
        p.url("http://h/a?%73ig=S1&sig=S2&x=1&%53ignature=S3"),
        "http://h/a?%73ig=REDACTED&sig=REDACTED&x=1&%53ignature=REDACTED"
    );
    // An IPv6 host in free text, and userinfo without a password.
    assert_eq!(
        p.text("failed: http://u:SECRET@[::1]:9/fail?sig=S (refused)"),
        "failed: http://REDACTED:REDACTED@[::1]:9/fail?sig=REDACTED (refused)"
    );
    assert_eq!(
        p.text("GET https://TOKEN@example.com/x"),
        "GET https://REDACTED:REDACTED@example.com/x"
    );
    // Any text attribute carrying a URL (exception.message, for one).
    let mut attributes = vec![
        KeyValue::new("exception.message", "for url (http://u:SECRET@h/a?sig=S)"),
        KeyValue::new("app.plain", "no url here"),
    ];
    p.apply(&mut attributes);
    // ')' does not end a URL (a path may hold one), so the masked value
    // takes it: masking a little more is safer than leaving part of a secret.
    assert_eq!(
        attributes[0].value.as_str(),
        "for url (http://REDACTED:REDACTED@h/a?sig=REDACTED"
    );
    assert_eq!(attributes[1].value.as_str(), "no url here");
    let unkeyed = redact::Policy::new(conventions::redaction, None, &[]);
    for (key, action) in conventions::REDACTIONS {
        if *action == Action::Hash {
            assert_eq!(
                unkeyed.value(key, &Value::from("v")),
                None,
                "{key}: no key drops"
            );
        }
    }
}

#[test]
fn the_hash_key_comes_from_the_variable_or_its_file() {
    let dir = std::env::temp_dir().join(format!("scaffold-key-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("key");
    std::fs::write(&file, "from-file\n").unwrap();
    let path = file.display().to_string();
    let from_file = move |name: &str| (name == "K_FILE").then(|| path.clone());
    assert_eq!(
        redact::read_key("K", &from_file).unwrap(),
        Some(b"from-file".to_vec())
    );
    let direct = |name: &str| (name == "K").then(|| "direct".to_owned());
    assert_eq!(
        redact::read_key("K", &direct).unwrap(),
        Some(b"direct".to_vec())
    );
    assert_eq!(redact::read_key("K", &|_| None).unwrap(), None);
    let missing = |name: &str| (name == "K_FILE").then(|| "/nonexistent/key".to_owned());
    assert!(redact::read_key("K", &missing).is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn name_rules_fill_the_template_or_fall_back() {
    use super::rules::{NameRule, Part};
    let rule = NameRule {
        template: &[Part::Text("send "), Part::Attr("a")],
        chain: &[],
        fallback: &[Part::Text("send")],
    };
    assert_eq!(rule.render(|key| (key == "a").then_some("q")), "send q");
    assert_eq!(rule.render(|_| None), "send");
    assert_eq!(rule.render(|key| (key == "a").then_some("")), "send");
    let bare = NameRule {
        template: rule.template,
        chain: &[],
        fallback: rule.template,
    };
    // The first step of the chain whose attributes are all known wins.
    let chained = NameRule {
        template: &[Part::Attr("s")],
        chain: &[
            &[Part::Attr("o"), Part::Text(" "), Part::Attr("c")],
            &[Part::Attr("o")],
        ],
        fallback: &[Part::Attr("sys")],
    };
    let known = |pairs: &'static [(&'static str, &'static str)]| {
        move |key: &str| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    };
    assert_eq!(
        chained.render(known(&[("s", "sum"), ("o", "SELECT")])),
        "sum"
    );
    assert_eq!(
        chained.render(known(&[("o", "SELECT"), ("c", "orders")])),
        "SELECT orders"
    );
    assert_eq!(
        chained.render(known(&[("o", "SELECT"), ("sys", "pg")])),
        "SELECT"
    );
    assert_eq!(chained.render(known(&[("sys", "pg")])), "pg");
    assert_eq!(bare.render(|_| None), "send ");
}

#[test]
fn b3_headers_round_trip() {
    use opentelemetry::propagation::TextMapPropagator as _;
    use std::collections::HashMap;
    let b3 = b3::B3::multi();
    let mut carrier = HashMap::new();
    b3.inject_context(&remote_parent(true), &mut carrier);
    assert_eq!(carrier.get("x-b3-traceid").unwrap(), PARENT_TRACE);
    assert_eq!(carrier.get("x-b3-spanid").unwrap(), PARENT_SPAN);
    assert_eq!(carrier.get("x-b3-sampled").unwrap(), "1");
    let cx = b3.extract(&carrier);
    assert_eq!(
        cx.span().span_context().trace_id().to_string(),
        PARENT_TRACE
    );
    assert!(cx.span().span_context().is_sampled());
    let single = HashMap::from([(
        "b3".to_owned(),
        format!("{}-{PARENT_SPAN}-0", &PARENT_TRACE[16..]),
    )]);
    let cx = b3.extract(&single);
    let sc = cx.span().span_context().clone();
    assert_eq!(
        sc.trace_id().to_string(),
        format!("{:0>32}", &PARENT_TRACE[16..])
    );
    assert!(!sc.is_sampled());
    let bad = HashMap::from([("b3".to_owned(), "zz-yy-1".to_owned())]);
    assert!(!b3.extract(&bad).span().span_context().is_valid());
}

#[test]
fn request_address_keeps_an_unbracketed_ipv6_address_whole() {
    use super::address::request_address;
    assert_eq!(
        request_address("2001:db8::1", false),
        Some(("2001:db8::1", Some(80)))
    );
    assert_eq!(
        request_address("[2001:db8::1]:8443", false),
        Some(("2001:db8::1", Some(8443)))
    );
    assert_eq!(
        request_address("[2001:db8::1]", true),
        Some(("2001:db8::1", Some(443)))
    );
    assert_eq!(
        request_address("api.example.com:80", false),
        Some(("api.example.com", Some(80)))
    );
    assert_eq!(request_address(":8080", false), None);
}

#[test]
fn export_timeouts_are_checked() {
    let getenv = |name: &str| match name {
        "OTEL_BSP_EXPORT_TIMEOUT" => Some("soon".to_owned()),
        "OTEL_METRIC_EXPORT_TIMEOUT" => Some("later".to_owned()),
        _ => None,
    };
    let mut w = settings::Warnings::default();
    settings::check_batch(&getenv, &mut w);
    let named: Vec<(&str, &str)> =
        w.0.iter()
            .map(|w| (w.variable.as_str(), w.value.as_str()))
            .collect();
    assert_eq!(
        named,
        [
            ("OTEL_BSP_EXPORT_TIMEOUT", "soon"),
            ("OTEL_METRIC_EXPORT_TIMEOUT", "later")
        ]
    );
}

#[test]
fn exporter_variables_are_checked() {
    let run = |value: &'static str, console: bool| {
        let getenv = move |name: &str| (name == "V").then(|| value.to_owned());
        let mut w = settings::Warnings::default();
        let e = settings::exporters(&getenv, "V", console, &mut w);
        (e.otlp, e.console, w.0.len())
    };
    assert_eq!(run("", true), (true, false, 0));
    assert_eq!(run(" none ", false), (false, false, 0));
    assert_eq!(run("console", true), (false, true, 0));
    assert_eq!(run("otlp,console", true), (true, true, 0));
    assert_eq!(run("OTLP", true), (true, false, 0));
    assert_eq!(run("console", false), (true, false, 2));
    assert_eq!(run("zipkin", true), (true, false, 2));
    assert_eq!(run("otlp,none", true), (true, false, 1));
    assert_eq!(run("none,console,none", true), (false, true, 1));
    assert_eq!(run("none,zipkin", true), (false, false, 1));
    let protocol = |value: &'static str| {
        let getenv =
            move |name: &str| (name == "OTEL_EXPORTER_OTLP_PROTOCOL").then(|| value.to_owned());
        let mut w = settings::Warnings::default();
        (settings::protocol(&getenv, "TRACES", &mut w), w.0.len())
    };
    use super::rules::Protocol;
    let grpc = if otlp::GRPC_BUILT_IN {
        (Protocol::Grpc, 0)
    } else {
        (Protocol::HttpProtobuf, 1)
    };
    assert_eq!(protocol("grpc"), grpc);
    assert_eq!(protocol("HTTP/PROTOBUF"), (Protocol::HttpProtobuf, 0));
    assert_eq!(protocol("http/json"), (Protocol::HttpProtobuf, 1));
    assert_eq!(
        protocol("carrier-pigeon"),
        (conventions::EXPORT_PROTOCOL, 1)
    );
}

/// Without the OTLP/gRPC exporter (no `grpc` part, conventions exporting over
/// HTTP) `grpc` is reported and `http/protobuf` used, as in Go.
#[test]
fn grpc_without_the_grpc_exporter_is_reported_and_http_is_used() {
    use super::rules::Protocol;
    let getenv = |name: &str| (name == "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL").then(|| "grpc".into());
    let mut w = settings::Warnings::default();
    let used = settings::protocol_built_in(&getenv, "TRACES", &mut w, false);
    assert_eq!(used, Protocol::HttpProtobuf);
    assert_eq!(w.0.len(), 1);
    assert_eq!(w.0[0].variable, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
    assert!(w.0[0].used.contains("--with grpc"), "{:?}", w.0[0].used);
    let mut w = settings::Warnings::default();
    let used = settings::protocol_built_in(&getenv, "TRACES", &mut w, true);
    assert_eq!((used, w.0.len()), (Protocol::Grpc, 0));
    let mut w = settings::Warnings::default();
    let expected = if otlp::GRPC_BUILT_IN {
        Protocol::Grpc
    } else {
        Protocol::HttpProtobuf
    };
    assert_eq!(settings::protocol(&getenv, "TRACES", &mut w), expected);
}

#[tokio::test]
async fn switched_off_clients_pass_the_context_through_unchanged() {
    let h = Harness::new();
    let (base, seen) = echo_headers_server().await;
    client::install_tls_provider();
    let client = HttpClient::with_instruments(reqwest::Client::new(), h.instruments.clone());
    h.levers.set_enabled(false);
    let cx = remote_parent(true);
    {
        let _guard = cx.attach();
        client.get(&format!("{base}/stock/1")).send().await.unwrap();
    }
    let headers = seen.lock().unwrap().clone().expect("downstream was called");
    assert_eq!(
        headers.get("traceparent").unwrap(),
        traceparent(true).as_str()
    );
    h.levers.set_enabled(true);
    h.levers.set_ratio(0.0);
    client.get(&format!("{base}/stock/2")).send().await.unwrap();
    let headers = seen.lock().unwrap().clone().expect("downstream was called");
    assert!(
        headers.get("traceparent").is_none(),
        "none came in, none goes out"
    );
    assert!(h.finished().is_empty());
}

#[test]
fn span_names_and_recorded_errors_lose_url_secrets() {
    use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
    let spans = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(Redacting::with_policy(
            SimpleSpanProcessor::new(spans.clone()),
            url_policy(),
        ))
        .build();
    let tracer = provider.tracer("t");
    let mut span = tracer.start("GET http://u:SECRETMARK@h/a?sig=SECRETMARK");
    let error = std::io::Error::other("for url (http://h/a?%73ig=SECRETMARK)");
    span.record_error(&error);
    span.end();
    let spans = spans.get_finished_spans().unwrap();
    let dump = format!("{spans:?}");
    assert!(!dump.contains("SECRETMARK"), "{dump}");
    assert_eq!(
        spans[0].name,
        "GET http://REDACTED:REDACTED@h/a?sig=REDACTED"
    );
}

/// The value cap applies after the policy, to span, event and link
/// attributes alike (common/README.md, "Attribute Limits": the limits cover
/// every attribute collection, events and links included).
#[test]
fn the_value_cap_cuts_event_and_link_attributes_after_the_policy() {
    use opentelemetry::trace::{
        Link, Span as _, SpanContext, TraceFlags, TraceState, Tracer as _, TracerProvider as _,
    };
    let spans = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(
            Redacting::with_policy(SimpleSpanProcessor::new(spans.clone()), url_policy())
                .with_value_limit(26),
        )
        .build();
    let tracer = provider.tracer("t");
    let linked = SpanContext::new(
        opentelemetry::trace::TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
        opentelemetry::trace::SpanId::from_hex("00f067aa0ba902b7").unwrap(),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    );
    let target = "dial https://jane:hunter2secret@api.example/x";
    let mut span = tracer
        .span_builder("op")
        .with_links(vec![Link::new(
            linked,
            vec![KeyValue::new("app.note", "y".repeat(40))],
            0,
        )])
        .start(&tracer);
    span.set_attribute(KeyValue::new("app.target", target));
    span.set_attribute(KeyValue::new("url.full", "https://h.example/a"));
    span.add_event("e", vec![KeyValue::new("app.target", target)]);
    span.record_error(&std::io::Error::other("é".repeat(40)));
    span.end();
    let spans = spans.get_finished_spans().unwrap();
    let dump = format!("{spans:?}");
    assert!(!dump.contains("hunter2"), "{dump}");
    let s = &spans[0];
    let attr = |attrs: &[KeyValue], key: &str| {
        attrs
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.as_str().into_owned())
            .unwrap_or_else(|| panic!("{key} in {attrs:?}"))
    };
    let cut = "dial https://REDACTED:REDA";
    assert_eq!(attr(&s.attributes, "app.target"), cut);
    // What the policy puts out (a keyed hash of 64 characters with the default
    // conventions, REDACTED with others) is cut too: the cap holds for what leaves.
    let full = attr(&s.attributes, "url.full");
    assert!(full.chars().count() <= 26, "{full}");
    assert!(!full.contains("h.example"), "{full}");
    assert_eq!(attr(&s.events.events[0].attributes, "app.target"), cut);
    assert_eq!(
        attr(&s.events.events[1].attributes, "exception.message"),
        "é".repeat(26)
    );
    assert_eq!(
        attr(&s.links.links[0].attributes, "app.note"),
        "y".repeat(26)
    );
}

#[test]
fn two_traceparent_lines_are_no_parent() {
    use opentelemetry::propagation::TextMapPropagator as _;
    use opentelemetry::trace::TraceContextExt as _;
    let mut headers = HeaderMap::new();
    for trace in [
        "12345678901234567890123456789011",
        "12345678901234567890123456789012",
    ] {
        headers.append(
            "traceparent",
            format!("00-{trace}-1234567890123456-01").parse().unwrap(),
        );
    }
    headers.append("tracestate", "k=v".parse().unwrap());
    let cx = propagation::HeaderExtractor::new(&headers);
    assert_eq!(
        opentelemetry::propagation::Extractor::get(&cx, "traceparent"),
        None
    );
    let cx = super::tracecontext::W3cTraceContext::new()
        .extract(&propagation::HeaderExtractor::new(&headers));
    assert!(!cx.span().span_context().is_valid());
}

#[test]
fn a_lever_change_naming_a_field_twice_is_refused() {
    for body in [
        r#"{"enabled": true, "enabled": false}"#,
        r#"{"enabled": {}, "enabled": false}"#,
        r#"{"ratio": 1, "reset_ratio": false, "ratio": 0}"#,
    ] {
        assert!(control::parse_change(body.as_bytes()).is_err(), "{body}");
    }
    for body in [
        "{}",
        r#"{"enabled": false}"#,
        r#"{"ratio": 0.5, "enabled": true}"#,
        r#"{"a,\"b": [1, {"c": 2, "d": 3}], "e": "x,y"}"#,
    ] {
        assert!(control::parse_change(body.as_bytes()).is_ok(), "{body}");
    }
    let levers = Levers::new(true, 1.0);
    let change = control::parse_change(br#"{"Enabled": false}"#).unwrap();
    assert!(control::apply(&levers, &change, "test").is_err());
    assert!(levers.enabled());
}

#[test]
fn resource_urls_lose_their_secrets() {
    let resource = opentelemetry_sdk::Resource::builder_empty()
        .with_attributes([KeyValue::new(
            "app.callback",
            "https://u:SECRETMARK@h/cb?sig=SECRETMARK",
        )])
        .build();
    let cleaned = url_policy().resource(resource);
    let dump = format!("{cleaned:?}");
    assert!(!dump.contains("SECRETMARK"), "{dump}");
    assert!(
        dump.contains("https://REDACTED:REDACTED@h/cb?sig=REDACTED"),
        "{dump}"
    );
}

#[tokio::test]
async fn admin_bearer_scheme_is_matched_in_any_case() {
    let levers = Levers::new(true, 0.25);
    let router = control::admin_router(levers, Some(b"sesame".to_vec()));
    for (value, want) in [
        ("Bearer sesame", 200),
        ("bearer sesame", 200),
        ("BEARER sesame", 200),
        ("bEaReR   sesame ", 200),
        ("Bearer sesamE", 401),
        ("Bearersesame", 401),
        ("Bearer ", 401),
        ("Basic sesame", 401),
    ] {
        let response = router
            .clone()
            .oneshot(admin_request("GET", &[("authorization", value)], ""))
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), want, "Authorization {value:?}");
    }
    assert_eq!(control::bearer_token(b"bearer  t0k "), Some(&b"t0k"[..]));
}

#[tokio::test]
async fn admin_refuses_a_host_that_is_not_the_listener() {
    let levers = Levers::new(true, 0.25);
    let router = control::admin_router(levers.clone(), Some(b"sesame".to_vec()));
    for (host, want) in [
        ("127.0.0.1:7465", 200),
        ("[::1]:7465", 200),
        ("10.0.0.2", 200),
        ("localhost:7465", 200),
        ("LocalHost", 200),
        ("evil.example", 421),
        ("evil.example:7465", 421),
        ("127.0.0.1.nip.io", 421),
        ("", 421),
    ] {
        let headers = [
            ("host", host),
            ("authorization", "Bearer sesame"),
            ("content-type", "application/json"),
        ];
        let response = router
            .clone()
            .oneshot(admin_request("POST", &headers, r#"{"enabled": false}"#))
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), want, "Host {host:?}");
        if want != 200 {
            assert!(levers.enabled(), "a refused Host changed the levers");
        }
        levers.set_enabled(true);
    }
    assert!(control::host_allowed(
        Some("admin.internal:1"),
        "admin.internal"
    ));
    assert!(!control::host_allowed(
        Some("admin.internal.evil"),
        "admin.internal"
    ));
    assert!(!control::host_allowed(None, "admin.internal"));
}

#[tokio::test]
async fn admin_listener_caps_open_connections() {
    let (address, task) = control::serve_admin(Levers::new(true, 0.25), "127.0.0.1:0")
        .await
        .unwrap();
    let mut held = Vec::new();
    for _ in 0..control::MAX_CONNECTIONS + 8 {
        held.push(tokio::net::TcpStream::connect(address).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut open = 0;
    for stream in &mut held {
        let mut byte = [0u8; 1];
        let read = tokio::io::AsyncReadExt::read(stream, &mut byte);
        if tokio::time::timeout(Duration::from_millis(50), read)
            .await
            .is_err()
        {
            open += 1;
        }
    }
    assert_eq!(
        open,
        control::MAX_CONNECTIONS,
        "idle admin connections kept open"
    );
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "GET {} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        conventions::ADMIN_PATH
    );
    tokio::io::AsyncWriteExt::write_all(&mut stream, head.as_bytes())
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::io::AsyncReadExt::read_to_end(&mut stream, &mut answer),
    )
    .await;
    assert!(
        answer.starts_with(b"HTTP/1.1 "),
        "after the flood: {answer:?}"
    );
    task.abort();
}

#[test]
fn urls_percent_encoded_or_with_semicolons_are_cleaned_in_text() {
    let p = url_policy();
    assert_eq!(
        p.url("https://h/p?a=1;sig=S;b=2"),
        "https://h/p?a=1;sig=REDACTED;b=2"
    );
    assert_eq!(
        p.text("see https://h/p?a=1;Signature=S&sig=T now"),
        "see https://h/p?a=1;Signature=REDACTED&sig=REDACTED now"
    );
    assert_eq!(
        p.text("next=https%3A%2F%2Fuser%3Apass%40host%2Fx&y=1"),
        "next=https%3A%2F%2FREDACTED%3AREDACTED%40host%2Fx&y=1"
    );
    assert_eq!(
        p.text("go to https%3a%2f%2fh%2Fp%3Fsig%3Dabc now"),
        "go to https%3A%2F%2Fh%2Fp%3Fsig%3DREDACTED now"
    );
    assert_eq!(
        p.text("http://h/cb?next=https%3A%2F%2Fu%3Ap%40h2"),
        "http://h/cb?next=https%3A%2F%2FREDACTED%3AREDACTED%40h2"
    );
    assert_eq!(
        p.text("https%3A%2F%2Fhost%2Fplain stays"),
        "https%3A%2F%2Fhost%2Fplain stays"
    );
    let mut attributes = vec![KeyValue::new(
        "exception.message",
        "redirect to https%3A%2F%2Fu%3ASECRET%40h failed",
    )];
    p.apply(&mut attributes);
    assert!(!attributes[0].value.as_str().contains("SECRET"));
}

#[test]
fn injected_headers_carry_no_empty_tracestate_and_no_baggage_properties() {
    let mut headers = HeaderMap::new();
    propagation::inject(&remote_parent(true), &mut headers);
    if std::env::var_os("OTEL_PROPAGATORS").is_none() && conventions::PROPAGATE_TRACE_CONTEXT {
        assert!(headers.get("traceparent").is_some());
    }
    assert!(
        headers.get("tracestate").is_none(),
        "an empty tracestate was sent: {headers:?}"
    );
    let Some(key) = conventions::BAGGAGE_ALLOW.first() else {
        return;
    };
    let cx = remote_parent(true).with_baggage([opentelemetry::baggage::KeyValueMetadata::new(
        *key,
        "v1",
        "note=PIIMARK-prop",
    )]);
    let mut headers = HeaderMap::new();
    propagation::inject(&cx, &mut headers);
    let baggage = headers
        .get("baggage")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(
        !baggage.contains("PIIMARK"),
        "baggage properties left: {baggage}"
    );
    assert!(!baggage.contains(';'), "baggage properties left: {baggage}");
}

/// A subscriber as `layers` builds it (the bridge and the JSON log layer),
/// over the harness's provider, writing log lines to `buffer`.
fn bridged(
    h: &Harness,
    buffer: Arc<Mutex<Vec<u8>>>,
) -> (impl tracing::Subscriber + Send + Sync, logs::LogFlush) {
    use opentelemetry::trace::TracerProvider as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    let logs = LogLayer::with_writer(Box::new(Recorder(buffer)), true);
    let flush = logs.flusher();
    let everything = tracing_subscriber::filter::Targets::new().with_default(tracing::Level::TRACE);
    let bridge = init::bridge_layers(h.tracer_provider.tracer("test"), everything);
    (
        tracing_subscriber::registry().with(bridge).with(logs),
        flush,
    )
}

fn log_lines(buffer: &Arc<Mutex<Vec<u8>>>) -> Vec<serde_json::Value> {
    let text = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tracing::instrument(fields(step = "lookup"))]
async fn lookup(order: u32) {
    tracing::info!("looked up");
}

/// A registry attribute the request span declares for handlers to record
/// (the conventions may have none).
fn recorded_key() -> Option<&'static str> {
    let declared_by_the_layer = ["url.path", "url.query", "client.address", "server.address"];
    attributes::ALL
        .iter()
        .copied()
        .find(|key| !declared_by_the_layer.contains(key) && !key.starts_with("http."))
}

async fn bridged_handler() -> &'static str {
    use super::SpanExt as _;
    tracing::error!(reason = "stock low", "order failed");
    let span = tracing::Span::current();
    if let Some(key) = recorded_key() {
        span.record(key, "t-1");
    }
    span.set_attribute("test.set_attribute", "team");
    lookup(7).await;
    "ok"
}

#[tokio::test]
async fn the_request_span_is_the_server_span() {
    let h = Harness::new();
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let (subscriber, flush) = bridged(&h, buffer.clone());
    let _default = tracing::subscriber::set_default(subscriber);
    let app = Router::new()
        .route("/orders/{id}", get(bridged_handler))
        .layer(HttpServerLayer::with_instruments(h.instruments.clone()));
    let request = Request::get("/orders/42?page=2")
        .header("user-agent", "test-agent")
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    assert_eq!(&body[..], b"ok");
    let server = h.only(SpanKind::Server);
    assert_eq!(
        server.name,
        expected_name(&conventions::HTTP_SERVER_NAME, HTTP_SERVER_KNOWN).as_str()
    );
    assert_eq!(
        attr(&server, "http.route"),
        Some(Value::from("/orders/{id}"))
    );
    assert_eq!(
        attr(&server, "http.response.status_code"),
        Some(Value::I64(200))
    );
    assert_eq!(
        attr(&server, "user_agent.original"),
        Some(Value::from("test-agent"))
    );
    assert!(attr(&server, "url.query").is_some());
    if let Some(key) = recorded_key() {
        assert_eq!(attr(&server, key), after_privacy(key, "t-1"), "{key}");
    }
    assert_eq!(
        attr(&server, "test.set_attribute"),
        after_privacy("test.set_attribute", "team")
    );
    assert!(attr(&server, "code.file.path").is_none());
    assert_eq!(server.status, Status::Unset);
    let event = server
        .events
        .iter()
        .find(|e| e.name == "order failed")
        .expect("the handler's event on the server span");
    // `reason` is no key the conventions know: the event's field stays in the
    // log line (checked below) and out of the trace.
    assert!(!event
        .attributes
        .iter()
        .any(|kv| kv.key.as_str() == "reason"));
    let child = h
        .finished()
        .into_iter()
        .find(|s| s.name == "lookup")
        .expect("the instrumented function's span");
    assert_eq!(child.parent_span_id, server.span_context.span_id());
    assert_eq!(
        child.span_context.trace_id(),
        server.span_context.trace_id()
    );

    assert!(flush.flush(Duration::from_secs(5)));
    let lines = log_lines(&buffer);
    let failed = lines
        .iter()
        .find(|l| l["message"] == "order failed")
        .expect("the error line");
    assert_eq!(failed["reason"], "stock low");
    assert_eq!(
        failed[conventions::LOG_FIELD_SPAN_ID],
        server.span_context.span_id().to_string()
    );
    let looked = lines
        .iter()
        .find(|l| l["message"] == "looked up")
        .expect("the child's line");
    assert_eq!(looked["step"], "lookup");
    assert_eq!(looked["order"], 7);
    assert_eq!(
        looked[conventions::LOG_FIELD_TRACE_ID],
        server.span_context.trace_id().to_string()
    );
    assert_eq!(
        looked[conventions::LOG_FIELD_SPAN_ID],
        child.span_context.span_id().to_string()
    );
    // The server span's HTTP fields are attributes, not log context.
    assert!(looked.get("url.path").is_none());
}

/// Counts how often it is formatted.
struct Counted(Arc<std::sync::atomic::AtomicUsize>);

impl std::fmt::Debug for Counted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        f.write_str("counted")
    }
}

/// An instrumented step: its argument `data` (holding an e-mail address)
/// and the field `n` are no registry attributes, `app.plan` is one; returns
/// the span id current inside it.
#[tracing::instrument(fields(n = 7, app.plan = "team", otel.name = "renamed", otel.kind = "client"))]
fn private_step(data: &std::collections::BTreeMap<&'static str, &'static str>) -> SpanId {
    Context::current().span().span_context().span_id()
}

#[test]
fn instrumented_spans_are_children_with_their_fields_cleaned() {
    use opentelemetry::trace::TracerProvider as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    let h = Harness::new();
    let everything = tracing_subscriber::filter::Targets::new().with_default(tracing::Level::TRACE);
    let bridge = init::bridge_layers(h.tracer_provider.tracer("test"), everything);
    let subscriber = tracing_subscriber::registry().with(bridge);
    let key = private_key().map_or("app.user.email", |(key, _, _)| key);
    // `app.plan` is a registry attribute of the default conventions only.
    let plan = attributes::ALL.contains(&"app.plan");
    let data = std::collections::BTreeMap::from([(key, "PIIMARK@example.com"), ("plan", "free")]);
    let parent = Context::current_with_span(h.instruments.tracer.start("parent"));
    let formatted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (inside, ext) = tracing::subscriber::with_default(subscriber, || {
        let inside = {
            let _guard = parent.clone().attach();
            private_step(&data)
        };
        // A root span that is not sampled formats none of its fields.
        h.levers.set_base_ratio(0.0);
        drop(tracing::info_span!(parent: None, "dropped", app.plan = ?Counted(formatted.clone())));
        assert_eq!(formatted.load(std::sync::atomic::Ordering::Relaxed), 0);
        h.levers.set_base_ratio(1.0);
        let kept = tracing::info_span!(
            parent: None,
            "kept",
            app.plan = ?Counted(formatted.clone()),
            other = ?Counted(formatted.clone())
        );
        // The registry field is formatted (when these conventions have it), the
        // other one never.
        assert_eq!(
            formatted.load(std::sync::atomic::Ordering::Relaxed),
            usize::from(plan)
        );
        kept.record(
            "app.plan",
            tracing::field::debug(Counted(formatted.clone())),
        );
        // The module's extension trait reaches the OpenTelemetry span.
        kept.set_attribute("test.ext", "set");
        let ext = kept.context().span().span_context().span_id();
        (inside, ext)
    });
    let spans = h.finished();
    let step = spans
        .iter()
        .find(|s| s.name == "renamed")
        .expect("the instrumented span, named by otel.name");
    assert_eq!(step.span_kind, SpanKind::Client);
    assert_eq!(step.parent_span_id, parent.span().span_context().span_id());
    assert_eq!(
        step.span_context.span_id(),
        inside,
        "its context is current inside"
    );
    // Only registry attributes leave: not the function's argument, not `n`,
    // not `otel.*`, and nothing of the e-mail address anywhere.
    assert_eq!(attr(step, "app.plan"), plan.then(|| Value::from("team")));
    assert_eq!(attr(step, "data"), None);
    assert_eq!(attr(step, "n"), None);
    assert!(!step
        .attributes
        .iter()
        .any(|kv| kv.key.as_str().starts_with("otel.")));
    assert!(
        !step
            .attributes
            .iter()
            .any(|kv| kv.value.as_str().contains("PIIMARK")),
        "{:?}",
        step.attributes
    );
    assert!(!spans.iter().any(|s| s.name == "dropped"));
    let kept = spans
        .iter()
        .find(|s| s.name == "kept")
        .expect("the kept span");
    assert_eq!(kept.span_context.span_id(), ext);
    assert_eq!(kept.parent_span_id, SpanId::INVALID);
    assert_eq!(attr(kept, "test.ext"), Some(Value::from("set")));
    assert_eq!(
        formatted.load(std::sync::atomic::Ordering::Relaxed),
        2 * usize::from(plan)
    );
}

/// A body that yields one frame after `delay`, then ends.
struct SlowBody {
    sleep: Pin<Box<tokio::time::Sleep>>,
    sent: bool,
}

impl http_body::Body for SlowBody {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        task: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if self.sent {
            return Poll::Ready(None);
        }
        std::task::ready!(std::future::Future::poll(self.sleep.as_mut(), task));
        self.sent = true;
        Poll::Ready(Some(Ok(Frame::data(bytes::Bytes::from_static(b"late")))))
    }
}

/// A body that never yields.
struct EndlessBody;

impl http_body::Body for EndlessBody {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Poll::Pending
    }
}

fn span_seconds(span: &SpanData) -> f64 {
    span.end_time
        .duration_since(span.start_time)
        .unwrap_or_default()
        .as_secs_f64()
}

#[tokio::test]
async fn the_server_span_ends_with_the_body() {
    use std::future::Future as _;
    let h = Harness::new();
    let app = Router::new()
        .route(
            "/slow",
            get(|| async {
                Body::new(SlowBody {
                    sleep: Box::pin(tokio::time::sleep(Duration::from_millis(120))),
                    sent: false,
                })
            }),
        )
        .route("/endless", get(|| async { Body::new(EndlessBody) }))
        .route("/never", get(std::future::pending::<&'static str>))
        .route(
            "/boom",
            get(|| async {
                assert!(
                    Instant::now().elapsed() >= Duration::from_secs(3600),
                    "boom"
                );
                "unreachable"
            }),
        )
        .layer(HttpServerLayer::with_instruments(h.instruments.clone()));

    // Streaming: the span is open until the last frame.
    let response = app
        .clone()
        .oneshot(Request::get("/slow").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert!(h.finished().is_empty(), "the span ended before the body");
    let body = axum::body::to_bytes(response.into_body(), 1024)
        .await
        .unwrap();
    assert_eq!(&body[..], b"late");
    let span = h.only(SpanKind::Server);
    assert!(span_seconds(&span) >= 0.12, "{}", span_seconds(&span));
    assert_eq!(span.status, Status::Unset);
    h.spans.reset();

    // The caller goes away mid-body: ended, not an error.
    let response = app
        .clone()
        .oneshot(Request::get("/endless").body(Body::empty()).unwrap())
        .await
        .unwrap();
    drop(response);
    let span = h.only(SpanKind::Server);
    assert_eq!(span.status, Status::Unset);
    assert_eq!(attr(&span, "error.type"), None);
    h.spans.reset();

    // The caller goes away before the answer: ended, not an error.
    let mut pending = Box::pin(
        app.clone()
            .oneshot(Request::get("/endless").body(Body::empty()).unwrap()),
    );
    let waker = std::task::Waker::noop();
    let _ = pending.as_mut().poll(&mut TaskContext::from_waker(waker));
    drop(pending);
    h.spans.reset();

    // The caller goes away before the head: the span still has its route.
    let mut pending = Box::pin(
        app.clone()
            .oneshot(Request::get("/never").body(Body::empty()).unwrap()),
    );
    let _ = pending.as_mut().poll(&mut TaskContext::from_waker(waker));
    assert!(h.finished().is_empty(), "ended before the caller left");
    drop(pending);
    let span = h.only(SpanKind::Server);
    assert_eq!(span.status, Status::Unset);
    assert_eq!(attr(&span, "http.route"), Some(Value::from("/never")));
    assert_eq!(attr(&span, "http.response.status_code"), None);
    h.spans.reset();

    // A panic in the handler: a 500, recorded as an error with its duration.
    let response = app
        .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    drop(response);
    let span = h.only(SpanKind::Server);
    assert!(matches!(span.status, Status::Error { .. }));
    assert_eq!(attr(&span, "error.type"), Some(Value::from("500")));
    let points = h.histogram_points(conventions::HTTP_SERVER_DURATION);
    assert!(points
        .iter()
        .any(|p| p.contains(&KeyValue::new("http.response.status_code", 500_i64))));
    assert!(points
        .iter()
        .any(|p| p.contains(&KeyValue::new("http.route", "/endless"))
            && !p.iter().any(|kv| kv.key.as_str() == "error.type")));
}

/// `OPTIONS *` is passed on untraced and without a duration, but a panic
/// while answering it is caught and answered with a 500, as for a traced
/// request. Over HTTP/2 the target comes with `:authority`, which the
/// request's URI then holds: still `OPTIONS *`.
#[tokio::test]
async fn options_asterisk_is_untraced_and_guarded() {
    let h = Harness::new();
    let app = Router::new()
        .fallback(|request: Request<Body>| async move {
            assert!(!request.headers().contains_key("x-panic"), "asked to panic");
            StatusCode::NO_CONTENT
        })
        .layer(HttpServerLayer::with_instruments(h.instruments.clone()));
    let mut parts = http::uri::Parts::default();
    parts.scheme = Some(http::uri::Scheme::HTTPS);
    parts.authority = Some(http::uri::Authority::from_static("h.example:443"));
    parts.path_and_query = Some(http::uri::PathAndQuery::from_static("*"));
    let h2_target = http::Uri::from_parts(parts).unwrap();
    assert_eq!(h2_target.path(), "*");
    for (target, panics, want) in [
        (http::Uri::from_static("*"), false, StatusCode::NO_CONTENT),
        (
            http::Uri::from_static("*"),
            true,
            StatusCode::INTERNAL_SERVER_ERROR,
        ),
        (h2_target.clone(), false, StatusCode::NO_CONTENT),
        (h2_target, true, StatusCode::INTERNAL_SERVER_ERROR),
    ] {
        let mut request = Request::options(target.clone());
        if panics {
            request = request.header("x-panic", "1");
        }
        let response = app
            .clone()
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), want, "{target} panics {panics}");
    }
    assert!(h.finished().is_empty(), "OPTIONS * was traced");
    assert!(
        h.histogram_points(conventions::HTTP_SERVER_DURATION)
            .is_empty(),
        "OPTIONS * has a duration"
    );
}

/// An absolute-form target with an empty path (GET http://h) is recorded
/// with url.path "/", as in Go (RFC 9112 section 3.2.1).
#[tokio::test]
async fn absolute_form_empty_path_is_slash() {
    let h = Harness::new();
    let app = Router::new()
        .fallback(|| async { StatusCode::NO_CONTENT })
        .layer(HttpServerLayer::with_instruments(h.instruments.clone()));
    for (target, want) in [
        ("http://127.0.0.1", "/"),
        ("http://127.0.0.1:8080?a=b", "/"),
        ("http://127.0.0.1/orders/7", "/orders/7"),
    ] {
        h.spans.reset();
        let response = app
            .clone()
            .oneshot(Request::get(target).body(Body::empty()).unwrap())
            .await
            .unwrap();
        drop(response);
        let span = h.only(SpanKind::Server);
        assert_eq!(attr(&span, "url.path"), Some(Value::from(want)), "{target}");
    }
}

#[test]
fn a_full_log_queue_drops_and_reports_the_count() {
    use tracing_subscriber::layer::SubscriberExt as _;
    /// A writer that blocks until told to go on.
    struct Gate(Arc<Mutex<Vec<u8>>>, std::sync::mpsc::Receiver<()>, bool);
    impl Write for Gate {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if !self.2 {
                let _ = self.1.recv();
                self.2 = true;
            }
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let (open, gate) = std::sync::mpsc::channel();
    let logs = LogLayer::with_capacity(Box::new(Gate(buffer.clone(), gate, false)), true, 4);
    let flush = logs.flusher();
    let subscriber = tracing_subscriber::registry().with(logs);
    let started = Instant::now();
    tracing::subscriber::with_default(subscriber, || {
        for n in 0..100 {
            tracing::info!(n, "line");
        }
    });
    // The events did not wait for the blocked writer.
    assert!(started.elapsed() < Duration::from_secs(2));
    open.send(()).unwrap();
    assert!(flush.flush(Duration::from_secs(5)));
    let lines = log_lines(&buffer);
    let written = lines.iter().filter(|l| l["message"] == "line").count();
    let reports: Vec<_> = lines
        .iter()
        .filter(|l| l["message"] == "log lines dropped")
        .collect();
    assert!(!reports.is_empty(), "no dropped count reported");
    assert!(reports.iter().all(|r| r["level"] == "WARN"));
    let dropped: u64 = reports.iter().map(|r| r["dropped"].as_u64().unwrap()).sum();
    assert_eq!(written as u64 + dropped, 100);
    assert!(written < 100);
}

#[test]
fn init_refuses_a_second_global_subscriber_without_panicking() {
    let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry());
    let Err(TelemetryError::Subscriber(message)) = init() else {
        panic!("init must refuse when a global subscriber exists");
    };
    assert!(message.contains("layers()"));
}

/// A registry key the conventions give a privacy action, split at its last
/// dot (`app.user` and `email`), if the conventions have one with a dot.
fn private_key() -> Option<(&'static str, &'static str, &'static str)> {
    conventions::REDACTIONS.iter().find_map(|(key, _)| {
        let (parent, name) = key.rsplit_once('.')?;
        (name.chars().all(|c| c.is_alphanumeric() || c == '_')
            && name.chars().next().is_some_and(char::is_alphabetic))
        .then_some((*key, parent, name))
    })
}

#[test]
fn composite_debug_values_have_their_private_members_cleaned() {
    let Some((key, parent, name)) = private_key() else {
        return;
    };
    let plain = format!(r#"User {{ {name}: "PIIMARK@example.com", plan: "free", n: 7 }}"#);
    let text = logs::debug_text(parent, &plain);
    assert!(!text.contains("PIIMARK"), "{text}");
    assert!(text.starts_with(&format!("User {{ {name}: \"")), "{text}");
    assert!(text.ends_with(r#", plan: "free", n: 7 }"#), "{text}");
    // Nested below other members, in a map, in a list, in an enum variant.
    let top = parent.split('.').next().unwrap();
    let below = &key[top.len() + 1..];
    let mut nested = String::from("\"PIIMARK\\\" {\"");
    for part in below.rsplit('.') {
        nested = format!("Part {{ {part}: {nested} }}");
    }
    let nested = format!("Outer {{ id: 7, {top}: {nested}, peer: 127.0.0.1:80 }}");
    let text = logs::debug_text("order", &nested);
    assert!(
        !text.contains("PIIMARK") && text.contains("peer: 127.0.0.1:80"),
        "{text}"
    );
    for shape in [
        format!(r#"{{"{key}": "PIIMARK", "n": "1"}}"#),
        format!(r#"[Some({{"{key}": "PIIMARK"}}), None]"#),
        format!(r#"Signed(Inner {{ {name}: "PIIMARK" }})"#),
        format!(r#"Signed {{ {name}: Some("PIIMARK"), .. }}"#),
    ] {
        let at = if shape.starts_with("Signed") {
            parent
        } else {
            "data"
        };
        let text = logs::debug_text(at, &shape);
        assert!(!text.contains("PIIMARK"), "{shape} -> {text}");
    }
}

#[test]
fn composite_debug_text_not_in_derived_form_is_not_logged() {
    for text in [
        "User { email=PIIMARK }",
        "User { email: \"PIIMARK }",
        "User(PIIMARK",
        "[PIIMARK, ]]",
        "{\"a\": PIIMARK PIIMARK}",
    ] {
        assert_eq!(logs::debug_text("data", text), logs::NOT_LOGGED, "{text}");
    }
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert_eq!(logs::debug_text("data", &deep), logs::NOT_LOGGED);
    // Values that are not composite, and the message, are left alone.
    for text in [
        "42",
        "\"text\"",
        "None",
        "1.5s",
        "Some(5)",
        "[1, 2]",
        "Order(7) placed",
    ] {
        let key = if text.contains(' ') {
            "message"
        } else {
            "data"
        };
        assert_eq!(logs::debug_text(key, text), text);
    }
}

#[test]
fn log_lines_clean_composite_debug_fields() {
    use tracing_subscriber::layer::SubscriberExt as _;
    let Some((key, _, _)) = private_key() else {
        return;
    };
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let logs = LogLayer::with_writer(Box::new(Recorder(buffer.clone())), true);
    let flusher = logs.flusher();
    let subscriber = tracing_subscriber::registry().with(logs);
    let data = std::collections::BTreeMap::from([(key.to_owned(), "PIIMARK".to_owned())]);
    tracing::subscriber::with_default(subscriber, || {
        tracing::info!(data = ?data, "composite");
    });
    assert!(flusher.flush(Duration::from_secs(5)));
    let lines = log_lines(&buffer);
    assert_eq!(lines.len(), 1);
    let line = lines[0].to_string();
    assert!(!line.contains("PIIMARK"), "{line}");
    assert!(line.contains(key), "{line}");
}

#[test]
fn span_names_that_look_like_data_keep_the_static_name() {
    use opentelemetry::trace::TracerProvider as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    let h = Harness::new();
    let everything = tracing_subscriber::filter::Targets::new().with_default(tracing::Level::TRACE);
    let bridge = init::bridge_layers(h.tracer_provider.tracer("test"), everything);
    let subscriber = tracing_subscriber::registry().with(bridge);
    tracing::subscriber::with_default(subscriber, || {
        let email = "bob@example.com";
        drop(tracing::info_span!(parent: None, "mailed", otel.name = %email));
        drop(tracing::info_span!(parent: None, "numbered", otel.name = "order 42"));
        drop(tracing::info_span!(parent: None, "linked", otel.name = "see http://x.example/a"));
        drop(tracing::info_span!(parent: None, "plain", otel.name = "charge card"));
    });
    let mut names: Vec<String> = h.finished().iter().map(|s| s.name.to_string()).collect();
    names.sort();
    // "charge card" renames its span where the conventions' internal name pattern
    // accepts it (the default's does; a stricter one keeps the static name).
    let accepted = super::pattern::Pattern::new(super::conventions::INTERNAL_NAME_PATTERN)
        .matches("charge card");
    let plain = if accepted { "charge card" } else { "plain" };
    let mut expected = vec![plain, "linked", "mailed", "numbered"];
    expected.sort_unstable();
    assert_eq!(names, expected);
}

#[test]
fn a_switched_off_context_wins_over_an_enclosing_span() {
    use opentelemetry::trace::TracerProvider as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    let h = Harness::new();
    let everything = tracing_subscriber::filter::Targets::new().with_default(tracing::Level::TRACE);
    let bridge = init::bridge_layers(h.tracer_provider.tracer("test"), everything);
    let subscriber = tracing_subscriber::registry().with(bridge);
    let incoming = SpanContext::new(
        TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
        SpanId::from_hex("00f067aa0ba902b7").unwrap(),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    );
    let seen = tracing::subscriber::with_default(subscriber, || {
        let outer = tracing::info_span!(parent: None, "outer");
        let _outer = outer.enter();
        // As the server layer leaves it when tracing is switched off.
        let passed = Context::new()
            .with_remote_span_context(incoming.clone())
            .with_value(sampler::PassThrough);
        let _attached = passed.attach();
        let inner = tracing::info_span!("inner");
        let _inner = inner.enter();
        Context::current().span().span_context().clone()
    });
    assert_eq!(
        seen.trace_id(),
        incoming.trace_id(),
        "the incoming trace goes on"
    );
    assert_eq!(seen.span_id(), incoming.span_id());
    let names: Vec<String> = h.finished().iter().map(|s| s.name.to_string()).collect();
    assert!(!names.iter().any(|n| n == "inner"), "{names:?}");
}

/// Log lines whose message and fields hold multi-byte characters right
/// around the characters the cleaning looks for (`://`, `@`, `%`, `;`, `=`,
/// `?`, `[`) are written, one line each: no byte index falls inside a
/// character.
#[test]
fn log_lines_with_multi_byte_text_around_every_trigger_are_written() {
    use tracing_subscriber::layer::SubscriberExt as _;
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let logs = LogLayer::with_writer(Box::new(Recorder(buffer.clone())), true);
    let flusher = logs.flusher();
    let subscriber = tracing_subscriber::registry().with(logs);
    let mut texts = Vec::new();
    for t in [
        "://", "@", "%", ";", "=", "?", "[", "%40", "https://", "sig=",
    ] {
        for w in ["€", "«", "＠", "😀", "ä"] {
            texts.push(format!(
                "{w}{t}{w}x{w}https://u{w}:p@h.example/a;sig={w}?token={w}"
            ));
        }
    }
    tracing::subscriber::with_default(subscriber, || {
        for text in &texts {
            let map = std::collections::BTreeMap::from([(text.clone(), text.clone())]);
            tracing::info!(note = %text, data = ?map, quoted = ?text, "{text}");
        }
    });
    assert!(flusher.flush(Duration::from_secs(5)));
    assert_eq!(log_lines(&buffer).len(), texts.len());
}

/// A body whose first poll panics.
struct PanickingBody;

impl http_body::Body for PanickingBody {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        panic!("the body panicked")
    }
}

/// A panic while the response body is polled ends the server span at once,
/// as an error, and goes on unwinding as it would without the layer.
#[tokio::test]
async fn a_panic_in_the_body_ends_the_span_as_an_error() {
    use http_body::Body as _;
    let h = Harness::new();
    let app = Router::new()
        .route("/panics", get(|| async { Body::new(PanickingBody) }))
        .layer(HttpServerLayer::with_instruments(h.instruments.clone()));
    let response = app
        .oneshot(Request::get("/panics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let mut body = Box::pin(response.into_body());
    let waker = std::task::Waker::noop();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        body.as_mut()
            .poll_frame(&mut TaskContext::from_waker(waker))
    }));
    let payload = caught.expect_err("the panic went on");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"the body panicked"));
    // Before the body is dropped: a server that keeps it (or leaks it) still
    // has the span ended.
    let span = h.only(SpanKind::Server);
    assert!(
        matches!(span.status, Status::Error { .. }),
        "{:?}",
        span.status
    );
    assert_eq!(attr(&span, "error.type"), Some(Value::from("_OTHER")));
    drop(body);
    assert_eq!(h.finished().len(), 1);
}

/// `RUST_LOG` as the filter reads it: a value it cannot use is warned about
/// (naming the variable, with the fix) and the conventions' level used;
/// directives with span-field filters are dropped with a warning.
#[test]
fn rust_log_values_that_are_not_usable_are_warned_about() {
    use super::settings::{Warnings, NOT_UTF8};
    use tracing::Level;
    let read = |value: &str| {
        let value = value.to_owned();
        let mut warnings = Warnings::default();
        let filter = super::init::log_filter_from(
            &|name: &str| (name == "RUST_LOG").then(|| value.clone()),
            &mut warnings,
        );
        let lines: Vec<String> = warnings.0.iter().map(ToString::to_string).collect();
        (filter, lines)
    };
    let (filter, lines) = read("warn,app=debug");
    assert!(lines.is_empty(), "{lines:?}");
    assert!(filter.would_enable("app::db", &Level::DEBUG));
    assert!(!filter.would_enable("other", &Level::INFO));
    // The conventions' level: what a value that cannot be used gives.
    let default: tracing_subscriber::filter::Targets = conventions::LOG_LEVEL
        .parse()
        .expect("the conventions' level");
    let levels = [
        Level::ERROR,
        Level::WARN,
        Level::INFO,
        Level::DEBUG,
        Level::TRACE,
    ];
    let is_default = |filter: &tracing_subscriber::filter::Targets| {
        levels
            .iter()
            .all(|l| filter.would_enable("app", l) == default.would_enable("app", l))
    };
    let (filter, lines) = read("");
    assert!(lines.is_empty(), "{lines:?}");
    assert!(is_default(&filter));
    for bad in ["app=verbose", "a=b=c", NOT_UTF8] {
        let (filter, lines) = read(bad);
        assert_eq!(lines.len(), 1, "{bad}: {lines:?}");
        assert!(lines[0].starts_with("RUST_LOG"), "{}", lines[0]);
        assert!(lines[0].contains("target=level"), "{}", lines[0]);
        assert!(!lines[0].contains('\0'), "{}", lines[0]);
        assert!(is_default(&filter), "{bad}");
    }
    let (filter, lines) = read("warn,app[{user}]=trace,db{query}=debug,app[req]=trace");
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines.iter().all(|l| l.contains("span-field")), "{lines:?}");
    assert!(!filter.would_enable("app", &Level::INFO));
    assert!(filter.would_enable("app", &Level::WARN));
}
