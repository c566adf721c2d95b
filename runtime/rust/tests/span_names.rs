//! The generated name rules against the conventions: for every case of
//! expected_names.json (written beside this file by the project's test suite from
//! the conventions, see tests/rust/expect.py), the rule of the case's boundary,
//! given the attribute values the case knows, gives the expected span name.

use scaffold_runtime::telemetry::conventions;
use scaffold_runtime::telemetry::rules::NameRule;

const EXPECTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/expected_names.json");

fn rule(boundary: &str) -> NameRule {
    match boundary {
        "http_server" => conventions::HTTP_SERVER_NAME,
        "http_client" => conventions::HTTP_CLIENT_NAME,
        "rpc_server" => conventions::RPC_SERVER_NAME,
        "rpc_client" => conventions::RPC_CLIENT_NAME,
        "db" => conventions::DB_NAME,
        "messaging_producer" => conventions::MESSAGING_PRODUCER_NAME,
        "messaging_consumer" => conventions::MESSAGING_CONSUMER_NAME,
        other => panic!("no name rule for the boundary {other:?}"),
    }
}

#[test]
fn name_rules_give_the_names_the_conventions_expect() {
    let text = std::fs::read_to_string(EXPECTED).expect("tests/expected_names.json");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("expected names JSON");
    let cases = doc["cases"].as_object().expect("a cases map");
    assert!(cases.len() >= 9, "{} cases", cases.len());
    for (case, row) in cases {
        let known = row["known"].as_object().expect("known values");
        let boundary = row["boundary"].as_str().expect("a boundary");
        let name = rule(boundary).render(|key| known.get(key).and_then(|v| v.as_str()));
        assert_eq!(name, row["name"].as_str().expect("a name"), "{case}");
    }
    println!("checked {} span names", cases.len());
}
