//! The behaviour table's routes (tests/behaviour/README.md): the skeleton's
//! routes, the same under /public/, /healthz, and POST /sweep, which puts a
//! marker into every pii and secret attribute through every API. Written as a
//! service team would, with the generated module's public API only.

use crate::telemetry::{self, HttpClient, HttpServerLayer, SpanExt as _};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use opentelemetry::baggage::BaggageExt as _;
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{
    SpanContext, SpanId, Status, TraceContextExt as _, TraceFlags, TraceId, TraceState,
};
use opentelemetry::{Context, KeyValue};
use serde_json::{json, Value};

mod parts;

/// What the handlers share.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Client for the downstream service; its calls are traced.
    pub client: HttpClient,
    /// Base URL of the downstream service.
    pub downstream: String,
}

/// The fixture's router, traced by the conventions' server layer.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/orders/{id}", get(order))
        .route("/orders/{id}/call", get(call))
        .route("/public/orders/{id}", get(order))
        .route("/public/orders/{id}/call", get(public_call))
        .route("/healthz", get(|| async { "ok" }))
        // The subtree the Go fixture serves as "GET /files/"; axum has no
        // redirect for /files.
        .route("/files/", get(|| async { "files" }))
        .route("/files/{*rest}", get(|| async { "files" }))
        .route("/sweep", post(sweep))
        .route("/sweep-urls", post(sweep_urls))
        .route("/sweep-paths", post(sweep_paths))
        .route("/orders/{id}/fail", get(fail))
        .route("/orders/{id}/tenant", get(tenant))
        .route("/orders/{id}/steps", get(steps))
        .route("/orders/{id}/profile", get(profile))
        .route("/orders/{id}/note", get(privacy_text))
        .route("/orders/{id}/send", get(send_failed))
        .route("/orders/{id}/abandon", get(abandon))
        .route("/orders/{id}/redirected", get(redirected))
        .route("/orders/{id}/redirected-elsewhere", get(redirected_elsewhere))
        .route("/orders/{id}/login", get(login_logged))
        .route("/stream", get(stream))
        .route("/panic", get(panic_route))
        .route("/hold", get(hold))
        .route("/asterisk/{how}", get(asterisk))
        .merge(parts::routes())
        .fallback(fallback)
        .with_state(state)
        .layer(HttpServerLayer::new())
}

async fn order(Path(id): Path<String>) -> Json<Value> {
    tracing::info!(order = %id, "order read");
    Json(json!({ "id": id }))
}

async fn downstream(state: &AppState, path: &str) -> Result<Json<Value>, StatusCode> {
    let url = format!("{}{path}", state.downstream.trim_end_matches('/'));
    let response = state.client.get(&url).send().await.map_err(|error| {
        tracing::warn!(%error, "downstream call failed");
        StatusCode::BAD_GATEWAY
    })?;
    Ok(Json(json!({ "downstream": response.status().as_u16() })))
}

async fn call(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, StatusCode> {
    downstream(&state, &format!("/orders/{id}")).await
}

/// Calls the downstream's slow path and gives up (drops the call) before the
/// answer comes.
async fn abandon(State(state): State<AppState>, Path(id): Path<String>) -> Json<Value> {
    let url = format!("{}/slow/orders/{id}", state.downstream.trim_end_matches('/'));
    let call = state.client.get(&url).send();
    let answered = tokio::time::timeout(std::time::Duration::from_millis(200), call).await;
    Json(json!({ "abandoned": answered.is_err() }))
}

/// Calls a downstream path, with a query token and credential headers, that
/// the recorder redirects to another origin.
async fn redirected_elsewhere(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, StatusCode> {
    let url = format!(
        "{}/elsewhere/orders/{id}?token=SECRETMARK-query",
        state.downstream.trim_end_matches('/')
    );
    let response = state
        .client
        .get(&url)
        .header("authorization", "Bearer SECRETMARK-auth")
        .header("x-api-key", "SECRETMARK-key")
        .send()
        .await
        .map_err(|error| {
            tracing::warn!(%error, "downstream call failed");
            StatusCode::BAD_GATEWAY
        })?;
    Ok(Json(json!({ "downstream": response.status().as_u16() })))
}

/// Calls a downstream path answered with a redirect, which the client follows.
async fn redirected(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, StatusCode> {
    downstream(&state, &format!("/redirect/orders/{id}")).await
}

async fn public_call(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, StatusCode> {
    downstream(&state, &format!("/public/orders/{id}")).await
}

fn pair(place: &str) -> Vec<KeyValue> {
    vec![
        KeyValue::new("app.user.email", format!("PIIMARK-{place}")),
        KeyValue::new("app.session.token", format!("SECRETMARK-{place}")),
    ]
}

async fn sweep(State(state): State<AppState>) -> StatusCode {
    let cx = Context::current();
    let span = cx.span();
    span.set_attributes(pair("attr"));
    span.add_event("sweep", pair("event"));
    let linked = SpanContext::new(
        TraceId::from_hex("0af7651916cd43dd8448eb211c80319c").expect("trace id"),
        SpanId::from_hex("00f067aa0ba902b7").expect("span id"),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    );
    span.add_link(linked, pair("link"));
    telemetry::meter()
        .u64_counter("app.sweep.calls")
        .build()
        .add(1, &pair("metric"));
    opentelemetry::global::meter_provider()
        .meter("sweep")
        .u64_counter("app.sweep.global")
        .build()
        .add(1, &pair("metric-global"));
    tracing::info!(
        app.user.email = "PIIMARK-log",
        app.session.token = "SECRETMARK-log",
        "sweep"
    );
    let with_baggage = cx.with_baggage(vec![
        KeyValue::new("app.tenant.id", "t-1"),
        KeyValue::new("app.user.email", "PIIMARK-baggage"),
        KeyValue::new("app.session.token", "SECRETMARK-baggage"),
    ]);
    let url = format!("{}/orders/sweep", state.downstream.trim_end_matches('/'));
    let _ = state
        .client
        .get(&url)
        .send()
        .with_context(with_baggage)
        .await;
    sweep_step(&Profile {
        email: "PIIMARK-instrument".to_owned(),
        plan: "team",
    })
    .await;
    let failing = "http://user:SECRETMARK-cred@127.0.0.1:9/fail?sig=SECRETMARK-query&x=1";
    if let Err(error) = state.client.get(failing).send().await {
        span.set_status(Status::error(error.to_string()));
        tracing::error!(%error, "sweep call failed");
    }
    StatusCode::OK
}

/// An instrumented child span of the sweep whose fields carry markers: a
/// struct with a pii member logged with `?`, and a secret.
#[tracing::instrument(skip_all, fields(app.user = ?profile, app.session.token = "SECRETMARK-instrument"))]
async fn sweep_step(profile: &Profile) {
    tracing::info!("sweep step");
}

/// Credentials and a sensitive query value in the two forms a plain `://`
/// scan misses: a percent-encoded URL (a redirect target in a query value)
/// and a query whose pairs are separated by `;`.
const URL_SWEEP: &str = "redirect to https%3A%2F%2Fuser%3ASECRETMARK-enc%40h%2Fcb failed; see http://h/cb?a=1;sig=SECRETMARK-semi";

/// Puts [`URL_SWEEP`] into a span attribute, an event, the span status and a
/// log line; no marker may leave the service.
async fn sweep_urls() -> StatusCode {
    let cx = Context::current();
    let span = cx.span();
    span.set_attribute(KeyValue::new("app.sweep.note", URL_SWEEP));
    span.add_event(
        "sweep-urls",
        vec![KeyValue::new("app.sweep.note", URL_SWEEP)],
    );
    span.set_status(Status::error(URL_SWEEP));
    tracing::error!(detail = URL_SWEEP, "{URL_SWEEP}");
    StatusCode::OK
}

/// A sensitive path parameter (`;sig=...`, RFC 3986 section 3.3) in a URL of
/// free text.
const PATH_SWEEP: &str = "redirect to http://h.example/o/3;sig=SECRETMARK-pathtext;v=2/x failed";

/// Puts [`PATH_SWEEP`] into a span attribute, an event, the span status and
/// a log line, and calls a URL with a sensitive path parameter (port 9:
/// nothing listens), logging the error that quotes it; no marker may leave
/// the service.
async fn sweep_paths(State(state): State<AppState>) -> StatusCode {
    let cx = Context::current();
    let span = cx.span();
    span.set_attribute(KeyValue::new("app.sweep.note", PATH_SWEEP));
    span.add_event(
        "sweep-paths",
        vec![KeyValue::new("app.sweep.note", PATH_SWEEP)],
    );
    tracing::error!(detail = PATH_SWEEP, "{PATH_SWEEP}");
    let failing = "http://127.0.0.1:9/o/3;sig=SECRETMARK-pathcall?x=1";
    if let Err(error) = state.client.get(failing).send().await {
        span.add_event(
            "exception",
            vec![KeyValue::new("exception.message", error.to_string())],
        );
        tracing::error!(%error, "sweep call failed");
    }
    span.set_status(Status::error(PATH_SWEEP));
    StatusCode::OK
}

/// Logs an error: an event of the server span; the request is answered.
async fn fail(Path(id): Path<String>) -> Json<Value> {
    tracing::error!(reason = "stock", "order lookup failed");
    Json(json!({ "id": id }))
}

/// Records registry attributes on the server span (one of them pii), both
/// ways a handler can.
async fn tenant(Path(id): Path<String>) -> Json<Value> {
    let span = tracing::Span::current();
    span.record("app.tenant.id", "t-1");
    span.set_attribute("app.user.email", "PIIMARK-record");
    tracing::info!(app.user.email = "PIIMARK-record", "tenant recorded");
    Json(json!({ "id": id }))
}

/// Free text quoting personal data and a credential: scrubbed at every exit.
const PRIVACY_TEXT_MESSAGE: &str = "note failed for jane@example.com";
const PRIVACY_TEXT_ERROR: &str =
    "card 4111 1111 1111 1111 declined for ops@example.com with Bearer abcDEF123456";

/// Sets an attribute that is in no registry through the module's extension
/// trait (it leaves, redacted), calls an instrumented function (its argument
/// is captured implicitly: log data, never span data), logs an error with a
/// field (an event of the server span, without the field) and fails with an
/// error whose text quotes personal data and a credential.
async fn privacy_text(Path(id): Path<String>) -> Json<Value> {
    tracing::Span::current().set_attribute("app.note", "explicit-note");
    note_step("IMPLICITARG");
    tracing::error!(detail = "IMPLICITMARK", "{PRIVACY_TEXT_MESSAGE}");
    let cx = Context::current();
    let span = cx.span();
    span.add_event(
        "exception",
        vec![KeyValue::new("exception.message", PRIVACY_TEXT_ERROR)],
    );
    span.set_status(Status::error(PRIVACY_TEXT_ERROR));
    Json(json!({ "id": id }))
}

#[tracing::instrument]
fn note_step(note: &str) {
    tracing::debug!("note step");
}

/// An error whose text quotes an e-mail address, a bearer credential and a
/// card number.
#[derive(Debug)]
struct SendError;

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("send to jane.doe@example.com with Authorization: Bearer abcDEF123456ghi failed, card 4111 1111 1111 1111")
    }
}

impl std::error::Error for SendError {}

/// Logged as one value; its session id is secret by name.
#[derive(Debug)]
#[allow(dead_code)]
struct LoginForm {
    user: &'static str,
    session_id: &'static str,
    tokenizer: &'static str,
}

/// Logs secret-named fields (plain, camel case, a header name, a struct
/// member, a key in a JSON text) and a message quoting header lines with
/// secrets: all leave masked; ordinary names stay.
async fn login_logged(Path(id): Path<String>) -> Json<Value> {
    let form = LoginForm {
        user: "bob",
        session_id: "PWMEMBER5",
        tokenizer: "bert",
    };
    tracing::info!(
        password = "PWFIELD1",
        apiKey = "PWFIELD2",
        "Cookie" = "sid=PWFIELD3",
        authorization = "Basic PWGROUP4",
        form = ?form,
        body = r#"{"user":"bob","client_secret":"PWJSON6"}"#,
        tokenizer = "bert-base",
        "login token: PWMSG1\nSet-Cookie: sid=PWMSG2; Path=/"
    );
    Json(json!({ "id": id }))
}

/// Logs a failed send with the error as a field (`%e`, and through
/// `#[instrument(err)]` with the address as an argument) and names spans
/// with personal data and a credential (through the OpenTelemetry API and
/// `otel.name`): the log fields and the span names are scrubbed.
async fn send_failed(Path(id): Path<String>) -> Json<Value> {
    use opentelemetry::trace::{Span as _, Tracer as _};
    let _ = send_to("jane.doe@example.com");
    let e = SendError;
    tracing::error!(error = %e, "send failed");
    let tracer = opentelemetry::global::tracer("behaviour");
    tracer
        .start("lookup jane.doe@example.com 4111111111111111")
        .end();
    drop(tracing::info_span!(
        "greeted",
        otel.name = "Jane Doe Bearer abcDEFghiJKLmn"
    ));
    Json(json!({ "id": id }))
}

#[tracing::instrument(err)]
fn send_to(who: &str) -> Result<(), SendError> {
    tracing::error!("send failed");
    Err(SendError)
}

/// Logged as one value; its email is pii below app.user.
#[derive(Debug)]
struct Profile {
    email: String,
    plan: &'static str,
}

/// Logs a struct with a pii member as one value.
async fn profile(Path(id): Path<String>) -> Json<Value> {
    let user = Profile {
        email: "PIIMARK-struct".to_owned(),
        plan: "team",
    };
    tracing::info!(app.user = ?user, "profile read");
    Json(json!({ "id": id }))
}

#[tracing::instrument(fields(step = "lookup", app.plan = "team"))]
async fn lookup() {
    tracing::info!("looked up");
}

/// Does its work in an instrumented child span.
async fn steps(Path(id): Path<String>) -> Json<Value> {
    lookup().await;
    Json(json!({ "id": id }))
}

/// Writes ?chunks= chunks (default 3), 100 ms apart; ?status=503 answers
/// 503 (a failure the server answers while it streams), else 200.
async fn stream(uri: axum::http::Uri) -> (axum::http::StatusCode, Body) {
    let status = if uri.query().unwrap_or("").split('&').any(|pair| pair == "status=503") {
        axum::http::StatusCode::SERVICE_UNAVAILABLE
    } else {
        axum::http::StatusCode::OK
    };
    let chunks = uri
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|pair| pair.strip_prefix("chunks="))
        .and_then(|c| c.parse::<u32>().ok())
        .filter(|c| (1..=100).contains(c))
        .unwrap_or(3);
    // ?fail=1: the body breaks after its first chunk.
    let fail = uri
        .query()
        .unwrap_or("")
        .split('&')
        .any(|pair| pair == "fail=1");
    let chunks = if fail { 1 } else { chunks };
    let (sender, receiver) = tokio::sync::mpsc::channel::<&'static str>(1);
    tokio::spawn(async move {
        for _ in 0..chunks {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            if sender.send("chunk\n").await.is_err() {
                return;
            }
        }
    });
    (status, Body::new(Chunks(receiver, fail)))
}

/// The receiving end of a channel as a response body; with `true`, an
/// error instead of the end.
struct Chunks(tokio::sync::mpsc::Receiver<&'static str>, bool);

impl http_body::Body for Chunks {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let fail = self.1;
        self.0.poll_recv(cx).map(|chunk| match chunk {
            Some(c) => Some(Ok(http_body::Frame::data(axum::body::Bytes::from(c)))),
            None if fail => Some(Err(std::io::Error::other("the store went away"))),
            None => None,
        })
    }
}

/// Answers after two seconds: a caller may leave before the head.
async fn hold() -> &'static str {
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    "held"
}

async fn panic_route() -> &'static str {
    if !std::env::var("LISTEN_ADDR").unwrap_or_default().is_empty() {
        panic!("behaviour panic");
    }
    "unreachable"
}

/// What no route serves: 404; `OPTIONS *` with `X-Panic` panics (see
/// [`asterisk`]).
async fn fallback(request: axum::extract::Request) -> StatusCode {
    let asterisk = request.method() == axum::http::Method::OPTIONS && request.uri().path() == "*";
    if asterisk && request.headers().contains_key("x-panic") {
        panic!("behaviour panic");
    }
    StatusCode::NOT_FOUND
}

/// Sends `OPTIONS *` (no traceparent) to this service's own listener and
/// answers with the status it got (502 when the connection broke without
/// one); `/asterisk/panic` asks the fallback to panic on it, and
/// `/asterisk/absolute` sends `GET http://127.0.0.1` (absolute form, empty
/// path) instead. The Go fixture sends them to a server of its own that
/// hands them to the generated Handler.
async fn asterisk(Path(how): Path<String>) -> StatusCode {
    let address = std::env::var("LISTEN_ADDR").unwrap_or_default();
    let panics = how == "panic";
    let line = if how == "absolute" {
        "GET http://127.0.0.1 HTTP/1.1"
    } else {
        "OPTIONS * HTTP/1.1"
    };
    // A blocking exchange on a thread of its own: the fixture needs no more
    // of tokio than the skeleton has.
    let status = tokio::task::spawn_blocking(move || raw_request(&address, line, panics))
        .await
        .ok()
        .flatten();
    status
        .and_then(|code| StatusCode::from_u16(code).ok())
        .unwrap_or(StatusCode::BAD_GATEWAY)
}

fn raw_request(address: &str, line: &str, panics: bool) -> Option<u16> {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(address).ok()?;
    let limit = Some(std::time::Duration::from_secs(5));
    stream.set_read_timeout(limit).ok()?;
    stream.set_write_timeout(limit).ok()?;
    let mut request = format!("{line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if panics {
        request.push_str("X-Panic: 1\r\n");
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = Vec::new();
    // A connection closed without an answer reads as nothing.
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer)
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
}
