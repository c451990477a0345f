use super::DomainError;

/// A normalised (trimmed, lower-cased) email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

pub const MAX_EMAIL_CHARS: usize = 254;

impl Email {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let email = raw.trim().to_lowercase();
        let invalid = DomainError::Email;
        if email.is_empty() || email.chars().count() > MAX_EMAIL_CHARS {
            return Err(invalid);
        }
        if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid);
        }
        let mut parts = email.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid);
        };
        let domain_ok = domain
            .split_once('.')
            .is_some_and(|(head, tail)| !head.is_empty() && !tail.is_empty())
            && !domain.ends_with('.');
        if local.is_empty() || !domain_ok {
            return Err(invalid);
        }
        Ok(Self(email))
    }

    /// Wraps an address read back from the database (already normalised when stored).
    pub fn from_stored(email: String) -> Self {
        Self(email)
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_space() {
        assert_eq!(
            Email::parse("  Test@Test.COM ").unwrap().as_ref(),
            "test@test.com"
        );
    }

    #[test]
    fn accepts_plain_addresses() {
        for ok in [
            "a@b.c",
            "first.last+tag@sub.example.co.kr",
            "한글@예시.한국",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_malformed_addresses() {
        for bad in [
            "",
            "   ",
            "plain",
            "@b.c",
            "a@",
            "a@b",
            "a@@b.c",
            "a@b@c.d",
            "a b@c.d",
            "a@.com",
            "a@b.",
            "a@b\t.c",
            "a\u{0}@b.c",
        ] {
            assert!(
                matches!(Email::parse(bad), Err(DomainError::Email)),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn length_limit_is_254_characters() {
        let local = "a".repeat(MAX_EMAIL_CHARS - "@b.co".len());
        assert!(Email::parse(&format!("{local}@b.co")).is_ok());
        assert!(Email::parse(&format!("{local}a@b.co")).is_err());
    }
}
