use axum::{extract::FromRequestParts, http::header::AUTHORIZATION, http::request::Parts};

use super::{ApiError, AppState};
use crate::service::Caller;

/// The caller, proven by `Authorization: Bearer <access token>` of a session that has not
/// ended. Any defect of the token rejects with 401 `unauthorized`.
#[derive(Debug, Clone)]
pub struct AuthUser(pub Caller);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or(ApiError::Unauthorized)?
            .to_str()
            .map_err(|_| ApiError::Unauthorized)?;
        let token = bearer_token(header).ok_or(ApiError::Unauthorized)?;
        Ok(Self(state.services.authenticate(token).await?))
    }
}

/// The token of a `Bearer` credential; the scheme name is case-insensitive (RFC 9110).
fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::bearer_token;

    #[test]
    fn bearer_scheme_is_parsed() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
        assert_eq!(bearer_token("Bearer "), None);
    }
}
