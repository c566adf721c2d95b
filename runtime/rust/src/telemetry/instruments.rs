//! The tracer and duration histograms every layer and helper records with.

use std::sync::{Arc, RwLock};

use opentelemetry::global::{self, BoxedTracer};
use opentelemetry::metrics::{Histogram, Meter, MeterProvider};
use opentelemetry::trace::TracerProvider;
use opentelemetry::InstrumentationScope;
use opentelemetry_sdk::trace::SdkTracer;

use super::bound::BoundDurations;
use super::conventions;
use super::sampler::Levers;

/// The semantic conventions' name of the outbound RPC duration histogram.
pub const RPC_CLIENT_DURATION: &str = "rpc.client.call.duration";

/// The bucket boundaries of `db.client.operation.duration` in seconds
/// (semantic conventions 1.45.0, database-metrics.md); the HTTP and RPC
/// durations use the conventions' buckets.
pub const DB_DURATION_BUCKETS: &[f64] = &[0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0];

/// A tracer and the conventions' duration instruments.
///
/// [`Instruments::global`] reads the providers [`init`](fn@super::init) installed;
/// call it after `init`. Tests build them from their own providers.
#[derive(Debug)]
pub struct Instruments {
    pub(crate) tracer: BoxedTracer,
    /// The same tracer unboxed, when it is the SDK's: the server layer
    /// starts its spans with it (one box and one dynamic call fewer per
    /// span operation).
    pub(crate) sdk_tracer: Option<SdkTracer>,
    pub(crate) http_server_duration: BoundDurations,
    pub(crate) http_client_duration: Histogram<f64>,
    pub(crate) rpc_server_duration: Histogram<f64>,
    pub(crate) rpc_client_duration: Histogram<f64>,
    pub(crate) db_duration: Histogram<f64>,
    pub(crate) levers: Levers,
}

/// The instruments of the global providers, built on first use and again
/// after `init` installs its providers.
static CURRENT: RwLock<Option<Arc<Instruments>>> = RwLock::new(None);

/// The tracer of the SDK provider [`init`](fn@super::init) made global, which
/// [`Instruments::global`] records with.
static INSTALLED: RwLock<Option<SdkTracer>> = RwLock::new(None);

/// Where a layer or client gets its instruments: given when it was built, or
/// the global providers' as they are when a request comes (so one built
/// before `init` does not keep the no-op providers).
#[derive(Clone, Debug)]
pub(crate) enum Resolve {
    Global,
    Given(Arc<Instruments>),
}

impl Resolve {
    pub(crate) fn get(&self) -> Arc<Instruments> {
        match self {
            Self::Global => Instruments::current(),
            Self::Given(instruments) => instruments.clone(),
        }
    }
}

/// The one instrumentation scope of every tracer and meter of this module:
/// its name, the version of scaffold that generated it, and the semantic
/// conventions schema it follows (the same version and schema as Go's).
pub(crate) fn scope() -> InstrumentationScope {
    InstrumentationScope::builder(conventions::SCOPE_NAME)
        .with_version(conventions::SCOPE_VERSION)
        .with_schema_url(conventions::SCHEMA_URL)
        .build()
}

impl Instruments {
    /// Instruments from the global tracer and meter providers.
    pub fn global() -> Arc<Self> {
        let installed = INSTALLED.read().ok().and_then(|held| held.clone());
        let tracer = match &installed {
            Some(sdk) => BoxedTracer::new(Box::new(sdk.clone())),
            None => global::tracer_with_scope(scope()),
        };
        Arc::new(Self::with_parts(
            tracer,
            installed,
            &global::meter_with_scope(scope()),
            super::init::levers().clone(),
        ))
    }

    /// Records that `init` made `provider` the global tracer provider:
    /// instruments built from then on record with its tracer, unboxed.
    pub(crate) fn install(provider: &opentelemetry_sdk::trace::SdkTracerProvider) {
        if let Ok(mut held) = INSTALLED.write() {
            *held = Some(provider.tracer_with_scope(scope()));
        }
    }

    /// The instruments of the global providers as they are now: built once,
    /// and again after [`init`](super::init()) installs its providers.
    pub fn current() -> Arc<Self> {
        if let Some(found) = CURRENT.read().ok().and_then(|held| held.clone()) {
            return found;
        }
        let fresh = Self::global();
        match CURRENT.write() {
            Ok(mut held) => held.get_or_insert(fresh).clone(),
            Err(_) => fresh,
        }
    }

    /// Forgets the instruments [`current`](Self::current) built; `init` calls
    /// it once its providers are global.
    pub(crate) fn reset() {
        if let Ok(mut held) = CURRENT.write() {
            *held = None;
        }
    }

    /// Instruments from the given providers, reading the process's levers.
    pub fn from_providers<T, M>(tracer_provider: &T, meter_provider: &M) -> Arc<Self>
    where
        T: TracerProvider,
        T::Tracer: Send + Sync + 'static,
        <T::Tracer as opentelemetry::trace::Tracer>::Span: Send + Sync + 'static,
        M: MeterProvider,
    {
        Self::from_providers_with_levers(
            tracer_provider,
            meter_provider,
            super::init::levers().clone(),
        )
    }

    /// Instruments from the given providers, reading `levers` to know when
    /// tracing is switched off.
    pub fn from_providers_with_levers<T, M>(
        tracer_provider: &T,
        meter_provider: &M,
        levers: Levers,
    ) -> Arc<Self>
    where
        T: TracerProvider,
        T::Tracer: Send + Sync + 'static,
        <T::Tracer as opentelemetry::trace::Tracer>::Span: Send + Sync + 'static,
        M: MeterProvider,
    {
        let tracer = tracer_provider.tracer_with_scope(scope());
        let sdk_tracer = (&tracer as &dyn std::any::Any)
            .downcast_ref::<SdkTracer>()
            .cloned();
        let tracer = BoxedTracer::new(Box::new(tracer));
        Arc::new(Self::with_parts(
            tracer,
            sdk_tracer,
            &meter_provider.meter_with_scope(scope()),
            levers,
        ))
    }

    fn with_parts(
        tracer: BoxedTracer,
        sdk_tracer: Option<SdkTracer>,
        meter: &Meter,
        levers: Levers,
    ) -> Self {
        let buckets = |name: &'static str, description: &'static str, bounds: &[f64]| {
            meter
                .f64_histogram(name)
                .with_unit("s")
                .with_description(description)
                .with_boundaries(bounds.to_vec())
                .build()
        };
        let histogram = |name: &'static str, description: &'static str| {
            buckets(name, description, conventions::DURATION_BUCKETS)
        };
        Self {
            tracer,
            sdk_tracer,
            http_server_duration: BoundDurations::new(histogram(
                conventions::HTTP_SERVER_DURATION,
                "Duration of inbound HTTP requests.",
            )),
            http_client_duration: histogram(
                conventions::HTTP_CLIENT_DURATION,
                "Duration of outbound HTTP requests.",
            ),
            rpc_server_duration: histogram(
                conventions::RPC_SERVER_DURATION,
                "Duration of inbound RPCs.",
            ),
            rpc_client_duration: histogram(RPC_CLIENT_DURATION, "Duration of outbound RPCs."),
            db_duration: buckets(
                conventions::DB_DURATION,
                "Duration of database operations.",
                DB_DURATION_BUCKETS,
            ),
            levers,
        }
    }
}
