use axum::{extract::State, http::StatusCode, response::IntoResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{ApiError, ApiJson, AppState, ClientIp, ErrorBody, Success, schemas};
use crate::{
    domain::{Email, Password, User},
    service,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(login))
}

/// Email and password, for signup and login alike. Unknown fields are ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"email": "test@test.com", "password": "12345678"}))]
pub struct CredentialsRequest {
    #[schema(schema_with = schemas::email)]
    pub email: String,
    #[schema(schema_with = schemas::password)]
    pub password: String,
}

impl CredentialsRequest {
    /// Email first, then password: the error order a client sees.
    fn parse(self) -> Result<(Email, Password), ApiError> {
        Ok((Email::parse(&self.email)?, Password::parse(self.password)?))
    }
}

/// A user as the API shows it: never the password or its hash.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    #[schema(format = Uuid)]
    pub id: String,
    pub email: String,
    pub created_at: DateTime<Utc>,
}

impl From<User> for UserDto {
    fn from(user: User) -> Self {
        Self {
            id: user.id.as_ref().to_string(),
            email: user.email.as_ref().to_string(),
            created_at: user.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignupResponse {
    #[serde(flatten)]
    pub envelope: Success,
    pub user: UserDto,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    #[serde(flatten)]
    pub envelope: Success,
    /// A JWT (HS256) to send as `Authorization: Bearer <accessToken>`.
    #[serde(rename = "accessToken")]
    pub access_token: String,
    /// Always `"Bearer"`.
    #[serde(rename = "tokenType")]
    pub token_type: &'static str,
    /// Seconds until the token expires.
    #[serde(rename = "expiresIn")]
    pub expires_in: u64,
}

/// Create an account.
#[utoipa::path(
    post,
    path = "/api/user/signup",
    tag = "user",
    request_body = CredentialsRequest,
    responses(
        (status = 201, description = "User created", body = SignupResponse),
        (status = 400, description = "Malformed body (`invalid_request`), bad email (`invalid_email`) or bad password (`invalid_password`)", body = ErrorBody),
        (status = 409, description = "Email already exists (`email_taken`)", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB (`payload_too_large`)", body = ErrorBody),
        (status = 415, description = "Body is not `application/json` (`unsupported_media_type`)", body = ErrorBody),
        (status = 503, description = "Database unavailable (`unavailable`)", body = ErrorBody),
    )
)]
pub async fn signup(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CredentialsRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let (email, password) = body.parse()?;
    let user = service::users::signup(&state.services, email, password).await?;
    let status = StatusCode::CREATED;
    Ok((
        status,
        axum::Json(SignupResponse {
            envelope: Success::with_status(status),
            user: user.into(),
        }),
    ))
}

/// Log in and receive an access token.
#[utoipa::path(
    post,
    path = "/api/user/login",
    tag = "user",
    request_body = CredentialsRequest,
    responses(
        (status = 200, description = "Logged in", body = LoginResponse),
        (status = 400, description = "Malformed body (`invalid_request`), bad email (`invalid_email`) or bad password (`invalid_password`)", body = ErrorBody),
        (status = 401, description = "Unknown email or wrong password (`invalid_credentials`)", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB (`payload_too_large`)", body = ErrorBody),
        (status = 415, description = "Body is not `application/json` (`unsupported_media_type`)", body = ErrorBody),
        (status = 429, description = "Too many login attempts (`too_many_requests`); see `Retry-After`", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Database unavailable (`unavailable`)", body = ErrorBody),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(client_ip): ClientIp,
    ApiJson(body): ApiJson<CredentialsRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let (email, password) = body.parse()?;
    let grant = service::users::login(&state.services, client_ip, email, password).await?;
    Ok(axum::Json(LoginResponse {
        envelope: Success::with_status(StatusCode::OK),
        access_token: grant.access_token,
        token_type: "Bearer",
        expires_in: grant.expires_in,
    }))
}
