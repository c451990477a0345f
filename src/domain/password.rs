use super::DomainError;

/// A password of 8 to 128 characters. Never logged, never stored, never returned.
#[derive(Clone)]
pub struct Password(String);

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 128;

impl Password {
    pub fn parse(raw: String) -> Result<Self, DomainError> {
        let chars = raw.chars().count();
        if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
            return Err(DomainError::PasswordLength);
        }
        Ok(Self(raw))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_edges_count_characters() {
        assert!(Password::parse("1234567".into()).is_err());
        assert!(Password::parse("12345678".into()).is_ok());
        assert!(Password::parse("a".repeat(128)).is_ok());
        assert!(Password::parse("a".repeat(129)).is_err());
        // Eight Korean characters are 24 bytes but eight characters.
        assert!(Password::parse("비밀번호비밀번호".into()).is_ok());
        assert!(Password::parse("가".repeat(129)).is_err());
    }

    #[test]
    fn debug_hides_the_value() {
        let password = Password::parse("supersecret".into()).unwrap();
        assert!(!format!("{password:?}").contains("supersecret"));
    }
}
