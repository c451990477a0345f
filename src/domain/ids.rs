use uuid::Uuid;

/// Parses the canonical hyphenated form only (`8-4-4-4-12` hex digits, any case). Other
/// spellings (braces, URNs, no hyphens) would alias stored ids.
pub(super) fn parse_canonical(raw: &str) -> Option<Uuid> {
    if raw.len() != 36 {
        return None;
    }
    Uuid::try_parse(raw).ok()
}

/// The id of a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BoardId(Uuid);

impl BoardId {
    pub fn new() -> Self {
        Self(Uuid::new_v4())
    }

    /// `None` for anything that is not a post id; callers answer "not found".
    pub fn parse(raw: &str) -> Option<Self> {
        parse_canonical(raw).filter(|id| !id.is_nil()).map(Self)
    }

    /// A position in the list (from a cursor): any canonical UUID, the nil one included.
    pub fn parse_position(raw: &str) -> Option<Self> {
        parse_canonical(raw).map(Self)
    }

    /// A byte of the (random) id, for spreading posts over counter rows.
    pub fn first_byte(self) -> u8 {
        self.0.as_bytes()[0]
    }

    /// The stored form: lower-case hyphenated, as the original service wrote it.
    pub fn to_db(self) -> String {
        self.0.hyphenated().to_string()
    }

    /// As a number that sorts as the stored form does (big-endian bytes, lower-case hex).
    pub fn as_u128(self) -> u128 {
        self.0.as_u128()
    }

    pub fn from_u128(value: u128) -> Self {
        Self(Uuid::from_u128(value))
    }
}

impl Default for BoardId {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for BoardId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// The id of a login session (the access token's `sid`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionId(Uuid);

impl SessionId {
    pub fn new() -> Self {
        Self(Uuid::new_v4())
    }

    pub fn parse(raw: &str) -> Option<Self> {
        parse_canonical(raw).map(Self)
    }

    pub fn to_db(self) -> String {
        self.0.hyphenated().to_string()
    }
}

impl Default for SessionId {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// The id of a user, as stored (`VARCHAR(50)`); new users get a UUID v4.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserId(String);

impl UserId {
    pub fn new() -> Self {
        Self(Uuid::new_v4().hyphenated().to_string())
    }

    /// A user id as a client names one (`userId`): a UUID in its canonical form, any case;
    /// stored ids are lower case.
    pub fn parse_uuid(raw: &str) -> Option<Self> {
        parse_canonical(raw).map(|id| Self(id.hyphenated().to_string()))
    }

    /// From a token's `sub` or a row: any non-empty id of at most 50 characters.
    pub fn parse(raw: &str) -> Option<Self> {
        (!raw.is_empty() && raw.len() <= 50).then(|| Self(raw.to_string()))
    }

    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }
}

impl Default for UserId {
    fn default() -> Self {
        Self::new()
    }
}

impl AsRef<str> for UserId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn board_ids_must_be_canonical_and_not_nil() {
        let id = BoardId::new();
        assert_eq!(BoardId::parse(&id.to_string()), Some(id));
        assert_eq!(BoardId::parse(&id.to_string().to_uppercase()), Some(id));
        for bad in [
            "",
            "abc",
            "00000000-0000-0000-0000-000000000000",
            "30d112cc839d49b1b36f86823eb65dca",
            "{30d112cc-839d-49b1-b36f-86823eb65dca}",
            "30d112cc-839d-49b1-b36f-86823eb65dc%",
            "../../etc/passwd",
        ] {
            assert_eq!(BoardId::parse(bad), None, "{bad}");
        }
    }
}
