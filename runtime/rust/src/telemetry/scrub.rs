//! The free-text scrub: personal data and credentials that no attribute key
//! announces (an error's text often quotes them) replaced by
//! [`MASK`], by the rules Go's `ScrubText` follows
//! byte for byte (one table of vectors, tests/vectors/scrub.json, checks
//! both; docs/privacy.md has the rules and their limits):
//!
//! - e-mail addresses, whole: a local part of RFC 5322 atext characters other
//!   than `/`, `=`, `?`, `&` and `#` (non-ASCII characters allowed) or a
//!   quoted one, an `@` (also `＠`, `%40` or `%2540`), and a domain with a dot
//!   and a letter in its last label, `localhost` or an address literal
//!   (`[10.0.0.1]`); the URL mask's own `REDACTED@host` is left alone;
//! - credentials after `Bearer`, `Basic` or `Token` (any case) and a
//!   separator (spaces, a tab, `=`, `:`, a quote, `%20`): a run of at least 8
//!   token characters; for Basic and Token one of only lower-case letters
//!   stays, so "basic authentication failed" does;
//! - the value of a key whose name is secret ([`is_secret_name`]: `password`,
//!   `db_password`, `apiKey`, `X-Api-Key`, `Cookie`, `Set-Cookie`,
//!   `sessionid`...) in the forms `name=value`, `name = value`,
//!   `name => value`, `name: value` (a header line: to the end of the line),
//!   `name: "value"`, `"name":"value"`, `"name" : "value"` and
//!   `'name': 'value'`, a JSON object or array value whole;
//! - API keys with a well-known prefix (`sk_live_`, `sk_test_`, `rk_live_`,
//!   `rk_test_`, `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`,
//!   `xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`) and AWS access key ids (`AKIA` or
//!   `ASIA` and 16 upper-case letters or digits);
//! - JWT-like tokens: a base64url header starting `eyJ`, `eyA`, `ewo` or
//!   `ew0` (the encodings of a JSON object's start), at least 10 characters
//!   long, a dot and a non-empty payload;
//! - long digit runs (card and phone numbers): 9 or more digits (any Unicode
//!   number character), up to 3 separators between groups (space, no-break
//!   and thin spaces, `-`, `.`, `/`, `_`, `)`, `+`, dashes, `%20`,
//!   `%2B`, `%2D`, `%2F`), not following a letter or digit.
//!
//! Every scan is linear in the text: a scan that fails records where the
//! next one may start.

use std::borrow::Cow;

use super::redact::MASK;

/// How many digits make a run personal data (a card or phone number).
const MIN_DIGITS: usize = 9;
/// The shortest credential after a scheme word.
const MIN_TOKEN: usize = 8;
/// The shortest header part of a JWT-like token: the base64url of the
/// smallest JOSE header, `{"alg":"none"}`, is longer.
const JWT_MIN_HEADER: usize = 10;
/// The longest quoted local part of an address (RFC 5321).
const MAX_QUOTED: usize = 64;
/// How many separators may stand between two digits of one run.
const MAX_SEPARATORS: usize = 3;

const CREDENTIAL_SCHEMES: [&str; 3] = ["bearer", "basic", "token"];
const KEY_PREFIXES: [&str; 14] = [
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxr-",
];
const AT_SIGNS: [&str; 8] = [
    "@",
    "\u{ff20}",
    "\u{fe6b}",
    "%40",
    "%2540",
    "%252540",
    "%EF%BC%A0",
    "%ef%bc%a0",
];
/// The separators of a digit run besides single ASCII bytes: no-break,
/// figure, thin and narrow no-break spaces, the Unicode dashes and minus,
/// the ideographic space, the fullwidth hyphen-minus and percent-encoded
/// space, plus, hyphen and slash.
const DIGIT_SEPARATORS: [&str; 20] = [
    "\u{a0}", "\u{2007}", "\u{2009}", "\u{202f}", "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}",
    "\u{2014}", "\u{2015}", "\u{2212}", "\u{3000}", "\u{ff0d}", "%20", "%2B", "%2b", "%2D", "%2d",
    "%2F", "%2f",
];

/// `text` with every piece the rules above find replaced by the mask;
/// borrowed when nothing changes (a quick byte test spares most text the
/// scan).
pub fn scrub_data(text: &str) -> Cow<'_, str> {
    if !may_need_scrub(text.as_bytes()) {
        return Cow::Borrowed(text);
    }
    scrub_all(text)
}

/// [`scrub_data`] without the quick test: every position is looked at.
fn scrub_all(text: &str) -> Cow<'_, str> {
    scrub_counted(text).0
}

/// [`scrub_all`] with the work it did.
fn scrub_counted(text: &str) -> (Cow<'_, str>, usize) {
    let mut state = State {
        no_email: if has_at_sign(text) { 0 } else { text.len() },
        no_digits: 0,
        no_jwt: 0,
        steps: 0,
    };
    let mut out = String::new();
    let (mut copied, mut i) = (0, 0);
    while i < text.len() {
        state.steps += 1;
        match scrub_match(text, i, &mut state) {
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
        return (Cow::Borrowed(text), state.steps);
    }
    out.push_str(&text[copied..]);
    (Cow::Owned(out), state.steps)
}

/// The quick test, one pass over the bytes: text without `@` (also
/// `%40`, `%2540`), a non-ASCII byte, `=`, `_`, `eyJ`/`eyA`/`ewo`/`ew0`, `xox?-`,
/// `AKIA`/`ASIA` or a scheme word before a separator, and with fewer ASCII
/// digits in all than a digit run needs, has nothing [`scrub_data`] would
/// change (only a digit run starts at a digit, and a run of
/// [`MIN_DIGITS`] counts that many digits, each an ASCII one or a
/// non-ASCII byte). A path such as `/orders/42` is spared the full scan.
fn may_need_scrub(b: &[u8]) -> bool {
    // One pass: most bytes are in no class and cost one table lookup; a
    // byte that may start or end a trigger gets the exact test of
    // [`trigger_at`].
    let mut digits = 0;
    for (i, &c) in b.iter().enumerate() {
        let class = QUICK[usize::from(c)];
        if class == 0 {
            continue;
        }
        if class & TRIGGER != 0 {
            return true;
        }
        digits += usize::from(class & DIGIT);
        if class & CONTEXT != 0 && trigger_at(b, i) {
            return true;
        }
    }
    digits >= MIN_DIGITS
}

/// [`QUICK`] class: an ASCII digit (counted).
const DIGIT: u8 = 1;
/// [`QUICK`] class: a trigger wherever it stands (`@`, `=`, `_`, a
/// non-ASCII byte).
const TRIGGER: u8 = 2;
/// [`QUICK`] class: a trigger in some places ([`trigger_at`] decides).
const CONTEXT: u8 = 4;

/// The class of each byte for [`may_need_scrub`]: every byte for which
/// [`trigger_at`] can be true is [`TRIGGER`] or [`CONTEXT`].
const QUICK: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let byte = c as u8;
        let mut class = 0;
        if byte.is_ascii_digit() {
            class |= DIGIT;
        }
        if byte >= 0x80 || matches!(byte, b'@' | b'=' | b'_') {
            class |= TRIGGER;
        }
        if matches!(
            byte,
            b'%' | b'J'
                | b'A'
                | b'o'
                | b'0'
                | b'-'
                | b'K'
                | b'S'
                | b' '
                | b'\t'
                | b':'
                | b'"'
                | b'\''
        ) {
            class |= CONTEXT;
        }
        table[c] = class;
        c += 1;
    }
    table
};

/// The quick test's triggers, byte by byte (the reference [`may_need_scrub`]
/// is checked against).
#[cfg(test)]
fn has_trigger(b: &[u8]) -> bool {
    (0..b.len()).any(|i| trigger_at(b, i))
}

/// Whether a trigger of the quick test stands at `i`.
fn trigger_at(b: &[u8], i: usize) -> bool {
    let c = b[i];
    if c == b'@' || c == b'=' || c == b'_' || c >= 0x80 {
        return true;
    }
    // A percent-encoded at sign (`%40`, `%2540`, `%252540`, `＠` as
    // `%EF%BC%A0`) starts an e-mail address.
    if c == b'%'
        && [&b"40"[..], b"2540", b"252540", b"EF%BC%A0", b"ef%bc%a0"]
            .iter()
            .any(|a| b[i + 1..].starts_with(a))
    {
        return true;
    }
    // An AWS key id (AKIA, ASIA), at the very start of the text too.
    if (c == b'K' || c == b'S') && i >= 1 && b[i - 1] == b'A' && b.get(i + 1..i + 3) == Some(b"IA")
    {
        return true;
    }
    if i < 2 {
        return false;
    }
    match c {
        b'J' | b'A' if &b[i - 2..i] == b"ey" => true,
        b'o' | b'0' if &b[i - 2..i] == b"ew" => true,
        b'-' if i >= 4 && &b[i - 4..i - 1] == b"xox" => true,
        b':' => has_scheme_before(b, i) || secret_name_before(b, i),
        b' ' | b'\t' | b'"' | b'\'' | b'%' => has_scheme_before(b, i),
        _ => false,
    }
}

fn has_scheme_before(b: &[u8], i: usize) -> bool {
    CREDENTIAL_SCHEMES
        .iter()
        .any(|w| i >= w.len() && b[i - w.len()..i].eq_ignore_ascii_case(w.as_bytes()))
}

fn has_at_sign(text: &str) -> bool {
    // Every at-sign but `@` starts with `%` or with 0xEF (`＠`, `﹫`).
    text.contains('@')
        || ((text.contains('%') || text.as_bytes().contains(&0xEF))
            && AT_SIGNS[1..].iter().any(|a| text.contains(a)))
}

/// The offsets before which a scan is known to fail, so that no byte is
/// scanned again and again.
struct State {
    no_email: usize,
    no_digits: usize,
    no_jwt: usize,
    /// The positions the main loop visits and the bytes the secret-field
    /// scans read, so a test can tell that the work grows with the text
    /// and not faster.
    steps: usize,
}

/// The bytes `start..end` to mask for a piece starting at `i`.
fn scrub_match(text: &str, i: usize, state: &mut State) -> Option<(usize, usize)> {
    if !text.is_char_boundary(i) {
        return None;
    }
    let b = text.as_bytes();
    let c = b[i];
    let word = prev_is_word(text, i);
    if let Some(found) = secret_field(b, i, &mut state.steps) {
        return Some(found);
    }
    if c == b'"' && i >= state.no_email {
        if let Some(end) = quoted_email_end(text, i) {
            return Some((i, end));
        }
    }
    if c == b'e' && !word && i >= state.no_jwt {
        match jwt_end(b, i) {
            Ok(end) => return Some((i, end)),
            Err(next) => state.no_jwt = next,
        }
    }
    if !word && c.is_ascii_alphanumeric() {
        if let Some(found) = credential(b, i) {
            return Some(found);
        }
        if let Some(end) = prefixed_key_end(b, i) {
            return Some((i, end));
        }
    }
    if i >= state.no_email && !prev_is_local(text, i) {
        match email_match(text, i) {
            Ok(found) => return Some(found),
            Err(next) => state.no_email = state.no_email.max(next),
        }
    }
    if i >= state.no_digits && !word && !(i > 0 && b[i - 1] == b'%') && digit_at(text, i) > 0 {
        match digit_run_end(text, i) {
            Ok(end) => return Some((i, end)),
            Err(next) => state.no_digits = next,
        }
    }
    None
}

fn unhex(c: u8) -> Option<u8> {
    char::from(c)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

/// A `%XX` escape at `i`, or `%25XX` (encoded twice): the byte and the
/// escape's length.
fn escape_at(b: &[u8], i: usize) -> Option<(u8, usize)> {
    if b.get(i) != Some(&b'%') {
        return None;
    }
    let value = unhex(*b.get(i + 1)?)? << 4 | unhex(*b.get(i + 2)?)?;
    if value == b'%' {
        let twice = b
            .get(i + 3)
            .and_then(|&h| unhex(h))
            .zip(b.get(i + 4).and_then(|&l| unhex(l)));
        if let Some((h, l)) = twice {
            return Some((h << 4 | l, 5));
        }
    }
    Some((value, 3))
}

/// A `%XX` or `%25XX` escape ending at `i`, decoded.
fn escape_before(b: &[u8], i: usize) -> Option<u8> {
    if i >= 5 && &b[i - 5..i - 2] == b"%25" {
        if let Some((v, 5)) = escape_at(b, i - 5) {
            return Some(v);
        }
    }
    match i.checked_sub(3).and_then(|p| escape_at(b, p)) {
        Some((v, 3)) => Some(v),
        _ => None,
    }
}

/// Whether a letter or digit comes right before `i` (an escape such as `%2B`
/// counts as the character it encodes; non-ASCII characters count when they
/// are numbers).
fn prev_is_word(text: &str, i: usize) -> bool {
    let b = text.as_bytes();
    if i == 0 {
        return false;
    }
    if let Some(v) = escape_before(b, i) {
        return v.is_ascii_alphanumeric();
    }
    if b[i - 1] < 0x80 {
        return b[i - 1].is_ascii_alphanumeric();
    }
    text[..i].chars().next_back().is_some_and(char::is_numeric)
}

/// The length of the digit (any Unicode number character) at `i`, or 0.
fn digit_at(text: &str, i: usize) -> usize {
    match text.as_bytes().get(i) {
        None => 0,
        Some(c) if *c < 0x80 => usize::from(c.is_ascii_digit()),
        Some(_) => text[i..]
            .chars()
            .next()
            .filter(|c| c.is_numeric())
            .map_or(0, char::len_utf8),
    }
}

/// The length of a digit separator at `i`, or 0.
fn separator_at(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        None => 0,
        Some(b' ' | b'-' | b'.' | b'/' | b'_' | b')' | b'+') => 1,
        Some(_) => DIGIT_SEPARATORS
            .iter()
            .find(|sep| b[i..].starts_with(sep.as_bytes()))
            .map_or(0, |sep| sep.len()),
    }
}

/// Where a run of at least [`MIN_DIGITS`] digits starting at `i` ends, or
/// the offset before which no run starts.
fn digit_run_end(text: &str, i: usize) -> Result<usize, usize> {
    let b = text.as_bytes();
    let (mut j, mut last, mut digits) = (i, i, 0);
    loop {
        let mut n = digit_at(text, j);
        if n == 0 {
            break;
        }
        while n > 0 {
            j += n;
            digits += 1;
            n = digit_at(text, j);
        }
        last = j;
        let (mut k, mut seps) = (j, 0);
        while seps < MAX_SEPARATORS {
            let m = separator_at(b, k);
            if m == 0 {
                break;
            }
            k += m;
            seps += 1;
        }
        if seps == 0 || digit_at(text, k) == 0 {
            break;
        }
        j = k;
    }
    if digits < MIN_DIGITS {
        Err(last)
    } else {
        Ok(last)
    }
}

fn is_base64url(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'_'
}

/// Where a JWT-like token starting at `i` ends, or the offset before which
/// none starts.
fn jwt_end(b: &[u8], i: usize) -> Result<usize, usize> {
    let mut j = i;
    while j < b.len() && is_base64url(b[j]) {
        j += 1;
    }
    let header = &b[i..j];
    let prefixed = [b"eyJ", b"eyA", b"ewo", b"ew0"]
        .iter()
        .any(|p| header.starts_with(*p));
    if !prefixed || header.len() < JWT_MIN_HEADER {
        return Err(j);
    }
    let part_follows =
        |j: usize| b.get(j) == Some(&b'.') && b.get(j + 1).is_some_and(|&c| is_base64url(c));
    if !part_follows(j) {
        return Err(j);
    }
    while part_follows(j) {
        j += 1;
        while j < b.len() && is_base64url(b[j]) {
            j += 1;
        }
    }
    Ok(j)
}

/// The length of a separator after a scheme word at `i` (a space, a tab,
/// `=`, `:`, a quote or `%20`), or 0.
fn scheme_separator_at(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(b' ' | b'\t' | b'=' | b':' | b'"' | b'\'') => 1,
        Some(b'%') if b[i..].starts_with(b"%20") => 3,
        _ => 0,
    }
}

fn is_token_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-._~+/=".contains(&c)
}

/// The token after a scheme word at `i`.
fn credential(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let scheme = CREDENTIAL_SCHEMES
        .iter()
        .find(|w| b.len() - i > w.len() && b[i..i + w.len()].eq_ignore_ascii_case(w.as_bytes()))?;
    let lower_ok = *scheme != "bearer";
    let mut j = i + scheme.len();
    let mut seps = 0;
    loop {
        let n = scheme_separator_at(b, j);
        if n == 0 {
            break;
        }
        j += n;
        seps += 1;
    }
    if seps == 0 {
        return None;
    }
    let start = j;
    let mut lower = true;
    while j < b.len() && is_token_byte(b[j]) {
        lower = lower && b[j].is_ascii_lowercase();
        j += 1;
    }
    let masked = &b[start..j] == MASK.as_bytes();
    (j - start >= MIN_TOKEN && !(lower && lower_ok) && !masked).then_some((start, j))
}

/// Whether `c` may be part of a key name in free text.
fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')
}

/// The value after a secret key name ([`is_secret_name`]) starting at `i`:
/// `name=value`, `name = value`, `name => value`, `name: value` (a header
/// line: the value runs to the end of the line), `name: "value"`,
/// `name='value'`, `"name":"value"` and `"name" : "value"` (JSON: an
/// unquoted value ends at `}` or `]` too). A value opening an object or
/// array (`{`, `[`) is masked whole ([`bracket_end`]); an unquoted `Digest`
/// value runs to the end of the line. A quoted value ends at its
/// closing quote (a backslash escapes the next byte) or at the end of the
/// text. After a credential scheme word (`Bearer`, `Basic`, `Token`) only the
/// credential is the value.
fn secret_field(b: &[u8], i: usize, steps: &mut usize) -> Option<(usize, usize)> {
    if i > 0 && is_name_byte(b[i - 1]) {
        return None;
    }
    let mut j = i;
    while j < b.len() && is_name_byte(b[j]) {
        j += 1;
    }
    *steps += j - i;
    if j == i {
        // Not a name: returned before the blanks below are read, so that every
        // position of a run of blanks does not read the rest of the run.
        return None;
    }
    // A quoted key (`"name":`, `'name':`) is one of JSON or a literal map.
    let json = i > 0 && matches!(b[i - 1], b'"' | b'\'') && b.get(j) == Some(&b[i - 1]);
    let mut k = j + usize::from(json);
    // Blanks may stand before `=` (`password = x`) and before the `:` of a
    // quoted key (`"password" : "x"`).
    let mut blank = k;
    while matches!(b.get(blank), Some(b' ' | b'\t')) {
        blank += 1;
    }
    *steps += blank - k;
    let mut spaced =
        blank > k && matches!(b.get(blank), Some(&c) if c == b'=' || json && c == b':');
    if spaced {
        k = blank;
    }
    let sep = *b.get(k)?;
    if j == i || !(sep == b'=' || sep == b':') || !secret_name(&b[i..j]) {
        return None;
    }
    k += 1;
    if sep == b'=' && b.get(k) == Some(&b'>') {
        k += 1; // password => x
        spaced = true;
    }
    // Blanks after the separator: after `:`, and after `=` or `=>` when
    // blanks stood before it (`password= x` has an empty value).
    while (sep == b':' || spaced) && matches!(b.get(k), Some(b' ' | b'\t')) {
        k += 1;
    }
    let quote = b.get(k).copied().filter(|c| matches!(c, b'"' | b'\''));
    let start = if quote.is_some() {
        k + 1
    } else {
        after_scheme(b, k)
    };
    // A value the URL cleaning (or an earlier scrub) masked stays as it is;
    // this is known before the value is read, so no text is read again and
    // again by the keys before it.
    if b[start..].starts_with(MASK.as_bytes()) {
        return None;
    }
    let end = match quote {
        Some(q) => quoted_end(b, start, q),
        // A JSON object or array, whole, and what follows its closing bracket
        // up to the value's end (`password={pa55}word` is one value).
        None if matches!(b.get(k), Some(b'{' | b'[')) => value_end(b, bracket_end(b, k), json),
        None if start == k && (sep == b':' && !json || is_digest(&b[k..])) => b[k..]
            .iter()
            .position(|c| matches!(c, b'\r' | b'\n'))
            .map_or(b.len(), |n| k + n),
        None => value_end(b, start, json),
    };
    *steps += end - k;
    (end > start).then_some((start, end))
}

/// Where an unquoted value read from `from` ends: at a value end, or, after a
/// quoted key, at the bracket that closes the object around it.
fn value_end(b: &[u8], from: usize, json: bool) -> usize {
    let mut end = from;
    while end < b.len() && !is_value_end(b[end], None) && !(json && matches!(b[end], b'}' | b']')) {
        end += 1;
    }
    end
}

/// Where the object or array opened at `k` ends: after the bracket that
/// closes it (any closing bracket counts, one counter, no stack), with
/// quoted strings and their escapes skipped, or at the end of the text.
fn bracket_end(b: &[u8], k: usize) -> usize {
    let mut depth = 0usize;
    let mut j = k;
    while j < b.len() {
        match b[j] {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            q @ (b'"' | b'\'') => j = quoted_end(b, j + 1, q),
            _ => {}
        }
        j += 1;
    }
    b.len()
}

/// Whether `v` starts with the `Digest` scheme word and a blank: its
/// parameters (a hash of the password among them) run to the end of the
/// line.
fn is_digest(v: &[u8]) -> bool {
    v.len() > 6 && v[..6].eq_ignore_ascii_case(b"digest") && matches!(v[6], b' ' | b'\t')
}

/// Where a quoted value starting at `from` ends: at the quote `q` that no
/// backslash escapes, or at the end of the text.
fn quoted_end(b: &[u8], from: usize, q: u8) -> usize {
    let mut j = from;
    while j < b.len() {
        if b[j] == b'\\' {
            j += 2;
            continue;
        }
        if b[j] == q {
            return j;
        }
        j += 1;
    }
    b.len()
}

/// `k`, or where the credential after a scheme word and blanks (spaces,
/// tabs, `%20`) at `k` starts.
fn after_scheme(b: &[u8], k: usize) -> usize {
    let blank = |j: usize| match b.get(j) {
        Some(b' ' | b'\t') => 1,
        Some(b'%') if b[j..].starts_with(b"%20") => 3,
        _ => 0,
    };
    for w in CREDENTIAL_SCHEMES {
        let mut j = k + w.len();
        if b.len() > j && b[k..j].eq_ignore_ascii_case(w.as_bytes()) && blank(j) > 0 {
            while blank(j) > 0 {
                j += blank(j);
            }
            return j;
        }
    }
    k
}

/// Whether a secret key name (and the closing quote of a JSON key) ends
/// right before the separator at `i`.
fn secret_name_before(b: &[u8], i: usize) -> bool {
    let mut k = i;
    while k > 0 && matches!(b[k - 1], b' ' | b'\t') {
        k -= 1;
    }
    k = if k > 0 && matches!(b[k - 1], b'"' | b'\'') {
        k - 1
    } else {
        i
    };
    let mut s = k;
    while s > 0 && is_name_byte(b[s - 1]) {
        s -= 1;
    }
    s < k && secret_name(&b[s..k])
}

fn is_value_end(c: u8, quote: Option<u8>) -> bool {
    match quote {
        Some(q) => c == q,
        None => c <= b' ' || c == 0x7f || b"&;,\"'<>)".contains(&c),
    }
}

/// Where an API key with a well-known prefix starting at `i` ends.
fn prefixed_key_end(b: &[u8], i: usize) -> Option<usize> {
    if let Some(prefix) = KEY_PREFIXES
        .iter()
        .find(|p| b[i..].starts_with(p.as_bytes()))
    {
        let mut j = i + prefix.len();
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'-') {
            j += 1;
        }
        return (j - i - prefix.len() >= MIN_TOKEN).then_some(j);
    }
    if b[i..].starts_with(b"AKIA") || b[i..].starts_with(b"ASIA") {
        let mut j = i + 4;
        while j < b.len() && j < i + 20 && (b[j].is_ascii_digit() || b[j].is_ascii_uppercase()) {
            j += 1;
        }
        if j == i + 20 && !b.get(j).is_some_and(u8::is_ascii_alphanumeric) {
            return Some(j);
        }
    }
    None
}

/// The length of an at sign (`@`, `＠`, `﹫`, `%40`, `%2540`, `%252540`,
/// `%EF%BC%A0`) at `i`, or 0.
pub(super) fn at_sign_at(b: &[u8], i: usize) -> usize {
    AT_SIGNS
        .iter()
        .find(|a| b[i..].starts_with(a.as_bytes()))
        .map_or(0, |a| a.len())
}

fn is_local_ascii(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!$%'*+-^_`{|}~.".contains(&c)
}

/// Whether `c` is a non-ASCII quotation mark (the Unicode Quotation_Mark
/// property): it ends an address rather than joining it.
fn is_quote_mark(c: char) -> bool {
    matches!(
        c,
        '\u{ab}'
            | '\u{bb}'
            | '\u{2018}'..='\u{201f}'
            | '\u{2039}'
            | '\u{203a}'
            | '\u{2e42}'
            | '\u{300c}'..='\u{300f}'
            | '\u{301d}'..='\u{301f}'
            | '\u{fe41}'..='\u{fe44}'
            | '\u{ff02}'
            | '\u{ff07}'
            | '\u{ff62}'
            | '\u{ff63}'
    )
}

/// Whether the non-ASCII character `c` may be part of an address.
fn is_address_char(c: char) -> bool {
    !(c == '\u{ff20}' || c == '\u{fe6b}' || c.is_whitespace() || c.is_control() || is_quote_mark(c))
}

/// The length of a local-part character at `i`, or 0: an RFC 5322 atext
/// character other than `/`, `=`, `?`, `&` and `#`, a `.`, an escape of one
/// (`%XX` or `%25XX`; not of `%`), or a non-ASCII character that is not white
/// space, a quotation mark or `＠`.
fn local_at(text: &str, i: usize) -> usize {
    let b = text.as_bytes();
    match b[i] {
        b'%' => match escape_at(b, i) {
            Some((v, n)) if is_local_ascii(v) && v != b'%' => n,
            _ => 0,
        },
        c if c < 0x80 => usize::from(is_local_ascii(c)),
        _ => text[i..]
            .chars()
            .next()
            .filter(|&c| is_address_char(c))
            .map_or(0, char::len_utf8),
    }
}

/// Whether a local-part character comes right before `i`.
fn prev_is_local(text: &str, i: usize) -> bool {
    let b = text.as_bytes();
    if i == 0 {
        return false;
    }
    if let Some(v) = escape_before(b, i) {
        return is_local_ascii(v);
    }
    if b[i - 1] < 0x80 {
        return is_local_ascii(b[i - 1]);
    }
    text[..i].chars().next_back().is_some_and(is_address_char)
}

/// An address whose local part starts at `i`: the bytes to mask, or the
/// offset before which none starts.
fn email_match(text: &str, i: usize) -> Result<(usize, usize), usize> {
    let b = text.as_bytes();
    if local_at(text, i) == 0 {
        return Err(i + 1);
    }
    let mut start = i;
    while start < b.len() && (b[start] == b'\'' || b[start] == b'`') {
        start += 1;
    }
    let mut j = i;
    while j < b.len() && at_sign_at(b, j) == 0 {
        let n = local_at(text, j);
        if n == 0 {
            break;
        }
        j += n;
    }
    let at = if j < b.len() { at_sign_at(b, j) } else { 0 };
    if at == 0 || start >= j || &b[start..j] == MASK.as_bytes() {
        return Err(j);
    }
    let end = domain_end(text, j + at).ok_or(j)?;
    Ok((start, end))
}

/// Where an address with a quoted local part starting at `i` ends.
fn quoted_email_end(text: &str, i: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut j = i + 1;
    while j < b.len() && j - i <= MAX_QUOTED && b[j] != b'"' && b[j] >= b' ' {
        j += 1;
    }
    if j >= b.len() || b[j] != b'"' || j == i + 1 {
        return None;
    }
    let at = if j + 1 < b.len() {
        at_sign_at(b, j + 1)
    } else {
        0
    };
    if at == 0 {
        return None;
    }
    domain_end(text, j + 1 + at)
}

/// Where the domain of an address starting at `k` ends: an address literal
/// in brackets, `localhost`, or labels with a dot and a letter in the last
/// one. A last label that starts with ASCII ends at the first non-ASCII
/// character, so text written right after the address stays.
fn domain_end(text: &str, k: usize) -> Option<usize> {
    let b = text.as_bytes();
    if b.get(k) == Some(&b'[') {
        let mut j = k + 1;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'.' || b[j] == b':') {
            j += 1;
        }
        return (b.get(j) == Some(&b']') && j > k + 1).then_some(j + 1);
    }
    let mut j = k;
    while j < b.len() {
        if b[j] < 0x80 {
            if !(b[j].is_ascii_alphanumeric() || b[j] == b'.' || b[j] == b'-') {
                break;
            }
            j += 1;
            continue;
        }
        match text[j..].chars().next() {
            Some(c) if is_address_char(c) => j += c.len_utf8(),
            _ => break,
        }
    }
    while j > k && (b[j - 1] == b'.' || b[j - 1] == b'-') {
        j -= 1;
    }
    let domain = &b[k..j];
    match domain.first() {
        None | Some(b'.' | b'-') => return None,
        _ => {}
    }
    if domain.eq_ignore_ascii_case(b"localhost") {
        return Some(j);
    }
    let label = k + domain.iter().rposition(|&c| c == b'.')? + 1;
    if label < j && b[label] < 0x80 {
        let mut e = label;
        while e < j && b[e] < 0x80 {
            e += 1;
        }
        j = e;
        while j > label && b[j - 1] == b'-' {
            j -= 1;
        }
    }
    b[label..j]
        .iter()
        .any(|&c| c >= 0x80 || c.is_ascii_alphabetic())
        .then_some(j)
}

/// The words that make a field or key name secret (the scaffold
/// repository's shared table of secret names holds the same list, which Go's
/// `secretNameTerms` is checked against too): a name is secret when one of its words, or two neighbouring words joined,
/// ends with one of these (see [`is_secret_name`]).
pub const SECRET_NAME_TERMS: [&str; 32] = [
    "password",
    "passwords",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "secrets",
    "secretkey",
    "token",
    "apikey",
    "accesskey",
    "privatekey",
    "authorization",
    "credential",
    "credentials",
    "cookie",
    "cookies",
    "jwt",
    "sessionid",
    "sessid",
    "session",
    "passcode",
    "pw",
    "otp",
    "cvv",
    "cvc",
    "signature",
    "basicauth",
    "signingkey",
    "encryptionkey",
    "masterkey",
    "clientkey",
];

/// A word of a secret name that counts at its start too: `sessionid`,
/// `sessions`.
const SECRET_NAME_PREFIX: &str = "session";

/// Whether `name` (a log field, a member of a structured value, a key in
/// free text) says that its value is a secret. The name is cut into words at
/// every byte that is no ASCII letter or digit and where lower case (or a
/// digit) turns to upper case (`apiKey`, `APIKey`, `x_api_key`, `API-KEY` are
/// `api` `key` with something before); it is secret when a word, or two
/// neighbouring words joined, ends with one of [`SECRET_NAME_TERMS`] (any
/// case), or a word starts with `session`. So `db_password`, `accessToken`,
/// `X-Api-Key`, `Set-Cookie`, `sessionId` are secret; `tokenizer`,
/// `max_tokens`, `keyboard`, `author` are not. Allocates nothing.
pub fn is_secret_name(name: &str) -> bool {
    secret_name(name.as_bytes())
}

fn secret_name(b: &[u8]) -> bool {
    let mut prev: &[u8] = &[];
    let mut secret = false;
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < b.len() && b[j].is_ascii_alphanumeric() && !word_break(b, j) {
            j += 1;
        }
        let word = &b[i..j];
        secret = secret || secret_word(prev, word);
        prev = word;
        i = j;
    }
    // A count of secrets is no secret: `token_count`, `secret_count`.
    secret && !prev.eq_ignore_ascii_case(b"count")
}

/// Whether a new word starts at `j` inside a run of letters and digits.
fn word_break(b: &[u8], j: usize) -> bool {
    let (before, c) = (b[j - 1], b[j]);
    c.is_ascii_uppercase()
        && (before.is_ascii_lowercase()
            || before.is_ascii_digit()
            || (before.is_ascii_uppercase() && b.get(j + 1).is_some_and(u8::is_ascii_lowercase)))
}

/// Whether `word`, or `prev` and `word` joined, ends with a term.
/// Joined, only terms of `JOINED_TERM_MIN` letters or more count, so that a
/// short term (`pw`, `otp`) is not made of the ends of two ordinary words
/// (`crop_w`). The digits a word ends with are not read (`password1`).
fn secret_word(prev: &[u8], word: &[u8]) -> bool {
    let letters = word.len() - word.iter().rev().take_while(|c| c.is_ascii_digit()).count();
    let word = if letters > 0 { &word[..letters] } else { word };
    if word.len() >= SECRET_NAME_PREFIX.len()
        && word[..SECRET_NAME_PREFIX.len()].eq_ignore_ascii_case(SECRET_NAME_PREFIX.as_bytes())
    {
        return true;
    }
    SECRET_NAME_TERMS.iter().any(|term| {
        let t = term.as_bytes();
        if word.len() >= t.len() {
            return word[word.len() - t.len()..].eq_ignore_ascii_case(t);
        }
        let (head, tail) = t.split_at(t.len() - word.len());
        t.len() >= JOINED_TERM_MIN
            && !prev.is_empty()
            && prev.len() >= head.len()
            && word.eq_ignore_ascii_case(tail)
            && prev[prev.len() - head.len()..].eq_ignore_ascii_case(head)
    })
}

/// The length of the shortest term two words joined make.
const JOINED_TERM_MIN: usize = 4;

/// Every scan is linear in the text, also on hostile text.
#[cfg(test)]
mod linear_tests {
    use super::scrub_counted;

    /// Texts whose every secret-named key holds a value that is already
    /// masked, in the forms a scan could read to the end of the text or
    /// line each time: a header line, `name=value`, a quoted value, a path.
    const HOSTILE: [&str; 6] = [
        "password:REDACTED ",
        "password=REDACTED",
        "password:REDACTED/",
        "x password=REDACTED ",
        "password: \"REDACTED ",
        "\"token\":REDACTED,",
    ];

    fn work(unit: &str, n: usize) -> usize {
        scrub_counted(&unit.repeat(n / unit.len())).1
    }

    /// Doubling a hostile text at most doubles the scan's work, and the
    /// work stays a few steps per byte: a scan that read to the end of the
    /// text from every key would do thousands of times more.
    #[test]
    fn the_work_grows_linearly_with_hostile_text() {
        const N: usize = 64 << 10;
        for unit in HOSTILE {
            let (small, large) = (work(unit, N), work(unit, 2 * N));
            assert!(
                large <= 2 * small + 8 * unit.len() && large <= 8 * 2 * N,
                "{unit:?}: {small} steps for {N} bytes, {large} for {}",
                2 * N
            );
        }
    }

    /// A run of blanks after a secret-named key (`password = x` allows blanks
    /// before `=`) is read once, not again from each of its bytes.
    #[test]
    fn a_run_of_blanks_is_read_once() {
        const N: usize = 64 << 10;
        for text in [
            format!("password=x{}y", " ".repeat(N)),
            format!("password=x{}y", "\t".repeat(N)),
            "x =   ".repeat(N / 6),
        ] {
            let steps = scrub_counted(&text).1;
            assert!(
                steps <= 8 * text.len(),
                "{}...: {steps} steps for {} bytes",
                &text[..12],
                text.len()
            );
        }
    }
}

/// The quick test only spares text the full scan leaves unchanged.
#[cfg(test)]
mod quick_test_tests {
    use super::{has_trigger, may_need_scrub, scrub_all, scrub_data, MIN_DIGITS};

    /// The table-driven quick test answers as the byte-by-byte one: every
    /// byte of every class, alone and around each other byte.
    #[test]
    fn the_table_agrees_with_the_byte_by_byte_test() {
        let reference = |b: &[u8]| {
            b.iter().filter(|c| c.is_ascii_digit()).count() >= MIN_DIGITS || has_trigger(b)
        };
        let contexts: [&[u8]; 8] = [b"", b"ey", b"ew", b"xox", b"A", b"IA", b"Bearer", b"%25"];
        for c in 0..=255u8 {
            for before in contexts {
                for after in contexts {
                    let mut text = before.to_vec();
                    text.push(c);
                    text.extend_from_slice(after);
                    assert_eq!(may_need_scrub(&text), reference(&text), "{text:?}");
                }
            }
        }
        for text in [
            "/orders/42",
            "1234567890",
            "12345678",
            "bench/1.0",
            "GET /a",
        ] {
            assert_eq!(may_need_scrub(text.as_bytes()), reference(text.as_bytes()));
        }
    }

    /// Texts of every length up to 30 over an alphabet of the bytes the
    /// rules look at, from a fixed linear congruential sequence.
    #[test]
    fn the_quick_test_agrees_with_the_full_scan() {
        const ALPHABET: &[&str] = &[
            "1",
            "2",
            "9",
            "0",
            " ",
            "-",
            ".",
            "/",
            "+",
            ")",
            "%",
            "3",
            "=",
            ":",
            "@",
            "_",
            "a",
            "e",
            "y",
            "J",
            "w",
            "o",
            "x",
            "b",
            "A",
            "K",
            "I",
            "S",
            "Bearer ",
            "token ",
            "password=",
            "sk_live_",
            "ghp_",
            "\u{ff11}",
            "\u{ff20}",
            "%40",
            "%20",
            "\"",
            "'",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for round in 0..100_000 {
            let mut text = String::new();
            for _ in 0..(round % 31) {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let pick = usize::try_from(seed >> 33).unwrap_or(0) % ALPHABET.len();
                text.push_str(ALPHABET[pick]);
            }
            assert_eq!(scrub_data(&text), scrub_all(&text), "{text:?}");
        }
        for text in [
            "/orders/42",
            "/orders/12345678",
            "/orders/123456789",
            "/a1b2c3d4e5f6g7h8i9",
        ] {
            assert_eq!(scrub_data(text), scrub_all(text), "{text:?}");
        }
        assert_eq!(scrub_data("/orders/123456789"), "/orders/REDACTED");
    }
}
