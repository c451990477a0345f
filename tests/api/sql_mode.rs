//! Production MySQL (8.4, RDS) runs a strict `sql_mode`; every statement must work under it.
//! CI runs this whole suite with the server in that mode (and says so in
//! `BOARD_TEST_SQL_MODE`, which the first test checks).

use crate::helpers::*;

backends!(
    signups_one_after_another_all_succeed,
    a_signup_that_fails_half_way_leaves_no_account,
);

/// MySQL 8.4's default `sql_mode`, flag by flag (MariaDB spells `NO_ZERO_DATE` alike).
pub const MYSQL_84_DEFAULT: &[&str] = &[
    "ONLY_FULL_GROUP_BY",
    "STRICT_TRANS_TABLES",
    "NO_ZERO_IN_DATE",
    "NO_ZERO_DATE",
    "ERROR_FOR_DIVISION_BY_ZERO",
    "NO_ENGINE_SUBSTITUTION",
];

/// The server's connections start from the global mode (sqlx only appends to it), so the
/// global mode is the one every statement of the suite runs under.
#[tokio::test]
async fn the_mysql_server_runs_the_mode_ci_asked_for() {
    use sqlx::Connection;
    let mut connection = sqlx::MySqlConnection::connect(&mysql_base_url())
        .await
        .expect("MySQL tests need a MySQL/MariaDB server (see TEST_MYSQL_URL)");
    let mode: String = sqlx::query_scalar("select @@global.sql_mode")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    let flags: Vec<&str> = mode.split(',').collect();
    match std::env::var("BOARD_TEST_SQL_MODE").as_deref() {
        Ok("strict") => {
            for flag in MYSQL_84_DEFAULT {
                assert!(
                    flags.contains(flag),
                    "{flag} missing from sql_mode {mode:?}"
                );
            }
        }
        Ok("lax") => {
            for flag in [
                "ONLY_FULL_GROUP_BY",
                "STRICT_TRANS_TABLES",
                "STRICT_ALL_TABLES",
            ] {
                assert!(!flags.contains(&flag), "lax run, yet sql_mode is {mode:?}");
            }
        }
        Ok(other) => panic!("BOARD_TEST_SQL_MODE is strict or lax, not {other:?}"),
        Err(_) => assert!(
            std::env::var_os("CI").is_none(),
            "CI must set BOARD_TEST_SQL_MODE (and the server's mode with it)"
        ),
    }
}

/// sqlx keeps prepared statements per connection; under ONLY_FULL_GROUP_BY MariaDB refused the
/// second EXECUTE of signup's `insert … select ?, count(*)` (1140), so every signup after the
/// first on a connection answered 500 while the account was created all the same.
async fn signups_one_after_another_all_succeed(app: TestApp) {
    for n in 0..6 {
        let email = format!("one-after-another-{n}@example.com");
        let body = expect_status(app.signup(&email, "password123").await, 201).await;
        let id = body["user"]["id"].as_str().unwrap().to_string();
        let token = app.login_ok(&email, "password123").await["accessToken"]
            .as_str()
            .unwrap()
            .to_string();
        app.board(&token, &format!("post {n}")).await;
        let mine = expect_status(
            app.get(&format!("/api/board/boards?userId={id}")).await,
            200,
        )
        .await;
        assert_eq!(mine["totalBoard"], 1, "{mine}");
    }
    let all = expect_status(app.get("/api/board/boards").await, 200).await;
    assert_eq!(all["totalBoard"], 6, "{all}");
}

/// What a signup writes commits together or not at all: with the count table gone, the
/// signup fails and the account does not exist.
async fn a_signup_that_fails_half_way_leaves_no_account(app: TestApp) {
    app.execute("drop table author_stats").await;
    let answer = app.signup("half-way@example.com", "password123").await;
    assert!(answer.status().is_server_error(), "{}", answer.status());
    assert_eq!(
        app.count("select count(*) from user where email = 'half-way@example.com'")
            .await,
        0
    );
}
