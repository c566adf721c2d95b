//! Per-request cost of the bare router, the generated layer (with its request
//! span through the bridge, and without a subscriber: the direct span), and
//! tower-http's TraceLayer with tracing-opentelemetry; no-op exporter, sampled
//! and unsampled.

use criterion::{criterion_group, criterion_main, Criterion};
use scaffold_bench_rust::{bare, generated, generated_direct, request, trace_layer};
use tower::ServiceExt as _;

fn layers(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("layers");

    let bare_router = bare();
    let router = bare_router.clone();
    group.bench_function("bare", |b| {
        b.iter(|| rt.block_on(router.clone().oneshot(request())).unwrap())
    });

    for (label, sampled) in [("sampled", true), ("unsampled", false)] {
        let ratio = if sampled { 1.0 } else { 0.0 };
        let (router, provider, dispatch) = generated(ratio);
        tracing::dispatcher::with_default(&dispatch, || {
            group.bench_function(format!("generated_{label}"), |b| {
                b.iter(|| rt.block_on(router.clone().oneshot(request())).unwrap())
            });
        });
        let _ = provider.shutdown();

        let (router, provider) = generated_direct(ratio);
        group.bench_function(format!("direct_{label}"), |b| {
            b.iter(|| rt.block_on(router.clone().oneshot(request())).unwrap())
        });
        let _ = provider.shutdown();

        let (router, provider, dispatch) = trace_layer(sampled);
        tracing::dispatcher::with_default(&dispatch, || {
            group.bench_function(format!("tracelayer_{label}"), |b| {
                b.iter(|| rt.block_on(router.clone().oneshot(request())).unwrap())
            });
        });
        let _ = provider.shutdown();
    }

    // The bare router again: its drift over the run shows how noisy the machine was.
    group.bench_function("bare_end", |b| {
        b.iter(|| rt.block_on(bare_router.clone().oneshot(request())).unwrap())
    });
    group.finish();
}

criterion_group!(benches, layers);
criterion_main!(benches);
