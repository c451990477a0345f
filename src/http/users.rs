use axum::{extract::State, http::StatusCode, response::IntoResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    ApiError, ApiJson, AppState, AuthUser, ClientIp, ErrorBody, Success,
    responses::{PayloadTooLarge, Unauthorized, Unavailable, UnsupportedMediaType},
    schemas,
};
use crate::{
    auth::RefreshToken,
    domain::{Email, Password, User},
    service::{self, Grant},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(signup))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(me, delete_me))
        .routes(routes!(change_password))
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
    /// What the account may do beyond its own posts and comments.
    #[schema(pattern = "^(user|moderator|admin)$", example = "user")]
    pub role: String,
}

impl From<User> for UserDto {
    fn from(user: User) -> Self {
        Self {
            id: user.id.as_ref().to_string(),
            email: user.email.as_ref().to_string(),
            created_at: user.created_at,
            role: user.role.as_str().to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignupResponse {
    #[serde(flatten)]
    pub envelope: Success,
    pub user: UserDto,
}

/// The tokens of a session, from a login or a refresh.
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
    /// Seconds until the access token expires.
    #[serde(rename = "expiresIn")]
    pub expires_in: u64,
    /// Opaque; trade it at `POST /api/user/refresh` for new tokens (once: it is then used up).
    #[serde(rename = "refreshToken")]
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    #[serde(rename = "refreshExpiresIn")]
    pub refresh_expires_in: u64,
}

impl LoginResponse {
    fn new(grant: Grant) -> axum::Json<Self> {
        axum::Json(Self {
            envelope: Success::with_status(StatusCode::OK),
            access_token: grant.access_token,
            token_type: "Bearer",
            expires_in: grant.expires_in,
            refresh_token: grant.refresh_token.expose().to_string(),
            refresh_expires_in: grant.refresh_expires_in,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"refreshToken": "<the refreshToken of the login or of the last refresh>"}))]
pub struct RefreshRequest {
    #[serde(rename = "refreshToken")]
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"currentPassword": "12345678", "newPassword": "a new passphrase"}))]
pub struct PasswordChangeRequest {
    #[serde(rename = "currentPassword")]
    #[schema(schema_with = schemas::password)]
    pub current_password: String,
    #[serde(rename = "newPassword")]
    #[schema(schema_with = schemas::password)]
    pub new_password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"password": "12345678"}))]
pub struct AccountDeletionRequest {
    #[schema(schema_with = schemas::password)]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeResponse {
    #[serde(flatten)]
    pub envelope: Success,
    pub user: UserDto,
}

fn done() -> axum::Json<Success> {
    axum::Json(Success::with_status(StatusCode::OK))
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
        PayloadTooLarge,
        UnsupportedMediaType,
        Unavailable,
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

/// Log in: start a session and receive its access and refresh tokens.
#[utoipa::path(
    post,
    path = "/api/user/login",
    tag = "user",
    request_body = CredentialsRequest,
    responses(
        (status = 200, description = "Logged in", body = LoginResponse),
        (status = 400, description = "Malformed body (`invalid_request`), bad email (`invalid_email`) or bad password (`invalid_password`)", body = ErrorBody),
        (status = 401, description = "Unknown email or wrong password (`invalid_credentials`)", body = ErrorBody),
        PayloadTooLarge,
        UnsupportedMediaType,
        (status = 429, description = "Too many login attempts (`too_many_requests`); see `Retry-After`", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        Unavailable,
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(client_ip): ClientIp,
    ApiJson(body): ApiJson<CredentialsRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let (email, password) = body.parse()?;
    let grant = service::users::login(&state.services, client_ip, email, password).await?;
    Ok(LoginResponse::new(grant))
}

/// Trade a refresh token for new tokens. The presented token is used up; presenting it again
/// ends the whole session.
#[utoipa::path(
    post,
    path = "/api/user/refresh",
    tag = "user",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New access and refresh tokens", body = LoginResponse),
        (status = 400, description = "Malformed body (`invalid_request`)", body = ErrorBody),
        (status = 401, description = "Unknown, expired or already used refresh token, or its session ended (`invalid_refresh_token`)", body = ErrorBody),
        PayloadTooLarge,
        UnsupportedMediaType,
        Unavailable,
    )
)]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<RefreshRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let presented = RefreshToken::presented(body.refresh_token);
    let grant = service::sessions::refresh(&state.services, presented).await?;
    Ok(LoginResponse::new(grant))
}

/// End this session: its refresh token and every access token of it are refused from now on.
#[utoipa::path(
    post,
    path = "/api/user/logout",
    tag = "user",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Logged out", body = Success),
        (status = 401, description = "Missing or bad token, or its session ended already (`unauthorized`)", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn logout(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
) -> Result<impl IntoResponse, ApiError> {
    service::sessions::logout(&state.services, &caller).await?;
    Ok(done())
}

/// The account the token speaks for.
#[utoipa::path(
    get,
    path = "/api/user/me",
    tag = "user",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's account", body = MeResponse),
        (status = 401, description = "Missing or bad token, session ended, or account deleted (`unauthorized`)", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn me(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
) -> Result<impl IntoResponse, ApiError> {
    let user = service::users::me(&state.services, &caller).await?;
    Ok(axum::Json(MeResponse {
        envelope: Success::with_status(StatusCode::OK),
        user: user.into(),
    }))
}

/// Change the password. Every other session of the account ends; this one goes on.
#[utoipa::path(
    put,
    path = "/api/user/password",
    tag = "user",
    request_body = PasswordChangeRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Password changed", body = Success),
        (status = 400, description = "Malformed body (`invalid_request`) or a password of the wrong length (`invalid_password`)", body = ErrorBody),
        Unauthorized,
        (status = 403, description = "The current password is wrong (`wrong_password`)", body = ErrorBody),
        PayloadTooLarge,
        UnsupportedMediaType,
        (status = 429, description = "Too many attempts for this email (`too_many_requests`); see `Retry-After`", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        Unavailable,
    )
)]
pub async fn change_password(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ClientIp(client_ip): ClientIp,
    ApiJson(body): ApiJson<PasswordChangeRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let current = Password::parse(body.current_password)?;
    let new = Password::parse(body.new_password)?;
    service::users::change_password(&state.services, &caller, client_ip, current, new).await?;
    Ok(done())
}

/// Delete the account: every session ends, its posts are deleted, and its email may sign up
/// again as a new account.
#[utoipa::path(
    delete,
    path = "/api/user/me",
    tag = "user",
    request_body = AccountDeletionRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Account deleted", body = Success),
        (status = 400, description = "Malformed body (`invalid_request`) or a password of the wrong length (`invalid_password`)", body = ErrorBody),
        Unauthorized,
        (status = 403, description = "The password is wrong (`wrong_password`)", body = ErrorBody),
        PayloadTooLarge,
        UnsupportedMediaType,
        (status = 429, description = "Too many attempts for this email (`too_many_requests`); see `Retry-After`", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        Unavailable,
    )
)]
pub async fn delete_me(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ClientIp(client_ip): ClientIp,
    ApiJson(body): ApiJson<AccountDeletionRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let password = Password::parse(body.password)?;
    service::users::delete_account(&state.services, &caller, client_ip, password).await?;
    Ok(done())
}
