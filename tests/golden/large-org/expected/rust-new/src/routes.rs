//! The service's routes. Add yours here.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::otelconv::{HttpClient, HttpServerLayer};

/// What the handlers share.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Client for the downstream service; its calls are traced.
    pub client: HttpClient,
    /// Base URL of the downstream service.
    pub downstream: String,
}

/// The service's router, traced by the conventions' server layer. The
/// fallback is set before the layer, so requests that match no route are
/// traced too.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/orders/{id}", get(order))
        .route("/orders/{id}/call", get(call))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .with_state(state)
        .layer(HttpServerLayer::new())
}

/// `GET /orders/{id}`: the order's id.
async fn order(Path(id): Path<String>) -> Json<Value> {
    tracing::info!(order = %id, "order read");
    Json(json!({ "id": id }))
}

/// `GET /orders/{id}/call`: asks the downstream service for the same order
/// and answers with its status, or 502 when the call fails.
async fn call(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, StatusCode> {
    let url = format!("{}/orders/{id}", state.downstream.trim_end_matches('/'));
    let response = state.client.get(&url).send().await.map_err(|error| {
        // The log layer cleans URLs in the message (credentials, secret parameters).
        tracing::warn!(%error, "downstream call failed");
        StatusCode::BAD_GATEWAY
    })?;
    Ok(Json(json!({ "downstream": response.status().as_u16() })))
}
