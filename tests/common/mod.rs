//! Mechanics shared by the test binaries (`tests/api` and `tests/cli.rs`).
#![allow(dead_code)]

pub mod raw_http;
pub mod temp_dir;
