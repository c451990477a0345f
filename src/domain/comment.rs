//! Comments on posts: one level of replies, listed in thread order.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    BoardId, DomainError, UserId,
    ids::parse_canonical,
    version::{fingerprint_of, version_of},
};

pub const MAX_COMMENT_CHARS: usize = 5_000;
pub const DEFAULT_COMMENTS_PER_PAGE: u32 = 50;

/// The id of a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CommentId(Uuid);

impl CommentId {
    pub fn new() -> Self {
        Self(Uuid::new_v4())
    }

    /// `None` for anything that is not a comment id; callers answer "not found".
    pub fn parse(raw: &str) -> Option<Self> {
        parse_canonical(raw).filter(|id| !id.is_nil()).map(Self)
    }

    pub fn to_db(self) -> String {
        self.0.hyphenated().to_string()
    }
}

impl Default for CommentId {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Display for CommentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// A comment's text: 1 to `MAX_COMMENT_CHARS` characters after trimming, no NUL; stored
/// trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentText(String);

impl CommentText {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let text = raw.trim();
        let chars = text.chars().count();
        if chars == 0 || chars > MAX_COMMENT_CHARS {
            return Err(DomainError::CommentLength);
        }
        if text.contains('\0') {
            return Err(DomainError::CommentNul);
        }
        Ok(Self(text.to_string()))
    }

    pub fn from_stored(text: String) -> Self {
        Self(text)
    }

    /// What a deleted comment that still heads a thread shows.
    pub fn placeholder() -> Self {
        Self(String::new())
    }
}

impl AsRef<str> for CommentText {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A comment's place in its post's thread order, and the cursor of the comment list: a
/// top-level comment's key is `<created_at: 16 digits of unix micros><id>`, a reply's is its
/// parent's key followed by its own. A prefix sorts before what extends it, so in byte order
/// each top-level comment comes first, then its replies oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadKey(String);

/// Characters of one level of a `ThreadKey`.
const KEY_PART_CHARS: usize = 16 + 36;
pub const MAX_THREAD_KEY_CHARS: usize = 2 * KEY_PART_CHARS;

impl ThreadKey {
    /// The key of a comment created at `created_at` with `id`, under `parent` for a reply.
    pub fn new(parent: Option<&ThreadKey>, created_at: DateTime<Utc>, id: CommentId) -> Self {
        let micros = created_at.timestamp_micros().max(0);
        let own = format!("{micros:016}{id}");
        match parent {
            Some(parent) => Self(format!("{}{own}", parent.0)),
            None => Self(own),
        }
    }

    /// A key as a client sends it back (`cursor`): one or two levels of 16 digits and a
    /// canonical lower-case UUID.
    pub fn decode(raw: &str) -> Option<Self> {
        if raw.len() != KEY_PART_CHARS && raw.len() != MAX_THREAD_KEY_CHARS {
            return None;
        }
        let valid_part = |part: &str| {
            let (micros, id) = part.split_at(16);
            micros.bytes().all(|b| b.is_ascii_digit())
                && parse_canonical(id).is_some_and(|uuid| uuid.hyphenated().to_string() == id)
        };
        let (first, rest) = raw.split_at(KEY_PART_CHARS);
        (valid_part(first) && (rest.is_empty() || valid_part(rest))).then(|| Self(raw.into()))
    }

    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }

    pub fn is_reply(&self) -> bool {
        self.0.len() > KEY_PART_CHARS
    }
}

impl AsRef<str> for ThreadKey {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A comment as stored.
#[derive(Debug, Clone)]
pub struct Comment {
    pub id: CommentId,
    pub board_id: BoardId,
    pub user_id: UserId,
    pub parent_id: Option<CommentId>,
    pub thread_key: ThreadKey,
    pub content: CommentText,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Comment {
    pub fn version(&self) -> String {
        version_of(
            &self.id.to_db(),
            Some(self.updated_at.unwrap_or(self.created_at)),
            &[self.content.as_ref()],
        )
    }

    /// As the thread list shows it: a deleted comment (a placeholder) has no text.
    pub fn listed(mut self) -> Self {
        if self.deleted_at.is_some() {
            self.content = CommentText::placeholder();
        }
        self
    }
}

/// What a client may choose about a new comment.
#[derive(Debug, Clone)]
pub struct NewComment {
    pub content: CommentText,
    /// As sent: checked against the post's live top-level comments by the service.
    pub parent: Option<String>,
}

impl NewComment {
    /// Tells retries of one request from others: the post, the parent (as parsed, so that
    /// the letter case of its id does not matter) and the text; so a key used for a post, on
    /// another post or under another parent never matches.
    pub fn fingerprint(&self, board: BoardId, parent: Option<CommentId>) -> String {
        fingerprint_of(&[
            "comment",
            &board.to_db(),
            &parent.map(CommentId::to_db).unwrap_or_default(),
            self.content.as_ref(),
        ])
    }
}

/// One page of a post's thread list.
#[derive(Debug, Clone)]
pub struct CommentPage {
    pub comments: Vec<Comment>,
    /// Live comments of the post.
    pub total_comments: u64,
    /// What the list shows: live comments and placeholders (for the number of pages).
    pub listed_comments: u64,
    pub next_cursor: Option<ThreadKey>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_text_is_trimmed_and_counted_in_characters() {
        assert_eq!(CommentText::parse("  hi \n").unwrap().as_ref(), "hi");
        assert!(CommentText::parse(&"가".repeat(MAX_COMMENT_CHARS)).is_ok());
        assert_eq!(
            CommentText::parse(&"가".repeat(MAX_COMMENT_CHARS + 1)),
            Err(DomainError::CommentLength)
        );
        assert_eq!(
            CommentText::parse(" \t\u{3000}"),
            Err(DomainError::CommentLength)
        );
        assert_eq!(CommentText::parse("a\0b"), Err(DomainError::CommentNul));
    }

    #[test]
    fn thread_keys_put_replies_after_their_parent_and_before_the_next_thread() {
        let at = |micros| DateTime::from_timestamp_micros(micros).unwrap();
        let first = ThreadKey::new(None, at(1_000), CommentId::new());
        let second = ThreadKey::new(None, at(2_000), CommentId::new());
        // A reply whose clock ran behind its parent's still follows the parent.
        let reply = ThreadKey::new(Some(&first), at(500), CommentId::new());
        let later_reply = ThreadKey::new(Some(&first), at(3_000), CommentId::new());
        let mut keys = vec![&second, &later_reply, &reply, &first];
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(keys, vec![&first, &reply, &later_reply, &second]);
        assert!(reply.is_reply() && !first.is_reply());
        for key in [&first, &reply] {
            assert_eq!(ThreadKey::decode(key.as_ref()).as_ref(), Some(key));
        }
        for bad in [
            "",
            "x",
            &first.0[1..],
            &first.0.to_uppercase(),
            &format!("{}0", first.0),
        ] {
            assert_eq!(ThreadKey::decode(bad), None, "{bad}");
        }
    }
}
