//! The feed of the search index (src/search): the change log that writes append to, and the
//! reads that the index is built and kept from. Nothing here knows how the index works.

use super::{Store, StoreError, autocommit, boards::BoardRow, read};
use crate::domain::{Board, BoardId, ListedBoard};

/// Appended, in the write's own transaction and as its last statement (the shorter the time
/// between taking a `seq` and committing, the less often a reader sees a gap; see
/// `search::follow`), by every write that changes what search may find.
pub(super) const LOG_CHANGE: &str = "insert into board_search_log (board_id) values (?)";
/// The same for every live post of an author (before they are soft-deleted).
pub(super) const LOG_CHANGES_OF_AUTHOR: &str = "insert into board_search_log (board_id) \
     select id from board where user_id = ? and deleted_at is null";

const ORIGIN: &str = "select origin from board_search_origin where id = 1";
const LOG_AFTER: &str =
    "select seq, board_id from board_search_log where seq > ? order by seq limit ?";
/// Followed by `(?, ?, …)`: one placeholder per seq.
const LOG_AT: &str = "select seq, board_id from board_search_log where seq in ";
const LOG_SPAN: &str = "select min(seq), max(seq) from board_search_log";
const LOG_FORGET: &str = "delete from board_search_log where seq < ?";
const LIVE_AFTER_ID: &str = "select id, user_id, title, content, created_at, updated_at, deleted_at \
     from board where deleted_at is null and id > ? order by id limit ?";
/// Followed by `(?, ?, …)`: one placeholder per id.
const BY_IDS: &str = "select id, user_id, title, content, created_at, updated_at, deleted_at \
     from board where id in ";
const LISTED_BY_IDS: &str = "select b.id, b.user_id, b.title, b.content, b.created_at, b.updated_at, \
     b.deleted_at, coalesce(cs.live_count, 0) as comment_count \
     from board b left join board_comment_stats cs on cs.board_id = b.id \
     where b.deleted_at is null and b.id in ";

/// Ids per `IN (…)` list: far below both backends' placeholder limits.
pub const MAX_IDS_PER_READ: usize = 500;

/// One row of the change log: "post `board_id` may have changed", in `seq` order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedChange {
    pub seq: i64,
    pub board_id: String,
}

fn in_list(prefix: &str, count: usize) -> String {
    let mut sql = String::with_capacity(prefix.len() + 2 + count * 3);
    sql.push_str(prefix);
    sql.push('(');
    for i in 0..count {
        sql.push_str(if i == 0 { "?" } else { ", ?" });
    }
    sql.push(')');
    sql
}

impl Store {
    /// The database's identity (made by its migration, never changed).
    pub async fn search_origin(&self) -> Result<String, StoreError> {
        read!(self, |conn| sqlx::query_scalar(ORIGIN)
            .fetch_one(conn)
            .await)
    }

    /// Up to `limit` rows of the change log after `after`, in `seq` order.
    pub async fn search_log_after(
        &self,
        after: i64,
        limit: u32,
    ) -> Result<Vec<LoggedChange>, StoreError> {
        let rows: Vec<(i64, String)> = read!(self, |conn| sqlx::query_as(LOG_AFTER)
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(conn)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|(seq, board_id)| LoggedChange { seq, board_id })
            .collect())
    }

    /// The rows of the change log with these `seq`s (those that exist; any order). At most
    /// `MAX_IDS_PER_READ`.
    pub async fn search_log_at(&self, seqs: &[i64]) -> Result<Vec<LoggedChange>, StoreError> {
        if seqs.is_empty() {
            return Ok(Vec::new());
        }
        let sql = in_list(LOG_AT, seqs.len());
        let rows: Vec<(i64, String)> = read!(self, |conn| {
            let mut statement = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            for seq in seqs {
                statement = statement.bind(*seq);
            }
            statement.fetch_all(conn).await
        })?;
        Ok(rows
            .into_iter()
            .map(|(seq, board_id)| LoggedChange { seq, board_id })
            .collect())
    }

    /// The lowest and highest `seq` in the change log (`None` when it is empty).
    pub async fn search_log_span(&self) -> Result<(Option<i64>, Option<i64>), StoreError> {
        read!(self, |conn| sqlx::query_as(LOG_SPAN).fetch_one(conn).await)
    }

    /// Removes the change log's rows before `seq`; how many.
    pub async fn forget_search_log_before(&self, seq: i64) -> Result<u64, StoreError> {
        autocommit!(self, |pool| sqlx::query(LOG_FORGET)
            .bind(seq)
            .execute(pool)
            .await
            .map(|done| done.rows_affected()))
    }

    /// Up to `limit` live posts with an id above `after`, in id order (a rebuild's pass).
    pub async fn live_boards_after_id(
        &self,
        after: &str,
        limit: u32,
    ) -> Result<Vec<Board>, StoreError> {
        let rows = read!(self, |conn| sqlx::query_as::<_, BoardRow>(LIVE_AFTER_ID)
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(conn)
            .await)?;
        rows.into_iter().map(Board::try_from).collect()
    }

    /// The posts with these ids as they are now, deleted ones included (any order; unknown
    /// ids are left out). At most `MAX_IDS_PER_READ` ids.
    pub async fn boards_by_ids(&self, ids: &[String]) -> Result<Vec<Board>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = in_list(BY_IDS, ids.len());
        let rows = read!(self, |conn| {
            let mut statement = sqlx::query_as::<_, BoardRow>(sqlx::AssertSqlSafe(sql.clone()));
            for id in ids {
                statement = statement.bind(id);
            }
            statement.fetch_all(conn).await
        })?;
        rows.into_iter().map(Board::try_from).collect()
    }

    /// The live ones of these posts as the list shows them (any order). At most
    /// `MAX_IDS_PER_READ` ids.
    pub async fn listed_boards_by_ids(
        &self,
        ids: &[BoardId],
    ) -> Result<Vec<ListedBoard>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = in_list(LISTED_BY_IDS, ids.len());
        let rows = read!(self, |conn| {
            let mut statement =
                sqlx::query_as::<_, super::boards::ListedRow>(sqlx::AssertSqlSafe(sql.clone()));
            for id in ids {
                statement = statement.bind(id.to_db());
            }
            statement.fetch_all(conn).await
        })?;
        rows.into_iter().map(ListedBoard::try_from).collect()
    }
}
