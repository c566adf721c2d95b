//! A tower [`Layer`] that traces inbound HTTP requests (axum or hyper).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
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

/// The `http.request.method` value of a method: the standard ones as they
/// are, anything else as `_OTHER`.
pub(crate) fn method_name(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "_OTHER",
    }
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
        let incoming = propagation::extract(req.headers());
        let public = trust::public_route(route.as_deref().unwrap_or(req.uri().path()));
        let (parent, links) = trust::boundary(incoming, public);
        let scheme = match req.uri().scheme_str() {
            Some("https") => "https",
            _ => "http",
        };
        let port_text = self.server.as_ref().map(|s| s.port.to_string());
        let name = conventions::HTTP_SERVER_NAME.render(|key| match key {
            "http.request.method" => Some(if method == "_OTHER" { "HTTP" } else { method }),
            "http.route" => route.as_deref(),
            "url.scheme" => Some(scheme),
            "server.address" => self.server.as_ref().map(|s| &*s.host),
            "server.port" => port_text.as_deref(),
            _ => None,
        });
        // All attributes known at the start go to the builder at once: the
        // sampler sees method and route, and a sampled span is built without
        // growing its attribute list.
        let mut attributes = Vec::with_capacity(13);
        attributes.push(KeyValue::new("http.request.method", method));
        if let Some(route) = &route {
            attributes.push(KeyValue::new(
                "http.route",
                Value::String(StringValue::from(route.clone())),
            ));
        }
        attributes.push(KeyValue::new("url.path", req.uri().path().to_owned()));
        attributes.push(KeyValue::new("url.scheme", scheme));
        if method == "_OTHER" {
            attributes.push(KeyValue::new(
                "http.request.method_original",
                req.method().as_str().to_owned(),
            ));
        }
        if let Some(version) = protocol_version(req.version()) {
            attributes.push(KeyValue::new("network.protocol.version", version));
        }
        if let Some(server) = &self.server {
            attributes.push(KeyValue::new(
                "server.address",
                Value::String(StringValue::from(server.host.clone())),
            ));
            attributes.push(KeyValue::new("server.port", i64::from(server.port)));
        }
        if let Some(info) = req
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        {
            // Known when the service is served with `into_make_service_with_connect_info`.
            attributes.push(KeyValue::new("client.address", info.0.ip().to_string()));
            attributes.push(KeyValue::new("client.port", i64::from(info.0.port())));
        }
        if let Some(agent) = req
            .headers()
            .get(http::header::USER_AGENT)
            .and_then(|h| h.to_str().ok())
        {
            attributes.push(KeyValue::new("user_agent.original", agent.to_owned()));
        }
        let cx = if sampler::switched_off(&self.instruments.levers, Some(method), route.as_deref())
        {
            // Tracing is off here: no span, the incoming context goes on as it came.
            parent.with_value(sampler::PassThrough)
        } else {
            let tracer = &self.instruments.tracer;
            let span = tracer
                .span_builder(name)
                .with_kind(SpanKind::Server)
                .with_attributes(attributes)
                .with_links(links)
                .start_with_context(tracer, &parent);
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
                scheme,
                server: self.server.clone(),
                instruments: self.instruments.clone(),
            }),
        }
    }
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
    fn finish(self, status: Option<u16>, error: Option<String>) {
        let span = self.cx.span();
        let code = status.unwrap_or(0);
        let failed = code >= 500 || error.is_some();
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
                Ok(response) => pending.finish(Some(response.status().as_u16()), None),
                Err(error) => pending.finish(None, Some(error.to_string())),
            }
        }
        Poll::Ready(result)
    }
}
