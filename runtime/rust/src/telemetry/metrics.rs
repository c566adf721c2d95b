//! Metric attributes leave through the same redaction policy as spans: a
//! meter provider that wraps the SDK's and cleans the attributes of every
//! measurement (and of every bound attribute set, once) before the SDK
//! aggregates them. `init` installs it as the global meter provider, so every
//! meter of the process, [`meter`] included, goes through it.

use std::sync::Arc;

use opentelemetry::metrics::{
    AsyncInstrument, AsyncInstrumentBuilder, BoundSyncInstrument, Counter, Gauge, Histogram,
    HistogramBuilder, InstrumentBuilder, InstrumentProvider, Meter, MeterProvider,
    ObservableCounter, ObservableGauge, ObservableUpDownCounter, SyncInstrument, UpDownCounter,
};
use opentelemetry::{global, InstrumentationScope, KeyValue};

use super::redact::{policy, Policy};

/// The meter of this module's scope, from the global provider: measurements
/// recorded with it are redacted like span attributes.
pub fn meter() -> Meter {
    global::meter_with_scope(super::instruments::scope())
}

/// A meter provider whose meters apply a [`Policy`] to every attribute set.
#[derive(Clone, Debug)]
pub struct RedactingMeterProvider<P> {
    inner: P,
    policy: Arc<Policy>,
}

impl<P> RedactingMeterProvider<P> {
    /// Wraps `inner` with the process's policy.
    pub fn new(inner: P) -> Self {
        Self::with_policy(inner, policy().clone())
    }

    /// Wraps `inner` with `policy`.
    pub fn with_policy(inner: P, policy: Policy) -> Self {
        Self {
            inner,
            policy: Arc::new(policy),
        }
    }
}

impl<P: MeterProvider> MeterProvider for RedactingMeterProvider<P> {
    fn meter_with_scope(&self, scope: InstrumentationScope) -> Meter {
        Meter::new(Arc::new(RedactingInstruments {
            inner: self.inner.meter_with_scope(scope),
            policy: self.policy.clone(),
        }))
    }
}

struct RedactingInstruments {
    inner: Meter,
    policy: Arc<Policy>,
}

/// A synchronous instrument whose attributes are cleaned first.
struct Clean<I> {
    inner: I,
    policy: Arc<Policy>,
}

/// A bound instrument (attributes cleaned when it was bound).
struct Bound<B>(B);

/// An observer whose attributes are cleaned first.
struct CleanObserver<'a, T> {
    inner: &'a dyn AsyncInstrument<T>,
    policy: &'a Policy,
}

impl<T> AsyncInstrument<T> for CleanObserver<'_, T> {
    fn observe(&self, measurement: T, attributes: &[KeyValue]) {
        self.inner
            .observe(measurement, &self.policy.attributes(attributes));
    }
}

macro_rules! sync_instrument {
    ($inst:ident, $bound:ident, $record:ident, $t:ty) => {
        impl SyncInstrument<$t> for Clean<$inst<$t>> {
            fn measure(&self, measurement: $t, attributes: &[KeyValue]) {
                self.inner
                    .$record(measurement, &self.policy.attributes(attributes));
            }

            fn bind(
                &self,
                attributes: &[KeyValue],
            ) -> Box<dyn BoundSyncInstrument<$t> + Send + Sync> {
                Box::new(Bound(self.inner.bind(&self.policy.attributes(attributes))))
            }
        }

        impl BoundSyncInstrument<$t> for Bound<opentelemetry::metrics::$bound<$t>> {
            fn measure(&self, measurement: $t) {
                self.0.$record(measurement);
            }
        }
    };
}

sync_instrument!(Counter, BoundCounter, add, u64);
sync_instrument!(Counter, BoundCounter, add, f64);
sync_instrument!(UpDownCounter, BoundUpDownCounter, add, i64);
sync_instrument!(UpDownCounter, BoundUpDownCounter, add, f64);
sync_instrument!(Gauge, BoundGauge, record, u64);
sync_instrument!(Gauge, BoundGauge, record, f64);
sync_instrument!(Gauge, BoundGauge, record, i64);
sync_instrument!(Histogram, BoundHistogram, record, u64);
sync_instrument!(Histogram, BoundHistogram, record, f64);

macro_rules! make_sync {
    ($method:ident, $inst:ident, $t:ty) => {
        fn $method(&self, builder: InstrumentBuilder<'_, $inst<$t>>) -> $inst<$t> {
            let mut inner = self.inner.$method(builder.name);
            if let Some(description) = builder.description {
                inner = inner.with_description(description);
            }
            if let Some(unit) = builder.unit {
                inner = inner.with_unit(unit);
            }
            $inst::new(Arc::new(Clean {
                inner: inner.build(),
                policy: self.policy.clone(),
            }))
        }
    };
}

macro_rules! make_histogram {
    ($method:ident, $t:ty) => {
        fn $method(&self, builder: HistogramBuilder<'_, Histogram<$t>>) -> Histogram<$t> {
            let mut inner = self.inner.$method(builder.name);
            if let Some(description) = builder.description {
                inner = inner.with_description(description);
            }
            if let Some(unit) = builder.unit {
                inner = inner.with_unit(unit);
            }
            if let Some(boundaries) = builder.boundaries {
                inner = inner.with_boundaries(boundaries);
            }
            Histogram::new(Arc::new(Clean {
                inner: inner.build(),
                policy: self.policy.clone(),
            }))
        }
    };
}

macro_rules! make_async {
    ($method:ident, $inst:ident, $t:ty) => {
        fn $method(&self, builder: AsyncInstrumentBuilder<'_, $inst<$t>, $t>) -> $inst<$t> {
            let mut inner = self.inner.$method(builder.name);
            if let Some(description) = builder.description {
                inner = inner.with_description(description);
            }
            if let Some(unit) = builder.unit {
                inner = inner.with_unit(unit);
            }
            for callback in builder.callbacks {
                let policy = self.policy.clone();
                inner = inner.with_callback(move |observer| {
                    callback(&CleanObserver {
                        inner: observer,
                        policy: &policy,
                    })
                });
            }
            inner.build()
        }
    };
}

impl InstrumentProvider for RedactingInstruments {
    make_sync!(u64_counter, Counter, u64);
    make_sync!(f64_counter, Counter, f64);
    make_sync!(i64_up_down_counter, UpDownCounter, i64);
    make_sync!(f64_up_down_counter, UpDownCounter, f64);
    make_sync!(u64_gauge, Gauge, u64);
    make_sync!(f64_gauge, Gauge, f64);
    make_sync!(i64_gauge, Gauge, i64);
    make_histogram!(u64_histogram, u64);
    make_histogram!(f64_histogram, f64);
    make_async!(u64_observable_counter, ObservableCounter, u64);
    make_async!(f64_observable_counter, ObservableCounter, f64);
    make_async!(i64_observable_up_down_counter, ObservableUpDownCounter, i64);
    make_async!(f64_observable_up_down_counter, ObservableUpDownCounter, f64);
    make_async!(u64_observable_gauge, ObservableGauge, u64);
    make_async!(i64_observable_gauge, ObservableGauge, i64);
    make_async!(f64_observable_gauge, ObservableGauge, f64);
}
