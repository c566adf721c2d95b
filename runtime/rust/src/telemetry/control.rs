//! Incident levers at run time: switch tracing off or change the sampling
//! ratio without a redeploy, through an admin endpoint or a watched file.
//! Every change is logged.
//!
//! Both take the same JSON: `{"enabled": false}`, `{"ratio": 0.05}`,
//! `{"reset_ratio": true}` (back to the environment's and per-route ratios),
//! or several at once. Reading returns `{"enabled": .., "ratio": ..}`.

use std::path::PathBuf;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

use super::conventions;
use super::sampler::Levers;

/// Applies a JSON change to `levers`, logging what changed and naming
/// `source` (where the change came from), and returns the resulting state.
pub fn apply(levers: &Levers, change: &Value, source: &str) -> Result<Value, String> {
    let Value::Object(map) = change else {
        return Err("expected a JSON object".to_owned());
    };
    let mut enabled = None;
    let mut ratio = None;
    let mut reset = false;
    for (key, value) in map {
        match (key.as_str(), value) {
            ("enabled", Value::Bool(b)) => enabled = Some(*b),
            ("ratio", Value::Number(n)) => match n.as_f64() {
                Some(r) if (0.0..=1.0).contains(&r) => ratio = Some(r),
                _ => return Err(format!("ratio {n} is not between 0 and 1")),
            },
            ("reset_ratio", Value::Bool(b)) => reset = *b,
            _ => return Err(format!("unknown or mistyped field {key:?}")),
        }
    }
    let was_enabled = levers.enabled();
    let was_ratio = levers.ratio();
    if let Some(enabled) = enabled {
        levers.set_enabled(enabled);
    }
    if reset {
        levers.reset_ratio();
    } else if let Some(ratio) = ratio {
        levers.set_ratio(ratio);
    }
    if levers.enabled() != was_enabled || levers.ratio() != was_ratio || reset {
        tracing::warn!(
            source,
            tracing_enabled = levers.enabled(),
            was_enabled,
            sampling_ratio = levers.ratio(),
            was_ratio,
            "telemetry levers changed"
        );
    }
    Ok(state(levers))
}

/// The levers' state as JSON.
pub fn state(levers: &Levers) -> Value {
    json!({ "enabled": levers.enabled(), "ratio": levers.ratio() })
}

fn json_response(status: StatusCode, body: Value) -> axum::response::Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// A router serving the levers at the conventions' admin path: `GET` reads
/// them, `POST` or `PUT` changes them. Mount it on a listener only operators
/// reach.
pub fn admin_router(levers: Levers) -> Router {
    let read = levers.clone();
    let change = move |body: Bytes| {
        let levers = levers.clone();
        async move {
            let parsed: Result<Value, String> =
                serde_json::from_slice(&body).map_err(|e| e.to_string());
            match parsed.and_then(|change| apply(&levers, &change, "admin")) {
                Ok(state) => json_response(StatusCode::OK, state),
                Err(message) => json_response(StatusCode::BAD_REQUEST, json!({ "error": message })),
            }
        }
    };
    Router::new().route(
        conventions::ADMIN_PATH,
        get(move || {
            let levers = read.clone();
            async move { json_response(StatusCode::OK, state(&levers)) }
        })
        .post(change.clone())
        .put(change),
    )
}

/// Polls `path` every `interval` and applies its JSON content when it
/// changes. A missing file changes nothing; an invalid one is logged. Runs
/// until the returned task is aborted.
pub fn watch_file(
    levers: Levers,
    path: PathBuf,
    interval: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let source = format!("file {}", path.display());
        let mut last: Option<Vec<u8>> = None;
        let mut ticker = tokio::time::interval(interval);
        loop {
            ticker.tick().await;
            let Ok(content) = tokio::fs::read(&path).await else {
                continue;
            };
            if last.as_deref() == Some(content.as_slice()) {
                continue;
            }
            let result = serde_json::from_slice::<Value>(&content)
                .map_err(|e| e.to_string())
                .and_then(|change| apply(&levers, &change, &source));
            if let Err(error) = result {
                tracing::error!(path = %path.display(), %error, "telemetry control file rejected");
            }
            last = Some(content);
        }
    })
}

/// Starts the control the conventions choose: the watched file's poller, or
/// nothing for the admin endpoint (mount [`admin_router`]).
pub fn start(levers: &Levers) -> Option<tokio::task::JoinHandle<()>> {
    match conventions::CONTROL {
        super::rules::Control::WatchedFile => Some(watch_file(
            levers.clone(),
            PathBuf::from(conventions::CONTROL_FILE),
            conventions::CONTROL_POLL_INTERVAL,
        )),
        super::rules::Control::AdminHandler => None,
    }
}
