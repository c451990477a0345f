//! Login sessions, refused tokens and token floors (migrations `*_sessions.sql`).

use chrono::{DateTime, Utc};

use super::{Store, StoreError, autocommit, read, rerun_on_contention, transaction};
use crate::domain::{SessionId, UserId};

/// A session as a login starts it.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub id: SessionId,
    pub user: UserId,
    pub refresh_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What presenting a refresh token did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// It was the session's current token, now replaced.
    Rotated { session: SessionId, user: UserId },
    /// It had been used before: the session was ended.
    Reused,
    /// No live session knows it (never issued, expired, or its session ended).
    Unknown,
}

const INSERT: &str = "insert into user_session (id, user_id, refresh_hash, created_at, expires_at) \
     values (?, ?, ?, ?, ?)";
/// The creation time of the user's `n`-th newest session (0-based), for the cap.
const NTH_NEWEST: &str = "select created_at from user_session where user_id = ? \
     order by created_at desc, id desc limit 1 offset ?";
const DELETE_OLDER_THAN: &str = "delete from user_session where user_id = ? and created_at < ?";
const IS_LIVE: &str = "select count(*) from user_session where id = ? and user_id = ?";
const ROTATE: &str = "update user_session set refresh_hash = ?, expires_at = ? \
     where refresh_hash = ? and expires_at > ?";
const BY_REFRESH: &str = "select id, user_id from user_session where refresh_hash = ?";
const MARK_USED: &str = "insert into used_refresh_token (token_hash, session_id) values (?, ?)";
const USED_BY: &str = "select session_id from used_refresh_token where token_hash = ?";
const DELETE_ONE: &str = "delete from user_session where id = ?";
const DELETE_OTHERS: &str = "delete from user_session where user_id = ? and id <> ?";
pub(super) const DELETE_ALL_OF_USER: &str = "delete from user_session where user_id = ?";
const REVOKE: &str = "insert into revoked_token (jti, expires_at) values (?, ?)";
const REFUSED: &str = "select (select count(*) from revoked_token where jti = ?) \
     + (select count(*) from token_floor where user_id = ? and not_before > ?)";
pub(super) const CLEAR_FLOOR: &str = "delete from token_floor where user_id = ?";
pub(super) const SET_FLOOR: &str = "insert into token_floor (user_id, not_before) values (?, ?)";
const EXPIRED_SESSIONS: &str = "delete from user_session where expires_at <= ?";
const EXPIRED_REVOCATIONS: &str = "delete from revoked_token where expires_at <= ?";
const OLD_FLOORS: &str = "delete from token_floor where not_before <= ?";

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: String,
    user_id: String,
}

impl Store {
    /// Starts a session; then, if the user has more than `keep` sessions, ends the oldest.
    /// Concurrent logins of one user past the cap can deadlock on MySQL (each one's insert
    /// waits on another's range delete): the one rolled back runs again.
    pub async fn insert_session(&self, session: &NewSession, keep: u32) -> Result<(), StoreError> {
        rerun_on_contention("session insert", || self.insert_session_once(session, keep)).await
    }

    async fn insert_session_once(&self, session: &NewSession, keep: u32) -> Result<(), StoreError> {
        let session = session.clone();
        transaction!(self, |tx| {
            sqlx::query(INSERT)
                .bind(session.id.to_db())
                .bind(session.user.as_ref())
                .bind(&session.refresh_hash)
                .bind(session.created_at)
                .bind(session.expires_at)
                .execute(&mut *tx)
                .await?;
            let boundary: Option<DateTime<Utc>> = sqlx::query_scalar(NTH_NEWEST)
                .bind(session.user.as_ref())
                .bind(i64::from(keep) - 1)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(boundary) = boundary {
                sqlx::query(DELETE_OLDER_THAN)
                    .bind(session.user.as_ref())
                    .bind(boundary)
                    .execute(&mut *tx)
                    .await?;
            }
        })
    }

    /// The session exists (and so has not ended) and is the user's.
    pub async fn session_is_live(&self, id: SessionId, user: &UserId) -> Result<bool, StoreError> {
        let count: i64 = read!(self, |conn| sqlx::query_scalar(IS_LIVE)
            .bind(id.to_db())
            .bind(user.as_ref())
            .fetch_one(conn)
            .await)?;
        Ok(count > 0)
    }

    /// Replaces the refresh token whose hash is `presented` by `replacement`, valid until
    /// `expires_at`, and remembers the old one as used; a token that was used before ends its
    /// session. Of concurrent rotations of one token exactly one succeeds: the update is a
    /// compare-and-set on the hash, and the losers find the token used.
    ///
    /// A rotation racing the end of its session (logout) can deadlock with it on MySQL; it
    /// was rolled back whole, so it runs again (and then finds the session gone).
    pub async fn rotate_refresh_token(
        &self,
        presented: String,
        replacement: String,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Rotation, StoreError> {
        rerun_on_contention("refresh rotation", || {
            self.rotate_refresh_token_once(presented.clone(), replacement.clone(), expires_at, now)
        })
        .await
    }

    async fn rotate_refresh_token_once(
        &self,
        presented: String,
        replacement: String,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Rotation, StoreError> {
        transaction!(self, |tx| {
            let rotated = sqlx::query(ROTATE)
                .bind(&replacement)
                .bind(expires_at)
                .bind(&presented)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if rotated {
                let row = sqlx::query_as::<_, SessionRow>(BY_REFRESH)
                    .bind(&replacement)
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(MARK_USED)
                    .bind(&presented)
                    .bind(&row.id)
                    .execute(&mut *tx)
                    .await?;
                let session = SessionId::parse(&row.id).ok_or_else(|| {
                    StoreError::Corrupt(format!("stored session id {:?} is not a UUID", row.id))
                })?;
                Rotation::Rotated {
                    session,
                    user: UserId::from_stored(row.user_id),
                }
            } else {
                let used_by: Option<String> = sqlx::query_scalar(USED_BY)
                    .bind(&presented)
                    .fetch_optional(&mut *tx)
                    .await?;
                match used_by {
                    Some(session) => {
                        sqlx::query(DELETE_ONE)
                            .bind(session)
                            .execute(&mut *tx)
                            .await?;
                        Rotation::Reused
                    }
                    None => Rotation::Unknown,
                }
            }
        })
    }

    /// Ends one session (again when a racing refresh made MySQL roll the delete back).
    pub async fn delete_session(&self, id: SessionId) -> Result<(), StoreError> {
        rerun_on_contention("session delete", || async {
            autocommit!(self, |pool| sqlx::query(DELETE_ONE)
                .bind(id.to_db())
                .execute(pool)
                .await
                .map(|_| ()))
        })
        .await
    }

    /// Ends every session of `user` except `keep`.
    pub async fn delete_other_sessions(
        &self,
        user: &UserId,
        keep: Option<SessionId>,
    ) -> Result<(), StoreError> {
        // No session is the nil id, so `None` ends them all.
        let keep = keep.map_or_else(|| uuid::Uuid::nil().to_string(), SessionId::to_db);
        autocommit!(self, |pool| sqlx::query(DELETE_OTHERS)
            .bind(user.as_ref())
            .bind(&keep)
            .execute(pool)
            .await
            .map(|_| ()))
    }

    /// Refuses a session-less access token by its `jti` until it expires.
    pub async fn revoke_token(
        &self,
        jti: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let result = autocommit!(self, |pool| sqlx::query(REVOKE)
            .bind(jti)
            .bind(expires_at)
            .execute(pool)
            .await
            .map(|_| ()));
        match result {
            // Revoked already (a second logout with the same token).
            Err(StoreError::Database(sqlx::Error::Database(e))) if e.is_unique_violation() => {
                Ok(())
            }
            other => other,
        }
    }

    /// A session-less access token is refused: revoked by its `jti`, or issued before the
    /// user's token floor.
    pub async fn token_is_refused(
        &self,
        jti: &str,
        user: &UserId,
        issued_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let count: i64 = read!(self, |conn| sqlx::query_scalar(REFUSED)
            .bind(jti)
            .bind(user.as_ref())
            .bind(issued_at)
            .fetch_one(conn)
            .await)?;
        Ok(count > 0)
    }

    /// Refuses every session-less access token of `user` issued before `at`.
    pub async fn set_token_floor(
        &self,
        user: &UserId,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let user = user.clone();
        transaction!(self, |tx| {
            sqlx::query(CLEAR_FLOOR)
                .bind(user.as_ref())
                .execute(&mut *tx)
                .await?;
            sqlx::query(SET_FLOOR)
                .bind(user.as_ref())
                .bind(at)
                .execute(&mut *tx)
                .await?;
        })
    }

    /// Removes what can no longer matter: sessions whose refresh token expired (their
    /// access tokens are refused once the row is gone), revocations of tokens that expired,
    /// and floors older than any token they could refuse. Rows removed, in all.
    pub async fn remove_expired_sessions(
        &self,
        now: DateTime<Utc>,
        floors_before: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let mut removed = 0;
        for (statement, at) in [
            (EXPIRED_SESSIONS, now),
            (EXPIRED_REVOCATIONS, now),
            (OLD_FLOORS, floors_before),
        ] {
            removed += autocommit!(self, |pool| sqlx::query(statement)
                .bind(at)
                .execute(pool)
                .await
                .map(|done| done.rows_affected()))?;
        }
        Ok(removed)
    }
}
