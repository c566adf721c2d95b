//! W3C Trace Context: the `traceparent` and `tracestate` fields.
//!
//! What is accepted follows W3C Trace Context Level 1 (Recommendation,
//! 23 November 2021), section 3 "Trace Context HTTP Headers Format"; of
//! Level 2 only the random trace-id flag is read (tracestate keys follow
//! Level 1). The Go package accepts exactly the
//! same values (one shared table of vectors checks both where they are
//! developed). The SDK's propagator accepted values W3C refuses (a sign or a short
//! field inside version 00, a trailing dash) and dropped the random flag.

use std::borrow::Cow;
use std::str::FromStr;

use opentelemetry::propagation::{
    text_map_propagator::FieldIter, Extractor, Injector, TextMapPropagator,
};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use opentelemetry::Context;

const TRACEPARENT: &str = "traceparent";
const TRACESTATE: &str = "tracestate";
/// The length of a version-00 `traceparent`: "00-" + 32 + "-" + 16 + "-" + 2.
const TRACEPARENT_LEN: usize = 55;
/// The trace-flags bits known here: sampled (0x01) and random (0x02).
const KNOWN_FLAGS: u8 = 0x03;
/// The random trace-id flag (Level 2).
const RANDOM: TraceFlags = TraceFlags::new(0x02);
/// W3C's limit of `tracestate` list-members.
const MAX_MEMBERS: usize = 32;
/// The longest `tracestate` sent on: W3C asks to propagate at least 512
/// characters and, past the size a vendor keeps, to drop whole entries (those
/// over 128 characters first, then from the end).
const MAX_TRACESTATE: usize = 512;
const LONG_MEMBER: usize = 128;
/// The longest system id the SDK's `TraceState` holds: one fewer than W3C's 14.
const MAX_SYSTEM: usize = 13;

/// The trace id, parent id and known trace-flags bits of a `traceparent`
/// value, read as bytes, or `None` when it is no valid parent and a new trace
/// starts:
///
/// - optional whitespace (space, tab) around the value is not part of it
///   (RFC 9110, section 5.5; the W3C test suite's OWS case);
/// - version is two lowercase hex digits, not `ff`;
/// - trace-id is 32 and parent-id 16 lowercase hex digits, neither all zero,
///   trace-flags 2 lowercase hex digits, at the exact offsets of version 00
///   (no sign, no other length);
/// - version 00 is exactly 55 characters; a higher version is read by its
///   version-00 prefix, which must be followed by `-` or the end (what
///   follows is not read, whatever its bytes: W3C, "Versioning of
///   traceparent");
/// - trace-flags bits other than sampled and random are ignored.
pub fn parse_traceparent(value: &[u8]) -> Option<(TraceId, SpanId, u8)> {
    let v = trim_ows(value);
    if v.len() < TRACEPARENT_LEN
        || &v[0..2] == b"ff"
        || v[2] != b'-'
        || v[35] != b'-'
        || v[52] != b'-'
    {
        return None;
    }
    if v.len() > TRACEPARENT_LEN && (&v[0..2] == b"00" || v[TRACEPARENT_LEN] != b'-') {
        return None;
    }
    hex(&v[0..2])?;
    let trace = hex(&v[3..35])?;
    let span = hex(&v[36..52])?;
    let flags = hex(&v[53..55])?;
    if trace == 0 || span == 0 {
        return None;
    }
    Some((
        TraceId::from(trace),
        SpanId::from(span as u64),
        flags as u8 & KNOWN_FLAGS,
    ))
}

/// `bytes` without the spaces and tabs around them (RFC 9110 OWS).
fn trim_ows(bytes: &[u8]) -> &[u8] {
    let ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = bytes.iter().position(|b| !ows(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !ows(b)).map_or(start, |i| i + 1);
    &bytes[start..end]
}

/// The value of lowercase hex digits (at most 32), `None` for any other byte.
fn hex(bytes: &[u8]) -> Option<u128> {
    bytes.iter().try_fold(0u128, |n, b| {
        let digit = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            _ => return None,
        };
        Some(n << 4 | u128::from(digit))
    })
}

/// The text a carrier gives for the `traceparent` value `bytes`, which
/// [`parse_traceparent`] reads exactly as the bytes themselves: the value
/// when it is UTF-8; otherwise its version-00 prefix and the dash after it
/// (for a higher version nothing else is read, so bytes that are no text
/// past that dash still leave a valid parent), or `"\u{7f}"`, which no field
/// accepts, when those bytes are not ASCII ending in a dash.
pub fn traceparent_text(bytes: &[u8]) -> &str {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return text;
    }
    let start = bytes
        .iter()
        .position(|b| *b != b' ' && *b != b'\t')
        .unwrap_or(bytes.len());
    bytes
        .get(start..start + TRACEPARENT_LEN + 1)
        .filter(|prefix| prefix[TRACEPARENT_LEN] == b'-')
        .and_then(|prefix| std::str::from_utf8(prefix).ok())
        .unwrap_or("\u{7f}")
}

/// The `traceparent` every value of the field (in order) continues as: one
/// valid value, written as version 00 with the known flag bits; `None` for
/// none, an invalid one or several (the W3C test suite's
/// duplicated-traceparent case), when a new trace starts.
pub fn continued_traceparent(values: &[&str]) -> Option<String> {
    let [only] = values else {
        return None;
    };
    let (trace, span, flags) = parse_traceparent(only.as_bytes())?;
    Some(format!("00-{trace}-{span}-{flags:02x}"))
}

/// The `tracestate` its field values (every line, in order, joined with
/// commas as HTTP combines list fields) continue as, `""` for none. The
/// grammar is W3C Trace Context Level 1's, section 3.3 (not Level 2's wider
/// keys): list-members are separated by commas with optional whitespace;
/// empty members are allowed and dropped; a key is a simple key (a lowercase
/// letter, then up to 255 of `a-z 0-9 _ - * /`) or `tenant@system` (tenant: a
/// lowercase letter or digit and up to 240 more; system: a lowercase letter
/// and up to 13 more); a value is 1 to 256 printable ASCII characters but
/// comma and `=`, not ending in a space. One invalid member, more than 32
/// members or a key seen twice ("Only one entry per key is allowed"; the
/// Level 1 test suite's `test_tracestate_duplicated_keys`) make the whole
/// tracestate invalid: it is dropped and the traceparent still continued. A
/// member whose system id has 14 characters is valid but dropped alone, the
/// others kept: the SDK's `TraceState` holds no longer system id than 13.
/// Past 512 characters, members over 128 characters are dropped one at a
/// time from the end while the list is still too long, then members from
/// the end.
pub fn continued_tracestate<'a>(values: &[&'a str]) -> Cow<'a, str> {
    let joined: Cow<'a, str> = match values {
        [] => return Cow::Borrowed(""),
        [one] => Cow::Borrowed(one),
        many => Cow::Owned(many.join(",")),
    };
    let mut members: Vec<&str> = Vec::new();
    let mut count = 0usize;
    let mut changed = joined.ends_with(',');
    let mut unheld = false;
    for member in joined.split(',') {
        let trimmed = member.trim_matches([' ', '\t']);
        changed |= trimmed.len() != member.len() || trimmed.is_empty();
        if trimmed.is_empty() {
            continue;
        }
        count += 1;
        let Some((key, value)) = trimmed.split_once('=') else {
            return Cow::Borrowed("");
        };
        if count > MAX_MEMBERS || !valid_key(key) || !valid_value(value) {
            return Cow::Borrowed("");
        }
        if members.iter().any(|m| member_key(m) == key) {
            return Cow::Borrowed("");
        }
        unheld |= !held_key(key);
        members.push(trimmed);
    }
    if unheld {
        members.retain(|m| held_key(member_key(m)));
        changed = true;
    }
    changed |= limit(&mut members);
    if !changed {
        return joined;
    }
    Cow::Owned(members.join(","))
}

/// The key of a valid member `key=value`.
fn member_key(member: &str) -> &str {
    member.split_once('=').map_or(member, |(key, _)| key)
}

/// Whether the SDK's `TraceState` holds the valid key `key`: a system id of
/// at most 13 characters, where W3C allows 14.
fn held_key(key: &str) -> bool {
    key.split_once('@')
        .is_none_or(|(_, system)| system.len() <= MAX_SYSTEM)
}

/// Drops whole members while the joined list is longer than
/// [`MAX_TRACESTATE`]: first those longer than [`LONG_MEMBER`], one at a time
/// from the end, then any from the end. Says whether it dropped any.
fn limit(members: &mut Vec<&str>) -> bool {
    let mut size = members
        .iter()
        .map(|m| m.len() + 1)
        .sum::<usize>()
        .saturating_sub(1);
    if size <= MAX_TRACESTATE {
        return false;
    }
    let mut i = members.len();
    while i > 0 && size > MAX_TRACESTATE {
        i -= 1;
        if members[i].len() > LONG_MEMBER {
            size -= members.remove(i).len() + 1;
        }
    }
    while size > MAX_TRACESTATE {
        let Some(last) = members.pop() else { break };
        size -= last.len() + 1;
    }
    true
}

/// Whether `key` is a W3C Level 1 tracestate key.
fn valid_key(key: &str) -> bool {
    let chars = |s: &str| {
        s.bytes().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'-' | b'*' | b'/')
        })
    };
    let first = |s: &str, digit: bool| {
        s.bytes()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || (digit && c.is_ascii_digit()))
    };
    match key.split_once('@') {
        None => key.len() <= 256 && first(key, false) && chars(key),
        Some((tenant, system)) => {
            tenant.len() <= 241
                && first(tenant, true)
                && chars(tenant)
                && system.len() <= 14
                && first(system, false)
                && chars(system)
        }
    }
}

/// Whether `value` is a W3C tracestate value: 1 to 256 characters
/// 0x20-0x7e but comma and `=`, the last not a space.
fn valid_value(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 256
        && !value.ends_with(' ')
        && value
            .bytes()
            .all(|c| (0x20..=0x7e).contains(&c) && c != b',' && c != b'=')
}

/// A context value: the trace `traceparent` was continued from carried the
/// random flag. The SDK gives an unsampled span no flag at all, so the
/// propagator sets the random bit again for spans of that trace (W3C Trace
/// Context Level 2: set in the incoming traceparent, it must be set in every
/// outgoing one with the same trace-id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct RandomTrace(TraceId);

/// The W3C Trace Context propagator: reads `traceparent` and `tracestate` as
/// [`parse_traceparent`] and [`continued_tracestate`] say, every value of each
/// (two `traceparent` values are no parent), and writes version 00 with the
/// sampled and random flags.
#[derive(Clone, Debug, Default)]
pub struct W3cTraceContext {
    _private: (),
}

impl W3cTraceContext {
    /// The propagator.
    pub fn new() -> Self {
        Self::default()
    }
}

fn fields() -> &'static [String; 2] {
    static NAMES: std::sync::OnceLock<[String; 2]> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| [TRACEPARENT.to_owned(), TRACESTATE.to_owned()])
}

impl TextMapPropagator for W3cTraceContext {
    fn inject_context(&self, cx: &Context, injector: &mut dyn Injector) {
        let span = cx.span();
        let sc = span.span_context();
        if !sc.is_valid() {
            return;
        }
        let mut flags = sc.trace_flags() & TraceFlags::new(KNOWN_FLAGS);
        if cx.get::<RandomTrace>() == Some(&RandomTrace(sc.trace_id())) {
            flags = flags | RANDOM;
        }
        injector.set(
            TRACEPARENT,
            format!(
                "00-{}-{}-{:02x}",
                sc.trace_id(),
                sc.span_id(),
                flags.to_u8()
            ),
        );
        injector.set(TRACESTATE, sc.trace_state().header());
    }

    fn extract_with_context(&self, cx: &Context, extractor: &dyn Extractor) -> Context {
        let Some(parents) = extractor.get_all(TRACEPARENT) else {
            return cx.clone();
        };
        let [only] = parents.as_slice() else {
            return cx.clone();
        };
        let Some((trace, span, flags)) = parse_traceparent(only.as_bytes()) else {
            return cx.clone();
        };
        let states = extractor.get_all(TRACESTATE).unwrap_or_default();
        let state = continued_tracestate(&states);
        let state = TraceState::from_str(&state).unwrap_or_default();
        let flags = TraceFlags::new(flags);
        let sc = SpanContext::new(trace, span, flags, true, state);
        let out = cx.with_remote_span_context(sc);
        if flags & RANDOM == RANDOM {
            return out.with_value(RandomTrace(trace));
        }
        out
    }

    fn fields(&self) -> FieldIter<'_> {
        FieldIter::new(fields())
    }
}

#[cfg(test)]
mod tests {
    use super::{continued_traceparent, continued_tracestate, W3cTraceContext};
    use opentelemetry::propagation::TextMapPropagator as _;
    use opentelemetry::trace::{SpanContext, TraceContextExt as _, TraceFlags, TraceState};
    use opentelemetry::Context;
    use std::collections::HashMap;

    const HEAD: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-";

    #[test]
    fn malformed_version_00_values_are_no_parent() {
        for flags in ["+1", "1", "001", "0A", "01-", "01."] {
            assert_eq!(
                continued_traceparent(&[&format!("{HEAD}{flags}")]),
                None,
                "{flags}"
            );
        }
        let one = format!("{HEAD}09");
        assert_eq!(continued_traceparent(&[&one]), Some(format!("{HEAD}01")));
        assert_eq!(continued_traceparent(&[&one, &one]), None);
    }

    #[test]
    fn the_random_flag_goes_downstream_even_unsampled() {
        for flags in ["02", "03"] {
            let carrier: HashMap<String, String> =
                HashMap::from([("traceparent".into(), format!("{HEAD}{flags}"))]);
            let cx = W3cTraceContext::new().extract(&carrier);
            let sc = cx.span().span_context().clone();
            // The SDK gives an unsampled child span no flag at all.
            let child = SpanContext::new(
                sc.trace_id(),
                opentelemetry::trace::SpanId::from(7),
                sc.trace_flags() & TraceFlags::SAMPLED,
                false,
                TraceState::default(),
            );
            let mut out = HashMap::new();
            W3cTraceContext::new().inject_context(&cx.with_remote_span_context(child), &mut out);
            let want = format!("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000007-{flags}");
            assert_eq!(out["traceparent"], want);
        }
        // Another trace in the same context does not get it.
        let carrier: HashMap<String, String> =
            HashMap::from([("traceparent".into(), format!("{HEAD}02"))]);
        let cx = W3cTraceContext::new().extract(&carrier);
        let other = SpanContext::new(
            opentelemetry::trace::TraceId::from(9),
            opentelemetry::trace::SpanId::from(7),
            TraceFlags::default(),
            false,
            TraceState::default(),
        );
        let mut out = HashMap::new();
        W3cTraceContext::new().inject_context(&cx.with_remote_span_context(other), &mut out);
        assert!(out["traceparent"].ends_with("-00"));
        let mut none = HashMap::new();
        W3cTraceContext::new().inject_context(&Context::new(), &mut none);
        assert!(none.is_empty());
    }

    #[test]
    fn invalid_tracestate_is_dropped_and_the_parent_kept() {
        assert_eq!(continued_tracestate(&["a=1", "B=2"]), "");
        assert_eq!(continued_tracestate(&["a=1 ", " b=2,c=3"]), "a=1,b=2,c=3");
        // A key seen twice, even across lines, spoils the whole list (Level
        // 1: "Only one entry per key is allowed").
        assert_eq!(continued_tracestate(&["a=1", "b=2,a=3"]), "");
        let carrier: HashMap<String, String> = HashMap::from([
            ("traceparent".into(), format!("{HEAD}01")),
            ("tracestate".into(), "a=1,1b=2".into()),
        ]);
        let sc = W3cTraceContext::new()
            .extract(&carrier)
            .span()
            .span_context()
            .clone();
        assert!(sc.is_valid());
        assert_eq!(sc.trace_state().header(), "");
    }
}
