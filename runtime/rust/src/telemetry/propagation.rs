//! W3C propagation: header carriers and the baggage allow-list.

use std::sync::OnceLock;

use http::header::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::baggage::{Baggage, BaggageExt};
use opentelemetry::propagation::{
    text_map_propagator::FieldIter, Extractor, Injector, TextMapCompositePropagator,
    TextMapPropagator,
};
use opentelemetry::Context;
use opentelemetry_sdk::propagation::BaggagePropagator;

use super::conventions;
use super::redact;
use super::tracecontext::traceparent_text;

/// Reads propagation fields from HTTP headers. Repeated `baggage` and
/// `tracestate` lines are read as one comma-separated list, as W3C allows;
/// repeated `traceparent` lines are ignored, as no parent.
pub struct HeaderExtractor<'a> {
    headers: &'a HeaderMap,
    baggage: Option<String>,
    tracestate: Option<String>,
}

const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");
const BAGGAGE: HeaderName = HeaderName::from_static("baggage");

/// Every line of `name` joined with commas, when there are several. A line
/// that is not visible ASCII is skipped (the first: no list at all), except
/// in a `strict` list
/// (`tracestate`), where it makes the whole list unreadable, as one invalid
/// member makes the whole `tracestate` invalid (and as Go reads such a line).
fn joined(headers: &HeaderMap, name: &HeaderName, strict: bool) -> Option<String> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    let second = values.next()?;
    let mut out = String::new();
    for value in std::iter::once(first)
        .chain(std::iter::once(second))
        .chain(values)
    {
        match value.to_str() {
            Ok(text) => {
                if !out.is_empty() {
                    out.push(',');
                }
                out.push_str(text);
            }
            // No tracestate member can hold a control character.
            Err(_) if strict => return Some(String::from("\u{7f}")),
            // An unreadable first baggage line is no baggage (as before).
            Err(_) if out.is_empty() => return None,
            Err(_) => {}
        }
    }
    Some(out)
}

impl<'a> HeaderExtractor<'a> {
    /// An extractor over `headers`.
    pub fn new(headers: &'a HeaderMap) -> Self {
        Self {
            headers,
            baggage: joined(headers, &BAGGAGE, false),
            tracestate: joined(headers, &TRACESTATE, true),
        }
    }
}

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        // The W3C fields are looked up without parsing their names again.
        let value = match key {
            // Two `traceparent` lines are no trace context at all (W3C
            // Trace Context test suite, test_traceparent_duplicated): a new
            // trace starts, and `tracestate` is not read without a parent.
            // A value that is not visible ASCII is read as bytes: a higher
            // version's bytes past its version-00 prefix are not read.
            "traceparent" => {
                let mut all = self.headers.get_all(TRACEPARENT).iter();
                return match (all.next(), all.next()) {
                    (Some(only), None) => Some(
                        only.to_str()
                            .unwrap_or_else(|_| traceparent_text(only.as_bytes())),
                    ),
                    _ => None,
                };
            }
            "tracestate" => match &self.tracestate {
                Some(all) => return Some(all),
                None => self.headers.get(TRACESTATE),
            },
            "baggage" => match &self.baggage {
                Some(all) => return Some(all),
                None => self.headers.get(BAGGAGE),
            },
            _ => self.headers.get(key),
        };
        value.and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.headers.keys().map(HeaderName::as_str).collect()
    }
}

/// Writes propagation fields into HTTP headers. An empty value (the
/// `tracestate` of a span without one, say) removes the header instead of
/// sending an empty line.
pub struct HeaderInjector<'a>(pub &'a mut HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        let Ok(name) = HeaderName::from_bytes(key.as_bytes()) else {
            return;
        };
        if value.is_empty() {
            self.0.remove(name);
            return;
        }
        if let Ok(value) = HeaderValue::from_str(&value) {
            self.0.insert(name, value);
        }
    }
}

/// An injector that passes on only non-empty values: the trace context
/// propagator writes `tracestate` even when it is empty.
struct NonEmpty<'a>(&'a mut dyn Injector);

impl Injector for NonEmpty<'_> {
    fn set(&mut self, key: &str, value: String) {
        if !value.is_empty() {
            self.0.set(key, value);
        }
    }
}

/// W3C baggage that lets only allow-listed keys leave the service.
///
/// Incoming baggage is kept whole for the service's own use; on the way out,
/// keys not in the allow-list are dropped, the redaction policy applies to the
/// others (a pii or secret key is dropped, hashed or masked), and at most
/// `max_entries` are sent. Only `key=value` leaves: an entry's properties
/// (`;prop`, W3C Baggage) are dropped, since the allow-list names keys only
/// and properties are free text that no privacy class covers.
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
            if let Some(value) = baggage.get(key) {
                // Allow-listed keys still go through the redaction policy.
                let Some(value) =
                    redact::policy().value(key, &opentelemetry::Value::String(value.clone()))
                else {
                    continue;
                };
                allowed.insert(*key, value.as_str().into_owned());
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

/// One propagator `OTEL_PROPAGATORS` or the conventions can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// W3C trace context ([`super::tracecontext::W3cTraceContext`]).
    TraceContext,
    /// W3C baggage, allow-listed.
    Baggage,
    /// Zipkin B3, written as the single `b3` header (`b3`).
    B3Single,
    /// Zipkin B3, written as the `X-B3-*` headers (`b3multi`; the
    /// conventions' `b3`).
    B3Multi,
}

/// The conventions' propagators.
fn convention_kinds() -> Vec<Kind> {
    let mut out = Vec::new();
    if conventions::PROPAGATE_TRACE_CONTEXT {
        out.push(Kind::TraceContext);
    }
    if conventions::PROPAGATE_BAGGAGE {
        out.push(Kind::Baggage);
    }
    if conventions::PROPAGATE_B3 {
        out.push(Kind::B3Multi);
    }
    out
}

/// The propagators to use: `OTEL_PROPAGATORS` (a comma-separated list of
/// `tracecontext`, `baggage`, `b3`, `b3multi`, `none`), else the conventions'.
/// As the specification (v1.60.0, configuration/sdk-environment-variables.md)
/// asks, names are read without regard to case and each propagator is used
/// once; an unknown name is warned about and ignored, and a list of only
/// unknown names is warned about and the conventions' propagators used.
/// `none` alone means no propagator; listed with others it is warned about
/// and ignored. The Go package reads the list the same way.
pub fn kinds(
    getenv: &dyn Fn(&str) -> Option<String>,
    warnings: &mut super::settings::Warnings,
) -> Vec<Kind> {
    let Some(list) = super::settings::choice_value(getenv, "OTEL_PROPAGATORS") else {
        return convention_kinds();
    };
    let mut out = Vec::new();
    let mut none = false;
    let mut unknown = false;
    for given in list.split(',').map(str::trim) {
        let entry = given.to_ascii_lowercase();
        let kind = match entry.as_str() {
            "tracecontext" => Kind::TraceContext,
            "baggage" => Kind::Baggage,
            "b3" => Kind::B3Single,
            "b3multi" => Kind::B3Multi,
            "none" => {
                none = true;
                continue;
            }
            "" => continue,
            _ => {
                unknown = true;
                // The entry as given, as Go writes it.
                warnings.push(
                    "OTEL_PROPAGATORS",
                    given,
                    "ignored (supported: tracecontext, baggage, b3, b3multi, none)",
                );
                continue;
            }
        };
        if !out.contains(&kind) {
            out.push(kind);
        }
    }
    if out.is_empty() {
        if none {
            return out;
        }
        if unknown {
            warnings.push("OTEL_PROPAGATORS", &list, "the conventions' propagators");
        }
        return convention_kinds();
    }
    if none {
        warnings.push(
            "OTEL_PROPAGATORS",
            "none",
            "ignored (listed with other propagators)",
        );
    }
    out
}

/// The propagators [`kinds`] names, in order.
pub fn propagator() -> TextMapCompositePropagator {
    let kinds = kinds(
        &|name| std::env::var(name).ok(),
        &mut super::settings::Warnings::default(),
    );
    let mut propagators: Vec<Box<dyn TextMapPropagator + Send + Sync>> = Vec::new();
    for kind in kinds {
        propagators.push(match kind {
            Kind::TraceContext => Box::new(super::tracecontext::W3cTraceContext::new()),
            Kind::Baggage => Box::new(AllowListBaggage::new()),
            Kind::B3Single => Box::new(super::b3::B3::single()),
            Kind::B3Multi => Box::new(super::b3::B3::multi()),
        });
    }
    TextMapCompositePropagator::new(propagators)
}

fn shared() -> &'static TextMapCompositePropagator {
    static PROPAGATOR: OnceLock<TextMapCompositePropagator> = OnceLock::new();
    PROPAGATOR.get_or_init(propagator)
}

/// The header names the propagators read (lowercase, as `HeaderName`
/// writes them).
fn read_fields() -> &'static [String] {
    static FIELDS: OnceLock<Vec<String>> = OnceLock::new();
    FIELDS.get_or_init(|| shared().fields().map(str::to_ascii_lowercase).collect())
}

/// The context carried by these headers, child of the current context. A
/// request without any header a propagator reads carries nothing: the
/// current context, without asking each propagator for its headers.
pub fn extract(headers: &HeaderMap) -> Context {
    let fields = read_fields();
    if !headers
        .keys()
        .any(|name| fields.iter().any(|field| field == name.as_str()))
    {
        return Context::current();
    }
    shared().extract(&HeaderExtractor::new(headers))
}

/// Writes `cx` (trace context and allowed baggage) into these headers.
pub fn inject(cx: &Context, headers: &mut HeaderMap) {
    shared().inject_context(cx, &mut HeaderInjector(headers));
}

/// The context carried by any text carrier (message headers, say).
pub fn extract_from(carrier: &dyn Extractor) -> Context {
    shared().extract(carrier)
}

/// Writes `cx` into any text carrier; fields whose value is empty are not
/// written.
pub fn inject_into(cx: &Context, carrier: &mut dyn Injector) {
    shared().inject_context(cx, &mut NonEmpty(carrier));
}

#[cfg(test)]
mod tests {
    use super::super::settings::Warnings;
    use super::{convention_kinds, kinds, HeaderExtractor, Kind};
    use http::header::{HeaderMap, HeaderValue};
    use opentelemetry::propagation::Extractor as _;

    /// A tracestate line that is not visible ASCII makes the whole list
    /// unreadable (Go reads the raw bytes and finds the member invalid);
    /// a baggage line like it is skipped.
    #[test]
    fn an_unreadable_tracestate_line_spoils_the_list() {
        let mut headers = HeaderMap::new();
        headers.append("tracestate", HeaderValue::from_static("a=1"));
        headers.append("tracestate", HeaderValue::from_bytes(b"b=\xff").unwrap());
        headers.append("baggage", HeaderValue::from_static("k=v"));
        headers.append("baggage", HeaderValue::from_bytes(b"j=\xff").unwrap());
        let read = HeaderExtractor::new(&headers);
        assert_eq!(
            super::super::tracecontext::continued_tracestate(&[read.get("tracestate").unwrap()]),
            ""
        );
        assert_eq!(read.get("baggage"), Some("k=v"));
    }

    /// A traceparent is read as bytes: a higher version is continued
    /// whatever follows the dash after its flags (W3C, "Versioning of
    /// traceparent"), as Go continues it; version 00 with more is none.
    #[test]
    fn a_higher_version_traceparent_ends_in_any_bytes() {
        use opentelemetry::propagation::TextMapPropagator as _;
        use opentelemetry::trace::TraceContextExt as _;
        const IDS: &[u8] = b"4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let parent = |value: &[u8]| {
            let mut headers = HeaderMap::new();
            headers.insert("traceparent", HeaderValue::from_bytes(value).unwrap());
            headers.insert("tracestate", HeaderValue::from_static("x=1"));
            let cx = super::super::tracecontext::W3cTraceContext::new()
                .extract(&HeaderExtractor::new(&headers));
            let sc = cx.span().span_context().clone();
            (sc.is_valid(), sc.trace_state().header())
        };
        for version in [&b"01-"[..], b"cc-", b"fe-", b"0a-"] {
            for tail in [&b"-\xff"[..], "-\u{e9}".as_bytes(), b"-\xff  ", b"-x\x80y"] {
                let value = [version, IDS, tail].concat();
                assert_eq!(parent(&value), (true, "x=1".to_owned()), "{value:?}");
            }
        }
        for value in [
            [&b"00-"[..], IDS, b"-\xff"].concat(),
            [&b"00-"[..], IDS, b"\xff"].concat(),
            [&b"01-"[..], IDS, b"\xff"].concat(),
            [&b"01-"[..], IDS, b" \xff"].concat(),
            [&b"ff-"[..], IDS, b"-\xff"].concat(),
            [&b"01-"[..], &IDS[..40], b"\xff", &IDS[41..], b"-\xff"].concat(),
        ] {
            assert_eq!(parent(&value), (false, String::new()), "{value:?}");
        }
    }

    fn read(value: &'static str) -> (Vec<Kind>, Warnings) {
        let getenv = move |name: &str| (name == "OTEL_PROPAGATORS").then(|| value.to_owned());
        let mut w = Warnings::default();
        (kinds(&getenv, &mut w), w)
    }

    #[test]
    fn b3_is_the_single_header_and_b3multi_the_multiple() {
        assert_eq!(read("b3").0, [Kind::B3Single]);
        assert_eq!(read("B3MULTI").0, [Kind::B3Multi]);
    }

    #[test]
    fn names_are_used_once() {
        let (got, w) = read("tracecontext, TraceContext,baggage,tracecontext,b3,b3");
        assert_eq!(got, [Kind::TraceContext, Kind::Baggage, Kind::B3Single]);
        assert!(w.0.is_empty());
    }

    #[test]
    fn only_unknown_names_mean_the_conventions_propagators() {
        let (got, w) = read("xray,ottrace,xray");
        assert_eq!(got, convention_kinds());
        let values: Vec<&str> = w.0.iter().map(|w| w.value.as_str()).collect();
        assert_eq!(values, ["xray", "ottrace", "xray,ottrace,xray"]);
    }

    #[test]
    fn none_alone_is_no_propagator_and_with_others_is_ignored() {
        let (got, w) = read("none");
        assert!(got.is_empty());
        assert!(w.0.is_empty());
        let (got, w) = read("none,tracecontext");
        assert_eq!(got, [Kind::TraceContext]);
        assert_eq!(w.0.len(), 1);
        assert_eq!(w.0[0].value, "none");
        let (got, _) = read("none,xray");
        assert!(got.is_empty());
    }
}
