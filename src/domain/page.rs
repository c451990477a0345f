use chrono::{DateTime, Utc};

use super::BoardId;
use super::DomainError;

pub const DEFAULT_PER_PAGE: u32 = 20;
pub const MAX_PER_PAGE: u32 = 100;
/// A cursor's timestamp: unix microseconds, at most this many digits (past year 2286).
pub const MAX_CURSOR_MICROS_DIGITS: usize = 16;

/// Where a page of a list starts: by page number (`OFFSET`), or after a cursor (keyset).
/// `C` is the list's cursor: `Cursor` for posts, `ThreadKey` for comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRequest<C = Cursor> {
    Numbered { page: u64, per_page: u32 },
    After { cursor: Option<C>, per_page: u32 },
}

impl PageRequest {
    /// A page of the post list (`per_page` 20 unless given).
    pub fn parse(
        page: Option<i64>,
        per_page: Option<i64>,
        cursor: Option<&str>,
    ) -> Result<Self, DomainError> {
        Self::parse_with(page, per_page, cursor, DEFAULT_PER_PAGE, Cursor::decode)
    }
}

impl<C> PageRequest<C> {
    /// Validates `page` and `per_page` as API.md defines them (`page` ≥ 1, `per_page` 1..=100,
    /// `default_per_page` when absent). A `cursor` (even empty, for the first page) selects
    /// keyset paging and wins over `page`; `decode` reads it.
    pub fn parse_with(
        page: Option<i64>,
        per_page: Option<i64>,
        cursor: Option<&str>,
        default_per_page: u32,
        decode: impl FnOnce(&str) -> Option<C>,
    ) -> Result<Self, DomainError> {
        let per_page = match per_page {
            None => default_per_page,
            Some(n) if (1..=i64::from(MAX_PER_PAGE)).contains(&n) => n as u32,
            Some(_) => {
                return Err(DomainError::PerPage);
            }
        };
        if page.is_some_and(|p| p < 1) {
            return Err(DomainError::Page);
        }
        match (page, cursor) {
            // A cursor names the position exactly; a (valid) `page` is then ignored.
            (_, Some(raw)) => {
                let cursor = if raw.is_empty() {
                    None
                } else {
                    Some(decode(raw).ok_or(DomainError::Cursor)?)
                };
                Ok(Self::After { cursor, per_page })
            }
            (None, None) => Ok(Self::Numbered { page: 1, per_page }),
            (Some(p), None) => Ok(Self::Numbered {
                page: p as u64,
                per_page,
            }),
        }
    }

    pub fn per_page(&self) -> u32 {
        match self {
            Self::Numbered { per_page, .. } | Self::After { per_page, .. } => *per_page,
        }
    }
}

/// The position after the last post of a page: its `created_at` and `id`.
/// Opaque to clients: `<unix micros>_<uuid>`, which is URL-safe as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: DateTime<Utc>,
    pub id: BoardId,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}_{}", self.created_at.timestamp_micros(), self.id)
    }

    pub fn decode(raw: &str) -> Option<Self> {
        let (micros, id) = raw.split_once('_')?;
        if micros.is_empty()
            || !micros.bytes().all(|b| b.is_ascii_digit())
            || micros.len() > MAX_CURSOR_MICROS_DIGITS
        {
            return None;
        }
        let created_at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        Some(Self {
            created_at,
            id: BoardId::parse_position(id)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_page_one_of_twenty() {
        assert_eq!(
            PageRequest::parse(None, None, None).unwrap(),
            PageRequest::Numbered {
                page: 1,
                per_page: 20
            }
        );
    }

    #[test]
    fn bounds_are_enforced() {
        assert!(PageRequest::parse(Some(0), None, None).is_err());
        assert!(PageRequest::parse(Some(-1), None, None).is_err());
        assert!(PageRequest::parse(None, Some(0), None).is_err());
        assert!(PageRequest::parse(None, Some(101), None).is_err());
        assert!(PageRequest::parse(None, Some(100), None).is_ok());
        assert!(PageRequest::parse(Some(i64::MAX), Some(1), None).is_ok());
    }

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let cursor = Cursor {
            created_at: DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap(),
            id: BoardId::new(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor.clone()));
        for bad in ["x", "_", "1_", "-1_x", "abc_def", "99999999999999999_x"] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
        // Any position is a position: the nil id and the epoch too.
        assert!(Cursor::decode("0_00000000-0000-0000-0000-000000000000").is_some());
        assert!(Cursor::decode("9999999999999999_FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF").is_some());
        assert_eq!(
            PageRequest::parse(Some(3), None, Some("")).unwrap(),
            PageRequest::After {
                cursor: None,
                per_page: 20
            }
        );
        assert!(PageRequest::parse(None, None, Some("zz")).is_err());
        assert_eq!(
            PageRequest::parse(None, Some(5), Some("")).unwrap(),
            PageRequest::After {
                cursor: None,
                per_page: 5
            }
        );
    }
}
