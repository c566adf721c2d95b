//! Redaction of personal data and secrets before export.
//!
//! Each span processor receives its own copy of a finished span, so a separate
//! processor cannot change what another one exports. [`Redacting`] therefore
//! wraps the processor that exports (the batch processor) and rewrites the
//! span before handing it on.

use std::time::Duration;

use opentelemetry::{Context, KeyValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use opentelemetry_sdk::Resource;
use sha2::{Digest, Sha256};

use super::conventions;
use super::rules::Action;

/// The mask written in place of a redacted value.
pub const MASK: &str = "REDACTED";

/// A span processor that applies the conventions' privacy actions to span and
/// event attributes, then passes the span to `inner`.
#[derive(Debug)]
pub struct Redacting<P> {
    inner: P,
    lookup: fn(&str) -> Option<Action>,
}

impl<P> Redacting<P> {
    /// Wraps `inner` with the conventions' rules.
    pub fn new(inner: P) -> Self {
        Self::with_rules(inner, conventions::redaction)
    }

    /// Wraps `inner` with the rules `lookup` gives per attribute key.
    pub fn with_rules(inner: P, lookup: fn(&str) -> Option<Action>) -> Self {
        Self { inner, lookup }
    }
}

/// The SHA-256 of `text`, hex encoded.
pub fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(64);
    for byte in digest.iter() {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

fn apply(lookup: fn(&str) -> Option<Action>, attributes: &mut Vec<KeyValue>) {
    attributes.retain_mut(|kv| match lookup(kv.key.as_str()) {
        None => true,
        Some(Action::Drop) => false,
        Some(Action::Hash) => {
            kv.value = Value::from(sha256_hex(&kv.value.as_str()));
            true
        }
        Some(Action::Redact) => {
            kv.value = Value::from(MASK);
            true
        }
    });
}

impl<P: SpanProcessor> SpanProcessor for Redacting<P> {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.inner.on_start(span, cx);
    }

    fn on_end(&self, mut span: SpanData) {
        apply(self.lookup, &mut span.attributes);
        for event in span.events.events.iter_mut() {
            apply(self.lookup, &mut event.attributes);
        }
        self.inner.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.inner.set_resource(resource);
    }
}
