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
    let per_page = request.per_page();
    let total_boards = state.store.live_board_count().await?;
    let (boards, next_cursor) = match request {
        PageRequest::Numbered { page, per_page } => {
            let offset = (page - 1).saturating_mul(u64::from(*per_page));
            let boards = if offset >= total_boards {
                // Past the end: no need to ask the database to skip everything.
                Vec::new()
            } else {
                state.store.list_boards_page(offset, *per_page).await?
            };
            (boards, None)
        }
        PageRequest::After { cursor, .. } => {
            // One extra row tells whether a next page exists.
            let mut boards = state
                .store
                .list_boards_after(cursor.as_ref(), per_page + 1)
                .await?;
            let more = boards.len() > per_page as usize;
            boards.truncate(per_page as usize);
            let next = if more {
                boards.last().and_then(|last| {
                    last.created_at.map(|created_at| Cursor {
                        created_at,
                        id: last.id,
                    })
                })
            } else {
                None
            };
            (boards, next)
        }
    };
    Ok(BoardPage {
        boards,
        total_boards,
        next_cursor,
    })
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
