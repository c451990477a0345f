//! Moderation's vocabulary: what was done (`AuditAction`) to what (`TargetKind`), why
//! (`Reason`), and the entries of the audit log.

use chrono::{DateTime, Utc};

use super::{DomainError, UserId};

/// What was done. Stored by `as_str`; the log keeps every entry it was ever given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    RoleChange,
    Ban,
    Unban,
    Hide,
    Restore,
    Resolve,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RoleChange => "role_change",
            Self::Ban => "ban",
            Self::Unban => "unban",
            Self::Hide => "hide",
            Self::Restore => "restore",
            Self::Resolve => "resolve",
        }
    }
}

/// What a moderator acts on, or a user reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    User,
    Board,
    Comment,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Board => "board",
            Self::Comment => "comment",
        }
    }

    pub fn from_stored(raw: &str) -> Self {
        match raw {
            "board" => Self::Board,
            "comment" => Self::Comment,
            _ => Self::User,
        }
    }
}

/// Why: 1 to `MAX_REASON_CHARS` characters after trimming, no NUL (a ban, a hide, a report,
/// a resolution's note).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason(String);

pub const MAX_REASON_CHARS: usize = 500;

impl Reason {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let text = raw.trim();
        let chars = text.chars().count();
        if chars == 0 || chars > MAX_REASON_CHARS || text.contains('\0') {
            return Err(DomainError::Reason);
        }
        Ok(Self(text.to_string()))
    }

    pub fn from_stored(text: String) -> Self {
        Self(text)
    }
}

impl AsRef<str> for Reason {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// Its place in the log (newest highest): the cursor of the list.
    pub seq: i64,
    /// `None`: the command line.
    pub actor: Option<UserId>,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub reason: Option<String>,
    /// What changed, e.g. `user → admin`.
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

/// Entries per page of the audit list.
pub const AUDIT_PAGE: u32 = 50;

/// Who hid a post or comment, when and why; moderators see it on the hidden item.
#[derive(Debug, Clone)]
pub struct Hidden {
    pub at: DateTime<Utc>,
    pub by: UserId,
    pub reason: Reason,
}

/// A ban in force: login is refused until `until` (`None`: until lifted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ban {
    pub until: Option<DateTime<Utc>>,
}

impl Ban {
    /// Whether it still refuses login at `now` (an expired ban needs nobody to lift it).
    pub fn in_force(&self, now: DateTime<Utc>) -> bool {
        self.until.is_none_or(|until| until > now)
    }
}

/// A user's report of a post or comment.
#[derive(Debug, Clone)]
pub struct Report {
    pub id: i64,
    pub target_kind: TargetKind,
    pub target_id: String,
    /// The post (of a comment, the post it is on).
    pub board_id: String,
    pub reporter: UserId,
    pub reason: Reason,
    pub created_at: DateTime<Utc>,
    /// `None` while open.
    pub resolution: Option<Resolution>,
    /// Users whose reports of the same target have the same status as this one.
    pub reporters: u64,
}

#[derive(Debug, Clone)]
pub struct Resolution {
    pub action: ResolveAction,
    pub by: UserId,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResolveAction {
    Dismiss,
    Hide,
}

impl ResolveAction {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw {
            "dismiss" => Ok(Self::Dismiss),
            "hide" => Ok(Self::Hide),
            _ => Err(DomainError::ResolveAction),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dismiss => "dismiss",
            Self::Hide => "hide",
        }
    }

    pub fn from_stored(raw: &str) -> Self {
        Self::parse(raw).unwrap_or(Self::Dismiss)
    }
}

/// Reports per page of the queue.
pub const REPORT_PAGE: u32 = 50;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_one_to_five_hundred_characters_after_trimming() {
        assert_eq!(Reason::parse("  spam ").unwrap().as_ref(), "spam");
        assert!(Reason::parse(&"가".repeat(500)).is_ok());
        for bad in ["", "   ", "a\0b"] {
            assert_eq!(Reason::parse(bad), Err(DomainError::Reason));
        }
        assert_eq!(Reason::parse(&"가".repeat(501)), Err(DomainError::Reason));
    }

    #[test]
    fn resolutions_are_dismiss_or_hide() {
        assert_eq!(ResolveAction::parse("hide"), Ok(ResolveAction::Hide));
        assert_eq!(ResolveAction::parse("dismiss"), Ok(ResolveAction::Dismiss));
        assert_eq!(
            ResolveAction::parse("delete"),
            Err(DomainError::ResolveAction)
        );
    }
}
