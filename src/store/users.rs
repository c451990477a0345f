use chrono::{DateTime, Utc};

use super::{
    DELETED_ACCOUNT, Store, StoreError, autocommit,
    comments::delete_comments_of,
    counter_shard, read,
    sessions::{CLEAR_FLOOR, DELETE_ALL_OF_USER, SET_FLOOR},
    transaction,
};
use crate::domain::{Ban, BoardId, Email, Role, User, UserId};

#[derive(sqlx::FromRow)]
pub(super) struct UserRow {
    id: String,
    email: String,
    password: String,
    created_at: DateTime<Utc>,
    role: String,
    ban_reason: Option<String>,
    banned_until: Option<DateTime<Utc>>,
}

impl UserRow {
    pub(super) fn into_user(self) -> (User, String) {
        let user = User {
            id: UserId::from_stored(self.id),
            email: Email::from_stored(self.email),
            created_at: self.created_at,
            role: Role::from_stored(&self.role),
            ban: self.ban_reason.map(|_| Ban {
                until: self.banned_until,
            }),
        };
        (user, self.password)
    }
}

const INSERT: &str = "insert into user (id, email, password, created_at) values (?, ?, ?, ?)";
// A new account has no posts: its id is new, and no token for it exists before the signup
// commits. (Not `select ?, count(*) …`: under ONLY_FULL_GROUP_BY, MariaDB refuses a
// placeholder beside an aggregate from the second execution of the prepared statement on.)
const START_AUTHOR_COUNT: &str = "insert into author_stats (user_id, live_count) values (?, 0)";
const BY_EMAIL: &str = "select id, email, password, created_at, role, ban_reason, banned_until \
     from user where email = ?";
pub(super) const BY_ID: &str = "select id, email, password, created_at, role, ban_reason, banned_until \
     from user where id = ? and password <> ?";
const EXISTS: &str = "select count(*) from user where id = ? and password <> ?";
const SET_PASSWORD: &str = "update user set password = ? where id = ?";
const TOMBSTONE: &str = "update user set email = ?, password = ? where id = ? and password <> ?";
const LIVE_POSTS_OF: &str = "select id from board where user_id = ? and deleted_at is null";
const SOFT_DELETE_ALL_OF: &str =
    "update board set deleted_at = ? where user_id = ? and deleted_at is null";
const COUNT_DOWN_BY: &str = "update board_stats set live_count = live_count - ? where id = ?";
const AUTHOR_COUNT_NONE: &str = "update author_stats set live_count = 0 where user_id = ?";

impl Store {
    /// Inserts a user and their row of post counts, in one transaction; the unique index on
    /// `email` (the table's one unique key besides the generated id) turns a duplicate, even a
    /// concurrent one, into `Duplicate`.
    pub async fn insert_user(&self, user: &User, password_hash: &str) -> Result<(), StoreError> {
        let (user, password_hash) = (user.clone(), password_hash.to_string());
        transaction!(self, |tx| {
            let inserted = sqlx::query(INSERT)
                .bind(user.id.as_ref())
                .bind(user.email.as_ref())
                .bind(&password_hash)
                .bind(user.created_at)
                .execute(&mut *tx)
                .await;
            match inserted {
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                    return Err(StoreError::Duplicate);
                }
                other => other?,
            };
            sqlx::query(START_AUTHOR_COUNT)
                .bind(user.id.as_ref())
                .execute(&mut *tx)
                .await?;
        })
    }

    /// The user and their stored password hash.
    pub async fn find_user_by_email(
        &self,
        email: &Email,
    ) -> Result<Option<(User, String)>, StoreError> {
        let row = read!(self, |conn| sqlx::query_as::<_, UserRow>(BY_EMAIL)
            .bind(email.as_ref())
            .fetch_optional(conn)
            .await)?;
        Ok(row.map(UserRow::into_user))
    }

    pub async fn user_exists(&self, id: &UserId) -> Result<bool, StoreError> {
        let count: i64 = read!(self, |conn| sqlx::query_scalar(EXISTS)
            .bind(id.as_ref())
            .bind(DELETED_ACCOUNT)
            .fetch_one(conn)
            .await)?;
        Ok(count > 0)
    }

    pub async fn set_password_hash(
        &self,
        id: &UserId,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        autocommit!(self, |pool| sqlx::query(SET_PASSWORD)
            .bind(password_hash)
            .bind(id.as_ref())
            .execute(pool)
            .await
            .map(|_| ()))?;
        Ok(())
    }

    /// A user that exists and is not deleted, with the stored password hash.
    pub async fn find_user(&self, id: &UserId) -> Result<Option<(User, String)>, StoreError> {
        let row = read!(self, |conn| sqlx::query_as::<_, UserRow>(BY_ID)
            .bind(id.as_ref())
            .bind(DELETED_ACCOUNT)
            .fetch_optional(conn)
            .await)?;
        Ok(row.map(UserRow::into_user))
    }

    /// Deletes an account, in one transaction: the row keeps its id (its posts point at it)
    /// but loses its email and password (see `DELETED_ACCOUNT`), every session ends, its
    /// session-less tokens are refused from `at`, and its live posts and comments are
    /// soft-deleted and uncounted. `false` when the account was deleted already.
    pub async fn delete_account(&self, id: &UserId, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let id = id.clone();
        transaction!(self, |tx| {
            let tombstoned = sqlx::query(TOMBSTONE)
                .bind(format!("deleted account {}", id.as_ref()))
                .bind(DELETED_ACCOUNT)
                .bind(id.as_ref())
                .bind(DELETED_ACCOUNT)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if !tombstoned {
                return Ok(false);
            }
            sqlx::query(DELETE_ALL_OF_USER)
                .bind(id.as_ref())
                .execute(&mut *tx)
                .await?;
            sqlx::query(CLEAR_FLOOR)
                .bind(id.as_ref())
                .execute(&mut *tx)
                .await?;
            sqlx::query(SET_FLOOR)
                .bind(id.as_ref())
                .bind(at)
                .execute(&mut *tx)
                .await?;
            // Creates of this user wait on the row lock taken above and then find the
            // account deleted (see INSERT in store/boards.rs), so this list is complete.
            sqlx::query(super::search::LOG_CHANGES_OF_AUTHOR)
                .bind(id.as_ref())
                .execute(&mut *tx)
                .await?;
            let live: Vec<String> = sqlx::query_scalar(LIVE_POSTS_OF)
                .bind(id.as_ref())
                .fetch_all(&mut *tx)
                .await?;
            sqlx::query(SOFT_DELETE_ALL_OF)
                .bind(at)
                .bind(id.as_ref())
                .execute(&mut *tx)
                .await?;
            let mut per_shard = std::collections::BTreeMap::<i64, i64>::new();
            for post in &live {
                let post = BoardId::parse(post).ok_or_else(|| {
                    StoreError::Corrupt(format!("stored board id {post:?} is not a UUID"))
                })?;
                *per_shard.entry(counter_shard(post)).or_default() += 1;
            }
            for (shard, count) in per_shard {
                sqlx::query(COUNT_DOWN_BY)
                    .bind(count)
                    .bind(shard)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query(AUTHOR_COUNT_NONE)
                .bind(id.as_ref())
                .execute(&mut *tx)
                .await?;
            delete_comments_of!(tx, id.as_ref(), at);
            true
        })
    }
}
