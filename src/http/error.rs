//! `ApiError`: the one place that picks an HTTP status and an error `code` (docs/API.md,
//! "Envelope"), with a `From` for every error of the layers below.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::limits::{BODY_LIMIT, MAX_URI_BYTES};
use crate::{
    domain::{DomainError, Field},
    service::ServiceError,
};

pub type Result<T, E = ApiError> = std::result::Result<T, E>;

type Source = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    InvalidRequest(String),
    /// A value that failed its domain rule; the code names the field (`invalid_email`, ...).
    #[error("{0}")]
    Invalid(DomainError),
    #[error("Missing or invalid access token")]
    Unauthorized,
    #[error("Invalid email or password")]
    InvalidCredentials,
    #[error("Invalid, expired or already used refresh token")]
    InvalidRefreshToken,
    #[error("Only the author may change this")]
    Forbidden,
    #[error("The password is not correct")]
    WrongPassword,
    #[error("parentId must name a live top-level comment of this post")]
    InvalidParent,
    #[error("Not found")]
    NotFound,
    #[error("Method not allowed")]
    MethodNotAllowed,
    #[error("Email already exists")]
    EmailTaken,
    #[error("The last admin cannot lose the role: make another admin first")]
    LastAdmin,
    #[error("Your role does not allow this")]
    RoleRequired,
    #[error("This account is banned")]
    AccountBanned { until: Option<DateTime<Utc>> },
    #[error("It has changed: it is not the version If-Match names")]
    PreconditionFailed,
    #[error("This Idempotency-Key was used with another request")]
    IdempotencyKeyReused,
    #[error("A request with this Idempotency-Key is still being processed, retry later")]
    IdempotencyInProgress,
    #[error("Request body is larger than {} MiB", BODY_LIMIT / (1024 * 1024))]
    PayloadTooLarge,
    #[error("URI is longer than {} KiB", MAX_URI_BYTES / 1024)]
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
    Unavailable(#[source] Source),
    #[error("Internal server error")]
    Internal(#[source] Source),
}

impl ApiError {
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::InvalidRequest(_) | Self::Invalid(_) | Self::InvalidParent => {
                StatusCode::BAD_REQUEST
            }
            Self::Unauthorized | Self::InvalidCredentials | Self::InvalidRefreshToken => {
                StatusCode::UNAUTHORIZED
            }
            Self::Forbidden
            | Self::RoleRequired
            | Self::AccountBanned { .. }
            | Self::WrongPassword => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::EmailTaken | Self::IdempotencyInProgress | Self::LastAdmin => {
                StatusCode::CONFLICT
            }
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
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
            Self::Invalid(error) => match error.field() {
                Field::Email => "invalid_email",
                Field::Password => "invalid_password",
                Field::Board => "invalid_board",
                Field::Comment => "invalid_comment",
                Field::Query => "invalid_query",
                Field::Request => "invalid_request",
            },
            Self::InvalidParent => "invalid_parent",
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::InvalidRefreshToken => "invalid_refresh_token",
            Self::Forbidden | Self::RoleRequired => "forbidden",
            Self::WrongPassword => "wrong_password",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::EmailTaken => "email_taken",
            Self::LastAdmin => "last_admin",
            Self::AccountBanned { .. } => "account_banned",
            Self::PreconditionFailed => "precondition_failed",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::IdempotencyInProgress => "idempotency_in_progress",
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

    pub fn internal(error: impl Into<Source>) -> Self {
        Self::Internal(error.into())
    }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        Self::Invalid(error)
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Unauthorized => Self::Unauthorized,
            ServiceError::InvalidCredentials => Self::InvalidCredentials,
            ServiceError::Forbidden => Self::Forbidden,
            ServiceError::RoleRequired => Self::RoleRequired,
            ServiceError::InvalidRefreshToken => Self::InvalidRefreshToken,
            ServiceError::WrongPassword => Self::WrongPassword,
            ServiceError::NotFound => Self::NotFound,
            ServiceError::InvalidParent => Self::InvalidParent,
            ServiceError::EmailTaken => Self::EmailTaken,
            ServiceError::LastAdmin => Self::LastAdmin,
            ServiceError::AccountBanned { until } => Self::AccountBanned { until },
            ServiceError::Refused(why) => Self::InvalidRequest(why.to_string()),
            ServiceError::Invalid(error) => Self::Invalid(error),
            ServiceError::PreconditionFailed => Self::PreconditionFailed,
            ServiceError::IdempotencyKeyReused => Self::IdempotencyKeyReused,
            ServiceError::IdempotencyInProgress => Self::IdempotencyInProgress,
            ServiceError::TooManyRequests { retry_after } => Self::TooManyRequests {
                retry_after_secs: retry_after.as_secs_f64().ceil() as u64,
            },
            ServiceError::Unavailable(source) => Self::Unavailable(source),
            ServiceError::Internal(source) => Self::Internal(source),
        }
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
    /// `account_banned` only: when the ban ends (null: until lifted).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub until: Option<Option<DateTime<Utc>>>,
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
            until: match &self {
                Self::AccountBanned { until } => Some(*until),
                _ => None,
            },
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
            Self::Unavailable(_) | Self::IdempotencyInProgress => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response
    }
}
