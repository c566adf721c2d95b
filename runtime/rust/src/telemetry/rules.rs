//! Types the conventions are expressed in. The values live in `conventions.rs`.

use std::time::Duration;

/// One piece of a span name template: fixed text or the value of an attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Text copied into the name as is.
    Text(&'static str),
    /// The value of the attribute with this key.
    Attr(&'static str),
}

/// How spans of one boundary are named: a template, then fallbacks tried in
/// order when an attribute of the template is not known (an unmatched route,
/// a query without a summary): the first of `chain` whose attributes are all
/// known, else `fallback`. An attribute `fallback` needs but does not know is
/// left empty.
#[derive(Clone, Copy, Debug)]
pub struct NameRule {
    /// The preferred name.
    pub template: &'static [Part],
    /// The fallbacks tried, in order, before `fallback`.
    pub chain: &'static [&'static [Part]],
    /// The name used when neither the template nor a step of `chain` can be filled.
    pub fallback: &'static [Part],
}

impl NameRule {
    /// Builds the span name, looking attribute values up with `get`.
    pub fn render<'a>(&self, get: impl Fn(&str) -> Option<&'a str>) -> String {
        let known = |key: &str| get(key).filter(|v| !v.is_empty());
        let complete = |parts: &[Part]| {
            parts.iter().all(|part| match part {
                Part::Text(_) => true,
                Part::Attr(key) => known(key).is_some(),
            })
        };
        let parts = std::iter::once(self.template)
            .chain(self.chain.iter().copied())
            .find(|parts| complete(parts))
            .unwrap_or(self.fallback);
        let mut name = String::with_capacity(32);
        for part in parts {
            match part {
                Part::Text(text) => name.push_str(text),
                Part::Attr(key) => name.push_str(known(key).unwrap_or("")),
            }
        }
        name
    }
}

/// A sampling ratio for root spans of one route; it wins over the environment's ratio.
#[derive(Clone, Copy, Debug)]
pub struct RouteRatio {
    /// The HTTP method the rule applies to; `None` for every method.
    pub method: Option<&'static str>,
    /// The route, as the router names it (`/orders/{id}`).
    pub route: &'static str,
    /// The ratio, between 0 and 1.
    pub ratio: f64,
}

/// Where the value of a resource attribute comes from.
#[derive(Clone, Copy, Debug)]
pub enum Source {
    /// The service's name.
    Service,
    /// `SERVICE_VERSION` at run time, else the crate's version.
    Version,
    /// The environment the service runs in.
    Environment,
    /// The named environment variable.
    Env(&'static str),
    /// A fixed value.
    Static(&'static str),
}

/// A resource attribute stamped on every signal.
#[derive(Clone, Copy, Debug)]
pub struct ResourceAttr {
    /// The attribute key.
    pub key: &'static str,
    /// Where its value comes from.
    pub source: Source,
    /// Whether it must have a value: without one, the placeholder is
    /// exported and `init` warns (or, with a strict start-up, fails).
    pub required: bool,
    /// The value exported when the real one is missing at run time.
    pub placeholder: &'static str,
}

/// What the SDK does to an attribute before export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Remove the attribute.
    Drop,
    /// Replace the value by its HMAC-SHA-256, hex encoded (drop without a key).
    Hash,
    /// Replace the value by a mask.
    Redact,
}

/// The OTLP transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// OTLP over gRPC.
    Grpc,
    /// OTLP over HTTP with protobuf bodies.
    HttpProtobuf,
}

/// How a running service takes incident changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// An HTTP endpoint the service mounts.
    AdminHandler,
    /// A JSON file polled every few seconds.
    WatchedFile,
}

/// Exporter retry limits.
#[derive(Clone, Copy, Debug)]
pub struct Retry {
    /// Whether failed exports are retried at all.
    pub enabled: bool,
    /// Delay before the first retry.
    pub initial_interval: Duration,
    /// Longest delay between two retries.
    pub max_interval: Duration,
    /// Number of retries whose un-jittered delays fit in the retry window
    /// (a cap even when the delays are 0).
    pub max_retries: usize,
    /// The retry window: no retry starts once the time since the first
    /// attempt (attempts included) plus the next, jittered delay passes it.
    pub max_elapsed: Duration,
}
