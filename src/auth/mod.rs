//! Password hashing, access tokens, and the extractor that guards writes.

mod extractor;
mod jwt;
mod password;
mod werkzeug;

pub use extractor::AuthUser;
pub use jwt::{Claims, TokenKeys};
pub use password::{PasswordHasher, Verification};

/// Compares without an early exit, so that timing tells nothing about where bytes differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
