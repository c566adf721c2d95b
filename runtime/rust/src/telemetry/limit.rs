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

use super::conventions;
use super::settings::{value, Warnings};

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
    let Some(text) = value(getenv, name) else {
        return fallback;
    };
    match text.parse::<usize>() {
        Ok(n) if i64::try_from(n).is_ok() => n,
        _ => {
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

    use super::super::settings::Warnings;
    use super::{cut, span_value_length};

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
}
