//! Why a value could not be parsed. Each message is built from the limit it names, so the
//! number a client reads is the number the parser checks.

use super::{
    audit::MAX_REASON_CHARS,
    comment::MAX_COMMENT_CHARS,
    content::MAX_CONTENT_BYTES,
    page::MAX_PER_PAGE,
    password::{MAX_PASSWORD_CHARS, MIN_PASSWORD_CHARS},
    search::{MAX_QUERY_CHARS, MAX_QUERY_TERMS, MIN_TERM_CHARS},
    title::MAX_TITLE_CHARS,
    version::MAX_IDEMPOTENCY_KEY_CHARS,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    #[error("Invalid email format")]
    Email,
    #[error("Password must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters long")]
    PasswordLength,
    #[error("Title must be 1 to {MAX_TITLE_CHARS} characters")]
    TitleLength,
    #[error("Title must not contain NUL characters")]
    TitleNul,
    #[error("Content must be 1 to {MAX_CONTENT_BYTES} bytes")]
    ContentLength,
    #[error("Content must not contain NUL characters")]
    ContentNul,
    #[error("Comment must be 1 to {MAX_COMMENT_CHARS} characters")]
    CommentLength,
    #[error("Comment must not contain NUL characters")]
    CommentNul,
    #[error("per_page must be an integer from 1 to {MAX_PER_PAGE}")]
    PerPage,
    #[error("page must be an integer of at least 1")]
    Page,
    #[error("cursor is not valid")]
    Cursor,
    #[error("userId must be a user id (a UUID)")]
    AuthorId,
    #[error("Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} printable ASCII characters")]
    IdempotencyKey,
    #[error("q must be 1 to {MAX_QUERY_CHARS} characters")]
    QueryLength,
    #[error("q must have at most {MAX_QUERY_TERMS} terms")]
    QueryTerms,
    #[error("every term of q must be at least {MIN_TERM_CHARS} characters")]
    QueryTermLength,
    #[error("field must be all, title or content")]
    SearchField,
    #[error("role must be user, moderator or admin")]
    Role,
    #[error("reason must be 1 to {MAX_REASON_CHARS} characters, without NUL")]
    Reason,
    #[error("until must be an RFC 3339 time in the future, or null")]
    BanUntil,
    #[error("action must be dismiss or hide")]
    ResolveAction,
    #[error("status must be open or resolved")]
    ReportStatus,
}

/// Which input a `DomainError` is about, for callers that report by field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Email,
    Password,
    Board,
    Comment,
    /// The search query (`q`, `field`).
    Query,
    /// Query parameters and headers of the request.
    Request,
}

impl DomainError {
    pub fn field(self) -> Field {
        match self {
            Self::Email => Field::Email,
            Self::PasswordLength => Field::Password,
            Self::TitleLength | Self::TitleNul | Self::ContentLength | Self::ContentNul => {
                Field::Board
            }
            Self::CommentLength | Self::CommentNul => Field::Comment,
            Self::QueryLength | Self::QueryTerms | Self::QueryTermLength | Self::SearchField => {
                Field::Query
            }
            Self::PerPage
            | Self::Page
            | Self::Cursor
            | Self::AuthorId
            | Self::IdempotencyKey
            | Self::Role
            | Self::Reason
            | Self::BanUntil
            | Self::ResolveAction
            | Self::ReportStatus => Field::Request,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_limits_they_check() {
        assert_eq!(
            DomainError::PasswordLength.to_string(),
            "Password must be 8 to 128 characters long"
        );
        assert_eq!(
            DomainError::TitleLength.to_string(),
            "Title must be 1 to 200 characters"
        );
        assert_eq!(
            DomainError::ContentLength.to_string(),
            "Content must be 1 to 65535 bytes"
        );
        assert_eq!(
            DomainError::PerPage.to_string(),
            "per_page must be an integer from 1 to 100"
        );
    }
}
