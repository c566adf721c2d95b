//! The longest attribute value: the conventions' `export.limits`
//! ([`conventions::SPAN_ATTRIBUTE_VALUE_LENGTH`]), overridden by
//! `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT` and, over both,
//! `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT` (specification v1.60.0,
//! configuration/sdk-environment-variables.md, "Attribute Limits" and "Span
//! Limits"; common/README.md, "Attribute Limits": a longer string value, and
//! each longer string of an array, is cut to that many characters, in every
//! attribute collection of a span, its events' and links' included). The
//! specification's default is no limit; the conventions give one, so a request
//! header or path of any size never makes a span, and the batch it is exported
//! in, too large for a collector. The Rust SDK (0.33) has no value length
//! limit, so [`Redacting`](super::redact::Redacting) applies it to a span's,
//! its events' and its links' attributes when the span ends, after its policy:
//! a cut before it could remove the delimiter that marks a credential (the
//! '@' after a URL's userinfo), and the policy's own output (REDACTED, a keyed
//! hash) is bounded too. The Go package reads the same variables in the same
//! order and cuts in the same place (its span exporter, after the policy).

use opentelemetry::{Array, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::SpanLimits;

use super::conventions;
use super::settings::{decimal, number_value, Decimal, Warnings};

/// Reads the two variables over the conventions' value. A value that is not
/// a non-negative integer is warned about, and the next setting in the order
/// is used.
pub fn span_value_length(getenv: &dyn Fn(&str) -> Option<String>, w: &mut Warnings) -> usize {
    let general = read(
        getenv,
        "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
        conventions::SPAN_ATTRIBUTE_VALUE_LENGTH,
        w,
    );
    read(getenv, "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", general, w)
}

fn read(
    getenv: &dyn Fn(&str) -> Option<String>,
    name: &str,
    fallback: usize,
    w: &mut Warnings,
) -> usize {
    let Some(text) = number_value(getenv, name) else {
        return fallback;
    };
    // Past `i64` (Go's `int`) too large: treated as not set.
    match decimal(&text, i64::MAX as u64) {
        Decimal::Value(n) if usize::try_from(n).is_ok() => n as usize,
        _ => {
            w.push(name, &text, fallback.to_string());
            fallback
        }
    }
}

/// The count limits of a span: the SDK's defaults (128 each), overridden by
/// `OTEL_ATTRIBUTE_COUNT_LIMIT` for every attribute collection of a span and,
/// over it, by the model-specific `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`,
/// `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT` and `OTEL_LINK_ATTRIBUTE_COUNT_LIMIT`;
/// `OTEL_SPAN_EVENT_COUNT_LIMIT` and `OTEL_SPAN_LINK_COUNT_LIMIT` for events
/// and links (specification v1.60.0, configuration/sdk-environment-variables.md,
/// "Attribute Limits" and "Span Limits"; common/README.md: the model-specific
/// limit first, then the general one, then the default). The module reads
/// them and gives the SDK explicit limits: the SDK (0.33) reads only three of
/// them and passes over a bad value without a word. A value that is not a
/// non-negative integer is warned about once and the next setting is used
/// (configuration/common.md v1.60.0, §Numeric: treated as not set), and so
/// is one past `u32`. The Go package reads the same variables in the same
/// order.
pub fn span_limits(getenv: &dyn Fn(&str) -> Option<String>, w: &mut Warnings) -> SpanLimits {
    let defaults = SpanLimits::default();
    let general = count(
        getenv,
        "OTEL_ATTRIBUTE_COUNT_LIMIT",
        defaults.max_attributes_per_span,
        w,
    );
    SpanLimits {
        max_attributes_per_span: count(getenv, "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", general, w),
        max_events_per_span: count(
            getenv,
            "OTEL_SPAN_EVENT_COUNT_LIMIT",
            defaults.max_events_per_span,
            w,
        ),
        max_links_per_span: count(
            getenv,
            "OTEL_SPAN_LINK_COUNT_LIMIT",
            defaults.max_links_per_span,
            w,
        ),
        max_attributes_per_event: count(getenv, "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", general, w),
        max_attributes_per_link: count(getenv, "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", general, w),
    }
}

fn count(
    getenv: &dyn Fn(&str) -> Option<String>,
    name: &str,
    fallback: u32,
    w: &mut Warnings,
) -> u32 {
    let Some(text) = number_value(getenv, name) else {
        return fallback;
    };
    match decimal(&text, u64::from(u32::MAX)) {
        Decimal::Value(n) => n as u32,
        // Not a count, or one past `u32`: out of range is treated as not set
        // too (configuration/common.md v1.60.0, §Numeric).
        Decimal::NotDigits | Decimal::TooLarge => {
            w.push(name, &text, fallback.to_string());
            fallback
        }
    }
}

/// Cuts every string value of `attributes`, and every string of a string
/// array, longer than `limit` characters to its first `limit` characters.
/// A value no longer than `limit` bytes is only compared.
pub fn cut(attributes: &mut [KeyValue], limit: usize) {
    for kv in attributes.iter_mut() {
        match &mut kv.value {
            Value::String(s) if s.as_str().len() > limit => {
                if let Some(short) = prefix(s.as_str(), limit) {
                    *s = StringValue::from(short.to_owned());
                }
            }
            Value::Array(Array::String(values)) => {
                for s in values.iter_mut() {
                    if s.as_str().len() > limit {
                        if let Some(short) = prefix(s.as_str(), limit) {
                            *s = StringValue::from(short.to_owned());
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// The first `limit` characters of `text`, or `None` when it has no more.
fn prefix(text: &str, limit: usize) -> Option<&str> {
    text.char_indices().nth(limit).map(|(end, _)| &text[..end])
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use opentelemetry::{Array, KeyValue, StringValue, Value};
    use opentelemetry_sdk::trace::SpanLimits;

    use super::super::settings::{Warnings, NOT_UTF8};
    use super::{cut, span_limits, span_value_length};

    fn length(vars: &[(&str, &str)]) -> (usize, Vec<String>) {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let mut w = Warnings::default();
        let n = span_value_length(&|name| vars.get(name).cloned(), &mut w);
        (n, w.0.iter().map(|w| w.variable.clone()).collect())
    }

    #[test]
    fn the_span_variable_wins_over_the_general_one_over_the_conventions() {
        let conv = super::conventions::SPAN_ATTRIBUTE_VALUE_LENGTH;
        assert_eq!(length(&[]), (conv, vec![]));
        assert_eq!(
            length(&[("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "100")]),
            (100, vec![])
        );
        assert_eq!(
            length(&[
                ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "100"),
                ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "7"),
            ]),
            (7, vec![])
        );
        assert_eq!(
            length(&[("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "0")]),
            (0, vec![])
        );
        let span = "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT".to_owned();
        assert_eq!(
            length(&[("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "-1")]),
            (conv, vec![span.clone()])
        );
        assert_eq!(
            length(&[
                ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "50"),
                ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "lots"),
            ]),
            (50, vec![span])
        );
        assert_eq!(
            length(&[("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "99999999999999999999")]),
            (conv, vec!["OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT".to_owned()])
        );
        // Decimal digits alone, as in Go.
        assert_eq!(
            length(&[("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "+5")]),
            (conv, vec!["OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT".to_owned()])
        );
        assert_eq!(
            length(&[("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "-0")]),
            (
                conv,
                vec!["OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT".to_owned()]
            )
        );
        assert_eq!(
            length(&[("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "010")]),
            (10, vec![])
        );
        // The bound is Go's `int`: i64::MAX is read, one past it is not.
        assert_eq!(
            length(&[("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "9223372036854775807")]),
            (i64::MAX as usize, vec![])
        );
        assert_eq!(
            length(&[("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "9223372036854775808")]),
            (conv, vec!["OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT".to_owned()])
        );
        assert_eq!(
            length(&[("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", NOT_UTF8)]),
            (conv, vec!["OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT".to_owned()])
        );
    }

    #[test]
    fn long_strings_are_cut_to_the_limit_in_characters() {
        let mut attributes = vec![
            KeyValue::new("user_agent.original", "abcdéfgh"),
            KeyValue::new("short", "abc"),
            KeyValue::new("n", 123_456_789_i64),
            KeyValue::new(
                "list",
                Value::Array(Array::String(vec![
                    StringValue::from("abcdefgh"),
                    StringValue::from("ab"),
                ])),
            ),
        ];
        cut(&mut attributes, 5);
        assert_eq!(attributes[0].value.as_str(), "abcdé");
        assert_eq!(attributes[1].value.as_str(), "abc");
        assert_eq!(attributes[2].value, Value::I64(123_456_789));
        assert_eq!(
            attributes[3].value,
            Value::Array(Array::String(vec![
                StringValue::from("abcde"),
                StringValue::from("ab"),
            ]))
        );
    }

    #[test]
    fn count_limits_take_the_model_variable_then_the_general_one() {
        let limits = |vars: &[(&str, &str)]| {
            let vars: std::collections::HashMap<String, String> = vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            let mut w = super::Warnings::default();
            let l = span_limits(&|name| vars.get(name).cloned(), &mut w);
            let named: Vec<String> = w.0.iter().map(|w| w.variable.clone()).collect();
            (
                [
                    l.max_attributes_per_span,
                    l.max_events_per_span,
                    l.max_links_per_span,
                    l.max_attributes_per_event,
                    l.max_attributes_per_link,
                ],
                named,
            )
        };
        assert_eq!(limits(&[]), ([128; 5], vec![]));
        assert_eq!(
            limits(&[("OTEL_ATTRIBUTE_COUNT_LIMIT", "2")]),
            ([2, 128, 128, 2, 2], vec![])
        );
        assert_eq!(
            limits(&[
                ("OTEL_ATTRIBUTE_COUNT_LIMIT", "2"),
                ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "5")
            ]),
            ([5, 128, 128, 2, 2], vec![])
        );
        assert_eq!(
            limits(&[("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "-1")]),
            ([128; 5], vec!["OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT".to_owned()])
        );
        assert_eq!(
            limits(&[
                ("OTEL_ATTRIBUTE_COUNT_LIMIT", "3"),
                ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "x")
            ]),
            (
                [3, 128, 128, 3, 3],
                vec!["OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT".to_owned()]
            )
        );
        assert_eq!(
            limits(&[
                ("OTEL_SPAN_EVENT_COUNT_LIMIT", "0"),
                ("OTEL_SPAN_LINK_COUNT_LIMIT", "-3")
            ]),
            (
                [128, 0, 128, 128, 128],
                vec!["OTEL_SPAN_LINK_COUNT_LIMIT".to_owned()]
            )
        );
        // Decimal digits alone, as in Go: no sign, no inner space.
        assert_eq!(
            limits(&[
                ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "+5"),
                ("OTEL_ATTRIBUTE_COUNT_LIMIT", "-0")
            ]),
            (
                [128; 5],
                vec![
                    "OTEL_ATTRIBUTE_COUNT_LIMIT".to_owned(),
                    "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT".to_owned()
                ]
            )
        );
        assert_eq!(
            limits(&[
                ("OTEL_SPAN_EVENT_COUNT_LIMIT", "1 2"),
                ("OTEL_SPAN_LINK_COUNT_LIMIT", " 007 ")
            ]),
            (
                [128, 128, 7, 128, 128],
                vec!["OTEL_SPAN_EVENT_COUNT_LIMIT".to_owned()]
            )
        );
        // Out of range (past a u32, as in Go): warned about, not set.
        assert_eq!(
            limits(&[("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "99999999999999999999999")]),
            ([128; 5], vec!["OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT".to_owned()])
        );
        assert_eq!(
            limits(&[
                ("OTEL_ATTRIBUTE_COUNT_LIMIT", "4"),
                ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "4294967296")
            ]),
            (
                [4, 128, 128, 4, 4],
                vec!["OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT".to_owned()]
            )
        );
        assert_eq!(
            limits(&[("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "4294967295")]),
            ([u32::MAX, 128, 128, 128, 128], vec![])
        );
    }
}
