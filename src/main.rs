#![forbid(unsafe_code)]

use std::{io::IsTerminal, net::SocketAddr, process::ExitCode, time::Duration};

use board::{
    app::{self, AppState},
    config::Config,
    http,
    store::Store,
    telemetry,
};
use tokio::net::TcpListener;

/// How long in-flight requests get to finish after SIGTERM/SIGINT.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(25);

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("board: {error}");
            return ExitCode::from(1);
        }
    };
    if std::env::args().any(|arg| arg == "--healthcheck") {
        return if board::healthcheck(config.port).await {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    }
    if let Err(error) = telemetry::init(
        &config.log_filter,
        config.log_json,
        std::io::stdout().is_terminal(),
        std::io::stdout,
    ) {
        eprintln!("board: {error}");
        return ExitCode::from(1);
    }
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "board stopped");
            ExitCode::from(1)
        }
    }
}

async fn run(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    if config.jwt_secret_generated {
        tracing::warn!(
            "JWT_SECRET_KEY is not set: using a random key, so tokens stop working when the server restarts"
        );
    }
    let store = Store::connect(
        &config.database,
        config.db_pool_size,
        config.db_connect_timeout,
    )
    .await?;
    store.migrate().await?;
    let router = app::build(&config, AppState::new(&config, store.clone()));

    let address = SocketAddr::new(config.host, config.port);
    let listener = TcpListener::bind(address)
        .await
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    tracing::info!(%address, "listening; Swagger UI at /swagger-ui/");

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    // A client gets REQUEST_TIMEOUT to send its request head, as it does for the body.
    let server = tokio::spawn(http::server::serve(
        listener,
        router,
        config.request_timeout,
        async {
            let _ = stop_rx.await;
        },
    ));
    shutdown_signal().await;
    tracing::info!("shutting down: finishing in-flight requests");
    let _ = stop_tx.send(());
    match tokio::time::timeout(SHUTDOWN_GRACE, server).await {
        Ok(result) => result??,
        Err(_) => tracing::warn!("grace period over; dropping the remaining connections"),
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
