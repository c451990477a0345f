//! The HTTP face: handlers, request/response DTOs, extractors and the OpenAPI document.
//! Handlers parse, call one service function, and shape the response.

pub mod boards;
mod extract;
pub mod health;
pub mod openapi;
pub mod server;
pub mod users;

pub use extract::{ApiJson, ApiPath, ApiQuery, ClientIp};

use serde::Serialize;

/// `message` and `statusCode` of a successful envelope.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Success {
    /// Always `"Success"`.
    #[schema(example = "Success")]
    pub message: &'static str,
    /// Equal to the HTTP status.
    #[serde(rename = "statusCode")]
    pub status_code: u16,
}

impl Success {
    pub fn with_status(status: axum::http::StatusCode) -> Self {
        Self {
            message: "Success",
            status_code: status.as_u16(),
        }
    }
}
