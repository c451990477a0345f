use std::net::IpAddr;

use tracing::instrument;

use super::{Caller, Grant, ServiceError, Services, now};
use crate::{
    auth::Verification,
    domain::{Email, Password, Role, User, UserId},
    store::StoreError,
};

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
        role: Role::User,
        ban: None,
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

/// Checks the credentials and starts a session. Unknown email and wrong password give the
/// same error after the same work.
#[instrument(skip_all, fields(user_id), err(level = "info"))]
pub async fn login(
    state: &Services,
    client_ip: IpAddr,
    email: Email,
    password: Password,
) -> Result<Grant, ServiceError> {
    state.login_limiter.check(client_ip, &email)?;
    let found = state.store.find_user_by_email(&email).await?;
    let stored_hash = found.as_ref().map(|(_, hash)| hash.as_str());
    let verification = state.hasher.verify(&password, stored_hash).await?;
    let user = match (found, verification) {
        (Some((user, _)), Verification::Match | Verification::MatchNeedsRehash) => user,
        _ => return Err(ServiceError::InvalidCredentials),
    };
    tracing::Span::current().record("user_id", user.id.as_ref());
    // After the password check, so that a ban tells nothing to someone without it.
    if let Some(ban) = user.ban.as_ref().filter(|ban| ban.in_force(now())) {
        return Err(ServiceError::AccountBanned { until: ban.until });
    }
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
    state.start_session(&user.id).await
}

/// The caller's account.
pub async fn me(state: &Services, caller: &Caller) -> Result<User, ServiceError> {
    let (user, _) = caller_account(state, caller).await?;
    Ok(user)
}

/// Replaces the caller's password after checking the current one, and ends every other
/// session of the account (the caller's goes on). Attempts count against the login limit of
/// the account's email, as logins do.
#[instrument(skip_all, fields(user_id = caller.user.as_ref()), err(level = "info"))]
pub async fn change_password(
    state: &Services,
    caller: &Caller,
    client_ip: IpAddr,
    current: Password,
    new: Password,
) -> Result<(), ServiceError> {
    let user = confirm_password(state, caller, client_ip, &current).await?;
    let hash = state.hasher.hash(&new).await?;
    state.store.set_password_hash(&user.id, &hash).await?;
    state
        .store
        .delete_other_sessions(&user.id, caller.session)
        .await?;
    // Tokens of the original service have no session to end: refuse those issued until now.
    state.store.set_token_floor(&user.id, now()).await?;
    state.sessions_changed();
    tracing::info!("password changed; other sessions ended");
    Ok(())
}

/// Deletes the caller's account after checking its password: every session ends, its posts
/// are soft-deleted, and its email may sign up again (see `store::users::delete_account`).
#[instrument(skip_all, fields(user_id = caller.user.as_ref()), err(level = "info"))]
pub async fn delete_account(
    state: &Services,
    caller: &Caller,
    client_ip: IpAddr,
    password: Password,
) -> Result<(), ServiceError> {
    let user = confirm_password(state, caller, client_ip, &password).await?;
    let deleted = state.store.delete_account(&user.id, now()).await?;
    if deleted {
        state.search.changed();
    }
    state.sessions_changed();
    if !deleted {
        // Deleted meanwhile, by a concurrent request.
        return Err(ServiceError::Unauthorized);
    }
    tracing::info!("account deleted");
    Ok(())
}

/// The caller's account, once `password` is proven to be its password; the attempt counts
/// against the login rate limit of that email.
async fn confirm_password(
    state: &Services,
    caller: &Caller,
    client_ip: IpAddr,
    password: &Password,
) -> Result<User, ServiceError> {
    let (user, stored_hash) = caller_account(state, caller).await?;
    state.login_limiter.check(client_ip, &user.email)?;
    match state.hasher.verify(password, Some(&stored_hash)).await? {
        Verification::Match | Verification::MatchNeedsRehash => Ok(user),
        Verification::Mismatch => Err(ServiceError::WrongPassword),
    }
}

/// The caller's account and its password hash; a deleted account is refused like a bad token.
async fn caller_account(state: &Services, caller: &Caller) -> Result<(User, String), ServiceError> {
    state.store.find_user(&caller.user).await?.ok_or_else(|| {
        tracing::debug!("token rejected: its user no longer exists");
        ServiceError::Unauthorized
    })
}
