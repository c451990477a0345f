//! The binary as an operator runs it: configuration errors, the SQLite default, start-up
//! retries, request ids in the logs, `--healthcheck`, and graceful shutdown on SIGTERM.

mod common;

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    path::Path,
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

use common::{raw_http, temp_dir::TempDir};

const BIN: &str = env!("CARGO_BIN_EXE_board");

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The server with a clean environment (plus `vars`), in `dir`.
fn command(dir: &Path, vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (name, value) in vars {
        command.env(name, value);
    }
    command
}

fn run_to_end(command: &mut Command) -> Output {
    command.stdin(Stdio::null()).output().unwrap()
}

fn wait_until_serving(port: u16, child: &mut Child) {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(child.try_wait().unwrap().is_none(), "server exited early");
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn bad_configuration_exits_1_with_a_clear_message() {
    let temp = TempDir::new("board-cli");
    let dir = temp.path();
    for (vars, expected) in [
        (vec![("PORT", "80a")], "PORT"),
        (
            vec![("DATABASE_URL", "mysql://root@127.0.0.1:3306/x")],
            "JWT_SECRET_KEY is required",
        ),
        (
            vec![
                ("DATABASE_URL", "mysql://root@127.0.0.1:3306/x"),
                ("JWT_SECRET_KEY", "dev"),
            ],
            "at least 32",
        ),
        (vec![("DATABASE_URL", "postgres://x")], "DATABASE_URL"),
        (vec![("LOG_FORMAT", "xml")], "LOG_FORMAT"),
    ] {
        let output = run_to_end(&mut command(dir, &vars));
        assert_eq!(output.status.code(), Some(1), "{vars:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{vars:?}: {stderr}");
    }
}

#[test]
fn an_unreachable_database_is_retried_with_backoff_then_exit_1() {
    let temp = TempDir::new("board-cli");
    let dir = temp.path();
    let closed = free_port();
    let url = format!("mysql://root@127.0.0.1:{closed}/board");
    let started = Instant::now();
    let output = run_to_end(&mut command(
        dir,
        &[
            ("DATABASE_URL", &url),
            ("JWT_SECRET_KEY", &"k".repeat(32)),
            ("DB_CONNECT_TIMEOUT", "2"),
        ],
    ));
    let elapsed = started.elapsed();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let tries = stdout.matches("database not reachable yet").count();
    assert!(
        tries >= 3,
        "expected several logged tries, got {tries}: {stdout}"
    );
    assert!(
        elapsed >= Duration::from_millis(1000) && elapsed < Duration::from_secs(15),
        "{elapsed:?}"
    );
}

#[test]
fn the_sqlite_default_serves_logs_request_ids_and_stops_gracefully() {
    let temp = TempDir::new("board-cli");
    let dir = temp.path();
    let port = free_port();
    let mut child = command(
        dir,
        &[
            ("PORT", &port.to_string()),
            ("HOST", "127.0.0.1"),
            ("LOG_FORMAT", "json"),
        ],
    )
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    wait_until_serving(port, &mut child);
    assert!(
        dir.join("board.db").exists(),
        "the SQLite default creates board.db in the working directory"
    );

    // --healthcheck agrees that it is up.
    let check = run_to_end(command(dir, &[("PORT", &port.to_string())]).arg("--healthcheck"));
    assert_eq!(check.status.code(), Some(0));

    let ok = raw_http::exchange_blocking(
        &format!("127.0.0.1:{port}"),
        &raw_http::request("GET", "/health", &[("X-Request-Id", "trace-abc-123")], ""),
    );
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");

    // A request in flight when SIGTERM arrives still completes.
    let body = r#"{"email":"late@test.com","password":"12345678"}"#;
    let mut slow = TcpStream::connect(("127.0.0.1", port)).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        slow,
        "POST /api/user/signup HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..10]
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    terminate(&child);
    std::thread::sleep(Duration::from_millis(300));
    // New connections are refused once shutdown has begun.
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "listener still open after SIGTERM"
    );
    slow.write_all(&body.as_bytes()[10..]).unwrap();
    let mut response = String::new();
    slow.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");

    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));

    // Every log line is JSON; the request's lines carry its id; a warning named the random key.
    let lines: Vec<String> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(Result::unwrap)
        .collect();
    for line in &lines {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|_| panic!("not JSON: {line}"));
    }
    assert!(
        lines.iter().any(|l| l.contains("trace-abc-123")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("JWT_SECRET_KEY is not set")),
        "{lines:#?}"
    );

    let down = run_to_end(command(dir, &[("PORT", &port.to_string())]).arg("--healthcheck"));
    assert_eq!(down.status.code(), Some(1));
}

/// `board admin set-role EMAIL ROLE` against the configured database: one line and exit 0;
/// an unknown email exits 1; an unknown subcommand, flag or extra word is a usage error
/// (exit 2) that neither starts a server nor touches the database.
#[test]
fn admin_set_role_and_usage_errors() {
    let temp = TempDir::new("board-cli-admin");
    let dir = temp.path();
    for words in [
        &["admin", "set-role", "x@test.com", "admin", "extra"][..],
        &["admin", "set-role", "x@test.com", "root"],
        &["admin", "promote", "x@test.com"],
        &["bogus"],
        &["--bogus"],
        &["serve", "now"],
        &["--healthcheck", "serve"],
    ] {
        let output = run_to_end(command(dir, &[]).args(words));
        assert_eq!(output.status.code(), Some(2), "{words:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.starts_with("error:") && stderr.contains("--help"),
            "{words:?}: {stderr}"
        );
        assert!(
            !dir.join("board.db").exists(),
            "{words:?} touched the database"
        );
    }
    let version = run_to_end(command(dir, &[]).arg("--version"));
    assert_eq!(version.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("board "));
    let help = run_to_end(command(dir, &[]).args(["admin", "--help"]));
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("set-role"));

    // An account, made by the server on the SQLite default.
    let port = free_port();
    let vars = [
        ("PORT", port.to_string()),
        ("HOST", "127.0.0.1".to_string()),
    ];
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut child = command(dir, &vars)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until_serving(port, &mut child);
    let body = r#"{"email":"first@test.com","password":"12345678"}"#;
    let signup = raw_http::exchange_blocking(
        &format!("127.0.0.1:{port}"),
        &raw_http::request(
            "POST",
            "/api/user/signup",
            &[("Content-Type", "application/json")],
            body,
        ),
    );
    assert!(signup.starts_with("HTTP/1.1 201"), "{signup}");

    let made = run_to_end(command(dir, &[]).args(["admin", "set-role", "first@test.com", "admin"]));
    assert_eq!(made.status.code(), Some(0), "{made:?}");
    let stdout = String::from_utf8_lossy(&made.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stdout.contains("first@test.com") && stdout.contains("is now admin"),
        "{stdout}"
    );

    // The running server sees it at once: the role is in the database, not in the token.
    let login = raw_http::exchange_blocking(
        &format!("127.0.0.1:{port}"),
        &raw_http::request(
            "POST",
            "/api/user/login",
            &[("Content-Type", "application/json")],
            body,
        ),
    );
    let token = login
        .split("\"accessToken\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("{login}"))
        .to_string();
    let me = raw_http::exchange_blocking(
        &format!("127.0.0.1:{port}"),
        &raw_http::request(
            "GET",
            "/api/user/me",
            &[("Authorization", &format!("Bearer {token}"))],
            "",
        ),
    );
    assert!(me.contains("\"role\":\"admin\""), "{me}");

    // The last admin cannot be demoted from the command line either.
    let last = run_to_end(command(dir, &[]).args(["admin", "set-role", "first@test.com", "user"]));
    assert_eq!(last.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&last.stderr).contains("last admin"));

    let unknown =
        run_to_end(command(dir, &[]).args(["admin", "set-role", "nobody@test.com", "admin"]));
    assert_eq!(unknown.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("no account has the email nobody@test.com")
    );
    assert!(unknown.stdout.is_empty());

    terminate(&child);
    let _ = child.wait();
}
