//! The database helper's tests (the `sql` part), on the harness in `tests`.

use opentelemetry::trace::{SpanKind, Status};

use super::conventions;
use super::tests::{attr, expected_name, Harness};
use super::*;

const DB_KNOWN: &[(&str, &str)] = &[
    ("db.system.name", "postgresql"),
    ("db.operation.name", "SELECT"),
    ("db.collection.name", "orders"),
];

#[tokio::test]
async fn database_helper_names_and_times_the_call() {
    let h = Harness::new();
    let op = db::DbOperation {
        system: "postgresql",
        operation: Some("SELECT"),
        collection: Some("orders"),
        query: Some("SELECT * FROM orders"),
        ..Default::default()
    };
    let result: Result<u32, String> = db::traced(&h.instruments, op, async {
        Err("connection reset".to_owned())
    })
    .await;
    assert!(result.is_err());
    let span = h.only(SpanKind::Client);
    assert_eq!(
        span.name,
        expected_name(&conventions::DB_NAME, DB_KNOWN).as_str()
    );
    assert!(matches!(span.status, Status::Error { .. }));
    assert_eq!(
        attr(&span, "db.query.text").is_some(),
        conventions::DB_QUERY_TEXT
    );
    assert_eq!(h.histogram_points(conventions::DB_DURATION).len(), 1);
}

/// Every field the conventions' rule can name a database span by reaches it.
#[tokio::test]
async fn database_helper_names_by_the_rule() {
    let cases = [
        db::DbOperation {
            system: "postgresql",
            operation: Some("SELECT"),
            collection: Some("orders"),
            summary: Some("SELECT orders customers"),
            ..Default::default()
        },
        db::DbOperation {
            system: "postgresql",
            operation: Some("SELECT"),
            namespace: Some("shop"),
            ..Default::default()
        },
        db::DbOperation {
            system: "postgresql",
            operation: Some("SELECT"),
            ..Default::default()
        },
        db::DbOperation {
            system: "postgresql",
            operation: Some("CALL"),
            procedure: Some("refresh_totals"),
            ..Default::default()
        },
        db::DbOperation {
            system: "postgresql",
            operation: Some("VACUUM"),
            server: Some("db.internal"),
            port: Some(5432),
            ..Default::default()
        },
        db::DbOperation {
            system: "postgresql",
            collection: Some("orders"),
            ..Default::default()
        },
        db::DbOperation {
            system: "postgresql",
            ..Default::default()
        },
    ];
    for op in cases {
        let h = Harness::new();
        let port = op.port.map(|p| p.to_string());
        let known = |key: &str| match key {
            "db.system.name" => Some(op.system),
            "db.operation.name" => op.operation,
            "db.collection.name" => op.collection,
            "db.namespace" => op.namespace,
            "db.query.summary" => op.summary,
            "db.stored_procedure.name" => op.procedure,
            "server.address" => op.server,
            "server.port" => port.as_deref(),
            _ => None,
        };
        let want = conventions::DB_NAME.render(known);
        let result: Result<(), String> =
            db::traced(&h.instruments, op.clone(), async { Ok(()) }).await;
        assert!(result.is_ok());
        let span = h.only(SpanKind::Client);
        assert_eq!(span.name, want.as_str(), "{op:?}");
    }
}

/// `db.client.operation.duration` has its own bucket boundaries (semantic
/// conventions 1.45.0, database-metrics.md), not the HTTP ones; as in Go.
#[tokio::test]
async fn database_duration_buckets() {
    let h = Harness::new();
    let op = db::DbOperation {
        system: "postgresql",
        operation: Some("SELECT"),
        ..Default::default()
    };
    let result: Result<u32, String> = db::traced(&h.instruments, op, async { Ok(1) }).await;
    assert!(result.is_ok());
    assert_eq!(
        h.histogram_bounds(conventions::DB_DURATION),
        vec![vec![0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0]]
    );
}
