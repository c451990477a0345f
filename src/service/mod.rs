//! The rules: who may do what, in which order. Takes and returns domain types; no HTTP, no SQL.

pub mod boards;
pub mod comments;
mod login_limit;
pub mod moderation;
pub mod sessions;
pub mod users;

pub use login_limit::LoginLimiter;
pub use sessions::{Caller, Grant};

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, SubsecRound, Utc};

use crate::{
    auth::{AuthError, PasswordHasher, TokenKeys},
    domain::DomainError,
    search::{SearchError, SearchIndex},
    store::{Store, StoreError},
};
use sessions::SessionGate;

/// What the rules need, built once at start. Cheap to clone: everything inside is shared.
#[derive(Clone)]
pub struct Services {
    store: Store,
    search: SearchIndex,
    tokens: Arc<TokenKeys>,
    hasher: PasswordHasher,
    login_limiter: Arc<LoginLimiter>,
    gate: Arc<SessionGate>,
    refresh_ttl: chrono::Duration,
}

/// How busy this instance is, at one instant.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub connections_in_use: usize,
    pub connections_idle: usize,
    pub hash_jobs_waiting: usize,
}

type Source = Box<dyn std::error::Error + Send + Sync>;

/// Why a rule refused, or what went wrong below it. The HTTP layer picks the status.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not authenticated")]
    Unauthorized,
    #[error("unknown email or wrong password")]
    InvalidCredentials,
    #[error("not the author")]
    Forbidden,
    #[error("the caller's role does not allow it")]
    RoleRequired,
    #[error("no such post or comment")]
    NotFound,
    #[error("the parent is not a live top-level comment of the post")]
    InvalidParent,
    #[error("email already exists")]
    EmailTaken,
    #[error("it would leave no admin")]
    LastAdmin,
    #[error("the account is banned")]
    AccountBanned { until: Option<DateTime<Utc>> },
    #[error("{0}")]
    Refused(&'static str),
    #[error("{0}")]
    Invalid(DomainError),
    #[error("unknown, expired or used refresh token")]
    InvalidRefreshToken,
    #[error("wrong password")]
    WrongPassword,
    #[error("the post is not the version the request names")]
    PreconditionFailed,
    #[error("the idempotency key was used with another request")]
    IdempotencyKeyReused,
    #[error("a request with this idempotency key is still being processed")]
    IdempotencyInProgress,
    #[error("too many attempts")]
    TooManyRequests { retry_after: Duration },
    #[error("unavailable: {0}")]
    Unavailable(#[source] Source),
    #[error("internal: {0}")]
    Internal(#[source] Source),
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        match error {
            // Contention: rolled back, so a retry is safe; 503 tells the client so.
            StoreError::Unavailable(_)
            | StoreError::Unreachable(..)
            | StoreError::Contention(_) => Self::Unavailable(error.into()),
            _ => Self::Internal(error.into()),
        }
    }
}

/// Whatever keeps search from answering is worth a retry: the index is catching up, or is
/// being rebuilt after it could not be read (never a 500).
impl From<SearchError> for ServiceError {
    fn from(error: SearchError) -> Self {
        Self::Unavailable(error.into())
    }
}

impl From<AuthError> for ServiceError {
    fn from(error: AuthError) -> Self {
        match error {
            AuthError::InvalidToken => Self::Unauthorized,
            AuthError::Internal(_) => Self::Internal(error.into()),
        }
    }
}

impl Services {
    /// `refresh_ttl`: how long a refresh token (and so an idle session) lives.
    pub fn new(
        store: Store,
        search: SearchIndex,
        tokens: TokenKeys,
        hasher: PasswordHasher,
        login_limiter: LoginLimiter,
        refresh_ttl: Duration,
    ) -> Self {
        Self {
            store,
            search,
            tokens: Arc::new(tokens),
            hasher,
            login_limiter: Arc::new(login_limiter),
            gate: Arc::default(),
            refresh_ttl: chrono::Duration::from_std(refresh_ttl).unwrap_or(chrono::Duration::MAX),
        }
    }

    fn access_ttl(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.tokens.ttl()).unwrap_or(chrono::Duration::MAX)
    }

    /// Figures for the metrics: database connections (in use, idle) and password-hash jobs
    /// waiting.
    pub fn load(&self) -> Load {
        let (connections_in_use, connections_idle) = self.store.connections();
        Load {
            connections_in_use,
            connections_idle,
            hash_jobs_waiting: self.hasher.waiting(),
        }
    }

    /// The database answers and the search index has caught up with it.
    pub async fn ready(&self) -> Result<(), ServiceError> {
        self.store.ping().await?;
        if !self.search.is_ready() {
            return Err(SearchError::NotReady.into());
        }
        Ok(())
    }

    /// Starts the periodic clean-ups, every `interval` until the store is closed. Every
    /// instance runs them; they are idempotent.
    pub fn spawn_housekeeping(&self, interval: Duration) {
        let services = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(interval);
            loop {
                tick.tick().await;
                if services.store.is_closed() {
                    break;
                }
                services.login_limiter.forget_idle();
                sessions::remove_expired(&services).await;
                boards::remove_expired_keys(&services).await;
                boards::forget_old_search_changes(&services).await;
            }
        });
    }
}

/// Timestamps are stored with microseconds (MySQL `DATETIME(6)`); truncate now so that what we
/// return equals what a later read returns.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
