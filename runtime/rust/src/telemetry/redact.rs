//! One redaction policy for every exit: span attributes, events, links and
//! status descriptions (the [`Redacting`] span processor), metric attributes
//! (the [`metrics`](super::metrics) provider), log lines, resource attributes
//! and outgoing baggage.
//!
//! The conventions give each pii or secret attribute an action: `drop`,
//! `redact` (the value becomes `REDACTED`) or `hash`. `hash` is an
//! HMAC-SHA-256 keyed from the variable the conventions name
//! ([`conventions::HASH_KEY_ENV`]) or from the file named by that variable
//! with `_FILE` appended; without a key, `hash` acts as `drop` and `init`
//! warns once. Rotating the key changes every hashed value from then on;
//! values hashed under the old key no longer match new ones.
//!
//! Free text (a status description, a span event's name,
//! `exception.message`, a log message) is scrubbed besides
//! ([`Policy::scrub`]): e-mail addresses, credentials, JWT-like tokens and
//! long digit runs become `REDACTED`, by the rules Go's `ScrubText` follows.
//!
//! URLs are cleaned as the HTTP semantic conventions say for `url.full`:
//! credentials become `REDACTED:REDACTED` and the values of the query
//! parameters the conventions list become `REDACTED`, in `url.full`,
//! `url.query` and in any URL written inside a status description or a log
//! line.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::OnceLock;
use std::time::Duration;

use opentelemetry::trace::Status;
use opentelemetry::{Context, KeyValue, StringValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use opentelemetry_sdk::Resource;
use sha2::{Digest, Sha256};

use super::conventions;
use super::rules::Action;

/// The mask written in place of a redacted value.
pub const MASK: &str = "REDACTED";

/// The free text an exception event carries (the semantic conventions'
/// `exception.message`): scrubbed like a status description.
const EXCEPTION_MESSAGE: &str = "exception.message";

/// The HMAC-SHA-256 of `text` under `key`, hex encoded (RFC 2104).
pub fn hmac_sha256_hex(key: &[u8], text: &[u8]) -> String {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(text);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner);
    let digest = outer.finalize();
    let mut out = String::with_capacity(64);
    for byte in digest.iter() {
        out.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(byte & 15)]));
    }
    out
}

/// Reads the hash key: the variable `name`, else the file named by
/// `name` + `_FILE` (one trailing newline removed). An empty key is no key.
pub fn read_key(
    name: &str,
    getenv: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Vec<u8>>, String> {
    if let Some(value) = getenv(name).filter(|v| !v.is_empty()) {
        return Ok(Some(value.into_bytes()));
    }
    let file_var = format!("{name}_FILE");
    let Some(path) = getenv(&file_var).filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    let mut bytes = std::fs::read(path.trim()).map_err(|e| format!("{file_var}={path}: {e}"))?;
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
    Ok((!bytes.is_empty()).then_some(bytes))
}

/// What happens to values on their way out of the process.
#[derive(Clone, Debug)]
pub struct Policy {
    lookup: fn(&str) -> Option<Action>,
    key: Option<Vec<u8>>,
    sensitive_query: &'static [&'static str],
}

impl Policy {
    /// A policy with these rules, this HMAC key (none: `hash` drops) and
    /// these sensitive query parameters.
    pub fn new(
        lookup: fn(&str) -> Option<Action>,
        key: Option<Vec<u8>>,
        sensitive_query: &'static [&'static str],
    ) -> Self {
        Self {
            lookup,
            key,
            sensitive_query,
        }
    }

    /// The conventions' policy, keyed from the environment. The second value
    /// is the warning to log, if any (no key, an unreadable key file).
    pub fn from_env(getenv: &dyn Fn(&str) -> Option<String>) -> (Self, Option<String>) {
        let hashes = conventions::REDACTIONS
            .iter()
            .any(|(_, action)| *action == Action::Hash);
        let (key, warning) = match read_key(conventions::HASH_KEY_ENV, getenv) {
            Ok(Some(key)) => (Some(key), None),
            Ok(None) => (
                None,
                hashes.then(|| {
                    format!(
                        "{} is not set (nor {}_FILE): attributes the conventions hash are dropped",
                        conventions::HASH_KEY_ENV,
                        conventions::HASH_KEY_ENV
                    )
                }),
            ),
            Err(error) => (
                None,
                Some(format!(
                    "{error}: attributes the conventions hash are dropped"
                )),
            ),
        };
        let policy = Self::new(
            conventions::redaction,
            key,
            conventions::SENSITIVE_QUERY_PARAMETERS,
        );
        (policy, warning)
    }

    /// Whether `hash` really hashes (a key is set).
    pub fn keyed(&self) -> bool {
        self.key.is_some()
    }

    /// The action applied to `key`: the conventions', with `hash` turned into
    /// `drop` when no key is set.
    pub fn action(&self, key: &str) -> Option<Action> {
        match (self.lookup)(key) {
            Some(Action::Hash) if self.key.is_none() => Some(Action::Drop),
            other => other,
        }
    }

    /// Whether `key` is cleaned in any way (privacy action or URL cleaning).
    pub fn touches(&self, key: &str) -> bool {
        (self.lookup)(key).is_some() || key == "url.full" || key == "url.query"
    }

    /// Whether the attribute changes on its way out: its key is cleaned, or
    /// its value is text with a URL in it (an error message, for one).
    fn changes(&self, kv: &KeyValue) -> bool {
        self.touches(kv.key.as_str())
            || kv.key.as_str() == EXCEPTION_MESSAGE
            || matches!(&kv.value, Value::String(s) if has_url(s.as_str()))
    }

    /// The value `key` leaves with, or `None` when it is dropped.
    pub fn value(&self, key: &str, value: &Value) -> Option<Value> {
        // Decided before any cleaning: a dropped or masked value costs nothing.
        match self.action(key) {
            Some(Action::Drop) => return None,
            Some(Action::Redact) => return Some(Value::from(MASK)),
            _ => {}
        }
        let cleaned = match key {
            "url.full" => Some(Value::from(self.url(&value.as_str()).into_owned())),
            "url.query" => Some(Value::from(self.query(&value.as_str()).into_owned())),
            _ => None,
        };
        match self.action(key) {
            None => Some(cleaned.unwrap_or_else(|| value.clone())),
            Some(Action::Drop) => None,
            Some(Action::Redact) => Some(Value::from(MASK)),
            Some(Action::Hash) => {
                let text = cleaned.as_ref().unwrap_or(value).as_str();
                let key = self.key.as_deref().unwrap_or_default();
                Some(Value::from(hmac_sha256_hex(key, text.as_bytes())))
            }
        }
    }

    /// Applies the policy to a list of attributes in place, in one pass: a
    /// value that does not change is neither copied nor looked at twice.
    pub fn apply(&self, attributes: &mut Vec<KeyValue>) {
        attributes.retain_mut(|kv| self.clean(kv));
    }

    /// Cleans one attribute in place; false when it is dropped.
    fn clean(&self, kv: &mut KeyValue) -> bool {
        let key = kv.key.as_str();
        let url_key = key == "url.full" || key == "url.query";
        let action = self.action(key);
        if action == Some(Action::Drop) {
            return false;
        }
        if action.is_none() && !url_key {
            if let Value::String(s) = &kv.value {
                let clean = if key == EXCEPTION_MESSAGE {
                    self.scrub(s.as_str())
                } else {
                    self.text(s.as_str())
                };
                if let Cow::Owned(clean) = clean {
                    kv.value = Value::from(clean);
                }
            }
            return true;
        }
        if action.is_none() {
            let text = kv.value.as_str();
            let cleaned = if key == "url.full" {
                self.url(&text)
            } else {
                self.query(&text)
            };
            if let Cow::Owned(clean) = cleaned {
                kv.value = Value::from(clean);
            }
            return true;
        }
        match self.value(key, &kv.value) {
            Some(value) => {
                kv.value = value;
                true
            }
            None => false,
        }
    }

    /// The attributes as they may leave: borrowed when nothing changes.
    pub fn attributes<'a>(&self, attributes: &'a [KeyValue]) -> Cow<'a, [KeyValue]> {
        if attributes.iter().any(|kv| self.changes(kv)) {
            let mut owned = attributes.to_vec();
            self.apply(&mut owned);
            Cow::Owned(owned)
        } else {
            Cow::Borrowed(attributes)
        }
    }

    /// A URL with credentials and sensitive query values replaced.
    pub fn url<'a>(&self, url: &'a str) -> Cow<'a, str> {
        let Some(scheme_end) = url.find("://") else {
            return self.query_part(url);
        };
        let rest_start = scheme_end + 3;
        let authority_end = url[rest_start..]
            .find(['/', '?', '#'])
            .map_or(url.len(), |i| rest_start + i);
        let authority = &url[rest_start..authority_end];
        let tail = self.query_part(&url[authority_end..]);
        match authority.rfind('@') {
            Some(at) => Cow::Owned(format!(
                "{}REDACTED:REDACTED@{}{}",
                &url[..rest_start],
                &authority[at + 1..],
                tail
            )),
            None => match tail {
                Cow::Borrowed(_) => Cow::Borrowed(url),
                Cow::Owned(tail) => Cow::Owned(format!("{}{tail}", &url[..authority_end])),
            },
        }
    }

    /// Path, query and fragment with sensitive query values replaced.
    fn query_part<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let Some(q) = text.find('?') else {
            return Cow::Borrowed(text);
        };
        let end = text[q..].find('#').map_or(text.len(), |i| q + i);
        match self.query(&text[q + 1..end]) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            Cow::Owned(query) => Cow::Owned(format!("{}?{query}{}", &text[..q], &text[end..])),
        }
    }

    /// A query string (without `?`) with sensitive values replaced. Pairs are
    /// separated by `&` or `;` (the older form many servers still read).
    pub fn query<'a>(&self, query: &'a str) -> Cow<'a, str> {
        // A server decodes `%73ig` to `sig`: names are compared decoded.
        let sensitive = |pair: &str| {
            let name = pair.split_once('=').map_or(pair, |(name, _)| name);
            pair.contains('=') && self.sensitive_query.contains(&&*percent_decode(name))
        };
        let separator = |c: char| c == '&' || c == ';';
        if !query.split(separator).any(sensitive) {
            return Cow::Borrowed(query);
        }
        let mut out = String::with_capacity(query.len());
        let mut rest = query;
        loop {
            let (pair, sep, next) = match rest.find(separator) {
                Some(i) => (&rest[..i], &rest[i..=i], Some(&rest[i + 1..])),
                None => (rest, "", None),
            };
            match pair.split_once('=') {
                Some((name, _)) if sensitive(pair) => {
                    out.push_str(name);
                    out.push('=');
                    out.push_str(MASK);
                }
                _ => out.push_str(pair),
            }
            out.push_str(sep);
            match next {
                Some(next) => rest = next,
                None => break,
            }
        }
        Cow::Owned(out)
    }

    /// Free text (an error message, a log line) with every URL in it cleaned:
    /// plain ones (`scheme://...`) and percent-encoded ones
    /// (`https%3A%2F%2Fuser%3Apass%40host`, a redirect target in a query).
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if !may_have_url(text) {
            return Cow::Borrowed(text);
        }
        let plain = if text.contains("://") {
            Cow::Owned(self.plain_text(text))
        } else {
            Cow::Borrowed(text)
        };
        if find_encoded(&plain).is_none() {
            return plain;
        }
        Cow::Owned(self.encoded_text(&plain))
    }

    /// Free text (a status description, a span event's name,
    /// `exception.message`, a log message) as it may leave: URLs cleaned as
    /// [`text`](Self::text) does, then e-mail addresses, credentials after
    /// `Bearer `/`Basic `, JWT-like tokens and long digit runs (card and
    /// phone numbers) each replaced by [`MASK`]; see [`scrub_data`]. Go's
    /// `ScrubText` does the same: both are checked against one table of
    /// vectors.
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.text(text) {
            Cow::Borrowed(text) => scrub_data(text),
            Cow::Owned(text) => Cow::Owned(scrub_data(&text).into_owned()),
        }
    }

    fn plain_text(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(found) = rest.find("://") {
            let start = scheme_start(&rest[..found]);
            let end = rest[found..]
                .find(|c: char| c.is_whitespace() || "\"'<>(){}`\\".contains(c))
                .map_or(rest.len(), |i| found + i);
            out.push_str(&rest[..start]);
            out.push_str(&self.url(&rest[start..end]));
            rest = &rest[end..];
        }
        out.push_str(rest);
        out
    }

    /// Each percent-encoded URL decoded, cleaned like a plain one and, when
    /// that changed it, encoded again.
    fn encoded_text(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(found) = find_encoded(rest) {
            let start = scheme_start(&rest[..found]);
            let end = rest[found..]
                .find(|c: char| c.is_whitespace() || "\"'<>(){}`\\&;#,".contains(c))
                .map_or(rest.len(), |i| found + i);
            let token = &rest[start..end];
            out.push_str(&rest[..start]);
            let decoded = percent_decode(token);
            match self.url(&decoded) {
                Cow::Owned(clean) => out.push_str(&percent_encode(&clean)),
                Cow::Borrowed(_) if decoded.contains("://") => out.push_str(token),
                // Not decodable to text: keep nothing after the scheme.
                Cow::Borrowed(_) => {
                    out.push_str(&rest[start..found]);
                    out.push_str("%3A%2F%2F");
                    out.push_str(MASK);
                }
            }
            rest = &rest[end..];
        }
        out.push_str(rest);
        out
    }

    /// A resource with the policy applied to its attributes.
    pub fn resource(&self, resource: Resource) -> Resource {
        let changes = |(k, v): (&opentelemetry::Key, &Value)| {
            self.touches(k.as_str()) || matches!(v, Value::String(s) if has_url(s.as_str()))
        };
        if !resource.iter().any(changes) {
            return resource;
        }
        let mut attributes: Vec<KeyValue> = resource
            .iter()
            .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
            .collect();
        self.apply(&mut attributes);
        let mut builder = Resource::builder_empty().with_attributes(attributes);
        if let Some(url) = resource.schema_url() {
            builder = builder.with_schema_url(Vec::<KeyValue>::new(), url.to_owned());
        }
        builder.build()
    }

    /// A status with its description scrubbed (see [`scrub`](Self::scrub)).
    pub fn status(&self, status: &mut Status) {
        if let Status::Error { description } = status {
            if let Cow::Owned(clean) = self.scrub(description) {
                *description = Cow::Owned(clean);
            }
        }
    }
}

/// Whether `text` may carry a URL that [`Policy::text`] cleans: `://`, or
/// its percent-encoded form in any case.
pub fn has_url(text: &str) -> bool {
    may_have_url(text) && (text.contains("://") || find_encoded(text).is_some())
}

/// Whether `text` has a byte either form of URL starts its separator with
/// (`:` or `%`): a quick test that spares most values the full search.
fn may_have_url(text: &str) -> bool {
    text.bytes().any(|b| b == b':' || b == b'%')
}

/// The byte offset of the first `%3A%2F%2F` (any case) in `text`.
fn find_encoded(text: &str) -> Option<usize> {
    const ENCODED: &[u8] = b"%3a%2f%2f";
    let bytes = text.as_bytes();
    text.match_indices('%').map(|(at, _)| at).find(|&at| {
        bytes
            .get(at..at + ENCODED.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(ENCODED))
    })
}

/// Where the URL scheme ending `before` starts.
fn scheme_start(before: &str) -> usize {
    before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || "+.-".contains(c)))
        .map_or(0, |i| i + 1)
}

/// `text` with every byte outside the unreserved set percent-encoded.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `text` with `%XX` escapes decoded (invalid escapes and non-UTF-8 results
/// are kept as written).
fn percent_decode(text: &str) -> Cow<'_, str> {
    if !text.contains('%') {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let value = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(u8::try_from(value).unwrap_or(b'%'));
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_or(Cow::Borrowed(text), Cow::Owned)
}

/// How many digits make a run personal data (a card or phone number).
const SCRUB_MIN_DIGITS: usize = 9;
/// The shortest credential after `Bearer ` or `Basic `.
const SCRUB_MIN_TOKEN: usize = 8;
/// The shortest header part of a JWT-like token: the base64url of the
/// smallest JOSE header, `{"alg":"none"}`, is longer.
const JWT_MIN_HEADER: usize = 10;

/// `text` with personal data and credentials that no attribute key announces
/// replaced by [`MASK`], each piece whole:
///
/// - e-mail addresses (`local@domain.tld`, non-ASCII characters allowed);
///   the URL mask's own `REDACTED@host` is left alone;
/// - credentials after `Bearer ` or `Basic ` (any case): a run of at least 8
///   token characters that is not all lower-case letters, so "basic
///   authentication failed" stays;
/// - JWT-like tokens: a base64url header starting `eyJ` (the encoding of
///   `{"`), at least 10 characters long, a dot and a non-empty payload;
/// - long digit runs: 9 or more digits, single spaces or hyphens between
///   them allowed, not following a letter or digit.
///
/// Borrowed when nothing changes; a quick byte test spares most text the scan.
pub fn scrub_data(text: &str) -> Cow<'_, str> {
    if !may_need_scrub(text) {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = String::new();
    let (mut copied, mut i) = (0, 0);
    // No address without an `@`.
    let mut no_email = if text.contains('@') { 0 } else { text.len() };
    while i < bytes.len() {
        match scrub_match(bytes, i, &mut no_email) {
            Some((start, end)) => {
                if copied == 0 {
                    out.reserve(text.len());
                }
                out.push_str(&text[copied..start]);
                out.push_str(MASK);
                copied = end;
                i = end;
            }
            None => i += 1,
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The quick test, one pass over the bytes: text without `@`, a digit,
/// `eyJ`, `bearer ` or `basic ` (any case) has nothing [`scrub_data`] would
/// change.
fn may_need_scrub(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| match b {
        b'@' | b'0'..=b'9' => true,
        b'J' => i >= 2 && &bytes[i - 2..i] == b"ey",
        b' ' => {
            (i >= 5 && bytes[i - 5..i].eq_ignore_ascii_case(b"basic"))
                || (i >= 6 && bytes[i - 6..i].eq_ignore_ascii_case(b"bearer"))
        }
        _ => false,
    })
}

/// The bytes `start..end` to mask for a piece starting at `i`. No e-mail
/// address starts before `no_email`.
fn scrub_match(bytes: &[u8], i: usize, no_email: &mut usize) -> Option<(usize, usize)> {
    let prev = i.checked_sub(1).map(|p| bytes[p]);
    if bytes[i] == b'e' && !prev.is_some_and(|p| is_base64url(p) || p == b'.') {
        if let Some(end) = jwt_end(bytes, i) {
            return Some((i, end));
        }
    }
    if bytes[i] | 0x20 == b'b' && !prev.is_some_and(|p| p.is_ascii_alphanumeric()) {
        if let Some(found) = credential(bytes, i) {
            return Some(found);
        }
    }
    if i >= *no_email && is_local_byte(bytes[i]) && !prev.is_some_and(is_local_byte) {
        match email_end(bytes, i) {
            Ok(end) => return Some((i, end)),
            Err(next) => *no_email = next,
        }
    }
    if bytes[i].is_ascii_digit() && !prev.is_some_and(|p| p.is_ascii_alphanumeric()) {
        if let Some(end) = digit_run_end(bytes, i) {
            return Some((i, end));
        }
    }
    None
}

/// Where a JWT-like token starting at `i` ends.
fn jwt_end(bytes: &[u8], i: usize) -> Option<usize> {
    if !bytes[i..].starts_with(b"eyJ") {
        return None;
    }
    let mut j = i;
    while j < bytes.len() && (is_base64url(bytes[j]) || bytes[j] == b'.') {
        j += 1;
    }
    while j > i && bytes[j - 1] == b'.' {
        j -= 1;
    }
    let mut parts = bytes[i..j].splitn(3, |&b| b == b'.');
    let header = parts.next().unwrap_or_default();
    let payload = parts.next().unwrap_or_default();
    (header.len() >= JWT_MIN_HEADER && !payload.is_empty()).then_some(j)
}

/// The token after `Bearer ` or `Basic ` at `i`.
fn credential(bytes: &[u8], i: usize) -> Option<(usize, usize)> {
    let mut j = [b"bearer".as_slice(), b"basic"].iter().find_map(|scheme| {
        let end = i + scheme.len();
        (bytes.len() > end && bytes[i..end].eq_ignore_ascii_case(scheme) && bytes[end] == b' ')
            .then_some(end)
    })?;
    while j < bytes.len() && bytes[j] == b' ' {
        j += 1;
    }
    let start = j;
    let mut lower = true;
    while j < bytes.len() && is_token_byte(bytes[j]) {
        lower = lower && bytes[j].is_ascii_lowercase();
        j += 1;
    }
    (j - start >= SCRUB_MIN_TOKEN && !lower).then_some((start, j))
}

/// Where an e-mail address starting at `i` ends, or the offset before which
/// none starts.
fn email_end(bytes: &[u8], i: usize) -> Result<usize, usize> {
    let mut j = i;
    while j < bytes.len() && is_local_byte(bytes[j]) {
        j += 1;
    }
    if j == bytes.len() || bytes[j] != b'@' || &bytes[i..j] == MASK.as_bytes() {
        return Err(j);
    }
    let mut k = j + 1;
    while k < bytes.len()
        && (bytes[k].is_ascii_alphanumeric()
            || bytes[k] == b'.'
            || bytes[k] == b'-'
            || bytes[k] >= 0x80)
    {
        k += 1;
    }
    while k > j + 1 && (bytes[k - 1] == b'.' || bytes[k - 1] == b'-') {
        k -= 1;
    }
    let domain = &bytes[j + 1..k];
    match domain.first() {
        Some(&first)
            if (first.is_ascii_alphanumeric() || first >= 0x80) && domain.contains(&b'.') =>
        {
            Ok(k)
        }
        _ => Err(j),
    }
}

/// Where a run of at least [`SCRUB_MIN_DIGITS`] digits starting at `i` ends
/// (single spaces or hyphens between digits allowed).
fn digit_run_end(bytes: &[u8], i: usize) -> Option<usize> {
    let (mut j, mut digits) = (i, 0);
    loop {
        while j < bytes.len() && bytes[j].is_ascii_digit() {
            j += 1;
            digits += 1;
        }
        let separated = matches!(bytes.get(j), Some(b' ' | b'-'))
            && bytes.get(j + 1).is_some_and(u8::is_ascii_digit);
        if !separated {
            break;
        }
        j += 1;
    }
    (digits >= SCRUB_MIN_DIGITS).then_some(j)
}

fn is_base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Whether `b` may be part of an e-mail address's local part (bytes of
/// non-ASCII characters included, as internationalised addresses have them).
fn is_local_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80 || b"._%+-".contains(&b)
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~+/=".contains(&b)
}

static POLICY: OnceLock<(Policy, Option<String>)> = OnceLock::new();

/// The process's policy: the conventions' rules, keyed from the environment
/// the first time it is asked for.
pub fn policy() -> &'static Policy {
    &POLICY
        .get_or_init(|| Policy::from_env(&|name| std::env::var(name).ok()))
        .0
}

/// The start-up warning of the process's policy, if any.
pub fn policy_warning() -> Option<&'static str> {
    POLICY
        .get_or_init(|| Policy::from_env(&|name| std::env::var(name).ok()))
        .1
        .as_deref()
}

/// A string value as it may leave under `key`: `None` when dropped.
pub fn string_for(key: &str, value: &str) -> Option<String> {
    let policy = policy();
    if !policy.touches(key) {
        return Some(policy.text(value).into_owned());
    }
    policy
        .value(key, &Value::String(StringValue::from(value.to_owned())))
        .map(|v| v.as_str().into_owned())
}

/// A span processor that applies a [`Policy`] to span, event and link
/// attributes, scrubs the span name, event names and the status description
/// as free text, then passes the span to `inner`.
///
/// Each span processor receives its own copy of a finished span, so a separate
/// processor cannot change what another one exports; this one wraps the
/// processor that exports (the batch processor).
#[derive(Debug)]
pub struct Redacting<P> {
    inner: P,
    policy: Policy,
}

impl<P> Redacting<P> {
    /// Wraps `inner` with the process's policy.
    pub fn new(inner: P) -> Self {
        Self::with_policy(inner, policy().clone())
    }

    /// Wraps `inner` with the rules `lookup` gives per attribute key, hashing
    /// under `key`.
    pub fn with_rules(inner: P, lookup: fn(&str) -> Option<Action>, key: Option<Vec<u8>>) -> Self {
        Self::with_policy(
            inner,
            Policy::new(lookup, key, conventions::SENSITIVE_QUERY_PARAMETERS),
        )
    }

    /// Wraps `inner` with `policy`.
    pub fn with_policy(inner: P, policy: Policy) -> Self {
        Self { inner, policy }
    }
}

impl<P: SpanProcessor> SpanProcessor for Redacting<P> {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.inner.on_start(span, cx);
    }

    fn on_end(&self, mut span: SpanData) {
        // A span name is free text (`tracer.start` takes any string).
        if let Cow::Owned(name) = self.policy.scrub(&span.name) {
            span.name = Cow::Owned(name);
        }
        self.policy.apply(&mut span.attributes);
        for event in span.events.events.iter_mut() {
            self.policy.apply(&mut event.attributes);
            if let Cow::Owned(name) = self.policy.scrub(&event.name) {
                event.name = Cow::Owned(name);
            }
        }
        for link in span.links.links.iter_mut() {
            self.policy.apply(&mut link.attributes);
        }
        self.policy.status(&mut span.status);
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
