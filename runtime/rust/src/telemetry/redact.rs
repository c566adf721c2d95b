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
//! Free text (a status description, a span event's name, the free-text
//! attributes of [`is_free_text`], a log message) is scrubbed besides
//! ([`Policy::scrub`]): e-mail addresses, credentials, JWT-like tokens and
//! long digit runs become `REDACTED`, by the rules Go's `ScrubText` follows.
//!
//! URLs are cleaned as the HTTP semantic conventions say for `url.full`:
//! credentials become `REDACTED:REDACTED` and the values of the query
//! parameters the conventions list become `REDACTED`, in `url.full`,
//! `url.query` and in any URL written inside a status description or a log
//! line.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use opentelemetry::trace::{Span as _, SpanId, Status};
use opentelemetry::{Context, KeyValue, StringValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use opentelemetry_sdk::Resource;
use sha2::{Digest, Sha256};

use super::address::{clean_address, clean_path_params};
use super::conventions;
use super::rules::Action;
pub use super::scrub::scrub_data;

/// The mask written in place of a redacted value.
pub const MASK: &str = "REDACTED";

/// Whether values under `key` are free text that may quote personal data or
/// credentials, scrubbed like a status description ([`Policy::scrub`]): the
/// semantic conventions' `exception.message`, `exception.stacktrace`,
/// `error.message`, `error.type`, `user_agent.original`, `url.path` and
/// `http.request.method_original` (the url registry: sensitive content in
/// `url.path` SHOULD be scrubbed when it can be identified).
pub fn is_free_text(key: &str) -> bool {
    matches!(kind(key), Kind::FreeText | Kind::Agent | Kind::Path)
}

/// What a key without a privacy action is cleaned as: one `match` per
/// attribute decides it (see [`Policy::apply`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Any other key: a string value is cleaned of URLs only.
    Plain,
    /// A free-text key of [`is_free_text`] other than the user agent.
    FreeText,
    /// `user_agent.original`: free text, with a per-thread memo.
    Agent,
    /// `url.full`: cleaned as a URL.
    UrlFull,
    /// `url.query`: cleaned as a query string.
    UrlQuery,
    /// `url.path`: free text, and sensitive path parameters masked.
    Path,
    /// `server.address`: cleaned as a host ([`clean_address`]).
    Address,
}

fn kind(key: &str) -> Kind {
    match key {
        "url.full" => Kind::UrlFull,
        "url.query" => Kind::UrlQuery,
        "user_agent.original" => Kind::Agent,
        "url.path" => Kind::Path,
        "server.address" => Kind::Address,
        "exception.message"
        | "exception.stacktrace"
        | "error.message"
        | "error.type"
        | "http.request.method_original" => Kind::FreeText,
        _ => Kind::Plain,
    }
}

/// What a policy does with one key: its action (`hash` already turned into
/// `drop` without a key) and, without one, what its value is cleaned as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Class {
    action: Option<Action>,
    kind: Kind,
}

/// The attribute keys the server layer writes, each one static text: the
/// layer makes its keys from this table (see [`layer_key`]), and a policy
/// works out once what it does with each ([`Policy::new`]), so its pass over
/// a server span finds a key's [`Class`] by the text's address instead of
/// comparing the text with every key the conventions name. Static text is
/// never freed or changed, so the same address and length is the same text;
/// any other key, an application's too, is looked up by its text as before.
pub(crate) static LAYER_KEYS: [&str; 15] = [
    "http.request.method",
    "url.scheme",
    "network.protocol.version",
    "server.port",
    "network.peer.port",
    "url.path",
    "url.query",
    "server.address",
    "client.address",
    "network.peer.address",
    "user_agent.original",
    "http.request.method_original",
    "http.route",
    "http.response.status_code",
    "error.type",
];

/// Where each key stands in [`LAYER_KEYS`].
pub(crate) mod layer_key {
    /// `http.request.method`.
    pub(crate) const METHOD: usize = 0;
    /// `url.scheme`.
    pub(crate) const SCHEME: usize = 1;
    /// `network.protocol.version`.
    pub(crate) const PROTOCOL_VERSION: usize = 2;
    /// `server.port`.
    pub(crate) const SERVER_PORT: usize = 3;
    /// `network.peer.port`.
    pub(crate) const PEER_PORT: usize = 4;
    /// `url.path`.
    pub(crate) const PATH: usize = 5;
    /// `url.query`.
    pub(crate) const QUERY: usize = 6;
    /// `server.address`.
    pub(crate) const SERVER_ADDRESS: usize = 7;
    /// `client.address`.
    pub(crate) const CLIENT_ADDRESS: usize = 8;
    /// `network.peer.address`.
    pub(crate) const PEER_ADDRESS: usize = 9;
    /// `user_agent.original`.
    pub(crate) const USER_AGENT: usize = 10;
    /// `http.request.method_original`.
    pub(crate) const METHOD_ORIGINAL: usize = 11;
    /// `http.route`.
    pub(crate) const ROUTE: usize = 12;
    /// `http.response.status_code`.
    pub(crate) const STATUS_CODE: usize = 13;
    /// `error.type`.
    pub(crate) const ERROR_TYPE: usize = 14;
}

/// Slots of [`LayerSlots`]: a power of two, several times the keys, so a
/// multiplier that puts each key in a slot of its own is found quickly.
const SLOT_BITS: u32 = 7;

/// Finds a [`LAYER_KEYS`] entry by its text's address: a multiplicative
/// hash of the address picks a slot holding the entry's position (plus
/// one; zero: none), and the entry's address and length are then compared
/// with the key's. The multiplier is searched once per process so that no
/// two entries share a slot; if none is found (or two entries share an
/// address), the entries left out take the lookup by text.
struct LayerSlots {
    multiplier: u64,
    index: [u8; 1 << SLOT_BITS],
}

impl LayerSlots {
    fn slot(multiplier: u64, text: &str) -> usize {
        let address = text.as_ptr() as usize as u64;
        // The top bits of the product: fewer than `usize`'s on any target.
        (address.wrapping_mul(multiplier) >> (64 - SLOT_BITS)) as usize
    }

    fn new() -> Self {
        let mut multiplier: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..4096 {
            let mut index = [0u8; 1 << SLOT_BITS];
            let mut clash = false;
            for (i, key) in LAYER_KEYS.iter().enumerate() {
                let slot = Self::slot(multiplier, key);
                match usize::from(index[slot]).checked_sub(1) {
                    None => index[slot] = u8::try_from(i + 1).unwrap_or(0),
                    // The same text at the same address: found as the first.
                    Some(j) if LAYER_KEYS[j].as_ptr() == key.as_ptr() => {}
                    Some(_) => clash = true,
                }
            }
            if !clash {
                return Self { multiplier, index };
            }
            multiplier = multiplier.wrapping_add(0x6a09_e667_f3bc_c908) | 1;
        }
        Self {
            multiplier,
            index: [0; 1 << SLOT_BITS],
        }
    }
}

/// The position in [`LAYER_KEYS`] of the entry that is `key` itself (the
/// same address and length, so the same static text), if any.
#[inline]
fn layer_key(key: &str) -> Option<usize> {
    static SLOTS: OnceLock<LayerSlots> = OnceLock::new();
    let slots = SLOTS.get_or_init(LayerSlots::new);
    let i = usize::from(slots.index[LayerSlots::slot(slots.multiplier, key)]).checked_sub(1)?;
    let entry = LAYER_KEYS.get(i)?;
    (entry.as_ptr() == key.as_ptr() && entry.len() == key.len()).then_some(i)
}

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
    // A value that is not UTF-8 is no key, as before the process's reader
    // marked it (super::settings::NOT_UTF8).
    let usable = |v: &String| v != super::settings::NOT_UTF8;
    if let Some(value) = getenv(name).filter(|v| !v.is_empty() && usable(v)) {
        return Ok(Some(value.into_bytes()));
    }
    let file_var = format!("{name}_FILE");
    let Some(path) = getenv(&file_var).filter(|v| !v.trim().is_empty() && usable(v)) else {
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
    /// The [`Class`] of each of [`LAYER_KEYS`] under this policy.
    layer: [Class; LAYER_KEYS.len()],
    /// Tells policies apart for [`CLEAN_AGENT`]: every policy made by
    /// [`Policy::new`] has its own; a clone (the same rules, key and
    /// parameters: a policy never changes) shares it.
    id: u64,
}

/// The next [`Policy::id`].
static NEXT_POLICY: AtomicU64 = AtomicU64::new(1);

impl Policy {
    /// A policy with these rules, this HMAC key (none: `hash` drops) and
    /// these sensitive query parameters.
    pub fn new(
        lookup: fn(&str) -> Option<Action>,
        key: Option<Vec<u8>>,
        sensitive_query: &'static [&'static str],
    ) -> Self {
        let layer = LAYER_KEYS.map(|name| Class {
            action: match lookup(name) {
                Some(Action::Hash) if key.is_none() => Some(Action::Drop),
                other => other,
            },
            kind: kind(name),
        });
        Self {
            lookup,
            key,
            sensitive_query,
            layer,
            id: NEXT_POLICY.fetch_add(1, Ordering::Relaxed),
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
            || matches!(
                kind(kv.key.as_str()),
                Kind::FreeText | Kind::Agent | Kind::Path | Kind::Address
            )
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

    /// Cleans one attribute in place; false when it is dropped. The key is
    /// looked up once for its action and, without one, classed once by
    /// [`kind`].
    fn clean(&self, kv: &mut KeyValue) -> bool {
        let key = kv.key.as_str();
        // One of the server layer's own keys: its class, worked out when
        // the policy was made; any other key: by its text.
        let (action, known) = match layer_key(key) {
            Some(i) => (self.layer[i].action, Some(self.layer[i].kind)),
            None => (self.action(key), None),
        };
        match action {
            None => {}
            Some(Action::Drop) => return false,
            Some(_) => {
                return match self.value(key, &kv.value) {
                    Some(value) => {
                        kv.value = value;
                        true
                    }
                    None => false,
                }
            }
        }
        let Value::String(s) = &kv.value else {
            // A URL key holding another type is cleaned as its text; any
            // other key's number, bool or array is left as it is.
            let url = match known.unwrap_or_else(|| kind(key)) {
                Kind::UrlFull => true,
                Kind::UrlQuery => false,
                _ => return true,
            };
            let text = kv.value.as_str();
            let cleaned = if url {
                self.url(&text)
            } else {
                self.query(&text)
            };
            if let Cow::Owned(clean) = cleaned {
                kv.value = Value::from(clean);
            }
            return true;
        };
        let clean = match known.unwrap_or_else(|| kind(key)) {
            Kind::Plain if may_have_url(s.as_str()) => self.text(s.as_str()),
            // Most values: nothing a URL starts with, nothing to do.
            Kind::Plain => return true,
            Kind::FreeText => self.scrub(s.as_str()),
            Kind::Path => match clean_path_params(self, s.as_str()) {
                Cow::Borrowed(path) => self.scrub(path),
                Cow::Owned(path) => Cow::Owned(self.scrub(&path).into_owned()),
            },
            Kind::Address => clean_address(self, s.as_str()),
            Kind::Agent => self.agent(s),
            Kind::UrlFull => self.url(s.as_str()),
            Kind::UrlQuery => self.query(s.as_str()),
        };
        if let Cow::Owned(clean) = clean {
            kv.value = Value::from(clean);
        }
        true
    }

    /// A user agent as it may leave: [`scrub`](Self::scrub)bed, unless it is
    /// the text this thread last found unchanged by this policy's scrub (a
    /// service sees the same few agents again and again, and the scrub of
    /// one with digits in it reads it byte by byte). The text is compared,
    /// so only the same text is spared; the one kept is the one the server
    /// layer keeps per thread too (a classed user agent takes the action
    /// path, never this one).
    fn agent<'a>(&self, text: &'a StringValue) -> Cow<'a, str> {
        // The very text first (the server layer shares one text per thread,
        // and the one kept here holds it, so its address is no other
        // text's), else by content.
        let same = |kept: &Option<(u64, StringValue)>| {
            kept.as_ref().is_some_and(|(id, kept)| {
                let (kept, text) = (kept.as_str(), text.as_str());
                *id == self.id
                    && ((kept.as_ptr() == text.as_ptr() && kept.len() == text.len())
                        || kept == text)
            })
        };
        if CLEAN_AGENT.with_borrow(same) {
            return Cow::Borrowed(text.as_str());
        }
        let clean = self.scrub(text.as_str());
        if matches!(clean, Cow::Borrowed(_)) {
            // A clone of an `Arc` text is a count; another is copied once.
            CLEAN_AGENT.set(Some((self.id, text.clone())));
        }
        clean
    }

    /// A span name as it may leave: [`scrub`](Self::scrub)bed, unless it is
    /// text of the program (`&'static`, such as a callsite's name or one
    /// the server layer shares) at the very address this policy last found
    /// unchanged on this thread. Static text is never freed or changed, so
    /// the same address and length is the same text; a name made at run
    /// time is scrubbed every time.
    // The `Cow` itself, not its text: whether the name is borrowed matters.
    #[allow(clippy::ptr_arg)]
    fn span_name<'a>(&self, name: &'a Cow<'static, str>) -> Cow<'a, str> {
        let Cow::Borrowed(text) = name else {
            return self.scrub(name);
        };
        let text: &'static str = text;
        let same = CLEAN_NAME
            .try_with(|kept| {
                kept.get()
                    .is_some_and(|(id, kept)| id == self.id && std::ptr::eq(kept, text))
            })
            .unwrap_or(false);
        if same {
            return Cow::Borrowed(text);
        }
        let clean = self.scrub(text);
        if matches!(clean, Cow::Borrowed(_)) {
            let _ = CLEAN_NAME.try_with(|kept| kept.set(Some((self.id, text))));
        }
        clean
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

    /// A URL with credentials, sensitive path parameter values and
    /// sensitive query values replaced.
    pub fn url<'a>(&self, url: &'a str) -> Cow<'a, str> {
        let Some(scheme_end) = url.find("://") else {
            return then(self.path_part(url), |path| self.query_part(path));
        };
        let rest_start = scheme_end + 3;
        let authority_end = url[rest_start..]
            .find(['/', '?', '#'])
            .map_or(url.len(), |i| rest_start + i);
        let authority = &url[rest_start..authority_end];
        let tail = then(self.path_part(&url[authority_end..]), |tail| {
            self.query_part(tail)
        });
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

    /// Path, query and fragment with the values of sensitive path
    /// parameters (`;name=value`, [`clean_path_params`]) before the first
    /// `?` or `#` replaced (Go's `cleanTailPath`).
    fn path_part<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let end = text.find(['?', '#']).unwrap_or(text.len());
        match clean_path_params(self, &text[..end]) {
            Cow::Borrowed(_) => Cow::Borrowed(text),
            Cow::Owned(path) => Cow::Owned(path + &text[end..]),
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

    /// Whether `name` (decoded) is a sensitive query or path parameter name,
    /// compared without regard to ASCII case: `Token` and `JSessionId` are
    /// as sensitive as `token` and `jsessionid`.
    fn sensitive_name(&self, name: &str) -> bool {
        self.sensitive_query
            .iter()
            .any(|k| k.eq_ignore_ascii_case(name))
    }

    /// A query string (without `?`) with sensitive values replaced. Pairs are
    /// separated by `&` or `;` (the older form many servers still read).
    pub fn query<'a>(&self, query: &'a str) -> Cow<'a, str> {
        // A server decodes `%73ig` to `sig`: names are compared decoded.
        let sensitive = |pair: &str| {
            let name = pair.split_once('=').map_or(pair, |(name, _)| name);
            pair.contains('=') && self.sensitive_name(&percent_decode(name))
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
    /// (`https%3A%2F%2Fuser%3Apass%40host`, a redirect target in a query;
    /// also encoded twice), byte for byte as Go's `SanitizeText` does.
    pub fn text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if !may_have_url(text) {
            return Cow::Borrowed(text);
        }
        let plain = if text.contains("://") {
            self.plain_text(text)
        } else {
            Cow::Borrowed(text)
        };
        if find_encoded(&plain).is_none() {
            return plain;
        }
        Cow::Owned(self.encoded_text(&plain))
    }

    /// Free text (a status description, a span event's name, the free-text
    /// attributes, a log message) as it may leave: URLs cleaned as
    /// [`text`](Self::text) does, then e-mail addresses, credentials, API
    /// keys, JWT-like tokens and long digit runs (card and phone numbers)
    /// each replaced by [`MASK`]; see [`scrub_data`]. Go's `ScrubText` does
    /// the same: both are checked against one table of vectors.
    pub fn scrub<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match self.text(text) {
            Cow::Borrowed(text) => scrub_data(text),
            Cow::Owned(text) => Cow::Owned(scrub_data(&text).into_owned()),
        }
    }

    fn plain_text<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = String::new();
        let mut rest = text;
        let mut changed = false;
        while let Some(found) = rest.find("://") {
            let start = scheme_start(&rest[..found]);
            let end = rest[found + 3..]
                .find(is_url_end)
                .map_or(rest.len(), |i| found + 3 + i);
            let clean = self.url_text(&rest[start..end]);
            if matches!(clean, Cow::Owned(_)) || changed {
                if !changed {
                    out.reserve(text.len() + 16);
                    out.push_str(&text[..text.len() - rest.len()]);
                    changed = true;
                }
                out.push_str(&rest[..start]);
                out.push_str(&clean);
            }
            rest = &rest[end..];
        }
        if !changed {
            return Cow::Borrowed(text);
        }
        out.push_str(rest);
        Cow::Owned(out)
    }

    /// Each percent-encoded URL decoded (twice when its separator was encoded
    /// twice), cleaned like a plain one and, when that changed it, encoded
    /// again as often.
    fn encoded_text(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(found) = find_encoded(rest) {
            let start = scheme_start(&rest[..found]);
            let depth = encoded_separator(rest.as_bytes(), found).map_or(0, |(_, d)| d);
            let end = rest[found + 1..]
                .find(|c: char| is_url_end(c) || "&;#,".contains(c))
                .map_or(rest.len(), |i| found + 1 + i);
            let token = &rest[start..end];
            out.push_str(&rest[..start]);
            let mut decoded = Cow::Borrowed(token);
            for _ in 0..depth {
                decoded = Cow::Owned(percent_decode(&decoded).into_owned());
            }
            match self.url_text(&decoded) {
                Cow::Owned(mut clean) => {
                    for _ in 0..depth {
                        clean = percent_encode(&clean);
                    }
                    out.push_str(&clean);
                }
                Cow::Borrowed(_) => out.push_str(token),
            }
            rest = &rest[end..];
        }
        out.push_str(rest);
        out
    }

    /// One URL found in text (`scheme://...`), cleaned byte by byte without
    /// parsing: user information becomes `REDACTED:REDACTED` and the values
    /// of sensitive parameters in the path (`;name=value`), the query and
    /// the fragment become `REDACTED`. User information is everything
    /// before the last `@` of the authority or, when a `:` comes before it,
    /// before the URL's last `@` (an unencoded `#`, `?` or `/` in a
    /// password).
    fn url_text<'a>(&self, raw: &'a str) -> Cow<'a, str> {
        let Some(sep) = raw.find("://") else {
            return Cow::Borrowed(raw);
        };
        let (head, rest) = raw.split_at(sep + 3);
        let authority = rest.find(['/', '?', '#']).map_or(rest, |i| &rest[..i]);
        let mut user = authority.rfind('@');
        if let Some(at) = rest.rfind('@') {
            if user.is_none_or(|u| at > u) && rest[..at].contains(':') {
                user = Some(at);
            }
        }
        let tail = user.map_or(rest, |at| &rest[at + 1..]);
        let clean = then(self.path_part(tail), |tail| self.params(tail));
        match (user, clean) {
            (None, Cow::Borrowed(_)) => Cow::Borrowed(raw),
            (None, Cow::Owned(clean)) => Cow::Owned(format!("{head}{clean}")),
            (Some(_), clean) => Cow::Owned(format!("{head}{MASK}:{MASK}@{clean}")),
        }
    }

    /// A URL's tail with the values of sensitive parameters after its first
    /// `?` or `#` masked; pairs are separated by `&`, `;`, `#` or `?`.
    fn params<'a>(&self, tail: &'a str) -> Cow<'a, str> {
        let Some(q) = tail.find(['?', '#']) else {
            return Cow::Borrowed(tail);
        };
        let mut out = String::new();
        let mut copied = 0;
        let mut i = q + 1;
        while i <= tail.len() {
            let j = tail[i..]
                .find(['&', ';', '#', '?'])
                .map_or(tail.len(), |n| i + n);
            let pair = &tail[i..j];
            if let Some((name, value)) = pair.split_once('=') {
                if value != MASK && self.sensitive_name(&percent_decode(name)) {
                    if copied == 0 {
                        out.reserve(tail.len());
                    }
                    out.push_str(&tail[copied..i + name.len() + 1]);
                    out.push_str(MASK);
                    copied = j;
                }
            }
            i = j + 1;
        }
        if copied == 0 {
            return Cow::Borrowed(tail);
        }
        out.push_str(&tail[copied..]);
        Cow::Owned(out)
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

/// `next` applied to what `first` gave: borrowed from the text `first` was
/// given when neither changed it.
fn then(first: Cow<'_, str>, next: impl FnOnce(&str) -> Cow<'_, str>) -> Cow<'_, str> {
    match first {
        Cow::Borrowed(text) => next(text),
        Cow::Owned(text) => Cow::Owned(next(&text).into_owned()),
    }
}

/// Whether `text` may carry a URL that [`Policy::text`] cleans: `://`, or
/// its percent-encoded form in any case.
pub fn has_url(text: &str) -> bool {
    may_have_url(text) && (text.contains("://") || find_encoded(text).is_some())
}

/// Whether `text` has a byte either form of URL starts its separator with
/// (`:` or `%`): a quick test that spares most values the full search. It
/// reads eight bytes at a time (the zero-byte test of each word XORed with
/// the byte sought is exact for "any byte matches"); the last bytes are read
/// as one more word too: the last eight again when the text is longer (bytes
/// read twice are bytes already found not to match), two overlapping
/// four-byte halves for 4 to 8 bytes, the first, middle and last byte for 1
/// to 3 (which covers each of them). The bytes a short word does not fill
/// are zero, which matches neither.
#[inline]
fn may_have_url(text: &str) -> bool {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    const COLON: u64 = ONES * b':' as u64;
    const PERCENT: u64 = ONES * b'%' as u64;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH != 0;
    let hit = |word: u64| zero_byte(word ^ COLON) || zero_byte(word ^ PERCENT);
    let word8 = |b: &[u8]| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&b[..8]);
        u64::from_ne_bytes(bytes)
    };
    let word4 = |b: &[u8]| {
        let mut bytes = [0u8; 4];
        bytes.copy_from_slice(&b[..4]);
        u64::from(u32::from_ne_bytes(bytes))
    };
    let b = text.as_bytes();
    let n = b.len();
    match n {
        0 => false,
        1..=3 => hit(u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16),
        4..=8 => hit(word4(b) | word4(&b[n - 4..]) << 32),
        _ => {
            let mut words = b.chunks_exact(8);
            for word in &mut words {
                if hit(word8(word)) {
                    return true;
                }
            }
            !words.remainder().is_empty() && hit(word8(&b[n - 8..]))
        }
    }
}

/// The byte offset of the first percent-encoded `://` in `text`: each of
/// the three characters written as itself or `%XX` (`%25XX` when encoded
/// twice), at least one of them encoded.
fn find_encoded(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    (0..bytes.len()).find(|&i| {
        matches!(bytes[i], b'%' | b':')
            && encoded_separator(bytes, i).is_some_and(|(_, depth)| depth > 0)
    })
}

/// `://` at `i` with any of its characters percent-encoded: the end and how
/// many times the most encoded one was encoded (0: none).
fn encoded_separator(bytes: &[u8], mut i: usize) -> Option<(usize, usize)> {
    let mut depth = 0;
    for want in [b':', b'/', b'/'] {
        let (end, d) = encoded_byte(bytes, i, want)?;
        i = end;
        depth = depth.max(d);
    }
    Some((i, depth))
}

/// The byte `want` at `i`, written as itself, `%XX` or `%25XX`.
fn encoded_byte(bytes: &[u8], i: usize, want: u8) -> Option<(usize, usize)> {
    if bytes.get(i) == Some(&want) {
        return Some((i + 1, 0));
    }
    let hex = |b: u8| char::from(b).to_digit(16);
    let escape = |j: usize| match (bytes.get(j), bytes.get(j + 1)) {
        (Some(&h), Some(&l)) => Some(hex(h)? * 16 + hex(l)?),
        _ => None,
    };
    if bytes.get(i) != Some(&b'%') {
        return None;
    }
    if escape(i + 1) == Some(u32::from(want)) {
        return Some((i + 3, 1));
    }
    if bytes.get(i + 1..i + 3) == Some(b"25") && escape(i + 3) == Some(u32::from(want)) {
        return Some((i + 5, 2));
    }
    None
}

/// Whether `c` ends a URL in running text: ASCII white space and control
/// characters and the characters that are never part of a URL and quote one
/// (`"`, `<`, `>`, `` ` ``). Anything else, Unicode white space included, is
/// read as part of the URL: cleaning a little more than the URL is safer
/// than leaving part of one.
fn is_url_end(c: char) -> bool {
    c.is_ascii_control() || matches!(c, ' ' | '"' | '<' | '>' | '`')
}

/// Where the URL scheme ending `before` starts: after the last byte that
/// cannot be part of a scheme. Scheme bytes are ASCII, so the index is
/// always a character boundary, whatever character comes before the scheme.
fn scheme_start(before: &str) -> usize {
    before
        .bytes()
        .rposition(|b| !(b.is_ascii_alphanumeric() || b"+.-".contains(&b)))
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

thread_local! {
    /// The last user agent a policy (by [`Policy::id`]) found unchanged
    /// by its scrub on this thread.
    static CLEAN_AGENT: RefCell<Option<(u64, StringValue)>> = const { RefCell::new(None) };
    /// The last static span name a policy found unchanged by its scrub on
    /// this thread (see [`Policy::span_name`]).
    static CLEAN_NAME: Cell<Option<(u64, &'static str)>> = const { Cell::new(None) };
    /// The span last started on this thread and what the redacting
    /// processors that saw it start drop of [`SOURCE_KEYS`] (a bit each).
    static STARTED: Cell<Option<(SpanId, u32)>> = const { Cell::new(None) };
}

/// The attributes the server layer writes from a request (copied or
/// formatted per request) that it leaves out when every redacting processor
/// of the span drops them anyway (see [`SourceDrops`]).
pub(crate) const SOURCE_KEYS: [&str; 5] = [
    "url.query",
    "client.address",
    "network.peer.address",
    "user_agent.original",
    "http.request.method_original",
];

/// Where each key stands in [`SOURCE_KEYS`].
pub(crate) mod source {
    /// `url.query`.
    pub(crate) const QUERY: usize = 0;
    /// `client.address`.
    pub(crate) const CLIENT: usize = 1;
    /// `network.peer.address`.
    pub(crate) const PEER: usize = 2;
    /// `user_agent.original`.
    pub(crate) const AGENT: usize = 3;
    /// `http.request.method_original`.
    pub(crate) const METHOD_ORIGINAL: usize = 4;
}

/// Which of [`SOURCE_KEYS`] the redacting processors of a span drop at its
/// end: each [`Redacting`] processor tells the server layer when the span
/// starts (the SDK calls `on_start` while building it, on the building
/// thread), so the layer need not copy or format a value only for it to be
/// dropped. The processors still apply their whole policy at the end, to
/// every attribute: this only spares work, it never lets a value through.
/// With two redacting processors only what both drop is left out; a
/// processor that does not redact sees what the redacting ones export.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SourceDrops(u32);

impl SourceDrops {
    /// What the redacting processors of the span with `id`, just started
    /// on this thread, drop; nothing when none saw it start.
    pub(crate) fn take(id: SpanId) -> Self {
        match STARTED.take() {
            Some((started, bits)) if started == id => Self(bits),
            _ => Self(0),
        }
    }

    /// Whether `SOURCE_KEYS[index]` is dropped.
    pub(crate) fn drops(self, index: usize) -> bool {
        self.0 & (1 << index) != 0
    }
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
    /// The [`SOURCE_KEYS`] the policy drops, a bit each.
    source_drops: u32,
    /// The longest attribute value ([`with_value_limit`](Self::with_value_limit)).
    value_limit: Option<usize>,
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
        let source_drops = SOURCE_KEYS
            .iter()
            .enumerate()
            .filter(|(_, key)| policy.action(key) == Some(Action::Drop))
            .fold(0, |bits, (i, _)| bits | 1 << i);
        Self {
            inner,
            policy,
            source_drops,
            value_limit: None,
        }
    }

    /// Cuts span, event and link attribute values longer than `limit`
    /// characters ([`limit::cut`](super::limit::cut)) after the policy
    /// applies.
    pub fn with_value_limit(mut self, limit: usize) -> Self {
        self.value_limit = Some(limit);
        self
    }
}

impl<P: SpanProcessor> SpanProcessor for Redacting<P> {
    fn on_start(&self, span: &mut Span, cx: &Context) {
        self.inner.on_start(span, cx);
        // After `inner`: a span it might start would take the slot. A
        // second redacting processor of the same span narrows the set.
        let id = span.span_context().span_id();
        let drops = match STARTED.get() {
            Some((started, bits)) if started == id => bits & self.source_drops,
            _ => self.source_drops,
        };
        STARTED.set(Some((id, drops)));
    }

    fn on_end(&self, mut span: SpanData) {
        // A span name is free text (`tracer.start` takes any string).
        if let Cow::Owned(name) = self.policy.span_name(&span.name) {
            span.name = Cow::Owned(name);
        }
        // The policy first, the cut after: a cut could remove the delimiter
        // that marks a credential ('@' after userinfo, '=' after a sensitive
        // name), and the policy's own output (REDACTED, a hash) stays within
        // the limit too.
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
        if let Some(limit) = self.value_limit {
            super::limit::cut(&mut span.attributes, limit);
            for event in span.events.events.iter_mut() {
                super::limit::cut(&mut event.attributes, limit);
            }
            for link in span.links.links.iter_mut() {
                super::limit::cut(&mut link.attributes, limit);
            }
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

/// The span name memo spares only static text at the address found clean.
#[cfg(test)]
mod name_memo_tests {
    use std::borrow::Cow;

    use super::super::rules::Action;
    use super::Policy;

    fn unclassed(_: &str) -> Option<Action> {
        None
    }

    fn named(policy: &Policy, name: Cow<'static, str>) -> String {
        policy.span_name(&name).into_owned()
    }

    #[test]
    fn only_static_text_at_the_same_address_is_spared() {
        let plain = Policy::new(unclassed, None, &[]);
        let strict = Policy::new(unclassed, None, &["sig"]);
        let clean: &'static str = "GET /orders/{id}";
        for _ in 0..2 {
            assert_eq!(named(&plain, Cow::Borrowed(clean)), clean);
        }
        // A part of the same static text (same address, shorter) is checked.
        let tail: &'static str = "lookup jane@example.com 123456789";
        assert_eq!(named(&plain, Cow::Borrowed(&tail[..6])), "lookup");
        assert_eq!(
            named(&plain, Cow::Borrowed(tail)),
            "lookup REDACTED REDACTED"
        );
        assert_eq!(
            named(&plain, Cow::Borrowed(tail)),
            "lookup REDACTED REDACTED"
        );
        // The same text made at run time, and another policy.
        let url: &'static str = "GET https://example.com/?sig=abc";
        assert_eq!(named(&plain, Cow::Borrowed(url)), url);
        assert_eq!(
            named(&strict, Cow::Borrowed(url)),
            "GET https://example.com/?sig=REDACTED"
        );
        assert_eq!(named(&plain, Cow::Borrowed(url)), url);
        let dirty = "call 0301234567".to_owned();
        for _ in 0..2 {
            assert_eq!(named(&plain, Cow::Owned(dirty.clone())), "call REDACTED");
        }
    }
}

/// The user agent memo spares only the very text a policy found unchanged.
#[cfg(test)]
mod agent_memo_tests {
    use opentelemetry::{KeyValue, StringValue, Value};

    use super::super::rules::Action;
    use super::Policy;

    fn unclassed(_: &str) -> Option<Action> {
        None
    }

    fn cleaned(policy: &Policy, agent: &str) -> String {
        let mut attributes = vec![KeyValue::new("user_agent.original", agent.to_owned())];
        policy.apply(&mut attributes);
        attributes[0].value.as_str().into_owned()
    }

    #[test]
    fn only_the_same_text_under_the_same_policy_is_spared() {
        let plain = Policy::new(unclassed, None, &[]);
        let strict = Policy::new(unclassed, None, &["sig"]);
        let agent = "bot/1.0 https://example.com/?sig=abc";
        assert_eq!(cleaned(&plain, agent), agent);
        assert_eq!(cleaned(&plain, agent), agent);
        // Another policy with other sensitive parameters: checked anew.
        assert_eq!(
            cleaned(&strict, agent),
            "bot/1.0 https://example.com/?sig=REDACTED"
        );
        // A clone is the same policy.
        assert_eq!(cleaned(&plain.clone(), agent), agent);
        // Text of the same length, and text that starts the same.
        assert_eq!(
            cleaned(&plain, "bot/1.0 https://example.com/?sig=abd"),
            "bot/1.0 https://example.com/?sig=abd"
        );
        assert_eq!(
            cleaned(
                &plain,
                "bot/1.0 https://example.com/?sig=abc jane@example.com"
            ),
            "bot/1.0 https://example.com/?sig=abc REDACTED"
        );
        let phone = "bot/1.0 call 0301234567";
        for _ in 0..2 {
            assert_eq!(cleaned(&plain, phone), "bot/1.0 call REDACTED");
        }
    }

    /// An `Arc` text found clean and a different text later written into a
    /// new `Arc` at the same address: compared by text, never by address.
    #[test]
    fn a_reused_address_is_no_match() {
        let plain = Policy::new(unclassed, None, &[]);
        for i in 0..50 {
            let clean: std::sync::Arc<str> = std::sync::Arc::from(format!("agent/{}", i % 3));
            let mut attributes = vec![KeyValue::new(
                "user_agent.original",
                Value::String(StringValue::from(clean)),
            )];
            plain.apply(&mut attributes);
            assert_eq!(attributes[0].value.as_str(), format!("agent/{}", i % 3));
            let leak = format!("a {i} jane.doe@example.com");
            let dirty: std::sync::Arc<str> = std::sync::Arc::from(leak);
            let mut attributes = vec![KeyValue::new(
                "user_agent.original",
                Value::String(StringValue::from(dirty)),
            )];
            plain.apply(&mut attributes);
            assert!(!attributes[0].value.as_str().contains("jane"));
        }
    }

    /// Under a key the policy classes, the agent takes the action, memo or
    /// not.
    #[test]
    fn a_classed_agent_takes_its_action() {
        fn dropped(key: &str) -> Option<Action> {
            (key == "user_agent.original").then_some(Action::Drop)
        }
        let plain = Policy::new(unclassed, None, &[]);
        assert_eq!(cleaned(&plain, "curl/8.0"), "curl/8.0");
        let dropping = Policy::new(dropped, None, &[]);
        let mut attributes = vec![KeyValue::new("user_agent.original", "curl/8.0")];
        dropping.apply(&mut attributes);
        assert!(attributes.is_empty());
    }
}

/// The word-at-a-time URL pre-test agrees with a byte-by-byte one.
#[cfg(test)]
mod pre_test_tests {
    use super::may_have_url;

    #[test]
    fn finds_a_colon_or_percent_at_every_offset() {
        for len in 0..40 {
            let plain = "a".repeat(len);
            assert!(!may_have_url(&plain));
            for at in 0..len {
                for byte in [":", "%"] {
                    let mut text = plain.clone();
                    text.replace_range(at..=at, byte);
                    assert!(may_have_url(&text), "{text:?}");
                }
            }
        }
        // No other byte, in any position of any length, is a match (the
        // bytes next to the sought ones, NUL, high bytes).
        let others: Vec<u8> = (0..=0x7f_u8).filter(|b| *b != b':' && *b != b'%').collect();
        for len in 0..40 {
            for start in 0..others.len() {
                let text: String = (0..len)
                    .map(|i| char::from(others[(start + i * 7) % others.len()]))
                    .collect();
                assert!(!may_have_url(&text), "{text:?}");
            }
        }
        // Bytes one off the sought ones, and high bytes, are no match.
        assert!(!may_have_url("9;$&\u{80}\u{ff}\u{3a3a}zz/orders/42"));
        assert!(may_have_url("\u{ff}\u{ff}\u{ff}é:"));
    }
}

/// One classification per key gives what the separate tests gave.
#[cfg(test)]
mod kind_tests {
    use opentelemetry::KeyValue;

    use super::super::rules::Action;
    use super::{is_free_text, kind, Kind, Policy};

    const FREE_TEXT: [&str; 7] = [
        "exception.message",
        "exception.stacktrace",
        "error.message",
        "error.type",
        "user_agent.original",
        "url.path",
        "http.request.method_original",
    ];

    #[test]
    fn keys_are_classed_as_before() {
        for key in FREE_TEXT {
            assert!(is_free_text(key), "{key}");
        }
        for key in [
            "url.full",
            "url.query",
            "url.path.x",
            "error",
            "http.route",
            "",
            "user_agent.originals",
        ] {
            assert!(!is_free_text(key), "{key}");
        }
        assert_eq!(kind("url.full"), Kind::UrlFull);
        assert_eq!(kind("url.query"), Kind::UrlQuery);
        assert_eq!(kind("user_agent.original"), Kind::Agent);
        assert_eq!(kind("http.route"), Kind::Plain);
    }

    fn unclassed(_: &str) -> Option<Action> {
        None
    }

    /// Every kind of key is cleaned as before: URL keys as URLs (another
    /// type than a string as its text), free text scrubbed, plain text of
    /// its URLs, other types left.
    #[test]
    fn each_kind_is_cleaned() {
        let policy = Policy::new(unclassed, None, &["sig"]);
        let mut attributes = vec![
            KeyValue::new("url.full", "https://u:p@example.com/?sig=1"),
            KeyValue::new("url.query", "a=1&sig=2"),
            KeyValue::new("url.path", "/users/jane@example.com"),
            KeyValue::new("user_agent.original", "bot jane@example.com"),
            KeyValue::new("note", "see https://example.com/?sig=3"),
            KeyValue::new("url.query", 7),
            KeyValue::new("http.response.status_code", 200),
        ];
        policy.apply(&mut attributes);
        let values: Vec<String> = attributes
            .iter()
            .map(|kv| kv.value.as_str().into_owned())
            .collect();
        assert_eq!(
            values[0],
            "https://REDACTED:REDACTED@example.com/?sig=REDACTED"
        );
        assert_eq!(values[1], "a=1&sig=REDACTED");
        assert_eq!(values[2], "/users/REDACTED");
        assert_eq!(values[3], "bot REDACTED");
        assert_eq!(values[4], "see https://example.com/?sig=REDACTED");
        assert_eq!(values[5], "7");
        assert_eq!(values[6], "200");
    }
}

/// The server layer's keys are found by address, and cleaned exactly as the
/// same text made at run time (looked up by its text) is.
#[cfg(test)]
mod layer_key_tests {
    use opentelemetry::{Array, KeyValue, StringValue, Value};

    use super::super::rules::Action;
    use super::{layer_key, Policy, LAYER_KEYS};

    fn unclassed(_: &str) -> Option<Action> {
        None
    }

    /// Classes some of the layer's keys each way.
    fn strict(key: &str) -> Option<Action> {
        match key {
            "url.query" | "client.address" | "url.path" => Some(Action::Hash),
            "user_agent.original" | "server.address" => Some(Action::Redact),
            "http.route" | "network.peer.address" => Some(Action::Drop),
            _ => None,
        }
    }

    #[test]
    fn every_layer_key_is_found_by_its_address_and_no_copy_is() {
        for (i, key) in LAYER_KEYS.iter().enumerate() {
            assert_eq!(layer_key(key), Some(i), "{key}");
            // The same text elsewhere (on the heap) is looked up by text.
            let copy = String::from(*key);
            assert_eq!(layer_key(&copy), None, "{key}");
            assert_eq!(layer_key(&key[..key.len() - 1]), None, "{key}");
        }
        assert_eq!(layer_key("url.full"), None);
    }

    #[test]
    fn a_layer_key_is_cleaned_as_the_same_text_made_at_run_time() {
        let policies = [
            Policy::new(unclassed, None, &[]),
            Policy::new(unclassed, None, &["sig", "token"]),
            Policy::new(strict, None, &["sig"]),
            Policy::new(strict, Some(b"k".to_vec()), &["sig"]),
        ];
        let values = [
            Value::from("GET"),
            Value::from("/orders/42"),
            Value::from("/files;sig=abc/x"),
            Value::from("a=1&sig=secret&token=t"),
            Value::from("see https://user:pw@example.com/?sig=abc"),
            Value::from("https%3A%2F%2Fuser%3Apw%40example.com"),
            Value::from("mail jane@example.com, card 4111111111111111"),
            Value::from("Bearer abc.def.ghi"),
            Value::from("example.com:8080"),
            Value::from("curl/8.0 (x86_64)"),
            Value::from(""),
            Value::I64(443),
            Value::Bool(true),
            Value::F64(1.5),
            Value::Array(Array::String(vec![StringValue::from("https://u:p@h/")])),
        ];
        for policy in &policies {
            for key in LAYER_KEYS {
                for value in &values {
                    let by_address = KeyValue::new(key, value.clone());
                    let by_text = KeyValue::new(key.to_owned(), value.clone());
                    assert_eq!(layer_key(by_address.key.as_str()), layer_key(key));
                    assert_eq!(layer_key(by_text.key.as_str()), None);
                    let mut by_address = vec![by_address];
                    let mut by_text = vec![by_text];
                    policy.apply(&mut by_address);
                    policy.apply(&mut by_text);
                    let values = |list: &[KeyValue]| -> Vec<Value> {
                        list.iter().map(|kv| kv.value.clone()).collect()
                    };
                    assert_eq!(values(&by_address), values(&by_text), "{key} {value:?}");
                }
            }
        }
    }
}

/// Random text with multi-byte characters around every character the
/// cleaning functions look for, through each of them: none may panic (a
/// byte index that falls inside a character panics when it slices).
#[cfg(test)]
mod multibyte_tests {
    use opentelemetry::trace::Status;
    use opentelemetry::KeyValue;

    use super::super::address::{clean_address, clean_path_params, request_address};
    use super::super::rules::Action;
    use super::super::tracecontext::{
        continued_traceparent, continued_tracestate, parse_traceparent,
    };
    use super::{has_url, scrub_data, Policy};

    const WIDE: [&str; 9] = ["€", "«", "»", "ä", "＠", "﹫", "😀", "\u{a0}", "“"];
    const TRIGGERS: [&str; 24] = [
        "://",
        "@",
        "%",
        ";",
        "=",
        "?",
        "[",
        "]",
        ":",
        "#",
        "&",
        "/",
        ".",
        "%40",
        "%25",
        "%3B",
        "%3D",
        "%2540",
        "https://",
        "sig=",
        "token=",
        "api_key=",
        "4111111111111111",
        "eyJ",
    ];
    const PLAIN: [&str; 6] = ["a", "h.example", "u:p", "80", "jane", " "];

    fn policies() -> [Policy; 2] {
        [
            Policy::new(|_| None, None, &["sig", "Signature", "token"]),
            Policy::new(|_| Some(Action::Redact), None, &["sig", "token"]),
        ]
    }

    /// The same texts on every run: a small xorshift generator.
    struct Texts(u64);

    impl Texts {
        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            from[(self.0 % from.len() as u64) as usize]
        }

        fn text(&mut self) -> String {
            let mut out = String::new();
            let len = 1 + self.0 % 14;
            for _ in 0..len {
                let kind = self.pick(&["w", "t", "p", "w", "t"]);
                out.push_str(match kind {
                    "w" => self.pick(&WIDE),
                    "t" => self.pick(&TRIGGERS),
                    _ => self.pick(&PLAIN),
                });
            }
            out
        }
    }

    fn inputs() -> Vec<String> {
        let mut all = Vec::new();
        for t in TRIGGERS {
            for w in WIDE {
                all.push(format!("{w}{t}"));
                all.push(format!("{t}{w}"));
                all.push(format!("x{w}{t}{w}y"));
                all.push(format!("{w}https{t}{w}"));
                all.push(format!(
                    "{w}https://u{w}:p{t}@h{w}.example/a;{w}sig={w}{t}?token={w}#{w}"
                ));
                all.push(format!("[{w}::1{t}]:8{w}0"));
            }
        }
        let mut texts = Texts(0x9e37_79b9_7f4a_7c15);
        all.extend((0..4000).map(|_| texts.text()));
        all
    }

    fn clean_all(policy: &Policy, text: &str) {
        let _ = policy.url(text);
        let _ = policy.query(text);
        let _ = policy.text(text);
        let _ = policy.scrub(text);
        let _ = scrub_data(text);
        let _ = has_url(text);
        let _ = clean_address(policy, text);
        let _ = clean_path_params(policy, text);
        let _ = request_address(text, false);
        let _ = request_address(text, true);
        let _ = parse_traceparent(text.as_bytes());
        let _ = continued_traceparent(&[text]);
        let _ = continued_tracestate(&[text, text]);
        let mut attributes: Vec<KeyValue> = [
            "url.full",
            "url.path",
            "url.query",
            "server.address",
            "exception.message",
            "app.note",
        ]
        .iter()
        .map(|key| KeyValue::new(*key, text.to_owned()))
        .collect();
        policy.apply(&mut attributes);
        let mut status = Status::error(text.to_owned());
        policy.status(&mut status);
    }

    #[test]
    fn wide_characters_around_every_trigger_never_panic() {
        let inputs = inputs();
        for policy in policies() {
            for text in &inputs {
                let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    clean_all(&policy, text);
                }));
                assert!(run.is_ok(), "panicked on {text:?}");
            }
        }
    }
}
