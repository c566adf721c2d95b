//! A tower [`Layer`] that traces inbound HTTP requests (axum or hyper).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use http::{Method, Request, Response, Version};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue, StringValue, Value};
use tower::{Layer, Service};

use super::bound::{DurationKey, ServerAddress};
use super::conventions;
use super::instruments::Instruments;
use super::propagation;
use super::sampler;
use super::trust;

/// Traces every request: the W3C context of the request is extracted and set
/// as parent before the span starts; the span is named per the conventions
/// with axum's matched path as the route; semantic-convention HTTP attributes
/// are recorded, the status code as an integer; 5xx responses mark the span as
/// an error; `http.server.request.duration` is recorded in seconds.
///
/// Add it with `Router::layer` so that axum's `MatchedPath` is known; outside
/// a router (plain hyper) requests are named by the conventions' fallback.
/// The span ends when the response head is ready.
#[derive(Clone, Debug)]
pub struct HttpServerLayer {
    instruments: Arc<Instruments>,
    server: Option<ServerAddress>,
}

impl HttpServerLayer {
    /// A layer recording with the global providers that `init` installed.
    pub fn new() -> Self {
        Self::with_instruments(Instruments::global())
    }

    /// A layer recording with these instruments.
    pub fn with_instruments(instruments: Arc<Instruments>) -> Self {
        Self {
            instruments,
            server: None,
        }
    }

    /// Sets `server.address` and `server.port` of server spans and metrics.
    /// They come from configuration, never from the client's `Host` header.
    /// Default: not set.
    pub fn with_server_address(mut self, host: impl Into<String>, port: u16) -> Self {
        self.server = Some(ServerAddress {
            host: Arc::from(host.into()),
            port,
        });
        self
    }
}

impl Default for HttpServerLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl<S> Layer<S> for HttpServerLayer {
    type Service = HttpServerService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HttpServerService {
            inner,
            instruments: self.instruments.clone(),
            server: self.server.clone(),
        }
    }
}

/// The service [`HttpServerLayer`] wraps around another.
#[derive(Clone, Debug)]
pub struct HttpServerService<S> {
    inner: S,
    instruments: Arc<Instruments>,
    server: Option<ServerAddress>,
}

static KNOWN_METHODS: OnceLock<Vec<&'static str>> = OnceLock::new();

/// Sets the known HTTP methods from `OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS`
/// (a comma-separated list, case-sensitive), else the conventions'. `init`
/// calls it; the first call wins.
pub fn known_methods_from(
    getenv: &dyn Fn(&str) -> Option<String>,
    warnings: &mut super::settings::Warnings,
) {
    let name = "OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS";
    let list = super::settings::value(getenv, name).map(|text| {
        let methods: Vec<&'static str> = text
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .filter_map(|m| match Method::from_bytes(m.as_bytes()) {
                // Leaked once at start-up: the list lives as long as the process.
                Ok(_) => Some(&*Box::leak(m.to_owned().into_boxed_str())),
                Err(_) => {
                    warnings.push(name, m, "ignored (not an HTTP method)");
                    None
                }
            })
            .collect();
        methods
    });
    let _ = KNOWN_METHODS.set(list.unwrap_or_else(|| conventions::KNOWN_METHODS.to_vec()));
}

/// The `http.request.method` value of a method: a known one as it is,
/// anything else as `_OTHER`.
pub(crate) fn method_name(method: &Method) -> &'static str {
    let known = KNOWN_METHODS.get_or_init(|| conventions::KNOWN_METHODS.to_vec());
    known
        .iter()
        .find(|m| **m == method.as_str())
        .copied()
        .unwrap_or("_OTHER")
}

pub(crate) fn protocol_version(version: Version) -> Option<&'static str> {
    match version {
        Version::HTTP_09 => Some("0.9"),
        Version::HTTP_10 => Some("1.0"),
        Version::HTTP_11 => Some("1.1"),
        Version::HTTP_2 => Some("2"),
        Version::HTTP_3 => Some("3"),
        _ => None,
    }
}

fn matched_route<B>(req: &Request<B>) -> Option<Arc<str>> {
    req.extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|path| Arc::from(path.as_str()))
}

impl<S, B, ResB> Service<Request<B>> for HttpServerService<S>
where
    S: Service<Request<B>, Response = Response<ResB>>,
    S::Error: std::fmt::Display,
{
    type Response = Response<ResB>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let start = Instant::now();
        let method = method_name(req.method());
        let route = matched_route(&req);
        let origin = Origin::of(&req, self.server.as_ref());
        let incoming = propagation::extract(req.headers());
        let public = trust::public_route(route.as_deref().unwrap_or(req.uri().path()));
        let (parent, links) = trust::boundary(incoming, public);
        let cx = if sampler::switched_off(&self.instruments.levers) {
            // Tracing is off: no span, the incoming context goes on as it came.
            parent.with_value(sampler::PassThrough)
        } else {
            let name = span_name(method, route.as_deref(), &origin);
            let attributes = start_attributes(&req, method, &origin);
            let builder = self
                .instruments
                .tracer
                .span_builder(name)
                .with_kind(SpanKind::Server)
                .with_attributes(attributes)
                .with_links(links);
            let tracer = &self.instruments.tracer;
            // Only a route the sampling table names needs the hint.
            let span = match sampler::route_hint(method, route.as_ref()) {
                Some(hint) => builder.start_with_context(tracer, &parent.with_value(hint)),
                None => builder.start_with_context(tracer, &parent),
            };
            parent.with_span(span)
        };
        let future = {
            let _guard = cx.clone().attach();
            self.inner.call(req)
        };
        ResponseFuture {
            inner: future,
            state: Some(Pending {
                cx,
                start,
                method,
                route,
                scheme: origin.scheme,
                server: self.server.clone(),
                instruments: self.instruments.clone(),
            }),
        }
    }
}

/// Where a request came from and what it was addressed to, per the HTTP
/// semantic conventions: forwarding headers count only from a trusted proxy.
struct Origin {
    scheme: &'static str,
    host: Option<String>,
    port: Option<u16>,
    client: Option<String>,
    client_port: Option<u16>,
    peer: Option<std::net::SocketAddr>,
}

fn header<B>(req: &Request<B>, name: impl http::header::AsHeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|h| h.to_str().ok())
}

fn split_host(text: &str) -> (String, Option<u16>) {
    match text.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && !port.contains(']') => {
            (host.trim_matches(['[', ']']).to_owned(), port.parse().ok())
        }
        _ => (text.trim_matches(['[', ']']).to_owned(), None),
    }
}

impl Origin {
    fn of<B>(req: &Request<B>, server: Option<&ServerAddress>) -> Self {
        let peer = req
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| info.0);
        let proxied = peer.is_some_and(|p| trust::trusted_proxy(p.ip()));
        let forwarded = |name| proxied.then(|| header(req, name)).flatten();
        // RFC 7239 Forwarded from a trusted proxy wins over X-Forwarded-*.
        let standard = proxied
            .then(|| {
                let lines = req.headers().get_all(http::header::FORWARDED).iter();
                trust::forwarded(lines.filter_map(|v| v.to_str().ok()))
            })
            .flatten()
            .unwrap_or_default();
        let scheme = match standard
            .proto
            .or(forwarded("x-forwarded-proto"))
            .or(req.uri().scheme_str())
        {
            Some(s) if s.trim().eq_ignore_ascii_case("https") => "https",
            _ => "http",
        };
        let (host, port) = if let Some(server) = server {
            (Some(server.host.to_string()), Some(server.port))
        } else if !conventions::SERVER_NAME.is_empty() {
            let (host, port) = split_host(conventions::SERVER_NAME);
            (Some(host), port)
        } else {
            let raw = standard
                .host
                .as_deref()
                .or_else(|| forwarded("x-forwarded-host"))
                .or_else(|| header(req, http::header::HOST))
                .or_else(|| req.uri().authority().map(|a| a.as_str()));
            match raw.map(|h| split_host(h.split(',').next().unwrap_or("").trim())) {
                Some((host, port)) if !host.is_empty() => (Some(host), port),
                _ => (None, None),
            }
        };
        let port = port.or(host
            .as_ref()
            .map(|_| if scheme == "https" { 443 } else { 80 }));
        // The client is the address the trusted proxy saw: the right-most
        // entry it appended.
        let client = forwarded("x-forwarded-for")
            .and_then(|list| list.rsplit(',').next())
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty());
        let client = standard.client.or(client);
        let (client, client_port) = match (client, peer) {
            (Some(c), _) => (Some(c), None),
            (None, Some(p)) => (Some(p.ip().to_string()), Some(p.port())),
            (None, None) => (None, None),
        };
        Self {
            scheme,
            host,
            port,
            client,
            client_port,
            peer,
        }
    }
}

fn span_name(method: &'static str, route: Option<&str>, origin: &Origin) -> String {
    let port_text = origin.port.map(|p| p.to_string());
    conventions::HTTP_SERVER_NAME.render(|key| match key {
        "http.request.method" => Some(if method == "_OTHER" { "HTTP" } else { method }),
        "http.route" => route,
        "url.scheme" => Some(origin.scheme),
        "server.address" => origin.host.as_deref(),
        "server.port" => port_text.as_deref(),
        _ => None,
    })
}

/// The attributes known when the request comes in, given to the span
/// builder at once. `http.route` is not among them: it is set when the
/// response shows the router served the route (a wrong method is not).
fn start_attributes<B>(req: &Request<B>, method: &'static str, origin: &Origin) -> Vec<KeyValue> {
    let mut attributes = Vec::with_capacity(16);
    attributes.push(KeyValue::new("http.request.method", method));
    if method == "_OTHER" {
        attributes.push(KeyValue::new(
            "http.request.method_original",
            req.method().as_str().to_owned(),
        ));
    }
    attributes.push(KeyValue::new("url.path", req.uri().path().to_owned()));
    if let Some(query) = req.uri().query() {
        attributes.push(KeyValue::new("url.query", query.to_owned()));
    }
    attributes.push(KeyValue::new("url.scheme", origin.scheme));
    if let Some(version) = protocol_version(req.version()) {
        attributes.push(KeyValue::new("network.protocol.version", version));
    }
    if let Some(host) = &origin.host {
        attributes.push(KeyValue::new("server.address", host.clone()));
    }
    if let Some(port) = origin.port {
        attributes.push(KeyValue::new("server.port", i64::from(port)));
    }
    if let Some(client) = &origin.client {
        attributes.push(KeyValue::new("client.address", client.clone()));
    }
    if let Some(port) = origin.client_port {
        attributes.push(KeyValue::new("client.port", i64::from(port)));
    }
    if let Some(peer) = origin.peer {
        attributes.push(KeyValue::new("network.peer.address", peer.ip().to_string()));
        attributes.push(KeyValue::new("network.peer.port", i64::from(peer.port())));
    }
    if let Some(agent) = header(req, http::header::USER_AGENT) {
        attributes.push(KeyValue::new("user_agent.original", agent.to_owned()));
    }
    attributes
}

struct Pending {
    cx: Context,
    start: Instant,
    method: &'static str,
    route: Option<Arc<str>>,
    scheme: &'static str,
    server: Option<ServerAddress>,
    instruments: Arc<Instruments>,
}

impl Pending {
    /// Ends the span and records the duration. `unrouted`: the router
    /// matched the path but not the method (a 405 answer).
    fn finish(mut self, status: Option<u16>, error: Option<String>, unrouted: bool) {
        if unrouted {
            self.route = None;
        }
        let span = self.cx.span();
        let code = status.unwrap_or(0);
        let failed = code >= 500 || error.is_some();
        if let Some(route) = &self.route {
            span.set_attribute(KeyValue::new(
                "http.route",
                Value::String(StringValue::from(route.clone())),
            ));
        } else if unrouted {
            let name = conventions::HTTP_SERVER_NAME.render(|key| match key {
                "http.request.method" => Some(if self.method == "_OTHER" {
                    "HTTP"
                } else {
                    self.method
                }),
                "url.scheme" => Some(self.scheme),
                _ => None,
            });
            span.update_name(name);
        }
        if let Some(code) = status {
            let mut attributes = vec![KeyValue::new("http.response.status_code", i64::from(code))];
            if code >= 500 {
                attributes.push(KeyValue::new("error.type", code.to_string()));
                span.set_status(Status::error(""));
            }
            span.set_attributes(attributes);
        }
        if let Some(message) = error {
            span.set_attribute(KeyValue::new("error.type", "_OTHER"));
            span.set_status(Status::error(message));
        }
        span.end();
        self.instruments.http_server_duration.record(
            self.start.elapsed().as_secs_f64(),
            DurationKey {
                method: self.method,
                scheme: self.scheme,
                route: self.route,
                status: code,
                error: failed,
                server: self.server,
            },
        );
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`HttpServerService`].
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        state: Option<Pending>,
    }
}

impl<F, ResB, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResB>, E>>,
    E: std::fmt::Display,
{
    type Output = Result<Response<ResB>, E>;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = match this.state.as_ref() {
            Some(pending) => {
                let _guard = pending.cx.clone().attach();
                std::task::ready!(this.inner.poll(task))
            }
            None => std::task::ready!(this.inner.poll(task)),
        };
        if let Some(pending) = this.state.take() {
            match &result {
                Ok(response) => {
                    let status = response.status();
                    // axum answers a method its route lacks with 405 (adding
                    // `Allow` only outside this layer): the route did not serve it.
                    let unrouted = status == http::StatusCode::METHOD_NOT_ALLOWED;
                    pending.finish(Some(status.as_u16()), None, unrouted)
                }
                Err(error) => pending.finish(None, Some(error.to_string()), false),
            }
        }
        Poll::Ready(result)
    }
}
