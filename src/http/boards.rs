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
    admin::ModeratedBoardResponse,
    auth_user::MaybeBearer,
    conditional::{IDEMPOTENT_REPLAYED, IdempotencyKeyHeader, IfMatch, IfNoneMatch, etag},
    responses::{
        NotTheAuthor, PayloadTooLarge, PreconditionFailed, Unauthorized, Unavailable,
        UnsupportedMediaType,
    },
    schemas,
};
use crate::{
    domain::{
        Board, BoardId, Content, DomainError, ListedBoard, NewBoard, PageRequest, SearchField,
        SearchQuery, Title, UserId,
    },
    service,
};

/// A post may be kept and revalidated (`If-None-Match`), never used unasked.
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_board))
        .routes(routes!(list_boards))
        .routes(routes!(get_board, update_board, delete_board))
}

/// Title and content of a post. Unknown fields (`id`, `userId`, timestamps...) are ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"title": "안녕하세요.", "content": "반갑습니다."}))]
pub struct BoardRequest {
    #[schema(schema_with = schemas::title)]
    pub title: String,
    #[schema(schema_with = schemas::content)]
    pub content: String,
}

impl TryFrom<BoardRequest> for NewBoard {
    type Error = ApiError;

    fn try_from(body: BoardRequest) -> Result<Self, ApiError> {
        Ok(NewBoard {
            title: Title::parse(&body.title)?,
            content: Content::parse(body.content)?,
        })
    }
}

/// A post. Field names are the original service's (`userId` camelCase, the rest snake_case).
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardDto {
    #[schema(format = Uuid)]
    pub id: String,
    #[serde(rename = "userId")]
    pub user_id: String,
    pub title: String,
    pub content: String,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl From<Board> for BoardDto {
    fn from(board: Board) -> Self {
        Self {
            id: board.id.to_string(),
            user_id: board.user_id.as_ref().to_string(),
            title: board.title.as_ref().to_string(),
            content: board.content.as_ref().to_string(),
            created_at: board.created_at,
            updated_at: board.updated_at,
            deleted_at: board.deleted_at,
        }
    }
}

/// A post as the list shows it: with its number of live comments.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListedBoardDto {
    #[serde(flatten)]
    pub board: BoardDto,
    /// Live comments of the post (exact).
    #[serde(rename = "commentCount")]
    pub comment_count: u64,
}

impl From<ListedBoard> for ListedBoardDto {
    fn from(listed: ListedBoard) -> Self {
        Self {
            board: listed.board.into(),
            comment_count: listed.comment_count,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoardResponse {
    #[serde(flatten)]
    pub envelope: Success,
    pub board: BoardDto,
}

impl BoardResponse {
    /// The post with its `ETag`.
    fn respond(status: StatusCode, board: Board) -> Response {
        let version = board.version();
        Self::respond_at(status, board, &version)
    }

    /// The post with its `ETag`, when the caller has its version already.
    fn respond_at(status: StatusCode, board: Board, version: &str) -> Response {
        let tag = etag(version);
        let mut response = (
            status,
            axum::Json(Self {
                envelope: Success::with_status(status),
                board: board.into(),
            }),
        )
            .into_response();
        response.headers_mut().insert(header::ETAG, tag);
        response
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BoardListResponse {
    #[serde(flatten)]
    pub envelope: Success,
    /// Number of pages at this `per_page`.
    #[serde(rename = "totalPage")]
    pub total_page: u64,
    /// Number of live (not deleted) posts.
    #[serde(rename = "totalBoard")]
    pub total_board: u64,
    /// The page number asked for; absent when paging by `cursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    pub per_page: u32,
    /// The posts of this page, newest first; `[]` past the end.
    pub boards: Vec<ListedBoardDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    #[serde(rename = "nextCursor")]
    pub next_cursor: Option<String>,
}

/// Query of the list. With `cursor`, `page` is ignored. Documented by `schemas::list_params`.
#[derive(Debug, Deserialize)]
pub struct ListParams {
    pub page: Option<i64>,
    pub per_page: Option<i64>,
    pub cursor: Option<String>,
    #[serde(rename = "userId")]
    pub user_id: Option<String>,
    pub q: Option<String>,
    pub field: Option<String>,
}

impl IntoParams for ListParams {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        schemas::list_params()
    }
}

/// Write a post. With `Idempotency-Key`, a retry creates nothing and gets the first answer.
#[utoipa::path(
    post,
    path = "/api/board",
    tag = "board",
    params(IdempotencyKeyHeader),
    request_body = BoardRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Post created (or, for a retry, the first answer again)", body = BoardResponse,
            headers(
                ("ETag" = String, description = "The post's version, for `If-Match` and `If-None-Match`"),
                ("Idempotent-Replayed" = String, description = "`true` on the answer to a retry"),
            ),
            links(
                ("CommentOnThePost" = (operation_id = "create_comment",
                    parameters(("id" = "$response.body#/board/id")))),
                ("ListTheComments" = (operation_id = "list_comments",
                    parameters(("id" = "$response.body#/board/id")))),
            )),
        (status = 400, description = "Malformed body or `Idempotency-Key` (`invalid_request`), or bad title/content (`invalid_board`)", body = ErrorBody),
        Unauthorized,
        (status = 409, description = "A request with this `Idempotency-Key` is still being processed (`idempotency_in_progress`); see `Retry-After`", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        PayloadTooLarge,
        UnsupportedMediaType,
        (status = 422, description = "This `Idempotency-Key` was used with another body (`idempotency_key_reused`)", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn create_board(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    IdempotencyKeyHeader(key): IdempotencyKeyHeader,
    ApiJson(body): ApiJson<BoardRequest>,
) -> Result<Response, ApiError> {
    let created =
        service::boards::create(&state.services, caller.user, body.try_into()?, key).await?;
    let mut response = BoardResponse::respond(StatusCode::CREATED, created.board);
    if created.replayed {
        response
            .headers_mut()
            .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// List live posts, newest first; with `q`, only those that match the search.
#[utoipa::path(
    get,
    path = "/api/board/boards",
    tag = "board",
    params(ListParams),
    responses(
        (status = 200, description = "A page of posts", body = BoardListResponse,
            headers(("Link" = String, description = "`<…>; rel=\"next\"` when there is a next page, in the request's form (page or cursor)"))),
        (status = 400, description = "Bad `page`, `per_page`, `cursor` or `userId` (`invalid_request`), or bad `q` or `field` (`invalid_query`)", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn list_boards(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<impl IntoResponse, ApiError> {
    let request = PageRequest::parse(params.page, params.per_page, params.cursor.as_deref())?;
    let author = params
        .user_id
        .as_deref()
        .map(|raw| UserId::parse_uuid(raw).ok_or(DomainError::AuthorId))
        .transpose()?;
    let field = SearchField::parse(params.field.as_deref())?;
    let search = params
        .q
        .as_deref()
        .map(|q| SearchQuery::parse(q, field))
        .transpose()?;
    let result =
        service::boards::list(&state.services, &request, author.as_ref(), search.as_ref()).await?;
    let per_page = request.per_page();
    let next = match &request {
        PageRequest::Numbered { page, .. }
            if page.saturating_mul(u64::from(per_page)) < result.total_boards =>
        {
            Some(format!("page={}&per_page={per_page}", page + 1))
        }
        PageRequest::Numbered { .. } => None,
        PageRequest::After { .. } => result
            .next_cursor
            .as_ref()
            .map(|cursor| format!("per_page={per_page}&cursor={}", cursor.encode())),
    };
    let mut headers = HeaderMap::new();
    if let Some(query) = next {
        let author = author.map_or(String::new(), |id| format!("&userId={}", id.as_ref()));
        let search = match (&params.q, &params.field) {
            (None, _) => String::new(),
            (Some(q), None) => format!("&q={}", query_encode(q)),
            (Some(q), Some(field)) => {
                format!("&q={}&field={}", query_encode(q), query_encode(field))
            }
        };
        let link = format!("</api/board/boards?{query}{author}{search}>; rel=\"next\"");
        headers.insert(
            header::LINK,
            HeaderValue::from_str(&link).map_err(ApiError::internal)?,
        );
    }
    Ok((
        headers,
        axum::Json(BoardListResponse {
            envelope: Success::with_status(StatusCode::OK),
            total_page: result.total_boards.div_ceil(u64::from(per_page)),
            total_board: result.total_boards,
            page: match request {
                PageRequest::Numbered { page, .. } => Some(page),
                PageRequest::After { .. } => None,
            },
            per_page,
            boards: result
                .boards
                .into_iter()
                .map(ListedBoardDto::from)
                .collect(),
            next_cursor: result.next_cursor.map(|cursor| cursor.encode()),
        }),
    ))
}

/// `text` as a query-string value: everything but unreserved characters percent-encoded.
fn query_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Read one post.
#[utoipa::path(
    get,
    path = "/api/board/{id}",
    tag = "board",
    params(
        ("id" = String, Path, description = "Post id (UUID)"),
        IfNoneMatch,
    ),
    responses(
        (status = 200, description = "The post", body = BoardResponse,
            headers(("ETag" = String, description = "The post's version"))),
        (status = 304, description = "The client's copy (`If-None-Match`) is current; no body",
            headers(("ETag" = String, description = "The post's version"))),
        (status = 400, description = "Malformed `If-None-Match` (`invalid_request`)", body = ErrorBody),
        (status = 404, description = "No such post, deleted or hidden, or not a post id (`not_found`); a moderator's or admin's token reads a hidden post, with `hidden`", body = ErrorBody),
        Unavailable,
    )
)]
pub async fn get_board(
    State(state): State<AppState>,
    if_none_match: IfNoneMatch,
    bearer: MaybeBearer,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let id = BoardId::parse(&id).ok_or(ApiError::NotFound)?;
    let board = match service::boards::get(&state.services, id).await {
        Err(service::ServiceError::NotFound) => {
            return hidden_for_moderators(&state, &bearer, id).await;
        }
        found => found?,
    };
    let version = board.version();
    let mut response = if if_none_match.has(&version) {
        (StatusCode::NOT_MODIFIED, [(header::ETAG, etag(&version))]).into_response()
    } else {
        BoardResponse::respond_at(StatusCode::OK, board, &version)
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, REVALIDATE);
    Ok(response)
}

/// A hidden post, for a moderator's or admin's token; `404` for anyone else, as for a
/// deleted post. Never cached: what it shows depends on the caller.
async fn hidden_for_moderators(
    state: &AppState,
    bearer: &MaybeBearer,
    id: BoardId,
) -> Result<Response, ApiError> {
    let caller = bearer.caller(state).await.ok_or(ApiError::NotFound)?;
    let (board, hidden) = service::moderation::hidden_board(&state.services, &caller, id).await?;
    let mut response = ModeratedBoardResponse::of(board, Some(hidden)).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// Rewrite one of your posts. Checks: token (401) → body and headers (400) → post exists (404)
/// → author (403) → `If-Match` (412).
#[utoipa::path(
    put,
    path = "/api/board/{id}",
    tag = "board",
    params(
        ("id" = String, Path, description = "Post id (UUID)"),
        IfMatch,
    ),
    request_body = BoardRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated post", body = BoardResponse,
            headers(("ETag" = String, description = "The post's new version"))),
        (status = 400, description = "Malformed body or `If-Match` (`invalid_request`), or bad title/content (`invalid_board`)", body = ErrorBody),
        Unauthorized,
        NotTheAuthor,
        (status = 404, description = "No such post (`not_found`)", body = ErrorBody),
        PreconditionFailed,
        PayloadTooLarge,
        UnsupportedMediaType,
        Unavailable,
    )
)]
pub async fn update_board(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    IfMatch(precondition): IfMatch,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<BoardRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let input = NewBoard::try_from(body)?;
    let id = BoardId::parse(&id).ok_or(ApiError::NotFound)?;
    let board =
        service::boards::update(&state.services, caller.user, id, input, precondition).await?;
    Ok(BoardResponse::respond(StatusCode::OK, board))
}

/// Soft-delete one of your posts. Checks: token (401) → headers (400) → post exists (404) →
/// author (403) → `If-Match` (412).
#[utoipa::path(
    delete,
    path = "/api/board/{id}",
    tag = "board",
    params(
        ("id" = String, Path, description = "Post id (UUID)"),
        IfMatch,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The deleted post, `deleted_at` set", body = BoardResponse),
        (status = 400, description = "Malformed `If-Match` (`invalid_request`)", body = ErrorBody),
        Unauthorized,
        NotTheAuthor,
        (status = 404, description = "No such post, or already deleted (`not_found`)", body = ErrorBody),
        PreconditionFailed,
        Unavailable,
    )
)]
pub async fn delete_board(
    State(state): State<AppState>,
    AuthUser(caller): AuthUser,
    IfMatch(precondition): IfMatch,
    ApiPath(id): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let id = BoardId::parse(&id).ok_or(ApiError::NotFound)?;
    let board = service::boards::delete(&state.services, caller.user, id, precondition).await?;
    Ok(BoardResponse::respond(StatusCode::OK, board))
}
