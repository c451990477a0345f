use std::time::Duration;

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::AuthError;
use crate::{config::Secret, domain::UserId};

/// The claim set of the original service's Flask-JWT-Extended access tokens, so that
/// tokens issued before a switch-over keep working until they expire.
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

    pub fn issue(&self, user: &UserId) -> Result<String, AuthError> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user.as_ref().to_string(),
            iat: now,
            nbf: now,
            exp: now + self.ttl.as_secs() as i64,
            jti: Uuid::new_v4().to_string(),
            token_type: "access".into(),
            fresh: serde_json::Value::Bool(false),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AuthError::internal("signing a token", e))
    }

    /// The user a valid access token speaks for; any defect is `InvalidToken`.
    pub fn verify(&self, token: &str) -> Result<UserId, AuthError> {
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
        UserId::parse(&claims.sub).ok_or(AuthError::InvalidToken)
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
        let token = keys.issue(&user).unwrap();
        assert_eq!(keys.verify(&token).unwrap(), user);
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
        ] {
            assert!(json.contains(claim), "{claim} missing in {json}");
        }
    }

    #[test]
    fn other_secrets_and_garbage_are_refused() {
        let other = TokenKeys::new(&Secret::new("x".repeat(32)), Duration::from_secs(900));
        let token = other.issue(&UserId::new()).unwrap();
        assert!(keys().verify(&token).is_err());
        assert!(keys().verify("not.a.token").is_err());
        assert!(keys().verify("").is_err());
    }
}
