//! `TestApp`: the real server (built by `startup::App`, as `main` builds it) on 127.0.0.1:0
//! against a fresh database (a new MySQL schema or a temp SQLite file), and the `backends!`
//! macro that runs every test on both.

use std::{fmt::Display, future::Future, time::Duration};

use board::{config::Config, startup::App, store::Store};
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use sqlx::{MySqlPool, SqlitePool};
use tokio::sync::oneshot;

use crate::common::temp_dir::TempDir;

pub const SECRET: &str = "test-secret-test-secret-test-secret-0123";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    MySql,
    Sqlite,
}

/// Expands each listed `async fn name(app: TestApp)` into `mysql::name` and `sqlite::name`.
/// `configure = |config| ...;` first changes the server's `Config` for all of them.
macro_rules! backends {
    ($($name:ident),* $(,)?) => {
        backends!(configure = |_| {}; $($name),*);
    };
    (configure = $configure:expr; $($name:ident),* $(,)?) => {
        mod mysql {
            #[allow(unused_imports)]
            use super::*;
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { $crate::helpers::run($crate::helpers::Backend::MySql, $configure, super::$name).await } )*
        }
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { $crate::helpers::run($crate::helpers::Backend::Sqlite, $configure, super::$name).await } )*
        }
    };
}
pub(crate) use backends;

/// Spawns the app, runs the test, and drops the database even when the test panicked.
pub async fn run<F, Fut>(backend: Backend, configure: impl FnOnce(&mut Config), test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let db = TestDb::create(backend).await;
    let app = TestApp::spawn_with(&db, configure).await;
    let outcome = tokio::spawn(test(app)).await;
    db.drop().await;
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

pub fn mysql_base_url() -> String {
    std::env::var("TEST_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

/// The configuration a test server starts from: the test database, a fixed key, an
/// ephemeral port on loopback.
pub fn test_config(db: &TestDb) -> Config {
    let vars = [
        ("DATABASE_URL".to_string(), db.url.clone()),
        ("JWT_SECRET_KEY".to_string(), SECRET.to_string()),
        ("HOST".to_string(), "127.0.0.1".to_string()),
        ("PORT".to_string(), "0".to_string()),
    ];
    let mut config = Config::from_vars(vars.into_iter().collect()).expect("test configuration");
    config.db_connect_timeout = Duration::from_secs(10);
    config
}

/// A database that belongs to one test.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    name: String,
    _dir: Option<TempDir>,
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
                let dir = TempDir::new("board-test");
                let url = format!("sqlite://{}/board.db", dir.path_str());
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

    /// Another handle on the database of `app` (not dropped by this handle).
    pub fn existing_for(app: &TestApp) -> Self {
        Self {
            url: app.config.database.as_str().to_string(),
            backend: app.backend,
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

/// The test's own connection to the app's database, for fixtures and for looking at rows.
#[derive(Clone)]
enum Inspector {
    MySql(MySqlPool),
    Sqlite(SqlitePool),
}

impl Inspector {
    /// After the app has created the database (a SQLite file appears at its first start).
    async fn connect(backend: Backend, url: &str) -> Self {
        match backend {
            Backend::MySql => Self::MySql(
                sqlx::mysql::MySqlPoolOptions::new()
                    .max_connections(2)
                    .connect(url)
                    .await
                    .expect("connect to the test database"),
            ),
            Backend::Sqlite => Self::Sqlite(
                sqlx::sqlite::SqlitePoolOptions::new()
                    .max_connections(2)
                    .connect(url)
                    .await
                    .expect("open the test database"),
            ),
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub backend: Backend,
    pub client: Client,
    /// The server's own database handle (closing it stages an outage).
    pub store: Store,
    config: Config,
    inspector: Inspector,
    _shutdown: oneshot::Sender<()>,
    /// This instance's own search index folder, unless the test named one.
    _search_dir: Option<TempDir>,
}

impl TestApp {
    pub async fn spawn(db: &TestDb) -> Self {
        Self::spawn_with(db, |_| {}).await
    }

    /// Builds the server through `startup::App`, as `main` does, with `configure` applied to
    /// the test configuration, and serves it until the `TestApp` is dropped.
    pub async fn spawn_with(db: &TestDb, configure: impl FnOnce(&mut Config)) -> Self {
        let mut config = test_config(db);
        configure(&mut config);
        Self::serve(config, db.backend, None).await
    }

    /// `spawn_with` without waiting for `/health/ready` (a search index still catching up).
    pub async fn spawn_unready(db: &TestDb, configure: impl FnOnce(&mut Config)) -> Self {
        let mut config = test_config(db);
        configure(&mut config);
        Self::start(config, db.backend, None).await
    }

    /// A second server on the same database, configured alike (for rules that span
    /// instances behind one load balancer).
    pub async fn another_instance(&self) -> Self {
        Self::serve(
            self.config.clone(),
            self.backend,
            Some(self.inspector.clone()),
        )
        .await
    }

    async fn serve(config: Config, backend: Backend, inspector: Option<Inspector>) -> Self {
        let app = Self::start(config, backend, inspector).await;
        app.wait_until_ready().await;
        app
    }

    async fn start(config: Config, backend: Backend, inspector: Option<Inspector>) -> Self {
        // One index folder per server, as one per container in production.
        let search_dir = (config.search_index_dir
            == std::path::Path::new(board::config::DEFAULT_SEARCH_INDEX_DIR))
        .then(|| TempDir::new("board-search"));
        let mut served = config.clone();
        if let Some(dir) = &search_dir {
            served.search_index_dir = dir.path().to_path_buf();
        }
        let app = App::build(&served).await.expect("build the test server");
        let inspector = match inspector {
            Some(inspector) => inspector,
            None => Inspector::connect(backend, config.database.as_str()).await,
        };
        let address = format!("http://{}", app.local_addr().unwrap());
        let store = app.store();
        let (shutdown, stop) = oneshot::channel::<()>();
        tokio::spawn(app.run_until(async {
            let _ = stop.await;
        }));
        Self {
            address,
            backend,
            client: Client::new(),
            store,
            config,
            inspector,
            _shutdown: shutdown,
            _search_dir: search_dir,
        }
    }

    /// Waits (boundedly) for `/health/ready`: until then a new server's search index is
    /// catching up and searches are refused.
    pub async fn wait_until_ready(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let ready = self.get("/health/ready").await.status() == StatusCode::OK;
            if ready {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the server did not get ready within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{}", self.address, path))
    }

    /// `request`, with the bearer token when there is one.
    pub fn authed(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let request = self.request(method, path);
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    pub async fn signup(&self, email: &str, password: &str) -> Response {
        send(
            self.request(Method::POST, "/api/user/signup")
                .json(&json!({"email": email, "password": password})),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        send(
            self.request(Method::POST, "/api/user/login")
                .json(&json!({"email": email, "password": password})),
        )
        .await
    }

    /// Logs in and returns the answer's JSON (asserting 200).
    pub async fn login_ok(&self, email: &str, password: &str) -> Value {
        expect_status(self.login(email, password).await, 200).await
    }

    pub async fn refresh(&self, refresh_token: &str) -> Response {
        send(
            self.request(Method::POST, "/api/user/refresh")
                .json(&json!({"refreshToken": refresh_token})),
        )
        .await
    }

    /// `GET /api/user/me` with `token`.
    pub async fn me(&self, token: &str) -> Response {
        send(self.authed(Method::GET, "/api/user/me", Some(token))).await
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
        send(
            self.request(Method::POST, "/api/board")
                .bearer_auth(token)
                .json(&json!({"title": title, "content": content})),
        )
        .await
    }

    /// Creates a post and returns its JSON.
    pub async fn board(&self, token: &str, title: &str) -> Value {
        let body: Value =
            expect_status(self.create_board(token, title, "content").await, 201).await;
        body["board"].clone()
    }

    /// `PUT /api/board/{id}` with `body`, not yet sent.
    pub fn put_board(&self, id: impl Display, token: Option<&str>, body: Value) -> RequestBuilder {
        self.authed(Method::PUT, &board_path(id), token).json(&body)
    }

    /// `DELETE /api/board/{id}`, not yet sent.
    pub fn delete_board(&self, id: impl Display, token: Option<&str>) -> RequestBuilder {
        self.authed(Method::DELETE, &board_path(id), token)
    }

    pub async fn get(&self, path: &str) -> Response {
        send(self.request(Method::GET, path)).await
    }

    /// Runs a statement straight against the test database (for sabotage and fixtures).
    pub async fn execute(&self, sql: &str) {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match &self.inspector {
            Inspector::MySql(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
            Inspector::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()),
        }
        .expect("statement runs");
    }

    /// A single text value from the database (`None` for SQL NULL or no row).
    pub async fn scalar(&self, sql: &str, bind: &str) -> Option<String> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match &self.inspector {
            Inspector::MySql(pool) => {
                sqlx::query_scalar::<_, Option<String>>(sql)
                    .bind(bind)
                    .fetch_optional(pool)
                    .await
            }
            Inspector::Sqlite(pool) => {
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
        match &self.inspector {
            Inspector::MySql(pool) => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await,
            Inspector::Sqlite(pool) => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await,
        }
        .expect("count runs")
    }

    /// `host:port` of the server, for raw HTTP.
    pub fn authority(&self) -> &str {
        crate::common::raw_http::authority(&self.address)
    }
}

/// The path of one post.
pub fn board_path(id: impl Display) -> String {
    format!("/api/board/{id}")
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

/// Asserts an error envelope with `code`, and that it carries no payload (but `until` on
/// `account_banned`, which always has it).
pub async fn expect_error(response: Response, status: u16, code: &str) -> Value {
    let body = expect_status(response, status).await;
    assert_eq!(body["code"], json!(code), "body: {body}");
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    let expected: &[&str] = if code == "account_banned" {
        &["code", "message", "statusCode", "until"]
    } else {
        &["code", "message", "statusCode"]
    };
    assert_eq!(keys, expected, "the error's fields: {body}");
    body
}

/// The JSON payload of a JWT (no verification: for looking at claims).
pub fn jwt_claims(token: &str) -> Value {
    jsonwebtoken::dangerous::insecure_decode_claims(token).expect("JSON claims")
}
