//! Search (API.md, "Search"): every term as a substring of a post's title or content.
//!
//! Each instance keeps its own index on its own disk (`SEARCH_INDEX_DIR`), fed from the change
//! log in the database (`store::search`), so every instance answers the same on either
//! backend. See `index` for how a query is answered and `follow` for how the index keeps up.
//! The service layer sees only `SearchIndex::find` (a query, an author, a window → ids and
//! an exact count), which another engine (e.g. OpenSearch) could answer behind the same call.

mod bits;
mod follow;
mod index;

use std::{
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
};

use tokio::sync::Notify;

use crate::{
    domain::{BoardId, Cursor, SearchQuery, UserId},
    store::{Store, StoreError},
};
use index::DiskIndex;

/// Which part of the matches a page shows: after `after` (keyset), then `skip` more, then up
/// to `take`.
#[derive(Debug, Clone)]
pub struct Window {
    pub after: Option<Cursor>,
    pub skip: u64,
    pub take: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The index is being built or has not caught up with the database yet.
    #[error("the search index is catching up")]
    NotReady,
    #[error("the search index folder {0} is in use by another running server")]
    InUse(String),
    #[error("search index folder: {0}")]
    Disk(String),
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a search task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl From<std::io::Error> for SearchError {
    fn from(error: std::io::Error) -> Self {
        Self::Index(error.into())
    }
}

impl From<tantivy::directory::error::OpenReadError> for SearchError {
    fn from(error: tantivy::directory::error::OpenReadError) -> Self {
        Self::Index(error.into())
    }
}

/// This instance's search index. Cheap to clone.
#[derive(Clone)]
pub struct SearchIndex(Arc<Shared>);

struct Shared {
    disk: DiskIndex,
    store: Store,
    dir: PathBuf,
    /// Caught up with the change log: searches are answered.
    ready: AtomicBool,
    /// A search found the index unreadable: the follower rebuilds it.
    damaged: AtomicBool,
    /// A write on this instance: the follower looks at the log now instead of at its next poll.
    wake: Notify,
}

impl SearchIndex {
    /// Opens (or makes) the index in `dir` and starts following the change log; searches are
    /// refused (`NotReady`) until it has caught up.
    /// `cache_bytes` bounds the per-segment query cache (0: none).
    pub async fn start(dir: &Path, cache_bytes: usize, store: Store) -> Result<Self, SearchError> {
        let owned = dir.to_path_buf();
        let (disk, writer) =
            tokio::task::spawn_blocking(move || DiskIndex::open(&owned, cache_bytes)).await??;
        let index = Self(Arc::new(Shared {
            disk,
            store,
            dir: dir.to_path_buf(),
            ready: AtomicBool::new(false),
            damaged: AtomicBool::new(false),
            wake: Notify::new(),
        }));
        tokio::spawn(follow::follow(index.0.clone(), writer));
        Ok(index)
    }

    /// Caught up: searches are answered.
    pub fn is_ready(&self) -> bool {
        self.0.ready.load(Ordering::Acquire)
    }

    /// Tells the follower that this instance wrote to the log.
    pub fn changed(&self) {
        self.0.wake.notify_one();
    }

    /// The matches of `query` (of `author`, if given), newest first: the window's ids and how
    /// many match in all.
    pub async fn find(
        &self,
        query: &SearchQuery,
        author: Option<&UserId>,
        window: &Window,
    ) -> Result<(Vec<BoardId>, u64), SearchError> {
        if !self.is_ready() {
            return Err(SearchError::NotReady);
        }
        let (shared, query, author, window) = (
            self.0.clone(),
            query.clone(),
            author.cloned(),
            window.clone(),
        );
        let found =
            tokio::task::spawn_blocking(move || shared.disk.find(&query, author.as_ref(), &window))
                .await?;
        if let Err(error) = &found {
            tracing::error!(%error, dir = %self.0.dir.display(), "search index unreadable; rebuilding it");
            self.0.ready.store(false, Ordering::Release);
            self.0.damaged.store(true, Ordering::Release);
            self.changed();
        }
        found
    }

    /// Removes change-log rows that no follower should still need (see `follow::LOG_KEPT`).
    pub async fn forget_old_changes(&self) -> Result<u64, SearchError> {
        follow::forget_old_changes(&self.0.store).await
    }
}
