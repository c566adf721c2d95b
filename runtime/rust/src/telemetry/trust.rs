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
