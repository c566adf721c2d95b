use checkout::routes::{router, AppState};
use checkout::telemetry;

/// Serves the routes on `LISTEN_ADDR` (default `127.0.0.1:8080`) and calls
/// the downstream service at `DOWNSTREAM_URL` (default `http://127.0.0.1:8081`).
/// SIGTERM or Ctrl-C: stop accepting, finish what is in flight, flush
/// telemetry, exit 0.
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let guard = telemetry::init()?;
    // Installed before anything listens: an early SIGTERM still flushes.
    let shutdown = shutdown_signal();
    let state = AppState {
        client: telemetry::HttpClient::build()?,
        downstream: std::env::var("DOWNSTREAM_URL")
            .unwrap_or_else(|_| "http://127.0.0.1:8081".to_owned()),
    };
    // Incident levers come from the conventions' watched file (see `init`).
    let address = std::env::var("LISTEN_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".to_owned());
    let listener = tokio::net::TcpListener::bind(&address).await?;
    tracing::info!(address = %listener.local_addr()?, "listening");
    // With the peer's address, server spans record the client and peer addresses.
    let app = router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    tracing::info!("shutting down");
    if let Err(error) = guard.shutdown().await {
        // Bounded by the conventions' shutdown timeout; what was queued is lost.
        tracing::warn!(%error, "telemetry shutdown incomplete");
    }
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM. The SIGTERM handler is installed when this
/// is called, not when the future is first polled.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
    async move {
        let interrupt = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        #[cfg(unix)]
        let terminate = async move {
            match terminate {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            () = interrupt => {}
            () = terminate => {}
        }
    }
}
