//! The cross-language W3C trace context vectors (tests/vectors/tracecontext.json,
//! which the Go module is checked against too): the same `traceparent` and
//! `tracestate` values are continued, or refused, in both languages.

use scaffold_runtime::telemetry::tracecontext::{continued_traceparent, continued_tracestate};

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/vectors/tracecontext.json"
);

fn values(v: &serde_json::Value) -> Vec<&str> {
    v["values"]
        .as_array()
        .expect("values")
        .iter()
        .map(|s| s.as_str().expect("a text value"))
        .collect()
}

#[test]
fn trace_context_agrees_with_the_shared_vectors() {
    let text = std::fs::read_to_string(VECTORS).expect("tests/vectors/tracecontext.json");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("vectors JSON");
    let parents = doc["traceparent"].as_array().expect("traceparent vectors");
    let states = doc["tracestate"].as_array().expect("tracestate vectors");
    assert!(parents.len() >= 40 && states.len() >= 30);
    let mut wrong = Vec::new();
    for v in parents {
        let got = continued_traceparent(&values(v));
        if got.as_deref() != v["continues"].as_str() {
            wrong.push(format!("{}: {:?} -> {got:?}", v["why"], values(v)));
        }
    }
    for v in states {
        let got = continued_tracestate(&values(v));
        if Some(&*got) != v["continues"].as_str() {
            wrong.push(format!("{}: {:?} -> {got:?}", v["why"], values(v)));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    println!(
        "checked {} traceparent and {} tracestate vectors",
        parents.len(),
        states.len()
    );
}
