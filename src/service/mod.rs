//! The rules: who may do what, in which order. Takes and returns domain types; no HTTP, no SQL.

pub mod boards;
mod login_limit;
pub mod users;

pub use login_limit::LoginLimiter;

use chrono::{DateTime, SubsecRound, Utc};

/// Timestamps are stored with microseconds (MySQL `DATETIME(6)`); truncate now so that what we
/// return equals what a later read returns.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}
