//! The cross-language server.address and url.full vectors
//! (tests/vectors/address.json, which the Go module is checked against too):
//! a `Host` value gives the same `server.address` and `server.port`, and a
//! URL the same `url.full`, in both runtimes.

use scaffold_runtime::telemetry::address::{clean_address, request_address};
use scaffold_runtime::telemetry::redact::policy;

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/vectors/address.json"
);

fn vectors() -> serde_json::Value {
    let text = std::fs::read_to_string(VECTORS).expect("tests/vectors/address.json");
    serde_json::from_str(&text).expect("vectors JSON")
}

#[test]
fn hosts_agree_with_the_shared_vectors() {
    let doc = vectors();
    let hosts = doc["hosts"].as_array().expect("a hosts list");
    assert!(hosts.len() >= 30, "{} hosts", hosts.len());
    let mut wrong = Vec::new();
    for v in hosts {
        let host = v["host"].as_str().expect("host");
        let https = v["https"].as_bool().expect("https");
        let want_address = v["address"].as_str();
        let want_port = v["port"].as_u64().and_then(|p| u16::try_from(p).ok());
        let got = request_address(host, https)
            .map(|(name, port)| (clean_address(policy(), name).into_owned(), port));
        let (address, port) = match &got {
            Some((address, port)) => (Some(address.as_str()), *port),
            None => (None, None),
        };
        if address != want_address || port != want_port {
            wrong.push(format!(
                "{host:?}: {address:?} {port:?}, want {want_address:?} {want_port:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn full_urls_agree_with_the_shared_vectors() {
    let doc = vectors();
    let urls = doc["full_urls"].as_array().expect("a full_urls list");
    assert!(urls.len() >= 8, "{} URLs", urls.len());
    let mut wrong = Vec::new();
    for v in urls {
        let input = v["input"].as_str().expect("input");
        let output = v["output"].as_str().expect("output");
        let url = policy().url(input);
        let text = policy().text(input);
        // An opaque URL (no `//`, RFC 3986 section 3) is not read as a URL in
        // free text.
        let opaque = v["opaque"].as_bool().unwrap_or(false);
        if url != output || (!opaque && text != output) {
            wrong.push(format!("{input:?} -> {url:?} / {text:?}, want {output:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
