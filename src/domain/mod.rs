//! Parsed values: a value of these types is valid by construction ("parse, don't validate").

mod audit;
mod board;
mod comment;
mod content;
mod email;
mod error;
mod ids;
mod page;
mod password;
mod role;
mod search;
mod title;
mod version;

pub use audit::{
    AUDIT_PAGE, AuditAction, AuditEntry, Ban, Hidden, MAX_REASON_CHARS, REPORT_PAGE, Reason,
    Report, Resolution, ResolveAction, TargetKind,
};
pub use board::{Board, BoardPage, ListedBoard, NewBoard, User};
pub use comment::{
    Comment, CommentId, CommentPage, CommentText, DEFAULT_COMMENTS_PER_PAGE, MAX_COMMENT_CHARS,
    MAX_THREAD_KEY_CHARS, NewComment, ThreadKey,
};
pub use content::{Content, MAX_CONTENT_BYTES};
pub use email::{Email, MAX_EMAIL_CHARS};
pub use error::{DomainError, Field};
pub use ids::{BoardId, SessionId, UserId};
pub use page::{Cursor, DEFAULT_PER_PAGE, MAX_CURSOR_MICROS_DIGITS, MAX_PER_PAGE, PageRequest};
pub use password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS, Password};
pub use role::Role;
pub use search::{
    MAX_CHUNK_BYTES, MAX_QUERY_CHARS, MAX_QUERY_TERMS, MIN_TERM_CHARS, SearchField, SearchQuery,
    chunks,
};
pub use title::{MAX_TITLE_CHARS, Title};
pub use version::{IdempotencyKey, MAX_IDEMPOTENCY_KEY_CHARS, Precondition};
