//! Spawning tasks that keep the current span.

use std::future::Future;

use opentelemetry::context::FutureExt as _;
use opentelemetry::Context;
use tracing::Instrument as _;

/// Like `tokio::spawn`, but the task runs inside the current span: both the
/// OpenTelemetry context and the `tracing` span of the caller go with it, so
/// spans and log lines of the task belong to the caller's trace.
pub fn spawn<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let cx = Context::current();
    let span = tracing::Span::current();
    tokio::spawn(future.instrument(span).with_context(cx))
}
