//! Comments and their counts (see migrations/mysql/0006_comments.sql).
//!
//! Locks are taken in one order by every write: the parent comment, then the comment, then
//! the post (shared, by the insert's read), then the post's count row.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::{
    DELETED_ACCOUNT, Store, StoreError, autocommit,
    boards::claim_key,
    moderation::{HideRecord, record_hide, unrecord_hide},
    read, transaction,
};
use crate::domain::{
    BoardId, Comment, CommentId, CommentText, IdempotencyKey, TargetKind, ThreadKey, UserId,
};

#[derive(sqlx::FromRow)]
struct CommentRow {
    id: String,
    board_id: String,
    user_id: String,
    parent_id: Option<String>,
    thread_key: String,
    content: String,
    created_at: DateTime<Utc>,
    updated_at: Option<DateTime<Utc>>,
    deleted_at: Option<DateTime<Utc>>,
}

impl TryFrom<CommentRow> for Comment {
    type Error = StoreError;

    fn try_from(row: CommentRow) -> Result<Self, StoreError> {
        let corrupt = |what: &str, value: &str| {
            StoreError::Corrupt(format!("stored {what} {value:?} is not a UUID"))
        };
        Ok(Comment {
            id: CommentId::parse(&row.id).ok_or_else(|| corrupt("comment id", &row.id))?,
            board_id: BoardId::parse(&row.board_id)
                .ok_or_else(|| corrupt("board id", &row.board_id))?,
            user_id: UserId::from_stored(row.user_id),
            parent_id: row
                .parent_id
                .map(|raw| CommentId::parse(&raw).ok_or_else(|| corrupt("parent id", &raw)))
                .transpose()?,
            thread_key: ThreadKey::from_stored(row.thread_key),
            content: CommentText::from_stored(row.content),
            created_at: row.created_at,
            updated_at: row.updated_at,
            deleted_at: row.deleted_at,
        })
    }
}

fn into_comments(rows: Vec<CommentRow>) -> Result<Vec<Comment>, StoreError> {
    rows.into_iter().map(Comment::try_from).collect()
}

/// A thread page's row with the post's counts.
#[derive(sqlx::FromRow)]
struct CountedRow {
    #[sqlx(flatten)]
    comment: CommentRow,
    live_total: Option<i64>,
    listed_total: Option<i64>,
}

/// What a comment create did.
#[derive(Debug)]
pub enum CommentInsert {
    Created,
    /// The post is not live (any more), or the author's account is gone; nothing was written.
    BoardGone,
    /// The parent is not a live top-level comment of the post; nothing was written.
    InvalidParent,
    /// Under an idempotency key: the key was used before, by this request.
    Used {
        fingerprint: String,
        comment: Comment,
    },
    /// Under an idempotency key still held by its first request.
    InProgress,
}

/// Inner outcome of one try: a post without a count row is given one, then tried again.
enum Try {
    Done(CommentInsert),
    NoCountRow,
}

// The reply's parent: taken (row lock) and its live reply counted before anything else, so
// that a deletion of the parent either comes first (then this matches nothing) or waits and
// then leaves a placeholder.
const CLAIM_PARENT: &str = "update board_comment set live_replies = live_replies + 1 \
     where id = ? and board_id = ? and parent_id is null and deleted_at is null";
const PARENT_KEY: &str = "select thread_key from board_comment where id = ?";
// Inserts nothing when the post is not live or the author is gone; reading both rows (shared
// locks on MySQL) makes the insert wait for a post or account deletion in progress.
const INSERT: &str = "insert into board_comment \
     (id, board_id, user_id, parent_id, thread_key, content, created_at, updated_at, deleted_at, live_replies) \
     select ?, b.id, u.id, ?, ?, ?, ?, null, null, 0 from board b join user u on u.id = ? and u.password <> ? \
     where b.id = ? and b.deleted_at is null";
const COUNT_UP: &str = "update board_comment_stats \
     set live_count = live_count + 1, listed_count = listed_count + 1 where board_id = ?";
/// A post written by a release before comments has no count row, and no comments.
const START_COUNT: &str = "insert into board_comment_stats (board_id, live_count, listed_count) \
     select id, 0, 0 from board where id = ?";
pub(super) const COUNT_DOWN_BY: &str = "update board_comment_stats \
     set live_count = live_count - ?, listed_count = listed_count - ? where board_id = ?";
const COUNTS: &str = "select live_count, listed_count from board_comment_stats where board_id = ?";

const FIND_LIVE: &str = "select id, board_id, user_id, parent_id, thread_key, content, created_at, \
     updated_at, deleted_at from board_comment where id = ? and board_id = ? and deleted_at is null";
const FIND_ANY: &str = "select id, board_id, user_id, parent_id, thread_key, content, created_at, \
     updated_at, deleted_at from board_comment where id = ?";
/// A hidden comment back, unless its author's account was deleted meanwhile.
const UNDELETE: &str = "update board_comment set deleted_at = null \
     where id = ? and deleted_at is not null and user_id in (select id from user where password <> ?)";
const UPDATE: &str = "update board_comment set content = ?, updated_at = ? \
     where id = ? and deleted_at is null";
/// As the post's `UPDATE_UNCHANGED`: only the version the caller checked.
const UPDATE_UNCHANGED: &str = "update board_comment set content = ?, updated_at = ? \
     where id = ? and deleted_at is null and (updated_at = ? or (updated_at is null and ? is null))";
const SOFT_DELETE: &str = "update board_comment set deleted_at = ? \
     where id = ? and deleted_at is null and (updated_at is null or updated_at <= ?)";
const SOFT_DELETE_UNCHANGED: &str = "update board_comment set deleted_at = ? \
     where id = ? and deleted_at is null and (updated_at is null or updated_at <= ?) \
     and (updated_at = ? or (updated_at is null and ? is null))";
pub(super) const REPLIES_DOWN_BY: &str =
    "update board_comment set live_replies = live_replies - ? where id = ?";
/// Whether a top-level comment is deleted, and its live replies.
pub(super) const THREAD_HEAD: &str =
    "select deleted_at is not null, live_replies from board_comment where id = ?";

// Thread pages: live comments and placeholders (deleted top-level comments with live
// replies; replies never count any), in thread-key order on (board_id, thread_key).
const FIRST: &str = "select id, board_id, user_id, parent_id, thread_key, content, created_at, \
     updated_at, deleted_at, \
     (select live_count from board_comment_stats where board_id = ?) as live_total, \
     (select listed_count from board_comment_stats where board_id = ?) as listed_total \
     from board_comment where board_id = ? and (deleted_at is null or live_replies > 0) \
     order by thread_key limit ?";
const AFTER: &str = "select id, board_id, user_id, parent_id, thread_key, content, created_at, \
     updated_at, deleted_at, \
     (select live_count from board_comment_stats where board_id = ?) as live_total, \
     (select listed_count from board_comment_stats where board_id = ?) as listed_total \
     from board_comment where board_id = ? and (deleted_at is null or live_replies > 0) \
     and thread_key > ? order by thread_key limit ?";
const AT_OFFSET: &str = "select id, board_id, user_id, parent_id, thread_key, content, created_at, \
     updated_at, deleted_at from board_comment \
     where board_id = ? and (deleted_at is null or live_replies > 0) \
     order by thread_key limit ? offset ?";

pub(super) const LIVE_OF_AUTHOR: &str = "select id, board_id, parent_id, live_replies from board_comment \
     where user_id = ? and deleted_at is null";
pub(super) const SOFT_DELETE_ALL_OF: &str =
    "update board_comment set deleted_at = ? where user_id = ? and deleted_at is null";
pub(super) const BOARD_OF: &str = "select board_id from board_comment where id = ?";

/// The post's counts: (live, listed).
#[derive(Debug, Clone, Copy, Default)]
pub struct CommentCounts {
    pub live: u64,
    pub listed: u64,
}

impl Store {
    /// Inserts a comment and counts it, in one transaction (a reply also takes its parent,
    /// see `CLAIM_PARENT`). With `key`, the key's record is written first, as for posts.
    pub async fn insert_comment(
        &self,
        comment: &Comment,
        key: Option<(&IdempotencyKey, &str, DateTime<Utc>)>,
    ) -> Result<CommentInsert, StoreError> {
        let key = key.map(|(key, fingerprint, expired_before)| {
            (key.clone(), fingerprint.to_string(), expired_before)
        });
        for _ in 0..2 {
            match self.try_insert_comment(comment, key.clone()).await {
                Ok(Try::Done(outcome)) => return Ok(outcome),
                Ok(Try::NoCountRow) => {
                    let started = autocommit!(self, |pool| sqlx::query(START_COUNT)
                        .bind(comment.board_id.to_db())
                        .execute(pool)
                        .await
                        .map(|_| ()));
                    match started {
                        Err(StoreError::Database(sqlx::Error::Database(e)))
                            if e.is_unique_violation() => {}
                        other => other?,
                    }
                }
                // Another request with this key holds it (as for posts).
                Err(StoreError::Contention(_)) if key.is_some() => {
                    return Ok(CommentInsert::InProgress);
                }
                Err(error) => return Err(error),
            }
        }
        Err(StoreError::Corrupt(format!(
            "post {} has no comment count row",
            comment.board_id
        )))
    }

    async fn try_insert_comment(
        &self,
        comment: &Comment,
        key: Option<(IdempotencyKey, String, DateTime<Utc>)>,
    ) -> Result<Try, StoreError> {
        let keyed = key.is_some();
        let mut tries = 0;
        loop {
            tries += 1;
            let (comment, key) = (comment.clone(), key.clone());
            let outcome = transaction!(self, |tx| {
                if let Some((key, fingerprint, expired_before)) = &key
                    && let Some(row) = claim_key!(
                        tx,
                        comment.user_id.as_ref(),
                        key,
                        fingerprint,
                        comment.id.to_db(),
                        "",
                        comment.content.as_ref(),
                        comment.created_at,
                        *expired_before
                    )
                {
                    // Same fingerprint means same post, parent and text.
                    let id = CommentId::parse(&row.resource_id).ok_or_else(|| {
                        StoreError::Corrupt(format!("stored comment id {:?}", row.resource_id))
                    })?;
                    // The parent of this request, which is the first one's only when the
                    // fingerprints match (else it may not exist: the answer is then 422).
                    let parent_key: Option<String> = match comment.parent_id {
                        Some(parent) => {
                            sqlx::query_scalar(PARENT_KEY)
                                .bind(parent.to_db())
                                .fetch_optional(&mut *tx)
                                .await?
                        }
                        None => None,
                    };
                    let parent_key = parent_key.map(ThreadKey::from_stored);
                    let thread_key = ThreadKey::new(parent_key.as_ref(), row.created_at, id);
                    return Ok(Try::Done(CommentInsert::Used {
                        fingerprint: row.fingerprint,
                        comment: Comment {
                            id,
                            thread_key,
                            content: CommentText::from_stored(row.content),
                            created_at: row.created_at,
                            ..comment.clone()
                        },
                    }));
                }
                let mut thread_key = ThreadKey::new(None, comment.created_at, comment.id);
                if let Some(parent) = comment.parent_id {
                    let claimed = sqlx::query(CLAIM_PARENT)
                        .bind(parent.to_db())
                        .bind(comment.board_id.to_db())
                        .execute(&mut *tx)
                        .await?
                        .rows_affected()
                        == 1;
                    if !claimed {
                        return Ok(Try::Done(CommentInsert::InvalidParent));
                    }
                    let parent_key: String = sqlx::query_scalar(PARENT_KEY)
                        .bind(parent.to_db())
                        .fetch_one(&mut *tx)
                        .await?;
                    thread_key = ThreadKey::new(
                        Some(&ThreadKey::from_stored(parent_key)),
                        comment.created_at,
                        comment.id,
                    );
                }
                let inserted = sqlx::query(INSERT)
                    .bind(comment.id.to_db())
                    .bind(comment.parent_id.map(CommentId::to_db))
                    .bind(thread_key.as_ref())
                    .bind(comment.content.as_ref())
                    .bind(comment.created_at)
                    .bind(comment.user_id.as_ref())
                    .bind(DELETED_ACCOUNT)
                    .bind(comment.board_id.to_db())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
                if !inserted {
                    // The post or the author is gone: the caller asks which.
                    return Ok(Try::Done(CommentInsert::BoardGone));
                }
                let counted = sqlx::query(COUNT_UP)
                    .bind(comment.board_id.to_db())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
                if !counted {
                    return Ok(Try::NoCountRow);
                }
                Try::Done(CommentInsert::Created)
            });
            match outcome {
                // Without a key, a deadlock between concurrent comments is simply run again.
                Err(StoreError::Contention(_)) if !keyed && tries < super::CONTENTION_TRIES => {}
                other => return other,
            }
        }
    }

    /// A live comment of the post `board`.
    pub async fn find_live_comment(
        &self,
        board: BoardId,
        id: CommentId,
    ) -> Result<Option<Comment>, StoreError> {
        let row = read!(self, |conn| sqlx::query_as::<_, CommentRow>(FIND_LIVE)
            .bind(id.to_db())
            .bind(board.to_db())
            .fetch_optional(conn)
            .await)?;
        row.map(Comment::try_from).transpose()
    }

    /// Rewrites a live comment; `false` when it was deleted meanwhile, or, with
    /// `unchanged_since`, when it changed meanwhile.
    pub async fn update_comment(
        &self,
        id: CommentId,
        content: &CommentText,
        updated_at: DateTime<Utc>,
        unchanged_since: Option<Option<DateTime<Utc>>>,
    ) -> Result<bool, StoreError> {
        let changed = autocommit!(self, |pool| {
            let statement = sqlx::query(if unchanged_since.is_some() {
                UPDATE_UNCHANGED
            } else {
                UPDATE
            })
            .bind(content.as_ref())
            .bind(updated_at)
            .bind(id.to_db());
            let statement = match unchanged_since {
                Some(seen) => statement.bind(seen).bind(seen),
                None => statement,
            };
            statement
                .execute(pool)
                .await
                .map(|done| done.rows_affected())
        })?;
        Ok(changed == 1)
    }

    /// Soft-deletes a live comment and uncounts it, in one transaction; `false` when it was
    /// deleted already (two racing deletes uncount it once), when its `updated_at` is later
    /// than `deleted_at`, or, with `unchanged_since`, when it changed meanwhile.
    /// With `hide`, a moderator's hide: the same deletion, marked and recorded with it.
    pub async fn soft_delete_comment(
        &self,
        comment: &Comment,
        deleted_at: DateTime<Utc>,
        unchanged_since: Option<Option<DateTime<Utc>>>,
        hide: Option<HideRecord>,
    ) -> Result<bool, StoreError> {
        let comment = comment.clone();
        transaction!(self, |tx| {
            // A reply's parent first, as a reply's create takes it (see the module's order):
            // a no-op write that takes its row lock.
            if let Some(parent) = comment.parent_id {
                sqlx::query(REPLIES_DOWN_BY)
                    .bind(0)
                    .bind(parent.to_db())
                    .execute(&mut *tx)
                    .await?;
            }
            let statement = sqlx::query(if unchanged_since.is_some() {
                SOFT_DELETE_UNCHANGED
            } else {
                SOFT_DELETE
            })
            .bind(deleted_at)
            .bind(comment.id.to_db())
            .bind(deleted_at);
            let statement = match unchanged_since {
                Some(seen) => statement.bind(seen).bind(seen),
                None => statement,
            };
            if statement.execute(&mut *tx).await?.rows_affected() != 1 {
                return Ok(false);
            }
            // What the thread list stops showing: the comment itself, unless it is a
            // top-level comment with live replies (then a placeholder); and a deleted
            // parent whose last live reply this was.
            let unlisted = match comment.parent_id {
                Some(parent) => {
                    sqlx::query(REPLIES_DOWN_BY)
                        .bind(1)
                        .bind(parent.to_db())
                        .execute(&mut *tx)
                        .await?;
                    let (parent_deleted, replies): (bool, i64) = sqlx::query_as(THREAD_HEAD)
                        .bind(parent.to_db())
                        .fetch_one(&mut *tx)
                        .await?;
                    1 + i64::from(parent_deleted && replies == 0)
                }
                None => {
                    let (_, replies): (bool, i64) = sqlx::query_as(THREAD_HEAD)
                        .bind(comment.id.to_db())
                        .fetch_one(&mut *tx)
                        .await?;
                    i64::from(replies == 0)
                }
            };
            sqlx::query(COUNT_DOWN_BY)
                .bind(1)
                .bind(unlisted)
                .bind(comment.board_id.to_db())
                .execute(&mut *tx)
                .await?;
            if let Some(hide) = &hide {
                record_hide!(tx, hide);
            }
            true
        })
    }

    /// A comment as stored, deleted or not, whatever its post.
    pub async fn find_any_comment(&self, id: CommentId) -> Result<Option<Comment>, StoreError> {
        let row = read!(self, |conn| sqlx::query_as::<_, CommentRow>(FIND_ANY)
            .bind(id.to_db())
            .fetch_optional(conn)
            .await)?;
        row.map(Comment::try_from).transpose()
    }

    /// Undoes a moderator's hide: the comment is live and counted again (its deleted parent
    /// shows as a placeholder again); `false` (nothing changed) when it is not hidden, or its
    /// author's account was deleted since.
    pub async fn restore_comment(
        &self,
        comment: &Comment,
        actor: &UserId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (comment, actor) = (comment.clone(), actor.clone());
        transaction!(self, |tx| {
            // The parent first, as every reply's write takes it.
            if let Some(parent) = comment.parent_id {
                sqlx::query(REPLIES_DOWN_BY)
                    .bind(0)
                    .bind(parent.to_db())
                    .execute(&mut *tx)
                    .await?;
            }
            let id = comment.id.to_db();
            if !unrecord_hide!(tx, TargetKind::Comment, id.as_str(), actor.as_ref(), at) {
                return Ok(false);
            }
            let restored = sqlx::query(UNDELETE)
                .bind(id.as_str())
                .bind(DELETED_ACCOUNT)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if !restored {
                return Ok(false); // rolls the removed mark back
            }
            // What the thread list shows again: the comment (unless it headed a thread that
            // still showed as a placeholder), and a deleted parent that had no live reply.
            let relisted = match comment.parent_id {
                Some(parent) => {
                    sqlx::query(REPLIES_DOWN_BY)
                        .bind(-1)
                        .bind(parent.to_db())
                        .execute(&mut *tx)
                        .await?;
                    let (parent_deleted, replies): (bool, i64) = sqlx::query_as(THREAD_HEAD)
                        .bind(parent.to_db())
                        .fetch_one(&mut *tx)
                        .await?;
                    1 + i64::from(parent_deleted && replies == 1)
                }
                None => {
                    let (_, replies): (bool, i64) = sqlx::query_as(THREAD_HEAD)
                        .bind(id.as_str())
                        .fetch_one(&mut *tx)
                        .await?;
                    i64::from(replies == 0)
                }
            };
            sqlx::query(COUNT_DOWN_BY)
                .bind(-1)
                .bind(-relisted)
                .bind(comment.board_id.to_db())
                .execute(&mut *tx)
                .await?;
            true
        })
    }

    /// The post's counts (zero for a post without a count row: it has no comments).
    pub async fn comment_counts(&self, board: BoardId) -> Result<CommentCounts, StoreError> {
        let counts: Option<(i64, i64)> = read!(self, |conn| sqlx::query_as(COUNTS)
            .bind(board.to_db())
            .fetch_optional(conn)
            .await)?;
        let (live, listed) = counts.unwrap_or_default();
        Ok(CommentCounts {
            live: live.max(0) as u64,
            listed: listed.max(0) as u64,
        })
    }

    /// The first `limit` comments of the thread list, or those after `cursor`, with the
    /// post's counts.
    pub async fn list_comments_after(
        &self,
        board: BoardId,
        cursor: Option<&ThreadKey>,
        limit: u32,
    ) -> Result<(Vec<Comment>, CommentCounts), StoreError> {
        let board_id = board.to_db();
        let rows = read!(self, |conn| {
            let statement =
                sqlx::query_as::<_, CountedRow>(if cursor.is_some() { AFTER } else { FIRST })
                    .bind(&board_id)
                    .bind(&board_id)
                    .bind(&board_id);
            let statement = match cursor {
                Some(cursor) => statement.bind(cursor.as_ref()),
                None => statement,
            };
            statement.bind(i64::from(limit)).fetch_all(conn).await
        })?;
        let counts = match rows.first() {
            Some(row) => CommentCounts {
                live: row.live_total.unwrap_or(0).max(0) as u64,
                listed: row.listed_total.unwrap_or(0).max(0) as u64,
            },
            None => self.comment_counts(board).await?,
        };
        let comments = into_comments(rows.into_iter().map(|row| row.comment).collect())?;
        Ok((comments, counts))
    }

    /// The thread list skipping `offset` (callers skip this past the end).
    pub async fn list_comments_at(
        &self,
        board: BoardId,
        offset: u64,
        limit: u32,
    ) -> Result<Vec<Comment>, StoreError> {
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let rows = read!(self, |conn| sqlx::query_as::<_, CommentRow>(AT_OFFSET)
            .bind(board.to_db())
            .bind(i64::from(limit))
            .bind(offset)
            .fetch_all(conn)
            .await)?;
        into_comments(rows)
    }
}

/// One of an author's live comments, as account deletion reads it.
#[derive(sqlx::FromRow)]
pub(super) struct AuthoredRow {
    pub id: String,
    pub board_id: String,
    pub parent_id: Option<String>,
    pub live_replies: i64,
}

/// What deleting `authored` (all of one author's live comments) changes: per parent, the
/// live replies it loses; per post, (live, listed) it loses. `heads` gives, for each parent
/// that is not among `authored`, (its post, deleted?, live replies).
pub(super) fn uncount_authored(
    authored: &[AuthoredRow],
    heads: &BTreeMap<String, (String, bool, i64)>,
) -> (BTreeMap<String, i64>, BTreeMap<String, (i64, i64)>) {
    let mut replies_lost = BTreeMap::<String, i64>::new();
    for row in authored {
        if let Some(parent) = &row.parent_id {
            *replies_lost.entry(parent.clone()).or_default() += 1;
        }
    }
    let mut per_board = BTreeMap::<String, (i64, i64)>::new();
    for row in authored {
        let lost = per_board.entry(row.board_id.clone()).or_default();
        lost.0 += 1;
        let still_heads = row.parent_id.is_none()
            && row.live_replies - replies_lost.get(&row.id).copied().unwrap_or(0) > 0;
        if !still_heads {
            lost.1 += 1;
        }
    }
    for (parent, (board, deleted, replies)) in heads {
        let lost_replies = replies_lost.get(parent).copied().unwrap_or(0);
        if *deleted && *replies > 0 && replies - lost_replies <= 0 {
            per_board.entry(board.clone()).or_default().1 += 1;
        }
    }
    (replies_lost, per_board)
}

/// Inside a `transaction!` body: soft-deletes every live comment of `$author` at `$at` and
/// updates every count that follows (live replies of their parents, the posts' counts).
macro_rules! delete_comments_of {
    ($tx:ident, $author:expr, $at:expr) => {{
        use $crate::store::comments as c;
        let authored: Vec<c::AuthoredRow> = sqlx::query_as(c::LIVE_OF_AUTHOR)
            .bind($author)
            .fetch_all(&mut *$tx)
            .await?;
        let own: std::collections::BTreeSet<&str> =
            authored.iter().map(|row| row.id.as_str()).collect();
        let mut heads = std::collections::BTreeMap::new();
        for parent in authored.iter().filter_map(|row| row.parent_id.as_deref()) {
            if own.contains(parent) || heads.contains_key(parent) {
                continue;
            }
            let board: String = sqlx::query_scalar(c::BOARD_OF)
                .bind(parent)
                .fetch_one(&mut *$tx)
                .await?;
            let (deleted, replies): (bool, i64) = sqlx::query_as(c::THREAD_HEAD)
                .bind(parent)
                .fetch_one(&mut *$tx)
                .await?;
            heads.insert(parent.to_string(), (board, deleted, replies));
        }
        let (replies_lost, per_board) = c::uncount_authored(&authored, &heads);
        sqlx::query(c::SOFT_DELETE_ALL_OF)
            .bind($at)
            .bind($author)
            .execute(&mut *$tx)
            .await?;
        for (parent, lost) in replies_lost {
            sqlx::query(c::REPLIES_DOWN_BY)
                .bind(lost)
                .bind(parent)
                .execute(&mut *$tx)
                .await?;
        }
        for (board, (live, listed)) in per_board {
            sqlx::query(c::COUNT_DOWN_BY)
                .bind(live)
                .bind(listed)
                .bind(board)
                .execute(&mut *$tx)
                .await?;
        }
    }};
}
pub(super) use delete_comments_of;
