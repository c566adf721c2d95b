//! The cross-language free-text vectors (tests/vectors/scrub.json, which the Go
//! module is checked against too): status descriptions, event names,
//! exception messages and log messages are scrubbed the same way.

use scaffold_runtime::telemetry::redact::{policy, MASK};

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/vectors/scrub.json"
);

#[test]
fn the_scrub_agrees_with_the_shared_vectors() {
    let text = std::fs::read_to_string(VECTORS).expect("tests/vectors/scrub.json");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("vectors JSON");
    assert_eq!(doc["mask"].as_str(), Some(MASK));
    let vectors = doc["vectors"].as_array().expect("a vectors list");
    assert!(vectors.len() >= 30, "{} vectors", vectors.len());
    let mut changed = 0usize;
    let mut wrong = Vec::new();
    for v in vectors {
        let input = v["input"].as_str().expect("input");
        let output = v["output"].as_str().expect("output");
        let got = policy().scrub(input);
        if got != output {
            wrong.push(format!("{input:?} -> {got:?}, want {output:?}"));
        }
        changed += usize::from(input != output);
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(changed > 0 && changed < vectors.len());
    println!("checked {} scrub vectors", vectors.len());
}

/// Text with nothing to clean comes back borrowed, not copied.
#[test]
fn clean_text_is_borrowed() {
    for text in [
        "order lookup failed",
        "status 500 after 3 retries",
        "caf\u{e9} ferm\u{e9}",
        "key=value x_y",
    ] {
        assert!(
            matches!(policy().scrub(text), std::borrow::Cow::Borrowed(_)),
            "{text:?} was copied"
        );
    }
}

/// A megabyte of each shape that would make a naive scan start again at
/// every byte; a quadratic scan would not finish.
#[test]
fn the_scrub_is_linear() {
    const SIZE: usize = 1 << 20;
    for unit in [
        "eyJ-",
        "1 ",
        "a.",
        "a@",
        "%40",
        "Basic=",
        "x://",
        "%3A%2F%2F",
        "\"a",
        "password=",
        "\u{ff11} ",
        "AKIA",
    ] {
        let text = unit.repeat(SIZE / unit.len());
        let out = policy().scrub(&text);
        assert!(
            out.len() <= 2 * text.len() + 64,
            "{unit:?} grew to {}",
            out.len()
        );
    }
    let long = format!(
        "{}@example.com {}",
        "a".repeat(SIZE),
        "4111 ".repeat(SIZE / 5)
    );
    assert!(policy().scrub(&long).starts_with("REDACTED REDACTED"));
}

/// Every free-text key is scrubbed; other keys only have their URLs cleaned.
#[test]
fn free_text_attributes_are_scrubbed() {
    use opentelemetry::KeyValue;
    for key in [
        "exception.message",
        "exception.stacktrace",
        "error.message",
        "error.type",
        "user_agent.original",
        "url.path",
        "http.request.method_original",
    ] {
        let mut attributes = vec![KeyValue::new(key, "mail jane@example.com")];
        policy().apply(&mut attributes);
        assert_eq!(attributes[0].value.as_str(), "mail REDACTED", "{key}");
        assert!(matches!(
            policy().attributes(&[KeyValue::new(key, "mail jane@example.com")]),
            std::borrow::Cow::Owned(_)
        ));
    }
    let mut kept = vec![KeyValue::new("app.note", "mail jane@example.com")];
    policy().apply(&mut kept);
    assert_eq!(kept[0].value.as_str(), "mail jane@example.com");
}

const SECRET_NAMES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/vectors/secret_names.json"
);

/// One list of secret-name words for both runtimes, and the same answer
/// for every name of the shared table.
#[test]
fn secret_names_agree_with_the_shared_list() {
    use scaffold_runtime::telemetry::scrub::{is_secret_name, SECRET_NAME_TERMS};
    let text = std::fs::read_to_string(SECRET_NAMES).expect("tests/vectors/secret_names.json");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("names JSON");
    let terms: Vec<&str> = doc["terms"]
        .as_array()
        .expect("terms")
        .iter()
        .map(|t| t.as_str().expect("a term"))
        .collect();
    assert_eq!(terms, SECRET_NAME_TERMS);
    let names = doc["names"].as_object().expect("names");
    assert!(names.values().any(|v| v == true) && names.values().any(|v| v == false));
    let wrong: Vec<String> = names
        .iter()
        .filter(|(name, want)| is_secret_name(name) != want.as_bool().expect("a bool"))
        .map(|(name, want)| format!("{name:?}: want {want}"))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
