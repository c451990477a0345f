//! The one wiring of the application, shared by `main` and the tests: connect and migrate,
//! build the services and the router, bind the listener; then serve until told to stop.

use std::{io, net::SocketAddr, time::Duration};

use axum::Router;
use tokio::net::TcpListener;

use crate::{
    auth::{PasswordHasher, TokenKeys},
    config::Config,
    http::{self, HttpSettings},
    search::{SearchError, SearchIndex},
    service::{LoginLimiter, Services},
    store::{Store, StoreError},
};

/// How long in-flight requests get to finish after the stop signal.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(25);

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error("cannot listen on {address}: {source}")]
    Bind {
        address: SocketAddr,
        source: io::Error,
    },
    #[error("serving failed: {0}")]
    Serve(#[from] io::Error),
    #[error("the server task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// The configured database, connected and migrated: what the server and `board admin` use.
pub async fn connect_store(config: &Config) -> Result<Store, StartupError> {
    let store = Store::connect(
        &config.database,
        config.db_pool_size,
        config.db_connect_timeout,
    )
    .await?;
    store.migrate().await?;
    Ok(store)
}

/// A built application: connected, migrated and listening, not yet serving.
pub struct App {
    listener: TcpListener,
    router: Router,
    store: Store,
    request_timeout: Duration,
}

impl App {
    pub async fn build(config: &Config) -> Result<Self, StartupError> {
        if config.jwt_secret_generated {
            tracing::warn!(
                "JWT_SECRET_KEY is not set: using a random key, so tokens stop working when the server restarts"
            );
        }
        let store = connect_store(config).await?;
        let search = SearchIndex::start(
            &config.search_index_dir,
            config.search_cache_mib * 1024 * 1024,
            store.clone(),
        )
        .await?;

        // Each argon2 run holds ~19 MiB: allow one per core, queue the rest.
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let services = Services::new(
            store.clone(),
            search,
            TokenKeys::new(&config.jwt_secret, config.token_ttl),
            PasswordHasher::new(cores),
            LoginLimiter::new(config.login_rate_per_minute),
            config.refresh_token_ttl,
        );
        services.spawn_housekeeping(config.housekeeping_interval);
        let router = http::router(
            services,
            HttpSettings {
                trusted_proxies: config.trusted_proxies.clone(),
                cors_origins: config.cors_origins.clone(),
                request_timeout: config.request_timeout,
                metrics: config.metrics_enabled,
            },
        );

        let address = SocketAddr::new(config.host, config.port);
        let listener = TcpListener::bind(address)
            .await
            .map_err(|source| StartupError::Bind { address, source })?;
        Ok(Self {
            listener,
            router,
            store,
            request_timeout: config.request_timeout,
        })
    }

    /// Where the app listens (the real port when the configuration asked for port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The app's database handle (the tests close it to stage an outage).
    pub fn store(&self) -> Store {
        self.store.clone()
    }

    /// Serves until `shutdown` resolves; then stops accepting, gives in-flight requests
    /// `SHUTDOWN_GRACE` to finish, and closes the database connections.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartupError> {
        if let Ok(address) = self.local_addr() {
            tracing::info!(%address, "listening; Swagger UI at /swagger-ui/");
        }
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        // A client gets the request timeout to send its request head, as it does for the body.
        let server = tokio::spawn(http::server::serve(
            self.listener,
            self.router,
            self.request_timeout,
            async {
                let _ = stop_rx.await;
            },
        ));
        shutdown.await;
        tracing::info!("shutting down: finishing in-flight requests");
        let _ = stop_tx.send(());
        match tokio::time::timeout(SHUTDOWN_GRACE, server).await {
            Ok(result) => result??,
            Err(_) => tracing::warn!("grace period over; dropping the remaining connections"),
        }
        self.store.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}
