//! Sends `n` requests through one variant, for instruction counts under valgrind
//! (noise-free on a shared machine): `requests <variant> <n>`.

use scaffold_bench_rust::{bare, generated, generated_direct, request, trace_layer};
use tower::ServiceExt as _;

fn main() {
    let mut args = std::env::args().skip(1);
    let variant = args.next().unwrap_or_else(|| "bare".to_owned());
    let n: usize = args.next().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let run = |router: axum::Router| {
        for _ in 0..n {
            let response = rt.block_on(router.clone().oneshot(request())).unwrap();
            assert!(response.status().is_success());
        }
    };
    match variant.as_str() {
        "bare" => run(bare()),
        "generated_sampled" | "generated_unsampled" => {
            let ratio = if variant.ends_with("_sampled") { 1.0 } else { 0.0 };
            let (router, provider, dispatch) = generated(ratio);
            tracing::dispatcher::with_default(&dispatch, || run(router));
            let _ = provider.shutdown();
        }
        "direct_sampled" | "direct_unsampled" => {
            let ratio = if variant.ends_with("_sampled") { 1.0 } else { 0.0 };
            let (router, provider) = generated_direct(ratio);
            run(router);
            let _ = provider.shutdown();
        }
        "tracelayer_sampled" | "tracelayer_unsampled" => {
            let (router, provider, dispatch) = trace_layer(variant.ends_with("_sampled"));
            tracing::dispatcher::with_default(&dispatch, || run(router));
            let _ = provider.shutdown();
        }
        other => panic!("unknown variant {other}"),
    }
}
