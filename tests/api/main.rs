//! Integration tests over real HTTP, every one on MySQL and on SQLite.

#[path = "../common/mod.rs"]
mod common;
mod helpers;

mod boards;
mod comments;
mod concurrency;
mod conditional;
mod cors;
mod dropin;
mod errors;
mod limits;
mod list;
mod metrics;
mod moderation;
mod operations;
mod ratelimit;
mod search;
mod session_expiry;
mod sessions;
mod sql_mode;
mod tokens;
mod users;
