//! The rules: who may do what, in which order. Takes and returns domain types; no HTTP, no SQL.

pub mod boards;
mod login_limit;
pub mod users;

pub use login_limit::LoginLimiter;

use std::{sync::Arc, time::Duration};

use chrono::{DateTime, SubsecRound, Utc};

use crate::{
    auth::{AuthError, PasswordHasher, TokenKeys},
    domain::UserId,
    store::{Store, StoreError},
};

/// What the rules need, built once at start. Cheap to clone: everything inside is shared.
#[derive(Clone)]
pub struct Services {
    store: Store,
    tokens: Arc<TokenKeys>,
    hasher: PasswordHasher,
    login_limiter: Arc<LoginLimiter>,
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
    #[error("no such post")]
    NotFound,
    #[error("email already exists")]
    EmailTaken,
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
            StoreError::Unavailable(_) | StoreError::Unreachable(..) => {
                Self::Unavailable(error.into())
            }
            _ => Self::Internal(error.into()),
        }
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
    pub fn new(
        store: Store,
        tokens: TokenKeys,
        hasher: PasswordHasher,
        login_limiter: LoginLimiter,
    ) -> Self {
        Self {
            store,
            tokens: Arc::new(tokens),
            hasher,
            login_limiter: Arc::new(login_limiter),
        }
    }

    /// The user a bearer token speaks for. Whether that user still exists is left to the
    /// write (see `boards::find_own`), which proves it for free on success.
    pub fn authenticate(&self, token: &str) -> Result<UserId, ServiceError> {
        Ok(self.tokens.verify(token)?)
    }

    /// The database answers.
    pub async fn ready(&self) -> Result<(), ServiceError> {
        Ok(self.store.ping().await?)
    }

    /// Starts the periodic clean-ups, each for as long as these services live.
    pub fn spawn_housekeeping(&self) {
        let limiter = Arc::downgrade(&self.login_limiter);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                // Drops rate-limiter keys that are idle again.
                match limiter.upgrade() {
                    Some(limiter) => limiter.forget_idle(),
                    None => break,
                }
            }
        });
    }
}

/// Timestamps are stored with microseconds (MySQL `DATETIME(6)`); truncate now so that what we
/// return equals what a later read returns.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
