//! Zipkin B3 propagation: writes the multiple `X-B3-*` headers and reads either
//! those or the single `b3` header.

use opentelemetry::propagation::{
    text_map_propagator::FieldIter, Extractor, Injector, TextMapPropagator,
};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::Context;

const TRACE_ID: &str = "x-b3-traceid";
const SPAN_ID: &str = "x-b3-spanid";
const SAMPLED: &str = "x-b3-sampled";
const FLAGS: &str = "x-b3-flags";
const SINGLE: &str = "b3";

/// The B3 propagator.
#[derive(Debug)]
pub struct B3 {
    fields: [String; 5],
}

impl B3 {
    /// A B3 propagator.
    pub fn new() -> Self {
        Self {
            fields: [TRACE_ID, SPAN_ID, SAMPLED, FLAGS, SINGLE].map(str::to_owned),
        }
    }
}

impl Default for B3 {
    fn default() -> Self {
        Self::new()
    }
}

fn trace_id(text: &str) -> Option<TraceId> {
    let text = text.trim();
    let padded = match text.len() {
        16 => format!("{:0>32}", text),
        32 => text.to_owned(),
        _ => return None,
    };
    if !padded
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return None;
    }
    TraceId::from_hex(&padded)
        .ok()
        .filter(|id| *id != TraceId::INVALID)
}

fn span_id(text: &str) -> Option<SpanId> {
    let text = text.trim();
    if text.len() != 16
        || !text
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return None;
    }
    SpanId::from_hex(text)
        .ok()
        .filter(|id| *id != SpanId::INVALID)
}

fn sampled_flag(text: &str) -> Option<bool> {
    match text.trim() {
        "1" | "d" | "true" => Some(true),
        "0" | "false" => Some(false),
        _ => None,
    }
}

fn context(trace: TraceId, span: SpanId, sampled: bool) -> SpanContext {
    let flags = if sampled {
        TraceFlags::SAMPLED
    } else {
        TraceFlags::default()
    };
    SpanContext::new(trace, span, flags, true, TraceState::default())
}

fn extract_single(value: &str) -> Option<SpanContext> {
    let parts: Vec<&str> = value.split('-').collect();
    if parts.len() < 2 {
        return None;
    }
    let sampled = parts.get(2).map_or(Some(false), |p| sampled_flag(p))?;
    Some(context(trace_id(parts[0])?, span_id(parts[1])?, sampled))
}

fn extract_multi(extractor: &dyn Extractor) -> Option<SpanContext> {
    let trace = trace_id(extractor.get(TRACE_ID)?)?;
    let span = span_id(extractor.get(SPAN_ID)?)?;
    let debug = extractor.get(FLAGS).is_some_and(|f| f.trim() == "1");
    let sampled = debug
        || extractor
            .get(SAMPLED)
            .and_then(sampled_flag)
            .unwrap_or(false);
    Some(context(trace, span, sampled))
}

impl TextMapPropagator for B3 {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let sc = span.span_context();
        if !sc.is_valid() {
            return;
        }
        injector.set(TRACE_ID, sc.trace_id().to_string());
        injector.set(SPAN_ID, sc.span_id().to_string());
        injector.set(SAMPLED, if sc.is_sampled() { "1" } else { "0" }.to_owned());
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let found = extractor
            .get(SINGLE)
            .and_then(extract_single)
            .or_else(|| extract_multi(extractor));
        match found {
            Some(sc) => cx.with_remote_span_context(sc),
            None => cx.clone(),
        }
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(&self.fields)
    }
}
