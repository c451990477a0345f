use std::sync::Arc;

use argon2::{Argon2, PasswordHash, PasswordHasher as _, PasswordVerifier as _};
use tokio::sync::Semaphore;
use tracing::Span;

use crate::{domain::Password, error::ApiError};

/// The result of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    Mismatch,
    Match,
    /// Correct, but stored in an older scheme; the caller should store a fresh argon2id hash.
    MatchNeedsRehash,
}

/// argon2id hashing and verification, off the async threads and bounded in how many run at
/// once: each one holds ~19 MiB, so a login flood queues instead of exhausting memory.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Verified against when the user does not exist, so that both paths take as long.
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    pub fn new(max_parallel: usize) -> Self {
        let dummy_hash = Argon2::default()
            .hash_password(b"not a real password; only here for timing")
            .expect("argon2 hashes a fixed input")
            .to_string();
        Self {
            permits: Arc::new(Semaphore::new(max_parallel.max(1))),
            dummy_hash: dummy_hash.into(),
        }
    }

    pub async fn hash(&self, password: &Password) -> Result<String, ApiError> {
        let password = password.expose().to_owned();
        self.run_blocking(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|hash| hash.to_string())
                .map_err(|e| ApiError::internal(format!("argon2 hash failed: {e}")))
        })
        .await?
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is no user,
    /// so that "no such user" and "wrong password" cost the same.
    pub async fn verify(
        &self,
        password: &Password,
        stored: Option<&str>,
    ) -> Result<Verification, ApiError> {
        let password = password.expose().to_owned();
        let (hash, real) = match stored {
            Some(hash) => (hash.to_owned(), true),
            None => (self.dummy_hash.to_string(), false),
        };
        let outcome = self
            .run_blocking(move || verify_stored(password.as_bytes(), &hash))
            .await?;
        Ok(if real {
            outcome
        } else {
            Verification::Mismatch
        })
    }

    async fn run_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| ApiError::internal(format!("hasher closed: {e}")))?;
        let span = Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(work))
            .await
            .map_err(|e| ApiError::internal(format!("hashing task failed: {e}")))
    }
}

fn verify_stored(password: &[u8], stored: &str) -> Verification {
    if stored.starts_with("$argon2") {
        let ok = PasswordHash::new(stored)
            .ok()
            .is_some_and(|hash| Argon2::default().verify_password(password, &hash).is_ok());
        return if ok {
            Verification::Match
        } else {
            Verification::Mismatch
        };
    }
    match super::werkzeug::verify(password, stored) {
        Some(true) => Verification::MatchNeedsRehash,
        Some(false) => Verification::Mismatch,
        None => {
            tracing::warn!("stored password hash is in an unknown scheme");
            Verification::Mismatch
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_never_contain_the_password() {
        let hasher = PasswordHasher::new(2);
        let password = Password::parse("correct horse".into()).unwrap();
        let hash = hasher.hash(&password).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(!hash.contains("correct horse"));
        assert_eq!(
            hasher.verify(&password, Some(&hash)).await.unwrap(),
            Verification::Match
        );
        let wrong = Password::parse("wrong horse".into()).unwrap();
        assert_eq!(
            hasher.verify(&wrong, Some(&hash)).await.unwrap(),
            Verification::Mismatch
        );
        assert_eq!(
            hasher.verify(&password, None).await.unwrap(),
            Verification::Mismatch
        );
        assert_eq!(
            hasher.verify(&password, Some("garbage")).await.unwrap(),
            Verification::Mismatch
        );
    }
}
