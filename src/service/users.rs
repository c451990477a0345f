use std::net::IpAddr;

use tracing::instrument;

use super::{ServiceError, Services, now};
use crate::{
    auth::Verification,
    domain::{Email, Password, User, UserId},
    store::StoreError,
};

/// What a successful login hands the client.
#[derive(Debug)]
pub struct LoginGrant {
    pub access_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

/// Creates an account. A taken email (also under concurrent signups) is `EmailTaken`.
#[instrument(skip_all, err(level = "info"))]
pub async fn signup(
    state: &Services,
    email: Email,
    password: Password,
) -> Result<User, ServiceError> {
    let password_hash = state.hasher.hash(&password).await?;
    let user = User {
        id: UserId::new(),
        email,
        created_at: now(),
    };
    state
        .store
        .insert_user(&user, &password_hash)
        .await
        .map_err(|error| match error {
            StoreError::Duplicate => ServiceError::EmailTaken,
            other => other.into(),
        })?;
    tracing::info!(user_id = user.id.as_ref(), "user signed up");
    Ok(user)
}

/// Checks the credentials and issues an access token. Unknown email and wrong password give the
/// same error after the same work.
#[instrument(skip_all, fields(user_id), err(level = "info"))]
pub async fn login(
    state: &Services,
    client_ip: IpAddr,
    email: Email,
    password: Password,
) -> Result<LoginGrant, ServiceError> {
    state.login_limiter.check(client_ip, &email)?;
    let found = state.store.find_user_by_email(&email).await?;
    let stored_hash = found.as_ref().map(|(_, hash)| hash.as_str());
    let verification = state.hasher.verify(&password, stored_hash).await?;
    let user = match (found, verification) {
        (Some((user, _)), Verification::Match | Verification::MatchNeedsRehash) => user,
        _ => return Err(ServiceError::InvalidCredentials),
    };
    tracing::Span::current().record("user_id", user.id.as_ref());
    if verification == Verification::MatchNeedsRehash {
        // Upgrade a hash inherited from the original service; failing to do so must not
        // fail a correct login.
        match state.hasher.hash(&password).await {
            Ok(hash) => {
                if let Err(error) = state.store.set_password_hash(&user.id, &hash).await {
                    tracing::warn!(%error, "could not upgrade the password hash");
                }
            }
            Err(error) => tracing::warn!(%error, "could not rehash the password"),
        }
    }
    Ok(LoginGrant {
        access_token: state.tokens.issue(&user.id)?,
        expires_in: state.tokens.ttl().as_secs(),
    })
}
