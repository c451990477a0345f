use chrono::{DateTime, Utc};

use super::{Ban, BoardId, Content, Cursor, Email, Role, Title, UserId};

#[derive(Debug, Clone)]
pub struct User {
    pub id: UserId,
    pub email: Email,
    pub created_at: DateTime<Utc>,
    pub role: Role,
    /// The account's ban, in force or expired; `None`: never banned, or lifted.
    pub ban: Option<Ban>,
}

/// A post as stored. `created_at` can be NULL only in databases written by the original service.
#[derive(Debug, Clone)]
pub struct Board {
    pub id: BoardId,
    pub user_id: UserId,
    pub title: Title,
    pub content: Content,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

/// What a client may choose about a post.
#[derive(Debug, Clone)]
pub struct NewBoard {
    pub title: Title,
    pub content: Content,
}

/// A post as the list shows it.
#[derive(Debug, Clone)]
pub struct ListedBoard {
    pub board: Board,
    /// Its live comments.
    pub comment_count: u64,
}

/// One page of the list plus what the client needs to go on.
#[derive(Debug, Clone)]
pub struct BoardPage {
    pub boards: Vec<ListedBoard>,
    pub total_boards: u64,
    pub next_cursor: Option<Cursor>,
}
