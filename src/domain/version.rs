//! Versions of posts and comments, for conditional requests: a value that changes whenever
//! the post or comment does; and fingerprints of create requests, for idempotent retries.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::{Board, DomainError, NewBoard};

/// Characters of a version (hex of the first 16 bytes of a SHA-256).
const VERSION_CHARS: usize = 32;

/// Derived from everything a client sees change: the id, the last change and the text.
/// Every write sets `updated_at`, so a version is never reused for another state.
pub(super) fn version_of(id: &str, changed: Option<DateTime<Utc>>, texts: &[&str]) -> String {
    let mut hash = Sha256::new();
    hash.update(id.as_bytes());
    hash.update(b"\0");
    hash.update(changed.map_or(0, |at| at.timestamp_micros()).to_be_bytes());
    for (n, text) in texts.iter().enumerate() {
        if n > 0 {
            hash.update(b"\0");
        }
        hash.update(text.as_bytes());
    }
    hex(&hash.finalize())[..VERSION_CHARS].to_string()
}

/// Tells two requests with the same parts from others (for idempotent retries); parts are
/// NUL-separated, and no part may hold a NUL.
pub(super) fn fingerprint_of(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for (n, part) in parts.iter().enumerate() {
        if n > 0 {
            hash.update(b"\0");
        }
        hash.update(part.as_bytes());
    }
    hex(&hash.finalize())
}

impl Board {
    pub fn version(&self) -> String {
        version_of(
            &self.id.to_db(),
            self.updated_at.or(self.created_at),
            &[self.title.as_ref(), self.content.as_ref()],
        )
    }
}

impl NewBoard {
    pub fn fingerprint(&self) -> String {
        fingerprint_of(&[self.title.as_ref(), self.content.as_ref()])
    }
}

/// A write's condition on the current version (`If-Match`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// Any live post (`*`).
    Exists,
    /// One of these versions.
    OneOf(Vec<String>),
}

impl Precondition {
    pub fn holds_for(&self, version: &str) -> bool {
        match self {
            Self::Exists => true,
            Self::OneOf(versions) => versions.iter().any(|v| v == version),
        }
    }
}

/// An `Idempotency-Key`: 1 to 255 printable ASCII characters, kept as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

pub const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;

impl IdempotencyKey {
    pub fn parse(raw: &[u8]) -> Result<Self, DomainError> {
        let printable = raw.iter().all(|b| (0x20..=0x7e).contains(b));
        if raw.is_empty() || raw.len() > MAX_IDEMPOTENCY_KEY_CHARS || !printable {
            return Err(DomainError::IdempotencyKey);
        }
        Ok(Self(String::from_utf8_lossy(raw).into_owned()))
    }
}

impl AsRef<str> for IdempotencyKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::domain::{BoardId, Content, Title, UserId};

    fn board(updated_at: Option<DateTime<Utc>>, title: &str) -> Board {
        Board {
            id: BoardId::parse("30d112cc-839d-49b1-b36f-86823eb65dca").unwrap(),
            user_id: UserId::new(),
            title: Title::parse(title).unwrap(),
            content: Content::parse("c".into()).unwrap(),
            created_at: DateTime::from_timestamp_micros(1),
            updated_at,
            deleted_at: None,
        }
    }

    #[test]
    fn versions_change_with_the_post() {
        let first = board(None, "t");
        assert_eq!(first.version(), first.version());
        assert_eq!(first.version().len(), VERSION_CHARS);
        assert_ne!(first.version(), board(None, "u").version());
        assert_ne!(
            first.version(),
            board(DateTime::from_timestamp_micros(2), "t").version()
        );
        assert!(Precondition::Exists.holds_for(&first.version()));
        assert!(Precondition::OneOf(vec!["x".into(), first.version()]).holds_for(&first.version()));
        assert!(!Precondition::OneOf(vec!["x".into()]).holds_for(&first.version()));
    }

    #[test]
    fn idempotency_keys_are_1_to_255_printable_ascii() {
        assert!(IdempotencyKey::parse(b"a").is_ok());
        assert!(IdempotencyKey::parse(b"order 42/retry").is_ok());
        assert!(IdempotencyKey::parse(&[b'k'; 255]).is_ok());
        assert!(IdempotencyKey::parse(&[b'k'; 256]).is_err());
        assert!(IdempotencyKey::parse(b"").is_err());
        assert!(IdempotencyKey::parse(b"tab\there").is_err());
        assert!(IdempotencyKey::parse("한".as_bytes()).is_err());
    }
}
