//! All SQL lives here, written once for both backends. Nothing here knows about HTTP.
//!
//! Every statement reaches the database through one of three macros, each the single home of
//! its rule:
//! - `read!`: one SELECT; on MySQL on a reader connection (see `readers`: no ping on release,
//!   one retry on a fresh connection), on SQLite on the pool;
//! - `autocommit!`: one write statement on the pool (nothing to leave half-done);
//! - `transaction!`: BEGIN … COMMIT on a task of its own (see `run_to_completion`).
//!
//! The macros exist because the two pools are different types: each arm is compiled for its
//! own backend, so one SQL string (`?` placeholders, no RETURNING) serves both.

pub mod boards;
pub mod comments;
pub mod moderation;
mod readers;
pub mod search;
pub mod sessions;
pub mod users;

use std::{pin::Pin, str::FromStr, sync::Arc, time::Duration};

use sqlx::{
    MySqlPool, SqlitePool,
    migrate::MigrateDatabase,
    mysql::{MySql, MySqlConnectOptions, MySqlPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

use crate::{config::DatabaseUrl, domain::BoardId};
use readers::Readers;

/// The `password` of a deleted account: no hash scheme produces it, so nothing verifies
/// against it. The row itself stays (its posts point at it) with its email replaced by
/// `deleted account <id>`, which no signup can produce (it has spaces and no `@`), so the
/// address is free again.
const DELETED_ACCOUNT: &str = "!deleted";

/// Rows of `board_stats` (see the migrations): a post counts in the one its id picks.
const COUNTER_SHARDS: u8 = 16;

fn counter_shard(id: BoardId) -> i64 {
    i64::from(id.first_byte() % COUNTER_SHARDS)
}

/// The database, chosen once at start. Services never see which one it is.
#[derive(Clone, Debug)]
pub struct Store(Backend);

#[derive(Clone, Debug)]
enum Backend {
    /// The pool serves writes and transactions; `readers` the single-statement reads.
    MySql {
        pool: MySqlPool,
        readers: Arc<Readers>,
    },
    Sqlite(SqlitePool),
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("could not reach the database within {0:?}: {1}")]
    Unreachable(Duration, sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database is down, restarting, or every connection is busy: worth a retry.
    #[error("database unavailable: {0}")]
    Unavailable(sqlx::Error),
    /// MySQL gave up on a statement that waited on another transaction's locks (a deadlock,
    /// 1213, or a lock wait timeout, 1205): its transaction was rolled back and may simply be
    /// run again (see `CONTENTION_TRIES`).
    #[error("lock contention: {0}")]
    Contention(sqlx::Error),
    /// A unique key refused the row (reported only where one key can be the cause).
    #[error("a unique key refused the row")]
    Duplicate,
    /// A stored value this server cannot read back.
    #[error("unreadable stored data: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("a write task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        let lost = match &error {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
            sqlx::Error::Database(db) => {
                matches!(
                    mysql_error_number(&error),
                    Some(1040 | 1053 | 2002 | 2003 | 2006 | 2013)
                ) || matches!(sqlite_code(db.as_ref()).as_deref(), Some("5" | "6"))
            }
            _ => false,
        };
        if lost {
            Self::Unavailable(error)
        } else if matches!(mysql_error_number(&error), Some(1205 | 1213)) {
            Self::Contention(error)
        } else {
            Self::Database(error)
        }
    }
}

/// MySQL's error number (1213: deadlock...). Not `code()`: for MySQL that is the SQLSTATE,
/// which lumps many errors together (1205 and 1040 are both `HY000`).
fn mysql_error_number(error: &sqlx::Error) -> Option<u16> {
    match error {
        sqlx::Error::Database(db) => db
            .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
            .map(sqlx::mysql::MySqlDatabaseError::number),
        _ => None,
    }
}

/// SQLite's result code (5: busy, 6: locked).
fn sqlite_code(db: &dyn sqlx::error::DatabaseError) -> Option<std::borrow::Cow<'_, str>> {
    db.try_downcast_ref::<sqlx::sqlite::SqliteError>()
        .and_then(sqlx::error::DatabaseError::code)
}

/// One read statement: `$statement` uses `$conn` once as its executor and evaluates to
/// `Result<_, sqlx::Error>`. On MySQL it runs on a reader connection, at most twice (see
/// `readers`); on SQLite on the pool. Evaluates to `Result<_, StoreError>`.
macro_rules! read {
    ($store:expr, |$conn:ident| $statement:expr) => {
        match &$store.0 {
            $crate::store::Backend::MySql { readers, .. } => {
                async {
                    let mut lease = readers.lease().await?;
                    loop {
                        let result = {
                            let $conn = lease.connection();
                            $statement
                        };
                        match lease.settle(result).await {
                            Ok(outcome) => return outcome,
                            Err(fresh) => lease = fresh,
                        }
                    }
                }
                .await
            }
            $crate::store::Backend::Sqlite(pool) => {
                let $conn = pool;
                $statement
            }
        }
        .map_err($crate::store::StoreError::from)
    };
}
pub(crate) use read;

/// One write statement in autocommit mode on the pool (`$statement` uses `$pool` as its
/// executor). Evaluates to `Result<_, StoreError>`.
macro_rules! autocommit {
    ($store:expr, |$pool:ident| $statement:expr) => {
        match &$store.0 {
            $crate::store::Backend::MySql { pool: $pool, .. } => $statement,
            $crate::store::Backend::Sqlite($pool) => $statement,
        }
        .map_err($crate::store::StoreError::from)
    };
}
pub(crate) use autocommit;

/// `BEGIN`, `$body` with `$tx` (use `&mut *$tx` as the executor; `?` works on sqlx errors;
/// a `return` leaves early and rolls back), then `COMMIT`, all on a task of its own (see
/// `run_to_completion`). Whatever `$body` uses is moved in, so pass owned values.
/// Evaluates to `Result<_, StoreError>`.
macro_rules! transaction {
    ($store:expr, |$tx:ident| $body:expr) => {{
        let backend = $store.0.clone();
        $crate::store::run_to_completion(Box::pin(async move {
            match &backend {
                $crate::store::Backend::MySql { pool, .. } => {
                    let mut $tx = $crate::store::begin(pool).await?;
                    let outcome = $body;
                    $tx.commit().await?;
                    Ok(outcome)
                }
                $crate::store::Backend::Sqlite(pool) => {
                    let mut $tx = $crate::store::begin(pool).await?;
                    let outcome = $body;
                    $tx.commit().await?;
                    Ok(outcome)
                }
            }
        }))
        .await
    }};
}
pub(crate) use transaction;

/// Runs a transaction on a task of its own, so that dropping the request (the client went
/// away, the request timed out) cannot stop it half-way.
///
/// Workaround for launchbadge/sqlx#2054 (a `begin()` cancelled while `BEGIN` is in flight
/// leaves the pooled connection inside a transaction sqlx does not track; fixed upstream for
/// SQLite only, and still open for MySQL in sqlx 0.9.0, like the Postgres case of
/// transact-rs/sqlx#4393): every later write on that connection joined the transaction,
/// held its row locks and was never committed (found by the benchmark). It can go when the
/// sqlx release in Cargo.lock rolls back a cancelled MySQL `BEGIN`: then
/// `abandoned_writes_leave_no_transaction_open` passes with this function reduced to
/// `transaction.await`.
///
/// Boxed: a transaction's future holds both backends' states (several KiB), and tokio copies
/// a task's whole future when it spawns it and again as the task finishes; behind a box only
/// a pointer moves (callgrind: ~70,000 of a create's ~415,000 instructions).
pub(crate) async fn run_to_completion<T: Send + 'static, F>(
    transaction: Pin<Box<F>>,
) -> Result<T, StoreError>
where
    F: Future<Output = Result<T, StoreError>> + Send + 'static,
{
    tokio::spawn(transaction).await?
}

/// Runs a transaction this many times where concurrent ones can deadlock by design (see
/// `StoreError::Contention`); past it, the caller answers 503 and the client retries.
pub(crate) const CONTENTION_TRIES: usize = 5;

/// Runs `attempt` (a whole transaction or a single statement, which MySQL rolled back when it
/// chose it as a deadlock's victim) again on contention, up to `CONTENTION_TRIES` times.
pub(crate) async fn rerun_on_contention<T, F, Fut>(
    what: &str,
    mut attempt: F,
) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, StoreError>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Err(StoreError::Contention(error)) if tries < CONTENTION_TRIES => {
                tracing::debug!(%error, tries, what, "rolled back by a deadlock; running it again");
            }
            outcome => return outcome,
        }
    }
}

/// Tries to start a transaction this many times when the connection fails before `BEGIN` is
/// answered (nothing has happened then): pooled connections are not pinged before use, so after
/// a database restart each idle one fails once.
const BEGIN_TRIES: usize = 3;

/// `BEGIN` on a pooled connection, on another one when that one is dead.
pub(crate) async fn begin<DB: sqlx::Database>(
    pool: &sqlx::Pool<DB>,
) -> Result<sqlx::Transaction<'static, DB>, sqlx::Error> {
    let mut tries = 0;
    loop {
        tries += 1;
        // Boxed: sqlx's acquire future is several KiB, copied on every move otherwise.
        match Box::pin(pool.begin()).await {
            Err(error) if tries < BEGIN_TRIES && is_lost_connection(&error) => {
                tracing::debug!(%error, "BEGIN on a dead connection; trying another");
            }
            outcome => return outcome,
        }
    }
}

/// The connection broke (as opposed to the database refusing a statement, or the pool being
/// out of connections).
fn is_lost_connection(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Io(_) | sqlx::Error::Protocol(_))
        || matches!(mysql_error_number(error), Some(2006 | 2013))
}

/// How long a request waits for a pooled connection before answering 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);
/// SQLite serialises writes anyway; a few connections serve concurrent reads.
const SQLITE_POOL_SIZE: u32 = 8;

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
                Ok(Self(Backend::MySql {
                    pool,
                    readers: Arc::new(readers),
                }))
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
                    .max_connections(SQLITE_POOL_SIZE)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect_with(options)
                    .await?;
                Ok(Self(Backend::Sqlite(pool)))
            }
        }
    }

    /// Brings the schema up to date; applied versions are recorded, so a second run does nothing.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.0 {
            Backend::MySql { pool, .. } => sqlx::migrate!("./migrations/mysql").run(pool).await?,
            Backend::Sqlite(pool) => sqlx::migrate!("./migrations/sqlite").run(pool).await?,
        }
        Ok(())
    }

    /// One round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        autocommit!(self, |pool| sqlx::query("select 1")
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Database connections open now: (in use, idle), the readers' included.
    pub fn connections(&self) -> (usize, usize) {
        let pool_stats = |size: u32, idle: usize| (size as usize - idle.min(size as usize), idle);
        match &self.0 {
            Backend::MySql { pool, readers } => {
                let (in_use, idle) = pool_stats(pool.size(), pool.num_idle());
                let (leased, idle_readers) = readers.stats();
                (in_use + leased, idle + idle_readers)
            }
            Backend::Sqlite(pool) => pool_stats(pool.size(), pool.num_idle()),
        }
    }

    /// The one statement of the two whose SQL must differ by backend (index hints).
    pub(crate) fn dialect(&self, mysql: &'static str, sqlite: &'static str) -> &'static str {
        match &self.0 {
            Backend::MySql { .. } => mysql,
            Backend::Sqlite(_) => sqlite,
        }
    }

    pub fn is_closed(&self) -> bool {
        match &self.0 {
            Backend::MySql { pool, .. } => pool.is_closed(),
            Backend::Sqlite(pool) => pool.is_closed(),
        }
    }

    pub async fn close(&self) {
        match &self.0 {
            Backend::MySql { pool, readers } => {
                readers.close().await;
                pool.close().await;
            }
            Backend::Sqlite(pool) => pool.close().await,
        }
    }
}
