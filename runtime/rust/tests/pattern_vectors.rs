//! The cross-language name-pattern vectors (tests/vectors/patterns.json,
//! written from Python's `re` as `scaffold verify` reads the dialect; the Go
//! module is checked against them too): the runtime's matcher agrees on each.

use scaffold_runtime::telemetry::pattern::Pattern;

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/vectors/patterns.json"
);

#[test]
fn the_matcher_agrees_with_the_shared_vectors() {
    let text = std::fs::read_to_string(VECTORS).expect("tests/vectors/patterns.json");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("vectors JSON");
    let vectors = doc["vectors"].as_array().expect("a vectors list");
    assert!(vectors.len() >= 5000, "{} vectors", vectors.len());
    let mut matched = 0usize;
    let mut wrong = Vec::new();
    for v in vectors {
        let pattern = v["pattern"].as_str().expect("pattern");
        let name = v["name"].as_str().expect("name");
        let want = v["match"].as_bool().expect("match");
        let read = Pattern::new(pattern);
        if !read.readable() || read.matches(name) != want {
            wrong.push(format!("{pattern:?} on {name:?}: want {want}"));
        }
        matched += usize::from(want);
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong[..wrong.len().min(40)].join("\n")
    );
    assert!(
        matched > 1000 && matched < vectors.len() - 1000,
        "{matched} matches"
    );
}
