//! W3C propagation: header carriers and the baggage allow-list.

use std::sync::OnceLock;

use http::header::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::baggage::{Baggage, BaggageExt};
use opentelemetry::propagation::{
    text_map_propagator::FieldIter, Extractor, Injector, TextMapCompositePropagator,
    TextMapPropagator,
};
use opentelemetry::Context;
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};

use super::conventions;
use super::redact;

/// Reads propagation fields from HTTP headers.
pub struct HeaderExtractor<'a>(pub &'a HeaderMap);

const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");
const BAGGAGE: HeaderName = HeaderName::from_static("baggage");

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        // The W3C fields are looked up without parsing their names again.
        let value = match key {
            "traceparent" => self.0.get(TRACEPARENT),
            "tracestate" => self.0.get(TRACESTATE),
            "baggage" => self.0.get(BAGGAGE),
            _ => self.0.get(key),
        };
        value.and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }
}

/// Writes propagation fields into HTTP headers.
pub struct HeaderInjector<'a>(pub &'a mut HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(key.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

/// W3C baggage that lets only allow-listed keys leave the service.
///
/// Incoming baggage is kept whole for the service's own use; on the way out,
/// keys not in the allow-list are dropped, the redaction policy applies to the
/// others (a pii or secret key is dropped, hashed or masked), and at most
/// `max_entries` are sent.
#[derive(Debug)]
pub struct AllowListBaggage {
    inner: BaggagePropagator,
    allow: &'static [&'static str],
    max_entries: usize,
}

impl AllowListBaggage {
    /// Baggage limited to the conventions' allow-list and entry count.
    pub fn new() -> Self {
        Self::with_allow_list(conventions::BAGGAGE_ALLOW, conventions::BAGGAGE_MAX_ENTRIES)
    }

    /// Baggage limited to `allow` and `max_entries`.
    pub fn with_allow_list(allow: &'static [&'static str], max_entries: usize) -> Self {
        Self {
            inner: BaggagePropagator::new(),
            allow,
            max_entries,
        }
    }
}

impl Default for AllowListBaggage {
    fn default() -> Self {
        Self::new()
    }
}

impl TextMapPropagator for AllowListBaggage {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let baggage = cx.baggage();
        if baggage.is_empty() {
            return;
        }
        let mut allowed = Baggage::new();
        for key in self.allow {
            if allowed.len() >= self.max_entries {
                break;
            }
            if let Some((value, metadata)) = baggage.get_with_metadata(key) {
                // Allow-listed keys still go through the redaction policy.
                let Some(value) =
                    redact::policy().value(key, &opentelemetry::Value::String(value.clone()))
                else {
                    continue;
                };
                allowed.insert_with_metadata(*key, value.as_str().into_owned(), metadata.clone());
            }
        }
        if !allowed.is_empty() {
            self.inner
                .inject_context(&Context::new().with_baggage(allowed), injector);
        }
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        self.inner.extract_with_context(cx, extractor)
    }

    fn fields(&self) -> FieldIter<'_> {
        self.inner.fields()
    }
}

/// The propagators the conventions name, in order.
pub fn propagator() -> TextMapCompositePropagator {
    let mut propagators: Vec<Box<dyn TextMapPropagator + Send + Sync>> = Vec::new();
    if conventions::PROPAGATE_TRACE_CONTEXT {
        propagators.push(Box::new(TraceContextPropagator::new()));
    }
    if conventions::PROPAGATE_BAGGAGE {
        propagators.push(Box::new(AllowListBaggage::new()));
    }
    if conventions::PROPAGATE_B3 {
        propagators.push(Box::new(super::b3::B3::new()));
    }
    TextMapCompositePropagator::new(propagators)
}

fn shared() -> &'static TextMapCompositePropagator {
    static PROPAGATOR: OnceLock<TextMapCompositePropagator> = OnceLock::new();
    PROPAGATOR.get_or_init(propagator)
}

/// The context carried by these headers, child of the current context.
pub fn extract(headers: &HeaderMap) -> Context {
    shared().extract(&HeaderExtractor(headers))
}

/// Writes `cx` (trace context and allowed baggage) into these headers.
pub fn inject(cx: &Context, headers: &mut HeaderMap) {
    shared().inject_context(cx, &mut HeaderInjector(headers));
}

/// The context carried by any text carrier (message headers, say).
pub fn extract_from(carrier: &dyn Extractor) -> Context {
    shared().extract(carrier)
}

/// Writes `cx` into any text carrier.
pub fn inject_into(cx: &Context, carrier: &mut dyn Injector) {
    shared().inject_context(cx, carrier);
}
