use super::DomainError;

/// A post title: 1 to 200 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

pub const MAX_TITLE_CHARS: usize = 200;

impl Title {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let title = raw.trim();
        let chars = title.chars().count();
        if chars == 0 || chars > MAX_TITLE_CHARS {
            return Err(DomainError::TitleLength);
        }
        if title.contains('\0') {
            return Err(DomainError::TitleNul);
        }
        Ok(Self(title.to_string()))
    }

    pub fn from_stored(title: String) -> Self {
        Self(title)
    }
}

impl AsRef<str> for Title {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        assert!(Title::parse(&"가".repeat(200)).is_ok());
        assert!(Title::parse(&"가".repeat(201)).is_err());
    }

    #[test]
    fn trims_and_rejects_blank() {
        assert_eq!(
            Title::parse("  안녕하세요. ").unwrap().as_ref(),
            "안녕하세요."
        );
        assert!(Title::parse("").is_err());
        assert!(Title::parse(" \t\n ").is_err());
        assert!(Title::parse(&format!("  {}  ", "a".repeat(200))).is_ok());
    }

    #[test]
    fn keeps_markup_as_sent() {
        assert_eq!(Title::parse("<b>'x'</b>").unwrap().as_ref(), "<b>'x'</b>");
    }
}
