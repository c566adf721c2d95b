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
