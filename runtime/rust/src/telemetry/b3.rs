//! Zipkin B3 propagation (OpenTelemetry specification v1.60.0,
//! context/api-propagators.md): reads the single `b3` header or, without it,
//! the multiple `X-B3-*` headers; writes the single header (`b3` in
//! `OTEL_PROPAGATORS`) or the multiple ones (`b3multi`, and the conventions'
//! `b3`, as the Go package's B3 propagator does).

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
    single: bool,
}

impl B3 {
    /// A B3 propagator that writes the multiple `X-B3-*` headers.
    pub fn multi() -> Self {
        Self {
            fields: [TRACE_ID, SPAN_ID, SAMPLED, FLAGS, SINGLE].map(str::to_owned),
            single: false,
        }
    }

    /// A B3 propagator that writes the single `b3` header.
    pub fn single() -> Self {
        Self {
            single: true,
            ..Self::multi()
        }
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
        let sampled = if sc.is_sampled() { "1" } else { "0" };
        if self.single {
            let value = format!("{}-{}-{sampled}", sc.trace_id(), sc.span_id());
            injector.set(SINGLE, value);
        } else {
            injector.set(TRACE_ID, sc.trace_id().to_string());
            injector.set(SPAN_ID, sc.span_id().to_string());
            injector.set(SAMPLED, sampled.to_owned());
        }
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

#[cfg(test)]
mod tests {
    use super::B3;
    use opentelemetry::propagation::TextMapPropagator as _;
    use opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt as _, TraceFlags, TraceId, TraceState,
    };
    use opentelemetry::Context;
    use std::collections::HashMap;

    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    const SPAN: &str = "00f067aa0ba902b7";

    fn parent() -> Context {
        let sc = SpanContext::new(
            TraceId::from_hex(TRACE).unwrap(),
            SpanId::from_hex(SPAN).unwrap(),
            TraceFlags::SAMPLED,
            true,
            TraceState::default(),
        );
        Context::new().with_remote_span_context(sc)
    }

    #[test]
    fn single_writes_one_b3_header_and_reads_both_forms() {
        let b3 = B3::single();
        let mut carrier = HashMap::new();
        b3.inject_context(&parent(), &mut carrier);
        assert_eq!(carrier.len(), 1, "{carrier:?}");
        assert_eq!(carrier["b3"], format!("{TRACE}-{SPAN}-1"));
        let cx = b3.extract(&carrier);
        assert_eq!(cx.span().span_context().trace_id().to_string(), TRACE);
        let multi = HashMap::from([
            ("x-b3-traceid".to_owned(), TRACE.to_owned()),
            ("x-b3-spanid".to_owned(), SPAN.to_owned()),
            ("x-b3-sampled".to_owned(), "1".to_owned()),
        ]);
        let sc = b3.extract(&multi).span().span_context().clone();
        assert_eq!(sc.span_id().to_string(), SPAN);
        assert!(sc.is_sampled());
    }

    #[test]
    fn multi_writes_the_x_b3_headers_only() {
        let mut carrier = HashMap::new();
        B3::multi().inject_context(&parent(), &mut carrier);
        assert!(!carrier.contains_key("b3"), "{carrier:?}");
        assert_eq!(carrier["x-b3-traceid"], TRACE);
        assert_eq!(carrier["x-b3-sampled"], "1");
    }
}
