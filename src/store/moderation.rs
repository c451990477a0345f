//! Roles, bans, hidden posts and comments, reports, and the moderation audit log. The log is
//! append-only: the store inserts into `moderation_audit` and reads it, and no statement
//! anywhere updates or deletes a row of it (a test reads the sources to hold that).

use chrono::{DateTime, Utc};

use super::{
    DELETED_ACCOUNT, Store, StoreError, autocommit, read, rerun_on_contention,
    sessions::{CLEAR_FLOOR, DELETE_ALL_OF_USER, SET_FLOOR},
    transaction,
    users::{BY_ID, UserRow},
};
use crate::domain::{
    AuditAction, AuditEntry, Hidden, Reason, Report, Resolution, ResolveAction, Role, TargetKind,
    User, UserId,
};

/// What a role change came to.
#[derive(Debug)]
pub enum RoleChange {
    /// The account, with its role as it is now (the same as before when nothing changed).
    Done {
        user: User,
        changed: bool,
    },
    NotFound,
    /// It would leave no admin.
    LastAdmin,
}

/// A moderator's hide, written in the transaction that soft-deletes the post or comment.
#[derive(Debug, Clone)]
pub struct HideRecord {
    pub kind: TargetKind,
    pub target_id: String,
    pub by: UserId,
    pub reason: Reason,
    pub at: DateTime<Utc>,
}

/// A user's report as it is written.
#[derive(Debug, Clone)]
pub struct NewReport {
    pub kind: TargetKind,
    pub target_id: String,
    pub board_id: String,
    pub reporter: UserId,
    pub reason: Reason,
    pub at: DateTime<Utc>,
}

// Touching every admin row first makes role changes take turns: on MySQL it locks those rows
// (a concurrent change waits, then counts again), on SQLite a write starts the one write
// transaction. Without it two admins demoting each other at once would both see two admins.
const LOCK_ADMINS: &str = "update user set role = role where role = 'admin'";
const COUNT_ADMINS: &str = "select count(*) from user where role = 'admin' and password <> ?";
const SET_ROLE: &str = "update user set role = ? where id = ?";
const BAN: &str = "update user set ban_reason = ?, banned_until = ? where id = ? and password <> ?";
const UNBAN: &str = "update user set ban_reason = null, banned_until = null \
     where id = ? and ban_reason is not null";
pub(super) const INSERT_AUDIT: &str = "insert into moderation_audit \
     (actor_id, action, target_kind, target_id, reason, detail, created_at) \
     values (?, ?, ?, ?, ?, ?, ?)";
const AUDIT_BEFORE: &str = "select seq, actor_id, action, target_kind, target_id, reason, detail, \
     created_at from moderation_audit where seq < ? order by seq desc limit ?";
pub(super) const INSERT_HIDDEN: &str = "insert into moderation_hidden \
     (target_kind, target_id, hidden_at, hidden_by, reason) values (?, ?, ?, ?, ?)";
pub(super) const DELETE_HIDDEN: &str =
    "delete from moderation_hidden where target_kind = ? and target_id = ?";
const FIND_HIDDEN: &str = "select hidden_at, hidden_by, reason from moderation_hidden \
     where target_kind = ? and target_id = ?";
const INSERT_REPORT: &str = "insert into moderation_report \
     (target_kind, target_id, board_id, reporter_id, reason, created_at, open_flag) \
     values (?, ?, ?, ?, ?, ?, 1)";
/// A report's columns and how many users reported its target (among reports of the same
/// status), for every statement that reads reports.
macro_rules! report_select {
    () => {
        "select r.id, r.target_kind, r.target_id, r.board_id, r.reporter_id, \
         r.reason, r.created_at, r.resolved_at, r.resolved_by, r.resolution, r.note, \
         (select count(*) from moderation_report o where o.target_kind = r.target_kind \
          and o.target_id = r.target_id \
          and (o.open_flag = r.open_flag or (o.open_flag is null and r.open_flag is null))) as reporters \
         from moderation_report r "
    };
}
const OPEN_REPORT_OF: &str = concat!(
    report_select!(),
    "where r.target_kind = ? and r.target_id = ? and r.reporter_id = ? and r.open_flag = 1"
);
const REPORT_BY_ID: &str = concat!(report_select!(), "where r.id = ?");
const OPEN_REPORTS_AFTER: &str = concat!(
    report_select!(),
    "where r.open_flag = 1 and r.id > ? order by r.id limit ?"
);
const RESOLVED_REPORTS_AFTER: &str = concat!(
    report_select!(),
    "where r.open_flag is null and r.id > ? order by r.id limit ?"
);
const RESOLVE: &str = "update moderation_report \
     set open_flag = null, resolved_at = ?, resolved_by = ?, resolution = ?, note = ? \
     where target_kind = ? and target_id = ? and open_flag = 1";

/// Inside a `transaction!` body: appends one entry to the audit log.
macro_rules! audit {
    ($tx:ident, $actor:expr, $action:expr, $kind:expr, $target:expr, $reason:expr, $detail:expr, $at:expr) => {
        sqlx::query($crate::store::moderation::INSERT_AUDIT)
            .bind($actor)
            .bind($action.as_str())
            .bind($kind.as_str())
            .bind($target)
            .bind($reason)
            .bind($detail)
            .bind($at)
            .execute(&mut *$tx)
            .await?
    };
}
pub(super) use audit;

/// Inside a `transaction!` body, once the post or comment is soft-deleted: marks it hidden
/// and records the hide.
macro_rules! record_hide {
    ($tx:ident, $hide:expr) => {{
        let hide: &$crate::store::moderation::HideRecord = $hide;
        sqlx::query($crate::store::moderation::INSERT_HIDDEN)
            .bind(hide.kind.as_str())
            .bind(hide.target_id.as_str())
            .bind(hide.at)
            .bind(hide.by.as_ref())
            .bind(hide.reason.as_ref())
            .execute(&mut *$tx)
            .await?;
        $crate::store::moderation::audit!(
            $tx,
            Some(hide.by.as_ref()),
            $crate::domain::AuditAction::Hide,
            hide.kind,
            hide.target_id.as_str(),
            Some(hide.reason.as_ref()),
            None::<&str>,
            hide.at
        );
    }};
}
pub(super) use record_hide;

/// Inside a `transaction!` body, before a restore: removes the hidden mark and records the
/// restore; evaluates to `false` (nothing done) when the item was not hidden.
macro_rules! unrecord_hide {
    ($tx:ident, $kind:expr, $target:expr, $actor:expr, $at:expr) => {{
        let removed = sqlx::query($crate::store::moderation::DELETE_HIDDEN)
            .bind($kind.as_str())
            .bind($target)
            .execute(&mut *$tx)
            .await?
            .rows_affected()
            == 1;
        if removed {
            $crate::store::moderation::audit!(
                $tx,
                Some($actor),
                $crate::domain::AuditAction::Restore,
                $kind,
                $target,
                None::<&str>,
                None::<&str>,
                $at
            );
        }
        removed
    }};
}
pub(super) use unrecord_hide;

#[derive(sqlx::FromRow)]
struct AuditRow {
    seq: i64,
    actor_id: Option<String>,
    action: String,
    target_kind: String,
    target_id: String,
    reason: Option<String>,
    detail: Option<String>,
    created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct HiddenRow {
    hidden_at: DateTime<Utc>,
    hidden_by: String,
    reason: String,
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: i64,
    target_kind: String,
    target_id: String,
    board_id: String,
    reporter_id: String,
    reason: String,
    created_at: DateTime<Utc>,
    resolved_at: Option<DateTime<Utc>>,
    resolved_by: Option<String>,
    resolution: Option<String>,
    note: Option<String>,
    reporters: i64,
}

impl From<ReportRow> for Report {
    fn from(row: ReportRow) -> Self {
        let resolution = match (row.resolved_at, row.resolved_by, row.resolution) {
            (Some(at), Some(by), Some(action)) => Some(Resolution {
                action: ResolveAction::from_stored(&action),
                by: UserId::from_stored(by),
                at,
                note: row.note,
            }),
            _ => None,
        };
        Report {
            id: row.id,
            target_kind: TargetKind::from_stored(&row.target_kind),
            target_id: row.target_id,
            board_id: row.board_id,
            reporter: UserId::from_stored(row.reporter_id),
            reason: Reason::from_stored(row.reason),
            created_at: row.created_at,
            resolution,
            reporters: row.reporters.max(0) as u64,
        }
    }
}

impl Store {
    /// Gives `target` the role `role` and records it (by `actor`; `None`: the command line),
    /// in one transaction; refuses to take the role of the last admin.
    pub async fn set_role(
        &self,
        target: &UserId,
        role: Role,
        actor: Option<&UserId>,
        at: DateTime<Utc>,
    ) -> Result<RoleChange, StoreError> {
        rerun_on_contention("role change", || {
            self.set_role_once(target, role, actor, at)
        })
        .await
    }

    async fn set_role_once(
        &self,
        target: &UserId,
        role: Role,
        actor: Option<&UserId>,
        at: DateTime<Utc>,
    ) -> Result<RoleChange, StoreError> {
        let (target, actor) = (target.clone(), actor.cloned());
        transaction!(self, |tx| {
            sqlx::query(LOCK_ADMINS).execute(&mut *tx).await?;
            let row = sqlx::query_as::<_, UserRow>(BY_ID)
                .bind(target.as_ref())
                .bind(DELETED_ACCOUNT)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(row) = row else {
                return Ok(RoleChange::NotFound);
            };
            let (mut user, _) = row.into_user();
            let before = user.role;
            if before == role {
                return Ok(RoleChange::Done {
                    user,
                    changed: false,
                });
            }
            if before == Role::Admin {
                let admins: i64 = sqlx::query_scalar(COUNT_ADMINS)
                    .bind(DELETED_ACCOUNT)
                    .fetch_one(&mut *tx)
                    .await?;
                if admins <= 1 {
                    return Ok(RoleChange::LastAdmin);
                }
            }
            sqlx::query(SET_ROLE)
                .bind(role.as_str())
                .bind(target.as_ref())
                .execute(&mut *tx)
                .await?;
            audit!(
                tx,
                actor.as_ref().map(AsRef::<str>::as_ref),
                AuditAction::RoleChange,
                TargetKind::User,
                target.as_ref(),
                None::<&str>,
                Some(format!("{} → {}", before.as_str(), role.as_str())),
                at
            );
            user.role = role;
            RoleChange::Done {
                user,
                changed: true,
            }
        })
    }

    /// Bans `target` until `until` (`None`: until lifted), in one transaction with the end of
    /// every session of the account (and of its session-less tokens issued before `at`) and
    /// the audit entry. `false` when the account does not exist.
    pub async fn ban_user(
        &self,
        target: &UserId,
        reason: &Reason,
        until: Option<DateTime<Utc>>,
        actor: &UserId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        rerun_on_contention("ban", || async {
            let (target, reason, actor) = (target.clone(), reason.clone(), actor.clone());
            transaction!(self, |tx| {
                let banned = sqlx::query(BAN)
                    .bind(reason.as_ref())
                    .bind(until)
                    .bind(target.as_ref())
                    .bind(DELETED_ACCOUNT)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1;
                if !banned {
                    return Ok(false);
                }
                sqlx::query(DELETE_ALL_OF_USER)
                    .bind(target.as_ref())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(CLEAR_FLOOR)
                    .bind(target.as_ref())
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(SET_FLOOR)
                    .bind(target.as_ref())
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
                audit!(
                    tx,
                    Some(actor.as_ref()),
                    AuditAction::Ban,
                    TargetKind::User,
                    target.as_ref(),
                    Some(reason.as_ref()),
                    Some(match until {
                        Some(until) => format!("until {}", until.to_rfc3339()),
                        None => "until lifted".to_string(),
                    }),
                    at
                );
                true
            })
        })
        .await
    }

    /// Lifts the ban of `target` and records it; `false` when it had none.
    pub async fn unban_user(
        &self,
        target: &UserId,
        actor: &UserId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (target, actor) = (target.clone(), actor.clone());
        transaction!(self, |tx| {
            let lifted = sqlx::query(UNBAN)
                .bind(target.as_ref())
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if lifted {
                audit!(
                    tx,
                    Some(actor.as_ref()),
                    AuditAction::Unban,
                    TargetKind::User,
                    target.as_ref(),
                    None::<&str>,
                    None::<&str>,
                    at
                );
            }
            lifted
        })
    }

    /// Who hid the post or comment, when and why; `None` when it is not hidden.
    pub async fn find_hidden(
        &self,
        kind: TargetKind,
        target_id: &str,
    ) -> Result<Option<Hidden>, StoreError> {
        let row = read!(self, |conn| sqlx::query_as::<_, HiddenRow>(FIND_HIDDEN)
            .bind(kind.as_str())
            .bind(target_id)
            .fetch_optional(conn)
            .await)?;
        Ok(row.map(|row| Hidden {
            at: row.hidden_at,
            by: UserId::from_stored(row.hidden_by),
            reason: Reason::from_stored(row.reason),
        }))
    }

    /// Writes a report, or finds the reporter's open report of the same target (also when
    /// concurrent identical reports race: the unique key lets one in). `true`: written now.
    pub async fn insert_report(&self, report: &NewReport) -> Result<(Report, bool), StoreError> {
        rerun_on_contention("report", || self.insert_report_once(report)).await
    }

    async fn insert_report_once(&self, report: &NewReport) -> Result<(Report, bool), StoreError> {
        let inserted = autocommit!(self, |pool| sqlx::query(INSERT_REPORT)
            .bind(report.kind.as_str())
            .bind(report.target_id.as_str())
            .bind(report.board_id.as_str())
            .bind(report.reporter.as_ref())
            .bind(report.reason.as_ref())
            .bind(report.at)
            .execute(pool)
            .await
            .map(|_| ()));
        let created = match inserted {
            Ok(_) => true,
            Err(StoreError::Database(sqlx::Error::Database(e))) if e.is_unique_violation() => false,
            Err(error) => return Err(error),
        };
        let row = autocommit!(self, |pool| sqlx::query_as::<_, ReportRow>(OPEN_REPORT_OF)
            .bind(report.kind.as_str())
            .bind(report.target_id.as_str())
            .bind(report.reporter.as_ref())
            .fetch_optional(pool)
            .await)?;
        match row {
            Some(row) => Ok((row.into(), created)),
            // Resolved between the insert and this read: the report was taken in.
            None => Err(StoreError::Contention(sqlx::Error::RowNotFound)),
        }
    }

    pub async fn find_report(&self, id: i64) -> Result<Option<Report>, StoreError> {
        let row = read!(self, |conn| sqlx::query_as::<_, ReportRow>(REPORT_BY_ID)
            .bind(id)
            .fetch_optional(conn)
            .await)?;
        Ok(row.map(Report::from))
    }

    /// Up to `limit` open (or resolved) reports after the report `after`, oldest first.
    pub async fn list_reports(
        &self,
        open: bool,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Report>, StoreError> {
        let page = if open {
            OPEN_REPORTS_AFTER
        } else {
            RESOLVED_REPORTS_AFTER
        };
        let rows = read!(self, |conn| sqlx::query_as::<_, ReportRow>(page)
            .bind(after.unwrap_or(0))
            .bind(i64::from(limit))
            .fetch_all(conn)
            .await)?;
        Ok(rows.into_iter().map(Report::from).collect())
    }

    /// Resolves every open report of the target and records it; the number resolved.
    pub async fn resolve_reports(
        &self,
        kind: TargetKind,
        target_id: &str,
        action: ResolveAction,
        note: Option<&Reason>,
        actor: &UserId,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let (target_id, note, actor) = (
            target_id.to_string(),
            note.map(|note| note.as_ref().to_string()),
            actor.clone(),
        );
        transaction!(self, |tx| {
            let resolved = sqlx::query(RESOLVE)
                .bind(at)
                .bind(actor.as_ref())
                .bind(action.as_str())
                .bind(note.as_deref())
                .bind(kind.as_str())
                .bind(target_id.as_str())
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if resolved > 0 {
                audit!(
                    tx,
                    Some(actor.as_ref()),
                    AuditAction::Resolve,
                    kind,
                    target_id.as_str(),
                    note.as_deref(),
                    Some(format!("{} ({resolved} reports)", action.as_str())),
                    at
                );
            }
            resolved
        })
    }

    /// Up to `limit` audit entries before `before` (a `seq`; `None`: the newest), newest first.
    pub async fn audit_entries(
        &self,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = read!(self, |conn| sqlx::query_as::<_, AuditRow>(AUDIT_BEFORE)
            .bind(before.unwrap_or(i64::MAX))
            .bind(i64::from(limit))
            .fetch_all(conn)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|row| AuditEntry {
                seq: row.seq,
                actor: row.actor_id.map(UserId::from_stored),
                action: row.action,
                target_kind: row.target_kind,
                target_id: row.target_id,
                reason: row.reason,
                detail: row.detail,
                at: row.created_at,
            })
            .collect())
    }
}
