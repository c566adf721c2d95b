//! Tests of the log layer's limits on what a line may carry: secret-named
//! fields and members masked, text cut, control characters escaped in the
//! text format, and the queue bounded by bytes.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tracing_subscriber::layer::SubscriberExt as _;

use super::logs::{LogLayer, CUT_MARKER, MAX_TEXT_BYTES, QUEUE_BYTES};
use super::redact::MASK;

struct Recorder(Arc<Mutex<Vec<u8>>>);

impl Write for Recorder {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The text the layer (JSON or text format) writes for what `f` logs.
fn written(json: bool, f: impl FnOnce()) -> String {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let logs = LogLayer::with_writer(Box::new(Recorder(buffer.clone())), json);
    let flusher = logs.flusher();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(logs), f);
    assert!(flusher.flush(Duration::from_secs(5)));
    let bytes = buffer.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

fn json_lines(f: impl FnOnce()) -> Vec<serde_json::Value> {
    written(true, f)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[derive(Debug)]
#[allow(dead_code)]
struct Login<'a> {
    user: &'a str,
    password: &'a str,
    session_id: u64,
    api_key: Option<&'a str>,
    tokenizer: &'a str,
}

#[derive(Debug)]
#[allow(dead_code)]
struct Password(&'static str);

#[derive(Debug)]
#[allow(dead_code)]
enum Auth {
    Token(&'static str),
    Basic {
        user: &'static str,
        code: &'static str,
    },
    Anonymous,
}

#[derive(Debug)]
#[allow(dead_code)]
struct Account {
    user: &'static str,
    held: Password,
    auth: Auth,
    other: Auth,
}

/// A value of a type or variant named a secret (the newtype for secrets,
/// `Password("..")`) is masked whole in a `?` field, wherever it stands;
/// its neighbours stay.
#[test]
fn secret_named_types_and_variants_are_masked() {
    let account = Account {
        user: "bob",
        held: Password("hunter2newtype"),
        auth: Auth::Token("tok3nvariant"),
        other: Auth::Anonymous,
    };
    let lines = json_lines(|| {
        tracing::info!(account = ?account, held = ?Password("hunter2top"), "m");
        tracing::info!(a = ?Auth::Basic { user: "bob", code: "c-1" }, "m");
    });
    let text = serde_json::to_string(&lines).unwrap();
    for leak in ["hunter2", "tok3n"] {
        assert!(!text.contains(leak), "{leak} in {text}");
    }
    assert_eq!(
        lines[0]["account"],
        format!(
            "Account {{ user: \"bob\", held: Password(\"{MASK}\"), auth: Token(\"{MASK}\"), other: Anonymous }}"
        )
    );
    assert_eq!(lines[0]["held"], format!("Password(\"{MASK}\")"));
    assert_eq!(lines[1]["a"], r#"Basic { user: "bob", code: "c-1" }"#);
}

#[test]
fn secret_named_fields_and_members_are_masked() {
    let login = Login {
        user: "bob",
        password: "hunter2-field",
        session_id: 4242,
        api_key: Some("k-member"),
        tokenizer: "bert",
    };
    let lines = json_lines(|| {
        let span = tracing::info_span!("call", authToken = "t-span");
        let _in = span.enter();
        tracing::info!(
            password = "hunter2",
            apiKey = "k-123",
            "API-KEY" = "k-456",
            x_api_key = 987654,
            cookie = "sid=abc",
            set_cookie = "id=xyz; Path=/",
            tokenizer = "bert",
            max_tokens = 512,
            login = ?login,
            body = r#"{"user":"bob","secret":"s-json"}"#,
            doc = ?serde_json::json!({"apiKey": "k-json-debug", "n": 1}),
            "login"
        );
    });
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    let text = line.to_string();
    for secret in [
        "hunter2",
        "k-123",
        "k-456",
        "987654",
        "sid=abc",
        "xyz",
        "t-span",
        "4242",
        "k-member",
        "s-json",
        "k-json-debug",
    ] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    for key in [
        "password",
        "apiKey",
        "API-KEY",
        "x_api_key",
        "cookie",
        "set_cookie",
        "authToken",
    ] {
        assert_eq!(line[key], MASK, "{key}");
    }
    assert_eq!(line["tokenizer"], "bert");
    assert_eq!(line["max_tokens"], 512);
    let login = line["login"].as_str().unwrap();
    assert!(login.contains(r#"user: "bob""#), "{login}");
    assert!(login.contains(r#"password: "REDACTED""#), "{login}");
    assert!(login.contains(r#"tokenizer: "bert""#), "{login}");
    assert_eq!(line["body"], r#"{"user":"bob","secret":"REDACTED"}"#);
    let doc = line["doc"].as_str().unwrap();
    assert!(doc.contains(r#""n": Number(1)"#), "{doc}");
}

#[test]
fn messages_and_text_fields_are_cut_after_scrubbing() {
    // 20 KiB of text with a secret near the end of the kept part and a
    // three-byte character across the cut.
    let mut long = "x".repeat(MAX_TEXT_BYTES - 30);
    long.push_str(" password=hunter2 ");
    while long.len() < MAX_TEXT_BYTES - 1 {
        long.push('y');
    }
    long.push('€');
    long.push_str(&"z".repeat(4096));
    let lines = json_lines(|| {
        tracing::info!(detail = %long, count = 3, "{long}");
    });
    for key in ["message", "detail"] {
        let got = lines[0][key].as_str().unwrap();
        assert!(got.ends_with(CUT_MARKER), "{key} not marked");
        let kept = &got[..got.len() - CUT_MARKER.len()];
        assert!(kept.len() <= MAX_TEXT_BYTES && kept.len() > MAX_TEXT_BYTES - 8);
        assert!(kept.contains("password=REDACTED ") && !kept.contains("hunter2"));
        assert!(!kept.contains('z') && !kept.contains('€'));
    }
    assert_eq!(lines[0]["count"], 3);
    // Text the scrub leaves as it is is cut too.
    let plain = "p".repeat(MAX_TEXT_BYTES * 2);
    let lines = json_lines(|| tracing::info!(plain = %plain, "plain"));
    let got = lines[0]["plain"].as_str().unwrap();
    assert_eq!(got.len(), MAX_TEXT_BYTES + CUT_MARKER.len());
    assert!(got.ends_with(CUT_MARKER));
    // Text at the limit stays whole.
    let exact = "a".repeat(MAX_TEXT_BYTES);
    let lines = json_lines(|| tracing::info!(detail = %exact, "short"));
    assert_eq!(lines[0]["detail"].as_str().unwrap(), exact);
}

#[test]
fn the_text_format_escapes_control_characters() {
    let text = written(false, || {
        tracing::info!(
            detail = "a\nforged=1\u{1b}[31m",
            "line\r\nFAKE 2026-01-01 ERROR x: injected\u{1b}]0;title\u{7}\u{9b}2J\u{2028}end"
        );
    });
    assert_eq!(text.lines().count(), 1, "{text:?}");
    assert!(!text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{9b}'));
    assert!(!text.contains('\r') && !text.contains('\u{2028}'));
    assert!(text.contains(r#": "line\r\nFAKE"#), "{text:?}");
    assert!(
        text.contains(r#"\u001b]0;title\u0007\u{9b}2J\u{2028}end""#),
        "{text:?}"
    );
    assert!(
        text.contains(r#"detail="a\nforged=1\u001b[31m""#),
        "{text:?}"
    );
}

/// A message with blanks, `=` or quotes is JSON-quoted in the text format,
/// as Go's text handler quotes one, so it cannot forge fields (trace_id,
/// user) on its line; a plain word stays as it is.
#[test]
fn the_text_format_quotes_a_message_that_could_forge_fields() {
    let forged = r#"login ok trace_id=4bf92f3577b34da6a3ce929d0e0e4736 user="admin""#;
    let text = written(false, || {
        tracing::info!("{forged}");
        tracing::info!(n = 1, "started");
        tracing::info!("");
    });
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text:?}");
    let quoted = r#": "login ok trace_id=4bf92f3577b34da6a3ce929d0e0e4736 user=\"admin\"""#;
    assert!(lines[0].ends_with(quoted), "{text:?}");
    assert!(!lines[0].contains(r#" user="admin""#), "{text:?}");
    assert!(lines[1].ends_with(": started n=1"), "{text:?}");
    assert!(lines[2].ends_with(r#": """#), "{text:?}");
}

/// A writer that blocks until told to go on.
struct Gate(Arc<Mutex<Vec<u8>>>, std::sync::mpsc::Receiver<()>, bool);

impl Write for Gate {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.2 {
            let _ = self.1.recv();
            self.2 = true;
        }
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_queue_is_bounded_by_bytes() {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let (open, gate) = std::sync::mpsc::channel();
    // Lines of about 16 KiB each: far fewer than the line limit fill the
    // byte limit.
    let logs = LogLayer::with_writer(Box::new(Gate(buffer.clone(), gate, false)), true);
    let flush = logs.flusher();
    let text = "q".repeat(MAX_TEXT_BYTES);
    let events = 2 * QUEUE_BYTES / MAX_TEXT_BYTES;
    tracing::subscriber::with_default(tracing_subscriber::registry().with(logs), || {
        for n in 0..events {
            tracing::info!(n, "{text}");
        }
    });
    open.send(()).unwrap();
    assert!(flush.flush(Duration::from_secs(10)));
    let out = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kept: Vec<_> = out.lines().filter(|l| l.contains("qqqq")).collect();
    let bytes: usize = kept.iter().map(|l| l.len() + 1).sum();
    // At most one line (the first, taken by the writer before it blocked)
    // beyond the byte limit.
    assert!(
        bytes <= QUEUE_BYTES + 2 * MAX_TEXT_BYTES,
        "{bytes} bytes queued"
    );
    assert!(kept.len() < events / 2 + 2 && kept.len() > events / 4);
    let dropped: u64 = lines
        .iter()
        .filter(|l| l["message"] == "log lines dropped")
        .map(|l| l["dropped"].as_u64().unwrap())
        .sum();
    assert_eq!(kept.len() as u64 + dropped, events as u64);
}

#[test]
fn the_byte_limit_frees_room_as_lines_are_written() {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let logs = LogLayer::with_limits(Box::new(Recorder(buffer.clone())), true, 1024, 4096);
    let flush = logs.flusher();
    tracing::subscriber::with_default(tracing_subscriber::registry().with(logs), || {
        for n in 0..50 {
            tracing::info!(n, "{}", "w".repeat(1000));
            // Written before the next: the room comes back.
            assert!(flush.flush(Duration::from_secs(5)));
        }
    });
    let out = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
    assert_eq!(out.lines().filter(|l| l.contains("www")).count(), 50);
    assert!(!out.contains("log lines dropped"));
}
