//! `ApiError`: the one place that picks an HTTP status and an error `code` (API.md, "Envelope").

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    InvalidEmail(&'static str),
    #[error("{0}")]
    InvalidPassword(&'static str),
    #[error("{0}")]
    InvalidBoard(&'static str),
    #[error("Missing or invalid access token")]
    Unauthorized,
    #[error("Invalid email or password")]
    InvalidCredentials,
    #[error("Only the author may change this post")]
    Forbidden,
    #[error("Not found")]
    NotFound,
    #[error("Method not allowed")]
    MethodNotAllowed,
    #[error("Email already exists")]
    EmailTaken,
    #[error("Request body is larger than 1 MiB")]
    PayloadTooLarge,
    #[error("URI is longer than 16 KiB")]
    UriTooLong,
    #[error("Request headers are too many or too large")]
    HeadersTooLarge,
    #[error("Content-Type must be application/json")]
    UnsupportedMediaType,
    #[error("Request took too long")]
    RequestTimeout,
    #[error("Too many requests, retry later")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("Service unavailable, retry later")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("Internal server error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::InvalidRequest(_)
            | Self::InvalidEmail(_)
            | Self::InvalidPassword(_)
            | Self::InvalidBoard(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::EmailTaken => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::UriTooLong => StatusCode::URI_TOO_LONG,
            Self::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidEmail(_) => "invalid_email",
            Self::InvalidPassword(_) => "invalid_password",
            Self::InvalidBoard(_) => "invalid_board",
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::EmailTaken => "email_taken",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::UriTooLong => "uri_too_long",
            Self::HeadersTooLarge => "headers_too_large",
            Self::RequestTimeout => "request_timeout",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    pub fn internal(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(error.into())
    }

    /// The error for a status that a layer below the handlers produced (axum's 404/405,
    /// tower-http's 408/413), so that those answers carry the envelope too.
    pub fn from_status(status: StatusCode) -> Option<Self> {
        Some(match status {
            StatusCode::NOT_FOUND => Self::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => Self::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => Self::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Self::UnsupportedMediaType,
            StatusCode::REQUEST_TIMEOUT => Self::RequestTimeout,
            StatusCode::BAD_REQUEST => Self::InvalidRequest("Bad request".into()),
            StatusCode::SERVICE_UNAVAILABLE => Self::Unavailable("service unavailable".into()),
            s if s.is_client_error() => {
                Self::InvalidRequest(s.canonical_reason().unwrap_or("Bad request").to_string())
            }
            s if s.is_server_error() => Self::internal(format!("unexpected status {s}")),
            _ => return None,
        })
    }
}

/// The error envelope, as documented in the OpenAPI schema.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"message": "Not found", "statusCode": 404, "code": "not_found"}))]
pub struct ErrorBody {
    /// A short human-readable reason.
    pub message: String,
    /// Always equal to the HTTP status.
    #[serde(rename = "statusCode")]
    pub status_code: u16,
    /// Stable machine-readable code (see API.md).
    pub code: &'static str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status_code();
        // Driver and internal detail stay in the log (inside the request span,
        // so the line carries the request id); the client sees only the code.
        match &self {
            Self::Internal(source) => tracing::error!(error = %source, "internal error"),
            Self::Unavailable(source) => tracing::warn!(error = %source, "database unavailable"),
            _ => {}
        }
        let body = ErrorBody {
            message: self.to_string(),
            status_code: status.as_u16(),
            code: self.code(),
        };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        match self {
            Self::Unauthorized => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::TooManyRequests { retry_after_secs } => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(retry_after_secs.max(1)),
                );
            }
            Self::Unavailable(_) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            // The database is down or the pool is exhausted: the client may retry.
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Self::Unavailable(error.into())
            }
            sqlx::Error::Database(db) if is_connection_loss(db.code().as_deref()) => {
                Self::Unavailable(error.into())
            }
            _ => Self::Internal(error.into()),
        }
    }
}

/// MySQL codes that mean "the server went away", and SQLite's busy/locked.
fn is_connection_loss(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("2002" | "2003" | "2006" | "2013" | "1040" | "1053" | "5" | "6")
    )
}
