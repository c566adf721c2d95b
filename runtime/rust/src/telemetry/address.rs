//! Request-derived values with a shape of their own, cleaned at export with
//! their shape in mind, as Go's `cleanAddress` and `cleanPathParams` do
//! (docs/privacy.md, "server.address and path parameters"):
//!
//! - `server.address` is a host (semantic conventions v1.45.0: a domain name,
//!   an IP address or a Unix domain socket name), yet a `Host` or
//!   `X-Forwarded-Host` header is whatever the client wrote. RFC 3986
//!   section 3.2 reads an authority as `[userinfo "@"] host [":" port]`: the
//!   userinfo ends at the last at-sign (`@`, and as the scrub reads them `＠`,
//!   `%40` and `%2540`) before the host, and since no userinfo holds a `[`,
//!   an IP-literal (`[`...`]`) starts the host wherever it is. So the
//!   userinfo is cut at the last at-sign before the first `[`
//!   ([`request_address`], before host and port are split; and again
//!   here). An IP address leaves as it is; an IPv6 address with a zone
//!   (RFC 6874: `%25` and the zone in a URI) keeps its address and has its
//!   zone scrubbed on its own, since a zone may be any text; anything else
//!   is scrubbed as free text ([`Policy::scrub`]), so that a digit run or a
//!   credential written as a host name does not leave.
//! - `url.path`: the value of a path parameter (`;name=value` in a segment,
//!   RFC 3986 section 3.3) whose name is one of the conventions' sensitive
//!   query parameters becomes `REDACTED`, as it would in `url.query`; so it
//!   does in the path of `url.full` and of every URL the scrub cleans in free
//!   text.

use std::borrow::Cow;
use std::cell::RefCell;
use std::net::{IpAddr, Ipv6Addr};

use super::redact::{Policy, MASK};
use super::scrub::at_sign_at;

/// What leaves of a `server.address` value. The usual host (ASCII letters,
/// dots and hyphens, none of the pairs the scrub starts from) is returned
/// after one comparison with the last such host of this thread, or one pass
/// over its bytes.
pub fn clean_address<'a>(policy: &Policy, text: &'a str) -> Cow<'a, str> {
    if PLAIN_HOST.with_borrow(|kept| kept.as_str() == text) {
        return Cow::Borrowed(text);
    }
    if plain_host(text.as_bytes()) {
        // A service answers to the same few names: the last plain one is
        // kept per thread, so the next request with it is one comparison.
        PLAIN_HOST.with_borrow_mut(|kept| {
            kept.clear();
            kept.push_str(text);
        });
        return Cow::Borrowed(text);
    }
    let clean = match clean_ip(policy, text) {
        Some(clean) => clean,
        None => match after_userinfo(text) {
            Some("") => return Cow::Borrowed(MASK),
            Some(host) => clean_ip(policy, host).unwrap_or_else(|| policy.scrub(host)),
            None => policy.scrub(text),
        },
    };
    match clean {
        Cow::Borrowed(clean) if clean.len() == text.len() => Cow::Borrowed(text),
        clean => Cow::Owned(clean.into_owned()),
    }
}

/// An IP address as it leaves, or `None` when `text` is none (Go's
/// `cleanIP`): without a zone as it is; an IPv6 address with a zone
/// (`fe80::1%eth0`) keeps its address, and its zone is scrubbed on its own,
/// so that a digit run glued to the address (`%254111111111111111`) is one
/// too. A zone written as RFC 6874 writes it in a URI (`%25` then the zone)
/// keeps its `25` ahead of the scrubbed zone.
fn clean_ip<'a>(policy: &Policy, text: &'a str) -> Option<Cow<'a, str>> {
    let Some((address, zone)) = text.split_once('%') else {
        return text
            .parse::<IpAddr>()
            .is_ok()
            .then_some(Cow::Borrowed(text));
    };
    if zone.is_empty() || address.parse::<Ipv6Addr>().is_err() {
        return None;
    }
    let (head, zone) = match zone.strip_prefix("25") {
        Some(rest) if !rest.is_empty() => text.split_at(address.len() + 3),
        _ => text.split_at(address.len() + 1),
    };
    Some(match policy.scrub(zone) {
        Cow::Borrowed(_) => Cow::Borrowed(text),
        Cow::Owned(clean) => Cow::Owned(format!("{head}{clean}")),
    })
}

/// `server.address` and `server.port` of a server span from a `Host` or
/// `X-Forwarded-Host` value (`[userinfo@]host[:port]`), before the address
/// is cleaned for export ([`clean_address`]); Go's `requestAddress`. `None`
/// when the value names no host (`:8080`): then neither is set. The port is
/// the one given (1 to 65535), the scheme's default (443 for https, else 80)
/// when none is given, and `None` when the one given is no port (`:abc`,
/// `:0`).
pub fn request_address(text: &str, https: bool) -> Option<(&str, Option<u16>)> {
    let (host, port) = request_host_port(text);
    if host.is_empty() {
        return None;
    }
    // RFC 3986 section 3.2.3: `port = *DIGIT` (`+80` is no port).
    let digits = port.bytes().all(|b| b.is_ascii_digit());
    let port = match port.parse::<u16>() {
        Ok(port) if port > 0 && digits => Some(port),
        _ if port.is_empty() => Some(if https { 443 } else { 80 }),
        _ => None,
    };
    Some((host, port))
}

/// Host and port text of a `Host` or `X-Forwarded-Host` value (Go's
/// `requestHostPort`): the userinfo is cut first ([`after_userinfo`]: its
/// `:` is no port separator), then host and port are split as Go's
/// `net.SplitHostPort` does ([`split_host_port`]); a value it cannot split
/// is all host (no port given). The host loses the brackets of an
/// IP-literal. A value with no host (`:8080`, `[]:80`, ``) gives an empty
/// host: no `server.address`, and so no `server.port` either (semantic
/// conventions v1.45.0: `server.port` is set when `server.address` is).
/// So does a value it cannot split with a `[` or `]` outside one
/// `[IP-literal]` (`[:80`, `[::1]x:80`, `er[@host]:80`): RFC 3986 allows
/// brackets only around an IP-literal, and such a value names no host.
fn request_host_port(text: &str) -> (&str, &str) {
    let text = after_userinfo(text).unwrap_or(text);
    if let Some(split) = split_host_port(text) {
        return split;
    }
    if !text.contains(['[', ']']) {
        return (text, "");
    }
    match text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        Some(inner) if !inner.contains(['[', ']']) => (inner, ""),
        _ => ("", ""),
    }
}

/// Host and port of `host:port` or `[host]:port`, or `None` where Go's
/// `net.SplitHostPort` fails: no `:`; a `[` not closed, or its `]` not
/// followed by the last `:`; a second `:` outside brackets; a `[` or `]`
/// anywhere else.
fn split_host_port(text: &str) -> Option<(&str, &str)> {
    let last = text.rfind(':')?;
    let (host, open_from, close_from) = if text.starts_with('[') {
        let end = text.find(']')?;
        if end + 1 != last {
            return None;
        }
        (&text[1..end], 1, end + 1)
    } else {
        let host = &text[..last];
        if host.contains(':') {
            return None;
        }
        (host, 0, 0)
    };
    if text[open_from..].contains('[') || text[close_from..].contains(']') {
        return None;
    }
    Some((host, &text[last + 1..]))
}

/// What follows the userinfo of `text`, or `None` without one (Go's
/// `afterUserinfo`): the userinfo ends at the last at-sign (the scrub's:
/// `@`, `＠`, `%40`, `%2540`) before the first `[` (RFC 3986 section 3.2,
/// `userinfo "@" host ":" port`; no userinfo holds a `[`, so an IP-literal
/// is host). A text without `@`, `%` and non-ASCII bytes, the usual `Host`,
/// costs one pass over its bytes.
pub(super) fn after_userinfo(text: &str) -> Option<&str> {
    let b = text.as_bytes();
    let first = b
        .iter()
        .position(|&c| c == b'@' || c == b'%' || !c.is_ascii())?;
    let limit = text.find('[').unwrap_or(b.len());
    // Every at-sign starts with one of those bytes, so none starts before
    // `first`; each ends on a character boundary.
    (first..limit).rev().find_map(|i| match at_sign_at(b, i) {
        0 => None,
        n if i + n <= limit => Some(&text[i + n..]),
        _ => None,
    })
}

thread_local! {
    /// The last text [`plain_host`] accepted on this thread (the answer does
    /// not depend on the policy).
    static PLAIN_HOST: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Whether `text` holds only ASCII letters, dots and hyphens and none of the
/// pairs that may start what the scrub masks in such text (`ey` and `ew` of a
/// JWT, `xo` of a Slack token, `AK` and `AS` of an AWS key id): the scrub
/// would return it unchanged, and it has no `@` (Go's `plainHost`).
fn plain_host(text: &[u8]) -> bool {
    let mut prev = 0u8;
    for &c in text {
        if !(c.is_ascii_alphabetic() || c == b'.' || c == b'-') {
            return false;
        }
        if matches!(
            (prev, c),
            (b'e', b'y' | b'w') | (b'x', b'o') | (b'A', b'K' | b'S')
        ) {
            return false;
        }
        prev = c;
    }
    true
}

/// `path` with the values of sensitive path parameters replaced by
/// [`MASK`]; a path without `;` is returned at once.
#[inline]
pub fn clean_path_params<'a>(policy: &Policy, path: &'a str) -> Cow<'a, str> {
    if !path.bytes().any(|b| b == b';') {
        return Cow::Borrowed(path);
    }
    mask_path_params(policy, path)
}

/// [`clean_path_params`] for a path with a `;`.
fn mask_path_params<'a>(policy: &Policy, path: &'a str) -> Cow<'a, str> {
    let mut out = String::with_capacity(path.len());
    let mut changed = false;
    let mut start = 0;
    let bytes = path.as_bytes();
    while start < path.len() {
        let end = path[start..]
            .find([';', '/'])
            .map_or(path.len(), |i| start + i);
        let param = &path[start..end];
        let is_param = start > 0 && bytes[start - 1] == b';';
        match param.split_once('=') {
            // The name alone decides, as in a query: "name=" is given to
            // the query cleaner, which decodes and compares it.
            Some((name, value))
                if is_param
                    && value != MASK
                    && !name.contains('&')
                    && matches!(policy.query(&param[..=name.len()]), Cow::Owned(_)) =>
            {
                out.push_str(name);
                out.push('=');
                out.push_str(MASK);
                changed = true;
            }
            _ => out.push_str(param),
        }
        if end < path.len() {
            out.push(char::from(bytes[end]));
        }
        start = end + 1;
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(path)
    }
}

#[cfg(test)]
mod tests {
    use super::Policy;
    use super::{clean_address, clean_path_params, request_address};

    fn policy() -> Policy {
        Policy::new(|_| None, None, &["sig", "Signature", "token"])
    }

    #[test]
    fn server_address_leaves_as_a_host() {
        let policy = policy();
        for (text, want) in [
            ("localhost", "localhost"),
            ("shop.acme.example", "shop.acme.example"),
            ("192.168.100.200", "192.168.100.200"),
            ("2001:db8::1", "2001:db8::1"),
            ("/tmp/my.sock", "/tmp/my.sock"),
            ("jane@example.com", "example.com"),
            ("a@b@shop.example", "shop.example"),
            ("jane@", "REDACTED"),
            ("4111111111111111.example", "REDACTED.example"),
            ("jane%40example.com", "example.com"),
            ("eyJhbGciOiJIUzI1.eyJzdWIi", "REDACTED"),
            ("eyJhbGciOiJIUzI.eyJzdWIi", "REDACTED"),
            ("id-AKIAABCDEFGHIJKLMNOP.example", "id-REDACTED.example"),
            ("xoxb-abcdefghij.example", "REDACTED.example"),
            ("keyword.example", "keyword.example"),
            // The userinfo ends at the scrub's other at-signs too.
            ("user:hunter2%40host", "host"),
            ("hunter2%40host", "host"),
            ("jane%2540shop.example", "shop.example"),
            ("user:hunter2\u{ff20}host", "host"),
            ("jane\u{ff20}", "REDACTED"),
            ("user:pass\u{ff20}host.example", "host.example"),
            ("user:hunter2@shop.example", "shop.example"),
            // A zone is no part of an IP address: it is scrubbed as text.
            ("::1%z-4111111111111111", "::1%z-REDACTED"),
            (
                "::1%eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc",
                "::1%REDACTED",
            ),
            ("fe80::1%AKIAABCDEFGHIJKLMNOP", "fe80::1%REDACTED"),
            ("fe80::1%eth0", "fe80::1%eth0"),
            // The zone is scrubbed on its own: digits glued to the address
            // are a digit run (RFC 6874's `%25` ahead of the zone stays).
            ("fe80::1%254111111111111111", "fe80::1%25REDACTED"),
            ("fe80::1%4111111111111111", "fe80::1%REDACTED"),
            ("fe80::1%251", "fe80::1%251"),
            ("::1%40x", "::1%40x"),
        ] {
            assert_eq!(clean_address(&policy, text), want, "{text}");
        }
    }

    #[test]
    fn path_parameters_named_sensitive_are_redacted() {
        let policy = policy();
        for (text, want) in [
            ("/orders/42", "/orders/42"),
            ("/orders/3;sig=ABCDEF", "/orders/3;sig=REDACTED"),
            (
                "/a;sig=x;keep=y/b;Signature=z/c",
                "/a;sig=REDACTED;keep=y/b;Signature=REDACTED/c",
            ),
            (
                "/orders/3;jsessionid=abc;v=1",
                "/orders/3;jsessionid=abc;v=1",
            ),
            ("/orders;%73ig=x", "/orders;%73ig=REDACTED"),
            ("/orders/3;sig", "/orders/3;sig"),
            ("/a;x&sig=1", "/a;x&sig=1"),
            // Names are compared without regard to ASCII case.
            ("/a;SIG=x;SigNature=y", "/a;SIG=REDACTED;SigNature=REDACTED"),
            ("/orders;%53ig=x", "/orders;%53ig=REDACTED"),
        ] {
            assert_eq!(clean_path_params(&policy, text), want, "{text}");
        }
        // The same in the path of url.full and of a URL in free text.
        let full = "https://h.example/orders/3;sig=ABCDEF;v=1?a=1";
        let clean = "https://h.example/orders/3;sig=REDACTED;v=1?a=1";
        assert_eq!(policy.url(full), clean);
        assert_eq!(
            policy.scrub(&format!("GET {full} failed")),
            format!("GET {clean} failed")
        );
        let mixed = "https://h.example/a;SIG=1?Token=2&SIGNATURE=3";
        let masked = "https://h.example/a;SIG=REDACTED?Token=REDACTED&SIGNATURE=REDACTED";
        assert_eq!(policy.url(mixed), masked);
        assert_eq!(
            policy.scrub(&format!("GET {mixed} failed")),
            format!("GET {masked} failed")
        );
    }

    #[test]
    fn a_host_and_port_are_read_as_an_authority() {
        for (text, want) in [
            (":8080", None),
            ("@:8443", None),
            ("[]:80", None),
            ("[::1%40x]:80", Some(("::1%40x", Some(80)))),
            ("user@[::1%40x]:81", Some(("::1%40x", Some(81)))),
            ("a@b@[::1]:82", Some(("::1", Some(82)))),
            ("shop.example:0", Some(("shop.example", None))),
            ("shop.example", Some(("shop.example", Some(443)))),
        ] {
            assert_eq!(request_address(text, true), want, "{text}");
        }
    }
}
