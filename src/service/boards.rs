use tracing::instrument;

use super::{ServiceError, Services, now};
use crate::domain::{Board, BoardId, BoardPage, Cursor, NewBoard, PageRequest, UserId};

#[instrument(skip_all, fields(user_id = author.as_ref()), err(level = "info"))]
pub async fn create(
    state: &Services,
    author: UserId,
    input: NewBoard,
) -> Result<Board, ServiceError> {
    let board = Board {
        id: BoardId::new(),
        user_id: author,
        title: input.title,
        content: input.content,
        created_at: Some(now()),
        updated_at: None,
        deleted_at: None,
    };
    if !state.store.insert_board(&board).await? {
        return Err(user_gone());
    }
    Ok(board)
}

pub async fn get(state: &Services, id: BoardId) -> Result<Board, ServiceError> {
    state
        .store
        .find_live_board(id)
        .await?
        .ok_or(ServiceError::NotFound)
}

/// One page of live posts, newest first, with the total that the list shows.
pub async fn list(state: &Services, request: &PageRequest) -> Result<BoardPage, ServiceError> {
    let store = &state.store;
    match request {
        PageRequest::Numbered { page: 1, per_page } => {
            let (boards, total_boards) = store.list_boards_first(*per_page).await?;
            Ok(BoardPage {
                boards,
                total_boards,
                next_cursor: None,
            })
        }
        PageRequest::Numbered { page, per_page } => {
            let total_boards = store.live_board_count().await?;
            let offset = (page - 1).saturating_mul(u64::from(*per_page));
            // Past the end: no need to ask the database to skip everything.
            let boards = if offset >= total_boards {
                Vec::new()
            } else {
                store.list_boards_at(offset, *per_page).await?
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
            let (mut boards, total_boards) = match cursor {
                None => store.list_boards_first(limit).await?,
                Some(cursor) => store.list_boards_after(cursor, limit).await?,
            };
            let more = boards.len() > *per_page as usize;
            boards.truncate(*per_page as usize);
            let next_cursor = if more {
                boards.last().and_then(|last| {
                    last.created_at.map(|created_at| Cursor {
                        created_at,
                        id: last.id,
                    })
                })
            } else {
                None
            };
            Ok(BoardPage {
                boards,
                total_boards,
                next_cursor,
            })
        }
    }
}

/// Check order of API.md: (token and body checked by the caller) → exists (404) → author (403).
#[instrument(skip_all, fields(user_id = caller.as_ref(), board_id = %id), err(level = "info"))]
pub async fn update(
    state: &Services,
    caller: UserId,
    id: BoardId,
    input: NewBoard,
) -> Result<Board, ServiceError> {
    let mut board = find_own(state, &caller, id).await?;
    let updated_at = now();
    if !state
        .store
        .update_board(id, &input.title, &input.content, updated_at)
        .await?
    {
        // Deleted between the read and the write.
        return Err(ServiceError::NotFound);
    }
    board.title = input.title;
    board.content = input.content;
    board.updated_at = Some(updated_at);
    Ok(board)
}

#[instrument(skip_all, fields(user_id = caller.as_ref(), board_id = %id), err(level = "info"))]
pub async fn delete(state: &Services, caller: UserId, id: BoardId) -> Result<Board, ServiceError> {
    let mut board = find_own(state, &caller, id).await?;
    // An update that committed after the read above may carry a later timestamp than this
    // delete; then the post is read again, so that `deleted_at` never precedes `updated_at`
    // and the answer shows the post as it was deleted.
    for _ in 0..MAX_DELETE_TRIES {
        let deleted_at = board
            .updated_at
            .map_or(now(), |updated_at| now().max(updated_at));
        if state.store.soft_delete_board(id, deleted_at).await? {
            board.deleted_at = Some(deleted_at);
            return Ok(board);
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

const MAX_DELETE_TRIES: usize = 5;

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
    if state.store.user_exists(caller).await? {
        Err(refusal)
    } else {
        Err(user_gone())
    }
}

/// A valid token whose user no longer exists is refused like a bad token.
fn user_gone() -> ServiceError {
    tracing::debug!("token rejected: its user no longer exists");
    ServiceError::Unauthorized
}
