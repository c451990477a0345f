use super::DomainError;

/// Post content: 1 to 65,535 bytes of UTF-8 (what a MySQL `TEXT` column holds), kept as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content(String);

pub const MAX_CONTENT_BYTES: usize = 65_535;

impl Content {
    pub fn parse(raw: String) -> Result<Self, DomainError> {
        if raw.is_empty() || raw.len() > MAX_CONTENT_BYTES {
            return Err(DomainError::ContentLength);
        }
        if raw.contains('\0') {
            return Err(DomainError::ContentNul);
        }
        Ok(Self(raw))
    }

    pub fn from_stored(content: String) -> Self {
        Self(content)
    }
}

impl AsRef<str> for Content {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_bytes() {
        assert!(Content::parse("a".repeat(65_535)).is_ok());
        assert!(Content::parse("a".repeat(65_536)).is_err());
        // 21,845 Korean characters are 65,535 bytes; one more is over.
        assert!(Content::parse("가".repeat(21_845)).is_ok());
        assert!(Content::parse("가".repeat(21_846)).is_err());
        assert!(Content::parse(String::new()).is_err());
    }

    #[test]
    fn whitespace_only_content_is_kept() {
        assert_eq!(Content::parse(" ".into()).unwrap().as_ref(), " ");
    }
}
