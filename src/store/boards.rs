use chrono::{DateTime, Utc};

use super::{
    DELETED_ACCOUNT, Store, StoreError, autocommit, counter_shard,
    moderation::{HideRecord, record_hide, unrecord_hide},
    read,
    search::LOG_CHANGE,
    transaction,
};
use crate::domain::{
    Board, BoardId, Content, Cursor, IdempotencyKey, ListedBoard, TargetKind, Title, UserId,
};

/// What a create with an `Idempotency-Key` did.
#[derive(Debug, Clone)]
pub enum KeyedInsert {
    /// The post and its key's record were committed together.
    Created,
    /// The key was used before (and has not expired): its request's fingerprint, and the post
    /// as that request created it.
    Used { fingerprint: String, board: Board },
    /// The first request with this key still holds it (its transaction has not ended).
    InProgress,
    /// The author does not exist or was deleted; nothing was written.
    AuthorGone,
}

pub(super) const KEY_FORGET_EXPIRED: &str =
    "delete from idempotency_key where user_id = ? and idem_key = ? and created_at < ?";
pub(super) const KEY_RECORD: &str = "insert into idempotency_key \
     (user_id, idem_key, fingerprint, board_id, title, content, created_at) values (?, ?, ?, ?, ?, ?, ?)";
pub(super) const KEY_FIND: &str = "select fingerprint, board_id as resource_id, title, content, created_at \
     from idempotency_key where user_id = ? and idem_key = ?";
const KEYS_EXPIRED: &str = "delete from idempotency_key where created_at < ?";

/// A key's record: the first request's fingerprint and what it created (`board_id` holds
/// the created post's or comment's id; a comment's record has an empty title).
#[derive(sqlx::FromRow)]
pub(super) struct KeyRow {
    pub fingerprint: String,
    pub resource_id: String,
    pub title: String,
    pub content: String,
    pub created_at: DateTime<Utc>,
}

/// Inside a `transaction!` body, before a keyed create writes anything: records the key
/// with the request's fingerprint and what it creates, so that a concurrent request with the
/// same key waits on the record and then finds it; a record older than `$expired_before` is
/// replaced. `None` when recorded (go on and create), else the earlier request's record.
macro_rules! claim_key {
    ($tx:ident, $user:expr, $key:expr, $fingerprint:expr, $resource_id:expr, $title:expr,
     $content:expr, $created_at:expr, $expired_before:expr) => {{
        // No lookup before the insert: on MySQL a locking read of a key that does not
        // exist yet takes a gap lock, and concurrent requests with one key then deadlock.
        let mut tries = 0;
        loop {
            tries += 1;
            let recorded = sqlx::query($crate::store::boards::KEY_RECORD)
                .bind($user)
                .bind($key.as_ref())
                .bind($fingerprint)
                .bind($resource_id)
                .bind($title)
                .bind($content)
                .bind($created_at)
                .execute(&mut *$tx)
                .await;
            match recorded {
                Ok(_) => break None,
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {}
                Err(e) => return Err(e.into()),
            }
            // Used before. A failed statement leaves the transaction usable on both
            // backends; the record is committed (the insert waited for its writer).
            let row =
                sqlx::query_as::<_, $crate::store::boards::KeyRow>($crate::store::boards::KEY_FIND)
                    .bind($user)
                    .bind($key.as_ref())
                    .fetch_one(&mut *$tx)
                    .await?;
            if row.created_at < $expired_before && tries == 1 {
                sqlx::query($crate::store::boards::KEY_FORGET_EXPIRED)
                    .bind($user)
                    .bind($key.as_ref())
                    .bind($expired_before)
                    .execute(&mut *$tx)
                    .await?;
                continue;
            }
            break Some(row);
        }
    }};
}
pub(super) use claim_key;

/// A post's columns, first in every statement that reads posts, in this order (read by
/// position: a lookup by name per column and row cost ~1,000 instructions a list item).
pub(super) struct BoardRow {
    id: String,
    user_id: String,
    title: String,
    content: String,
    created_at: Option<DateTime<Utc>>,
    updated_at: Option<DateTime<Utc>>,
    deleted_at: Option<DateTime<Utc>>,
}

impl TryFrom<BoardRow> for Board {
    type Error = StoreError;

    fn try_from(row: BoardRow) -> Result<Self, StoreError> {
        let id = BoardId::parse(&row.id).ok_or_else(|| {
            StoreError::Corrupt(format!("stored board id {:?} is not a UUID", row.id))
        })?;
        Ok(Board {
            id,
            user_id: UserId::from_stored(row.user_id),
            title: Title::from_stored(row.title),
            content: Content::from_stored(row.content),
            created_at: row.created_at,
            updated_at: row.updated_at,
            deleted_at: row.deleted_at,
        })
    }
}

// Inserts nothing when the author does not exist or was deleted: reading the author's row
// here (a shared lock on MySQL) also makes a create wait for an account deletion in
// progress, and then see it.
const INSERT: &str = "insert into board (id, user_id, title, content, created_at, updated_at, deleted_at) \
     select ?, id, ?, ?, ?, null, null from user where id = ? and password <> ?";
const START_COMMENT_COUNT: &str =
    "insert into board_comment_stats (board_id, live_count, listed_count) values (?, 0, 0)";
const COUNT_UP: &str = "update board_stats set live_count = live_count + 1 where id = ?";
const COUNT_DOWN: &str = "update board_stats set live_count = live_count - 1 where id = ?";
const LIVE_COUNT: &str = "select cast(sum(live_count) as signed) from board_stats";
const AUTHOR_COUNT_UP: &str =
    "update author_stats set live_count = live_count + 1 where user_id = ?";
const AUTHOR_COUNT_DOWN: &str = "update author_stats set live_count = live_count - 1 \
     where user_id = (select user_id from board where id = ?)";
const AUTHOR_COUNT_UP_OF: &str = "update author_stats set live_count = live_count + 1 \
     where user_id = (select user_id from board where id = ?)";
const FIND_ANY: &str = "select id, user_id, title, content, created_at, updated_at, deleted_at \
     from board where id = ?";
/// A hidden post back, unless its author's account was deleted meanwhile.
const UNDELETE: &str = "update board set deleted_at = null where id = ? and deleted_at is not null \
     and user_id in (select id from user where password <> ?)";
const FIND_LIVE: &str = "select id, user_id, title, content, created_at, updated_at, deleted_at \
     from board where id = ? and deleted_at is null";
const UPDATE: &str = "update board set title = ?, content = ?, updated_at = ? \
     where id = ? and deleted_at is null";
/// `UPDATE` on the version that the caller checked (`If-Match`): every write sets
/// `updated_at`, so an unchanged `updated_at` is an unchanged post. Of writers racing with one
/// version, the first one changes it and the others match nothing.
const UPDATE_UNCHANGED: &str = "update board set title = ?, content = ?, updated_at = ? \
     where id = ? and deleted_at is null and (updated_at = ? or (updated_at is null and ? is null))";
// `updated_at <= deleted_at`: an update that committed after the caller read the post may
// carry a later timestamp; then nothing is changed and the caller retries.
const SOFT_DELETE: &str = "update board set deleted_at = ? \
    where id = ? and deleted_at is null and (updated_at is null or updated_at <= ?)";
const SOFT_DELETE_UNCHANGED: &str = "update board set deleted_at = ? \
    where id = ? and deleted_at is null and (updated_at is null or updated_at <= ?) \
    and (updated_at = ? or (updated_at is null and ? is null))";
// Lists select ids on the (created_at, id, deleted_at) index alone, then join back for the
// other columns and each post's comment count ("deferred join"): otherwise MySQL fetches every skipped row, which made a
// deep page at 100K posts ~250 ms instead of ~1 ms. The first page and cursor pages also
// carry the live count, saving a round trip.
const FIRST: &str = "select b.id, b.user_id, b.title, b.content, b.created_at, b.updated_at, b.deleted_at, \
     coalesce(cs.live_count, 0) as comment_count, \
     (select cast(sum(live_count) as signed) from board_stats) as total \
     from (select id, created_at from board where deleted_at is null \
           order by created_at desc, id desc limit ?) page \
     join board b on b.id = page.id \
     left join board_comment_stats cs on cs.board_id = b.id \
     order by page.created_at desc, page.id desc";
const AT_OFFSET: &str = "select b.id, b.user_id, b.title, b.content, b.created_at, b.updated_at, b.deleted_at, \
     coalesce(cs.live_count, 0) as comment_count \
     from (select id, created_at from board where deleted_at is null \
           order by created_at desc, id desc limit ? offset ?) page \
     join board b on b.id = page.id \
     left join board_comment_stats cs on cs.board_id = b.id \
     order by page.created_at desc, page.id desc";
/// `AT_OFFSET` with the index named: since `board_author_newest` exists (also covering, but
/// in author order), MariaDB often answers an OFFSET page by scanning it and sorting
/// ("Creating sort index"): page 25 of 1,000 posts fell from ~3,200 to ~700 req/s.
const AT_OFFSET_MYSQL: &str = "select b.id, b.user_id, b.title, b.content, b.created_at, b.updated_at, b.deleted_at, \
     coalesce(cs.live_count, 0) as comment_count \
     from (select id, created_at from board force index (board_newest) where deleted_at is null \
           order by created_at desc, id desc limit ? offset ?) page \
     join board b on b.id = page.id \
     left join board_comment_stats cs on cs.board_id = b.id \
     order by page.created_at desc, page.id desc";
const AFTER: &str = "select b.id, b.user_id, b.title, b.content, b.created_at, b.updated_at, b.deleted_at, \
     coalesce(cs.live_count, 0) as comment_count, \
     (select cast(sum(live_count) as signed) from board_stats) as total \
     from (select id, created_at from board where deleted_at is null \
           and (created_at < ? or (created_at = ? and id < ?)) \
           order by created_at desc, id desc limit ?) page \
     join board b on b.id = page.id \
     left join board_comment_stats cs on cs.board_id = b.id \
     order by page.created_at desc, page.id desc";

// The same for one author's posts, on the (user_id, created_at, id, deleted_at) index. Their
// count is their row of `author_stats`, or, for an account without one (see the migration),
// a range of that index.
const AUTHOR_COUNT: &str = "select coalesce((select live_count from author_stats where user_id = ?), \
     (select count(*) from board where user_id = ? and deleted_at is null))";
const AUTHOR_FIRST: &str = "select b.id, b.user_id, b.title, b.content, b.created_at, b.updated_at, b.deleted_at, \
     coalesce(cs.live_count, 0) as comment_count, \
     coalesce((select live_count from author_stats where user_id = ?), \
              (select count(*) from board where user_id = ? and deleted_at is null)) as total \
     from (select id, created_at from board where user_id = ? and deleted_at is null \
           order by created_at desc, id desc limit ?) page \
     join board b on b.id = page.id \
     left join board_comment_stats cs on cs.board_id = b.id \
     order by page.created_at desc, page.id desc";
const AUTHOR_AT_OFFSET: &str = "select b.id, b.user_id, b.title, b.content, b.created_at, b.updated_at, b.deleted_at, \
     coalesce(cs.live_count, 0) as comment_count \
     from (select id, created_at from board where user_id = ? and deleted_at is null \
           order by created_at desc, id desc limit ? offset ?) page \
     join board b on b.id = page.id \
     left join board_comment_stats cs on cs.board_id = b.id \
     order by page.created_at desc, page.id desc";
const AUTHOR_AFTER: &str = "select b.id, b.user_id, b.title, b.content, b.created_at, b.updated_at, b.deleted_at, \
     coalesce(cs.live_count, 0) as comment_count, \
     coalesce((select live_count from author_stats where user_id = ?), \
              (select count(*) from board where user_id = ? and deleted_at is null)) as total \
     from (select id, created_at from board where user_id = ? and deleted_at is null \
           and (created_at < ? or (created_at = ? and id < ?)) \
           order by created_at desc, id desc limit ?) page \
     join board b on b.id = page.id \
     left join board_comment_stats cs on cs.board_id = b.id \
     order by page.created_at desc, page.id desc";

/// Inside a `transaction!` body: inserts `$board` and counts it, in the total and for its
/// author (shard row first, then author row, in every transaction), and starts its comment
/// count, and logs it for search; `false` (nothing written) when its author does not exist
/// or was deleted.
macro_rules! insert_counted {
    ($tx:ident, $board:expr) => {{
        let inserted = sqlx::query(INSERT)
            .bind($board.id.to_db())
            .bind($board.title.as_ref())
            .bind($board.content.as_ref())
            .bind($board.created_at)
            .bind($board.user_id.as_ref())
            .bind(DELETED_ACCOUNT)
            .execute(&mut *$tx)
            .await?
            .rows_affected()
            == 1;
        if inserted {
            sqlx::query(COUNT_UP)
                .bind(counter_shard($board.id))
                .execute(&mut *$tx)
                .await?;
            sqlx::query(AUTHOR_COUNT_UP)
                .bind($board.user_id.as_ref())
                .execute(&mut *$tx)
                .await?;
            sqlx::query(START_COMMENT_COUNT)
                .bind($board.id.to_db())
                .execute(&mut *$tx)
                .await?;
            sqlx::query(LOG_CHANGE)
                .bind($board.id.to_db())
                .execute(&mut *$tx)
                .await?;
        }
        inserted
    }};
}

/// A post of a list page, with its number of live comments (the column after the post's).
pub(super) struct ListedRow {
    board: BoardRow,
    comment_count: i64,
}

impl TryFrom<ListedRow> for ListedBoard {
    type Error = StoreError;

    fn try_from(row: ListedRow) -> Result<Self, StoreError> {
        Ok(ListedBoard {
            board: row.board.try_into()?,
            comment_count: row.comment_count.max(0) as u64,
        })
    }
}

fn into_listed(rows: Vec<ListedRow>) -> Result<Vec<ListedBoard>, StoreError> {
    rows.into_iter().map(ListedBoard::try_from).collect()
}

/// A list page's row with the number of posts the list counts (the column after those).
struct CountedRow {
    listed: ListedRow,
    total: i64,
}

/// `FromRow` by position for both backends' rows.
macro_rules! rows_by_position {
    ($($row:ty),*) => {$(
        impl sqlx::FromRow<'_, $row> for BoardRow {
            fn from_row(row: &$row) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok(Self {
                    id: row.try_get(0)?,
                    user_id: row.try_get(1)?,
                    title: row.try_get(2)?,
                    content: row.try_get(3)?,
                    created_at: row.try_get(4)?,
                    updated_at: row.try_get(5)?,
                    deleted_at: row.try_get(6)?,
                })
            }
        }

        impl sqlx::FromRow<'_, $row> for ListedRow {
            fn from_row(row: &$row) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok(Self {
                    board: BoardRow::from_row(row)?,
                    comment_count: row.try_get(7)?,
                })
            }
        }

        impl sqlx::FromRow<'_, $row> for CountedRow {
            fn from_row(row: &$row) -> Result<Self, sqlx::Error> {
                use sqlx::Row;
                Ok(Self {
                    listed: ListedRow::from_row(row)?,
                    total: row.try_get(8)?,
                })
            }
        }
    )*};
}
rows_by_position!(sqlx::mysql::MySqlRow, sqlx::sqlite::SqliteRow);

impl Store {
    /// Inserts a post and counts it, in one transaction.
    /// `false` when the author does not exist or was deleted.
    pub async fn insert_board(&self, board: &Board) -> Result<bool, StoreError> {
        let board = board.clone();
        transaction!(self, |tx| { insert_counted!(tx, board) })
    }

    /// `insert_board` under an idempotency key, in one transaction: the key's record (with
    /// `fingerprint` and the post as created) is written first, so that a concurrent request
    /// with the same key waits on it and then finds it; a record older than `expired_before`
    /// is replaced.
    pub async fn insert_board_once(
        &self,
        board: &Board,
        key: &IdempotencyKey,
        fingerprint: &str,
        expired_before: DateTime<Utc>,
    ) -> Result<KeyedInsert, StoreError> {
        let (board, key, fingerprint) = (board.clone(), key.clone(), fingerprint.to_string());
        let outcome = transaction!(self, |tx| {
            if let Some(row) = claim_key!(
                tx,
                board.user_id.as_ref(),
                &key,
                &fingerprint,
                board.id.to_db(),
                board.title.as_ref(),
                board.content.as_ref(),
                board.created_at,
                expired_before
            ) {
                let id = BoardId::parse(&row.resource_id).ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "stored board id {:?} is not a UUID",
                        row.resource_id
                    ))
                })?;
                return Ok(KeyedInsert::Used {
                    fingerprint: row.fingerprint,
                    board: Board {
                        id,
                        user_id: board.user_id.clone(),
                        title: Title::from_stored(row.title),
                        content: Content::from_stored(row.content),
                        created_at: Some(row.created_at),
                        updated_at: None,
                        deleted_at: None,
                    },
                });
            }
            if insert_counted!(tx, board) {
                KeyedInsert::Created
            } else {
                KeyedInsert::AuthorGone
            }
        });
        match outcome {
            // Another request with this key holds it: a lock wait that timed out, or the
            // deadlock of two waiters after its writer rolled back.
            Err(StoreError::Contention(_)) => Ok(KeyedInsert::InProgress),
            other => other,
        }
    }

    /// Removes idempotency records older than `before`; how many.
    pub async fn remove_expired_idempotency_keys(
        &self,
        before: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        autocommit!(self, |pool| sqlx::query(KEYS_EXPIRED)
            .bind(before)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))
    }

    /// A post that is not soft-deleted.
    pub async fn find_live_board(&self, id: BoardId) -> Result<Option<Board>, StoreError> {
        let row = read!(self, |conn| sqlx::query_as::<_, BoardRow>(FIND_LIVE)
            .bind(id.to_db())
            .fetch_optional(conn)
            .await)?;
        row.map(Board::try_from).transpose()
    }

    /// Rewrites a live post and logs it for search, in one transaction; `false` when it was deleted (or never existed) meanwhile, or,
    /// with `unchanged_since` (the `updated_at` the caller saw), when it changed meanwhile.
    pub async fn update_board(
        &self,
        id: BoardId,
        title: &Title,
        content: &Content,
        updated_at: DateTime<Utc>,
        unchanged_since: Option<Option<DateTime<Utc>>>,
    ) -> Result<bool, StoreError> {
        let (title, content) = (title.clone(), content.clone());
        transaction!(self, |tx| {
            let statement = sqlx::query(if unchanged_since.is_some() {
                UPDATE_UNCHANGED
            } else {
                UPDATE
            })
            .bind(title.as_ref())
            .bind(content.as_ref())
            .bind(updated_at)
            .bind(id.to_db());
            let statement = match unchanged_since {
                Some(seen) => statement.bind(seen).bind(seen),
                None => statement,
            };
            let updated = statement.execute(&mut *tx).await?.rows_affected() == 1;
            if updated {
                sqlx::query(LOG_CHANGE)
                    .bind(id.to_db())
                    .execute(&mut *tx)
                    .await?;
            }
            updated
        })
    }

    /// Soft-deletes a live post and uncounts it, in one transaction; `false` when it was
    /// already deleted (so that two racing deletes uncount it once), or when its `updated_at`
    /// is later than `deleted_at`.
    /// With `unchanged_since`, also when it changed since the caller saw it.
    /// With `hide`, a moderator's hide: the same deletion, marked and recorded with it.
    pub async fn soft_delete_board(
        &self,
        id: BoardId,
        deleted_at: DateTime<Utc>,
        unchanged_since: Option<Option<DateTime<Utc>>>,
        hide: Option<HideRecord>,
    ) -> Result<bool, StoreError> {
        transaction!(self, |tx| {
            let statement = sqlx::query(if unchanged_since.is_some() {
                SOFT_DELETE_UNCHANGED
            } else {
                SOFT_DELETE
            })
            .bind(deleted_at)
            .bind(id.to_db())
            .bind(deleted_at);
            let statement = match unchanged_since {
                Some(seen) => statement.bind(seen).bind(seen),
                None => statement,
            };
            let result = statement.execute(&mut *tx).await?;
            let deleted = result.rows_affected() == 1;
            if deleted {
                sqlx::query(COUNT_DOWN)
                    .bind(counter_shard(id))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(AUTHOR_COUNT_DOWN)
                    .bind(id.to_db())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(LOG_CHANGE)
                    .bind(id.to_db())
                    .execute(&mut *tx)
                    .await?;
                if let Some(hide) = &hide {
                    record_hide!(tx, hide);
                }
            }
            deleted
        })
    }

    /// A post as stored, deleted or not.
    pub async fn find_any_board(&self, id: BoardId) -> Result<Option<Board>, StoreError> {
        let row = read!(self, |conn| sqlx::query_as::<_, BoardRow>(FIND_ANY)
            .bind(id.to_db())
            .fetch_optional(conn)
            .await)?;
        row.map(Board::try_from).transpose()
    }

    /// Undoes a moderator's hide: the post is live and counted again, and in search; `false`
    /// (nothing changed) when it is not hidden, or its author's account was deleted since.
    pub async fn restore_board(
        &self,
        id: BoardId,
        actor: &UserId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let actor = actor.clone();
        transaction!(self, |tx| {
            if !unrecord_hide!(tx, TargetKind::Board, id.to_db(), actor.as_ref(), at) {
                return Ok(false);
            }
            let restored = sqlx::query(UNDELETE)
                .bind(id.to_db())
                .bind(DELETED_ACCOUNT)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if !restored {
                return Ok(false); // rolls the removed mark back
            }
            sqlx::query(COUNT_UP)
                .bind(counter_shard(id))
                .execute(&mut *tx)
                .await?;
            sqlx::query(AUTHOR_COUNT_UP_OF)
                .bind(id.to_db())
                .execute(&mut *tx)
                .await?;
            sqlx::query(LOG_CHANGE)
                .bind(id.to_db())
                .execute(&mut *tx)
                .await?;
            true
        })
    }

    /// Live posts, of everyone or of one `author`.
    pub async fn live_board_count(&self, author: Option<&UserId>) -> Result<u64, StoreError> {
        let count: i64 = read!(self, |conn| match author {
            None => sqlx::query_scalar(LIVE_COUNT).fetch_one(conn).await,
            Some(author) => {
                sqlx::query_scalar(AUTHOR_COUNT)
                    .bind(author.as_ref())
                    .bind(author.as_ref())
                    .fetch_one(conn)
                    .await
            }
        })?;
        Ok(count.max(0) as u64)
    }

    /// The first `limit` live posts (of `author`, if given), newest first, and their count.
    pub async fn list_boards_first(
        &self,
        author: Option<&UserId>,
        limit: u32,
    ) -> Result<(Vec<ListedBoard>, u64), StoreError> {
        let rows = read!(self, |conn| {
            let statement = match author {
                None => sqlx::query_as::<_, CountedRow>(FIRST),
                Some(author) => sqlx::query_as::<_, CountedRow>(AUTHOR_FIRST)
                    .bind(author.as_ref())
                    .bind(author.as_ref())
                    .bind(author.as_ref()),
            };
            statement.bind(i64::from(limit)).fetch_all(conn).await
        })?;
        self.with_total(author, rows).await
    }

    /// Live posts, newest first, skipping `offset` (callers skip this past the end).
    pub async fn list_boards_at(
        &self,
        author: Option<&UserId>,
        offset: u64,
        limit: u32,
    ) -> Result<Vec<ListedBoard>, StoreError> {
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let rows = read!(self, |conn| {
            let statement = match author {
                None => sqlx::query_as::<_, ListedRow>(self.dialect(AT_OFFSET_MYSQL, AT_OFFSET)),
                Some(author) => {
                    sqlx::query_as::<_, ListedRow>(AUTHOR_AT_OFFSET).bind(author.as_ref())
                }
            };
            statement
                .bind(i64::from(limit))
                .bind(offset)
                .fetch_all(conn)
                .await
        })?;
        into_listed(rows)
    }

    /// Live posts, newest first, strictly after `cursor` (keyset paging: no scan of what
    /// comes before), and their count.
    pub async fn list_boards_after(
        &self,
        author: Option<&UserId>,
        cursor: &Cursor,
        limit: u32,
    ) -> Result<(Vec<ListedBoard>, u64), StoreError> {
        let rows = read!(self, |conn| {
            let statement = match author {
                None => sqlx::query_as::<_, CountedRow>(AFTER),
                Some(author) => sqlx::query_as::<_, CountedRow>(AUTHOR_AFTER)
                    .bind(author.as_ref())
                    .bind(author.as_ref())
                    .bind(author.as_ref()),
            };
            statement
                .bind(cursor.created_at)
                .bind(cursor.created_at)
                .bind(cursor.id.to_db())
                .bind(i64::from(limit))
                .fetch_all(conn)
                .await
        })?;
        self.with_total(author, rows).await
    }

    /// The posts of counted rows, and their count (asked separately when there are no rows).
    async fn with_total(
        &self,
        author: Option<&UserId>,
        rows: Vec<CountedRow>,
    ) -> Result<(Vec<ListedBoard>, u64), StoreError> {
        let total = match rows.first() {
            Some(row) => row.total.max(0) as u64,
            None => self.live_board_count(author).await?,
        };
        let boards = into_listed(rows.into_iter().map(|row| row.listed).collect())?;
        Ok((boards, total))
    }
}
