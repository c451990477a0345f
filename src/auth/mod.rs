//! Password hashing and access tokens. No HTTP here: the extractor that reads the bearer
//! token lives in `http`.

mod jwt;
mod password;
mod refresh;
mod werkzeug;

pub use jwt::{Claims, TokenKeys, VerifiedToken};
pub use password::{PasswordHasher, Verification};
pub use refresh::RefreshToken;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Any defect of a presented token: callers answer "unauthorized", never why.
    #[error("the token was rejected")]
    InvalidToken,
    /// Signing, hashing or the blocking pool failed: a server fault.
    #[error("{0}")]
    Internal(String),
}

impl AuthError {
    fn internal(what: &str, error: impl std::fmt::Display) -> Self {
        Self::Internal(format!("{what}: {error}"))
    }
}

/// Compares without an early exit, so that timing tells nothing about where bytes differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
