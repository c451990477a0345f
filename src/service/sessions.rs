//! Sessions: what a login starts and a logout, a password change, an account deletion or a
//! refresh-token reuse ends; and the check that every authenticated request makes.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use tracing::instrument;

use super::{ServiceError, Services, now};
use crate::{
    auth::RefreshToken,
    domain::{SessionId, UserId},
    store::sessions::{NewSession, Rotation},
};

/// How long one instance trusts that a session (or a session-less token) is still good
/// before asking the database again; so a logout answered by another instance is honoured
/// here within this time (the instance that answered forgets at once).
pub const SESSION_CHECK_TTL: Duration = Duration::from_millis(500);
/// Live sessions a user may have; a login past it ends the oldest. Bounds the table under a
/// login flood (Discourse keeps 60).
pub const MAX_SESSIONS_PER_USER: u32 = 50;
/// Verdicts kept at most; past it the stale ones are dropped, or all of them.
const GATE_CAPACITY: usize = 10_000;

/// The caller of an authenticated request, proven by a valid access token whose session
/// still lives.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: UserId,
    /// `None` for an access token of the original service.
    pub session: Option<SessionId>,
    pub jti: String,
    pub token_expires_at: DateTime<Utc>,
}

/// What a login or a refresh hands the client.
#[derive(Debug)]
pub struct Grant {
    pub access_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub refresh_token: RefreshToken,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Checked {
    Session(SessionId),
    Token(String),
}

/// Recent "still good" verdicts of this instance, so that a busy client costs one lookup
/// per `SESSION_CHECK_TTL`, not one per request.
#[derive(Default)]
pub(super) struct SessionGate {
    verified: Mutex<HashMap<Checked, Instant>>,
}

impl SessionGate {
    fn is_fresh(&self, key: &Checked) -> bool {
        self.verified
            .lock()
            .ok()
            .and_then(|verified| verified.get(key).copied())
            .is_some_and(|at| at.elapsed() < SESSION_CHECK_TTL)
    }

    fn remember(&self, key: Checked) {
        if let Ok(mut verified) = self.verified.lock() {
            if verified.len() >= GATE_CAPACITY {
                verified.retain(|_, at| at.elapsed() < SESSION_CHECK_TTL);
                if verified.len() >= GATE_CAPACITY {
                    verified.clear();
                }
            }
            verified.insert(key, Instant::now());
        }
    }

    /// After this instance ended a session: ask the database again for every token.
    fn forget_all(&self) {
        if let Ok(mut verified) = self.verified.lock() {
            verified.clear();
        }
    }
}

impl Services {
    /// The caller a bearer token speaks for: valid, and its session not ended (for a token
    /// of the original service: not revoked). Costs one indexed lookup per session and
    /// `SESSION_CHECK_TTL`. Whether the user still exists is left to the writes (see
    /// `boards::find_own`), which prove it for free on success.
    pub async fn authenticate(&self, token: &str) -> Result<Caller, ServiceError> {
        let token = self.tokens.verify(token)?;
        let key = match token.session {
            Some(session) => Checked::Session(session),
            None => Checked::Token(token.jti.clone()),
        };
        if !self.gate.is_fresh(&key) {
            let good = match token.session {
                Some(session) => self.store.session_is_live(session, &token.user).await?,
                None => {
                    !self
                        .store
                        .token_is_refused(&token.jti, &token.user, token.issued_at)
                        .await?
                }
            };
            if !good {
                tracing::debug!("token rejected: its session has ended");
                return Err(ServiceError::Unauthorized);
            }
            self.gate.remember(key);
        }
        Ok(Caller {
            user: token.user,
            session: token.session,
            jti: token.jti,
            token_expires_at: token.expires_at,
        })
    }

    /// Starts a session for `user` and hands out its first tokens.
    pub(super) async fn start_session(&self, user: &UserId) -> Result<Grant, ServiceError> {
        let refresh_token = RefreshToken::generate()?;
        let created_at = now();
        let session = NewSession {
            id: SessionId::new(),
            user: user.clone(),
            refresh_hash: refresh_token.hash(),
            created_at,
            expires_at: created_at + self.refresh_ttl,
        };
        self.store
            .insert_session(&session, MAX_SESSIONS_PER_USER)
            .await?;
        self.grant(user, session.id, refresh_token)
    }

    fn grant(
        &self,
        user: &UserId,
        session: SessionId,
        refresh_token: RefreshToken,
    ) -> Result<Grant, ServiceError> {
        Ok(Grant {
            access_token: self.tokens.issue(user, session)?,
            expires_in: self.tokens.ttl().as_secs(),
            refresh_token,
            refresh_expires_in: self.refresh_ttl.num_seconds().max(0) as u64,
        })
    }

    /// Forgets this instance's verdicts, after it ended a session.
    pub(super) fn sessions_changed(&self) {
        self.gate.forget_all();
    }
}

/// Trades a refresh token for new tokens (rotation: the presented one is used up). A token
/// that was used before ends its whole session (RFC 9700 §4.14).
#[instrument(skip_all, err(level = "info"))]
pub async fn refresh(state: &Services, presented: RefreshToken) -> Result<Grant, ServiceError> {
    let replacement = RefreshToken::generate()?;
    let at = now();
    let rotation = state
        .store
        .rotate_refresh_token(
            presented.hash(),
            replacement.hash(),
            at + state.refresh_ttl,
            at,
        )
        .await?;
    match rotation {
        Rotation::Rotated { session, user } => state.grant(&user, session, replacement),
        Rotation::Reused => {
            tracing::warn!("a used refresh token was presented again: its session was ended");
            state.sessions_changed();
            Err(ServiceError::InvalidRefreshToken)
        }
        Rotation::Unknown => Err(ServiceError::InvalidRefreshToken),
    }
}

/// Ends the caller's session; a token of the original service (no session) is refused by
/// its `jti` from now on.
#[instrument(skip_all, fields(user_id = caller.user.as_ref()), err(level = "info"))]
pub async fn logout(state: &Services, caller: &Caller) -> Result<(), ServiceError> {
    match caller.session {
        Some(session) => state.store.delete_session(session).await?,
        None => {
            state
                .store
                .revoke_token(&caller.jti, caller.token_expires_at)
                .await?
        }
    }
    state.sessions_changed();
    Ok(())
}

/// Removes expired sessions and refusals that can no longer matter; for the housekeeping task.
pub(super) async fn remove_expired(state: &Services) {
    let at = now();
    let floors_before = at - state.access_ttl();
    match state.store.remove_expired_sessions(at, floors_before).await {
        Ok(0) => {}
        Ok(removed) => tracing::debug!(removed, "expired sessions and refusals removed"),
        Err(error) => tracing::warn!(%error, "could not remove expired sessions"),
    }
}
