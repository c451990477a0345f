//! Comments: who may write, edit and delete them, in which order; the post machinery
//! (versions, `If-Match`, idempotency keys) shared with posts.

use tracing::instrument;

use super::{
    ServiceError, Services,
    boards::{IDEMPOTENCY_KEY_LIFETIME, MAX_DELETE_TRIES, check, refuse, user_gone},
    now,
};
use crate::{
    domain::{
        BoardId, Comment, CommentId, CommentPage, CommentText, IdempotencyKey, NewComment,
        PageRequest, Precondition, ThreadKey, UserId,
    },
    store::comments::CommentInsert,
};

/// A created comment, or the first answer again for a retry with the same idempotency key.
#[derive(Debug)]
pub struct Created {
    pub comment: Comment,
    pub replayed: bool,
}

/// Writes a comment on a live post. Check order (token and body by the caller): the post is
/// live (404) → the parent, if any, is a live top-level comment of it (`InvalidParent`).
#[instrument(skip_all, fields(user_id = author.as_ref(), board_id = %board), err(level = "info"))]
pub async fn create(
    state: &Services,
    author: UserId,
    board: BoardId,
    input: NewComment,
    key: Option<IdempotencyKey>,
) -> Result<Created, ServiceError> {
    if state.store.find_live_board(board).await?.is_none() {
        return Err(refuse(state, &author, ServiceError::NotFound).await);
    }
    let parent_id = match input.parent.as_deref() {
        None => None,
        Some(raw) => Some(CommentId::parse(raw).ok_or(ServiceError::InvalidParent)?),
    };
    let fingerprint = key.is_some().then(|| input.fingerprint(board, parent_id));
    let id = CommentId::new();
    let created_at = now();
    let comment = Comment {
        id,
        board_id: board,
        user_id: author,
        parent_id,
        // A reply's key starts with its parent's: the store puts it together.
        thread_key: ThreadKey::new(None, created_at, id),
        content: input.content,
        created_at,
        updated_at: None,
        deleted_at: None,
    };
    let expired_before = now() - IDEMPOTENCY_KEY_LIFETIME;
    let keyed = key
        .as_ref()
        .zip(fingerprint.as_deref())
        .map(|(key, fingerprint)| (key, fingerprint, expired_before));
    match state.store.insert_comment(&comment, keyed).await? {
        CommentInsert::Created => Ok(Created {
            comment,
            replayed: false,
        }),
        CommentInsert::Used {
            fingerprint: first,
            comment,
        } if Some(&first) == fingerprint.as_ref() => Ok(Created {
            comment,
            replayed: true,
        }),
        CommentInsert::Used { .. } => Err(ServiceError::IdempotencyKeyReused),
        CommentInsert::InProgress => Err(ServiceError::IdempotencyInProgress),
        CommentInsert::InvalidParent => Err(ServiceError::InvalidParent),
        // Deleted since the check above, or the author's account was.
        CommentInsert::BoardGone => Err(match state.store.find_live_board(board).await? {
            None => ServiceError::NotFound,
            Some(_) => user_gone(),
        }),
    }
}

/// One page of a live post's thread list, with its counts.
pub async fn list(
    state: &Services,
    board: BoardId,
    request: &PageRequest<ThreadKey>,
) -> Result<CommentPage, ServiceError> {
    let store = &state.store;
    if store.find_live_board(board).await?.is_none() {
        return Err(ServiceError::NotFound);
    }
    let listed = |comments: Vec<Comment>| comments.into_iter().map(Comment::listed).collect();
    match request {
        PageRequest::Numbered { page, per_page } => {
            let offset = (page - 1).saturating_mul(u64::from(*per_page));
            let (comments, counts) = if offset == 0 {
                store.list_comments_after(board, None, *per_page).await?
            } else {
                let counts = store.comment_counts(board).await?;
                // Past the end: no need to ask the database to skip everything.
                let comments = if offset >= counts.listed {
                    Vec::new()
                } else {
                    store.list_comments_at(board, offset, *per_page).await?
                };
                (comments, counts)
            };
            Ok(CommentPage {
                comments: listed(comments),
                total_comments: counts.live,
                listed_comments: counts.listed,
                next_cursor: None,
            })
        }
        PageRequest::After { cursor, per_page } => {
            // One extra row tells whether a next page exists.
            let (mut comments, counts) = store
                .list_comments_after(board, cursor.as_ref(), per_page + 1)
                .await?;
            let more = comments.len() > *per_page as usize;
            comments.truncate(*per_page as usize);
            let next_cursor = more
                .then(|| comments.last().map(|last| last.thread_key.clone()))
                .flatten();
            Ok(CommentPage {
                comments: listed(comments),
                total_comments: counts.live,
                listed_comments: counts.listed,
                next_cursor,
            })
        }
    }
}

/// Check order: (token and body by the caller) → post and comment live (404) → author (403)
/// → `precondition` (412); with a precondition the write happens only on the version checked.
#[instrument(skip_all, fields(user_id = caller.as_ref(), comment_id = %id), err(level = "info"))]
pub async fn update(
    state: &Services,
    caller: UserId,
    board: BoardId,
    id: CommentId,
    content: CommentText,
    precondition: Option<Precondition>,
) -> Result<Comment, ServiceError> {
    let mut comment = find_own(state, &caller, board, id).await?;
    check(precondition.as_ref(), &comment.version())?;
    let updated_at = now();
    let unchanged_since = precondition.as_ref().map(|_| comment.updated_at);
    if !state
        .store
        .update_comment(id, &content, updated_at, unchanged_since)
        .await?
    {
        return Err(lost_race(state, board, id).await);
    }
    comment.content = content;
    comment.updated_at = Some(updated_at);
    Ok(comment)
}

/// Check order as for `update`, without a body.
#[instrument(skip_all, fields(user_id = caller.as_ref(), comment_id = %id), err(level = "info"))]
pub async fn delete(
    state: &Services,
    caller: UserId,
    board: BoardId,
    id: CommentId,
    precondition: Option<Precondition>,
) -> Result<Comment, ServiceError> {
    let mut comment = find_own(state, &caller, board, id).await?;
    check(precondition.as_ref(), &comment.version())?;
    // As for posts: `deleted_at` never precedes `updated_at` (see boards::delete).
    for _ in 0..MAX_DELETE_TRIES {
        let deleted_at = comment
            .updated_at
            .map_or(now(), |updated_at| now().max(updated_at));
        let unchanged_since = precondition.as_ref().map(|_| comment.updated_at);
        if state
            .store
            .soft_delete_comment(&comment, deleted_at, unchanged_since, None)
            .await?
        {
            comment.deleted_at = Some(deleted_at);
            return Ok(comment);
        }
        if precondition.is_some() {
            return Err(lost_race(state, board, id).await);
        }
        comment = state
            .store
            .find_live_comment(board, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
    }
    Err(ServiceError::Unavailable(
        "the comment kept changing while it was being deleted".into(),
    ))
}

/// The caller's own live comment of a live post: 404 when there is none, 403 when it is
/// someone else's (401 first when the caller's account is gone).
async fn find_own(
    state: &Services,
    caller: &UserId,
    board: BoardId,
    id: CommentId,
) -> Result<Comment, ServiceError> {
    let refusal = if state.store.find_live_board(board).await?.is_none() {
        ServiceError::NotFound
    } else {
        match state.store.find_live_comment(board, id).await? {
            Some(comment) if comment.user_id == *caller => return Ok(comment),
            Some(_) => ServiceError::Forbidden,
            None => ServiceError::NotFound,
        }
    };
    Err(refuse(state, caller, refusal).await)
}

async fn lost_race(state: &Services, board: BoardId, id: CommentId) -> ServiceError {
    match state.store.find_live_comment(board, id).await {
        Ok(None) => ServiceError::NotFound,
        Ok(Some(_)) => ServiceError::PreconditionFailed,
        Err(error) => error.into(),
    }
}
