//! Keeping the index up with the change log (`store::search`).
//!
//! The follower remembers `applied`: every log row up to it has been applied, except the
//! `gaps`. A gap is a `seq` it has not seen below one it has: MySQL hands out
//! `AUTO_INCREMENT` values when a row is inserted, not when its transaction commits, so a
//! later row can be visible before an earlier one. A gap is asked for again on every poll
//! until it shows up or `GAP_PATIENCE` passes (a rolled-back transaction leaves one for
//! ever). Applying a row re-reads its post as it is now, so a row applied twice or late does
//! no harm. `applied` and the gaps are committed with the index (tantivy's commit payload),
//! so a restart goes on from there.
//!
//! Changes are searchable as soon as they are applied (`DiskIndex::remember`) but committed
//! in batches (`COMMIT_AT`, `COMMIT_AFTER`): a commit costs the same few million instructions
//! for one post as for hundreds. What was not committed when the server stops is read from
//! the log again at the next start.

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::{Arc, atomic::Ordering},
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};
use tantivy::IndexWriter;

use super::{SearchError, Shared};
use crate::domain::{Board, BoardId};
use crate::store::{
    Store,
    search::{LoggedChange, MAX_IDS_PER_READ},
};

/// How often the log is read when nothing woke the follower: a write on another instance
/// shows in this one's results within about this long (API.md: within 1 s).
const POLL_EVERY: Duration = Duration::from_millis(300);
/// The least time between two reads of the log, so that the writes of a burst (each of which
/// wakes the follower) share one read of the log and of their posts.
const STEP_GAP: Duration = Duration::from_millis(200);
/// Changed posts held in memory at most before they are committed.
const COMMIT_AT: usize = 2_000;
/// How long a change waits at most for its commit.
const COMMIT_AFTER: Duration = Duration::from_secs(10);
/// Log rows per read.
const BATCH: u32 = 2_000;
/// Posts per read when the index is built from the database.
const REBUILD_PAGE: u32 = 2_000;
/// How long a gap is asked for: far longer than any write takes from its log insert (its last
/// statement) to its commit.
const GAP_PATIENCE: Duration = Duration::from_secs(10);
/// Gaps remembered at most (a jump this large is not transactions in flight).
const MAX_GAPS: usize = 10_000;
/// After a rebuild, the last this many rows before it are applied again: transactions that
/// were in flight when it started (at most one per pooled connection of every instance) may
/// commit after it read their post.
const REREAD_AFTER_REBUILD: i64 = 256;
/// Log rows kept by housekeeping: an instance that is down for more writes than this
/// rebuilds its index when it comes back.
pub(super) const LOG_KEPT: i64 = 100_000;
/// What a commit's payload says, so that an index of another layout or another database is
/// rebuilt rather than trusted.
const FORMAT: u32 = 2;
/// Waits after a failed step (the database is down...).
const RETRY_AFTER: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Payload {
    format: u32,
    origin: String,
    applied: i64,
    gaps: Vec<i64>,
}

/// Posts applied but not committed: id → the post as it is now (`None`: gone).
#[derive(Default)]
struct Pending {
    boards: BTreeMap<String, Option<Board>>,
    since: Option<Instant>,
}

impl Pending {
    fn is_due(&self) -> bool {
        self.boards.len() >= COMMIT_AT || self.since.is_some_and(|at| at.elapsed() >= COMMIT_AFTER)
    }
}

/// Where the follower is in the log.
#[derive(Debug, Clone)]
struct Feed {
    origin: String,
    applied: i64,
    /// `seq` → until when it is asked for.
    gaps: BTreeMap<i64, Instant>,
}

impl Feed {
    fn payload(&self) -> String {
        serde_json::to_string(&Payload {
            format: FORMAT,
            origin: self.origin.clone(),
            applied: self.applied,
            gaps: self.gaps.keys().copied().collect(),
        })
        .expect("a payload serialises")
    }
}

pub(super) async fn follow(shared: Arc<Shared>, writer: IndexWriter) {
    let writer = Arc::new(std::sync::Mutex::new(writer));
    let mut feed: Option<Feed> = None;
    let mut pending = Pending::default();
    let mut last_step = Instant::now();
    loop {
        if shared.store.is_closed() {
            return;
        }
        if shared.damaged.swap(false, Ordering::AcqRel) {
            feed = None;
        }
        let outcome = match feed.as_mut() {
            None => {
                pending = Pending::default();
                start(&shared, &writer).await.map(|started| {
                    feed = Some(started);
                    BATCH as usize
                })
            }
            Some(feed) => step(&shared, &writer, feed, &mut pending).await,
        };
        match outcome {
            // A full batch: there is more to read at once.
            Ok(read) if read >= BATCH as usize => continue,
            Ok(_) => {
                if !shared.ready.swap(true, Ordering::AcqRel) {
                    let (docs, bytes) = shared.disk.size();
                    tracing::info!(docs, bytes, "search index caught up");
                }
                tokio::select! {
                    () = shared.wake.notified() => {}
                    () = tokio::time::sleep(POLL_EVERY) => {}
                }
                tokio::time::sleep_until((last_step + STEP_GAP).into()).await;
                last_step = Instant::now();
            }
            Err(error) => {
                if matches!(error, SearchError::Index(_) | SearchError::Disk(_)) {
                    tracing::error!(%error, "search index failed; rebuilding it");
                    shared.ready.store(false, Ordering::Release);
                    feed = None;
                } else if !shared.store.is_closed() {
                    tracing::warn!(%error, "search index cannot read the change log; retrying");
                }
                tokio::time::sleep(RETRY_AFTER).await;
            }
        }
    }
}

/// Goes on from what the index's last commit says, or rebuilds it from the database when
/// that cannot be trusted (no commit, another layout or database, or log rows it needs were
/// removed).
async fn start(
    shared: &Arc<Shared>,
    writer: &Arc<std::sync::Mutex<IndexWriter>>,
) -> Result<Feed, SearchError> {
    let origin = shared.store.search_origin().await?;
    let (oldest, newest) = shared.store.search_log_span().await?;
    let saved = shared
        .disk
        .payload()?
        .and_then(|text| serde_json::from_str::<Payload>(&text).ok())
        .filter(|saved| saved.format == FORMAT && saved.origin == origin)
        .filter(|saved| oldest.is_none_or(|oldest| oldest <= saved.applied + 1));
    if let Some(saved) = saved {
        // Whatever was applied after this commit is read from the log again.
        let disk = shared.clone();
        tokio::task::spawn_blocking(move || disk.disk.refresh()).await??;
        let until = Instant::now() + GAP_PATIENCE;
        return Ok(Feed {
            origin,
            applied: saved.applied,
            gaps: saved.gaps.into_iter().map(|seq| (seq, until)).collect(),
        });
    }
    rebuild(shared, writer, origin, newest.unwrap_or(0)).await
}

async fn rebuild(
    shared: &Arc<Shared>,
    writer: &Arc<std::sync::Mutex<IndexWriter>>,
    origin: String,
    newest: i64,
) -> Result<Feed, SearchError> {
    let started = Instant::now();
    shared.ready.store(false, Ordering::Release);
    tracing::info!(dir = %shared.dir.display(), "building the search index from the database");
    {
        let writer = writer.clone();
        tokio::task::spawn_blocking(move || writer.lock().expect("writer").delete_all_documents())
            .await??;
    }
    let mut after = String::new();
    let mut posts = 0usize;
    loop {
        let page = shared
            .store
            .live_boards_after_id(&after, REBUILD_PAGE)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.id.to_db();
        posts += page.len();
        let (shared, writer) = (shared.clone(), writer.clone());
        tokio::task::spawn_blocking(move || -> Result<(), SearchError> {
            let writer = writer.lock().expect("writer");
            for board in &page {
                if let Some(doc) = shared.disk.document(board) {
                    writer.add_document(doc)?;
                }
            }
            Ok(())
        })
        .await??;
    }
    let until = Instant::now() + GAP_PATIENCE;
    let feed = Feed {
        origin,
        applied: newest,
        gaps: ((newest - REREAD_AFTER_REBUILD + 1).max(1)..=newest)
            .map(|seq| (seq, until))
            .collect(),
    };
    commit(shared, writer, &feed).await?;
    // One segment instead of the dozens that the writer's memory budget cut the build into:
    // every segment's dictionary is searched for every term.
    {
        let (shared, writer) = (shared.clone(), writer.clone());
        tokio::task::spawn_blocking(move || -> Result<(), SearchError> {
            let mut writer = writer.lock().expect("writer");
            let segments = writer.index().searchable_segment_ids()?;
            if segments.len() > 1 {
                writer.merge(&segments).wait()?;
            }
            drop(writer);
            shared.disk.refresh()
        })
        .await??;
    }
    tracing::info!(
        posts,
        took_ms = started.elapsed().as_millis() as u64,
        "search index built"
    );
    Ok(feed)
}

/// Reads the log after `applied` (and the gaps), applies what it finds, commits when that is
/// due; how many rows after `applied` it read.
async fn step(
    shared: &Arc<Shared>,
    writer: &Arc<std::sync::Mutex<IndexWriter>>,
    feed: &mut Feed,
    pending: &mut Pending,
) -> Result<usize, SearchError> {
    let store = &shared.store;
    let rows = store.search_log_after(feed.applied, BATCH).await?;
    let mut next = feed.clone();
    let now = Instant::now();
    let mut changed: BTreeSet<String> = BTreeSet::new();
    for row in &rows {
        for missing in next.applied + 1..row.seq {
            if next.gaps.len() < MAX_GAPS {
                next.gaps.insert(missing, now + GAP_PATIENCE);
            }
        }
        next.applied = row.seq;
        changed.insert(row.board_id.clone());
    }
    let asked: Vec<i64> = feed.gaps.keys().copied().collect();
    for seqs in asked.chunks(MAX_IDS_PER_READ) {
        for LoggedChange { seq, board_id } in store.search_log_at(seqs).await? {
            next.gaps.remove(&seq);
            changed.insert(board_id);
        }
    }
    next.gaps.retain(|_, until| *until > now);
    if !changed.is_empty() {
        apply(shared, changed.into_iter().collect(), pending).await?;
    }
    *feed = next;
    if pending.is_due() {
        commit_pending(shared, writer, pending, feed).await?;
    }
    Ok(rows.len())
}

/// Re-reads the posts and makes them searchable as they are now.
async fn apply(
    shared: &Arc<Shared>,
    ids: Vec<String>,
    pending: &mut Pending,
) -> Result<(), SearchError> {
    let mut boards = Vec::with_capacity(ids.len());
    for part in ids.chunks(MAX_IDS_PER_READ) {
        boards.extend(shared.store.boards_by_ids(part).await?);
    }
    let remembered = {
        let shared = shared.clone();
        let ids = ids.clone();
        tokio::task::spawn_blocking(move || {
            let result = shared.disk.remember(&ids, &boards);
            (result, boards)
        })
    };
    let (result, boards) = remembered.await?;
    result?;
    pending.since.get_or_insert_with(Instant::now);
    for id in ids {
        pending.boards.insert(id, None);
    }
    for board in boards {
        pending.boards.insert(board.id.to_db(), Some(board));
    }
    Ok(())
}

/// Writes the pending posts and commits them with `feed` as the new position.
async fn commit_pending(
    shared: &Arc<Shared>,
    writer: &Arc<std::sync::Mutex<IndexWriter>>,
    pending: &mut Pending,
    feed: &Feed,
) -> Result<(), SearchError> {
    let boards = std::mem::take(pending).boards;
    {
        let (shared, writer) = (shared.clone(), writer.clone());
        tokio::task::spawn_blocking(move || -> Result<(), SearchError> {
            let writer = writer.lock().expect("writer");
            // A deleted post (or one that is gone) keeps no document; the others get a new one.
            for (id, board) in &boards {
                let Some(id) = BoardId::parse_position(id) else {
                    continue; // not a post id: it has no document
                };
                writer.delete_term(shared.disk.id_term(id));
                if let Some(doc) = board.as_ref().and_then(|b| shared.disk.document(b)) {
                    writer.add_document(doc)?;
                }
            }
            Ok(())
        })
        .await??;
    }
    commit(shared, writer, feed).await
}

async fn commit(
    shared: &Arc<Shared>,
    writer: &Arc<std::sync::Mutex<IndexWriter>>,
    feed: &Feed,
) -> Result<(), SearchError> {
    let (shared, writer, payload) = (shared.clone(), writer.clone(), feed.payload());
    tokio::task::spawn_blocking(move || -> Result<(), SearchError> {
        let mut writer = writer.lock().expect("writer");
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        drop(writer);
        shared.disk.refresh()
    })
    .await?
}

pub(super) async fn forget_old_changes(store: &Store) -> Result<u64, SearchError> {
    let (Some(oldest), Some(newest)) = store.search_log_span().await? else {
        return Ok(0);
    };
    let keep_from = newest - LOG_KEPT + 1;
    if oldest >= keep_from {
        return Ok(0);
    }
    Ok(store.forget_search_log_before(keep_from).await?)
}
