#![forbid(unsafe_code)]

use std::{io::IsTerminal, process::ExitCode};

use board::{
    config::Config,
    domain::{Email, Role},
    service::moderation::set_role_by_email,
    startup::{App, connect_store},
    telemetry,
};
use clap::{Parser, Subcommand};

/// Bulletin-board REST API server. Configuration is the environment (see the README).
#[derive(Debug, Parser)]
#[command(name = "board", version, args_conflicts_with_subcommands = true)]
struct Cli {
    /// Exit 0 when the server on PORT answers `/health`, 1 otherwise (the image's health check).
    #[arg(long, exclusive = true)]
    healthcheck: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Administration, against the configured database.
    #[command(subcommand)]
    Admin(Admin),
}

#[derive(Debug, Subcommand)]
enum Admin {
    /// Give the account with EMAIL a role (e.g. the first admin).
    SetRole {
        email: String,
        #[arg(value_parser = ["user", "moderator", "admin"])]
        role: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    // A usage error exits 2 here, before any configuration is read or connection made.
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("board: {error}");
            return ExitCode::from(1);
        }
    };
    if cli.healthcheck {
        return if board::healthcheck(config.port).await {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    }
    match cli.command {
        None | Some(Command::Serve) => serve(config).await,
        Some(Command::Admin(Admin::SetRole { email, role })) => {
            set_role(config, &email, &role).await
        }
    }
}

async fn serve(config: Config) -> ExitCode {
    if let Err(error) = telemetry::init(
        &config.log_filter,
        config.log_json,
        std::io::stdout().is_terminal(),
        std::io::stdout,
    ) {
        eprintln!("board: {error}");
        return ExitCode::from(1);
    }
    let outcome = async {
        App::build(&config)
            .await?
            .run_until(shutdown_signal())
            .await
    };
    match outcome.await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "board stopped");
            ExitCode::from(1)
        }
    }
}

/// `board admin set-role EMAIL ROLE`: one line and exit 0, or a message and exit 1.
async fn set_role(config: Config, email: &str, role: &str) -> ExitCode {
    let (email, role) = match (Email::parse(email), Role::parse(role)) {
        (Ok(email), Ok(role)) => (email, role),
        (Err(error), _) | (_, Err(error)) => {
            eprintln!("board: {error}");
            return ExitCode::from(1);
        }
    };
    let store = match connect_store(&config).await {
        Ok(store) => store,
        Err(error) => {
            eprintln!("board: {error}");
            return ExitCode::from(1);
        }
    };
    let outcome = set_role_by_email(&store, &email, role).await;
    store.close().await;
    match outcome {
        Ok(user) => {
            println!(
                "{} ({}) is now {}",
                user.email.as_ref(),
                user.id.as_ref(),
                user.role.as_str()
            );
            ExitCode::SUCCESS
        }
        Err(board::service::ServiceError::NotFound) => {
            eprintln!("board: no account has the email {}", email.as_ref());
            ExitCode::from(1)
        }
        Err(board::service::ServiceError::LastAdmin) => {
            eprintln!(
                "board: {} is the last admin: make another admin first",
                email.as_ref()
            );
            ExitCode::from(1)
        }
        Err(error) => {
            eprintln!("board: {error}");
            ExitCode::from(1)
        }
    }
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
