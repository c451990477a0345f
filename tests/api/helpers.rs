//! `TestApp`: the real server on 127.0.0.1:0 against a fresh database (a new MySQL schema or a
//! temp SQLite file), and the `backends!` macro that runs every test on both.

use std::{collections::HashMap, future::Future};

use board::{
    app::{self, AppState},
    config::Config,
    store::Store,
};
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use tokio::{net::TcpListener, sync::oneshot};

pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    MySql,
    Sqlite,
}

/// Expands each listed `async fn name(app: TestApp)` into `mysql::name` and `sqlite::name`.
macro_rules! backends {
    ($($name:ident),* $(,)?) => {
        mod mysql {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { $crate::helpers::run($crate::helpers::Backend::MySql, &[], super::$name).await } )*
        }
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { $crate::helpers::run($crate::helpers::Backend::Sqlite, &[], super::$name).await } )*
        }
    };
    // Same, with extra environment for the server's configuration.
    (env = $env:expr; $($name:ident),* $(,)?) => {
        mod mysql {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { $crate::helpers::run($crate::helpers::Backend::MySql, $env, super::$name).await } )*
        }
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { $crate::helpers::run($crate::helpers::Backend::Sqlite, $env, super::$name).await } )*
        }
    };
}
pub(crate) use backends;

/// Spawns the app, runs the test, and drops the database even when the test panicked.
pub async fn run<F, Fut>(backend: Backend, env: &[(&str, &str)], test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let db = TestDb::create(backend).await;
    let app = TestApp::spawn(&db, env).await;
    let outcome = tokio::spawn(test(app)).await;
    db.drop().await;
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

pub fn mysql_base_url() -> String {
    std::env::var("TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

/// A database that belongs to one test.
pub struct TestDb {
    pub url: String,
    backend: Backend,
    name: String,
    _dir: Option<tempfile_dir::TempDir>,
}

impl TestDb {
    pub async fn create(backend: Backend) -> Self {
        Self::create_with_charset(backend, "utf8mb4").await
    }

    /// On MySQL, the database's default character set is `charset` (the original service's
    /// databases may be 3-byte `utf8mb3`).
    pub async fn create_with_charset(backend: Backend, charset: &str) -> Self {
        let name = format!("board_test_{}", uuid::Uuid::new_v4().simple());
        match backend {
            Backend::MySql => {
                let base = mysql_base_url();
                admin_execute(format!("create database `{name}` character set {charset}"))
                    .await
                    .expect("create the test database");
                Self {
                    url: format!("{base}/{name}"),
                    backend,
                    name,
                    _dir: None,
                }
            }
            Backend::Sqlite => {
                let dir = tempfile_dir::TempDir::new();
                let url = format!("sqlite://{}/board.db", dir.path());
                Self {
                    url,
                    backend,
                    name,
                    _dir: Some(dir),
                }
            }
        }
    }

    /// A handle on a database made elsewhere (not dropped by this handle).
    pub fn existing(url: &str) -> Self {
        Self {
            url: url.to_string(),
            backend: Backend::MySql,
            name: String::new(),
            _dir: None,
        }
    }

    pub async fn drop(self) {
        if self.backend == Backend::MySql && !self.name.is_empty() {
            // A transaction left open by a failed test would block the drop for ever.
            let _ = admin_execute_all(&[
                "set session lock_wait_timeout = 10".into(),
                format!("drop database if exists `{}`", self.name),
            ])
            .await;
        }
    }
}

/// Runs one statement on the MySQL server outside any test database. A new connection each
/// time: every test has its own tokio runtime, and a pooled connection may not outlive one.
async fn admin_execute(sql: String) -> Result<(), sqlx::Error> {
    admin_execute_all(&[sql]).await
}

/// Several statements on one such connection, in order.
async fn admin_execute_all(statements: &[String]) -> Result<(), sqlx::Error> {
    use sqlx::Connection;
    let base = mysql_base_url();
    let mut connection = sqlx::MySqlConnection::connect(&base).await.unwrap_or_else(|error| {
        panic!(
            "MySQL tests need a MySQL/MariaDB server at {base} (TEST_MYSQL_URL): {error}.\n\
             Start it with `start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd` \
             (or `docker run -e MYSQL_ALLOW_EMPTY_PASSWORD=1 -p 3306:3306 mysql:8`), then run the tests again."
        )
    });
    for sql in statements {
        sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .execute(&mut connection)
            .await?;
    }
    connection.close().await
}

pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub store: Store,
    _shutdown: oneshot::Sender<()>,
}

impl TestApp {
    pub async fn spawn(db: &TestDb, env: &[(&str, &str)]) -> Self {
        let mut vars: HashMap<String, String> = HashMap::from([
            ("DATABASE_URL".into(), db.url.clone()),
            ("JWT_SECRET_KEY".into(), SECRET.into()),
        ]);
        for (name, value) in env {
            vars.insert(name.to_string(), value.to_string());
        }
        let config = Config::from_vars(vars).expect("test configuration");
        let store = Store::connect(
            &config.database,
            config.db_pool_size,
            std::time::Duration::from_secs(10),
        )
        .await
        .expect("connect to the test database");
        store.migrate().await.expect("migrate the test database");
        let router = app::build(&config, AppState::new(&config, store.clone()));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let (shutdown, stop) = oneshot::channel::<()>();
        tokio::spawn(board::http::server::serve(
            listener,
            router,
            config.request_timeout,
            async {
                let _ = stop.await;
            },
        ));
        Self {
            address,
            client: Client::new(),
            store,
            _shutdown: shutdown,
        }
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{}", self.address, path))
    }

    pub async fn signup(&self, email: &str, password: &str) -> Response {
        self.request(Method::POST, "/api/user/signup")
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.request(Method::POST, "/api/user/login")
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap()
    }

    /// Signs up a fresh user and returns (user id, access token).
    pub async fn user(&self) -> (String, String) {
        let email = format!("user-{}@example.com", uuid::Uuid::new_v4().simple());
        let signup: Value = expect_status(self.signup(&email, "password123").await, 201).await;
        let login: Value = expect_status(self.login(&email, "password123").await, 200).await;
        (
            signup["user"]["id"].as_str().unwrap().to_string(),
            login["accessToken"].as_str().unwrap().to_string(),
        )
    }

    pub async fn create_board(&self, token: &str, title: &str, content: &str) -> Response {
        self.request(Method::POST, "/api/board")
            .bearer_auth(token)
            .json(&json!({"title": title, "content": content}))
            .send()
            .await
            .unwrap()
    }

    /// Creates a post and returns its JSON.
    pub async fn board(&self, token: &str, title: &str) -> Value {
        let body: Value =
            expect_status(self.create_board(token, title, "content").await, 201).await;
        body["board"].clone()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(Method::GET, path).send().await.unwrap()
    }

    /// Runs a statement straight against the test database (for sabotage and fixtures).
    pub async fn execute(&self, sql: &str) {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match &self.store {
            Store::MySql(pool, _) => sqlx::query(sql).execute(pool).await.map(|_| ()),
            Store::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
        }
        .expect("statement runs");
    }

    /// A single text value from the database (`None` for SQL NULL or no row).
    pub async fn scalar(&self, sql: &str, bind: &str) -> Option<String> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match &self.store {
            Store::MySql(pool, _) => {
                sqlx::query_scalar::<_, Option<String>>(sql)
                    .bind(bind)
                    .fetch_optional(pool)
                    .await
            }
            Store::Sqlite(pool) => {
                sqlx::query_scalar::<_, Option<String>>(sql)
                    .bind(bind)
                    .fetch_optional(pool)
                    .await
            }
        }
        .expect("query runs")
        .flatten()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match &self.store {
            Store::MySql(pool, _) => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await,
            Store::Sqlite(pool) => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await,
        }
        .expect("count runs")
    }
}

/// Sends a built request (tests only talk to the local server, so a transport error is a bug).
pub async fn send(request: RequestBuilder) -> Response {
    request.send().await.expect("the test server answers")
}

/// Asserts the status and that the body is the envelope (`statusCode` equal to the status),
/// then returns the body.
pub async fn expect_status(response: Response, status: u16) -> Value {
    let actual = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    assert_eq!(
        actual,
        StatusCode::from_u16(status).unwrap(),
        "body: {text}"
    );
    assert!(
        content_type.starts_with("application/json"),
        "content-type {content_type:?}, body: {text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    assert_eq!(body["statusCode"], json!(status), "body: {text}");
    assert!(body["message"].is_string(), "body: {text}");
    body
}

/// Asserts an error envelope with `code`, and that it carries no payload.
pub async fn expect_error(response: Response, status: u16, code: &str) -> Value {
    let body = expect_status(response, status).await;
    assert_eq!(body["code"], json!(code), "body: {body}");
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(
        keys.len(),
        3,
        "error carries only message, statusCode, code: {body}"
    );
    body
}

/// The JSON payload of a JWT (no verification: for looking at claims).
pub fn jwt_claims(token: &str) -> Value {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let payload = token.split('.').nth(1).expect("three parts");
    let mut bytes = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for byte in payload.bytes() {
        let value = ALPHABET.iter().position(|b| *b == byte).expect("base64url") as u32;
        acc = (acc << 6) | value;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
        }
    }
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// A directory removed on drop (std has none; a crate for this alone is not worth it).
pub mod tempfile_dir {
    pub struct TempDir(std::path::PathBuf);

    impl TempDir {
        pub fn new() -> Self {
            let path =
                std::env::temp_dir().join(format!("board-test-{}", uuid::Uuid::new_v4().simple()));
            std::fs::create_dir_all(&path).unwrap();
            Self(path)
        }
        pub fn path(&self) -> &str {
            self.0.to_str().unwrap()
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
