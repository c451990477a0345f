use tracing::instrument;

use super::{ServiceError, Services, now};
use crate::{
    domain::{
        Board, BoardId, BoardPage, Cursor, IdempotencyKey, ListedBoard, NewBoard, PageRequest,
        Precondition, SearchQuery, UserId,
    },
    search::Window,
    store::boards::KeyedInsert,
};

/// How long an `Idempotency-Key` is remembered.
pub const IDEMPOTENCY_KEY_LIFETIME: chrono::Duration = chrono::Duration::hours(24);

/// A created post, or the first answer again for a retry with the same idempotency key.
#[derive(Debug)]
pub struct Created {
    pub board: Board,
    pub replayed: bool,
}

/// Writes a post. With `key`, a retry (same user, same key, same text, within
/// `IDEMPOTENCY_KEY_LIFETIME`) creates nothing and gets the first post back, on any instance.
#[instrument(skip_all, fields(user_id = author.as_ref()), err(level = "info"))]
pub async fn create(
    state: &Services,
    author: UserId,
    input: NewBoard,
    key: Option<IdempotencyKey>,
) -> Result<Created, ServiceError> {
    // Only a keyed create compares its text with the first one's.
    let fingerprint = key.is_some().then(|| input.fingerprint());
    let board = Board {
        id: BoardId::new(),
        user_id: author,
        title: input.title,
        content: input.content,
        created_at: Some(now()),
        updated_at: None,
        deleted_at: None,
    };
    let (Some(key), Some(fingerprint)) = (key, fingerprint) else {
        if !state.store.insert_board(&board).await? {
            return Err(user_gone());
        }
        state.search.changed();
        return Ok(Created {
            board,
            replayed: false,
        });
    };
    let expired_before = now() - IDEMPOTENCY_KEY_LIFETIME;
    match state
        .store
        .insert_board_once(&board, &key, &fingerprint, expired_before)
        .await?
    {
        KeyedInsert::Created => {
            state.search.changed();
            Ok(Created {
                board,
                replayed: false,
            })
        }
        KeyedInsert::Used {
            fingerprint: first,
            board,
        } if first == fingerprint => Ok(Created {
            board,
            replayed: true,
        }),
        KeyedInsert::Used { .. } => Err(ServiceError::IdempotencyKeyReused),
        KeyedInsert::InProgress => Err(ServiceError::IdempotencyInProgress),
        KeyedInsert::AuthorGone => Err(user_gone()),
    }
}

pub async fn get(state: &Services, id: BoardId) -> Result<Board, ServiceError> {
    state
        .store
        .find_live_board(id)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// One page of live posts (of everyone, or of `author`; with `search`, only those that
/// match it), newest first, with the total that the list shows.
pub async fn list(
    state: &Services,
    request: &PageRequest,
    author: Option<&UserId>,
    search: Option<&SearchQuery>,
) -> Result<BoardPage, ServiceError> {
    if let Some(query) = search {
        return find(state, request, author, query).await;
    }
    let store = &state.store;
    match request {
        PageRequest::Numbered { page: 1, per_page } => {
            let (boards, total_boards) = store.list_boards_first(author, *per_page).await?;
            Ok(BoardPage {
                boards,
                total_boards,
                next_cursor: None,
            })
        }
        PageRequest::Numbered { page, per_page } => {
            let total_boards = store.live_board_count(author).await?;
            let offset = (page - 1).saturating_mul(u64::from(*per_page));
            // Past the end: no need to ask the database to skip everything.
            let boards = if offset >= total_boards {
                Vec::new()
            } else {
                store.list_boards_at(author, offset, *per_page).await?
            };
            Ok(BoardPage {
                boards,
                total_boards,
                next_cursor: None,
            })
        }
        PageRequest::After { cursor, per_page } => {
            // One extra row tells whether a next page exists.
            let limit = per_page + 1;
            let (boards, total_boards) = match cursor {
                None => store.list_boards_first(author, limit).await?,
                Some(cursor) => store.list_boards_after(author, cursor, limit).await?,
            };
            Ok(cursor_page(boards, total_boards, *per_page))
        }
    }
}

/// A page of search results: ids and the exact count from the index, the posts from the
/// database (a post deleted since the index last heard of it is left out).
async fn find(
    state: &Services,
    request: &PageRequest,
    author: Option<&UserId>,
    query: &SearchQuery,
) -> Result<BoardPage, ServiceError> {
    let window = match request {
        PageRequest::Numbered { page, per_page } => Window {
            after: None,
            skip: (page - 1).saturating_mul(u64::from(*per_page)),
            take: *per_page,
        },
        PageRequest::After { cursor, per_page } => Window {
            after: cursor.clone(),
            skip: 0,
            take: per_page + 1,
        },
    };
    let (ids, total_boards) = state.search.find(query, author, &window).await?;
    let mut found = state.store.listed_boards_by_ids(&ids).await?;
    let rank = |id: &BoardId| ids.iter().position(|candidate| candidate == id);
    found.sort_by_key(|listed| rank(&listed.board.id));
    Ok(match request {
        PageRequest::Numbered { .. } => BoardPage {
            boards: found,
            total_boards,
            next_cursor: None,
        },
        PageRequest::After { per_page, .. } => cursor_page(found, total_boards, *per_page),
    })
}

/// A keyset page from up to `per_page + 1` posts: the extra one says that there is more.
fn cursor_page(mut boards: Vec<ListedBoard>, total_boards: u64, per_page: u32) -> BoardPage {
    let more = boards.len() > per_page as usize;
    boards.truncate(per_page as usize);
    let next_cursor = if more {
        boards.last().and_then(|last| {
            last.board.created_at.map(|created_at| Cursor {
                created_at,
                id: last.board.id,
            })
        })
    } else {
        None
    };
    BoardPage {
        boards,
        total_boards,
        next_cursor,
    }
}

/// Check order: (token and body checked by the caller) → exists (404) → author (403) → the
/// caller's `precondition` on the version (412). With a precondition the write happens only
/// if the post is still the version that was checked, so of writers racing with one version
/// exactly one wins.
#[instrument(skip_all, fields(user_id = caller.as_ref(), board_id = %id), err(level = "info"))]
pub async fn update(
    state: &Services,
    caller: UserId,
    id: BoardId,
    input: NewBoard,
    precondition: Option<Precondition>,
) -> Result<Board, ServiceError> {
    let mut board = find_own(state, &caller, id).await?;
    check(precondition.as_ref(), &board.version())?;
    let updated_at = now();
    let unchanged_since = precondition.as_ref().map(|_| board.updated_at);
    if !state
        .store
        .update_board(
            id,
            &input.title,
            &input.content,
            updated_at,
            unchanged_since,
        )
        .await?
    {
        return Err(lost_race(state, id).await);
    }
    state.search.changed();
    board.title = input.title;
    board.content = input.content;
    board.updated_at = Some(updated_at);
    Ok(board)
}

/// Check order as for `update`, without a body.
#[instrument(skip_all, fields(user_id = caller.as_ref(), board_id = %id), err(level = "info"))]
pub async fn delete(
    state: &Services,
    caller: UserId,
    id: BoardId,
    precondition: Option<Precondition>,
) -> Result<Board, ServiceError> {
    let mut board = find_own(state, &caller, id).await?;
    check(precondition.as_ref(), &board.version())?;
    // An update that committed after the read above may carry a later timestamp than this
    // delete; then the post is read again, so that `deleted_at` never precedes `updated_at`
    // and the answer shows the post as it was deleted. Under a precondition that update
    // means the checked version is gone: 412.
    for _ in 0..MAX_DELETE_TRIES {
        let deleted_at = board
            .updated_at
            .map_or(now(), |updated_at| now().max(updated_at));
        let unchanged_since = precondition.as_ref().map(|_| board.updated_at);
        if state
            .store
            .soft_delete_board(id, deleted_at, unchanged_since, None)
            .await?
        {
            board.deleted_at = Some(deleted_at);
            state.search.changed();
            return Ok(board);
        }
        if precondition.is_some() {
            return Err(lost_race(state, id).await);
        }
        board = state
            .store
            .find_live_board(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
    }
    Err(ServiceError::Unavailable(
        "the post kept changing while it was being deleted".into(),
    ))
}

/// The caller's `If-Match` against the current `version` of a post or comment.
pub(super) fn check(
    precondition: Option<&Precondition>,
    version: &str,
) -> Result<(), ServiceError> {
    match precondition {
        Some(precondition) if !precondition.holds_for(version) => {
            Err(ServiceError::PreconditionFailed)
        }
        _ => Ok(()),
    }
}

/// Why a write that was checked found nothing to change: the post was deleted (404) or
/// changed (412) meanwhile.
async fn lost_race(state: &Services, id: BoardId) -> ServiceError {
    match state.store.find_live_board(id).await {
        Ok(None) => ServiceError::NotFound,
        Ok(Some(_)) => ServiceError::PreconditionFailed,
        Err(error) => error.into(),
    }
}

pub(super) const MAX_DELETE_TRIES: usize = 5;

/// The caller's own live post: 404 when there is none, 403 when it is someone else's.
///
/// The token's user is looked up only on those refusals (then 401 if it is gone, as API.md
/// orders 401 before 404 and 403): when the post is the caller's, the post's foreign key
/// already proves that the user exists, so a successful write costs no extra round trip.
async fn find_own(state: &Services, caller: &UserId, id: BoardId) -> Result<Board, ServiceError> {
    let refusal = match state.store.find_live_board(id).await? {
        Some(board) if board.user_id == *caller => return Ok(board),
        Some(_) => ServiceError::Forbidden,
        None => ServiceError::NotFound,
    };
    Err(refuse(state, caller, refusal).await)
}

/// `refusal` (404 or 403) for a caller who exists; 401 for a token whose user is gone.
pub(super) async fn refuse(
    state: &Services,
    caller: &UserId,
    refusal: ServiceError,
) -> ServiceError {
    match state.store.user_exists(caller).await {
        Ok(true) => refusal,
        Ok(false) => user_gone(),
        Err(error) => error.into(),
    }
}

/// A valid token whose user no longer exists is refused like a bad token.
pub(super) fn user_gone() -> ServiceError {
    tracing::debug!("token rejected: its user no longer exists");
    ServiceError::Unauthorized
}

/// Forgets idempotency keys past their lifetime; for the housekeeping task.
pub(super) async fn remove_expired_keys(state: &Services) {
    match state
        .store
        .remove_expired_idempotency_keys(now() - IDEMPOTENCY_KEY_LIFETIME)
        .await
    {
        Ok(0) => {}
        Ok(removed) => tracing::debug!(removed, "expired idempotency keys removed"),
        Err(error) => tracing::warn!(%error, "could not remove expired idempotency keys"),
    }
}

/// Removes change-log rows that every follower has long applied; for the housekeeping task.
pub(super) async fn forget_old_search_changes(state: &Services) {
    match state.search.forget_old_changes().await {
        Ok(0) => {}
        Ok(removed) => tracing::debug!(removed, "old search change-log rows removed"),
        Err(error) => tracing::warn!(%error, "could not remove old search change-log rows"),
    }
}
