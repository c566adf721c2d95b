//! The service's routes. Add yours here.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;

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
        .route("/healthz", get(|| async { "ok" }))
        .route("/orders/{id}", get(order))
        .with_state(state)
        .layer(HttpServerLayer::new())
}

/// An example route that calls a downstream service over HTTP.
async fn order(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<String, StatusCode> {
    tracing::info!(order = %id, "looking up stock");
    let url = format!("{}/stock/{id}", state.downstream.trim_end_matches('/'));
    let response = state
        .client
        .execute(state.client.get(&url))
        .await
        .map_err(|error| {
            tracing::warn!(%error, "downstream call failed");
            StatusCode::BAD_GATEWAY
        })?;
    let stock = response.text().await.map_err(|_| StatusCode::BAD_GATEWAY)?;
    Ok(format!("order {id}: {stock}"))
}
