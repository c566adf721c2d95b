//! The HTTP clients' tests (redirects, calls their caller gives up, the tower
//! layer's `url.full`), on the harness in `tests`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request as AxumRequest;
use axum::response::{IntoResponse, Response as AxumResponse};
use axum::Router;
use http::{header, Request, StatusCode};
use opentelemetry::trace::{SpanKind, Status, TraceContextExt as _};
use opentelemetry::Value;
use tower::{Layer as _, ServiceExt as _};

use super::client::MAX_REDIRECTS;
use super::conventions;
use super::tests::{after_privacy, attr, remote_parent, Harness};
use super::*;

/// What the test server got: method, path and query, and the headers.
type Seen = Arc<Mutex<Vec<(String, String, http::HeaderMap, Vec<u8>)>>>;

/// A loopback server answering by path: `/first` 302 to `/second?sig=…`,
/// `/second` 307 to `/final`, `/lag` after 150 ms 302 to `/lag-final`
/// (answered after 150 ms), `/loop` 302 to itself, `/post` 302 to
/// `/final`, `/elsewhere` 302 to `other` (another origin), anything else 200.
async fn redirecting_server(other: Option<String>) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let store = seen.clone();
    let router = Router::new().fallback(move |request: AxumRequest| {
        let store = store.clone();
        let other = other.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, 1 << 16)
                .await
                .unwrap_or_default();
            let target = parts.uri.path_and_query().unwrap().to_string();
            store.lock().unwrap().push((
                parts.method.to_string(),
                target,
                parts.headers.clone(),
                body.to_vec(),
            ));
            let to = |status: StatusCode, location: &str| -> AxumResponse {
                (status, [(header::LOCATION, location.to_owned())]).into_response()
            };
            if parts.uri.path().starts_with("/lag") {
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
            match parts.uri.path() {
                "/lag" => to(StatusCode::FOUND, "/lag-final"),
                "/first" => to(StatusCode::FOUND, "/second?sig=SECRETMARK&color=blue"),
                "/second" => to(StatusCode::TEMPORARY_REDIRECT, "/final"),
                "/loop" => to(StatusCode::FOUND, "/loop"),
                "/post" => to(StatusCode::FOUND, "/final"),
                "/elsewhere" => to(StatusCode::FOUND, other.as_deref().unwrap_or("/final")),
                "/credentials" => to(StatusCode::FOUND, "http://user:SECRETMARK@127.0.0.1:9/"),
                _ => "done".into_response(),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (format!("http://{address}"), seen)
}

fn following(h: &Harness) -> HttpClient {
    HttpClient::from_builder(HttpClient::builder())
        .unwrap()
        .instruments(h.instruments.clone())
}

fn int(span: &opentelemetry_sdk::trace::SpanData, key: &str) -> Option<i64> {
    match attr(span, key) {
        Some(Value::I64(n)) => Some(n),
        None => None,
        other => panic!("{key} is {other:?}"),
    }
}

/// Each redirect hop is a client span of its own, a sibling under the
/// caller's span, with `http.request.resend_count` from the second on, its
/// own `traceparent`, and a duration point (semantic conventions v1.45.0,
/// http-spans.md, "HTTP request retries and redirects").
#[tokio::test]
async fn each_redirect_hop_is_a_span() {
    let h = Harness::new();
    let (base, seen) = redirecting_server(None).await;
    let client = following(&h);
    let parent = remote_parent(true);
    let parent_id = parent.span().span_context().span_id();
    let response = {
        let _guard = parent.attach();
        client.get(&format!("{base}/first")).send().await.unwrap()
    };
    assert_eq!(response.status(), 200);
    let spans = h.finished();
    assert_eq!(spans.len(), 3);
    let seen = seen.lock().unwrap();
    let paths: Vec<&str> = seen.iter().map(|(_, p, _, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        ["/first", "/second?sig=SECRETMARK&color=blue", "/final"]
    );
    for (i, span) in spans.iter().enumerate() {
        assert_eq!(span.span_kind, SpanKind::Client);
        assert_eq!(span.parent_span_id, parent_id, "hop {i}");
        assert_eq!(span.status, Status::Unset, "hop {i}");
        let resend = int(span, "http.request.resend_count");
        assert_eq!(resend, (i > 0).then_some(i as i64), "hop {i}");
        let traceparent = seen[i].2.get("traceparent").unwrap().to_str().unwrap();
        assert!(traceparent.contains(&span.span_context.span_id().to_string()));
    }
    let codes: Vec<_> = spans
        .iter()
        .map(|s| int(s, "http.response.status_code"))
        .collect();
    assert_eq!(codes, [Some(302), Some(307), Some(200)]);
    assert_eq!(
        attr(&spans[1], "url.full"),
        after_privacy(
            "url.full",
            &format!("{base}/second?sig=REDACTED&color=blue")
        ),
        "the hop's url.full keeps its query, cleaned"
    );
    assert_eq!(
        h.histogram_points(conventions::HTTP_CLIENT_DURATION).len(),
        3
    );
}

/// 302 answering a POST is followed with GET and no body; 307 keeps the
/// method and the body; a streamed body is not sent twice (the redirect
/// answer comes back); another origin gets no credentials.
#[tokio::test]
async fn redirects_change_method_keep_bodies_and_drop_credentials() {
    let h = Harness::new();
    let (other, other_seen) = redirecting_server(None).await;
    let (base, seen) = redirecting_server(Some(format!("{other}/final"))).await;
    let client = following(&h);
    let response = client
        .post(&format!("{base}/post"))
        .header("content-type", "text/plain")
        .body("order")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = client
        .post(&format!("{base}/second"))
        .body("again")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let streamed = Streamed(Some(bytes::Bytes::from_static(b"streamed")));
    let response = client
        .post(&format!("{base}/second"))
        .body(reqwest::Body::wrap(streamed))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 307, "a streamed body is not resent");
    let response = client
        .get(&format!("{base}/elsewhere"))
        .header("authorization", "Bearer SECRETMARK")
        .header("cookie", "session=SECRETMARK")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let response = client
        .get(&format!("{base}/credentials"))
        .send()
        .await
        .unwrap_err();
    drop(response);
    {
        let seen = seen.lock().unwrap();
        let got: Vec<(&str, &str, &[u8])> = seen
            .iter()
            .map(|(m, p, _, b)| (m.as_str(), p.as_str(), b.as_slice()))
            .collect();
        assert_eq!(
            got[..6],
            [
                ("POST", "/post", &b"order"[..]),
                ("GET", "/final", &b""[..]),
                ("POST", "/second", &b"again"[..]),
                ("POST", "/final", &b"again"[..]),
                ("POST", "/second", &b"streamed"[..]),
                ("GET", "/elsewhere", &b""[..]),
            ]
        );
        assert!(seen[1].2.get("content-type").is_none());
        assert!(seen[5].2.get("authorization").is_some());
    }
    let other_seen = other_seen.lock().unwrap();
    assert_eq!(other_seen.len(), 1);
    assert!(other_seen[0].2.get("authorization").is_none());
    assert!(other_seen[0].2.get("cookie").is_none());
    // The credentials hop went to port 9 without them.
    let spans = h.finished();
    assert_eq!(
        attr(spans.last().unwrap(), "url.full"),
        after_privacy("url.full", "http://127.0.0.1:9/")
    );
}

/// A body reqwest can only stream (not copy): one frame.
struct Streamed(Option<bytes::Bytes>);

impl http_body::Body for Streamed {
    type Data = bytes::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(self.0.take().map(|b| Ok(http_body::Frame::data(b))))
    }
}

/// A redirect loop ends after MAX_REDIRECTS resends, at ten requests as
/// Go's `http.Client` (net/http stops when `len(via) >= 10`): ten spans, the
/// last answer (a redirect) returned. That last hop's redirect is not
/// followed, so its span has an error status and `error.type` its status
/// code (semantic conventions v1.45.0, http-spans.md, "Status": "3xx codes
/// with max redirects exceeded"); the hops before it are no errors.
#[tokio::test]
async fn a_redirect_loop_stops_at_the_limit() {
    let h = Harness::new();
    let (base, seen) = redirecting_server(None).await;
    let response = following(&h)
        .get(&format!("{base}/loop"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(seen.lock().unwrap().len(), 10);
    assert_eq!(MAX_REDIRECTS, 9);
    let spans = h.finished();
    assert_eq!(spans.len(), MAX_REDIRECTS + 1);
    let last = spans.last().unwrap();
    assert_eq!(
        int(last, "http.request.resend_count"),
        Some(MAX_REDIRECTS as i64)
    );
    assert!(
        matches!(last.status, Status::Error { .. }),
        "{:?}",
        last.status
    );
    assert_eq!(attr(last, "error.type"), Some(Value::from("302")));
    for span in &spans[..spans.len() - 1] {
        assert_eq!(span.status, Status::Unset);
        assert_eq!(attr(span, "error.type"), None);
    }
    // A client that follows no redirect itself marks no 3xx.
    let h = Harness::new();
    let own = HttpClient::from_builder(HttpClient::builder())
        .unwrap()
        .max_redirects(0)
        .instruments(h.instruments.clone());
    let response = own.get(&format!("{base}/loop")).send().await.unwrap();
    assert_eq!(response.status(), 302);
    let spans = h.finished();
    assert_eq!(spans.len(), 1);
    assert_eq!(spans[0].status, Status::Unset);
}

/// The caller's credentials a redirect must not carry to another origin
/// (here another loopback port: scheme, host and port make the origin):
/// the usual ones and every header whose name is secret.
const CREDENTIAL_HEADERS: [(&str, &str); 6] = [
    ("authorization", "Bearer SECRETAUTH"),
    ("proxy-authorization", "Basic SECRETPROXY"),
    ("cookie", "sid=SECRETCOOKIE"),
    ("x-api-key", "SECRETKEY"),
    ("private-token", "SECRETTOKEN"),
    ("x-auth-token", "SECRETXAUTH"),
];

/// Going to another origin drops every credential header and adds no
/// `Referer`; staying in the origin keeps them (the same request as Go's
/// `TestTransportRedirectToAnotherOriginDropsCredentials`).
#[tokio::test]
async fn a_redirect_to_another_origin_drops_secret_headers() {
    let h = Harness::new();
    let (other, other_seen) = redirecting_server(None).await;
    let (base, seen) = redirecting_server(Some(format!("{other}/final"))).await;
    let client = following(&h);
    for target in ["/elsewhere?token=SECRETQUERY", "/post?token=SECRETQUERY"] {
        let mut request = client.get(&format!("{base}{target}"));
        for (name, value) in CREDENTIAL_HEADERS {
            request = request.header(name, value);
        }
        assert_eq!(request.send().await.unwrap().status(), 200);
    }
    let other_seen = other_seen.lock().unwrap();
    assert_eq!(other_seen.len(), 1);
    for (name, _) in CREDENTIAL_HEADERS {
        assert_eq!(other_seen[0].2.get(name), None, "{name} left the origin");
    }
    assert_eq!(other_seen[0].2.get(header::REFERER), None);
    // `/post` redirects to `/final` on the same origin: all kept.
    let seen = seen.lock().unwrap();
    let same = seen.last().unwrap();
    assert_eq!(same.1, "/final");
    for (name, value) in CREDENTIAL_HEADERS {
        assert_eq!(same.2.get(name).map(|v| v.to_str().unwrap()), Some(value));
    }
    assert_eq!(same.2.get(header::REFERER), None);
}

/// A request's own timeout bounds all its hops together: two hops of 150 ms
/// do not fit in 250 ms, though each would.
#[tokio::test]
async fn a_request_timeout_bounds_the_whole_redirect_chain() {
    let h = Harness::new();
    let (base, seen) = redirecting_server(None).await;
    let error = following(&h)
        .get(&format!("{base}/lag"))
        .timeout(Duration::from_millis(250))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(seen.lock().unwrap().len(), 2);
    let spans = h.finished();
    assert_eq!(spans.len(), 2);
    assert_eq!(attr(&spans[1], "error.type"), Some(Value::from("timeout")));
}

/// A wrapped reqwest client that follows redirects itself: its hops are one
/// span, whose url.full is the URL asked for.
#[tokio::test]
async fn a_wrapped_redirect_following_client_is_one_span() {
    let h = Harness::new();
    let (base, seen) = redirecting_server(None).await;
    let client = HttpClient::with_instruments(
        HttpClient::builder().build().unwrap(),
        h.instruments.clone(),
    );
    let response = client.get(&format!("{base}/first")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(seen.lock().unwrap().len(), 3);
    let span = h.only(SpanKind::Client);
    assert_eq!(int(&span, "http.request.resend_count"), None);
    assert_eq!(
        attr(&span, "url.full"),
        after_privacy("url.full", &format!("{base}/first"))
    );
}

/// A server that accepts and never answers.
async fn hanging_server() -> String {
    let hang = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/slow", hang.local_addr().unwrap());
    tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = hang.accept().await {
            open.push(socket);
        }
    });
    url
}

fn assert_abandoned(h: &Harness) {
    let span = h.only(SpanKind::Client);
    assert_eq!(span.status, Status::Unset);
    assert_eq!(attr(&span, "error.type"), None);
    assert_eq!(attr(&span, "http.response.status_code"), None);
    let points = h.histogram_points(conventions::HTTP_CLIENT_DURATION);
    assert_eq!(points.len(), 1, "the abandoned call's duration is recorded");
    assert!(points[0].iter().all(|kv| kv.key.as_str() != "error.type"));
}

/// A call dropped by its caller (a `tokio::time::timeout` that fires) ends
/// its span and records its duration, without an error; the request's own
/// timeout is a timeout.
#[tokio::test]
async fn a_call_its_caller_drops_is_no_error_and_is_measured() {
    let url = hanging_server().await;
    let h = Harness::new();
    let client = following(&h);
    let call = client.get(&url).send();
    assert!(tokio::time::timeout(Duration::from_millis(100), call)
        .await
        .is_err());
    assert_abandoned(&h);

    let h = Harness::new();
    let client = following(&h);
    let error = client
        .get(&url)
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout());
    let span = h.only(SpanKind::Client);
    assert_eq!(attr(&span, "error.type"), Some(Value::from("timeout")));
    assert!(matches!(span.status, Status::Error { .. }));
}

/// The tower layer: a response future dropped by its caller ends the span
/// without an error and records the duration.
#[tokio::test]
async fn a_tower_call_its_caller_drops_is_no_error_and_is_measured() {
    let h = Harness::new();
    let inner = tower::service_fn(|_: Request<Body>| async {
        std::future::pending::<Result<http::Response<Body>, std::convert::Infallible>>().await
    });
    let service = HttpClientLayer::with_instruments(h.instruments.clone()).layer(inner);
    let request = Request::get("http://127.0.0.1:9/slow")
        .body(Body::empty())
        .unwrap();
    let call = service.oneshot(request);
    assert!(tokio::time::timeout(Duration::from_millis(50), call)
        .await
        .is_err());
    assert_abandoned(&h);
}

/// The tower layer's url.full keeps the query, its sensitive values
/// replaced, as HttpClient's and Go's do.
#[tokio::test]
async fn the_tower_layer_keeps_the_cleaned_query() {
    let h = Harness::new();
    let inner = tower::service_fn(|_: Request<Body>| async {
        Ok::<_, std::convert::Infallible>(http::Response::new(Body::empty()))
    });
    let service = HttpClientLayer::with_instruments(h.instruments.clone()).layer(inner);
    let request = Request::get("http://user:SECRETMARK@127.0.0.1:9/x?sig=SECRETMARK&color=blue")
        .body(Body::empty())
        .unwrap();
    service.oneshot(request).await.unwrap();
    let span = h.only(SpanKind::Client);
    assert_eq!(
        attr(&span, "url.full"),
        after_privacy(
            "url.full",
            "http://REDACTED:REDACTED@127.0.0.1:9/x?sig=REDACTED&color=blue"
        )
    );
}
