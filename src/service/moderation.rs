//! Roles and moderation: who may do what (`policy` and `may_ban`, the one place that
//! decides), bans, hiding, reports, and the audit log of what was done.

use chrono::{DateTime, Utc};
use tracing::instrument;

use super::{Caller, ServiceError, Services, now};
use crate::{
    domain::{
        AUDIT_PAGE, AuditEntry, Board, BoardId, Comment, CommentId, DomainError, Email, Hidden,
        REPORT_PAGE, Reason, Report, ResolveAction, Role, TargetKind, User, UserId,
    },
    store::{
        Store,
        moderation::{HideRecord, NewReport, RoleChange},
    },
};

/// What an account asks to do beyond its own posts and comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ChangeRole,
    ReadAudit,
    Ban,
    /// Hide and restore posts and comments, and see hidden ones.
    Hide,
    /// Read the report queue and resolve reports.
    HandleReports,
}

/// Whether `role` may do `action`.
pub fn policy(role: Role, action: Action) -> bool {
    match action {
        Action::ChangeRole => role == Role::Admin,
        Action::ReadAudit | Action::Ban | Action::Hide | Action::HandleReports => {
            role >= Role::Moderator
        }
    }
}

/// Whether an account of role `actor` may ban one of role `target` (besides `policy`): a
/// moderator bans only plain users; an admin anyone.
pub fn may_ban(actor: Role, target: Role) -> bool {
    actor == Role::Admin || target == Role::User
}

/// The caller's role as the database has it now (a role taken away counts at once, whatever
/// the token says), once `policy` lets it do `action`.
async fn authorise(
    state: &Services,
    caller: &Caller,
    action: Action,
) -> Result<Role, ServiceError> {
    let (user, _) = state
        .store
        .find_user(&caller.user)
        .await?
        .ok_or(ServiceError::Unauthorized)?;
    if policy(user.role, action) {
        Ok(user.role)
    } else {
        Err(ServiceError::RoleRequired)
    }
}

/// An admin gives an account a role.
#[instrument(skip_all, fields(user_id = caller.user.as_ref(), target = target.as_ref()), err(level = "info"))]
pub async fn set_role(
    state: &Services,
    caller: &Caller,
    target: &UserId,
    role: Role,
) -> Result<User, ServiceError> {
    authorise(state, caller, Action::ChangeRole).await?;
    apply_role(&state.store, target, role, Some(&caller.user)).await
}

/// `board admin set-role EMAIL ROLE`: the command line acts with the database's own
/// authority (whoever can run it can reach the database), so no policy applies.
pub async fn set_role_by_email(
    store: &Store,
    email: &Email,
    role: Role,
) -> Result<User, ServiceError> {
    let (user, _) = store
        .find_user_by_email(email)
        .await?
        .ok_or(ServiceError::NotFound)?;
    apply_role(store, &user.id, role, None).await
}

async fn apply_role(
    store: &Store,
    target: &UserId,
    role: Role,
    actor: Option<&UserId>,
) -> Result<User, ServiceError> {
    match store.set_role(target, role, actor, now()).await? {
        RoleChange::Done { user, changed } => {
            if changed {
                tracing::info!(role = role.as_str(), "role changed");
            }
            Ok(user)
        }
        RoleChange::NotFound => Err(ServiceError::NotFound),
        RoleChange::LastAdmin => Err(ServiceError::LastAdmin),
    }
}

/// A page of the audit log, newest first, and where the next one starts.
pub async fn audit(
    state: &Services,
    caller: &Caller,
    before: Option<i64>,
) -> Result<(Vec<AuditEntry>, Option<i64>), ServiceError> {
    authorise(state, caller, Action::ReadAudit).await?;
    let mut entries = state.store.audit_entries(before, AUDIT_PAGE + 1).await?;
    let next = if entries.len() > AUDIT_PAGE as usize {
        entries.truncate(AUDIT_PAGE as usize);
        entries.last().map(|entry| entry.seq)
    } else {
        None
    };
    Ok((entries, next))
}

/// Bans an account until `until` (`None`: until lifted): every session of it ends (on every
/// instance within `SESSION_CHECK_TTL`) and login is refused meanwhile. The account as it is.
#[instrument(skip_all, fields(user_id = caller.user.as_ref(), target = target.as_ref()), err(level = "info"))]
pub async fn ban(
    state: &Services,
    caller: &Caller,
    target: &UserId,
    reason: &Reason,
    until: Option<DateTime<Utc>>,
) -> Result<User, ServiceError> {
    let role = authorise(state, caller, Action::Ban).await?;
    let at = now();
    if until.is_some_and(|until| until <= at) {
        return Err(ServiceError::Invalid(DomainError::BanUntil));
    }
    let (user, _) = state
        .store
        .find_user(target)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if *target == caller.user {
        return Err(ServiceError::Refused("You cannot ban yourself"));
    }
    if !may_ban(role, user.role) {
        return Err(ServiceError::RoleRequired);
    }
    if !state
        .store
        .ban_user(target, reason, until, &caller.user, at)
        .await?
    {
        return Err(ServiceError::NotFound);
    }
    state.sessions_changed();
    let (user, _) = state
        .store
        .find_user(target)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(user)
}

/// Lifts an account's ban (nothing happens, and nothing is recorded, when it has none).
#[instrument(skip_all, fields(user_id = caller.user.as_ref(), target = target.as_ref()), err(level = "info"))]
pub async fn unban(
    state: &Services,
    caller: &Caller,
    target: &UserId,
) -> Result<User, ServiceError> {
    authorise(state, caller, Action::Ban).await?;
    state
        .store
        .find_user(target)
        .await?
        .ok_or(ServiceError::NotFound)?;
    state.store.unban_user(target, &caller.user, now()).await?;
    let (user, _) = state
        .store
        .find_user(target)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok(user)
}

/// Hides a live post: gone for everyone else as if deleted (every count, search), still
/// readable by moderators. Hiding a hidden post again changes nothing.
#[instrument(skip_all, fields(user_id = caller.user.as_ref(), board_id = %id), err(level = "info"))]
pub async fn hide_board(
    state: &Services,
    caller: &Caller,
    id: BoardId,
    reason: &Reason,
) -> Result<(Board, Hidden), ServiceError> {
    authorise(state, caller, Action::Hide).await?;
    hide_board_as(state, &caller.user, id, reason).await
}

async fn hide_board_as(
    state: &Services,
    actor: &UserId,
    id: BoardId,
    reason: &Reason,
) -> Result<(Board, Hidden), ServiceError> {
    let at = now();
    let record = HideRecord {
        kind: TargetKind::Board,
        target_id: id.to_db(),
        by: actor.clone(),
        reason: reason.clone(),
        at,
    };
    state
        .store
        .soft_delete_board(id, at, None, Some(record))
        .await?;
    hidden_board_of(state, id).await
}

/// Restores a hidden post and every count; restoring a live post changes nothing.
#[instrument(skip_all, fields(user_id = caller.user.as_ref(), board_id = %id), err(level = "info"))]
pub async fn restore_board(
    state: &Services,
    caller: &Caller,
    id: BoardId,
) -> Result<Board, ServiceError> {
    authorise(state, caller, Action::Hide).await?;
    state.store.restore_board(id, &caller.user, now()).await?;
    state
        .store
        .find_live_board(id)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// A hidden post, for a moderator or admin (`NotFound` for anyone else, as for everyone).
pub async fn hidden_board(
    state: &Services,
    caller: &Caller,
    id: BoardId,
) -> Result<(Board, Hidden), ServiceError> {
    authorise(state, caller, Action::Hide)
        .await
        .map_err(|_| ServiceError::NotFound)?;
    hidden_board_of(state, id).await
}

async fn hidden_board_of(state: &Services, id: BoardId) -> Result<(Board, Hidden), ServiceError> {
    let hidden = state
        .store
        .find_hidden(TargetKind::Board, &id.to_db())
        .await?
        .ok_or(ServiceError::NotFound)?;
    let board = state
        .store
        .find_any_board(id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    Ok((board, hidden))
}

/// Hides a live comment (as if deleted: a thread it heads shows a placeholder).
#[instrument(skip_all, fields(user_id = caller.user.as_ref(), comment_id = %id), err(level = "info"))]
pub async fn hide_comment(
    state: &Services,
    caller: &Caller,
    id: CommentId,
    reason: &Reason,
) -> Result<(Comment, Hidden), ServiceError> {
    authorise(state, caller, Action::Hide).await?;
    hide_comment_as(state, &caller.user, id, reason).await
}

async fn hide_comment_as(
    state: &Services,
    actor: &UserId,
    id: CommentId,
    reason: &Reason,
) -> Result<(Comment, Hidden), ServiceError> {
    let comment = state
        .store
        .find_any_comment(id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if comment.deleted_at.is_none() {
        let at = now();
        let record = HideRecord {
            kind: TargetKind::Comment,
            target_id: id.to_db(),
            by: actor.clone(),
            reason: reason.clone(),
            at,
        };
        state
            .store
            .soft_delete_comment(&comment, at, None, Some(record))
            .await?;
    }
    comment_with_hidden(state, id)
        .await?
        .and_then(|(comment, hidden)| hidden.map(|hidden| (comment, hidden)))
        .ok_or(ServiceError::NotFound)
}

/// Restores a hidden comment and every count; restoring a live comment changes nothing.
#[instrument(skip_all, fields(user_id = caller.user.as_ref(), comment_id = %id), err(level = "info"))]
pub async fn restore_comment(
    state: &Services,
    caller: &Caller,
    id: CommentId,
) -> Result<Comment, ServiceError> {
    authorise(state, caller, Action::Hide).await?;
    let comment = state
        .store
        .find_any_comment(id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    state
        .store
        .restore_comment(&comment, &caller.user, now())
        .await?;
    match comment_with_hidden(state, id).await? {
        Some((comment, None)) if comment.deleted_at.is_none() => Ok(comment),
        _ => Err(ServiceError::NotFound),
    }
}

/// A comment as moderators see it: live, or hidden with who hid it; `NotFound` when it was
/// deleted by its author (or never existed).
pub async fn comment(
    state: &Services,
    caller: &Caller,
    id: CommentId,
) -> Result<(Comment, Option<Hidden>), ServiceError> {
    authorise(state, caller, Action::Hide).await?;
    comment_with_hidden(state, id)
        .await?
        .filter(|(comment, hidden)| comment.deleted_at.is_none() || hidden.is_some())
        .ok_or(ServiceError::NotFound)
}

async fn comment_with_hidden(
    state: &Services,
    id: CommentId,
) -> Result<Option<(Comment, Option<Hidden>)>, ServiceError> {
    let Some(comment) = state.store.find_any_comment(id).await? else {
        return Ok(None);
    };
    let hidden = match comment.deleted_at {
        Some(_) => {
            state
                .store
                .find_hidden(TargetKind::Comment, &id.to_db())
                .await?
        }
        None => None,
    };
    Ok(Some((comment, hidden)))
}

/// What a user reports.
#[derive(Debug, Clone, Copy)]
pub enum ReportTarget {
    Board(BoardId),
    Comment(BoardId, CommentId),
}

/// Reports a live post or comment (any signed-in user). `true` with a new report; `false`
/// with the caller's open report of the same target.
#[instrument(skip_all, fields(user_id = caller.user.as_ref()), err(level = "info"))]
pub async fn report(
    state: &Services,
    caller: &Caller,
    target: ReportTarget,
    reason: &Reason,
) -> Result<(Report, bool), ServiceError> {
    let board = match target {
        ReportTarget::Board(board) | ReportTarget::Comment(board, _) => board,
    };
    state
        .store
        .find_live_board(board)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let (kind, target_id) = match target {
        ReportTarget::Board(board) => (TargetKind::Board, board.to_db()),
        ReportTarget::Comment(board, comment) => {
            state
                .store
                .find_live_comment(board, comment)
                .await?
                .ok_or(ServiceError::NotFound)?;
            (TargetKind::Comment, comment.to_db())
        }
    };
    let report = NewReport {
        kind,
        target_id,
        board_id: board.to_db(),
        reporter: caller.user.clone(),
        reason: reason.clone(),
        at: now(),
    };
    Ok(state.store.insert_report(&report).await?)
}

/// A page of the report queue (open or resolved), oldest first, and where the next starts.
pub async fn reports(
    state: &Services,
    caller: &Caller,
    open: bool,
    after: Option<i64>,
) -> Result<(Vec<Report>, Option<i64>), ServiceError> {
    authorise(state, caller, Action::HandleReports).await?;
    let mut reports = state
        .store
        .list_reports(open, after, REPORT_PAGE + 1)
        .await?;
    let next = if reports.len() > REPORT_PAGE as usize {
        reports.truncate(REPORT_PAGE as usize);
        reports.last().map(|report| report.id)
    } else {
        None
    };
    Ok((reports, next))
}

/// Resolves every open report of the report's target; with `Hide`, hides the target first
/// (one that is no longer live is left as it is). The report as it is now.
#[instrument(skip_all, fields(user_id = caller.user.as_ref(), report_id = id), err(level = "info"))]
pub async fn resolve(
    state: &Services,
    caller: &Caller,
    id: i64,
    action: ResolveAction,
    note: Option<&Reason>,
) -> Result<Report, ServiceError> {
    authorise(state, caller, Action::HandleReports).await?;
    let report = state
        .store
        .find_report(id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    if report.resolution.is_some() {
        return Ok(report);
    }
    if action == ResolveAction::Hide {
        let why = note.unwrap_or(&report.reason);
        let hidden = match report.target_kind {
            TargetKind::Board => match BoardId::parse(&report.target_id) {
                Some(board) => hide_board_as(state, &caller.user, board, why)
                    .await
                    .map(|_| ()),
                None => Err(ServiceError::NotFound),
            },
            TargetKind::Comment => match CommentId::parse(&report.target_id) {
                Some(comment) => hide_comment_as(state, &caller.user, comment, why)
                    .await
                    .map(|_| ()),
                None => Err(ServiceError::NotFound),
            },
            TargetKind::User => Err(ServiceError::NotFound),
        };
        match hidden {
            Ok(()) | Err(ServiceError::NotFound) => {}
            Err(error) => return Err(error),
        }
    }
    state
        .store
        .resolve_reports(
            report.target_kind,
            &report.target_id,
            action,
            note,
            &caller.user,
            now(),
        )
        .await?;
    state
        .store
        .find_report(id)
        .await?
        .ok_or(ServiceError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moderators_ban_only_users_and_admins_anyone() {
        assert!(may_ban(Role::Moderator, Role::User));
        assert!(!may_ban(Role::Moderator, Role::Moderator));
        assert!(!may_ban(Role::Moderator, Role::Admin));
        assert!(may_ban(Role::Admin, Role::Moderator));
        assert!(may_ban(Role::Admin, Role::Admin));
        for action in [Action::Ban, Action::Hide, Action::HandleReports] {
            assert!(policy(Role::Moderator, action));
            assert!(policy(Role::Admin, action));
            assert!(!policy(Role::User, action));
        }
    }

    #[test]
    fn only_admins_change_roles_and_moderators_read_the_audit() {
        assert!(policy(Role::Admin, Action::ChangeRole));
        assert!(!policy(Role::Moderator, Action::ChangeRole));
        assert!(!policy(Role::User, Action::ChangeRole));
        assert!(policy(Role::Admin, Action::ReadAudit));
        assert!(policy(Role::Moderator, Action::ReadAudit));
        assert!(!policy(Role::User, Action::ReadAudit));
    }
}
