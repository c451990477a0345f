//! MySQL connections for single-statement reads (GET one, the list, the count, user lookups).
//!
//! Workaround: sqlx's pool pings every connection when it is handed back
//! (`Floating::return_to_pool`; `test_before_acquire(false)` turns off only the ping on
//! acquire, see launchbadge/sqlx#1743), a second round trip per query that is there to
//! flush rollbacks of abandoned transactions. It can go when sqlx lets a pool skip that
//! ping (or skips it for connections with nothing to flush); then `read!` can use the pool
//! and GET one must stay as fast in `bench/run.sh`.
//! A single SELECT leaves nothing to flush, so these connections skip it: a connection goes back to the
//! idle list only after its statement succeeded; one whose request was cancelled half-way,
//! or whose statement failed, is dropped instead. Reads are idempotent, so a read that fails on a
//! reused connection (the server closed it while idle, or restarted) is tried once more on
//! a new one.

use std::{sync::Mutex, time::Duration};

use sqlx::{
    Connection,
    mysql::{MySqlConnectOptions, MySqlConnection},
};
use tokio::sync::{Semaphore, SemaphorePermit};

pub struct Readers {
    options: MySqlConnectOptions,
    idle: Mutex<Vec<MySqlConnection>>,
    /// At most this many reads at once (and so connections open).
    permits: Semaphore,
    size: usize,
    acquire_timeout: Duration,
}

impl std::fmt::Debug for Readers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Readers")
            .field("available", &self.permits.available_permits())
            .finish_non_exhaustive()
    }
}

impl Readers {
    pub fn new(options: MySqlConnectOptions, size: u32, acquire_timeout: Duration) -> Self {
        Self {
            options,
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(size as usize),
            size: size as usize,
            acquire_timeout,
        }
    }

    /// A connection for one read: an idle one when there is one, else a new one.
    pub async fn lease(&self) -> Result<Lease<'_>, sqlx::Error> {
        let permit = tokio::time::timeout(self.acquire_timeout, self.permits.acquire())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.idle.lock().map(|mut idle| idle.pop()).ok().flatten();
        let (connection, reused) = match idle {
            Some(connection) => (connection, true),
            None => (self.connect().await?, false),
        };
        Ok(Lease {
            readers: self,
            connection,
            reused,
            _permit: permit,
        })
    }

    /// (leased, idle) connections.
    pub fn stats(&self) -> (usize, usize) {
        let idle = self.idle.lock().map_or(0, |idle| idle.len());
        (self.size - self.permits.available_permits(), idle)
    }

    /// Closes the idle connections; reads still running drop theirs when done.
    pub async fn close(&self) {
        self.permits.close();
        let idle = self.idle.lock().map(|mut idle| std::mem::take(&mut *idle));
        for connection in idle.unwrap_or_default() {
            let _ = connection.close().await;
        }
    }

    async fn connect(&self) -> Result<MySqlConnection, sqlx::Error> {
        tokio::time::timeout(
            self.acquire_timeout,
            MySqlConnection::connect_with(&self.options),
        )
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)?
    }

    fn put_back(&self, connection: MySqlConnection) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.push(connection);
        }
    }
}

/// One connection lent to one read. Dropping the lease (the request was cancelled) drops
/// the connection with it, so a half-read connection is never lent again.
pub struct Lease<'a> {
    readers: &'a Readers,
    connection: MySqlConnection,
    reused: bool,
    _permit: SemaphorePermit<'a>,
}

impl<'a> Lease<'a> {
    pub fn connection(&mut self) -> &mut MySqlConnection {
        &mut self.connection
    }

    /// The read's outcome (`Ok`), after which the connection is back in the idle list if the
    /// read succeeded; or, when a reused connection failed as a connection, a new lease to
    /// run the read again (`Err`).
    pub async fn settle<T>(
        self,
        result: Result<T, sqlx::Error>,
    ) -> Result<Result<T, sqlx::Error>, Lease<'a>> {
        let Lease {
            readers,
            connection,
            reused,
            _permit,
        } = self;
        match result {
            Ok(value) => {
                readers.put_back(connection);
                Ok(Ok(value))
            }
            // Either way this connection is dropped, not lent again.
            Err(error) if !reused || !is_connection_error(&error) => Ok(Err(error)),
            Err(_) => match readers.connect().await {
                Ok(connection) => Err(Lease {
                    readers,
                    connection,
                    reused: false,
                    _permit,
                }),
                Err(error) => Ok(Err(error)),
            },
        }
    }
}

/// The connection may be unusable (as opposed to the statement being refused).
fn is_connection_error(error: &sqlx::Error) -> bool {
    !matches!(
        error,
        sqlx::Error::Database(_)
            | sqlx::Error::RowNotFound
            | sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::Decode(_)
    )
}
