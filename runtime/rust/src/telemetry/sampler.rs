//! The parent-based trace-id ratio sampler shared with the Go services, and the
//! levers (kill switch, ratio) it reads on every decision.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use opentelemetry::trace::{Link, SpanKind, TraceContextExt, TraceId};
use opentelemetry::{Context, KeyValue, Value};
use opentelemetry_sdk::trace::{SamplingDecision, SamplingResult, ShouldSample};

use super::conventions;
use super::rules::RouteRatio;

/// Decides whether a root span with this trace id is sampled at `ratio`.
///
/// The arithmetic is the one of the Go services: the last eight bytes of the
/// trace id, read big-endian and shifted right by one, are compared with
/// `ratio * 2^63` truncated to an integer. The same trace id gets the same
/// decision in every service.
pub fn ratio_admits(trace_id: TraceId, ratio: f64) -> bool {
    if ratio >= 1.0 {
        return true;
    }
    if ratio <= 0.0 || ratio.is_nan() {
        return false;
    }
    let bytes = trace_id.to_bytes();
    let mut low = [0u8; 8];
    low.copy_from_slice(&bytes[8..16]);
    let x = u64::from_be_bytes(low) >> 1;
    let bound = (ratio * 9_223_372_036_854_775_808.0) as u64;
    x < bound
}

/// The incident levers: a kill switch and the root-span sampling ratio, both
/// changed while the service runs. Cheap to clone; clones share state.
#[derive(Clone, Debug)]
pub struct Levers {
    inner: Arc<LeverState>,
}

#[derive(Debug)]
struct LeverState {
    enabled: AtomicBool,
    /// The environment's ratio.
    ratio_bits: AtomicU64,
    /// A ratio set at run time for every root span; NaN when unset.
    override_bits: AtomicU64,
    /// Whether a parent's decision is followed (else every span is decided
    /// by its trace id, as `always_on`, `always_off` and `traceidratio` do).
    parent_based: AtomicBool,
}

impl Levers {
    /// Levers with tracing on or off and the environment's ratio.
    pub fn new(enabled: bool, ratio: f64) -> Self {
        Self {
            inner: Arc::new(LeverState {
                enabled: AtomicBool::new(enabled),
                ratio_bits: AtomicU64::new(clamp(ratio).to_bits()),
                override_bits: AtomicU64::new(f64::NAN.to_bits()),
                parent_based: AtomicBool::new(true),
            }),
        }
    }

    /// Whether tracing is on (the kill switch is off).
    pub fn enabled(&self) -> bool {
        self.inner.enabled.load(Ordering::Relaxed)
    }

    /// Switches tracing on or off for every new span.
    pub fn set_enabled(&self, enabled: bool) {
        self.inner.enabled.store(enabled, Ordering::Relaxed);
    }

    /// The ratio set at run time, if any.
    pub fn override_ratio(&self) -> Option<f64> {
        let ratio = f64::from_bits(self.inner.override_bits.load(Ordering::Relaxed));
        (!ratio.is_nan()).then_some(ratio)
    }

    /// The ratio root spans are sampled at: the run-time ratio if set, else
    /// the environment's.
    pub fn ratio(&self) -> f64 {
        self.override_ratio()
            .unwrap_or_else(|| f64::from_bits(self.inner.ratio_bits.load(Ordering::Relaxed)))
    }

    /// Sets the environment's ratio (clamped to `0..=1`).
    pub fn set_base_ratio(&self, ratio: f64) {
        self.inner
            .ratio_bits
            .store(clamp(ratio).to_bits(), Ordering::Relaxed);
    }

    /// Sets a ratio (clamped to `0..=1`) that applies to every root span,
    /// per-route ratios included, until [`Levers::reset_ratio`].
    pub fn set_ratio(&self, ratio: f64) {
        self.inner
            .override_bits
            .store(clamp(ratio).to_bits(), Ordering::Relaxed);
    }

    /// Whether a parent's sampling decision is followed.
    pub fn parent_based(&self) -> bool {
        self.inner.parent_based.load(Ordering::Relaxed)
    }

    /// Follows parents' decisions (`true`, the default) or decides every
    /// span by its trace id (`false`).
    pub fn set_parent_based(&self, parent_based: bool) {
        self.inner
            .parent_based
            .store(parent_based, Ordering::Relaxed);
    }

    /// Whether a lever (the run-time ratio, or the ratio variable, which
    /// sets it at start-up) holds the ratio at 0: tracing is switched off.
    pub fn lever_at_zero(&self) -> bool {
        self.override_ratio().is_some_and(|ratio| ratio <= 0.0)
    }

    /// Goes back to the environment's and per-route ratios.
    pub fn reset_ratio(&self) {
        self.inner
            .override_bits
            .store(f64::NAN.to_bits(), Ordering::Relaxed);
    }
}

fn clamp(ratio: f64) -> f64 {
    if ratio.is_nan() {
        0.0
    } else {
        ratio.clamp(0.0, 1.0)
    }
}

/// The hint for the sampler when the conventions' sampling table names this
/// route (any method), else `None`: nothing for the sampler to look up.
pub fn route_hint(method: &'static str, route: Option<&Arc<str>>) -> Option<RouteHint> {
    let route = route?;
    conventions::ROUTE_RATIOS
        .iter()
        .any(|rule| rule.route == &**route)
        .then(|| RouteHint {
            method,
            route: Some(route.clone()),
        })
}

/// A context value saying that tracing was switched off where the context
/// came in: clients then pass it on unchanged instead of starting a span.
#[derive(Clone, Copy, Debug)]
pub struct PassThrough;

/// Whether tracing is switched off: the kill switch, or a lever holding the
/// ratio at 0 (the run-time ratio or the ratio variable; a sampler or route
/// ratio of 0 is a sampling decision, not a switch). Layers then pass the
/// incoming context through unchanged instead of starting a span, as a
/// no-op tracer does, so services downstream decide for themselves.
pub fn switched_off(levers: &Levers) -> bool {
    !levers.enabled() || levers.lever_at_zero()
}

/// The method and route of a server request, put into the parent context
/// for the sampler: the route becomes the span's `http.route` only once the
/// response shows the router really served it.
#[derive(Clone, Debug)]
pub struct RouteHint {
    /// `http.request.method`.
    pub method: &'static str,
    /// The matched route, if any.
    pub route: Option<Arc<str>>,
}

/// Ratio sampler: parent-based by default (a sampled parent is followed, an
/// unsampled parent is not, and a root span is sampled when its trace id
/// falls under the levers' run-time ratio, else the route's ratio, else the
/// environment's); with [`Levers::set_parent_based`]`(false)` every span is
/// decided by its trace id alone. With the kill switch on, nothing is
/// sampled.
#[derive(Clone, Debug)]
pub struct Sampler {
    levers: Levers,
    routes: &'static [RouteRatio],
}

impl Sampler {
    /// A sampler reading `levers`, with the conventions' per-route ratios.
    pub fn new(levers: Levers) -> Self {
        Self {
            levers,
            routes: conventions::ROUTE_RATIOS,
        }
    }

    /// A sampler reading `levers`, with the given per-route ratios.
    pub fn with_routes(levers: Levers, routes: &'static [RouteRatio]) -> Self {
        Self { levers, routes }
    }

    /// The levers this sampler reads.
    pub fn levers(&self) -> &Levers {
        &self.levers
    }

    fn route_ratio(&self, attributes: &[KeyValue], hint: Option<&RouteHint>) -> Option<f64> {
        if self.routes.is_empty() {
            return None;
        }
        let mut method = hint.map(|h| h.method);
        let mut route = hint.and_then(|h| h.route.as_deref());
        for kv in attributes {
            match (kv.key.as_str(), &kv.value) {
                ("http.request.method", Value::String(v)) => method = Some(v.as_str()),
                ("http.route", Value::String(v)) => route = Some(v.as_str()),
                _ => {}
            }
        }
        let route = route?;
        self.routes
            .iter()
            .find(|rule| rule.route == route && rule.method.is_none_or(|m| Some(m) == method))
            .map(|rule| rule.ratio)
    }
}

impl ShouldSample for Sampler {
    fn should_sample(
        &self,
        parent_context: Option<&Context>,
        trace_id: TraceId,
        _name: &str,
        _span_kind: &SpanKind,
        attributes: &[KeyValue],
        _links: &[Link],
    ) -> SamplingResult {
        let parent = parent_context
            .map(|cx| cx.span().span_context().clone())
            .filter(|sc| sc.is_valid());
        let sampled = if !self.levers.enabled() {
            false
        } else if let Some(parent) = parent.as_ref().filter(|_| self.levers.parent_based()) {
            parent.is_sampled()
        } else {
            let ratio = self
                .levers
                .override_ratio()
                .or_else(|| {
                    self.route_ratio(
                        attributes,
                        parent_context.and_then(|cx| cx.get::<RouteHint>()),
                    )
                })
                .unwrap_or_else(|| self.levers.ratio());
            ratio_admits(trace_id, ratio)
        };
        SamplingResult {
            decision: if sampled {
                SamplingDecision::RecordAndSample
            } else {
                SamplingDecision::Drop
            },
            attributes: Vec::new(),
            trace_state: parent
                .map(|sc| sc.trace_state().clone())
                .unwrap_or_default(),
        }
    }
}
