//! Incident levers at run time: switch tracing off or change the sampling
//! ratio without a redeploy, through the admin listener or a watched file.
//! Every change is logged with its source.
//!
//! Both take the same JSON object, parsed strictly (an unknown or mistyped
//! field refuses the whole change): `{"enabled": false}`, `{"ratio": 0.05}`,
//! `{"ratio": null}` or `{"reset_ratio": true}` (back to the environment's
//! and per-route ratios), or several at once. Reading returns
//! `{"enabled": .., "ratio": ..}`.
//!
//! The admin listener ([`serve_admin`]) is separate from the service's own
//! listener, on loopback by default ([`conventions::ADMIN_ADDRESS`]). Every
//! request needs the bearer token from [`conventions::ADMIN_TOKEN_ENV`] (or
//! the file named by that variable with `_FILE` appended); without a
//! configured token every request is refused; the `Bearer` scheme is matched
//! in any case (RFC 9110, RFC 6750) and the token compared in constant time.
//! A `Host` that is neither an IP address, `localhost` nor the listener's
//! configured host is refused with 421 (a DNS-rebinding page sends its own
//! name). Requests a browser sends for another origin (`Origin`,
//! `Sec-Fetch-Site`) are refused, changes must be `application/json` of at
//! most [`MAX_BODY`] bytes, each connection is closed after
//! [`CONNECTION_TIMEOUT`], finished or not, at most [`MAX_CONNECTIONS`] are
//! served at once (more are closed as they come), and a failing `accept`
//! backs off instead of spinning.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use serde_json::{json, Value};

use super::conventions;
use super::redact::read_key;
use super::sampler::Levers;

/// The largest change body the admin listener reads, in bytes.
pub const MAX_BODY: usize = 4096;
/// How long one admin connection may last, reading and writing included.
pub const CONNECTION_TIMEOUT: Duration = Duration::from_secs(10);
/// The most admin connections served at once; more are closed as they come.
pub const MAX_CONNECTIONS: usize = 16;
/// The longest pause after a failed `accept` (the pause doubles from 10 ms).
pub const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

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
            ("ratio", Value::Null) => reset = true,
            ("ratio", Value::Number(n)) => match n.as_f64() {
                Some(r) if (0.0..=1.0).contains(&r) => ratio = Some(r),
                _ => return Err(format!("ratio {n} is not between 0 and 1")),
            },
            ("reset_ratio", Value::Bool(b)) => reset = *b,
            _ => return Err(format!("unknown or mistyped field {key:?}")),
        }
    }
    if reset && ratio.is_some() {
        return Err("a ratio and a reset in one change".to_owned());
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

/// Parses a change strictly: JSON whose top-level object names no member
/// twice (RFC 8259 leaves a repeated name to the parser; a change that says
/// `enabled` twice is ambiguous, so it is refused).
pub fn parse_change(bytes: &[u8]) -> Result<Value, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if let Value::Object(map) = &value {
        if top_level_members(bytes) != map.len() {
            return Err("a field is given more than once".to_owned());
        }
    }
    Ok(value)
}

/// The number of members of the top-level object in `bytes`, which is valid
/// JSON: commas outside strings at depth one, plus one unless it is empty.
fn top_level_members(bytes: &[u8]) -> usize {
    let (mut depth, mut commas, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    let mut empty = true;
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                empty &= depth != 1;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => commas += 1,
            _ => {}
        }
    }
    if empty {
        0
    } else {
        commas + 1
    }
}

/// The levers' state as JSON.
pub fn state(levers: &Levers) -> Value {
    json!({ "enabled": levers.enabled(), "ratio": levers.ratio() })
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn refuse(status: StatusCode, message: &str) -> Response {
    json_response(status, json!({ "error": message }))
}

/// Compares two byte strings in time that depends only on their lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The admin token: [`conventions::ADMIN_TOKEN_ENV`] or its `_FILE`. `None`
/// (with the reason) when none is configured.
pub fn admin_token(getenv: &dyn Fn(&str) -> Option<String>) -> Result<Vec<u8>, String> {
    match read_key(conventions::ADMIN_TOKEN_ENV, getenv) {
        Ok(Some(token)) => Ok(token),
        Ok(None) => Err(format!(
            "{} is not set (nor {}_FILE): every admin request is refused",
            conventions::ADMIN_TOKEN_ENV,
            conventions::ADMIN_TOKEN_ENV
        )),
        Err(e) => Err(format!("{e}: every admin request is refused")),
    }
}

#[derive(Clone)]
struct Admin {
    levers: Levers,
    /// The SHA-256 of the token: presented tokens are hashed and compared
    /// with it, so the time taken says nothing about the token's length.
    token: Option<Arc<[u8]>>,
    /// The host of the listener's configured address (its `Host` is allowed).
    host: Arc<str>,
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

/// The credentials of an `Authorization` value whose scheme is Bearer, in
/// any case, separated from the token by one or more spaces.
pub fn bearer_token(value: &[u8]) -> Option<&[u8]> {
    let value = value.trim_ascii_start();
    let space = value.iter().position(|&b| b == b' ')?;
    let (scheme, rest) = value.split_at(space);
    if !scheme.eq_ignore_ascii_case(b"bearer") {
        return None;
    }
    let token = rest.trim_ascii();
    (!token.is_empty()).then_some(token)
}

/// The name part of a `Host` value: without the port, IPv6 without brackets.
fn host_name(host: &str) -> &str {
    if let Some(inner) = host.strip_prefix('[') {
        return inner.split(']').next().unwrap_or_default();
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    }
}

/// Whether `Host` names the admin listener: an IP address, `localhost`, or
/// the configured address's host.
pub fn host_allowed(host: Option<&str>, configured: &str) -> bool {
    let Some(name) = host.map(host_name).filter(|n| !n.is_empty()) else {
        return false;
    };
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<std::net::IpAddr>().is_ok()
        || (!configured.is_empty() && name.eq_ignore_ascii_case(configured))
}

/// Why a request is refused before its body is read, if it is.
fn check_request(admin: &Admin, method: &Method, headers: &HeaderMap) -> Option<Response> {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    if !host_allowed(host, &admin.host) {
        return Some(refuse(
            StatusCode::MISDIRECTED_REQUEST,
            "the Host header must be an IP address, localhost or the admin address",
        ));
    }
    let cross_site = headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() != b"none" && v.as_bytes() != b"same-origin");
    if headers.contains_key(header::ORIGIN) || cross_site {
        return Some(refuse(
            StatusCode::FORBIDDEN,
            "cross-origin requests are refused",
        ));
    }
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| bearer_token(v.as_bytes()));
    let authorised = match (&admin.token, presented) {
        (Some(token), Some(presented)) => constant_time_eq(token, &sha256(presented)),
        _ => false,
    };
    if !authorised {
        return Some(refuse(
            StatusCode::UNAUTHORIZED,
            "a valid bearer token is required",
        ));
    }
    if *method == Method::GET {
        return None;
    }
    if *method != Method::POST && *method != Method::PUT {
        return Some(refuse(StatusCode::METHOD_NOT_ALLOWED, "GET, POST or PUT"));
    }
    let json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json_body {
        return Some(refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "changes must be application/json",
        ));
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        return Some(refuse(StatusCode::PAYLOAD_TOO_LARGE, "body over the limit"));
    }
    None
}

async fn handle(
    State(admin): State<Admin>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Response {
    if let Some(refused) = check_request(&admin, &method, &headers) {
        tracing::warn!(%peer, %method, status = refused.status().as_u16(), "telemetry admin request refused");
        return refused;
    }
    if method == Method::GET {
        return json_response(StatusCode::OK, state(&admin.levers));
    }
    let body: Bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(_) => return refuse(StatusCode::PAYLOAD_TOO_LARGE, "body over the limit"),
    };
    let source = format!("admin listener, peer {peer}");
    match parse_change(&body).and_then(|change| apply(&admin.levers, &change, &source)) {
        Ok(state) => json_response(StatusCode::OK, state),
        Err(message) => {
            tracing::warn!(%peer, error = %message, "telemetry admin change refused");
            refuse(StatusCode::BAD_REQUEST, &message)
        }
    }
}

/// The admin router, for tests and for services that serve it themselves:
/// every check of [`serve_admin`] but the connection timeout. Requests need
/// `ConnectInfo<SocketAddr>`. Never merge it into the service's router.
pub fn admin_router(levers: Levers, token: Option<Vec<u8>>) -> Router {
    router_for(levers, token, "")
}

/// The admin router for a listener configured at `address`: its host is
/// allowed in `Host` besides IP addresses and `localhost`.
fn router_for(levers: Levers, token: Option<Vec<u8>>, address: &str) -> Router {
    let host = host_name(address);
    let admin = Admin {
        levers,
        token: token.map(|t| Arc::from(sha256(&t))),
        host: Arc::from(host),
    };
    Router::new()
        .route(conventions::ADMIN_PATH, any(handle))
        .with_state(admin)
}

/// Binds the admin listener at `address` and serves the levers there until
/// the returned task is aborted. The token comes from the environment; a
/// missing one is logged at WARN and every request is then refused.
pub async fn serve_admin(
    levers: Levers,
    address: &str,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let token = match admin_token(&|name| std::env::var(name).ok()) {
        Ok(token) => Some(token),
        Err(warning) => {
            tracing::warn!(%warning, "telemetry admin listener");
            None
        }
    };
    let listener = tokio::net::TcpListener::bind(address).await?;
    let local = listener.local_addr()?;
    let router = router_for(levers, token, address);
    let task = tokio::spawn(accept_loop(listener, router));
    Ok((local, task))
}

/// Accepts admin connections: at most [`MAX_CONNECTIONS`] served at once
/// (any more are closed as they come), and after a failed `accept` (no file
/// descriptors left, say) a pause that doubles up to [`ACCEPT_BACKOFF_MAX`],
/// so the loop never spins.
async fn accept_loop(listener: tokio::net::TcpListener, router: Router) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut pause = Duration::ZERO;
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => {
                pause = Duration::ZERO;
                accepted
            }
            Err(error) => {
                if pause.is_zero() {
                    tracing::warn!(%error, "telemetry admin listener: accept failed; backing off");
                }
                pause = (pause * 2).clamp(Duration::from_millis(10), ACCEPT_BACKOFF_MAX);
                tokio::time::sleep(pause).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let service = router.clone().layer(axum::Extension(ConnectInfo(peer)));
        tokio::spawn(async move {
            let service = hyper_util::service::TowerToHyperService::new(service);
            let connection = hyper::server::conn::http1::Builder::new()
                .keep_alive(false)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            // Slow or stalled clients are cut off; the answer is bounded too.
            let _ = tokio::time::timeout(CONNECTION_TIMEOUT, connection).await;
            drop(slot);
        });
    }
}

/// Polls `path` every `interval` and applies its JSON content when it
/// changes, as strictly as the admin listener (an unknown field refuses the
/// change, and the refusal is logged). A missing file changes nothing. Runs
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
            let result = parse_change(&content).and_then(|change| apply(&levers, &change, &source));
            if let Err(error) = result {
                tracing::error!(path = %path.display(), %error, "telemetry control file rejected");
            }
            last = Some(content);
        }
    })
}

/// Starts the control the conventions choose: the watched file's poller, or
/// nothing for the admin listener (start it with [`serve_admin`]).
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
