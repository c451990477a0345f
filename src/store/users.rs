use chrono::{DateTime, Utc};

use super::{Store, StoreError, autocommit, read};
use crate::domain::{Email, User, UserId};

#[derive(sqlx::FromRow)]
struct UserRow {
    id: String,
    email: String,
    password: String,
    created_at: DateTime<Utc>,
}

impl UserRow {
    fn into_user(self) -> (User, String) {
        let user = User {
            id: UserId::from_stored(self.id),
            email: Email::from_stored(self.email),
            created_at: self.created_at,
        };
        (user, self.password)
    }
}

const INSERT: &str = "insert into user (id, email, password, created_at) values (?, ?, ?, ?)";
const BY_EMAIL: &str = "select id, email, password, created_at from user where email = ?";
const EXISTS: &str = "select count(*) from user where id = ?";
const SET_PASSWORD: &str = "update user set password = ? where id = ?";

impl Store {
    /// Inserts a user; the unique index on `email` (the table's one unique key besides the
    /// generated id) turns a duplicate, even a concurrent one, into `Duplicate`.
    pub async fn insert_user(&self, user: &User, password_hash: &str) -> Result<(), StoreError> {
        let result = autocommit!(self, |pool| sqlx::query(INSERT)
            .bind(user.id.as_ref())
            .bind(user.email.as_ref())
            .bind(password_hash)
            .bind(user.created_at)
            .execute(pool)
            .await
            .map(|_| ()));
        match result {
            Err(StoreError::Database(sqlx::Error::Database(e))) if e.is_unique_violation() => {
                Err(StoreError::Duplicate)
            }
            other => other,
        }
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
}
