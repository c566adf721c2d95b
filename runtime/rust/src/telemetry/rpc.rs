//! gRPC (tonic): tower layers for servers and clients with the RPC attributes
//! of semantic conventions 1.45.0 (`rpc.system.name`, the fully-qualified
//! `rpc.method`, `rpc.status_code` by name). They work on the HTTP/2 requests
//! tonic sends and receives, so they fit
//! `tonic::transport::Server::builder().layer(..)` and a `tower::ServiceBuilder`
//! around a `tonic::transport::Channel`.
//!
//! A method the service does not recognise is recorded as `rpc.method`
//! `_OTHER` (its name in `rpc.method_original`) and its span is named after
//! the RPC system, so callers cannot mint span names or metric series. A
//! server layer recognises only the methods given to
//! [`GrpcServerLayer::with_methods`]: it cannot see which services the
//! server routes, and a layer that answers before routing (authentication,
//! rate limits) would hide whether a method exists, so without a list every
//! call is `_OTHER` (semantic conventions 1.45.0, rpc-spans.md: when the
//! instrumentation cannot reliably tell whether a method is predefined,
//! `rpc.method` MUST be `_OTHER`). A client layer recognises every method but
//! one answered with UNIMPLEMENTED. `rpc.method` is set when the span starts,
//! except on a client without a method list, where it is set at the end.
//!
//! Spans carry `network.peer.address` and `network.peer.port` (Recommended
//! on RPC spans in semantic conventions 1.45.0), never the durations: on a
//! server the caller's address, read from the request's extensions (axum's
//! `ConnectInfo<SocketAddr>` or a `SocketAddr`; for tonic's own server pass
//! [`GrpcServerLayer::with_peer`], see there); on a client the server the
//! call reached, known once a response arrives: from the response's
//! extensions with [`GrpcClientLayer::with_peer`], else the target when it
//! names an IP address or a Unix socket (a channel connects to nothing else).
//! A tonic channel does not say which address a host name resolved to, so a
//! client of `http://orders:50051` records no peer; nor does a call that
//! reached no server.
//!
//! The layers find the global providers when a call comes, not when they are
//! built, so a layer built before `init` records with the providers `init`
//! installs.
//!
//! The span stays open until the response stream ends, so the status in the
//! trailers (`grpc-status`) is the one recorded. The server layer follows the
//! conventions' trust policy (`trust.grpc_server` and `pkg.Service/*` route
//! overrides); with tracing switched off both layers pass the context on
//! unchanged.

use std::collections::HashSet;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use http::{HeaderMap, Request, Response};
use http_body::{Body, Frame};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue};
use tower::{Layer, Service};

use super::conventions;
use super::instruments::{Instruments, Resolve};
use super::propagation;
use super::sampler;
use super::trust;

/// The client call duration histogram (seconds).
pub const RPC_CLIENT_DURATION: &str = super::instruments::RPC_CLIENT_DURATION;

/// `rpc.method` of a method the service does not recognise.
pub const OTHER_METHOD: &str = "_OTHER";

const SYSTEM: &str = "grpc";

/// gRPC status codes a server span counts as errors (the others are the
/// caller's mistakes); a client counts every code but OK.
const SERVER_ERROR_CODES: &[i64] = &[2, 4, 12, 13, 14, 15];

const UNIMPLEMENTED: i64 = 12;
/// The status a client generates when the call fails without one.
const UNAVAILABLE: i64 = 14;

/// The gRPC status codes as the conventions write them.
const STATUS_NAMES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

/// `rpc.status_code` for a gRPC status code: its name, else its number.
pub fn status_name(code: i64) -> String {
    usize::try_from(code)
        .ok()
        .and_then(|i| STATUS_NAMES.get(i))
        .map_or_else(|| code.to_string(), |name| (*name).to_owned())
}

/// Splits a gRPC path `/package.Service/Method` into service and method.
pub fn split_path(path: &str) -> Option<(&str, &str)> {
    let (service, method) = path.strip_prefix('/')?.split_once('/')?;
    if service.is_empty() || method.is_empty() || method.contains('/') {
        return None;
    }
    Some((service, method))
}

fn grpc_status(headers: &HeaderMap) -> Option<i64> {
    headers
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    Server,
    Client,
}

/// The methods (`pkg.Service/Method`) a layer recognises; `None`: every
/// method but one answered with UNIMPLEMENTED.
type Methods = Option<Arc<HashSet<String>>>;

/// `server.address` and `server.port` for a client's target as the
/// conventions read it: host and port of `http://host:port`, `host:port` or
/// `dns://authority/host:port`, the path of `unix:`, and otherwise the whole
/// target with no port.
pub fn target_address(target: &str) -> (String, Option<u16>) {
    let (rest, default_port) = if let Some(rest) = target.strip_prefix("http://") {
        (rest, Some(80))
    } else if let Some(rest) = target.strip_prefix("https://") {
        (rest, Some(443))
    } else if let Some(rest) = target.strip_prefix("dns:") {
        let rest = match rest.strip_prefix("//") {
            Some(after) => after.split_once('/').map_or(after, |(_, host)| host),
            None => rest,
        };
        (rest, None)
    } else if let Some(path) = target
        .strip_prefix("unix://")
        .or_else(|| target.strip_prefix("unix:"))
    {
        return (path.to_owned(), None);
    } else if target.contains("://") || target.starts_with("ipv4:") || target.starts_with("ipv6:") {
        return (target.to_owned(), None);
    } else {
        (target, None)
    };
    let rest = rest.split('/').next().unwrap_or(rest);
    match rest.parse::<http::uri::Authority>() {
        Ok(authority) => {
            let host = authority
                .host()
                .trim_start_matches('[')
                .trim_end_matches(']');
            (host.to_owned(), authority.port_u16().or(default_port))
        }
        Err(_) => (rest.to_owned(), None),
    }
}

/// `server.address` and `server.port` of an authority (`host:port`).
fn address_labels(authority: &http::uri::Authority, default_port: Option<u16>) -> Vec<KeyValue> {
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let mut labels = vec![KeyValue::new("server.address", host.to_owned())];
    if let Some(port) = authority.port_u16().or(default_port) {
        labels.push(KeyValue::new("server.port", i64::from(port)));
    }
    labels
}

/// Reads the other end of a call's connection from a request's (server) or a
/// response's (client) extensions.
pub type PeerFn = fn(&http::Extensions) -> Option<SocketAddr>;

/// The peer of a server's request from the extensions axum and hand-written
/// servers use: `ConnectInfo<SocketAddr>`, else a bare `SocketAddr`.
fn default_peer(extensions: &http::Extensions) -> Option<SocketAddr> {
    extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map(|info| info.0)
        .or_else(|| extensions.get::<SocketAddr>().copied())
}

/// `network.peer.address` and `network.peer.port` of a socket address (an
/// IPv4-mapped IPv6 address as IPv4, as Go writes it).
fn peer_labels(addr: SocketAddr) -> Vec<KeyValue> {
    vec![
        KeyValue::new("network.peer.address", addr.ip().to_canonical().to_string()),
        KeyValue::new("network.peer.port", i64::from(addr.port())),
    ]
}

/// The peer a client of `target` can only reach: the address of an IP
/// literal, or the path of a Unix socket; nothing for a name.
fn literal_peer(target: &str) -> Vec<KeyValue> {
    if let Some(path) = target
        .strip_prefix("unix://")
        .or_else(|| target.strip_prefix("unix:"))
        .filter(|path| !path.is_empty())
    {
        return vec![KeyValue::new("network.peer.address", path.to_owned())];
    }
    let (host, port) = target_address(target);
    match host.parse::<IpAddr>() {
        Ok(ip) => {
            let mut labels = vec![KeyValue::new(
                "network.peer.address",
                ip.to_canonical().to_string(),
            )];
            if let Some(port) = port {
                labels.push(KeyValue::new("network.peer.port", i64::from(port)));
            }
            labels
        }
        Err(_) => Vec::new(),
    }
}

/// One RPC in flight; ended once, by whoever sees the status first.
struct Call {
    cx: Context,
    /// Whether `cx` holds this call's own span (not when passed through).
    traced: bool,
    start: Instant,
    side: Side,
    /// The method as called, and whether it is recognised so far.
    original: String,
    recognised: bool,
    /// Whether the recognised methods were given (then UNIMPLEMENTED says nothing).
    listed: bool,
    labels: Vec<KeyValue>,
    /// A client's peer by its target, set on the span once a response shows
    /// a connection was made; and where to read the real one from.
    peer: Vec<KeyValue>,
    peer_fn: Option<PeerFn>,
    instruments: Arc<Instruments>,
}

/// What a layer was told: the recognised methods, a client's target and
/// its peer, and where to read the peer from.
#[derive(Clone, Debug, Default)]
struct Options {
    methods: Methods,
    target: Option<Arc<Vec<KeyValue>>>,
    target_peer: Option<Arc<Vec<KeyValue>>>,
    peer_fn: Option<PeerFn>,
}

impl Call {
    fn start<B>(
        instruments: &Arc<Instruments>,
        side: Side,
        options: &Options,
        req: &mut Request<B>,
    ) -> Self {
        let (methods, target) = (&options.methods, options.target.as_deref());
        let path = req.uri().path();
        let original = path.strip_prefix('/').unwrap_or(path).to_owned();
        let recognised = split_path(path).is_some()
            && methods
                .as_ref()
                .map_or(side == Side::Client, |known| known.contains(&original));
        let method = if recognised {
            original.as_str()
        } else {
            OTHER_METHOD
        };
        // A public gRPC boundary starts a new trace and links the caller's.
        let (parent, links) = match side {
            Side::Server => trust::boundary(
                propagation::extract(req.headers()),
                trust::public_rpc(&original),
            ),
            Side::Client => (Context::current(), Vec::new()),
        };
        let mut labels = vec![
            KeyValue::new("rpc.system.name", SYSTEM),
            KeyValue::new("rpc.method", method.to_owned()),
        ];
        let address = match (side, req.uri().authority()) {
            (Side::Client, _) if target.is_some() => target.cloned().unwrap_or_default(),
            (Side::Client, Some(authority)) => {
                let default_port = match req.uri().scheme_str() {
                    Some("https") => Some(443),
                    Some("http") => Some(80),
                    _ => None,
                };
                address_labels(authority, default_port)
            }
            // The address the client used, on the span only (it is the client's choice).
            (Side::Server, Some(authority)) if authority.as_str().len() <= 255 => {
                address_labels(authority, None)
            }
            _ => Vec::new(),
        };
        if side == Side::Client {
            labels.extend(address.iter().cloned());
        }
        let text = |key: &str| {
            address
                .iter()
                .find(|kv| kv.key.as_str() == key)
                .map(|kv| kv.value.to_string())
        };
        let (host, port) = (text("server.address"), text("server.port"));
        let get = |key: &str| match key {
            "rpc.system.name" => Some(SYSTEM),
            "rpc.method" if recognised => Some(method),
            "server.address" => host.as_deref(),
            "server.port" => port.as_deref(),
            _ => None,
        };
        let (name, kind) = match side {
            Side::Server => (conventions::RPC_SERVER_NAME.render(get), SpanKind::Server),
            Side::Client => (conventions::RPC_CLIENT_NAME.render(get), SpanKind::Client),
        };
        // rpc.method goes on the span as it starts (semantic conventions
        // 1.45.0), except on a client without a list of methods: whether its
        // method is recognised shows only at the end (UNIMPLEMENTED), and the
        // SDK would keep both values of an attribute set twice.
        let mut attributes = labels.clone();
        let late = methods.is_none() && side == Side::Client;
        if late {
            attributes.retain(|kv| kv.key.as_str() != "rpc.method");
        }
        let mut peer = Vec::new();
        match side {
            Side::Server => {
                attributes.extend(address);
                let found = options.peer_fn.map_or_else(
                    || default_peer(req.extensions()),
                    |read| read(req.extensions()),
                );
                attributes.extend(found.map(peer_labels).unwrap_or_default());
            }
            Side::Client => {
                peer = match (&options.target_peer, req.uri().authority()) {
                    (Some(known), _) => known.as_ref().clone(),
                    (None, Some(authority)) => literal_peer(authority.as_str()),
                    (None, None) => Vec::new(),
                };
            }
        }
        if !recognised {
            attributes.push(KeyValue::new("rpc.method_original", original.clone()));
        }
        let passed_through = parent.get::<sampler::PassThrough>().is_some();
        let traced = !(passed_through || sampler::switched_off(&instruments.levers));
        let cx = if !traced {
            // Tracing is off: no span; the context goes on as it came.
            parent.with_value(sampler::PassThrough)
        } else {
            let tracer = &instruments.tracer;
            let span = tracer
                .span_builder(name)
                .with_kind(kind)
                .with_attributes(attributes)
                .with_links(links)
                .start_with_context(tracer, &parent);
            parent.with_span(span)
        };
        if side == Side::Client {
            propagation::inject(&cx, req.headers_mut());
        }
        Self {
            cx,
            traced,
            start: Instant::now(),
            side,
            original,
            recognised,
            listed: methods.is_some(),
            labels,
            peer,
            peer_fn: options.peer_fn,
            instruments: instruments.clone(),
        }
    }

    /// A client's response head arrived: a connection was made, to the peer
    /// the response's extensions name, else to the target's address.
    fn connected(&self, extensions: &http::Extensions) {
        if !self.traced || self.side != Side::Client {
            return;
        }
        let labels = match self.peer_fn.and_then(|read| read(extensions)) {
            Some(addr) => peer_labels(addr),
            None => self.peer.clone(),
        };
        if !labels.is_empty() {
            self.cx.span().set_attributes(labels);
        }
    }

    fn finish(mut self, code: Option<i64>, error: Option<String>) {
        // Passed through, `cx` holds someone else's span: leave it alone.
        let own = Context::new();
        let span = if self.traced {
            self.cx.span()
        } else {
            own.span()
        };
        if code == Some(UNIMPLEMENTED) && self.recognised && !self.listed {
            // No service registered the method: it is not one the service knows.
            self.labels[1] = KeyValue::new("rpc.method", OTHER_METHOD);
            let get = |key: &str| (key == "rpc.system.name").then_some(SYSTEM);
            span.update_name(match self.side {
                Side::Server => conventions::RPC_SERVER_NAME.render(get),
                Side::Client => conventions::RPC_CLIENT_NAME.render(get),
            });
            span.set_attribute(KeyValue::new("rpc.method_original", self.original.clone()));
        }
        if !self.listed && self.side == Side::Client {
            span.set_attribute(self.labels[1].clone());
        }
        // A client call that fails without a status (no connection, a broken
        // stream) gets the one a gRPC client generates for it, UNAVAILABLE:
        // rpc.status_code is required whether the server returned the status
        // or the client generated it (semantic conventions, rpc spans).
        let generated = self.side == Side::Client && code.is_none() && error.is_some();
        let code = if generated { Some(UNAVAILABLE) } else { code };
        if let Some(code) = code {
            let name = status_name(code);
            span.set_attribute(KeyValue::new("rpc.status_code", name.clone()));
            self.labels
                .push(KeyValue::new("rpc.status_code", name.clone()));
            let failed = match self.side {
                Side::Server => SERVER_ERROR_CODES.contains(&code),
                Side::Client => code != 0,
            };
            if failed {
                span.set_attribute(KeyValue::new("error.type", name.clone()));
                self.labels.push(KeyValue::new("error.type", name));
                span.set_status(Status::error(""));
            }
        }
        if let Some(message) = error {
            if !generated {
                span.set_attribute(KeyValue::new("error.type", "_OTHER"));
                self.labels.push(KeyValue::new("error.type", "_OTHER"));
            }
            span.set_status(Status::error(message));
        }
        span.end();
        let elapsed = self.start.elapsed().as_secs_f64();
        match self.side {
            Side::Server => self
                .instruments
                .rpc_server_duration
                .record(elapsed, &self.labels),
            Side::Client => self
                .instruments
                .rpc_client_duration
                .record(elapsed, &self.labels),
        }
    }
}

type Shared = Arc<Mutex<Option<Call>>>;

fn connected_shared(call: &Shared, extensions: &http::Extensions) {
    if let Ok(held) = call.lock() {
        if let Some(call) = held.as_ref() {
            call.connected(extensions);
        }
    }
}

fn finish_shared(call: &Shared, code: Option<i64>, error: Option<String>) {
    let taken = call.lock().map(|mut c| c.take()).unwrap_or(None);
    if let Some(call) = taken {
        call.finish(code, error);
    }
}

/// Traces inbound gRPC calls.
#[derive(Clone, Debug)]
pub struct GrpcServerLayer {
    instruments: Resolve,
    options: Options,
}

/// Traces outbound gRPC calls and injects the context.
#[derive(Clone, Debug)]
pub struct GrpcClientLayer {
    instruments: Resolve,
    options: Options,
}

macro_rules! layer_constructors {
    ($layer:ident) => {
        impl $layer {
            /// A layer recording with the global providers as they are when
            /// a call comes (so it may be built before `init`).
            pub fn new() -> Self {
                Self {
                    instruments: Resolve::Global,
                    options: Options::default(),
                }
            }

            /// A layer recording with these instruments.
            pub fn with_instruments(instruments: Arc<Instruments>) -> Self {
                Self {
                    instruments: Resolve::Given(instruments),
                    options: Options::default(),
                }
            }

            /// Recognises only these methods (`pkg.Service/Method`); any other
            /// is recorded as `_OTHER`. Default: on a server, none (every call
            /// is `_OTHER`, the name in `rpc.method_original`: list the
            /// service's methods); on a client, every method but one answered
            /// with UNIMPLEMENTED.
            pub fn with_methods<I, M>(mut self, methods: I) -> Self
            where
                I: IntoIterator<Item = M>,
                M: Into<String>,
            {
                let set = methods
                    .into_iter()
                    .map(|m| m.into().trim_start_matches('/').to_owned())
                    .collect();
                self.options.methods = Some(Arc::new(set));
                self
            }
        }

        impl Default for $layer {
            fn default() -> Self {
                Self::new()
            }
        }
    };
}

layer_constructors!(GrpcServerLayer);
layer_constructors!(GrpcClientLayer);

impl GrpcServerLayer {
    /// Reads the caller's address (`network.peer.address` and
    /// `network.peer.port`) from each request's extensions with `peer`.
    /// Default: axum's `ConnectInfo<SocketAddr>`, else a `SocketAddr`. tonic's
    /// server keeps it in its own type, which this module does not name:
    ///
    /// ```ignore
    /// GrpcServerLayer::new().with_peer(|ext| {
    ///     ext.get::<tonic::transport::server::TcpConnectInfo>()?.remote_addr()
    /// })
    /// ```
    pub fn with_peer(mut self, peer: PeerFn) -> Self {
        self.options.peer_fn = Some(peer);
        self
    }
}

impl GrpcClientLayer {
    /// Takes `server.address` and `server.port` from the target the channel
    /// connects to (`http://orders:50051`), for the spans and durations of a
    /// channel whose requests carry no authority. Default: the request's.
    /// A target naming an IP address or a Unix socket is also the peer the
    /// call reaches (`network.peer.address`, `network.peer.port`).
    pub fn with_target(mut self, target: &str) -> Self {
        let (host, port) = target_address(target);
        let mut labels = vec![KeyValue::new("server.address", host)];
        if let Some(port) = port {
            labels.push(KeyValue::new("server.port", i64::from(port)));
        }
        self.options.target = Some(Arc::new(labels));
        self.options.target_peer = Some(Arc::new(literal_peer(target)));
        self
    }

    /// Reads the address the call reached from each response's extensions
    /// with `peer` (for a connector that records it there); when it finds
    /// none, the target's IP address or Unix socket is the peer.
    pub fn with_peer(mut self, peer: PeerFn) -> Self {
        self.options.peer_fn = Some(peer);
        self
    }
}

impl<S> Layer<S> for GrpcServerLayer {
    type Service = GrpcService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GrpcService {
            inner,
            instruments: self.instruments.clone(),
            options: self.options.clone(),
            side: Side::Server,
        }
    }
}

impl<S> Layer<S> for GrpcClientLayer {
    type Service = GrpcService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GrpcService {
            inner,
            instruments: self.instruments.clone(),
            options: self.options.clone(),
            side: Side::Client,
        }
    }
}

/// The service the gRPC layers wrap around a server or a channel.
#[derive(Clone, Debug)]
pub struct GrpcService<S> {
    inner: S,
    instruments: Resolve,
    options: Options,
    side: Side,
}

impl<S, B, ResB> Service<Request<B>> for GrpcService<S>
where
    S: Service<Request<B>, Response = Response<ResB>>,
    S::Error: std::fmt::Display,
    ResB: Body,
{
    type Response = Response<GrpcBody<ResB>>;
    type Error = S::Error;
    type Future = GrpcFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let call = Call::start(&self.instruments.get(), self.side, &self.options, &mut req);
        let cx = call.cx.clone();
        let inner = {
            let _guard = cx.clone().attach();
            self.inner.call(req)
        };
        GrpcFuture {
            inner,
            cx,
            call: Arc::new(Mutex::new(Some(call))),
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`GrpcService`].
    pub struct GrpcFuture<F> {
        #[pin]
        inner: F,
        cx: Context,
        call: Shared,
    }
}

impl<F, ResB, E> Future for GrpcFuture<F>
where
    F: Future<Output = Result<Response<ResB>, E>>,
    E: std::fmt::Display,
    ResB: Body,
{
    type Output = Result<Response<GrpcBody<ResB>>, E>;

    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = {
            let _guard = this.cx.clone().attach();
            std::task::ready!(this.inner.poll(task))
        };
        Poll::Ready(match result {
            Ok(response) => {
                connected_shared(this.call, response.extensions());
                if let Some(code) = grpc_status(response.headers()) {
                    // A trailers-only response: the status is already known.
                    finish_shared(this.call, Some(code), None);
                }
                let call = this.call.clone();
                Ok(response.map(|body| GrpcBody { inner: body, call }))
            }
            Err(error) => {
                finish_shared(this.call, None, Some(error.to_string()));
                Err(error)
            }
        })
    }
}

pin_project_lite::pin_project! {
    /// A response body that ends the RPC's span with the status in its trailers.
    pub struct GrpcBody<B> {
        #[pin]
        inner: B,
        call: Shared,
    }

    impl<B> PinnedDrop for GrpcBody<B> {
        fn drop(this: Pin<&mut Self>) {
            // The stream was dropped before its end: cancelled.
            finish_shared(&this.call, Some(1), None);
        }
    }
}

impl<B: Body> Body for GrpcBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        task: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let frame = std::task::ready!(this.inner.poll_frame(task));
        match &frame {
            Some(Ok(frame)) => {
                if let Some(trailers) = frame.trailers_ref() {
                    finish_shared(this.call, Some(grpc_status(trailers).unwrap_or(0)), None);
                }
            }
            Some(Err(_)) => finish_shared(this.call, Some(2), None),
            None => finish_shared(this.call, Some(0), None),
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
