//! A span helper for database calls.

use std::future::Future;
use std::time::Instant;

use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer};
use opentelemetry::{Context, KeyValue};

use super::conventions;
use super::instruments::Instruments;

/// What a database call does.
#[derive(Clone, Debug, Default)]
pub struct DbOperation<'a> {
    /// `db.system.name` (`postgresql`, `mysql`, ...).
    pub system: &'a str,
    /// `db.operation.name` (`SELECT`, `INSERT`, ...).
    pub operation: Option<&'a str>,
    /// `db.collection.name` (the table).
    pub collection: Option<&'a str>,
    /// `db.namespace` (the database).
    pub namespace: Option<&'a str>,
    /// `db.query.summary`; names the span when set.
    pub summary: Option<&'a str>,
    /// `db.stored_procedure.name`.
    pub procedure: Option<&'a str>,
    /// `server.address` (the database host).
    pub server: Option<&'a str>,
    /// `server.port`, recorded with `server`.
    pub port: Option<u16>,
    /// The query text; recorded only if the conventions allow it.
    pub query: Option<&'a str>,
}

/// Runs `call` inside a client span named per the conventions, records
/// `db.client.operation.duration` and marks errors. By default (semantic
/// conventions 1.45.0) the span is named by the query summary, else the
/// operation and its target (collection, stored procedure, namespace, or
/// server address and port), else the operation alone (`SELECT`), else the
/// target, else the system.
pub async fn traced<T, E, F>(
    instruments: &Instruments,
    op: DbOperation<'_>,
    call: F,
) -> Result<T, E>
where
    F: Future<Output = Result<T, E>>,
    E: std::fmt::Display,
{
    let port = op.server.and(op.port).map(|p| p.to_string());
    let name = conventions::DB_NAME.render(|key| match key {
        "db.system.name" => Some(op.system),
        "db.operation.name" => op.operation,
        "db.collection.name" => op.collection,
        "db.namespace" => op.namespace,
        "db.query.summary" => op.summary,
        "db.stored_procedure.name" => op.procedure,
        "server.address" => op.server,
        "server.port" => port.as_deref(),
        _ => None,
    });
    let mut labels = vec![KeyValue::new("db.system.name", op.system.to_owned())];
    if let Some(operation) = op.operation {
        labels.push(KeyValue::new("db.operation.name", operation.to_owned()));
    }
    if let Some(collection) = op.collection {
        labels.push(KeyValue::new("db.collection.name", collection.to_owned()));
    }
    if let Some(namespace) = op.namespace {
        labels.push(KeyValue::new("db.namespace", namespace.to_owned()));
    }
    if let Some(summary) = op.summary {
        labels.push(KeyValue::new("db.query.summary", summary.to_owned()));
    }
    if let Some(procedure) = op.procedure {
        labels.push(KeyValue::new(
            "db.stored_procedure.name",
            procedure.to_owned(),
        ));
    }
    if let Some(server) = op.server {
        labels.push(KeyValue::new("server.address", server.to_owned()));
        if let Some(port) = op.port {
            labels.push(KeyValue::new("server.port", i64::from(port)));
        }
    }
    let mut attributes = labels.clone();
    if conventions::DB_QUERY_TEXT {
        if let Some(query) = op.query {
            attributes.push(KeyValue::new("db.query.text", query.to_owned()));
        }
    }
    let parent = Context::current();
    let tracer = &instruments.tracer;
    let span = tracer
        .span_builder(name)
        .with_kind(SpanKind::Client)
        .with_attributes(attributes)
        .start_with_context(tracer, &parent);
    let cx = parent.with_span(span);
    let start = Instant::now();
    let result = call.with_context(cx.clone()).await;
    let span = cx.span();
    if let Err(error) = &result {
        span.set_attribute(KeyValue::new("error.type", "_OTHER"));
        span.set_status(Status::error(error.to_string()));
        labels.push(KeyValue::new("error.type", "_OTHER"));
    }
    span.end();
    instruments
        .db_duration
        .record(start.elapsed().as_secs_f64(), &labels);
    result
}
