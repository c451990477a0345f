#![forbid(unsafe_code)]

use std::{io::IsTerminal, process::ExitCode};

use board::{config::Config, startup::App, telemetry};

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

async fn run(config: Config) -> Result<(), board::startup::StartupError> {
    App::build(&config)
        .await?
        .run_until(shutdown_signal())
        .await
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
