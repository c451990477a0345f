//! The connection loop. `axum::serve` gives hyper no timer, so a client that sends its
//! request head one byte a minute would hold a connection (and a task) for ever; this loop
//! is the same accept → serve → graceful-shutdown cycle with the head read under a deadline.

use std::{io, time::Duration};

use axum::{Router, body::Body, extract::ConnectInfo, http::Request};
use hyper::{body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::{
    rt::{TokioIo, TokioTimer},
    server::graceful::GracefulShutdown,
};
use tokio::net::TcpListener;
use tower::ServiceExt;

use super::limits::HYPER_MAX_HEADERS;

/// Serves `router` on `listener` until `shutdown` resolves; then stops accepting (new
/// connections are refused), lets in-flight requests finish and returns once every
/// connection has closed.
///
/// `head_timeout` bounds how long a client may take to send a request head, and how long an
/// idle keep-alive connection is kept.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    head_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(head_timeout)
        .max_headers(HYPER_MAX_HEADERS);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);

    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    backoff_after_accept_error(error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Responses go out in one write; Nagle would only delay the last segment.
        let _ = stream.set_nodelay(true);

        let router = router.clone();
        let service = service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            let request = request.map(Body::new);
            router.clone().oneshot(request)
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
        });
    }

    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Accept fails for one client (it reset before we accepted) or for the whole process (out
/// of file descriptors). The first is nothing; for the second, pause instead of spinning.
async fn backoff_after_accept_error(error: io::Error) {
    use io::ErrorKind::*;
    if matches!(
        error.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "accept failed; pausing for a second");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
