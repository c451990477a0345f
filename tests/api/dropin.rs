//! Drop-in replacement: started on a database exactly as the original Flask service left it
//! (its Alembic DDL, Werkzeug password hashes, soft-deleted posts, a 3-byte utf8 database),
//! the server keeps every user, post and session. MySQL only: the original ran on MySQL.

use std::collections::BTreeMap;

use chrono::{NaiveDateTime, TimeZone, Utc};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::{Connection, MySqlConnection, Row};

use crate::helpers::{Backend, SECRET, TestApp, TestDb, board_path, expect_error, expect_status};

/// The DDL of Alembic revisions cdfdd14427d9 + 3f72ab04c9de, as SQLAlchemy emitted it for MySQL.
const ORIGINAL_SCHEMA: &[&str] = &[
    "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))",
    "CREATE TABLE user (id VARCHAR(50) NOT NULL, email VARCHAR(150) NOT NULL, password VARCHAR(200) NOT NULL, \
     created_at DATETIME NOT NULL, PRIMARY KEY (id), UNIQUE (email))",
    "CREATE TABLE board (id INTEGER NOT NULL AUTO_INCREMENT, user_id VARCHAR(50) NOT NULL, title VARCHAR(200) NOT NULL, \
     content TEXT NOT NULL, created_at DATETIME NOT NULL, updated_at DATETIME, deleted_at DATETIME, PRIMARY KEY (id), \
     FOREIGN KEY(user_id) REFERENCES user (id) ON DELETE CASCADE)",
    "INSERT INTO alembic_version (version_num) VALUES ('cdfdd14427d9')",
    "ALTER TABLE board MODIFY id VARCHAR(50) NOT NULL",
    "ALTER TABLE board MODIFY created_at DATETIME NULL",
    "UPDATE alembic_version SET version_num='3f72ab04c9de' WHERE alembic_version.version_num = 'cdfdd14427d9'",
];

struct OriginalPost {
    id: &'static str,
    author: usize,
    title: &'static str,
    created_at: &'static str,
    updated_at: Option<&'static str>,
    deleted_at: Option<&'static str>,
}

const USER_IDS: [&str; 3] = [
    "ce1dc4c6-a14c-4258-b9ff-230ca1ed6f27",
    "5b0f3c2e-8f5d-4a1e-9d3c-2b7a6e1f0c44",
    "a3e4b5c6-d7e8-4f90-8a1b-2c3d4e5f6a7b",
];

const POSTS: [OriginalPost; 5] = [
    OriginalPost {
        id: "30d112cc-839d-49b1-b36f-86823eb65dca",
        author: 0,
        title: "안녕하세요.",
        created_at: "2023-08-05 13:00:00",
        updated_at: Some("2023-08-05 14:00:00"),
        deleted_at: None,
    },
    OriginalPost {
        id: "4f1e2d3c-4b5a-4968-8776-655443322110",
        author: 1,
        title: "두 번째 글",
        created_at: "2023-08-06 09:30:00",
        updated_at: None,
        deleted_at: None,
    },
    OriginalPost {
        id: "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
        author: 0,
        title: "deleted one",
        created_at: "2023-08-06 10:00:00",
        updated_at: None,
        deleted_at: Some("2023-08-07 08:00:00"),
    },
    OriginalPost {
        id: "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a",
        author: 2,
        title: "<b>raw html</b> & 'quotes'",
        created_at: "2023-08-07 23:59:59",
        updated_at: None,
        deleted_at: None,
    },
    OriginalPost {
        id: "0a1b2c3d-4e5f-4061-8728-394a5b6c7d8e",
        author: 1,
        title: "also deleted",
        created_at: "2023-08-08 00:00:00",
        updated_at: None,
        deleted_at: Some("2023-08-08 01:00:00"),
    },
];

fn fixtures() -> Vec<Value> {
    serde_json::from_str(include_str!("../fixtures/werkzeug_hashes.json")).unwrap()
}

async fn build_original_database(url: &str) {
    let mut db = MySqlConnection::connect(url).await.unwrap();
    for statement in ORIGINAL_SCHEMA {
        sqlx::query(*statement).execute(&mut db).await.unwrap();
    }
    for (i, user) in fixtures().iter().enumerate() {
        sqlx::query("INSERT INTO user (id, email, password, created_at) VALUES (?, ?, ?, ?)")
            .bind(USER_IDS[i])
            .bind(user["email"].as_str().unwrap())
            .bind(user["hash"].as_str().unwrap())
            .bind(format!("2023-08-0{} 12:00:00", i + 1))
            .execute(&mut db)
            .await
            .unwrap();
    }
    for post in &POSTS {
        sqlx::query(
            "INSERT INTO board (id, user_id, title, content, created_at, updated_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(post.id)
        .bind(USER_IDS[post.author])
        .bind(post.title)
        .bind(format!("content of {}\n반갑습니다.", post.id))
        .bind(post.created_at)
        .bind(post.updated_at)
        .bind(post.deleted_at)
        .execute(&mut db)
        .await
        .unwrap();
    }
    db.close().await.unwrap();
}

/// Every user and post as text, timestamps at microsecond precision, for before/after checks.
async fn snapshot(url: &str) -> BTreeMap<String, Vec<String>> {
    let mut db = MySqlConnection::connect(url).await.unwrap();
    let mut out = BTreeMap::new();
    let queries = [
        (
            "user",
            "select concat_ws('|', id, email, password, date_format(created_at, '%Y-%m-%d %H:%i:%s.%f')) from user order by id",
        ),
        (
            "board",
            "select concat_ws('|', id, user_id, title, content, date_format(created_at, '%Y-%m-%d %H:%i:%s.%f'), \
                   coalesce(date_format(updated_at, '%Y-%m-%d %H:%i:%s.%f'), 'null'), \
                   coalesce(date_format(deleted_at, '%Y-%m-%d %H:%i:%s.%f'), 'null')) from board order by id",
        ),
        ("alembic_version", "select version_num from alembic_version"),
    ];
    for (table, sql) in queries {
        let rows = sqlx::query(sql).fetch_all(&mut db).await.unwrap();
        out.insert(
            table.to_string(),
            rows.iter().map(|r| r.get::<String, _>(0)).collect(),
        );
    }
    db.close().await.unwrap();
    out
}

fn rfc3339(stored: &str) -> String {
    let naive = NaiveDateTime::parse_from_str(stored, "%Y-%m-%d %H:%M:%S").unwrap();
    Utc.from_utc_datetime(&naive)
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string()
        .replace(".000000Z", "Z")
}

/// A token as Flask-JWT-Extended 4.5 issued it (`create_access_token(identity=user.id)`).
fn original_token(user_id: &str) -> String {
    let now = Utc::now().timestamp();
    let claims = json!({"fresh": false, "iat": now, "jti": uuid::Uuid::new_v4().to_string(),
                        "type": "access", "sub": user_id, "nbf": now, "exp": now + 900});
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_original_database_is_adopted_without_losing_a_user_a_post_or_a_session() {
    let db = TestDb::create_with_charset(Backend::MySql, "utf8mb3").await;
    let url = db.url.clone();
    let outcome = tokio::spawn(async move {
        build_original_database(&url).await;
        let before = snapshot(&url).await;
        assert_eq!(before["user"].len(), 3);
        assert_eq!(before["board"].len(), 5);

        // First start: the migrations adopt the schema without touching a row.
        let db_ref = TestDb::existing(&url);
        let app = TestApp::spawn(&db_ref).await;
        assert_eq!(snapshot(&url).await, before, "migrations changed data");

        // Posts: live ones listed newest first, timestamps in UTC; deleted ones hidden.
        let list = expect_status(app.get("/api/board/boards?per_page=100").await, 200).await;
        let live: Vec<&OriginalPost> = {
            let mut live: Vec<&OriginalPost> =
                POSTS.iter().filter(|p| p.deleted_at.is_none()).collect();
            live.sort_by(|a, b| b.created_at.cmp(a.created_at));
            live
        };
        assert_eq!(list["totalBoard"], live.len());
        let listed: Vec<&str> = list["boards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["id"].as_str().unwrap())
            .collect();
        assert_eq!(listed, live.iter().map(|p| p.id).collect::<Vec<_>>());
        // Each author's count, taken by the migration.
        for (author, user_id) in USER_IDS.iter().enumerate() {
            let theirs = expect_status(
                app.get(&format!("/api/board/boards?userId={user_id}"))
                    .await,
                200,
            )
            .await;
            let live = live.iter().filter(|p| p.author == author).count();
            assert_eq!(theirs["totalBoard"], live, "author {author}");
        }
        for post in &POSTS {
            let response = app.get(&board_path(post.id)).await;
            if post.deleted_at.is_some() {
                expect_error(response, 404, "not_found").await;
                continue;
            }
            let body = expect_status(response, 200).await;
            assert_eq!(body["board"]["title"], post.title);
            assert_eq!(body["board"]["userId"], USER_IDS[post.author]);
            assert_eq!(body["board"]["created_at"], rfc3339(post.created_at));
            assert_eq!(
                body["board"]["updated_at"],
                post.updated_at
                    .map(rfc3339)
                    .map_or(Value::Null, Value::from)
            );
        }

        // Sessions: a token the original issued still works, and authors keep their posts.
        let token = original_token(USER_IDS[0]);
        let own = app
            .request(Method::PUT, &board_path(POSTS[0].id))
            .bearer_auth(&token)
            .json(&json!({"title": "edited after the switch", "content": "still mine"}))
            .send()
            .await
            .unwrap();
        expect_status(own, 200).await;
        let foreign = app
            .request(Method::PUT, &board_path(POSTS[1].id))
            .bearer_auth(&token)
            .json(&json!({"title": "not mine", "content": "x"}))
            .send()
            .await
            .unwrap();
        expect_error(foreign, 403, "forbidden").await;

        // Users: old passwords log in (any case of the email), and the hash becomes argon2id.
        for (i, user) in fixtures().iter().enumerate() {
            let email = user["email"].as_str().unwrap().to_lowercase();
            let password = user["password"].as_str().unwrap();
            expect_error(
                app.login(&email, "wrong password!").await,
                401,
                "invalid_credentials",
            )
            .await;
            let stored = app
                .scalar("select password from user where id = ?", USER_IDS[i])
                .await
                .unwrap();
            assert!(
                !stored.starts_with("$argon2"),
                "a failed login must not rehash"
            );
            let login = expect_status(app.login(&email, password).await, 200).await;
            assert!(login["accessToken"].is_string());
            let stored = app
                .scalar("select password from user where id = ?", USER_IDS[i])
                .await
                .unwrap();
            assert!(stored.starts_with("$argon2id$"), "not rehashed: {stored}");
            expect_status(app.login(&email, password).await, 200).await;
        }

        // The widened tables take what the original's could not: emoji, long emails.
        let token = original_token(USER_IDS[2]);
        expect_status(app.create_board(&token, "이모지 😀", "🎉").await, 201).await;
        expect_status(
            app.signup(&format!("{}@example.com", "x".repeat(200)), "12345678")
                .await,
            201,
        )
        .await;

        // Comments sit beside the original's tables: on an adopted post, and on a post that
        // the original service writes afterwards (its own INSERT, no comment count row).
        let adopted = POSTS[0].id;
        let comment = app
            .authed(Method::POST, &format!("{}/comments", board_path(adopted)), Some(&token))
            .json(&json!({"content": "댓글"}));
        expect_status(crate::helpers::send(comment).await, 201).await;
        let written_by_original = "5d4c3b2a-1908-4f7e-8d6c-5b4a39281706";
        app.execute(&format!(
            "insert into board (id, user_id, title, content, created_at, updated_at, deleted_at) \
             values ('{written_by_original}', '{}', 'from flask', 'c', '2026-01-01 00:00:00', null, null)",
            USER_IDS[1]
        ))
        .await;
        for _ in 0..2 {
            let comment = app
                .authed(Method::POST, &format!("{}/comments", board_path(written_by_original)), Some(&token))
                .json(&json!({"content": "on a post the original wrote"}));
            expect_status(crate::helpers::send(comment).await, 201).await;
        }
        let thread = expect_status(
            app.get(&format!("{}/comments", board_path(written_by_original))).await,
            200,
        )
        .await;
        assert_eq!(thread["totalComment"], 2);
        // The original service's own reads still see its tables as it left them.
        assert_eq!(
            app.count("select count(*) from board where deleted_at is null").await,
            live.len() as i64 + 2
        );
        // Every adopted account (and every one the original service signs up) is a plain user.
        assert!(app.count("select count(*) from user").await > 0);
        assert_eq!(
            app.count("select count(*) from user where role <> 'user'").await,
            0
        );

        drop(app);

        // Second start: migrations run again harmlessly; nothing else changes.
        let before_second = snapshot(&url).await;
        let app = TestApp::spawn(&db_ref).await;
        assert_eq!(snapshot(&url).await, before_second);
        assert_eq!(
            app.count("select count(*) from _sqlx_migrations where success = 1")
                .await,
            8,
            "0001 original schema, 0002 board server, 0003 sessions, 0004 conditional requests, \
             0005 author counts, 0006 comments, 0007 search, 0008 roles"
        );
        let list = expect_status(app.get("/api/board/boards").await, 200).await;
        // The post the original wrote is outside the counters until the README's recount.
        assert_eq!(list["totalBoard"], live.len() + 1);
    })
    .await;
    db.drop().await;
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}
