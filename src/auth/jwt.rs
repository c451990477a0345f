use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AuthError;
use crate::{
    config::Secret,
    domain::{SessionId, UserId},
};

/// The claim set of the original service's Flask-JWT-Extended access tokens, so that
/// tokens issued before a switch-over keep working until they expire, plus `sid`: the
/// session the token belongs to (absent in the original's tokens).
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
    #[serde(rename = "type")]
    pub token_type: String,
    #[serde(default)]
    pub fresh: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// What a valid access token says.
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    pub user: UserId,
    /// `None` for a token of the original service.
    pub session: Option<SessionId>,
    pub jti: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// HS256 keys, built once from the configuration.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl TokenKeys {
    pub fn new(secret: &Secret, ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 0;
        Self {
            encoding: EncodingKey::from_secret(secret.expose()),
            decoding: DecodingKey::from_secret(secret.expose()),
            validation,
            ttl,
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// An access token of `session` for `user`.
    pub fn issue(&self, user: &UserId, session: SessionId) -> Result<String, AuthError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user.as_ref().to_string(),
            iat: now,
            nbf: now,
            exp: now + self.ttl.as_secs() as i64,
            jti: Uuid::new_v4().to_string(),
            token_type: "access".into(),
            fresh: serde_json::Value::Bool(false),
            sid: Some(session.to_string()),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AuthError::internal("signing a token", e))
    }

    /// What a valid access token says; any defect is `InvalidToken`. Whether its session
    /// still lives is for the caller to ask.
    pub fn verify(&self, token: &str) -> Result<VerifiedToken, AuthError> {
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| {
                tracing::debug!(reason = %e, "token rejected");
                AuthError::InvalidToken
            })?
            .claims;
        if claims.token_type != "access" {
            tracing::debug!(token_type = %claims.token_type, "token rejected: not an access token");
            return Err(AuthError::InvalidToken);
        }
        let session = match claims.sid.as_deref() {
            None => None,
            Some(sid) => Some(SessionId::parse(sid).ok_or(AuthError::InvalidToken)?),
        };
        let instant = |seconds| DateTime::from_timestamp(seconds, 0).ok_or(AuthError::InvalidToken);
        Ok(VerifiedToken {
            user: UserId::parse(&claims.sub).ok_or(AuthError::InvalidToken)?,
            session,
            jti: claims.jti,
            issued_at: instant(claims.iat)?,
            expires_at: instant(claims.exp)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(&Secret::new("k".repeat(32)), Duration::from_secs(900))
    }

    #[test]
    fn issued_tokens_verify_and_carry_the_original_claims() {
        let keys = keys();
        let user = UserId::new();
        let session = SessionId::new();
        let token = keys.issue(&user, session).unwrap();
        let verified = keys.verify(&token).unwrap();
        assert_eq!(verified.user, user);
        assert_eq!(verified.session, Some(session));
        let json = serde_json::to_string(
            &decode::<serde_json::Value>(&token, &keys.decoding, &keys.validation)
                .unwrap()
                .claims,
        )
        .unwrap();
        for claim in [
            "\"sub\"",
            "\"iat\"",
            "\"nbf\"",
            "\"exp\"",
            "\"jti\"",
            "\"type\":\"access\"",
            "\"fresh\":false",
            "\"sid\"",
        ] {
            assert!(json.contains(claim), "{claim} missing in {json}");
        }
    }

    #[test]
    fn other_secrets_and_garbage_are_refused() {
        let other = TokenKeys::new(&Secret::new("x".repeat(32)), Duration::from_secs(900));
        let token = other.issue(&UserId::new(), SessionId::new()).unwrap();
        assert!(keys().verify(&token).is_err());
        assert!(keys().verify("not.a.token").is_err());
        assert!(keys().verify("").is_err());
    }
}
