use std::sync::{
    Arc, Mutex,
    atomic::{AtomicUsize, Ordering},
};

use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, Version,
    password_hash::phc::{Output, ParamsString, Salt},
};
use tokio::sync::Semaphore;
use tracing::Span;

use super::AuthError;
use crate::domain::Password;

/// The result of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    Mismatch,
    Match,
    /// Correct, but stored in an older scheme; the caller should store a fresh argon2id hash.
    MatchNeedsRehash,
}

/// argon2id hashing and verification, off the async threads and bounded in how many run at
/// once. Each run needs ~19 MiB of work memory: those buffers are allocated once per permit
/// and reused, because allocating them per login lets the C allocator keep hundreds of MiB
/// under a login flood.
#[derive(Clone)]
pub struct PasswordHasher {
    permits: Arc<Semaphore>,
    /// Jobs waiting for a permit (for the metrics).
    waiting: Arc<AtomicUsize>,
    buffers: Arc<Mutex<Vec<Vec<Block>>>>,
    /// Verified against when the user does not exist, so that both paths take as long.
    dummy_hash: Arc<str>,
}

/// An argon2id hash (default parameters) of a password nobody has; verifying against it costs
/// what a real verification costs.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$mt4Bh6Xr3zZJ5WVlf3mH4P5MvGtFgd5AbsJ1zBmuhWc";

impl PasswordHasher {
    pub fn new(max_parallel: usize) -> Self {
        let max_parallel = max_parallel.max(1);
        Self {
            permits: Arc::new(Semaphore::new(max_parallel)),
            waiting: Arc::default(),
            // Filled on first use, so that an idle server holds no work memory.
            buffers: Arc::new(Mutex::new(Vec::with_capacity(max_parallel))),
            dummy_hash: Arc::from(DUMMY_HASH),
        }
    }

    /// Hash or verify jobs waiting for their turn now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Relaxed)
    }

    pub async fn hash(&self, password: &Password) -> Result<String, AuthError> {
        let password = password.expose().to_owned();
        self.run_blocking(move |memory| hash_with(password.as_bytes(), memory))
            .await?
    }

    /// Checks `password` against `stored`, or against the dummy hash when there is no user,
    /// so that "no such user" and "wrong password" cost the same.
    pub async fn verify(
        &self,
        password: &Password,
        stored: Option<&str>,
    ) -> Result<Verification, AuthError> {
        let password = password.expose().to_owned();
        let (hash, real) = match stored {
            Some(hash) => (hash.to_owned(), true),
            None => (self.dummy_hash.to_string(), false),
        };
        let outcome = self
            .run_blocking(move |memory| verify_stored(password.as_bytes(), &hash, memory))
            .await?;
        Ok(if real {
            outcome
        } else {
            Verification::Mismatch
        })
    }

    /// Runs `work` on the blocking pool with one permit and one reusable work buffer.
    async fn run_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
    ) -> Result<T, AuthError> {
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let permit = self.permits.acquire().await;
        self.waiting.fetch_sub(1, Ordering::Relaxed);
        let _permit = permit.map_err(|e| AuthError::internal("hasher closed", e))?;
        let span = Span::current();
        let hasher = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut memory = hasher.take_buffer();
            let result = span.in_scope(|| work(&mut memory));
            hasher.put_buffer(memory);
            result
        })
        .await
        .map_err(|e| AuthError::internal("hashing task failed", e))
    }

    /// A pooled buffer, or a new one while fewer than one per permit exist.
    fn take_buffer(&self) -> Vec<Block> {
        let pooled = self
            .buffers
            .lock()
            .map(|mut pool| pool.pop())
            .unwrap_or(None);
        pooled.unwrap_or_else(|| vec![Block::default(); Params::DEFAULT.block_count()])
    }

    fn put_buffer(&self, buffer: Vec<Block>) {
        if let Ok(mut pool) = self.buffers.lock() {
            pool.push(buffer);
        }
    }
}

/// A PHC string `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` with a fresh random salt.
fn hash_with(password: &[u8], memory: &mut Vec<Block>) -> Result<String, AuthError> {
    let fail = |e: &dyn std::fmt::Display| AuthError::internal("argon2 hash failed", e);
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| fail(&e))?;
    let params = Params::DEFAULT;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    argon2_into(
        password,
        &salt,
        &params,
        Algorithm::Argon2id,
        Version::V0x13,
        &mut out,
        memory,
    )
    .map_err(|e| fail(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| fail(&e))?,
        salt: Some(Salt::new(&salt).map_err(|e| fail(&e))?),
        hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
    };
    Ok(phc.to_string())
}

fn argon2_into(
    password: &[u8],
    salt: &[u8],
    params: &Params,
    algorithm: Algorithm,
    version: Version,
    out: &mut [u8],
    memory: &mut Vec<Block>,
) -> argon2::Result<()> {
    let blocks = params.block_count();
    if memory.len() < blocks {
        // A stored hash with more memory than ours: grow this buffer (kept for reuse).
        memory.resize(blocks, Block::default());
    }
    Argon2::new(algorithm, version, params.clone()).hash_password_into_with_memory(
        password,
        salt,
        out,
        &mut memory[..blocks],
    )
}

fn verify_stored(password: &[u8], stored: &str, memory: &mut Vec<Block>) -> Verification {
    if stored.starts_with("$argon2") {
        return if verify_argon2(password, stored, memory) {
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

/// Recomputes the stored argon2 hash with its own parameters and salt, in `memory`.
fn verify_argon2(password: &[u8], stored: &str, memory: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm.as_str()),
        Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    // More than 1 GiB of work memory is not a hash this server or Werkzeug ever wrote.
    if params.m_cost() > 1024 * 1024 {
        return false;
    }
    let version = parsed
        .version
        .and_then(|v| Version::try_from(v).ok())
        .unwrap_or(Version::V0x13);
    let mut out = vec![0u8; expected.len()];
    argon2_into(
        password,
        salt.as_ref(),
        &params,
        algorithm,
        version,
        &mut out,
        memory,
    )
    .is_ok()
        && super::constant_time_eq(&out, expected.as_bytes())
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
        // The dummy is a well-formed hash with the same cost as real ones.
        let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
        assert_eq!(
            Params::try_from(&dummy).unwrap().block_count(),
            Params::DEFAULT.block_count()
        );
        assert_eq!(
            dummy.params.to_string(),
            PasswordHash::new(&hash).unwrap().params.to_string()
        );
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

    #[test]
    fn hashes_are_standard_argon2id_phc_strings() {
        use argon2::{PasswordHasher as _, PasswordVerifier as _};
        let mut memory = Vec::new();
        let standard = Argon2::default()
            .hash_password(b"compat password")
            .unwrap()
            .to_string();
        assert_eq!(
            verify_stored(b"compat password", &standard, &mut memory),
            Verification::Match
        );
        assert_eq!(
            verify_stored(b"other password", &standard, &mut memory),
            Verification::Mismatch
        );
        let ours = hash_with(b"compat password", &mut memory).unwrap();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"compat password", &parsed)
                .is_ok()
        );
        // Two hashes of one password differ (fresh salts).
        assert_ne!(ours, hash_with(b"compat password", &mut memory).unwrap());
    }
}
