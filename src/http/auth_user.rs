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

/// The `Authorization` header if the request has one, unchecked: for a public route that
/// shows more to some callers (a hidden post to moderators) on a path that is rare.
#[derive(Debug, Clone)]
pub struct MaybeBearer(Option<axum::http::HeaderValue>);

impl FromRequestParts<AppState> for MaybeBearer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.headers.get(AUTHORIZATION).cloned()))
    }
}

impl MaybeBearer {
    /// The caller, when the header holds a good token; `None` otherwise.
    pub async fn caller(&self, state: &AppState) -> Option<Caller> {
        let header = self.0.as_ref()?.to_str().ok()?;
        state
            .services
            .authenticate(bearer_token(header)?)
            .await
            .ok()
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
