//! All SQL lives here, written once for both backends. Nothing here knows about HTTP.

pub mod boards;
mod readers;
pub mod users;

use std::{str::FromStr, sync::Arc, time::Duration};

use sqlx::{
    MySqlPool, SqlitePool,
    migrate::MigrateDatabase,
    mysql::{MySql, MySqlConnectOptions, MySqlPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

use crate::config::DatabaseUrl;
use readers::Readers;

/// The database, chosen once at start. Handlers and services never see which one it is.
#[derive(Clone, Debug)]
pub enum Store {
    /// The pool serves writes and transactions; `Readers` the single-statement reads.
    MySql(MySqlPool, Arc<Readers>),
    Sqlite(SqlitePool),
}

/// Runs the same code against whichever pool the store holds. Each arm is compiled for
/// its own backend, so one SQL string serves both (`?` placeholders, no RETURNING).
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match $store {
            $crate::store::Store::MySql($pool, _) => $body,
            $crate::store::Store::Sqlite($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Like `on_pool!`, for one read statement (`$body` uses `$conn` once as its executor and
/// evaluates to `Result<_, sqlx::Error>`): on MySQL it runs on a reader connection (see
/// `readers`), at most twice; on SQLite on the pool.
macro_rules! on_reader {
    ($store:expr, $conn:ident => $body:expr) => {
        match $store {
            $crate::store::Store::MySql(_, readers) => 'read: {
                let mut lease = match readers.lease().await {
                    Ok(lease) => lease,
                    Err(error) => break 'read Err(error),
                };
                loop {
                    let result = {
                        let $conn = lease.connection();
                        $body
                    };
                    match lease.settle(result).await {
                        Ok(outcome) => break 'read outcome,
                        Err(retry) => lease = retry,
                    }
                }
            }
            $crate::store::Store::Sqlite($conn) => $body,
        }
    };
}
pub(crate) use on_reader;

/// Runs a transaction on a task of its own, so that dropping the request (the client went
/// away, the request timed out) cannot stop it half-way. sqlx loses track of a transaction
/// whose `BEGIN` was in flight when its future was dropped: the connection went back to the
/// pool inside an open transaction, every later write on it joined that transaction, held
/// its row locks and was never committed (found by the benchmark: updates slowed to a crawl
/// after a create run that wrk cut off mid-request).
pub(crate) async fn run_to_completion<T: Send + 'static>(
    transaction: impl Future<Output = Result<T, crate::error::ApiError>> + Send + 'static,
) -> Result<T, crate::error::ApiError> {
    tokio::spawn(transaction)
        .await
        .map_err(crate::error::ApiError::internal)?
}

/// How long a request waits for a pooled connection before answering 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("could not reach the database within {0:?}: {1}")]
    Unreachable(Duration, sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
}

impl Store {
    /// Connects, retrying with exponential backoff until `give_up_after` has passed, logging
    /// every failed try. A MySQL database that does not exist yet is created.
    /// `pool_size` bounds the MySQL pool (SQLite's is fixed: its writes are serial anyway).
    pub async fn connect(
        url: &DatabaseUrl,
        pool_size: u32,
        give_up_after: Duration,
    ) -> Result<Self, StoreError> {
        let started = tokio::time::Instant::now();
        let mut delay = Duration::from_millis(100);
        let mut attempt = 1u32;
        loop {
            match Self::connect_once(url, pool_size).await {
                Ok(store) => {
                    tracing::info!(attempt, database = ?url, "connected to the database");
                    return Ok(store);
                }
                Err(error) if started.elapsed() + delay < give_up_after => {
                    tracing::warn!(attempt, %error, retry_in_ms = delay.as_millis() as u64,
                        "database not reachable yet");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                    attempt += 1;
                }
                Err(error) => return Err(StoreError::Unreachable(give_up_after, error)),
            }
        }
    }

    async fn connect_once(url: &DatabaseUrl, pool_size: u32) -> Result<Self, sqlx::Error> {
        match url {
            DatabaseUrl::MySql(url) => {
                let options = MySqlConnectOptions::from_str(url)?;
                if !MySql::database_exists(url).await? {
                    tracing::info!("creating the MySQL database, which did not exist");
                    MySql::create_database(url).await?;
                }
                let readers = Readers::new(options.clone(), pool_size, ACQUIRE_TIMEOUT);
                let pool = MySqlPoolOptions::new()
                    .max_connections(pool_size)
                    .min_connections(1)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    // A ping before every query doubles the round trips; a connection that
                    // died (database restart) fails its query once (503) and is dropped.
                    .test_before_acquire(false)
                    .connect_with(options)
                    .await?;
                Ok(Self::MySql(pool, Arc::new(readers)))
            }
            DatabaseUrl::Sqlite(url) => {
                let options = SqliteConnectOptions::from_str(url)?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // WAL + NORMAL loses nothing when the process dies, only on power loss.
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5));
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_with(options)
                    .await?;
                Ok(Self::Sqlite(pool))
            }
        }
    }

    /// Brings the schema up to date; applied versions are recorded, so a second run does nothing.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self {
            Self::MySql(pool, _) => sqlx::migrate!("./migrations/mysql").run(pool).await?,
            Self::Sqlite(pool) => sqlx::migrate!("./migrations/sqlite").run(pool).await?,
        }
        Ok(())
    }

    /// One round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_pool!(self, pool => sqlx::query("select 1").execute(pool).await.map(|_| ()))
    }

    pub async fn close(&self) {
        if let Self::MySql(_, readers) = self {
            readers.close().await;
        }
        on_pool!(self, pool => pool.close().await)
    }
}
