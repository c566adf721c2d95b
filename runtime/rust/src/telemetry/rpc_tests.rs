//! The gRPC layers' tests (the `grpc` part), on the harness in `tests`.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context as TaskContext, Poll};

use axum::body::Body;
use http::{HeaderMap, Request, Response};
use http_body::Frame;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt};
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::trace::SpanData;
use tower::{Layer as _, ServiceExt as _};

use super::conventions;
use super::tests::{
    after_privacy, attr, expected_name, remote_parent, traceparent, Harness, PARENT_TRACE,
};
use super::*;

const RPC_SERVER_KNOWN: &[(&str, &str)] = &[
    ("rpc.system.name", "grpc"),
    ("rpc.method", "acme.shop.v1.Orders/Get"),
];
const RPC_CLIENT_KNOWN: &[(&str, &str)] = &[
    ("rpc.system.name", "grpc"),
    ("rpc.method", "acme.shop.v1.Orders/Get"),
    ("server.address", "127.0.0.1"),
    ("server.port", "50051"),
];
const RPC_OTHER_KNOWN: &[(&str, &str)] = &[("rpc.system.name", "grpc")];

struct GrpcTestBody {
    frames: Vec<Frame<bytes::Bytes>>,
}

impl http_body::Body for GrpcTestBody {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Poll::Ready(if self.frames.is_empty() {
            None
        } else {
            Some(Ok(self.frames.remove(0)))
        })
    }
}

fn grpc_response(code: &str) -> Response<GrpcTestBody> {
    let mut trailers = HeaderMap::new();
    trailers.insert("grpc-status", code.parse().unwrap());
    Response::new(GrpcTestBody {
        frames: vec![
            Frame::data(bytes::Bytes::from_static(b"x")),
            Frame::trailers(trailers),
        ],
    })
}

async fn drain<B: http_body::Body + Unpin>(mut body: B) {
    use std::future::poll_fn;
    while let Some(frame) = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        assert!(frame.is_ok());
    }
}

#[tokio::test]
async fn grpc_layers_record_rpc_attributes_and_status() {
    let h = Harness::new();
    let server = GrpcServerLayer::with_instruments(h.instruments.clone())
        .with_methods(["acme.shop.v1.Orders/Get"])
        .layer(tower::service_fn(|_req: Request<Body>| async {
            Ok::<_, std::convert::Infallible>(grpc_response("13"))
        }));
    let request = Request::post("/acme.shop.v1.Orders/Get")
        .header("traceparent", traceparent(true))
        .body(Body::empty())
        .unwrap();
    let response = server.oneshot(request).await.unwrap();
    drain(response.into_body()).await;
    let span = h.only(SpanKind::Server);
    assert_eq!(
        span.name,
        expected_name(&conventions::RPC_SERVER_NAME, RPC_SERVER_KNOWN).as_str()
    );
    // A public gRPC boundary starts a new trace and links the caller's.
    if trust::public_rpc("acme.shop.v1.Orders/Get") {
        assert_ne!(span.span_context.trace_id().to_string(), PARENT_TRACE);
        assert_eq!(span.links.links.len(), 1);
    } else {
        assert_eq!(span.span_context.trace_id().to_string(), PARENT_TRACE);
    }
    assert_eq!(attr(&span, "rpc.system.name"), Some(Value::from("grpc")));
    assert_eq!(
        attr(&span, "rpc.method"),
        Some(Value::from("acme.shop.v1.Orders/Get"))
    );
    assert_eq!(
        attr(&span, "rpc.status_code"),
        Some(Value::from("INTERNAL"))
    );
    assert_eq!(attr(&span, "error.type"), Some(Value::from("INTERNAL")));
    for old in ["rpc.system", "rpc.service", "rpc.grpc.status_code"] {
        assert_eq!(attr(&span, old), None, "{old}");
    }
    assert!(matches!(span.status, Status::Error { .. }));
    assert_eq!(
        h.histogram_points(conventions::RPC_SERVER_DURATION).len(),
        1
    );
    h.spans.reset();

    let seen = Arc::new(Mutex::new(None));
    let store = seen.clone();
    let client = GrpcClientLayer::with_instruments(h.instruments.clone()).layer(tower::service_fn(
        move |req: Request<Body>| {
            *store.lock().unwrap() = Some(req.headers().clone());
            async { Ok::<_, std::convert::Infallible>(grpc_response("0")) }
        },
    ));
    let request = Request::post("http://127.0.0.1:50051/acme.shop.v1.Orders/Get")
        .body(Body::empty())
        .unwrap();
    let response = {
        let _guard = remote_parent(true).attach();
        client.oneshot(request).await.unwrap()
    };
    drain(response.into_body()).await;
    let span = h.only(SpanKind::Client);
    assert_eq!(
        span.name,
        expected_name(&conventions::RPC_CLIENT_NAME, RPC_CLIENT_KNOWN).as_str()
    );
    assert_eq!(attr(&span, "rpc.status_code"), Some(Value::from("OK")));
    assert_eq!(
        attr(&span, "server.address"),
        Some(Value::from("127.0.0.1"))
    );
    assert_eq!(attr(&span, "server.port"), Some(Value::I64(50051)));
    assert_eq!(span.status, Status::Unset);
    assert_eq!(h.histogram_points(rpc::RPC_CLIENT_DURATION).len(), 1);
    let headers = seen.lock().unwrap().clone().unwrap();
    assert!(headers
        .get("traceparent")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with(&format!("00-{PARENT_TRACE}-")));
}

#[tokio::test]
async fn tonic_server_and_client_layers_trace_a_real_call() {
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::HealthCheckRequest;
    let h = Harness::new();
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("acme.shop.v1.Orders", tonic_health::ServingStatus::Serving)
        .await;
    let incoming =
        tonic::transport::server::TcpIncoming::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let address = incoming.local_addr().unwrap();
    let server = tonic::transport::Server::builder()
        .layer(
            GrpcServerLayer::with_instruments(h.instruments.clone())
                .with_methods(["grpc.health.v1.Health/Check"]),
        )
        .add_service(health)
        .serve_with_incoming(incoming);
    let server = tokio::spawn(server);
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let traced = tower::ServiceBuilder::new()
        .layer(
            GrpcClientLayer::with_instruments(h.instruments.clone())
                .with_target(&format!("http://{address}")),
        )
        .service(channel);
    let mut client = HealthClient::new(traced);
    let response = {
        let _guard = remote_parent(true).attach();
        client
            .check(HealthCheckRequest {
                service: "acme.shop.v1.Orders".to_owned(),
            })
            .await
            .unwrap()
    };
    assert_eq!(response.into_inner().status(), ServingStatus::Serving);
    let unknown = client
        .check(HealthCheckRequest {
            service: "nowhere".to_owned(),
        })
        .await;
    assert_eq!(unknown.unwrap_err().code(), tonic::Code::NotFound);
    server.abort();
    let spans = h.finished();
    let servers: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.span_kind == SpanKind::Server)
        .collect();
    let clients: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.span_kind == SpanKind::Client)
        .collect();
    assert_eq!((servers.len(), clients.len()), (2, 2), "{spans:#?}");
    let (server, client) = (servers[0], clients[0]);
    let port = address.port().to_string();
    let tonic_known = [
        ("rpc.system.name", "grpc"),
        ("rpc.method", "grpc.health.v1.Health/Check"),
        ("server.address", "127.0.0.1"),
        ("server.port", port.as_str()),
    ];
    assert_eq!(
        server.name,
        conventions::RPC_SERVER_NAME
            .render(|key| tonic_known.iter().find(|(k, _)| *k == key).map(|(_, v)| *v))
    );
    assert_eq!(
        client.name,
        conventions::RPC_CLIENT_NAME
            .render(|key| tonic_known.iter().find(|(k, _)| *k == key).map(|(_, v)| *v))
    );
    assert_eq!(attr(server, "rpc.system.name"), Some(Value::from("grpc")));
    assert_eq!(
        attr(server, "rpc.method"),
        Some(Value::from("grpc.health.v1.Health/Check"))
    );
    assert_eq!(attr(server, "rpc.status_code"), Some(Value::from("OK")));
    assert_eq!(attr(client, "rpc.status_code"), Some(Value::from("OK")));
    assert_eq!(
        attr(client, "server.port"),
        Some(Value::I64(i64::from(address.port())))
    );
    // An internal server continues the client's trace (the client span is
    // its parent); a public one starts a new trace linked to the client span.
    assert_eq!(client.span_context.trace_id().to_string(), PARENT_TRACE);
    if trust::public_rpc("grpc.health.v1.Health/Check") {
        assert_ne!(
            server.span_context.trace_id(),
            client.span_context.trace_id()
        );
        assert_eq!(
            server.links.links[0].span_context.span_id(),
            client.span_context.span_id()
        );
    } else {
        assert_eq!(
            server.span_context.trace_id(),
            client.span_context.trace_id()
        );
        assert_eq!(server.parent_span_id, client.span_context.span_id());
    }
    // NOT_FOUND is the caller's mistake: an error for the client only.
    assert_eq!(
        attr(servers[1], "rpc.status_code"),
        Some(Value::from("NOT_FOUND"))
    );
    assert_eq!(servers[1].status, Status::Unset);
    assert_eq!(attr(servers[1], "error.type"), None);
    assert!(matches!(clients[1].status, Status::Error { .. }));
    assert_eq!(
        attr(clients[1], "error.type"),
        Some(Value::from("NOT_FOUND"))
    );
    assert_eq!(
        h.histogram_points(conventions::RPC_SERVER_DURATION).len(),
        2
    );
}

/// Fifty methods the client makes up give one span name and one metric series
/// per side: `rpc.method` is `_OTHER`, the called name is in
/// `rpc.method_original`.
#[tokio::test]
async fn tonic_unknown_methods_are_other() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::HealthCheckRequest;
    let h = Harness::new();
    let (_reporter, health) = tonic_health::server::health_reporter();
    let incoming =
        tonic::transport::server::TcpIncoming::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let address = incoming.local_addr().unwrap();
    let server = tonic::transport::Server::builder()
        .layer(GrpcServerLayer::with_instruments(h.instruments.clone()))
        .add_service(health)
        .serve_with_incoming(incoming);
    let server = tokio::spawn(server);
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    // Each call goes out on a path of the caller's invention.
    let count = Arc::new(AtomicUsize::new(0));
    let next = count.clone();
    let invented = tower::ServiceBuilder::new()
        .map_request(move |mut req: Request<tonic::body::Body>| {
            let i = next.fetch_add(1, Ordering::SeqCst);
            let path = if i.is_multiple_of(2) {
                format!("/evil.Service{i}/Method{i}")
            } else {
                format!("/grpc.health.v1.Health/Nope{i}")
            };
            *req.uri_mut() = format!("http://{address}{path}").parse().unwrap();
            req
        })
        .layer(GrpcClientLayer::with_instruments(h.instruments.clone()))
        .service(channel);
    let mut client = HealthClient::new(invented);
    for _ in 0..50 {
        let answer = client
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await;
        assert_eq!(answer.unwrap_err().code(), tonic::Code::Unimplemented);
    }
    server.abort();
    let spans = h.finished();
    assert_eq!(spans.len(), 100, "{spans:#?}");
    let mut names = std::collections::BTreeSet::new();
    let mut originals = std::collections::BTreeSet::new();
    for span in &spans {
        names.insert((format!("{:?}", span.span_kind), span.name.to_string()));
        assert_eq!(
            attr(span, "rpc.method"),
            Some(Value::from(rpc::OTHER_METHOD))
        );
        assert_eq!(
            attr(span, "rpc.status_code"),
            Some(Value::from("UNIMPLEMENTED"))
        );
        assert_eq!(attr(span, "error.type"), Some(Value::from("UNIMPLEMENTED")));
        assert!(matches!(span.status, Status::Error { .. }));
        originals.insert(attr(span, "rpc.method_original").unwrap().to_string());
    }
    let server_name = expected_name(&conventions::RPC_SERVER_NAME, RPC_OTHER_KNOWN);
    let client_name = expected_name(&conventions::RPC_CLIENT_NAME, RPC_OTHER_KNOWN);
    assert_eq!(
        names,
        [
            ("Client".to_owned(), client_name),
            ("Server".to_owned(), server_name)
        ]
        .into_iter()
        .collect()
    );
    assert_eq!(originals.len(), 50);
    for metric in [conventions::RPC_SERVER_DURATION, rpc::RPC_CLIENT_DURATION] {
        // Every flush exports the cumulative series again: count distinct ones.
        let mut points = h.histogram_points(metric);
        points.dedup();
        assert_eq!(points.len(), 1, "{metric}: {points:?}");
        assert!(points[0].contains(&KeyValue::new("rpc.method", rpc::OTHER_METHOD)));
        assert!(!points[0]
            .iter()
            .any(|kv| kv.key.as_str() == "rpc.method_original"));
    }
}

/// With the recognised methods named, any other is `_OTHER` from the start.
#[tokio::test]
async fn grpc_layer_with_methods_names_unlisted_ones_other() {
    let h = Harness::new();
    let server = GrpcServerLayer::with_instruments(h.instruments.clone())
        .with_methods(["acme.shop.v1.Orders/Put"])
        .layer(tower::service_fn(|_req: Request<Body>| async {
            Ok::<_, std::convert::Infallible>(grpc_response("0"))
        }));
    let request = Request::post("/acme.shop.v1.Orders/Get")
        .body(Body::empty())
        .unwrap();
    let response = server.oneshot(request).await.unwrap();
    drain(response.into_body()).await;
    let span = h.only(SpanKind::Server);
    assert_eq!(
        span.name,
        expected_name(&conventions::RPC_SERVER_NAME, RPC_OTHER_KNOWN).as_str()
    );
    assert_eq!(
        attr(&span, "rpc.method"),
        Some(Value::from(rpc::OTHER_METHOD))
    );
    assert_eq!(
        attr(&span, "rpc.method_original"),
        Some(Value::from("acme.shop.v1.Orders/Get"))
    );
    assert_eq!(attr(&span, "rpc.status_code"), Some(Value::from("OK")));
    assert_eq!(rpc::status_name(16), "UNAUTHENTICATED");
    for (target, host, port) in [
        ("grpc.io:50051", "grpc.io", Some(50051)),
        ("dns://1.2.3.4/grpc.io:50051", "grpc.io", Some(50051)),
        ("dns:///grpc.io:50051", "grpc.io", Some(50051)),
        ("http://orders:8080", "orders", Some(8080)),
        ("https://orders", "orders", Some(443)),
        (
            "unix:///run/containerd/containerd.sock",
            "/run/containerd/containerd.sock",
            None,
        ),
        (
            "zk://zookeeper:2181/my-server",
            "zk://zookeeper:2181/my-server",
            None,
        ),
        ("[::1]:443", "::1", Some(443)),
        ("localhost", "localhost", None),
    ] {
        assert_eq!(
            rpc::target_address(target),
            (host.to_owned(), port),
            "{target}"
        );
    }
    assert_eq!(rpc::status_name(42), "42");
}

/// Serves the gRPC health service on loopback behind `layer`; returns its
/// address and the server task.
async fn health_server(
    layer: GrpcServerLayer,
) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>) {
    let (reporter, health) = tonic_health::server::health_reporter();
    reporter
        .set_service_status("acme.shop.v1.Orders", tonic_health::ServingStatus::Serving)
        .await;
    let incoming =
        tonic::transport::server::TcpIncoming::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let address = incoming.local_addr().unwrap();
    let server = tonic::transport::Server::builder()
        .layer(layer)
        .add_service(health)
        .serve_with_incoming(incoming);
    let task = tokio::spawn(async move {
        let _ = server.await;
    });
    (address, task)
}

fn tonic_peer(extensions: &http::Extensions) -> Option<std::net::SocketAddr> {
    extensions
        .get::<tonic::transport::server::TcpConnectInfo>()?
        .remote_addr()
}

/// Semantic conventions 1.45.0 recommend `network.peer.address` and
/// `network.peer.port` on RPC spans: the server records the caller's end of
/// the connection, the client the server it reached; neither goes on the
/// call durations.
#[tokio::test]
async fn tonic_layers_record_the_network_peer() {
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::HealthCheckRequest;
    let h = Harness::new();
    let (address, server) = health_server(
        GrpcServerLayer::with_instruments(h.instruments.clone())
            .with_methods(["grpc.health.v1.Health/Check"])
            .with_peer(tonic_peer),
    )
    .await;
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let traced = tower::ServiceBuilder::new()
        .layer(
            GrpcClientLayer::with_instruments(h.instruments.clone())
                .with_target(&format!("http://{address}")),
        )
        .service(channel);
    HealthClient::new(traced)
        .check(HealthCheckRequest {
            service: "acme.shop.v1.Orders".to_owned(),
        })
        .await
        .unwrap();
    server.abort();
    let spans = h.finished();
    assert_eq!(spans.len(), 2, "{spans:#?}");
    for span in &spans {
        // As exported: the conventions' privacy action applies.
        assert_eq!(
            attr(span, "network.peer.address"),
            after_privacy("network.peer.address", "127.0.0.1"),
            "{:?}",
            span.span_kind
        );
        let Some(Value::I64(port)) = attr(span, "network.peer.port") else {
            panic!("{:?} span has no network.peer.port", span.span_kind);
        };
        if span.span_kind == SpanKind::Client {
            assert_eq!(port, i64::from(address.port()));
        } else {
            assert!(port > 0 && port != i64::from(address.port()), "{port}");
        }
    }
    for name in [conventions::RPC_SERVER_DURATION, rpc::RPC_CLIENT_DURATION] {
        let points = h.histogram_points(name);
        assert!(!points.is_empty(), "{name}");
        for point in points {
            assert!(
                point
                    .iter()
                    .all(|kv| !kv.key.as_str().starts_with("network.peer.")),
                "{name}: {point:?}"
            );
        }
    }
}

/// A call that reached no server has no peer, though its target is an IP
/// address; a server without a way to read its peer records none.
#[tokio::test]
async fn no_network_peer_without_a_connection() {
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::HealthCheckRequest;
    let h = Harness::new();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = closed.local_addr().unwrap();
    drop(closed);
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{address}"))
        .unwrap()
        .connect_lazy();
    let traced = tower::ServiceBuilder::new()
        .layer(
            GrpcClientLayer::with_instruments(h.instruments.clone())
                .with_target(&format!("http://{address}")),
        )
        .service(channel);
    let answer = HealthClient::new(traced)
        .check(HealthCheckRequest::default())
        .await;
    assert!(answer.is_err());
    let span = h.only(SpanKind::Client);
    assert!(matches!(span.status, Status::Error { .. }));
    assert_eq!(attr(&span, "network.peer.address"), None);
    assert_eq!(attr(&span, "network.peer.port"), None);
    // The status the client generates, on the span and the duration (as in Go).
    let unavailable = Some(Value::from("UNAVAILABLE"));
    assert_eq!(attr(&span, "rpc.status_code"), unavailable);
    assert_eq!(attr(&span, "error.type"), unavailable);
    let points = h.histogram_points(rpc::RPC_CLIENT_DURATION);
    assert_eq!(points.len(), 1, "{points:?}");
    assert!(points[0].contains(&KeyValue::new("rpc.status_code", "UNAVAILABLE")));
    assert!(points[0].contains(&KeyValue::new("error.type", "UNAVAILABLE")));
}

#[tokio::test]
async fn grpc_server_peer_from_the_request_extensions() {
    let peers: [(Option<std::net::SocketAddr>, Option<&str>, Option<i64>); 3] = [
        (
            Some("10.1.2.3:5555".parse().unwrap()),
            Some("10.1.2.3"),
            Some(5555),
        ),
        (
            Some("[::ffff:127.0.0.1]:7".parse().unwrap()),
            Some("127.0.0.1"),
            Some(7),
        ),
        (None, None, None),
    ];
    for (peer, address, port) in peers {
        let h = Harness::new();
        let server = GrpcServerLayer::with_instruments(h.instruments.clone())
            .with_methods(["acme.shop.v1.Orders/Get"])
            .layer(tower::service_fn(|_req: Request<Body>| async {
                Ok::<_, std::convert::Infallible>(grpc_response("0"))
            }));
        let mut request = Request::post("/acme.shop.v1.Orders/Get")
            .body(Body::empty())
            .unwrap();
        if let Some(peer) = peer {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
        }
        let response = server.oneshot(request).await.unwrap();
        drain(response.into_body()).await;
        let span = h.only(SpanKind::Server);
        assert_eq!(
            attr(&span, "network.peer.address"),
            address.and_then(|a| after_privacy("network.peer.address", a))
        );
        assert_eq!(attr(&span, "network.peer.port"), port.map(Value::I64));
    }
}

/// The client's peer when nothing names it: an IP literal or a Unix socket
/// target, set once a response shows a connection; never a host name.
#[tokio::test]
async fn grpc_client_peer_from_the_target() {
    for (target, address, port) in [
        ("http://10.0.0.7:50051", Some("10.0.0.7"), Some(50051)),
        ("http://[::1]:443", Some("::1"), Some(443)),
        ("unix:/run/orders.sock", Some("/run/orders.sock"), None),
        ("http://orders:50051", None, None),
        ("dns:///10.0.0.7:50051", Some("10.0.0.7"), Some(50051)),
    ] {
        let h = Harness::new();
        let client = GrpcClientLayer::with_instruments(h.instruments.clone())
            .with_target(target)
            .layer(tower::service_fn(|_req: Request<Body>| async {
                Ok::<_, std::convert::Infallible>(grpc_response("0"))
            }));
        let request = Request::post("/acme.shop.v1.Orders/Get")
            .body(Body::empty())
            .unwrap();
        let response = client.oneshot(request).await.unwrap();
        drain(response.into_body()).await;
        let span = h.only(SpanKind::Client);
        assert_eq!(
            attr(&span, "network.peer.address"),
            address.and_then(|a| after_privacy("network.peer.address", a)),
            "{target}"
        );
        assert_eq!(
            attr(&span, "network.peer.port"),
            port.map(Value::I64),
            "{target}"
        );
    }
}

/// A peer the response's extensions name (a connector that records it) wins
/// over the target's address.
#[tokio::test]
async fn grpc_client_peer_from_the_response() {
    let h = Harness::new();
    let client = GrpcClientLayer::with_instruments(h.instruments.clone())
        .with_target("http://10.0.0.7:50051")
        .with_peer(|ext| ext.get::<std::net::SocketAddr>().copied())
        .layer(tower::service_fn(|_req: Request<Body>| async {
            let mut response = grpc_response("0");
            let reached: std::net::SocketAddr = "10.0.0.9:50052".parse().unwrap();
            response.extensions_mut().insert(reached);
            Ok::<_, std::convert::Infallible>(response)
        }));
    let request = Request::post("/acme.shop.v1.Orders/Get")
        .body(Body::empty())
        .unwrap();
    let response = client.oneshot(request).await.unwrap();
    drain(response.into_body()).await;
    let span = h.only(SpanKind::Client);
    assert_eq!(
        attr(&span, "network.peer.address"),
        after_privacy("network.peer.address", "10.0.0.9")
    );
    assert_eq!(attr(&span, "network.peer.port"), Some(Value::I64(50052)));
}

/// Layers built before `init` record with the providers `init` installs
/// (they find the global providers when a call comes), with the module's one
/// instrumentation scope: its name, scaffold's version and the schema URL,
/// which the resource carries too. This test installs global providers as
/// `init` does; the method is its own, so other tests' calls do not count.
#[tokio::test]
async fn grpc_layers_built_before_init_record_with_its_providers() {
    use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
    use opentelemetry_sdk::metrics::{InMemoryMetricExporter, PeriodicReader, SdkMeterProvider};
    use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider};
    const METHOD: &str = "acme.before.v1.Init/Call";
    let path = format!("/{METHOD}");
    let server = GrpcServerLayer::new()
        .with_methods([METHOD])
        .layer(tower::service_fn(|_req: Request<Body>| async {
            Ok::<_, std::convert::Infallible>(grpc_response("0"))
        }));
    let client = GrpcClientLayer::new()
        .with_target("http://127.0.0.1:50051")
        .layer(tower::service_fn(|_req: Request<Body>| async {
            Ok::<_, std::convert::Infallible>(grpc_response("0"))
        }));
    let call = |path: &str| Request::post(path).body(Body::empty()).unwrap();
    // Before init: the no-op providers.
    drain(
        server
            .clone()
            .oneshot(call(&path))
            .await
            .unwrap()
            .into_body(),
    )
    .await;

    let resource = init::resource(&|_| None, &mut settings::Warnings::default());
    assert_eq!(resource.schema_url(), Some(conventions::SCHEMA_URL));
    let spans = InMemorySpanExporter::default();
    let metrics = InMemoryMetricExporter::default();
    let tracer_provider = SdkTracerProvider::builder()
        .with_resource(resource.clone())
        .with_simple_exporter(spans.clone())
        .build();
    let meter_provider = SdkMeterProvider::builder()
        .with_resource(resource)
        .with_reader(PeriodicReader::builder(metrics.clone()).build())
        .build();
    opentelemetry::global::set_tracer_provider(tracer_provider.clone());
    opentelemetry::global::set_meter_provider(metrics::RedactingMeterProvider::new(
        meter_provider.clone(),
    ));
    instruments::Instruments::reset();

    drain(server.oneshot(call(&path)).await.unwrap().into_body()).await;
    drain(client.oneshot(call(&path)).await.unwrap().into_body()).await;
    metrics::meter()
        .u64_counter("acme.before.init.calls")
        .build()
        .add(1, &[]);
    tracer_provider.force_flush().unwrap();
    meter_provider.force_flush().unwrap();

    let scope_ok = |scope: &opentelemetry::InstrumentationScope| {
        scope.name() == conventions::SCOPE_NAME
            && scope.version() == Some(conventions::SCOPE_VERSION)
            && scope.schema_url() == Some(conventions::SCHEMA_URL)
    };
    let ours: Vec<SpanData> = spans
        .get_finished_spans()
        .unwrap()
        .into_iter()
        .filter(|s| attr(s, "rpc.method") == Some(Value::from(METHOD)))
        .collect();
    let kinds: Vec<&SpanKind> = ours.iter().map(|s| &s.span_kind).collect();
    assert_eq!(kinds, [&SpanKind::Server, &SpanKind::Client], "{ours:#?}");
    for span in &ours {
        assert!(
            scope_ok(&span.instrumentation_scope),
            "{:?}",
            span.instrumentation_scope
        );
    }
    let mut seen = Vec::new();
    for rm in metrics.get_finished_metrics().unwrap() {
        assert_eq!(rm.resource().schema_url(), Some(conventions::SCHEMA_URL));
        for sm in rm.scope_metrics() {
            for metric in sm.metrics() {
                let ours = match metric.data() {
                    AggregatedMetrics::F64(MetricData::Histogram(h)) => h.data_points().any(|p| {
                        p.attributes().any(|kv| {
                            kv.key.as_str() == "rpc.method" && kv.value.as_str() == METHOD
                        })
                    }),
                    _ => metric.name() == "acme.before.init.calls",
                };
                if ours {
                    assert!(scope_ok(sm.scope()), "{}: {:?}", metric.name(), sm.scope());
                    seen.push(metric.name().to_owned());
                }
            }
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(
        seen,
        [
            "acme.before.init.calls",
            rpc::RPC_CLIENT_DURATION,
            conventions::RPC_SERVER_DURATION
        ]
    );
}

/// Records the attributes each span has when it starts.
#[derive(Clone, Debug, Default)]
struct StartAttributes(Arc<Mutex<Vec<Vec<KeyValue>>>>);

impl opentelemetry_sdk::trace::SpanProcessor for StartAttributes {
    fn on_start(&self, span: &mut opentelemetry_sdk::trace::Span, _cx: &opentelemetry::Context) {
        if let Some(data) = span.exported_data() {
            self.0.lock().unwrap().push(data.attributes);
        }
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

/// A layer inside the server layer that answers before routing (here every
/// call is unauthenticated) hides whether a method exists: without a method
/// list, the server layer records every call as `_OTHER` from the start, so
/// callers cannot mint `rpc.method` values, span names or series; a client
/// with a method list sets `rpc.method` at span creation too (semantic
/// conventions 1.45.0, rpc-spans.md).
#[tokio::test]
async fn grpc_server_without_methods_records_other_from_the_start() {
    use opentelemetry_sdk::trace::SdkTracerProvider;
    let h = Harness::new();
    let started = StartAttributes::default();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(started.clone())
        .build();
    let metrics = opentelemetry_sdk::metrics::SdkMeterProvider::builder().build();
    let watched = Instruments::from_providers(&provider, &metrics);
    for instruments in [h.instruments.clone(), watched] {
        let server = GrpcServerLayer::with_instruments(instruments.clone()).layer(
            tower::service_fn(|_req: Request<Body>| async {
                Ok::<_, std::convert::Infallible>(grpc_response("16"))
            }),
        );
        for i in 0..3 {
            let request = Request::post(format!("/evil.S/M{i}"))
                .body(Body::empty())
                .unwrap();
            drain(server.clone().oneshot(request).await.unwrap().into_body()).await;
        }
        let client = GrpcClientLayer::with_instruments(instruments)
            .with_methods(["acme.shop.v1.Orders/Get"])
            .with_target("http://127.0.0.1:50051")
            .layer(tower::service_fn(|_req: Request<Body>| async {
                Ok::<_, std::convert::Infallible>(grpc_response("0"))
            }));
        let request = Request::post("/acme.shop.v1.Orders/Get")
            .body(Body::empty())
            .unwrap();
        drain(client.oneshot(request).await.unwrap().into_body()).await;
    }
    let spans = h.finished();
    let servers: Vec<_> = spans
        .iter()
        .filter(|s| s.span_kind == SpanKind::Server)
        .collect();
    assert_eq!(servers.len(), 3);
    for span in servers {
        assert_eq!(
            attr(span, "rpc.method"),
            Some(Value::from(rpc::OTHER_METHOD))
        );
        assert!(!span.name.contains("evil"), "{}", span.name);
        assert!(
            attr(span, "rpc.method_original").is_some_and(|v| v.as_str().starts_with("evil.S/M"))
        );
    }
    for point in h.histogram_points(conventions::RPC_SERVER_DURATION) {
        assert!(point.contains(&KeyValue::new("rpc.method", rpc::OTHER_METHOD)));
    }
    let started = started.0.lock().unwrap().clone();
    assert_eq!(started.len(), 4);
    let methods: Vec<_> = started
        .iter()
        .map(|attributes| {
            attributes
                .iter()
                .find(|kv| kv.key.as_str() == "rpc.method")
                .map(|kv| kv.value.as_str().into_owned())
        })
        .collect();
    assert_eq!(
        methods,
        [
            Some("_OTHER".to_owned()),
            Some("_OTHER".to_owned()),
            Some("_OTHER".to_owned()),
            Some("acme.shop.v1.Orders/Get".to_owned())
        ]
    );
}
