use sha2::{Digest, Sha256};

use super::AuthError;

/// An opaque refresh token: 256 random bits, hex-encoded (URL-safe as it is). The server
/// keeps only `hash()`: a SHA-256 is enough for a secret this long (no argon2 needed).
#[derive(Clone)]
pub struct RefreshToken(String);

/// Bytes of randomness in a refresh token.
const RANDOM_BYTES: usize = 32;

impl RefreshToken {
    pub fn generate() -> Result<Self, AuthError> {
        let mut bytes = [0u8; RANDOM_BYTES];
        getrandom::fill(&mut bytes).map_err(|e| AuthError::internal("random refresh token", e))?;
        Ok(Self(hex(&bytes)))
    }

    /// A token as a client presented it (checked only by looking its hash up).
    pub fn presented(raw: String) -> Self {
        Self(raw)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The stored form: lower-case hex SHA-256.
    pub fn hash(&self) -> String {
        hex(&Sha256::digest(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshToken(****)")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_long_and_stored_only_as_a_hash() {
        let a = RefreshToken::generate().unwrap();
        let b = RefreshToken::generate().unwrap();
        assert_ne!(a.expose(), b.expose());
        assert_eq!(a.expose().len(), 2 * RANDOM_BYTES);
        assert_eq!(a.hash().len(), 64);
        assert_ne!(a.hash(), a.expose());
        assert_eq!(
            RefreshToken::presented(a.expose().to_string()).hash(),
            a.hash()
        );
        assert!(!format!("{a:?}").contains(a.expose()));
    }
}
