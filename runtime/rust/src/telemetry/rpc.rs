//! gRPC (tonic): tower layers for servers and clients with semantic-convention
//! RPC attributes. They work on the HTTP/2 requests tonic sends and receives,
//! so they fit `tonic::transport::Server::builder().layer(..)` and a
//! `tower::ServiceBuilder` around a `tonic::transport::Channel`.
//!
//! The span stays open until the response stream ends, so the status in the
//! trailers (`grpc-status`) is the one recorded. The server layer follows the
//! conventions' trust policy (`trust.grpc_server` and `pkg.Service/*` route
//! overrides); with tracing switched off both layers pass the context on
//! unchanged.

use std::future::Future;
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
use super::instruments::Instruments;
use super::propagation;
use super::sampler;
use super::trust;

/// gRPC status codes a server span counts as errors (the others are the
/// caller's mistakes).
const SERVER_ERROR_CODES: &[i64] = &[2, 4, 12, 13, 14, 15];

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

/// One RPC in flight; ended once, by whoever sees the status first.
struct Call {
    cx: Context,
    /// Whether `cx` holds this call's own span (not when passed through).
    traced: bool,
    start: Instant,
    side: Side,
    labels: Vec<KeyValue>,
    instruments: Arc<Instruments>,
}

impl Call {
    fn start<B>(instruments: &Arc<Instruments>, side: Side, req: &mut Request<B>) -> Self {
        let (service, method) = split_path(req.uri().path()).unwrap_or(("", ""));
        // A public gRPC boundary starts a new trace and links the caller's.
        let (parent, links) = match side {
            Side::Server => trust::boundary(
                propagation::extract(req.headers()),
                trust::public_rpc(&format!("{service}/{method}")),
            ),
            Side::Client => (Context::current(), Vec::new()),
        };
        let get = |key: &str| match key {
            "rpc.service" => Some(service),
            "rpc.method" => Some(method),
            "rpc.system" => Some("grpc"),
            _ => None,
        };
        let (name, kind) = match side {
            Side::Server => (conventions::RPC_SERVER_NAME.render(get), SpanKind::Server),
            Side::Client => (conventions::RPC_CLIENT_NAME.render(get), SpanKind::Client),
        };
        let mut labels = vec![KeyValue::new("rpc.system", "grpc")];
        if !service.is_empty() {
            labels.push(KeyValue::new("rpc.service", service.to_owned()));
            labels.push(KeyValue::new("rpc.method", method.to_owned()));
        }
        if side == Side::Client {
            if let Some(host) = req.uri().host() {
                labels.push(KeyValue::new("server.address", host.to_owned()));
            }
            let port = req.uri().port_u16().or(match req.uri().scheme_str() {
                Some("https") => Some(443),
                Some("http") => Some(80),
                _ => None,
            });
            if let Some(port) = port {
                labels.push(KeyValue::new("server.port", i64::from(port)));
            }
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
                .with_attributes(labels.clone())
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
            labels,
            instruments: instruments.clone(),
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
        if let Some(code) = code {
            span.set_attribute(KeyValue::new("rpc.grpc.status_code", code));
            self.labels
                .push(KeyValue::new("rpc.grpc.status_code", code));
            let failed = match self.side {
                Side::Server => SERVER_ERROR_CODES.contains(&code),
                Side::Client => code != 0,
            };
            if failed {
                span.set_attribute(KeyValue::new("error.type", code.to_string()));
                span.set_status(Status::error(""));
            }
        }
        if let Some(message) = error {
            span.set_attribute(KeyValue::new("error.type", "_OTHER"));
            span.set_status(Status::error(message));
        }
        span.end();
        if self.side == Side::Server {
            self.instruments
                .rpc_server_duration
                .record(self.start.elapsed().as_secs_f64(), &self.labels);
        }
    }
}

type Shared = Arc<Mutex<Option<Call>>>;

fn finish_shared(call: &Shared, code: Option<i64>, error: Option<String>) {
    let taken = call.lock().map(|mut c| c.take()).unwrap_or(None);
    if let Some(call) = taken {
        call.finish(code, error);
    }
}

/// Traces inbound gRPC calls.
#[derive(Clone, Debug)]
pub struct GrpcServerLayer {
    instruments: Arc<Instruments>,
}

/// Traces outbound gRPC calls and injects the context.
#[derive(Clone, Debug)]
pub struct GrpcClientLayer {
    instruments: Arc<Instruments>,
}

macro_rules! layer_constructors {
    ($layer:ident) => {
        impl $layer {
            /// A layer recording with the global providers `init` installed.
            pub fn new() -> Self {
                Self {
                    instruments: Instruments::global(),
                }
            }

            /// A layer recording with these instruments.
            pub fn with_instruments(instruments: Arc<Instruments>) -> Self {
                Self { instruments }
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

impl<S> Layer<S> for GrpcServerLayer {
    type Service = GrpcService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GrpcService {
            inner,
            instruments: self.instruments.clone(),
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
            side: Side::Client,
        }
    }
}

/// The service the gRPC layers wrap around a server or a channel.
#[derive(Clone, Debug)]
pub struct GrpcService<S> {
    inner: S,
    instruments: Arc<Instruments>,
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
        let call = Call::start(&self.instruments, self.side, &mut req);
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
