//! Password hashing, access tokens, and the extractor that guards writes.

mod extractor;
mod jwt;
mod password;
mod werkzeug;

pub use extractor::AuthUser;
pub use jwt::{Claims, TokenKeys};
pub use password::{PasswordHasher, Verification};
