//! The trust policy of the service's boundaries, from the conventions'
//! `trust` section.
//!
//! An internal boundary continues the caller's trace: the incoming sampling
//! decision is followed and the caller's baggage is kept. A public one does
//! not let a caller decide for the service: its server span starts a new
//! trace with the service's own sampling decision, the caller's span context
//! is kept only as a link, and the caller's baggage is ignored (as
//! otelhttp's and otelgrpc's public-endpoint options do).

use opentelemetry::trace::{Link, SpanContext, TraceContextExt, TraceState};
use opentelemetry::Context;

use super::conventions;

/// The override for `route` in `rules`: an exact route wins over a prefix
/// (`/public/*`: everything under `/public/`), a longer prefix over a
/// shorter one.
pub fn route_override(rules: &[(&str, bool)], route: &str) -> Option<bool> {
    if let Some((_, public)) = rules.iter().find(|(r, _)| *r == route) {
        return Some(*public);
    }
    rules
        .iter()
        .filter_map(|(r, public)| {
            let prefix = r.strip_suffix('*')?;
            route.starts_with(prefix).then_some((prefix.len(), *public))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, public)| public)
}

/// Whether the HTTP route (or, unmatched, the path) is public.
pub fn public_route(route: &str) -> bool {
    route_override(conventions::TRUST_ROUTES, route)
        .unwrap_or(conventions::TRUST_HTTP_SERVER_PUBLIC)
}

/// Whether the gRPC method (`pkg.Service/Method`) is public.
pub fn public_rpc(full_method: &str) -> bool {
    route_override(conventions::TRUST_ROUTES, full_method)
        .unwrap_or(conventions::TRUST_GRPC_SERVER_PUBLIC)
}

/// The parent and links of a server span whose caller sent `incoming`:
/// `incoming` itself at an internal boundary; at a public one an empty
/// context (no parent, no baggage) and a link to the caller's span, if any.
/// The link keeps the caller's ids and flags but not its `tracestate`: that
/// is the untrusted caller's free text, and it is not exported.
pub fn boundary(incoming: Context, public: bool) -> (Context, Vec<Link>) {
    if !public {
        return (incoming, Vec::new());
    }
    let caller = incoming.span().span_context().clone();
    let links = if caller.is_valid() {
        let ids = SpanContext::new(
            caller.trace_id(),
            caller.span_id(),
            caller.trace_flags(),
            caller.is_remote(),
            TraceState::default(),
        );
        vec![Link::with_context(ids)]
    } else {
        Vec::new()
    };
    (Context::new(), links)
}

/// Whether `ip` is one of the conventions' trusted proxies (CIDR blocks or
/// single addresses).
pub fn trusted_proxy(ip: std::net::IpAddr) -> bool {
    conventions::TRUSTED_PROXIES
        .iter()
        .any(|cidr| in_block(ip, cidr))
}

/// Whether `ip` is inside `cidr` (`10.0.0.0/8`, `::1/128`, or an address).
pub fn in_block(ip: std::net::IpAddr, cidr: &str) -> bool {
    use std::net::IpAddr;
    let (net, bits) = match cidr.split_once('/') {
        Some((net, bits)) => (net, bits.parse::<u32>().ok()),
        None => (cidr, None),
    };
    let Ok(net) = net.trim().parse::<IpAddr>() else {
        return false;
    };
    let ip = match (ip, net) {
        (IpAddr::V6(v6), IpAddr::V4(_)) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        _ => ip,
    };
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let bits = bits.unwrap_or(32).min(32);
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let bits = bits.unwrap_or(128).min(128);
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

/// The client a trusted proxy's `X-Forwarded-For` lines name: walking the
/// hops from the right past the trusted proxies, the first hop that is not
/// one (or the left-most). `None` when a hop on that walk is not an IP
/// address (`unknown`, a name, garbage): the header then says nothing.
pub fn forwarded_client<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let hops: Vec<&str> = values
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for (i, hop) in hops.iter().enumerate().rev() {
        let ip = hop
            .parse::<std::net::IpAddr>()
            .ok()
            .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))?
            .to_canonical();
        if i == 0 || !trusted_proxy(ip) {
            return Some(ip.to_string());
        }
    }
    None
}

/// What a trusted proxy's RFC 7239 `Forwarded` header says about the
/// client: walking the elements from the right past the trusted proxies, the
/// element the client-facing proxy wrote gives the client (its `for`, when an
/// IP address), the scheme the client used (`proto`, http or https) and the
/// host it asked for (`host`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Forwarded {
    /// The client's address.
    pub client: Option<String>,
    /// `http` or `https`.
    pub proto: Option<&'static str>,
    /// The host (and port) the client asked for.
    pub host: Option<String>,
}

/// Reads the `Forwarded` header lines (joined as one list); `None` when there
/// is none or it is malformed.
pub fn forwarded<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Forwarded> {
    let text = values.into_iter().collect::<Vec<_>>().join(",");
    if text.is_empty() {
        return None;
    }
    let elements = parse_forwarded(&text)?;
    let mut pick = elements.first()?;
    for (i, element) in elements.iter().enumerate().rev() {
        let addr = element.get("for").and_then(|node| node_addr(node));
        if i == 0 || addr.is_none_or(|a| !trusted_proxy(a)) {
            pick = element;
            break;
        }
    }
    let proto = match pick.get("proto").map(|p| p.to_ascii_lowercase()) {
        Some(p) if p == "http" => Some("http"),
        Some(p) if p == "https" => Some("https"),
        _ => None,
    };
    let host = pick
        .get("host")
        .filter(|h| {
            !h.is_empty() && h.len() <= 255 && !h.contains(['/', '?', '#', '@', '\\', ' ', '\t'])
        })
        .cloned();
    Some(Forwarded {
        client: pick
            .get("for")
            .and_then(|node| node_addr(node))
            .map(|a| a.to_string()),
        proto,
        host,
    })
}

/// The IP address of a `Forwarded` node (`192.0.2.1`, `[2001:db8::1]:4711`);
/// `None` for `unknown`, an obfuscated name or garbage.
fn node_addr(node: &str) -> Option<std::net::IpAddr> {
    let addr = if let Some(rest) = node.strip_prefix('[') {
        rest.split_once(']')?.0
    } else {
        node.split(':').next().unwrap_or(node)
    };
    let ip: std::net::IpAddr = addr.parse().ok()?;
    Some(match ip {
        std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4),
        v4 => v4,
    })
}

fn is_token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c)
}

/// Splits a `Forwarded` header into its elements, each a map of lower-cased
/// parameter names to values (quoted strings unquoted). A parameter given
/// twice in an element, or any syntax error, makes it malformed.
fn parse_forwarded(text: &str) -> Option<Vec<std::collections::HashMap<String, String>>> {
    let bytes = text.as_bytes();
    let mut elements = Vec::new();
    let mut element = std::collections::HashMap::new();
    let mut i = 0;
    let skip_space = |i: &mut usize| {
        while *i < bytes.len() && (bytes[*i] == b' ' || bytes[*i] == b'\t') {
            *i += 1;
        }
    };
    loop {
        skip_space(&mut i);
        if i < bytes.len() && (bytes[i] == b',' || bytes[i] == b';') && element.is_empty() {
            i += 1; // an empty list element
            continue;
        }
        if i >= bytes.len() {
            break;
        }
        let start = i;
        while i < bytes.len() && is_token_char(bytes[i]) {
            i += 1;
        }
        let name = text[start..i].to_ascii_lowercase();
        if name.is_empty() || i >= bytes.len() || bytes[i] != b'=' {
            return None;
        }
        i += 1;
        let value = if i < bytes.len() && bytes[i] == b'"' {
            read_quoted(bytes, &mut i)?
        } else {
            // Unquoted, a port or an IPv6 literal breaks the token syntax, but
            // proxies send them so: ':', '[' and ']' are read too.
            let start = i;
            while i < bytes.len() && (is_token_char(bytes[i]) || b":[]".contains(&bytes[i])) {
                i += 1;
            }
            if start == i {
                return None;
            }
            text[start..i].to_owned()
        };
        if element.insert(name, value).is_some() {
            return None;
        }
        skip_space(&mut i);
        match bytes.get(i) {
            None => {}
            Some(b';') => {
                i += 1;
                continue;
            }
            Some(b',') => i += 1,
            Some(_) => return None,
        }
        elements.push(std::mem::take(&mut element));
    }
    if !element.is_empty() {
        elements.push(element);
    }
    Some(elements)
}

/// Reads the quoted string at `bytes[*i]` (RFC 9110), moving `*i` past it.
fn read_quoted(bytes: &[u8], i: &mut usize) -> Option<String> {
    let mut out = Vec::new();
    let mut j = *i + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'"' => {
                *i = j + 1;
                return String::from_utf8(out).ok();
            }
            b'\\' if j + 1 < bytes.len() => {
                j += 1;
                out.push(bytes[j]);
            }
            c if (c < 0x20 && c != b'\t') || c == 0x7f => return None,
            c => out.push(c),
        }
        j += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_client_walks_from_the_right() {
        // No trusted proxy in these conventions: the right-most hop is the client.
        assert_eq!(
            forwarded_client(["192.0.2.1, 192.0.2.2"]),
            Some("192.0.2.2".into())
        );
        assert_eq!(
            forwarded_client(["192.0.2.1", "192.0.2.3"]),
            Some("192.0.2.3".into())
        );
        assert_eq!(
            forwarded_client(["[2001:db8::1]:4711"]),
            Some("2001:db8::1".into())
        );
        assert_eq!(
            forwarded_client(["192.0.2.9:8080"]),
            Some("192.0.2.9".into())
        );
        assert_eq!(forwarded_client(["192.0.2.1, unknown"]), None);
        // Written as Go writes them: IPv4-mapped as IPv4, IPv6 canonical, a
        // zone is no address.
        assert_eq!(
            forwarded_client(["::ffff:203.0.113.9"]),
            Some("203.0.113.9".into())
        );
        assert_eq!(
            forwarded_client(["2001:DB8:0:0::1"]),
            Some("2001:db8::1".into())
        );
        assert_eq!(forwarded_client(["fe80::1%eth0"]), None);
        assert_eq!(forwarded_client([""]), None);
        assert_eq!(forwarded_client(std::iter::empty()), None);
    }

    #[test]
    fn forwarded_reads_rfc_7239() {
        // 192.0.2.0/24 and 2001:db8::/32 are documentation ranges: no trusted proxy.
        let one = |v: &str| forwarded([v]);
        assert_eq!(
            one("for=192.0.2.60;proto=https;host=shop.example"),
            Some(Forwarded {
                client: Some("192.0.2.60".into()),
                proto: Some("https"),
                host: Some("shop.example".into()),
            })
        );
        assert_eq!(
            one(r#"For="[2001:db8::1]:4711";Proto=HTTP"#),
            Some(Forwarded {
                client: Some("2001:db8::1".into()),
                proto: Some("http"),
                host: None,
            })
        );
        // The right-most untrusted hop is where the walk stops.
        assert_eq!(
            one("for=192.0.2.1;host=evil.example, for=192.0.2.2")
                .unwrap()
                .client,
            Some("192.0.2.2".into())
        );
        assert_eq!(
            one("for=unknown;proto=https"),
            Some(Forwarded {
                client: None,
                proto: Some("https"),
                host: None,
            })
        );
        assert_eq!(
            one(r#"for=192.0.2.1;proto=ftp;host="x.example/path""#),
            Some(Forwarded {
                client: Some("192.0.2.1".into()),
                proto: None,
                host: None,
            })
        );
        // Unquoted ports and IPv6 literals are read (proxies send them so); an
        // IPv6 address without brackets is no address.
        assert_eq!(
            one("for=192.0.2.1:4711;host=shop.example:8443"),
            Some(Forwarded {
                client: Some("192.0.2.1".into()),
                proto: None,
                host: Some("shop.example:8443".into()),
            })
        );
        assert_eq!(
            one("for=[2001:db8::1]:4711").unwrap().client,
            Some("2001:db8::1".into())
        );
        assert_eq!(one("for=2001:db8::1").unwrap().client, None);
        assert_eq!(
            one(",, for=192.0.2.7 ,").unwrap().client,
            Some("192.0.2.7".into())
        );
        assert_eq!(
            forwarded(["for=192.0.2.1", "for=192.0.2.9"])
                .unwrap()
                .client,
            Some("192.0.2.9".into())
        );
        for malformed in [
            "for=192.0.2.1;for=192.0.2.2",
            "for",
            r#"for="192.0.2.1"#,
            "for=192.0.2.1 junk",
            "for=192.0.2.1;host=x.example/path",
            "",
        ] {
            assert_eq!(one(malformed), None, "{malformed}");
        }
    }
}
