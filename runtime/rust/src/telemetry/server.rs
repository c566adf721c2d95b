//! A tower [`Layer`] that traces inbound HTTP requests (axum or hyper).

use std::borrow::Cow;
use std::collections::HashSet;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use http::{Method, Request, Response, Version};
use http_body::Body;
use opentelemetry::trace::{
    Link, Span as _, SpanBuilder, SpanKind, Status, TraceContextExt, Tracer,
};
use opentelemetry::{Context, ContextGuard, KeyValue, StringValue, Value};
use tower::{Layer, Service};

use super::address;
use super::bound::{DurationKey, ServerAddress};
use super::bridge;
use super::conventions;
use super::instruments::{Instruments, Resolve};
use super::propagation;
use super::redact;
use super::redact::{layer_key as key, LAYER_KEYS as KEYS};
use super::sampler;
use super::trust;

/// Traces every request: the W3C context of the request is extracted and set
/// as parent before the span starts; the span is named per the conventions
/// with axum's matched path as the route; semantic-convention HTTP attributes
/// are recorded, the status code as an integer; 5xx responses mark the span as
/// an error; `http.server.request.duration` is recorded in seconds.
///
/// The server span is started directly with the layer's tracer (sampler,
/// trust policy, the attributes that cost no allocation in one list to the
/// builder; the name and the attributes copied from the request in one list
/// once the span records, so an unsampled request formats nothing) and is
/// made current while the request's work runs. When a `tracing` subscriber wants
/// it, the request also gets a `tracing` span (target [`TARGET`], name
/// `request`) that carries the server span through the bridge that
/// [`init`](super::init()) and [`layers`](super::layers()) install:
/// `tracing` events in the handler become span events,
/// `Span::current().record(...)` on a registry attribute (each is declared
/// on the span) and [`SpanExt::set_attribute`](super::SpanExt::set_attribute)
/// add attributes, `#[instrument]` spans are its children, and log lines
/// carry its ids.
///
/// The span ends with the response body: its duration covers streaming; an
/// error while streaming is the span's error; a caller that goes away ends it
/// without an error (cancelled by the caller is not a server error). A panic
/// in the handler is caught, answered with a 500 and recorded as an error.
///
/// Add it with `Router::layer` so that axum's `MatchedPath` is known; outside
/// a router (plain hyper) requests are named by the conventions' fallback.
/// Built before `init`, it records with what `init` installs.
#[derive(Clone, Debug)]
pub struct HttpServerLayer {
    instruments: Resolve,
    server: Option<ServerAddress>,
    tls: bool,
}

/// The `tracing` target of the request span; `layers` keeps it enabled for
/// the bridge whatever `RUST_LOG` says.
pub const TARGET: &str = module_path!();

impl HttpServerLayer {
    /// A layer recording with the global providers that `init` installs
    /// (resolved when requests come, so it may be built before `init`).
    pub fn new() -> Self {
        Self {
            instruments: Resolve::Global,
            server: None,
            tls: false,
        }
    }

    /// A layer recording with these instruments.
    pub fn with_instruments(instruments: Arc<Instruments>) -> Self {
        Self {
            instruments: Resolve::Given(instruments),
            server: None,
            tls: false,
        }
    }

    /// Sets `server.address` and `server.port` of server spans and metrics
    /// from configuration. Default: not set; then spans (never metrics) take
    /// them from the conventions' server name, else from a trusted proxy's
    /// `Forwarded` `host` or `X-Forwarded-Host`, else from the request's
    /// `Host` header or `:authority`, as Go does.
    pub fn with_server_address(mut self, host: impl Into<String>, port: u16) -> Self {
        self.server = Some(ServerAddress {
            host: Arc::from(host.into()),
            port,
        });
        self
    }

    /// Says the server terminates TLS itself (axum-server with rustls, for
    /// example): `url.scheme` is then `https` (default `server.port` 443)
    /// unless a trusted proxy says otherwise, as Go reads `r.TLS`. An HTTP/1.1
    /// request does not say it came over TLS. Default: the scheme of the
    /// request's URI (HTTP/2 gives one), else `http`.
    pub fn with_tls(mut self) -> Self {
        self.tls = true;
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
            tls: self.tls,
        }
    }
}

/// The service [`HttpServerLayer`] wraps around another.
#[derive(Clone, Debug)]
pub struct HttpServerService<S> {
    inner: S,
    instruments: Resolve,
    server: Option<ServerAddress>,
    tls: bool,
}

static KNOWN_METHODS: OnceLock<KnownMethods> = OnceLock::new();

/// The methods `http` names as constants, compared as `http` compares them
/// (no text compare for these).
const STANDARD_METHODS: [Method; 9] = [
    Method::GET,
    Method::HEAD,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::CONNECT,
    Method::OPTIONS,
    Method::TRACE,
    Method::PATCH,
];

/// The known methods, and what [`method_name`] answers for each of
/// [`STANDARD_METHODS`], worked out once from the list.
struct KnownMethods {
    list: Vec<&'static str>,
    standard: [&'static str; STANDARD_METHODS.len()],
}

impl KnownMethods {
    fn new(list: Vec<&'static str>) -> Self {
        let standard = STANDARD_METHODS.map(|m| Self::find(&list, m.as_str()));
        Self { list, standard }
    }

    fn find(list: &[&'static str], method: &str) -> &'static str {
        list.iter()
            .find(|m| **m == method)
            .copied()
            .unwrap_or("_OTHER")
    }
}

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
    let list = list.unwrap_or_else(|| conventions::KNOWN_METHODS.to_vec());
    let _ = KNOWN_METHODS.set(KnownMethods::new(list));
}

/// The `http.request.method` value of a method: a known one as it is,
/// anything else as `_OTHER`.
pub(crate) fn method_name(method: &Method) -> &'static str {
    let known =
        KNOWN_METHODS.get_or_init(|| KnownMethods::new(conventions::KNOWN_METHODS.to_vec()));
    match STANDARD_METHODS.iter().position(|m| m == method) {
        Some(i) => known.standard[i],
        None => KnownMethods::find(&known.list, method.as_str()),
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
        .map(|path| {
            let path = path.as_str();
            with_recent(|recent| shared(&mut recent.route, path), || Arc::from(path))
        })
}

/// The text of the last route, peer and user agent a request on this thread
/// had. Consecutive requests on a thread mostly match the same route and
/// come from the same peer (a kept-alive connection, a load balancer) with
/// the same user agent: they share the text instead of each copying it into
/// a new allocation that the span's end frees again. Text under a key the
/// privacy policy classes (with the shipped conventions, the peer's address)
/// is not kept here: raw personal data stays no longer than its span.
#[derive(Default)]
struct Recent {
    route: Option<Arc<str>>,
    peer: Option<(std::net::IpAddr, Arc<str>)>,
    agent: Option<Arc<str>>,
    name: Option<LastName>,
}

/// The last span name written on a thread, with what it was written from.
struct LastName {
    method: &'static str,
    route: Option<String>,
    scheme: &'static str,
    host: Option<String>,
    port: Option<u16>,
    configured: bool,
    name: Cow<'static, str>,
}

thread_local! {
    static RECENT: std::cell::RefCell<Recent> = std::cell::RefCell::new(Recent::default());
}

/// `f` over this thread's [`Recent`], or `fresh` when it cannot be had (the
/// thread is ending, or it is in use further up the stack).
fn with_recent<T>(f: impl FnOnce(&mut Recent) -> T, fresh: impl FnOnce() -> T) -> T {
    let mut f = Some(f);
    RECENT
        .try_with(|cell| {
            let mut recent = cell.try_borrow_mut().ok()?;
            f.take().map(|f| f(&mut recent))
        })
        .ok()
        .flatten()
        .unwrap_or_else(fresh)
}

/// `text` as shared text: the one in `last` when it is the same, else a new
/// one, kept in `last` for the next request.
fn shared(last: &mut Option<Arc<str>>, text: &str) -> Arc<str> {
    match last {
        Some(kept) if **kept == *text => kept.clone(),
        _ => last.insert(Arc::from(text)).clone(),
    }
}

/// Whether the text of `key` may be kept on the thread after the request:
/// only when the privacy policy does not class it (a classed value, the
/// peer's address when it is hashed, say, is not kept raw beyond the span).
fn keepable(key: &str) -> bool {
    !redact::policy().touches(key)
}

/// Whether the peer's text may be kept on the thread: [`keepable`] for both
/// addresses it is written as, worked out once (the policy is the
/// process's).
fn peer_keepable() -> bool {
    static KEEP: OnceLock<bool> = OnceLock::new();
    *KEEP.get_or_init(|| keepable("network.peer.address") && keepable("client.address"))
}

/// [`keepable`] for the user agent and the host, worked out once.
fn agent_keepable() -> bool {
    static KEEP: OnceLock<bool> = OnceLock::new();
    *KEEP.get_or_init(|| keepable("user_agent.original"))
}

fn host_keepable() -> bool {
    static KEEP: OnceLock<bool> = OnceLock::new();
    *KEEP.get_or_init(|| keepable("server.address"))
}

/// The peer's address as text, shared with the last request's when it came
/// from the same address, if the policy classes neither the peer's nor the
/// client's address (else written anew each time: see [`keepable`]).
fn peer_text(ip: std::net::IpAddr) -> Arc<str> {
    if !peer_keepable() {
        return ip_text(ip);
    }
    with_recent(
        |recent| match &recent.peer {
            Some((last, text)) if *last == ip => text.clone(),
            _ => recent.peer.insert((ip, ip_text(ip))).1.clone(),
        },
        || ip_text(ip),
    )
}

impl<S, B, ResB> Service<Request<B>> for HttpServerService<S>
where
    S: Service<Request<B>, Response = Response<ResB>>,
    S::Error: std::fmt::Display,
    ResB: Body,
{
    type Response = Response<TracedBody<ResB>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, ResB>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        if server_wide_options(&req) {
            // `OPTIONS *` asks about the server, not a resource: net/http
            // answers it itself before any handler, and the Go package
            // passes it on untraced when it gets it; so does this layer (no
            // span, no duration), the same rule in both. A panic in the
            // handler is still answered with a 500 (ResponseFuture::poll).
            return ResponseFuture {
                inner: self.inner.call(req),
                state: None,
                _body: PhantomData,
            };
        }
        let start = Instant::now();
        let instruments = self.instruments.get();
        let method = method_name(req.method());
        let protocol = protocol_version(req.version());
        let route = matched_route(&req);
        let origin = Origin::of(&req, self.server.as_ref(), self.tls);
        let incoming = propagation::extract(req.headers());
        let public = trust::public_route(route.as_deref().unwrap_or(req.uri().path()));
        let (parent, links) = trust::boundary(incoming, public);
        let request = if sampler::switched_off(&instruments.levers) {
            // Tracing is off: no span, the incoming context goes on as it came.
            Traced {
                cx: parent.with_value(sampler::PassThrough),
                span: tracing::Span::none(),
                own: false,
                later: None,
            }
        } else {
            Traced::start(
                &instruments,
                &req,
                method,
                route.as_ref(),
                &origin,
                parent,
                links,
            )
        };
        let future = {
            let _entered = request.enter();
            self.inner.call(req)
        };
        ResponseFuture {
            inner: future,
            state: Some(Pending {
                request,
                start,
                method,
                route,
                scheme: origin.scheme,
                protocol,
                server: self.server.clone(),
                instruments,
                status: 0,
                failed: false,
            }),
            _body: PhantomData,
        }
    }
}

/// Whether `req` is `OPTIONS *` (RFC 9110 section 9.3.7: the server as a
/// whole; the asterisk-form request target of RFC 9112 section 3.2.4). The
/// path alone decides: HTTP/2 carries `:authority` with `*` (RFC 9113
/// section 8.3.1), and no HTTP/1.1 absolute-form target has the path `*`.
fn server_wide_options<B>(req: &Request<B>) -> bool {
    req.method() == http::Method::OPTIONS && req.uri().path() == "*"
}

/// The request's span: the server span, started directly, and the
/// `tracing` span carrying it when a subscriber wants one.
struct Traced {
    /// The context holding the server span (or, switched off, the caller's).
    cx: Context,
    span: tracing::Span,
    /// Whether `cx` holds this request's own span.
    own: bool,
    /// The Recommended attributes, set as the span ends, after the
    /// response's and a failing body's `error.type` (attribute order: see
    /// [`set_recorded_attributes`]).
    later: Option<Box<Recommended>>,
}

/// The values of a recording server span's Recommended attributes, kept from
/// the request until the response's attributes are set: boxed, so the
/// request's future, moved on its way through the stack, stays small.
struct Recommended {
    host: Option<String>,
    port: Option<u16>,
    version: Option<&'static str>,
    client: Option<Arc<str>>,
    peer_address: Option<Arc<str>>,
    peer_port: Option<u16>,
    agent: Option<Arc<str>>,
}

impl Recommended {
    /// Sets them on the span being started, in the same order.
    fn set_now(self, span: &mut impl opentelemetry::trace::Span) {
        let text = |v: Arc<str>| Value::String(StringValue::from(v));
        if let Some(h) = self.host {
            span.set_attribute(KeyValue::new(KEYS[key::SERVER_ADDRESS], h));
        }
        if let Some(p) = self.port {
            span.set_attribute(KeyValue::new(KEYS[key::SERVER_PORT], i64::from(p)));
        }
        if let Some(v) = self.version {
            span.set_attribute(KeyValue::new(KEYS[key::PROTOCOL_VERSION], v));
        }
        if let Some(c) = self.client {
            span.set_attribute(KeyValue::new(KEYS[key::CLIENT_ADDRESS], text(c)));
        }
        if let Some(a) = self.peer_address {
            span.set_attribute(KeyValue::new(KEYS[key::PEER_ADDRESS], text(a)));
        }
        if let Some(p) = self.peer_port {
            span.set_attribute(KeyValue::new(KEYS[key::PEER_PORT], i64::from(p)));
        }
        if let Some(a) = self.agent {
            span.set_attribute(KeyValue::new(KEYS[key::USER_AGENT], text(a)));
        }
    }

    /// Sets them on `span`, in the order of [`set_recorded_attributes`],
    /// one by one (no array of them is built and moved).
    fn set_on(self, span: &opentelemetry::trace::SpanRef<'_>) {
        let text = |v: Arc<str>| Value::String(StringValue::from(v));
        if let Some(h) = self.host {
            span.set_attribute(KeyValue::new(KEYS[key::SERVER_ADDRESS], h));
        }
        if let Some(p) = self.port {
            span.set_attribute(KeyValue::new(KEYS[key::SERVER_PORT], i64::from(p)));
        }
        if let Some(v) = self.version {
            span.set_attribute(KeyValue::new(KEYS[key::PROTOCOL_VERSION], v));
        }
        if let Some(c) = self.client {
            span.set_attribute(KeyValue::new(KEYS[key::CLIENT_ADDRESS], text(c)));
        }
        if let Some(a) = self.peer_address {
            span.set_attribute(KeyValue::new(KEYS[key::PEER_ADDRESS], text(a)));
        }
        if let Some(p) = self.peer_port {
            span.set_attribute(KeyValue::new(KEYS[key::PEER_PORT], i64::from(p)));
        }
        if let Some(a) = self.agent {
            span.set_attribute(KeyValue::new(KEYS[key::USER_AGENT], text(a)));
        }
    }
}

/// While a request's work runs: its `tracing` span entered, its context
/// current.
struct Entered<'a> {
    _span: tracing::span::Entered<'a>,
    _cx: ContextGuard,
}

impl Traced {
    fn start<B>(
        instruments: &Instruments,
        req: &Request<B>,
        method: &'static str,
        route: Option<&Arc<str>>,
        origin: &Origin,
        parent: Context,
        links: Vec<Link>,
    ) -> Self {
        // Only a route the sampling table names needs the hint.
        let parent = match sampler::route_hint(method, route) {
            Some(hint) => parent.with_value(hint),
            None => parent,
        };
        // The sampler sees the method, the route (through the hint) and, at
        // the default count limit, the attributes that cost no allocation
        // ([`start_attributes`]); the name and the attributes
        // written from the request follow only when the span records, so an
        // unsampled request formats nothing.
        // Built in place: the builder's by-value `with_*` methods each move
        // it. An empty list of links is no list (as `with_links` leaves it,
        // the SDK exports no link either way); links are only kept valid.
        let links = (!links.is_empty()).then(|| {
            let mut links = links;
            links.retain(|link| link.span_context.is_valid());
            links
        });
        let ordered = ORDERED.load(Ordering::Relaxed);
        let builder = SpanBuilder {
            span_kind: Some(SpanKind::Server),
            name: Cow::Borrowed(method),
            attributes: Some(start_attributes(req, method, origin, ordered)),
            links,
            ..SpanBuilder::default()
        };
        let mut later = None;
        let cx = match &instruments.sdk_tracer {
            Some(tracer) => start_span(tracer, builder, parent, |span| {
                span.update_name(span_name(method, route.map(|r| &**r), origin));
                later = set_recorded_attributes(span, req, method, origin, ordered).map(Box::new);
            }),
            None => start_span(&instruments.tracer, builder, parent, |span| {
                span.update_name(span_name(method, route.map(|r| &**r), origin));
                later = set_recorded_attributes(span, req, method, origin, ordered).map(Box::new);
            }),
        };
        let span = bridge::request_span(&cx, request_span);
        bridge::note_request_span(&span);
        Self {
            cx,
            span,
            own: true,
            later,
        }
    }

    fn enter(&self) -> Entered<'_> {
        Entered {
            _span: bridge::as_request(|| self.span.enter()),
            _cx: self.cx.clone().attach(),
        }
    }
}

/// Starts the server span with `tracer` in `parent` and returns the context
/// holding it; `record` (the name and the attributes copied from the
/// request) runs only when the span records.
fn start_span<T>(
    tracer: &T,
    builder: SpanBuilder,
    parent: Context,
    record: impl FnOnce(&mut T::Span),
) -> Context
where
    T: Tracer,
    T::Span: Send + Sync + 'static,
{
    let mut span = tracer.build_with_context(builder, &parent);
    if span.is_recording() {
        record(&mut span);
    }
    parent.with_span(span)
}

impl Drop for Traced {
    fn drop(&mut self) {
        let span = std::mem::replace(&mut self.span, tracing::Span::none());
        bridge::as_request(|| drop(span));
    }
}

/// The `tracing` span of a request: every attribute of the registry
/// declared, for handlers to `record`. The HTTP attributes are on the server
/// span it carries, not fields of its own: a field costs on every request.
fn request_span() -> tracing::Span {
    super::attributes::request_span!(TARGET,)
}

/// Where a request came from and what it was addressed to, per the HTTP
/// semantic conventions: forwarding headers count only from a trusted proxy.
struct Origin {
    scheme: &'static str,
    host: Option<String>,
    port: Option<u16>,
    /// Whether `host` and `port` come from configuration, not from the
    /// request's headers.
    configured: bool,
    /// The client a trusted proxy forwarded; without one, the peer.
    client: Option<Arc<str>>,
    /// The peer's port when the client is the peer.
    client_port: Option<u16>,
    peer: Option<std::net::SocketAddr>,
}

/// An IP address as text: IPv4 written digit by digit (the formatting
/// machinery costs several times as much), IPv6 as `Display` writes it.
fn ip_text(ip: std::net::IpAddr) -> Arc<str> {
    let std::net::IpAddr::V4(v4) = ip else {
        return Arc::from(ip.to_string());
    };
    let mut buffer = [0u8; 15];
    let mut len = 0;
    for (i, octet) in v4.octets().into_iter().enumerate() {
        if i > 0 {
            buffer[len] = b'.';
            len += 1;
        }
        let digits = [octet / 100, octet / 10 % 10, octet % 10];
        let skip = if octet >= 100 {
            0
        } else if octet >= 10 {
            1
        } else {
            2
        };
        for digit in &digits[skip..] {
            buffer[len] = b'0' + digit;
            len += 1;
        }
    }
    // Only ASCII digits and dots were written.
    Arc::from(std::str::from_utf8(&buffer[..len]).unwrap_or_default())
}

fn header<B>(req: &Request<B>, name: impl http::header::AsHeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|h| h.to_str().ok())
}

/// A forwarded client address as text, an IPv4-mapped IPv6 address written
/// as its IPv4 address (as the peer is).
fn canonical_client(text: &str) -> Arc<str> {
    match text.parse::<std::net::Ipv6Addr>() {
        Ok(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => Arc::from(v4.to_string()),
            None => Arc::from(text),
        },
        Err(_) => Arc::from(text),
    }
}

impl Origin {
    fn of<B>(req: &Request<B>, server: Option<&ServerAddress>, tls: bool) -> Self {
        // An IPv4-mapped IPv6 peer (`::ffff:10.0.0.5`, a dual-stack
        // listener) is its IPv4 address, as gRPC and Go write it: one client,
        // one pseudonym.
        let peer = req
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|info| std::net::SocketAddr::new(info.0.ip().to_canonical(), info.0.port()));
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
            .or(tls.then_some("https"))
        {
            Some(s) if s.trim().eq_ignore_ascii_case("https") => "https",
            _ => "http",
        };
        // A port that is given but is no port (`:abc`, `:0`) gives no
        // server.port at all, as in Go; a missing one the scheme's default
        // (address::request_address).
        let mut bad_port = false;
        let (host, port) = if let Some(server) = server {
            (Some(server.host.to_string()), Some(server.port))
        } else if !conventions::SERVER_NAME.is_empty() {
            // A host name or an IPv6 address, never a port (the conventions
            // check it): used as it is, with no port, as in Go.
            (Some(conventions::SERVER_NAME.to_owned()), None)
        } else {
            // A list (one per proxy) names the host the client asked for
            // first; an empty one is none. Then the request target's
            // authority (HTTP/2's `:authority`; in HTTP/1.1 the absolute
            // form, whose Host header a server ignores, RFC 9112 section
            // 3.2.2, and `CONNECT host:port`), else the Host header: the
            // order of the semantic conventions (v1.45.0, http-spans.md,
            // "Setting server.address and server.port"), as in Go, where
            // net/http gives the target's authority as `Request.Host`.
            let listed = forwarded("x-forwarded-host")
                .map(|h| h.split(',').next().unwrap_or("").trim())
                .filter(|h| !h.is_empty());
            let raw = standard
                .host
                .as_deref()
                .or(listed)
                .or_else(|| req.uri().authority().map(|a| a.as_str()))
                .or_else(|| header(req, http::header::HOST));
            match raw.and_then(|raw| address::request_address(raw, scheme == "https")) {
                Some((host, port)) => {
                    // The port is decided: none is added below.
                    bad_port = port.is_none();
                    (Some(host.to_owned()), port)
                }
                None => (None, None),
            }
        };
        let configured = server.is_none() && !conventions::SERVER_NAME.is_empty();
        let port = port.or(host.as_ref().filter(|_| !configured && !bad_port).map(|_| {
            if scheme == "https" {
                443
            } else {
                80
            }
        }));
        // The client is the first hop, from the right, that is not a
        // trusted proxy.
        let client = proxied
            .then(|| {
                let lines = req.headers().get_all("x-forwarded-for").iter();
                trust::forwarded_client(lines.filter_map(|v| v.to_str().ok()))
            })
            .flatten()
            .map(|c| canonical_client(&c));
        let client = standard.client.map(|c| canonical_client(&c)).or(client);
        // Without a forwarded client, the client is the peer (its address
        // is written only when the span records).
        let client_port = if client.is_none() {
            peer.map(|p| p.port())
        } else {
            None
        };
        Self {
            scheme,
            host,
            port,
            configured: server.is_some() || configured,
            client,
            client_port,
            peer,
        }
    }
}

/// The span name of a request: the last one this thread wrote when the
/// request has the same method, route, scheme, host and port (everything
/// the name may be made of), else written anew. A name made only of what
/// the code and configuration give (not of a `Host` header) is shared
/// process-wide ([`interned`]), so a request copies and frees no name.
fn span_name(method: &'static str, route: Option<&str>, origin: &Origin) -> Cow<'static, str> {
    let from_request = origin.host.is_some() && !origin.configured;
    if from_request && !host_keepable() {
        return Cow::Owned(render_span_name(method, route, origin));
    }
    let make = || {
        let name = render_span_name(method, route, origin);
        if from_request {
            Cow::Owned(name)
        } else {
            interned(name)
        }
    };
    let kept = |recent: &mut Recent| {
        let same = recent.name.as_ref().is_some_and(|last| {
            same_text(last.method, method)
                && last.route.as_deref() == route
                && same_text(last.scheme, origin.scheme)
                && last.host == origin.host
                && last.port == origin.port
                && last.configured == origin.configured
        });
        if !same {
            recent.name = Some(LastName {
                method,
                route: route.map(str::to_owned),
                scheme: origin.scheme,
                host: origin.host.clone(),
                port: origin.port,
                configured: origin.configured,
                name: make(),
            });
        }
        recent
            .name
            .as_ref()
            .map(|last| last.name.clone())
            .unwrap_or_default()
    };
    with_recent(kept, make)
}

/// Whether `a` and `b` are the same text: at once when they are the very
/// same text (the same address and length, as static text such as a
/// method or scheme of the conventions is), else by content.
fn same_text(a: &str, b: &str) -> bool {
    (a.as_ptr() == b.as_ptr() && a.len() == b.len()) || a == b
}

/// Most span names [`interned`] keeps; past it, names are copied per
/// request. Methods, routes, schemes and configured addresses come from the
/// code and its configuration, so real services stay far below it.
const MAX_NAMES: usize = 1024;

/// `name` as text shared for the life of the process (kept once, never
/// freed: at most [`MAX_NAMES`] of them).
fn interned(name: String) -> Cow<'static, str> {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let Ok(mut names) = NAMES.get_or_init(Mutex::default).lock() else {
        return Cow::Owned(name);
    };
    if let Some(kept) = names.get(name.as_str()) {
        return Cow::Borrowed(kept);
    }
    if names.len() >= MAX_NAMES {
        return Cow::Owned(name);
    }
    let kept: &'static str = Box::leak(name.into_boxed_str());
    names.insert(kept);
    Cow::Borrowed(kept)
}

fn render_span_name(method: &'static str, route: Option<&str>, origin: &Origin) -> String {
    let port_text = origin.port.map(|p| p.to_string());
    // The host as the server.address attribute leaves, never the raw header.
    let host = origin
        .host
        .as_deref()
        .map(|host| address::clean_address(redact::policy(), host));
    conventions::HTTP_SERVER_NAME.render(|key| match key {
        "http.request.method" => Some(if method == "_OTHER" { "HTTP" } else { method }),
        "http.route" => route,
        "url.scheme" => Some(origin.scheme),
        "server.address" => host.as_deref(),
        "server.port" => port_text.as_deref(),
        _ => None,
    })
}

/// The attributes given to the span builder at once (the sampler sees them,
/// and the route through its hint). With `ordered` (see [`ORDERED`]) only
/// `http.request.method`; the others follow in the order of
/// [`set_recorded_attributes`]. Without it, also those that cost no
/// allocation: `url.scheme`, `network.protocol.version`, `server.port`,
/// `network.peer.port`, in the builder's one list rather than by a call each.
fn start_attributes<B>(
    req: &Request<B>,
    method: &'static str,
    origin: &Origin,
    ordered: bool,
) -> Vec<KeyValue> {
    // Room for the recorded ones too: the span keeps this list.
    let mut attributes = Vec::with_capacity(16);
    attributes.push(KeyValue::new(KEYS[key::METHOD], method));
    if ordered {
        return attributes;
    }
    attributes.push(KeyValue::new(KEYS[key::SCHEME], origin.scheme));
    if let Some(version) = protocol_version(req.version()) {
        attributes.push(KeyValue::new(KEYS[key::PROTOCOL_VERSION], version));
    }
    if let Some(port) = origin.port {
        attributes.push(KeyValue::new(KEYS[key::SERVER_PORT], i64::from(port)));
    }
    if let Some(peer) = origin.peer {
        attributes.push(KeyValue::new(KEYS[key::PEER_PORT], i64::from(peer.port())));
    }
    attributes
}

/// Sets the attributes written from the request on `span`, once it is known
/// to record, and returns the Recommended ones, which follow the response's.
/// The order is that of the requirement levels (semantic conventions v1.45.0,
/// http-spans.md, HTTP server span), so that a small attribute count limit
/// (`OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`), which keeps the first attributes set
/// and discards the rest (specification, common/README.md, "Attribute
/// Limits"), keeps the most required ones, as in Go:
///
/// 1. Required: `http.request.method` (at the start), `url.path`,
///    `url.scheme`;
/// 2. Conditionally Required, those known from the request first:
///    `http.request.method_original`, `url.query`, then (from the response,
///    [`Pending::head`]) `http.route`, `http.response.status_code`,
///    `error.type`;
/// 3. Recommended: `server.address`, `server.port` (Conditionally Required
///    on `server.address` being set, so it follows it),
///    `network.protocol.version`, `client.address`, `network.peer.address`,
///    `network.peer.port`, `user_agent.original`.
///
/// Without `ordered` (a limit of 128 or more, see [`ORDERED`]) the
/// attributes [`start_attributes`] gave the builder are not set again, and
/// the other Recommended ones are set at once: every one of them is kept in
/// either order.
///
/// One the span's redacting processors drop at its end anyway is neither
/// copied nor set ([`redact::SourceDrops`]).
fn set_recorded_attributes<B>(
    span: &mut impl opentelemetry::trace::Span,
    req: &Request<B>,
    method: &'static str,
    origin: &Origin,
    ordered: bool,
) -> Option<Recommended> {
    use redact::source;
    let drops = redact::SourceDrops::take(span.span_context().span_id());
    let kept = |index: usize| !drops.drops(index);
    span.set_attribute(KeyValue::new(KEYS[key::PATH], req.uri().path().to_owned()));
    if ordered {
        span.set_attribute(KeyValue::new(KEYS[key::SCHEME], origin.scheme));
    }
    if method == "_OTHER" && kept(source::METHOD_ORIGINAL) {
        span.set_attribute(KeyValue::new(
            KEYS[key::METHOD_ORIGINAL],
            req.method().as_str().to_owned(),
        ));
    }
    if let Some(query) = req.uri().query().filter(|_| kept(source::QUERY)) {
        span.set_attribute(KeyValue::new(KEYS[key::QUERY], query.to_owned()));
    }
    let keep_client = kept(source::CLIENT);
    let keep_peer = kept(source::PEER);
    // Written only when one of the two addresses is kept.
    let peer = origin
        .peer
        .filter(|_| keep_peer || (keep_client && origin.client.is_none()))
        .map(|p| peer_text(p.ip()));
    // Without a forwarded client, the client is the peer.
    let client = origin
        .client
        .clone()
        .or_else(|| origin.client_port.and(peer.clone()))
        .filter(|_| keep_client);
    let agent = header(req, http::header::USER_AGENT)
        .filter(|_| kept(source::AGENT))
        .map(|agent| {
            if agent_keepable() {
                with_recent(
                    |recent| shared(&mut recent.agent, agent),
                    || Arc::from(agent),
                )
            } else {
                Arc::from(agent)
            }
        });
    // Without `ordered`, the port and version are in the builder's list.
    let recommended = Recommended {
        host: origin.host.clone(),
        port: origin.port.filter(|_| ordered),
        version: protocol_version(req.version()).filter(|_| ordered),
        client,
        peer_address: peer.filter(|_| keep_peer),
        peer_port: origin.peer.map(|p| p.port()).filter(|_| ordered),
        agent,
    };
    if ordered {
        return Some(recommended);
    }
    recommended.set_now(span);
    None
}

/// Whether the Recommended attributes wait for the response's: set by
/// `init` when the span attribute count limit is under the SDK's default of
/// 128. At 128 or more the four that cost no allocation go into the span
/// builder's list ([`start_attributes`]) and the others are set as the span
/// starts, straight onto it (a lock of the shared span for each and a box per
/// request fewer: see docs/benchmarks.md); the server's own attributes, at most sixteen, are
/// then all kept in either order, and only a handler adding over a hundred
/// could make the two orders keep different ones (as in Go).
pub(super) static ORDERED: AtomicBool = AtomicBool::new(false);

struct Pending {
    request: Traced,
    start: Instant,
    method: &'static str,
    route: Option<Arc<str>>,
    scheme: &'static str,
    /// `network.protocol.version`, when known.
    protocol: Option<&'static str>,
    server: Option<ServerAddress>,
    instruments: Arc<Instruments>,
    /// `http.response.status_code`, 0 until the response head is ready.
    status: u16,
    /// Whether the request failed (a 5xx answer, or no answer but an error).
    failed: bool,
}

impl Pending {
    /// Records the response head on the span: the route (when the router
    /// served it), the status code and a 5xx as an error. `unrouted`: the
    /// router matched the path but not the method (a 405 answer).
    fn head(&mut self, code: u16, unrouted: bool) {
        self.status = code;
        if unrouted {
            self.route = None;
        }
        if !self.request.own {
            return;
        }
        let span = self.request.cx.span();
        let route = self.route.as_ref().map(|route| {
            KeyValue::new(
                KEYS[key::ROUTE],
                Value::String(StringValue::from(route.clone())),
            )
        });
        if route.is_none() && unrouted {
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
        let status = KeyValue::new(KEYS[key::STATUS_CODE], i64::from(code));
        let error = (code >= 500).then(|| {
            self.failed = true;
            span.set_status(Status::error(""));
            KeyValue::new(KEYS[key::ERROR_TYPE], code.to_string())
        });
        match route {
            // Both under one lock of the span, from an array (no list).
            Some(route) => span.set_attributes([route, status]),
            None => span.set_attribute(status),
        }
        if let Some(error) = error {
            span.set_attribute(error);
        }
        // The Recommended ones wait for the end ([`Pending::finish`]): a body
        // failing after the head adds `error.type` (Conditionally Required),
        // which comes before them, as in Go.
    }

    /// Ends the span and records the duration. `error`: the request failed
    /// after (or instead of) its head; a caller that went away is not an
    /// error (`None`).
    fn finish(mut self, error: Option<String>) {
        let error_now = error.is_some();
        if self.request.own {
            let span = self.request.cx.span();
            if let (0, Some(route)) = (self.status, &self.route) {
                // No head was produced (the caller left first, or a panic):
                // the route the router chose still names the request, as it
                // does on the duration. Set here, not at routing time: a 405
                // head takes it back, and a span attribute cannot be removed.
                span.set_attribute(KeyValue::new(
                    KEYS[key::ROUTE],
                    Value::String(StringValue::from(route.clone())),
                ));
            }
            if let Some(message) = error {
                if self.status < 500 {
                    span.set_attribute(KeyValue::new(KEYS[key::ERROR_TYPE], "_OTHER"));
                }
                span.set_status(Status::error(message));
            }
            if let Some(later) = self.request.later.take() {
                // After every Conditionally Required one (attribute order).
                later.set_on(&span);
            }
            span.end();
        }
        if error_now {
            // Also after a 2xx or 4xx head: the body failed, so the request did.
            self.failed = true;
        }
        self.instruments.http_server_duration.record(
            self.start.elapsed().as_secs_f64(),
            DurationKey {
                method: self.method,
                scheme: self.scheme,
                protocol: self.protocol,
                route: self.route,
                status: self.status,
                error: self.failed,
                server: self.server,
            },
        );
    }

    /// Ends a request whose future or body was dropped before its end: the
    /// caller went away (not an error), or a panic unwinds through it.
    fn dropped(self) {
        let error = std::thread::panicking().then(|| "handler panicked".to_owned());
        self.finish(error);
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`HttpServerService`]. A panic in the handler
    /// is caught here and answered with a 500, recorded as an error.
    pub struct ResponseFuture<F, B> {
        #[pin]
        inner: F,
        state: Option<Pending>,
        _body: PhantomData<fn() -> B>,
    }

    impl<F, B> PinnedDrop for ResponseFuture<F, B> {
        fn drop(this: Pin<&mut Self>) {
            if let Some(pending) = this.project().state.take() {
                pending.dropped();
            }
        }
    }
}

impl<F, ResB, E> Future for ResponseFuture<F, ResB>
where
    F: Future<Output = Result<Response<ResB>, E>>,
    E: std::fmt::Display,
    ResB: Body,
{
    type Output = Result<Response<TracedBody<ResB>>, E>;

    // Inlined into the router's future (the panic paths are out of line,
    // see [`panicked`]): otherwise it is a call of its own and the response
    // is copied once more on its way out (callgrind, bench/rust).
    #[inline]
    fn poll(self: Pin<&mut Self>, task: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(pending) = this.state.as_ref() else {
            // `OPTIONS *`: untraced, with the same guard as a traced request.
            let inner = this.inner;
            return match std::panic::catch_unwind(AssertUnwindSafe(move || inner.poll(task))) {
                Ok(polled) => polled.map(|result| result.map(|r| r.map(TracedBody::untraced))),
                Err(_panic) => Poll::Ready(Ok(panic_answer())),
            };
        };
        let polled = {
            let _entered = pending.request.enter();
            let inner = this.inner;
            std::panic::catch_unwind(AssertUnwindSafe(move || inner.poll(task)))
        };
        let result = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(result)) => result,
            Err(_panic) => {
                panicked(this.state.take());
                return Poll::Ready(Ok(panic_answer()));
            }
        };
        let mut pending = this.state.take().expect("pending request");
        Poll::Ready(match result {
            Ok(response) => {
                let status = response.status();
                // axum answers a method its route lacks with 405 (adding
                // `Allow` only outside this layer): the route did not serve it.
                let unrouted = status == http::StatusCode::METHOD_NOT_ALLOWED;
                pending.head(status.as_u16(), unrouted);
                Ok(response.map(|body| TracedBody::new(body, pending)))
            }
            Err(error) => {
                pending.finish(Some(error.to_string()));
                Err(error)
            }
        })
    }
}

/// Ends a request whose handler panicked: a 500 head, the span an error.
/// Cold and out of line, so the futures and bodies that call it stay small
/// enough to be inlined on the path every request takes.
#[cold]
#[inline(never)]
fn panicked(pending: Option<Pending>) {
    if let Some(mut pending) = pending {
        pending.head(500, false);
        pending.finish(Some("handler panicked".to_owned()));
    }
}

/// Ends a request whose response body panicked, as an error (out of line,
/// as [`panicked`]).
#[cold]
#[inline(never)]
fn body_panicked(pending: Option<Pending>) {
    if let Some(pending) = pending {
        pending.finish(Some("response body panicked".to_owned()));
    }
}

/// The answer to a request whose handler panicked: 500, empty.
fn panic_answer<B: Body>() -> Response<TracedBody<B>> {
    let mut response = Response::new(TracedBody::untraced_empty());
    *response.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
    response
}

pin_project_lite::pin_project! {
    #[project = InnerProj]
    enum Inner<B> {
        Body { #[pin] body: B },
        Empty,
    }
}

pin_project_lite::pin_project! {
    /// The response body of [`HttpServerService`]: the server span ends when
    /// the body ends (an error while streaming it is recorded as the span's
    /// error; a caller that goes away ends the span without an error), and
    /// the duration covers the whole body.
    pub struct TracedBody<B> {
        #[pin]
        inner: Inner<B>,
        pending: Option<Pending>,
    }

    impl<B> PinnedDrop for TracedBody<B> {
        fn drop(this: Pin<&mut Self>) {
            if let Some(pending) = this.project().pending.take() {
                pending.dropped();
            }
        }
    }
}

impl<B: Body> TracedBody<B> {
    fn new(body: B, pending: Pending) -> Self {
        if body.is_end_stream() {
            // Nothing to stream: the request ends with its head.
            pending.finish(None);
            return Self::untraced(body);
        }
        Self {
            inner: Inner::Body { body },
            pending: Some(pending),
        }
    }

    fn untraced(body: B) -> Self {
        Self {
            inner: Inner::Body { body },
            pending: None,
        }
    }

    fn untraced_empty() -> Self {
        Self {
            inner: Inner::Empty,
            pending: None,
        }
    }
}

impl<B> Body for TracedBody<B>
where
    B: Body,
    B::Error: std::fmt::Display,
{
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        task: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let mut this = self.project();
        let polled = match this.inner.as_mut().project() {
            InnerProj::Empty => Poll::Ready(None),
            InnerProj::Body { body } => {
                // A panic in the body's code ends the span as an error here,
                // then unwinds on as it would without the layer: whoever
                // polls may keep (or leak) the body, and the span must not
                // wait for its drop.
                let polled = {
                    let _entered = this.pending.as_ref().map(|p| p.request.enter());
                    std::panic::catch_unwind(AssertUnwindSafe(|| body.poll_frame(task)))
                };
                match polled {
                    Ok(polled) => polled,
                    Err(panic) => {
                        body_panicked(this.pending.take());
                        std::panic::resume_unwind(panic)
                    }
                }
            }
        };
        let error = match &polled {
            Poll::Pending => return polled,
            Poll::Ready(Some(Err(error))) => Some(error.to_string()),
            Poll::Ready(Some(Ok(_))) if !this.inner.as_ref().is_end() => return polled,
            Poll::Ready(_) => None,
        };
        if let Some(pending) = this.pending.take() {
            pending.finish(error);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match &self.inner {
            Inner::Body { body } => body.size_hint(),
            Inner::Empty => http_body::SizeHint::with_exact(0),
        }
    }
}

impl<B: Body> Inner<B> {
    fn is_end(&self) -> bool {
        match self {
            Inner::Body { body } => body.is_end_stream(),
            Inner::Empty => true,
        }
    }
}

#[cfg(test)]
mod recent_tests {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    use std::sync::Arc;

    use super::{
        canonical_client, keepable, peer_text, render_span_name, shared, span_name, with_recent,
        Origin,
    };

    fn origin(scheme: &'static str, host: Option<&str>, port: Option<u16>) -> Origin {
        Origin {
            scheme,
            host: host.map(str::to_owned),
            port,
            configured: false,
            client: None,
            client_port: None,
            peer: None,
        }
    }

    #[test]
    fn shared_text_is_the_text_given() {
        let mut last = None;
        let a = shared(&mut last, "/orders/{id}");
        let again = shared(&mut last, "/orders/{id}");
        assert!(Arc::ptr_eq(&a, &again));
        let b = shared(&mut last, "/orders");
        assert_eq!(&*b, "/orders");
        assert_eq!(&*shared(&mut last, "/orders/{id}"), "/orders/{id}");
    }

    #[test]
    fn in_use_further_up_the_stack_the_text_is_made_fresh() {
        let inner = with_recent(|_| with_recent(|_| "kept", || "fresh"), || "outer fresh");
        assert_eq!(inner, "fresh");
        assert_eq!(with_recent(|_| "kept", || "fresh"), "kept");
    }

    #[test]
    fn peer_text_follows_the_address() {
        let one = IpAddr::V4(Ipv4Addr::new(10, 1, 2, 3));
        let two = IpAddr::V4(Ipv4Addr::new(192, 168, 0, 10));
        let six = IpAddr::V6(Ipv6Addr::LOCALHOST);
        for ip in [one, one, two, six, one, two, two] {
            assert_eq!(&*peer_text(ip), ip.to_string());
        }
    }

    /// A dual-stack listener sees an IPv4 client as `::ffff:a.b.c.d`: it is
    /// written as its IPv4 address, as gRPC and Go write it, so one client
    /// gets one pseudonym.
    #[test]
    fn an_ipv4_mapped_peer_is_its_ipv4_address() {
        let mapped: std::net::SocketAddr = "[::ffff:10.0.0.5]:4711".parse().unwrap();
        let mut req = http::Request::new(());
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(mapped));
        let peer = Origin::of(&req, None, false).peer.expect("the peer");
        assert_eq!(peer.ip(), IpAddr::V4(Ipv4Addr::new(10, 0, 0, 5)));
        assert_eq!(peer.port(), 4711);
        assert_eq!(&*peer_text(peer.ip()), "10.0.0.5");
        assert_eq!(&*canonical_client("::ffff:10.0.0.5"), "10.0.0.5");
        assert_eq!(&*canonical_client("2001:db8::1"), "2001:db8::1");
        assert_eq!(&*canonical_client("192.0.2.1"), "192.0.2.1");
    }

    /// A server that terminates TLS itself says so with `with_tls`: an
    /// HTTP/1.1 request does not (Go reads `r.TLS`).
    #[test]
    fn a_tls_server_is_https() {
        let req = http::Request::get("/orders")
            .header("host", "shop.example")
            .body(())
            .unwrap();
        assert_eq!(Origin::of(&req, None, false).scheme, "http");
        let origin = Origin::of(&req, None, true);
        assert_eq!(origin.scheme, "https");
        if super::conventions::SERVER_NAME.is_empty() {
            assert_eq!(origin.port, Some(443));
        }
    }

    /// A `Host` port that is no port gives no `server.port`, a missing one
    /// the scheme's default, as in Go.
    #[test]
    fn a_bad_host_port_gives_no_port() {
        if !super::conventions::SERVER_NAME.is_empty() {
            return;
        }
        for (host, port) in [
            ("shop.example:abc", None),
            ("shop.example:0", None),
            ("shop.example:99999", None),
            ("shop.example:8080", Some(8080)),
            ("shop.example", Some(80)),
            ("shop.example:", Some(80)),
            ("[2001:db8::1]:0", None),
            ("2001:db8::1", Some(80)),
        ] {
            let req = http::Request::get("/")
                .header("host", host)
                .body(())
                .unwrap();
            let origin = Origin::of(&req, None, false);
            assert_eq!(origin.port, port, "{host}");
            assert!(origin.host.is_some(), "{host}");
        }
    }

    /// The userinfo of a `Host` is cut before host and port are split: its
    /// `:` is no port separator (as in Go).
    #[test]
    fn the_userinfo_is_cut_before_the_port() {
        if !super::conventions::SERVER_NAME.is_empty() {
            return;
        }
        for (host, want, port) in [
            ("user:hunter2@shop.example", Some("shop.example"), Some(80)),
            ("jane.doe:pw@shop.example", Some("shop.example"), Some(80)),
            (
                "user:hunter2@shop.example:8443",
                Some("shop.example"),
                Some(8443),
            ),
            ("user@[::1]:8080", Some("::1"), Some(8080)),
            (
                "user:hunter2%40shop.example:8443",
                Some("shop.example"),
                Some(8443),
            ),
            ("user:pw%2540shop.example", Some("shop.example"), Some(80)),
            // A header value that is not visible ASCII is no host at all
            // here (`to_str`), so `＠` is only met at export (address.rs).
            ("user:pw\u{ff20}shop.example:9090", None, None),
            ("jane@", None, None),
            ("shop.example:8443", Some("shop.example"), Some(8443)),
        ] {
            let req = http::Request::get("/")
                .header("host", host)
                .body(())
                .unwrap();
            let origin = Origin::of(&req, None, false);
            assert_eq!(origin.host.as_deref(), want, "{host}");
            assert_eq!(origin.port, port, "{host}");
        }
    }

    /// A peer address the policy classes (hashed, with the shipped
    /// conventions) is not kept on the thread once its text is handed out.
    #[test]
    fn a_classed_peer_address_is_not_kept_on_the_thread() {
        let ip = IpAddr::V4(Ipv4Addr::new(10, 9, 8, 7));
        assert_eq!(&*peer_text(ip), "10.9.8.7");
        let kept = with_recent(|recent| recent.peer.is_some(), || false);
        let classed = !(keepable("network.peer.address") && keepable("client.address"));
        assert_eq!(kept, !classed, "classed: {classed}");
    }

    /// Names made from the code and configuration are shared; a name with
    /// a host a client sent is never kept for the process.
    #[test]
    fn names_from_a_host_header_are_not_interned() {
        use std::borrow::Cow;
        let plain = origin("http", None, None);
        let first = span_name("GET", Some("/interned/{id}"), &plain);
        let other = span_name("POST", Some("/interned/{id}"), &plain);
        let again = span_name("GET", Some("/interned/{id}"), &plain);
        assert!(matches!(first, Cow::Borrowed(_)), "{first}");
        assert_eq!(first.as_ptr(), again.as_ptr());
        assert_ne!(first, other);
        let sent = origin("http", Some("a.example"), Some(80));
        for _ in 0..2 {
            let name = span_name("GET", Some("/interned/{id}"), &sent);
            assert!(matches!(name, Cow::Owned(_)), "{name}");
            assert_eq!(name, render_span_name("GET", Some("/interned/{id}"), &sent));
        }
        let mut configured = origin("http", Some("a.example"), Some(80));
        configured.configured = true;
        let name = span_name("GET", Some("/interned/{id}"), &configured);
        assert!(matches!(name, Cow::Borrowed(_)), "{name}");
    }

    #[test]
    fn a_kept_span_name_is_the_one_its_request_would_get() {
        let cases = [
            ("GET", Some("/orders/{id}"), origin("http", None, None)),
            ("GET", Some("/orders/{id}"), origin("http", None, None)),
            ("POST", Some("/orders/{id}"), origin("http", None, None)),
            ("POST", Some("/orders"), origin("http", None, None)),
            ("POST", None, origin("http", None, None)),
            ("_OTHER", None, origin("https", None, None)),
            (
                "GET",
                Some("/orders"),
                origin("https", Some("a.example"), Some(443)),
            ),
            (
                "GET",
                Some("/orders"),
                origin("https", Some("b.example"), Some(443)),
            ),
            (
                "GET",
                Some("/orders"),
                origin("https", Some("b.example"), Some(8443)),
            ),
            (
                "GET",
                Some("/orders"),
                origin("http", Some("b.example"), Some(8443)),
            ),
            ("GET", Some("/orders/{id}"), origin("http", None, None)),
        ];
        for (method, route, origin) in &cases {
            assert_eq!(
                span_name(method, *route, origin),
                render_span_name(method, *route, origin),
                "{method} {route:?}"
            );
        }
    }
}

/// What the layer leaves out at the source must be exactly what the
/// redacting processors drop at the end: nothing else goes missing, and a
/// hashed value still leaves hashed where any processor hashes it.
#[cfg(test)]
mod source_drop_tests {
    use axum::body::Body;
    use axum::routing::get;
    use axum::Router;
    use opentelemetry::trace::{Span as _, Tracer as _, TracerProvider as _};
    use opentelemetry::{Context, KeyValue};
    use opentelemetry_sdk::metrics::SdkMeterProvider;
    use opentelemetry_sdk::trace::{
        InMemorySpanExporter, SdkTracerProvider, SimpleSpanProcessor, Span, SpanData, SpanProcessor,
    };
    use tower::ServiceExt as _;

    use super::super::instruments::Instruments;
    use super::super::redact::{self, Policy, Redacting};
    use super::super::rules::Action;
    use super::super::sampler::Levers;
    use super::HttpServerLayer;

    const KEY: &[u8] = b"source-drop-key";

    fn rules(key: &str) -> Option<Action> {
        match key {
            "client.address" | "url.query" => Some(Action::Hash),
            "network.peer.address" | "user_agent.original" => Some(Action::Drop),
            _ => None,
        }
    }

    fn policy(key: Option<&[u8]>) -> Policy {
        Policy::new(rules, key.map(<[u8]>::to_vec), &["sig"])
    }

    /// One request, with a query, an agent and a peer, through a router
    /// traced with `provider`; its server span as each exporter got it.
    async fn serve(provider: &SdkTracerProvider) {
        // Tracing on at ratio 1, whatever the conventions' defaults are.
        let instruments = Instruments::from_providers_with_levers(
            provider,
            &SdkMeterProvider::default(),
            Levers::new(true, 1.0),
        );
        let app = Router::new()
            .route("/orders/{id}", get(|| async { "ok" }))
            .layer(HttpServerLayer::with_instruments(instruments));
        let mut request = http::Request::get("/orders/7?page=2&sig=s3cret")
            .header(http::header::USER_AGENT, "probe/2.1 (jane@example.com)")
            .body(Body::empty())
            .unwrap();
        let peer: std::net::SocketAddr = "10.4.5.6:4711".parse().unwrap();
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        let response = app.oneshot(request).await.unwrap();
        drop(response);
        provider.force_flush().unwrap();
    }

    fn server_span(exporter: &InMemorySpanExporter) -> SpanData {
        let spans = exporter.get_finished_spans().unwrap();
        assert_eq!(spans.len(), 1, "{spans:?}");
        spans.into_iter().next().unwrap()
    }

    fn value(span: &SpanData, key: &str) -> Option<String> {
        span.attributes
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| kv.value.as_str().into_owned())
    }

    fn keys(span: &SpanData) -> Vec<String> {
        let mut keys: Vec<String> = span
            .attributes
            .iter()
            .map(|kv| kv.key.to_string())
            .collect();
        keys.sort();
        keys
    }

    /// Two redacting processors, one without a key (hashing drops) and one
    /// with: the keyed one still gets the hashed values, so the layer left
    /// out only what both drop.
    #[tokio::test]
    async fn only_what_every_redacting_processor_drops_is_left_out() {
        let plain = InMemorySpanExporter::default();
        let keyed = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(Redacting::with_policy(
                SimpleSpanProcessor::new(plain.clone()),
                policy(None),
            ))
            .with_span_processor(Redacting::with_policy(
                SimpleSpanProcessor::new(keyed.clone()),
                policy(Some(KEY)),
            ))
            .build();
        serve(&provider).await;
        let plain = server_span(&plain);
        let keyed = server_span(&keyed);
        for key in [
            "client.address",
            "url.query",
            "network.peer.address",
            "user_agent.original",
        ] {
            assert_eq!(value(&plain, key), None, "{key}");
        }
        assert_eq!(value(&keyed, "network.peer.address"), None);
        assert_eq!(value(&keyed, "user_agent.original"), None);
        assert_eq!(
            value(&keyed, "client.address"),
            Some(redact::hmac_sha256_hex(KEY, b"10.4.5.6"))
        );
        assert_eq!(
            value(&keyed, "url.query"),
            Some(redact::hmac_sha256_hex(KEY, b"page=2&sig=REDACTED"))
        );
        assert_eq!(value(&plain, "url.path").as_deref(), Some("/orders/7"));
        assert_eq!(value(&plain, "network.peer.port").as_deref(), Some("4711"));
    }

    /// A span no redacting processor saw start (another provider's did,
    /// on the same thread, just before) gets every attribute.
    #[tokio::test]
    async fn without_a_redacting_processor_nothing_is_left_out() {
        let redacted = InMemorySpanExporter::default();
        let other = SdkTracerProvider::builder()
            .with_span_processor(Redacting::with_policy(
                SimpleSpanProcessor::new(redacted.clone()),
                policy(None),
            ))
            .build();
        let raw = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(SimpleSpanProcessor::new(raw.clone()))
            .build();
        other.tracer("test").start("before").end();
        serve(&provider).await;
        let span = server_span(&raw);
        assert_eq!(value(&span, "client.address").as_deref(), Some("10.4.5.6"));
        assert_eq!(
            value(&span, "network.peer.address").as_deref(),
            Some("10.4.5.6")
        );
        assert_eq!(
            value(&span, "url.query").as_deref(),
            Some("page=2&sig=s3cret")
        );
        assert_eq!(
            value(&span, "user_agent.original").as_deref(),
            Some("probe/2.1 (jane@example.com)")
        );
    }

    /// A processor that starts a span of its own while the server span
    /// starts, or claims the slot for another span, cannot make the layer
    /// leave out less than the redaction drops at the end (it is applied in
    /// full there), nor more than it.
    #[derive(Debug)]
    struct Meddling {
        provider: SdkTracerProvider,
    }

    impl SpanProcessor for Meddling {
        fn on_start(&self, _span: &mut Span, _cx: &Context) {
            let mut inner = self.provider.tracer("meddling").start("inside");
            inner.set_attribute(KeyValue::new("k", "v"));
            inner.end();
        }
        fn on_end(&self, _span: SpanData) {}
        fn force_flush(&self) -> opentelemetry_sdk::error::OTelSdkResult {
            Ok(())
        }
        fn shutdown_with_timeout(
            &self,
            _timeout: std::time::Duration,
        ) -> opentelemetry_sdk::error::OTelSdkResult {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_processor_starting_spans_on_start_changes_no_export() {
        let reference = InMemorySpanExporter::default();
        let provider = SdkTracerProvider::builder()
            .with_span_processor(Redacting::with_policy(
                SimpleSpanProcessor::new(reference.clone()),
                policy(Some(KEY)),
            ))
            .build();
        serve(&provider).await;
        let expected = server_span(&reference);
        let dropping = SdkTracerProvider::builder()
            .with_span_processor(Redacting::with_policy(
                SimpleSpanProcessor::new(InMemorySpanExporter::default()),
                policy(None),
            ))
            .build();
        for meddler_first in [true, false] {
            let exporter = InMemorySpanExporter::default();
            let redacting = Redacting::with_policy(
                SimpleSpanProcessor::new(exporter.clone()),
                policy(Some(KEY)),
            );
            let meddling = Meddling {
                provider: dropping.clone(),
            };
            let builder = SdkTracerProvider::builder();
            let provider = if meddler_first {
                builder
                    .with_span_processor(meddling)
                    .with_span_processor(redacting)
            } else {
                builder
                    .with_span_processor(redacting)
                    .with_span_processor(meddling)
            }
            .build();
            serve(&provider).await;
            let span = server_span(&exporter);
            assert_eq!(
                keys(&span),
                keys(&expected),
                "meddler first: {meddler_first}"
            );
            for key in ["client.address", "url.query", "url.path"] {
                assert_eq!(value(&span, key), value(&expected, key), "{key}");
            }
        }
    }
}
