//! `board`: a bulletin-board REST API. The layers, top to bottom:
//! `http` (routes, DTOs, OpenAPI, errors) → `service` (rules) → `store` (SQL) → MySQL or
//! SQLite, with `domain` (parsed values) and `auth` (passwords, tokens) beside the rules.
//! `startup` wires them, for `main` and the tests alike.

#![forbid(unsafe_code)]

pub mod auth;
pub mod config;
pub mod domain;
pub mod http;
pub mod search;
pub mod service;
pub mod startup;
pub mod store;
pub mod telemetry;

use std::{net::SocketAddr, time::Duration};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// `board --healthcheck`: asks the local server's `/health`, for container health checks in
/// images that have no curl. True when it answered 200.
pub async fn healthcheck(port: u16) -> bool {
    let probe = async {
        let mut stream = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        stream
            .write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).await?;
        Ok::<_, std::io::Error>(head.starts_with(b"HTTP/1.1 200"))
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(3), probe).await,
        Ok(Ok(true))
    )
}
