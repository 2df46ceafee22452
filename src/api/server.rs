//! Listening: the ready line, and the graceful stop (SIGTERM / Ctrl-C / SIGHUP: stop
//! accepting, let in-flight requests finish within a bound, then return).

use std::future::{Future, IntoFuture};
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio::signal::unix::{Signal, SignalKind, signal};

/// How long in-flight requests may take to finish after a stop was asked for.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The line printed once the API accepts connections.
pub fn ready_line(listener: &TcpListener) -> std::io::Result<String> {
    Ok(format!("listening on http://{}", listener.local_addr()?))
}

/// Serves `app` until `shutdown` completes, then stops accepting and waits for in-flight
/// requests at most `grace` (what is still running after that is dropped, with a warning).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    grace: Duration,
) -> std::io::Result<()> {
    let (stopping, mut stop_seen) = tokio::sync::watch::channel(false);
    // The peer's address reaches the handlers (per-IP rate limits, login logs).
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            let _ = stopping.send(true);
        })
        .into_future();
    let deadline = async move {
        if stop_seen.wait_for(|stop| *stop).await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        outcome = server => outcome,
        () = deadline => {
            tracing::warn!(
                "requests still running {} s after the stop was asked for; dropping them",
                grace.as_secs()
            );
            Ok(())
        }
    }
}

/// Resolves at SIGTERM, SIGINT (Ctrl-C) or SIGHUP with the signal's name. The handlers are
/// installed when this is called (not when it is first polled), so a signal arriving while the
/// database is still being opened is not lost and does not kill the process outright.
pub fn shutdown_signal() -> impl Future<Output = &'static str> + Send + 'static {
    let term = signal(SignalKind::terminate()).ok();
    let int = signal(SignalKind::interrupt()).ok();
    let hup = signal(SignalKind::hangup()).ok();
    async move {
        tokio::select! {
            () = received(term) => "SIGTERM",
            () = received(int) => "Ctrl-C",
            () = received(hup) => "SIGHUP",
        }
    }
}

async fn received(signal: Option<Signal>) {
    match signal {
        Some(mut signal) => {
            signal.recv().await;
        }
        None => std::future::pending().await,
    }
}
