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
    /// The query text; recorded only if the conventions allow it.
    pub query: Option<&'a str>,
}

/// Runs `call` inside a client span named per the conventions, records
/// `db.client.operation.duration` and marks errors.
pub async fn traced<T, E, F>(
    instruments: &Instruments,
    op: DbOperation<'_>,
    call: F,
) -> Result<T, E>
where
    F: Future<Output = Result<T, E>>,
    E: std::fmt::Display,
{
    let name = conventions::DB_NAME.render(|key| match key {
        "db.system.name" => Some(op.system),
        "db.operation.name" => op.operation,
        "db.collection.name" => op.collection,
        "db.namespace" => op.namespace,
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
