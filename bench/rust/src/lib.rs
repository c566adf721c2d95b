//! The generated telemetry module (rendered by run.sh into generated/) and the
//! routers the benchmark compares.

#[path = "../generated/telemetry/mod.rs"]
pub mod telemetry;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{ConnectInfo, MatchedPath};
use axum::routing::get;
use axum::Router;
use http::Request;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
use opentelemetry_sdk::trace::{BatchSpanProcessor, SdkTracerProvider, SpanData, SpanExporter};
use tower_http::trace::TraceLayer;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

/// An exporter that drops every batch: the benchmark measures the request path only.
#[derive(Debug)]
pub struct NoopExporter;

impl SpanExporter for NoopExporter {
    async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
        Ok(())
    }
}

fn processor() -> BatchSpanProcessor {
    BatchSpanProcessor::builder(NoopExporter).build()
}

fn routes() -> Router {
    Router::new().route("/orders/{id}", get(|| async { "ok" }))
}

/// The bare router.
pub fn bare() -> Router {
    routes()
}

fn generated_parts(ratio: f64) -> (Router, SdkTracerProvider) {
    let levers = telemetry::Levers::new(true, ratio);
    let provider = SdkTracerProvider::builder()
        .with_sampler(telemetry::Sampler::with_routes(levers, &[]))
        .with_span_processor(telemetry::Redacting::new(processor()))
        .build();
    // Instruments aggregate as in a service; nothing is collected during the run.
    let reader = PeriodicReader::builder(InMemoryMetricExporter::default())
        .with_interval(Duration::from_secs(3600))
        .build();
    let meters = SdkMeterProvider::builder().with_reader(reader).build();
    // As in a service: the meter provider redacts attribute sets (once per bound set).
    let meters = telemetry::metrics::RedactingMeterProvider::new(meters);
    let instruments = telemetry::Instruments::from_providers(&provider, &meters);
    let router = routes().layer(telemetry::HttpServerLayer::with_instruments(instruments));
    (router, provider)
}

/// The router with the generated layer as a service runs it: the request's
/// `tracing` span is the server span, through the bridge `telemetry::layers`
/// installs (run the requests with the dispatch as default); root spans sampled
/// at `ratio`.
pub fn generated(ratio: f64) -> (Router, SdkTracerProvider, tracing::Dispatch) {
    use tracing_subscriber::layer::SubscriberExt as _;
    let (router, provider) = generated_parts(ratio);
    let tracer = provider.tracer("bench");
    let filter = tracing_subscriber::filter::Targets::new().with_default(tracing::Level::INFO);
    let subscriber = tracing_subscriber::registry()
        .with(telemetry::init::bridge_layers(tracer, filter));
    (router, provider, tracing::Dispatch::new(subscriber))
}

/// The generated layer without any subscriber: the OpenTelemetry span is
/// started directly (no `tracing` span), as before the request span existed.
pub fn generated_direct(ratio: f64) -> (Router, SdkTracerProvider) {
    generated_parts(ratio)
}

/// The router with tower-http's TraceLayer, configured as a team would to get the
/// same telemetry through tracing-opentelemetry: W3C parent, OpenTelemetry span
/// name and kind from the matched route, status code on response.
pub fn trace_layer(sampled: bool) -> (Router, SdkTracerProvider, tracing::Dispatch) {
    use tracing_subscriber::layer::SubscriberExt as _;
    let sampler = if sampled {
        opentelemetry_sdk::trace::Sampler::ParentBased(Box::new(
            opentelemetry_sdk::trace::Sampler::AlwaysOn,
        ))
    } else {
        opentelemetry_sdk::trace::Sampler::ParentBased(Box::new(
            opentelemetry_sdk::trace::Sampler::AlwaysOff,
        ))
    };
    let provider = SdkTracerProvider::builder()
        .with_sampler(sampler)
        .with_span_processor(processor())
        .build();
    let tracer = provider.tracer("bench");
    let subscriber =
        tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(tracer));
    let propagator = Arc::new(opentelemetry_sdk::propagation::TraceContextPropagator::new());
    let layer = TraceLayer::new_for_http()
        .make_span_with(move |req: &Request<Body>| {
            let route = req
                .extensions()
                .get::<MatchedPath>()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default();
            let peer = req
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0);
            let span = tracing::info_span!(
                "request",
                otel.name = %format!("{} {}", req.method(), route),
                otel.kind = "server",
                http.request.method = %req.method(),
                http.route = %route,
                url.path = %req.uri().path(),
                url.query = req.uri().query(),
                url.scheme = "http",
                network.protocol.version = "1.1",
                client.address = peer.map(|p| p.ip().to_string()),
                client.port = peer.map(|p| i64::from(p.port())),
                network.peer.address = peer.map(|p| p.ip().to_string()),
                network.peer.port = peer.map(|p| i64::from(p.port())),
                user_agent.original = req
                    .headers()
                    .get(http::header::USER_AGENT)
                    .and_then(|v| v.to_str().ok()),
                http.response.status_code = tracing::field::Empty,
            );
            let parent = opentelemetry::propagation::TextMapPropagator::extract(
                propagator.as_ref(),
                &HeaderMapExtractor(req.headers()),
            );
            let _ = span.set_parent(parent);
            span
        })
        .on_response(
            |res: &http::Response<Body>, _latency: Duration, span: &tracing::Span| {
                span.record("http.response.status_code", res.status().as_u16());
            },
        );
    (routes().layer(layer), provider, tracing::Dispatch::new(subscriber))
}

struct HeaderMapExtractor<'a>(&'a http::HeaderMap);

impl opentelemetry::propagation::Extractor for HeaderMapExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}

/// One request as the benchmark sends it: with a query, a user agent and the
/// peer's address, so every variant records the full default attribute set.
pub fn request() -> Request<Body> {
    let mut request = Request::get("/orders/42?page=2")
        .header(http::header::USER_AGENT, "bench/1.0")
        .body(Body::empty())
        .unwrap();
    let peer: SocketAddr = "10.1.2.3:5555".parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    request
}
