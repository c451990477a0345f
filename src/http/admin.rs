//! `/api/admin/...`: what moderators and admins do, and the users' reports that feed it. Who
//! may do what is the service's `moderation::policy`; these handlers only parse and present.

use axum::{extract::State, http::StatusCode, response::IntoResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    ApiError, ApiJson, ApiPath, ApiQuery, AppState, AuthUser, ErrorBody, Success,
    boards::BoardDto,
    comments::CommentDto,
    responses::{PayloadTooLarge, RoleRequired, Unauthorized, Unavailable, UnsupportedMediaType},
    schemas,
    users::UserDto,
};
use crate::{
    domain::{
        AuditEntry, BoardId, CommentId, DomainError, Hidden, Reason, Report, ResolveAction, Role,
        User, UserId,
    },
    service::{self, moderation::ReportTarget},
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(set_role))
        .routes(routes!(ban, unban))
        .routes(routes!(hide_board, restore_board))
        .routes(routes!(hide_comment, restore_comment))
        .routes(routes!(get_comment))
        .routes(routes!(report_board))
        .routes(routes!(report_comment))
        .routes(routes!(reports))
        .routes(routes!(resolve_report))
        .routes(routes!(audit))
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"role": "moderator"}))]
pub struct RoleRequest {
    #[schema(value_type = String, pattern = "^(user|moderator|admin)$")]
    pub role: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleResponse {
    #[serde(flatten)]
    pub envelope: Success,
    pub user: UserDto,
}

/// Give an account a role (admins only). The last admin cannot lose the role.
#[utoipa::path(
    put,
    path = "/api/admin/users/{userId}/role",
    tag = "admin",
    params(("userId" = String, Path, description = "User id (UUID)")),
    request_body = RoleRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account with its role as it is now", body = RoleResponse),
        (status = 400, description = "Malformed body, or a role other than user, moderator, admin (`invalid_request`)", body = ErrorBody),
        Unauthorized,
        (status = 403, description = "The caller is not an admin (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such account (`not_found`)", body = ErrorBody),
        (status = 409, description = "It would leave no admin (`last_admin`)", body = ErrorBody),
        PayloadTooLarge,
        UnsupportedMediaType,
        Unavailable,
    )
)]
pub async fn set_role(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ApiPath(user): ApiPath<String>,
    ApiJson(body): ApiJson<RoleRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let role = Role::parse(&body.role)?;
    let target = UserId::parse_uuid(&user).ok_or(ApiError::NotFound)?;
    let user = service::moderation::set_role(&state.services, &caller, &target, role).await?;
    Ok(axum::Json(RoleResponse {
        envelope: Success::with_status(StatusCode::OK),
        user: user.into(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// `nextCursor` of the previous page; none (or empty) for the newest entries.
    #[param(pattern = r"^([1-9][0-9]{0,17})?$")]
    pub cursor: Option<String>,
}

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryDto {
    /// Who did it; null for the command line (`board admin ...`).
    #[schema(format = Uuid)]
    pub actor: Option<String>,
    /// `role_change`, `ban`, `unban`, `hide`, `restore` or `resolve`.
    pub action: String,
    /// `user`, `board` or `comment`.
    pub target_kind: String,
    pub target_id: String,
    pub reason: Option<String>,
    /// What changed, e.g. `user → moderator`.
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

impl From<AuditEntry> for AuditEntryDto {
    fn from(entry: AuditEntry) -> Self {
        Self {
            actor: entry.actor.map(|id| id.as_ref().to_string()),
            action: entry.action,
            target_kind: entry.target_kind,
            target_id: entry.target_id,
            reason: entry.reason,
            detail: entry.detail,
            at: entry.at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditResponse {
    #[serde(flatten)]
    pub envelope: Success,
    pub entries: Vec<AuditEntryDto>,
    /// Pass as `cursor` for the next (older) page; null on the last page.
    pub next_cursor: Option<String>,
}

/// The audit log, newest first (moderators and admins). Nothing changes or deletes an entry.
#[utoipa::path(
    get,
    path = "/api/admin/audit",
    tag = "admin",
    params(AuditParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of the audit log (50 entries at most)", body = AuditResponse),
        (status = 400, description = "Bad `cursor` (`invalid_request`)", body = ErrorBody),
        Unauthorized,
        RoleRequired,
        Unavailable,
    )
)]
pub async fn audit(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> Result<impl IntoResponse, ApiError> {
    let before = page_cursor(params.cursor.as_deref())?;
    let (entries, next) = service::moderation::audit(&state.services, &caller, before).await?;
    Ok(axum::Json(AuditResponse {
        envelope: Success::with_status(StatusCode::OK),
        entries: entries.into_iter().map(Into::into).collect(),
        next_cursor: next.map(|seq| seq.to_string()),
    }))
}

/// A cursor of the audit log or the report queue: a positive sequence number.
fn sequence_cursor(raw: &str) -> Result<i64, DomainError> {
    raw.parse::<i64>()
        .ok()
        .filter(|seq| *seq > 0 && raw.len() <= 19 && raw.bytes().all(|b| b.is_ascii_digit()))
        .ok_or(DomainError::Cursor)
}

/// A page's `cursor` parameter: absent or empty for the first page.
fn page_cursor(raw: Option<&str>) -> Result<Option<i64>, DomainError> {
    raw.filter(|raw| !raw.is_empty())
        .map(sequence_cursor)
        .transpose()
}

fn user_id(raw: &str) -> Result<UserId, ApiError> {
    UserId::parse_uuid(raw).ok_or(ApiError::NotFound)
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"reason": "spam", "until": "2030-01-01T00:00:00Z"}))]
pub struct BanRequest {
    #[schema(schema_with = schemas::reason)]
    pub reason: String,
    /// When the ban ends (RFC 3339, in the future); null or absent: until lifted.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub until: Option<String>,
}

/// A ban in force, or that ran out (login works again once `until` has passed).
#[derive(Debug, Serialize, ToSchema)]
pub struct BanDto {
    /// null: until lifted.
    pub until: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BanResponse {
    #[serde(flatten)]
    pub envelope: Success,
    pub user: UserDto,
    /// The account's ban; null when it has none.
    pub ban: Option<BanDto>,
}

impl BanResponse {
    fn of(user: User) -> axum::Json<Self> {
        let ban = user.ban.as_ref().map(|ban| BanDto { until: ban.until });
        axum::Json(Self {
            envelope: Success::with_status(StatusCode::OK),
            user: user.into(),
            ban,
        })
    }
}

/// Ban an account (moderators ban users; admins anyone but themselves): every session of it
/// ends, on every instance within a second, and login answers `403 account_banned` until
/// `until` passes or the ban is lifted.
#[utoipa::path(
    post,
    path = "/api/admin/users/{userId}/ban",
    tag = "admin",
    params(("userId" = String, Path, description = "User id (UUID)")),
    request_body = BanRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The banned account", body = BanResponse),
        (status = 400, description = "Malformed body, a reason that is empty or over 500 characters, `until` not RFC 3339 or not in the future, or the caller's own account (`invalid_request`)", body = ErrorBody),
        Unauthorized,
        (status = 403, description = "The caller is not a moderator or admin, or a moderator banning a moderator or admin (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such account (`not_found`)", body = ErrorBody),
        PayloadTooLarge,
        UnsupportedMediaType,
        Unavailable,
    )
)]
pub async fn ban(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ApiPath(user): ApiPath<String>,
    ApiJson(body): ApiJson<BanRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let reason = Reason::parse(&body.reason)?;
    let until = body
        .until
        .as_deref()
        .map(|raw| {
            DateTime::parse_from_rfc3339(raw.trim())
                .map(|at| at.with_timezone(&Utc))
                .map_err(|_| DomainError::BanUntil)
        })
        .transpose()?;
    let target = user_id(&user)?;
    let user = service::moderation::ban(&state.services, &caller, &target, &reason, until).await?;
    Ok(BanResponse::of(user))
}

/// Lift an account's ban (moderators and admins); an account without one is left as it is.
#[utoipa::path(
    delete,
    path = "/api/admin/users/{userId}/ban",
    tag = "admin",
    params(("userId" = String, Path, description = "User id (UUID)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account, without a ban", body = BanResponse),
        Unauthorized,
        RoleRequired,
        (status = 404, description = "No such account (`not_found`)", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn unban(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ApiPath(user): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let target = user_id(&user)?;
    let user = service::moderation::unban(&state.services, &caller, &target).await?;
    Ok(BanResponse::of(user))
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"reason": "spam"}))]
pub struct ReasonRequest {
    #[schema(schema_with = schemas::reason)]
    pub reason: String,
}

/// Who hid it, when and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct HiddenDto {
    pub at: DateTime<Utc>,
    /// The moderator's or admin's user id.
    #[schema(format = Uuid)]
    pub by: String,
    pub reason: String,
}

impl From<Hidden> for HiddenDto {
    fn from(hidden: Hidden) -> Self {
        Self {
            at: hidden.at,
            by: hidden.by.as_ref().to_string(),
            reason: hidden.reason.as_ref().to_string(),
        }
    }
}

/// A post as moderators see it: `hidden` is set while it is hidden.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModeratedBoardDto {
    #[serde(flatten)]
    pub board: BoardDto,
    pub hidden: Option<HiddenDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModeratedBoardResponse {
    #[serde(flatten)]
    pub envelope: Success,
    pub board: ModeratedBoardDto,
}

impl ModeratedBoardResponse {
    pub fn of(board: crate::domain::Board, hidden: Option<Hidden>) -> axum::Json<Self> {
        axum::Json(Self {
            envelope: Success::with_status(StatusCode::OK),
            board: ModeratedBoardDto {
                board: board.into(),
                hidden: hidden.map(Into::into),
            },
        })
    }
}

/// A comment as moderators see it: `hidden` is set while it is hidden.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModeratedCommentDto {
    #[serde(flatten)]
    pub comment: CommentDto,
    pub hidden: Option<HiddenDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ModeratedCommentResponse {
    #[serde(flatten)]
    pub envelope: Success,
    pub comment: ModeratedCommentDto,
}

impl ModeratedCommentResponse {
    fn of(comment: crate::domain::Comment, hidden: Option<Hidden>) -> axum::Json<Self> {
        axum::Json(Self {
            envelope: Success::with_status(StatusCode::OK),
            comment: ModeratedCommentDto {
                comment: comment.into(),
                hidden: hidden.map(Into::into),
            },
        })
    }
}

/// Hide a post (moderators and admins): gone for everyone else exactly as if deleted (the
/// post, the lists, search and every count), still readable by moderators with `hidden`.
/// Hiding a hidden post again changes nothing.
#[utoipa::path(
    post,
    path = "/api/admin/boards/{id}/hide",
    tag = "admin",
    params(("id" = String, Path, description = "Post id (UUID)")),
    request_body = ReasonRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The hidden post", body = ModeratedBoardResponse),
        (status = 400, description = "Malformed body, or a reason that is empty or over 500 characters (`invalid_request`)", body = ErrorBody),
        Unauthorized,
        RoleRequired,
        (status = 404, description = "No such post, or deleted by its author (`not_found`)", body = ErrorBody),
        PayloadTooLarge,
        UnsupportedMediaType,
        Unavailable,
    )
)]
pub async fn hide_board(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ReasonRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let reason = Reason::parse(&body.reason)?;
    let id = BoardId::parse(&id).ok_or(ApiError::NotFound)?;
    let (board, hidden) =
        service::moderation::hide_board(&state.services, &caller, id, &reason).await?;
    Ok(ModeratedBoardResponse::of(board, Some(hidden)))
}

/// Restore a hidden post and every count (moderators and admins); a live post is left as it
/// is.
#[utoipa::path(
    delete,
    path = "/api/admin/boards/{id}/hide",
    tag = "admin",
    params(("id" = String, Path, description = "Post id (UUID)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The post, live again", body = ModeratedBoardResponse),
        Unauthorized,
        RoleRequired,
        (status = 404, description = "No such post, deleted by its author, or its author's account was deleted (`not_found`)", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn restore_board(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let id = BoardId::parse(&id).ok_or(ApiError::NotFound)?;
    let board = service::moderation::restore_board(&state.services, &caller, id).await?;
    Ok(ModeratedBoardResponse::of(board, None))
}

/// Hide a comment (moderators and admins): gone for everyone else exactly as if deleted (a
/// thread it heads shows a placeholder; every count follows). Hiding it again changes nothing.
#[utoipa::path(
    post,
    path = "/api/admin/comments/{commentId}/hide",
    tag = "admin",
    params(("commentId" = String, Path, description = "Comment id (UUID)")),
    request_body = ReasonRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The hidden comment", body = ModeratedCommentResponse),
        (status = 400, description = "Malformed body, or a reason that is empty or over 500 characters (`invalid_request`)", body = ErrorBody),
        Unauthorized,
        RoleRequired,
        (status = 404, description = "No such comment, or deleted by its author (`not_found`)", body = ErrorBody),
        PayloadTooLarge,
        UnsupportedMediaType,
        Unavailable,
    )
)]
pub async fn hide_comment(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ReasonRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let reason = Reason::parse(&body.reason)?;
    let id = CommentId::parse(&id).ok_or(ApiError::NotFound)?;
    let (comment, hidden) =
        service::moderation::hide_comment(&state.services, &caller, id, &reason).await?;
    Ok(ModeratedCommentResponse::of(comment, Some(hidden)))
}

/// Restore a hidden comment and every count (moderators and admins); a live comment is left
/// as it is.
#[utoipa::path(
    delete,
    path = "/api/admin/comments/{commentId}/hide",
    tag = "admin",
    params(("commentId" = String, Path, description = "Comment id (UUID)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The comment, live again", body = ModeratedCommentResponse),
        Unauthorized,
        RoleRequired,
        (status = 404, description = "No such comment, deleted by its author, or its author's account was deleted (`not_found`)", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn restore_comment(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let id = CommentId::parse(&id).ok_or(ApiError::NotFound)?;
    let comment = service::moderation::restore_comment(&state.services, &caller, id).await?;
    Ok(ModeratedCommentResponse::of(comment, None))
}

/// Read a comment as moderators see it: live, or hidden with `hidden` set.
#[utoipa::path(
    get,
    path = "/api/admin/comments/{commentId}",
    tag = "admin",
    params(("commentId" = String, Path, description = "Comment id (UUID)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The comment", body = ModeratedCommentResponse),
        Unauthorized,
        RoleRequired,
        (status = 404, description = "No such comment, or deleted by its author (`not_found`)", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn get_comment(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ApiPath(id): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let id = CommentId::parse(&id).ok_or(ApiError::NotFound)?;
    let (comment, hidden) = service::moderation::comment(&state.services, &caller, id).await?;
    Ok(ModeratedCommentResponse::of(comment, hidden))
}

/// How a report was resolved.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResolutionDto {
    /// `dismiss` or `hide`.
    pub action: &'static str,
    #[schema(format = Uuid)]
    pub by: String,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// A user's report of a post or comment.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportDto {
    /// The report's id (`reportId`).
    pub id: i64,
    /// `board` or `comment`.
    pub target_kind: &'static str,
    #[schema(format = Uuid)]
    pub target_id: String,
    /// The post (for a comment, the post it is on).
    #[schema(format = Uuid)]
    pub board_id: String,
    #[schema(format = Uuid)]
    pub reporter_id: String,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    /// `open` or `resolved`.
    pub status: &'static str,
    /// How many users reported the target (among its reports of this status).
    pub reporters: u64,
    /// null while open.
    pub resolution: Option<ResolutionDto>,
}

impl From<Report> for ReportDto {
    fn from(report: Report) -> Self {
        Self {
            id: report.id,
            target_kind: report.target_kind.as_str(),
            target_id: report.target_id,
            board_id: report.board_id,
            reporter_id: report.reporter.as_ref().to_string(),
            reason: report.reason.as_ref().to_string(),
            created_at: report.created_at,
            status: if report.resolution.is_some() {
                "resolved"
            } else {
                "open"
            },
            reporters: report.reporters,
            resolution: report.resolution.map(|resolution| ResolutionDto {
                action: resolution.action.as_str(),
                by: resolution.by.as_ref().to_string(),
                at: resolution.at,
                note: resolution.note,
            }),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportResponse {
    #[serde(flatten)]
    pub envelope: Success,
    pub report: ReportDto,
}

fn report_answer(report: Report, created: bool) -> impl IntoResponse {
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (
        status,
        axum::Json(ReportResponse {
            envelope: Success::with_status(status),
            report: report.into(),
        }),
    )
}

/// Report a post to the moderators (any signed-in user). A second report of the same post by
/// the same user while the first is open answers `200` with the first.
#[utoipa::path(
    post,
    path = "/api/board/{id}/report",
    tag = "board",
    params(("id" = String, Path, description = "Post id (UUID)")),
    request_body = ReasonRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The report", body = ReportResponse),
        (status = 200, description = "The caller's open report of this post", body = ReportResponse),
        (status = 400, description = "Malformed body, or a reason that is empty or over 500 characters (`invalid_request`)", body = ErrorBody),
        Unauthorized,
        (status = 404, description = "No such post, deleted or hidden (`not_found`)", body = ErrorBody),
        PayloadTooLarge,
        UnsupportedMediaType,
        Unavailable,
    )
)]
pub async fn report_board(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ReasonRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let reason = Reason::parse(&body.reason)?;
    let id = BoardId::parse(&id).ok_or(ApiError::NotFound)?;
    let (report, created) =
        service::moderation::report(&state.services, &caller, ReportTarget::Board(id), &reason)
            .await?;
    Ok(report_answer(report, created))
}

/// Report a comment to the moderators (any signed-in user); as for posts.
#[utoipa::path(
    post,
    path = "/api/board/{id}/comments/{commentId}/report",
    tag = "comment",
    params(
        ("id" = String, Path, description = "Post id (UUID)"),
        ("commentId" = String, Path, description = "Comment id (UUID)"),
    ),
    request_body = ReasonRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The report", body = ReportResponse),
        (status = 200, description = "The caller's open report of this comment", body = ReportResponse),
        (status = 400, description = "Malformed body, or a reason that is empty or over 500 characters (`invalid_request`)", body = ErrorBody),
        Unauthorized,
        (status = 404, description = "No such post or comment, deleted or hidden, or a comment of another post (`not_found`)", body = ErrorBody),
        PayloadTooLarge,
        UnsupportedMediaType,
        Unavailable,
    )
)]
pub async fn report_comment(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ApiPath((board, comment)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<ReasonRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let reason = Reason::parse(&body.reason)?;
    let board = BoardId::parse(&board).ok_or(ApiError::NotFound)?;
    let comment = CommentId::parse(&comment).ok_or(ApiError::NotFound)?;
    let target = ReportTarget::Comment(board, comment);
    let (report, created) =
        service::moderation::report(&state.services, &caller, target, &reason).await?;
    Ok(report_answer(report, created))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// `open` (the default) or `resolved`.
    #[param(pattern = "^(open|resolved)$")]
    pub status: Option<String>,
    /// `nextCursor` of the previous page; none (or empty) for the oldest reports.
    #[param(pattern = r"^([1-9][0-9]{0,17})?$")]
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportListResponse {
    #[serde(flatten)]
    pub envelope: Success,
    pub reports: Vec<ReportDto>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// The report queue (moderators and admins): oldest first, 50 a page, each with how many
/// users reported its target.
#[utoipa::path(
    get,
    path = "/api/admin/reports",
    tag = "admin",
    params(ReportParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of reports", body = ReportListResponse),
        (status = 400, description = "`status` other than open or resolved, or a bad `cursor` (`invalid_request`)", body = ErrorBody),
        Unauthorized,
        RoleRequired,
        Unavailable,
    )
)]
pub async fn reports(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> Result<impl IntoResponse, ApiError> {
    let open = match params.status.as_deref() {
        None | Some("open") => true,
        Some("resolved") => false,
        Some(_) => return Err(DomainError::ReportStatus.into()),
    };
    let after = page_cursor(params.cursor.as_deref())?;
    let (reports, next) =
        service::moderation::reports(&state.services, &caller, open, after).await?;
    Ok(axum::Json(ReportListResponse {
        envelope: Success::with_status(StatusCode::OK),
        reports: reports.into_iter().map(Into::into).collect(),
        next_cursor: next.map(|id| id.to_string()),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"action": "hide", "note": "spam, as reported"}))]
pub struct ResolveRequest {
    /// `dismiss` or `hide` (hides the target, then resolves).
    #[schema(pattern = "^(dismiss|hide)$")]
    pub action: String,
    /// When given: 1–500 characters after trimming.
    #[schema(schema_with = schemas::reason)]
    pub note: Option<String>,
}

/// Resolve a report, and with it every open report of the same target (moderators and
/// admins); `hide` hides the target first. A resolved report is answered as it is.
#[utoipa::path(
    post,
    path = "/api/admin/reports/{reportId}/resolve",
    tag = "admin",
    params(("reportId" = i64, Path, description = "Report id")),
    request_body = ResolveRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report, resolved", body = ReportResponse),
        (status = 400, description = "Malformed body, an action other than dismiss or hide, or a note that is empty or over 500 characters (`invalid_request`)", body = ErrorBody),
        Unauthorized,
        RoleRequired,
        (status = 404, description = "No such report (`not_found`)", body = ErrorBody),
        PayloadTooLarge,
        UnsupportedMediaType,
        Unavailable,
    )
)]
pub async fn resolve_report(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ResolveRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let action = ResolveAction::parse(&body.action)?;
    let note = body.note.as_deref().map(Reason::parse).transpose()?;
    let id = sequence_cursor(&id).map_err(|_| ApiError::NotFound)?;
    let report =
        service::moderation::resolve(&state.services, &caller, id, action, note.as_ref()).await?;
    Ok(report_answer(report, false))
}
