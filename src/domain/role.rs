//! What an account may do beyond its own posts (API.md, "Roles and moderation").

use super::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    User,
    Moderator,
    Admin,
}

impl Role {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw {
            "user" => Ok(Self::User),
            "moderator" => Ok(Self::Moderator),
            "admin" => Ok(Self::Admin),
            _ => Err(DomainError::Role),
        }
    }

    /// The stored and written form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Moderator => "moderator",
            Self::Admin => "admin",
        }
    }

    /// A stored value; anything this server did not write reads as the least role.
    pub fn from_stored(raw: &str) -> Self {
        Self::parse(raw).unwrap_or(Self::User)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_back_as_written_and_nothing_else_parses() {
        for role in [Role::User, Role::Moderator, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        for bad in ["", "Admin", "root", " admin"] {
            assert_eq!(Role::parse(bad), Err(DomainError::Role));
        }
        assert_eq!(Role::from_stored("superuser"), Role::User);
    }
}
