//! The demo's routes (tests/e2e): written over the skeleton's routes.rs of the
//! Rust service the demo renders.
//!
//! - `GET /orders/{id}` answers the order. The id `fail` answers 503 (the
//!   order store is down); the header `X-Delay-Ms` makes it wait that many
//!   milliseconds first (at most 1000), for latency measurements.
//! - `GET /orders/{id}/call` asks the downstream service for the same order
//!   and answers 502 when the call fails or the downstream answers 5xx.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::telemetry::{HttpClient, HttpServerLayer};

/// What the handlers share.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Client for the downstream service; its calls are traced.
    pub client: HttpClient,
    /// Base URL of the downstream service.
    pub downstream: String,
}

/// The service's router, traced by the conventions' server layer.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/orders/{id}", get(order))
        .route("/orders/{id}/call", get(call))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .with_state(state)
        .layer(HttpServerLayer::new())
}

/// `GET /orders/{id}`: the order's id, or 503 for the id `fail`.
async fn order(Path(id): Path<String>, headers: HeaderMap) -> (StatusCode, Json<Value>) {
    let delay = headers
        .get("x-delay-ms")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|ms| *ms <= 1000);
    if let Some(ms) = delay {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if id == "fail" {
        tracing::error!(order = %id, "order store unavailable");
        let body = json!({ "error": "order store unavailable" });
        return (StatusCode::SERVICE_UNAVAILABLE, Json(body));
    }
    tracing::info!(order = %id, "order read");
    (StatusCode::OK, Json(json!({ "id": id })))
}

/// `GET /orders/{id}/call`: asks the downstream service for the same order.
async fn call(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> (StatusCode, Json<Value>) {
    let url = format!("{}/orders/{id}", state.downstream.trim_end_matches('/'));
    match state.client.get(&url).send().await {
        Ok(response) => {
            let code = response.status().as_u16();
            tracing::info!(http.response.status_code = code, "downstream answered");
            let status = if code >= 500 {
                StatusCode::BAD_GATEWAY
            } else {
                StatusCode::OK
            };
            (status, Json(json!({ "downstream": code })))
        }
        Err(error) => {
            tracing::warn!(%error, "downstream call failed");
            let body = json!({ "error": "downstream unavailable" });
            (StatusCode::BAD_GATEWAY, Json(body))
        }
    }
}
