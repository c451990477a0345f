use tracing::instrument;

use super::now;
use crate::{
    app::AppState,
    domain::{Board, BoardId, BoardPage, Cursor, NewBoard, PageRequest, UserId},
    error::ApiError,
};

#[instrument(skip_all, fields(user_id = author.as_ref()), err(level = "info"))]
pub async fn create(state: &AppState, author: UserId, input: NewBoard) -> Result<Board, ApiError> {
    let board = Board {
        id: BoardId::new(),
        user_id: author,
        title: input.title,
        content: input.content,
        created_at: Some(now()),
        updated_at: None,
        deleted_at: None,
    };
    state.store.insert_board(&board).await?;
    Ok(board)
}

pub async fn get(state: &AppState, id: BoardId) -> Result<Board, ApiError> {
    state
        .store
        .find_live_board(id)
        .await?
        .ok_or(ApiError::NotFound)
}

/// One page of live posts, newest first, with the total that the list shows.
pub async fn list(state: &AppState, request: &PageRequest) -> Result<BoardPage, ApiError> {
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
    state: &AppState,
    caller: UserId,
    id: BoardId,
    input: NewBoard,
) -> Result<Board, ApiError> {
    let mut board = get(state, id).await?;
    if board.user_id != caller {
        return Err(ApiError::Forbidden);
    }
    let updated_at = now();
    if !state
        .store
        .update_board(id, &input.title, &input.content, updated_at)
        .await?
    {
        // Deleted between the read and the write.
        return Err(ApiError::NotFound);
    }
    board.title = input.title;
    board.content = input.content;
    board.updated_at = Some(updated_at);
    Ok(board)
}

#[instrument(skip_all, fields(user_id = caller.as_ref(), board_id = %id), err(level = "info"))]
pub async fn delete(state: &AppState, caller: UserId, id: BoardId) -> Result<Board, ApiError> {
    let mut board = get(state, id).await?;
    if board.user_id != caller {
        return Err(ApiError::Forbidden);
    }
    let deleted_at = now();
    if !state.store.soft_delete_board(id, deleted_at).await? {
        return Err(ApiError::NotFound);
    }
    board.deleted_at = Some(deleted_at);
    Ok(board)
}
