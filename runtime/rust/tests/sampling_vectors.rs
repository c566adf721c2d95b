//! The cross-language sampling vectors (tests/vectors/sampling.json, which the Go
//! module is checked against too): the sampler reaches the same decision for every
//! trace id and ratio.

use opentelemetry::trace::TraceId;
use scaffold_runtime::telemetry::sampler::ratio_admits;

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/vectors/sampling.json"
);

#[test]
fn the_sampler_agrees_with_the_shared_vectors() {
    let text = std::fs::read_to_string(VECTORS).expect("tests/vectors/sampling.json");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("vectors JSON");
    let vectors = doc["vectors"].as_array().expect("a vectors list");
    assert!(vectors.len() >= 10_000, "{} vectors", vectors.len());
    let mut sampled = 0usize;
    for v in vectors {
        let trace_id = TraceId::from_hex(v["trace_id"].as_str().unwrap()).unwrap();
        let ratio = v["ratio"].as_f64().unwrap();
        let expected = v["sampled"].as_bool().unwrap();
        assert_eq!(ratio_admits(trace_id, ratio), expected, "{v}");
        sampled += usize::from(expected);
    }
    assert!(sampled > 0 && sampled < vectors.len());
    println!("checked {} sampling vectors", vectors.len());
}
