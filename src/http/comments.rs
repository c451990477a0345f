use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{
    IntoParams, ToSchema,
    openapi::path::{Parameter, ParameterIn},
};
use utoipa_axum::{router::OpenApiRouter, routes};

use super::{
    ApiError, ApiJson, ApiPath, ApiQuery, AppState, AuthUser, ErrorBody, Success,
    conditional::{IDEMPOTENT_REPLAYED, IdempotencyKeyHeader, IfMatch, etag},
    responses::{NotTheAuthor, PayloadTooLarge, Unauthorized, Unavailable, UnsupportedMediaType},
    schemas,
};
use crate::{
    domain::{
        BoardId, Comment, CommentId, CommentText, DEFAULT_COMMENTS_PER_PAGE, NewComment,
        PageRequest, ThreadKey,
    },
    service,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_comment, list_comments))
        .routes(routes!(update_comment, delete_comment))
}

/// A new comment: its text, and for a reply the top-level comment it answers.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"content": "좋은 글이네요.", "parentId": null}))]
pub struct NewCommentRequest {
    #[schema(schema_with = schemas::comment)]
    pub content: String,
    /// A live top-level comment of the same post (replies are one level deep).
    #[serde(rename = "parentId", default)]
    #[schema(format = Uuid)]
    pub parent_id: Option<String>,
}

/// The new text of a comment.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"content": "고쳤습니다."}))]
pub struct CommentRequest {
    #[schema(schema_with = schemas::comment)]
    pub content: String,
}

/// A comment. A deleted top-level comment that still has live replies is listed with
/// `content` empty and `deleted_at` set.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentDto {
    #[schema(format = Uuid)]
    pub id: String,
    #[serde(rename = "boardId")]
    #[schema(format = Uuid)]
    pub board_id: String,
    #[serde(rename = "userId")]
    pub user_id: String,
    /// The top-level comment this one replies to; `null` for a top-level comment.
    #[serde(rename = "parentId")]
    #[schema(format = Uuid)]
    pub parent_id: Option<String>,
    pub content: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl From<Comment> for CommentDto {
    fn from(comment: Comment) -> Self {
        Self {
            id: comment.id.to_string(),
            board_id: comment.board_id.to_string(),
            user_id: comment.user_id.as_ref().to_string(),
            parent_id: comment.parent_id.map(|id| id.to_string()),
            content: comment.content.as_ref().to_string(),
            created_at: comment.created_at,
            updated_at: comment.updated_at,
            deleted_at: comment.deleted_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentResponse {
    #[serde(flatten)]
    pub envelope: Success,
    pub comment: CommentDto,
}

impl CommentResponse {
    /// The comment with its `ETag`.
    fn respond(status: StatusCode, comment: Comment) -> Response {
        let tag = etag(&comment.version());
        let mut response = (
            status,
            axum::Json(Self {
                envelope: Success::with_status(status),
                comment: comment.into(),
            }),
        )
            .into_response();
        response.headers_mut().insert(header::ETAG, tag);
        response
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommentListResponse {
    #[serde(flatten)]
    pub envelope: Success,
    /// Number of live comments of the post (exact).
    #[serde(rename = "totalComment")]
    pub total_comment: u64,
    /// Number of pages at this `per_page` (placeholders of deleted comments count).
    #[serde(rename = "totalPage")]
    pub total_page: u64,
    /// The page number asked for; absent when paging by `cursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    pub per_page: u32,
    /// Thread order: each top-level comment, oldest first, followed by its replies, oldest
    /// first; `[]` past the end.
    pub comments: Vec<CommentDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    #[serde(rename = "nextCursor")]
    pub next_cursor: Option<String>,
}

/// Query of the thread list. With `cursor`, `page` is ignored.
#[derive(Debug, Deserialize)]
pub struct CommentListParams {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    pub cursor: Option<String>,
}

impl IntoParams for CommentListParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        schemas::comment_list_params()
    }
}

/// The post and comment of a path; any id that is not one is simply not found.
fn ids(board: &str, comment: &str) -> Result<(BoardId, CommentId), ApiError> {
    Ok((
        BoardId::parse(board).ok_or(ApiError::NotFound)?,
        CommentId::parse(comment).ok_or(ApiError::NotFound)?,
    ))
}

/// Comment on a post, or reply to one of its top-level comments. Checks: token (401) →
/// body (400) → post live (404) → `parentId` (400 `invalid_parent`). With
/// `Idempotency-Key`, a retry creates nothing and gets the first answer.
#[utoipa::path(
    post,
    path = "/api/board/{id}/comments",
    tag = "comment",
    params(
        ("id" = String, Path, description = "Post id (UUID)"),
        IdempotencyKeyHeader,
    ),
    request_body = NewCommentRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Comment created (or, for a retry, the first answer again)", body = CommentResponse,
            headers(
                ("ETag" = String, description = "The comment's version, for `If-Match`"),
                ("Idempotent-Replayed" = String, description = "`true` on the answer to a retry"),
            ),
            links(
                ("ReplyToTheComment" = (operation_id = "create_comment",
                    parameters(("id" = "$response.body#/comment/boardId")),
                    request_body = json!({"content": "a reply", "parentId": "$response.body#/comment/id"}))),
                ("EditTheComment" = (operation_id = "update_comment",
                    parameters(("id" = "$response.body#/comment/boardId"),
                        ("commentId" = "$response.body#/comment/id")))),
                ("DeleteTheComment" = (operation_id = "delete_comment",
                    parameters(("id" = "$response.body#/comment/boardId"),
                        ("commentId" = "$response.body#/comment/id")))),
            )),
        (status = 400, description = "Malformed body or `Idempotency-Key` (`invalid_request`), bad content (`invalid_comment`), or `parentId` not a live top-level comment of this post (`invalid_parent`)", body = ErrorBody),
        Unauthorized,
        (status = 404, description = "No such post, or deleted (`not_found`)", body = ErrorBody),
        (status = 409, description = "A request with this `Idempotency-Key` is still being processed (`idempotency_in_progress`); see `Retry-After`", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        PayloadTooLarge,
        UnsupportedMediaType,
        (status = 422, description = "This `Idempotency-Key` was used with another body (`idempotency_key_reused`)", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn create_comment(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    ApiPath(board): ApiPath<String>,
    ApiJson(body): ApiJson<NewCommentRequest>,
) -> Result<Response, ApiError> {
    let input = NewComment {
        content: CommentText::parse(&body.content)?,
        parent: body.parent_id,
    };
    let board = BoardId::parse(&board).ok_or(ApiError::NotFound)?;
    let created =
        service::comments::create(&state.services, caller.user, board, input, key).await?;
    let mut response = CommentResponse::respond(StatusCode::CREATED, created.comment);
    if created.replayed {
        response
            .headers_mut()
            .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// A live post's comments in thread order.
#[utoipa::path(
    get,
    path = "/api/board/{id}/comments",
    tag = "comment",
    params(
        ("id" = String, Path, description = "Post id (UUID)"),
        CommentListParams,
    ),
    responses(
        (status = 200, description = "A page of the thread list", body = CommentListResponse,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page, in the request's form (page or cursor)"))),
        (status = 400, description = "Bad `page`, `per_page` or `cursor` (`invalid_request`)", body = ErrorBody),
        (status = 404, description = "No such post, or deleted (`not_found`)", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn list_comments(
    State(state): State<AppState>,
    ApiPath(board): ApiPath<String>,
    ApiQuery(params): ApiQuery<CommentListParams>,
) -> Result<impl IntoResponse, ApiError> {
    let request = PageRequest::parse_with(
        params.page,
        params.per_page,
        params.cursor.as_deref(),
        DEFAULT_COMMENTS_PER_PAGE,
        ThreadKey::decode,
    )?;
    let board = BoardId::parse(&board).ok_or(ApiError::NotFound)?;
    let result = service::comments::list(&state.services, board, &request).await?;
    let per_page = request.per_page();
    let next = match &request {
        PageRequest::Numbered { page, .. }
            if page.saturating_mul(u64::from(per_page)) < result.listed_comments =>
        {
            Some(format!("page={}&per_page={per_page}", page + 1))
        }
        PageRequest::Numbered { .. } => None,
        PageRequest::After { .. } => result
            .next_cursor
            .as_ref()
            .map(|cursor| format!("per_page={per_page}&cursor={}", cursor.as_ref())),
    };
    let mut headers = HeaderMap::new();
    if let Some(query) = next {
        let link = format!("</api/board/{board}/comments?{query}>; rel=\"next\"");
        headers.insert(
            header::LINK,
            HeaderValue::from_str(&link).map_err(ApiError::internal)?,
        );
    }
    Ok((
        headers,
        axum::Json(CommentListResponse {
            envelope: Success::with_status(StatusCode::OK),
            total_comment: result.total_comments,
            total_page: result.listed_comments.div_ceil(u64::from(per_page)),
            page: match request {
                PageRequest::Numbered { page, .. } => Some(page),
                PageRequest::After { .. } => None,
            },
            per_page,
            comments: result.comments.into_iter().map(CommentDto::from).collect(),
            next_cursor: result.next_cursor.map(|key| key.as_ref().to_string()),
        }),
    ))
}

/// Rewrite one of your comments. Checks: token (401) → body and headers (400) → post and
/// comment live (404) → author (403) → `If-Match` (412).
#[utoipa::path(
    put,
    path = "/api/board/{id}/comments/{commentId}",
    tag = "comment",
    params(
        ("id" = String, Path, description = "Post id (UUID)"),
        ("commentId" = String, Path, description = "Comment id (UUID)"),
        IfMatch,
    ),
    request_body = CommentRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated comment", body = CommentResponse,
            headers(("ETag" = String, description = "The comment's new version"))),
        (status = 400, description = "Malformed body or `If-Match` (`invalid_request`), or bad content (`invalid_comment`)", body = ErrorBody),
        Unauthorized,
        NotTheAuthor,
        (status = 404, description = "No such post or comment, deleted, or a comment of another post (`not_found`)", body = ErrorBody),
        (status = 412, description = "The comment is not the version `If-Match` names (`precondition_failed`)", body = ErrorBody),
        PayloadTooLarge,
        UnsupportedMediaType,
        Unavailable,
    )
)]
pub async fn update_comment(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    IfMatch(precondition): IfMatch,
    ApiPath((board, comment)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<CommentRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let content = CommentText::parse(&body.content)?;
    let (board, comment) = ids(&board, &comment)?;
    let comment = service::comments::update(
        &state.services,
        caller.user,
        board,
        comment,
        content,
        precondition,
    )
    .await?;
    Ok(CommentResponse::respond(StatusCode::OK, comment))
}

/// Soft-delete one of your comments. Checks: token (401) → headers (400) → post and comment
/// live (404) → author (403) → `If-Match` (412).
#[utoipa::path(
    delete,
    path = "/api/board/{id}/comments/{commentId}",
    tag = "comment",
    params(
        ("id" = String, Path, description = "Post id (UUID)"),
        ("commentId" = String, Path, description = "Comment id (UUID)"),
        IfMatch,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The deleted comment, `deleted_at` set", body = CommentResponse),
        (status = 400, description = "Malformed `If-Match` (`invalid_request`)", body = ErrorBody),
        Unauthorized,
        NotTheAuthor,
        (status = 404, description = "No such post or comment, already deleted, or a comment of another post (`not_found`)", body = ErrorBody),
        (status = 412, description = "The comment is not the version `If-Match` names (`precondition_failed`)", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn delete_comment(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    IfMatch(precondition): IfMatch,
    ApiPath((board, comment)): ApiPath<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let (board, comment) = ids(&board, &comment)?;
    let comment =
        service::comments::delete(&state.services, caller.user, board, comment, precondition)
            .await?;
    Ok(CommentResponse::respond(StatusCode::OK, comment))
}
