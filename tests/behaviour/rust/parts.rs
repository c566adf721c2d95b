//! The behaviour table's routes for the generated module's other parts
//! (tests/behaviour/README.md): gRPC, the database helper and messaging, each
//! driven by an HTTP route so the rows can reach them. Written as a service
//! team would, with the generated module's public API only (and tonic, which
//! the harness adds to this crate's dependencies).

use std::net::SocketAddr;
use std::task::{Context as TaskContext, Poll};

use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use opentelemetry::trace::TraceContextExt as _;
use opentelemetry::Context;
use serde_json::{json, Value};
use tonic_health::pb::health_client::HealthClient;
use tonic_health::pb::HealthCheckRequest;

use crate::telemetry::db::{self, DbOperation};
use crate::telemetry::messaging::{self, ByteHeaders, ByteHeadersReader, Destination};
use crate::telemetry::{GrpcClientLayer, GrpcServerLayer, Instruments};

/// The parts' routes, merged into the fixture's router (under its layer).
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/rpc/{which}", get(rpc))
        .route("/db/{which}", get(database))
        .route("/messaging", get(messages))
        .route("/messaging-flags-09", get(messages_flags_09))
        .route("/messaging-repeated-traceparent", get(messages_repeated))
}

/// The caller's address as tonic's server keeps it.
fn tonic_peer(extensions: &http::Extensions) -> Option<SocketAddr> {
    extensions
        .get::<tonic::transport::server::TcpConnectInfo>()?
        .remote_addr()
}

static GRPC_PEER: tokio::sync::OnceCell<SocketAddr> = tokio::sync::OnceCell::const_new();

/// The gRPC health service on loopback behind the module's server layer,
/// started at the first call.
async fn grpc_peer() -> Result<SocketAddr, String> {
    GRPC_PEER
        .get_or_try_init(|| async {
            let (_reporter, health) = tonic_health::server::health_reporter();
            let incoming = tonic::transport::server::TcpIncoming::bind(([127, 0, 0, 1], 0).into())
                .map_err(|e| e.to_string())?;
            let address = incoming.local_addr().map_err(|e| e.to_string())?;
            let server = tonic::transport::Server::builder()
                .layer(
                    GrpcServerLayer::new()
                        .with_methods(["grpc.health.v1.Health/Check", "grpc.health.v1.Health/Watch"])
                        .with_peer(tonic_peer),
                )
                .add_service(health)
                .serve_with_incoming(incoming);
            tokio::spawn(async move {
                let _ = server.await;
            });
            Ok(address)
        })
        .await
        .copied()
}

/// Sends every request of a client to another method, as a caller of a
/// method the server does not have would.
#[derive(Clone)]
struct Rename<S>(S, &'static str);

impl<S, B> tower::Service<http::Request<B>> for Rename<S>
where
    S: tower::Service<http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, mut req: http::Request<B>) -> Self::Future {
        let mut parts = req.uri().clone().into_parts();
        parts.path_and_query = Some(http::uri::PathAndQuery::from_static(self.1));
        if let Ok(uri) = http::Uri::from_parts(parts) {
            *req.uri_mut() = uri;
        }
        self.0.call(req)
    }
}

/// Calls the health service through the module's client layer: `known` its
/// Check method, `unknown` a method no service on the server registered,
/// `listed` Check through a layer told to recognise only Watch. Answers 200
/// with the gRPC status either way.
async fn rpc(Path(which): Path<String>) -> Result<Json<Value>, StatusCode> {
    let address = grpc_peer()
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    let target = format!("http://{address}");
    let channel = tonic::transport::Endpoint::from_shared(target.clone())
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?
        .connect()
        .await
        .map_err(|_| StatusCode::BAD_GATEWAY)?;
    let mut layer = GrpcClientLayer::new().with_target(&target);
    if which == "listed" {
        layer = layer.with_methods(["grpc.health.v1.Health/Watch"]);
    }
    let plain = channel.clone();
    let traced = tower::Layer::layer(&layer, channel);
    let request = HealthCheckRequest {
        service: String::new(),
    };
    let answer = match which.as_str() {
        "known" | "listed" => HealthClient::new(traced).check(request).await,
        "unknown" => {
            HealthClient::new(Rename(traced, "/acme.shop.v1.Orders/Nope"))
                .check(request)
                .await
        }
        "twice" => {
            // A plain (uninstrumented) client sending two traceparent
            // metadata values in one call: no valid parent together.
            let mut request = tonic::Request::new(request);
            for parent in [
                "00-12345678901234567890123456789011-1234567890123456-01",
                "00-12345678901234567890123456789012-1234567890123456-01",
            ] {
                request.metadata_mut().append(
                    "traceparent",
                    tonic::metadata::MetadataValue::from_static(parent),
                );
            }
            HealthClient::new(plain).check(request).await
        }
        _ => return Err(StatusCode::NOT_FOUND),
    };
    let outcome = match answer {
        Ok(_) => "OK".to_owned(),
        Err(status) => status.to_string(),
    };
    Ok(Json(json!({ "rpc": outcome })))
}

/// The database calls `/db/{which}` makes through the module's helper, each
/// naming a different step of the conventions' naming rule.
fn query(which: &str) -> Option<DbOperation<'static>> {
    let base = DbOperation {
        system: "sqlite",
        ..Default::default()
    };
    Some(match which {
        "summary" => DbOperation {
            operation: Some("SELECT"),
            collection: Some("orders"),
            summary: Some("SELECT orders"),
            query: Some("SELECT id FROM orders WHERE id = 7"),
            ..base
        },
        "collection" => DbOperation {
            operation: Some("SELECT"),
            collection: Some("orders"),
            query: Some("SELECT id FROM orders"),
            ..base
        },
        "operation" => DbOperation {
            operation: Some("SELECT"),
            query: Some("SELECT 1"),
            ..base
        },
        "procedure" => DbOperation {
            operation: Some("CALL"),
            procedure: Some("refresh_totals"),
            query: Some("CALL refresh_totals"),
            ..base
        },
        "namespace" => DbOperation {
            operation: Some("SELECT"),
            namespace: Some("shop"),
            query: Some("SELECT 1"),
            ..base
        },
        "server" => DbOperation {
            operation: Some("SELECT"),
            server: Some("db.internal"),
            port: Some(5432),
            query: Some("SELECT 1"),
            ..base
        },
        "target" => DbOperation {
            collection: Some("orders"),
            query: Some("SELECT id FROM orders"),
            ..base
        },
        "system" => DbOperation {
            query: Some("SELECT 1"),
            ..base
        },
        "failing" => DbOperation {
            operation: Some("SELECT"),
            collection: Some("orders"),
            query: Some("SELECT broken FROM orders"),
            ..base
        },
        _ => return None,
    })
}

/// The fixture's database: every query answers "ok"; a query that mentions
/// "broken" fails (the rows judge the module's spans, not a database engine).
async fn run_query(text: &str) -> Result<String, String> {
    tokio::task::yield_now().await;
    if text.contains("broken") {
        Err("no such column: broken".to_owned())
    } else {
        Ok("ok".to_owned())
    }
}

/// Runs one query inside the module's database helper.
async fn database(Path(which): Path<String>) -> Result<Json<Value>, StatusCode> {
    let op = query(&which).ok_or(StatusCode::NOT_FOUND)?;
    let text = op.query.unwrap_or_default();
    let answer = db::traced(&Instruments::current(), op, run_query(text)).await;
    Ok(Json(
        json!({ "answer": answer.clone().unwrap_or_default(), "failed": answer.is_err() }),
    ))
}

/// Sends a message with the context in its headers, then receives it with
/// nothing but the headers (in an empty context, as a consumer in another
/// process would have).
async fn messages() -> Json<Value> {
    send_and_process(None)
}

/// [`messages`] with the message's traceparent flags set to "09" (sampled
/// and a bit W3C Trace Context leaves undefined) between the send and the
/// receive.
async fn messages_flags_09() -> Json<Value> {
    send_and_process(Some("09"))
}

/// Messaging with the message's traceparent header repeated, under another
/// case, between the send and the receive.
async fn messages_repeated() -> Json<Value> {
    send_and_process(Some("repeat"))
}

fn send_and_process(flags: Option<&str>) -> Json<Value> {
    let instruments = Instruments::current();
    let destination = Destination {
        system: "kafka",
        name: "orders".to_owned(),
        ..Default::default()
    };
    let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
    let sent = messaging::start_send(&instruments, &destination, &mut ByteHeaders(&mut headers));
    sent.span().end();
    if flags == Some("repeat") {
        let again = headers
            .iter()
            .find(|(name, _)| name == "traceparent")
            .map(|(_, value)| value.clone());
        if let Some(value) = again {
            headers.push(("Traceparent".to_owned(), value));
        }
    } else if let Some(flags) = flags {
        for (name, value) in &mut headers {
            if name == "traceparent" && value.len() == 55 {
                value.truncate(53);
                value.extend_from_slice(flags.as_bytes());
            }
        }
    }
    let processed = {
        let _empty = Context::new().attach();
        messaging::start_process(&instruments, &destination, &ByteHeadersReader(&headers))
    };
    processed.span().end();
    let names: Vec<&str> = headers.iter().map(|(name, _)| name.as_str()).collect();
    Json(json!({ "headers": names }))
}
