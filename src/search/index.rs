//! The on-disk index (tantivy) and how a query is answered from it.
//!
//! Each post is one document: its id, author, creation time and, per field, the distinct
//! lower-cased whitespace chunks of its text (`domain::chunks`), doc ids only (no positions,
//! no frequencies). A term matches the union of the postings of every chunk that contains it.
//! Each segment keeps a flat copy of its chunk dictionary in memory, searched with
//! `memchr::memmem`; segments never change, so that copy and the per-term document sets
//! (`QueryCache`, after Lucene's per-segment query cache) stay valid until the segment goes.
//!
//! Posts changed since the last commit are kept in memory (`View::recent`) and scanned per
//! query, their older documents masked: a commit makes a segment whose set-up costs a few
//! million instructions whatever it holds, so the follower commits in batches (see
//! `follow`) while every change is still searchable at once.

use std::{
    collections::{BinaryHeap, HashMap, HashSet, hash_map::Entry},
    path::Path,
    sync::{Arc, Mutex, RwLock},
};

use tantivy::{
    Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, SegmentReader, TantivyDocument, Term,
    directory::MmapDirectory,
    index::{InvertedIndexReader, SegmentId},
    postings::TermInfo,
    schema::{FAST, Field, INDEXED, IndexRecordOption, STRING, Schema},
};

use super::{SearchError, Window, bits::DocBits};
use crate::domain::{Board, BoardId, SearchField, SearchQuery, UserId, chunks};

/// The writer's memory budget (tantivy flushes a segment when it is full).
const WRITER_MEMORY: usize = 48 * 1024 * 1024;
/// Per-term document sets are kept only for segments at least this large; smaller ones are
/// cheap to evaluate again.
const CACHE_MIN_DOCS: u32 = 8 * 1024;

/// A segment where at least one document in this many matches is walked newest first for
/// the page (a few steps per match found) rather than every match offered to the page.
const DENSE_MATCHES: u64 = 64;

/// Sort key of the list: newest first by `created_at` (a post without one last), then id.
type Position = (i64, u128);

pub(super) struct Fields {
    id: Field,
    author: Field,
    title: Field,
    content: Field,
}

const CREATED: &str = "created";
const ID_HIGH: &str = "id_high";
const ID_LOW: &str = "id_low";

fn schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let fields = Fields {
        // Its 16 bytes rather than the 36 characters of its stored form: each post adds one
        // term to the segment's dictionary, and building that costs by the byte.
        id: builder.add_bytes_field("id", INDEXED),
        author: builder.add_text_field("author", STRING),
        title: builder.add_text_field("title", STRING),
        content: builder.add_text_field("content", STRING),
    };
    builder.add_i64_field(CREATED, FAST);
    builder.add_u64_field(ID_HIGH, FAST);
    builder.add_u64_field(ID_LOW, FAST);
    (builder.build(), fields)
}

/// The opened index: its reader and the in-memory structures kept beside its segments. Its
/// writer belongs to the follower alone (and with it the folder's lock).
pub(super) struct DiskIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    segments: Mutex<HashMap<SegmentId, Arc<SegmentDictionaries>>>,
    cache: Mutex<QueryCache>,
    view: RwLock<Arc<View>>,
}

/// What a search reads: the committed segments, and the posts changed since.
struct View {
    searcher: Searcher,
    /// Post id → the post as it is now (`None`: not searchable any more).
    recent: HashMap<u128, Option<Arc<RecentDoc>>>,
    /// Per segment, its documents (sorted) that a post in `recent` replaces.
    superseded: HashMap<SegmentId, Vec<u32>>,
}

/// A post changed since the last commit: its chunks per field, each followed by `\n`
/// (a term has no whitespace, so it is in some chunk exactly when it is in this text).
struct RecentDoc {
    author: String,
    title: String,
    content: String,
    at: Position,
}

impl RecentDoc {
    fn of(board: &Board) -> Option<Self> {
        if !is_searchable(board) {
            return None;
        }
        let joined = |text: &str| {
            chunks(text)
                .into_iter()
                .fold(String::new(), |mut all, chunk| {
                    all.push_str(&chunk);
                    all.push('\n');
                    all
                })
        };
        Some(Self {
            author: board.user_id.as_ref().to_string(),
            title: joined(board.title.as_ref()),
            content: joined(board.content.as_ref()),
            at: position(board.created_at.map(|t| t.timestamp_micros()), board.id),
        })
    }

    fn matches(&self, query: &SearchQuery, author: Option<&UserId>) -> bool {
        if author.is_some_and(|author| author.as_ref() != self.author) {
            return false;
        }
        query.terms().iter().all(|term| {
            let field = query.field();
            (field != SearchField::Content && self.title.contains(term.as_str()))
                || (field != SearchField::Title && self.content.contains(term.as_str()))
        })
    }
}

/// Whether a post has a document at all.
fn is_searchable(board: &Board) -> bool {
    board.deleted_at.is_none()
}

impl DiskIndex {
    /// Opens the index in `dir`, or makes an empty one there; an index that cannot be opened
    /// (damaged, or of another schema) is removed and made again.
    pub fn open(dir: &Path, cache_bytes: usize) -> Result<(Self, IndexWriter), SearchError> {
        match Self::open_existing(dir, cache_bytes) {
            Ok(index) => Ok(index),
            Err(SearchError::InUse(dir)) => Err(SearchError::InUse(dir)),
            Err(error) => {
                tracing::warn!(%error, dir = %dir.display(), "search index unusable; making a new one");
                if dir.exists() {
                    std::fs::remove_dir_all(dir).map_err(|e| SearchError::Disk(e.to_string()))?;
                }
                Self::open_existing(dir, cache_bytes)
            }
        }
    }

    fn open_existing(dir: &Path, cache_bytes: usize) -> Result<(Self, IndexWriter), SearchError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            SearchError::Disk(format!("cannot make the folder {}: {e}", dir.display()))
        })?;
        let (schema, fields) = schema();
        let directory = MmapDirectory::open(dir).map_err(|e| SearchError::Disk(e.to_string()))?;
        let index = Index::open_or_create(directory, schema)?;
        let writer = take_writer(&index, dir)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let opened = Self {
            index,
            reader,
            fields,
            segments: Mutex::default(),
            cache: Mutex::new(QueryCache::with_budget(cache_bytes)),
            view: RwLock::new(Arc::new(View {
                searcher,
                recent: HashMap::new(),
                superseded: HashMap::new(),
            })),
        };
        opened.refresh()?;
        Ok((opened, writer))
    }

    /// The payload of the last commit (what the follower had applied).
    pub fn payload(&self) -> Result<Option<String>, SearchError> {
        Ok(self.index.load_metas()?.payload)
    }

    /// Documents of the post as it is now: none when it is deleted.
    pub fn document(&self, board: &Board) -> Option<TantivyDocument> {
        if !is_searchable(board) {
            return None;
        }
        let mut doc = TantivyDocument::default();
        doc.add_bytes(self.fields.id, &board.id.as_u128().to_be_bytes());
        doc.add_text(self.fields.author, board.user_id.as_ref());
        for chunk in chunks(board.title.as_ref()) {
            doc.add_text(self.fields.title, chunk);
        }
        for chunk in chunks(board.content.as_ref()) {
            doc.add_text(self.fields.content, chunk);
        }
        let (created, id) = position(board.created_at.map(|t| t.timestamp_micros()), board.id);
        doc.add_i64(self.schema_field(CREATED), created);
        doc.add_u64(self.schema_field(ID_HIGH), (id >> 64) as u64);
        doc.add_u64(self.schema_field(ID_LOW), id as u64);
        Some(doc)
    }

    fn schema_field(&self, name: &str) -> Field {
        self.index
            .schema()
            .get_field(name)
            .expect("the schema has every field it was built with")
    }

    /// The term that deletes a post's document.
    pub fn id_term(&self, id: BoardId) -> Term {
        Term::from_field_bytes(self.fields.id, &id.as_u128().to_be_bytes())
    }

    /// Makes what was committed visible to searches, in place of everything `remember`ed
    /// (which the commit holds), and prepares the new segments' dictionaries now rather than
    /// in a request.
    pub fn refresh(&self) -> Result<(), SearchError> {
        self.reader.reload()?;
        let searcher = self.reader.searcher();
        let live: HashSet<SegmentId> = searcher
            .segment_readers()
            .iter()
            .map(SegmentReader::segment_id)
            .collect();
        for segment in searcher.segment_readers() {
            self.dictionaries(segment)?;
        }
        *self.view.write().expect("view") = Arc::new(View {
            searcher,
            recent: HashMap::new(),
            superseded: HashMap::new(),
        });
        self.segments
            .lock()
            .expect("segment map")
            .retain(|id, _| live.contains(id));
        self.cache.lock().expect("query cache").retain(&live);
        Ok(())
    }

    /// Makes posts searchable as they are now (`boards`; an id in `ids` without one is not
    /// searchable any more) before they are committed.
    pub fn remember(&self, ids: &[String], boards: &[Board]) -> Result<(), SearchError> {
        let current = self.view.read().expect("view").clone();
        let mut recent = current.recent.clone();
        let mut superseded = current.superseded.clone();
        let now: HashMap<String, &Board> = boards.iter().map(|b| (b.id.to_db(), b)).collect();
        for id in ids {
            let Some(parsed) = BoardId::parse_position(id) else {
                continue; // not a post id the store could have written
            };
            let doc = now
                .get(id.as_str())
                .and_then(|b| RecentDoc::of(b))
                .map(Arc::new);
            if recent.insert(parsed.as_u128(), doc).is_some() {
                continue; // its older documents are masked already
            }
            let term = self.id_term(parsed);
            for segment in current.searcher.segment_readers() {
                let postings = segment.inverted_index(self.fields.id)?;
                if let Some(info) = postings.get_term_info(&term)? {
                    let mut docs = DocBits::empty(segment.max_doc());
                    add_postings(&postings, &info, &mut docs)?;
                    let masked = superseded.entry(segment.segment_id()).or_default();
                    masked.extend(docs.iter());
                    masked.sort_unstable();
                    masked.dedup();
                }
            }
        }
        *self.view.write().expect("view") = Arc::new(View {
            searcher: current.searcher.clone(),
            recent,
            superseded,
        });
        Ok(())
    }

    fn dictionaries(
        &self,
        segment: &SegmentReader,
    ) -> Result<Arc<SegmentDictionaries>, SearchError> {
        let id = segment.segment_id();
        if let Some(found) = self.segments.lock().expect("segment map").get(&id) {
            return Ok(found.clone());
        }
        let column = segment.fast_fields().i64(CREATED)?;
        let created: Vec<i64> = (0..segment.max_doc())
            .map(|doc| column.first(doc).unwrap_or(i64::MIN))
            .collect();
        let mut newest_first: Vec<u32> = (0..segment.max_doc()).collect();
        newest_first.sort_unstable_by_key(|&doc| std::cmp::Reverse(created[doc as usize]));
        let built = Arc::new(SegmentDictionaries {
            title: ChunkDictionary::of(&*segment.inverted_index(self.fields.title)?)?,
            content: ChunkDictionary::of(&*segment.inverted_index(self.fields.content)?)?,
            created,
            newest_first,
        });
        self.segments
            .lock()
            .expect("segment map")
            .insert(id, built.clone());
        Ok(built)
    }

    /// The posts that match `query` (of `author`, if given): how many, and the ids of the
    /// window's part of them, newest first.
    pub fn find(
        &self,
        query: &SearchQuery,
        author: Option<&UserId>,
        window: &Window,
    ) -> Result<(Vec<BoardId>, u64), SearchError> {
        self.find_with(query, author, window, DENSE_MATCHES)
    }

    /// `find`, walking a segment newest first when one document in `dense_matches` matches.
    fn find_with(
        &self,
        query: &SearchQuery,
        author: Option<&UserId>,
        window: &Window,
        dense_matches: u64,
    ) -> Result<(Vec<BoardId>, u64), SearchError> {
        let view = self.view.read().expect("view").clone();
        let searcher = &view.searcher;
        let wanted = usize::try_from(window.skip)
            .unwrap_or(usize::MAX)
            .saturating_add(window.take as usize);
        let before = window
            .after
            .as_ref()
            .map(|cursor| position(Some(cursor.created_at.timestamp_micros()), cursor.id));
        // The `wanted` newest matches, as a min-heap on position.
        let mut newest: BinaryHeap<std::cmp::Reverse<Position>> = BinaryHeap::new();
        let mut total = 0u64;
        for segment in searcher.segment_readers() {
            let memory = self.dictionaries(segment)?;
            let Some(matched) = self.segment_matches(segment, &memory, query, author)? else {
                continue;
            };
            let fast = segment.fast_fields();
            let high = fast.u64(ID_HIGH)?;
            let low = fast.u64(ID_LOW)?;
            let alive = segment
                .alive_bitset()
                .filter(|_| segment.num_deleted_docs() > 0);
            let is_alive = |doc: u32| alive.is_none_or(|alive| alive.is_alive(doc));
            let masked = view
                .superseded
                .get(&segment.segment_id())
                .map_or(&[][..], Vec::as_slice);
            let is_live = |doc: u32| is_alive(doc) && masked.binary_search(&doc).is_err();
            let count = match alive {
                None => matched.len(),
                Some(_) => matched.iter().filter(|&doc| is_alive(doc)).count() as u64,
            } - masked
                .iter()
                .filter(|&&doc| matched.contains(doc) && is_alive(doc))
                .count() as u64;
            total += count;
            if wanted == 0 || count == 0 {
                continue;
            }
            let id_of = |doc: u32| {
                (u128::from(high.first(doc).unwrap_or(0)) << 64)
                    | u128::from(low.first(doc).unwrap_or(0))
            };
            let mut offer = |doc: u32, at: i64| {
                // Most documents lose on the timestamp alone: skip reading their id.
                if newest.len() == wanted && newest.peek().is_some_and(|least| at < least.0.0) {
                    return;
                }
                offer_to_page(&mut newest, wanted, before, (at, id_of(doc)));
            };
            if count.saturating_mul(dense_matches) >= u64::from(segment.max_doc()) {
                // Many matches: walk the segment newest first and stop after the `wanted`
                // newest (and whatever shares the last one's timestamp).
                let start = before.map_or(0, |(at, _)| {
                    memory
                        .newest_first
                        .partition_point(|&doc| memory.created[doc as usize] > at)
                });
                let (mut taken, mut last) = (0, None);
                for &doc in &memory.newest_first[start..] {
                    let at = memory.created[doc as usize];
                    if last.is_some_and(|last| at < last) {
                        break;
                    }
                    if !matched.contains(doc) || !is_live(doc) {
                        continue;
                    }
                    if before.is_some_and(|before| (at, id_of(doc)) >= before) {
                        continue;
                    }
                    offer(doc, at);
                    taken += 1;
                    if taken == wanted {
                        last = Some(at);
                    }
                }
            } else {
                for doc in matched.iter().filter(|&doc| is_live(doc)) {
                    offer(doc, memory.created[doc as usize]);
                }
            }
        }
        for doc in view.recent.values().flatten() {
            if doc.matches(query, author) {
                total += 1;
                if wanted > 0 {
                    offer_to_page(&mut newest, wanted, before, doc.at);
                }
            }
        }
        let mut ordered: Vec<Position> = newest.into_iter().map(|entry| entry.0).collect();
        ordered.sort_unstable_by(|a, b| b.cmp(a));
        let ids = ordered
            .into_iter()
            .skip(usize::try_from(window.skip).unwrap_or(usize::MAX))
            .map(|(_, id)| BoardId::from_u128(id))
            .collect();
        Ok((ids, total))
    }

    /// The segment's documents (deleted ones included) that match; `None` when none can.
    fn segment_matches(
        &self,
        segment: &SegmentReader,
        dictionaries: &SegmentDictionaries,
        query: &SearchQuery,
        author: Option<&UserId>,
    ) -> Result<Option<DocBits>, SearchError> {
        let max_doc = segment.max_doc();
        let mut matched: Option<DocBits> = None;
        for term in query.terms() {
            let bits = self.term_matches(segment, dictionaries, query.field(), term)?;
            match matched.as_mut() {
                None => matched = Some((*bits).clone()),
                Some(so_far) => so_far.intersect_with(&bits),
            }
            if matched.as_ref().is_some_and(DocBits::is_empty) {
                return Ok(None);
            }
        }
        let Some(mut matched) = matched else {
            return Ok(None);
        };
        if let Some(author) = author {
            let mut theirs = DocBits::empty(max_doc);
            let postings = segment.inverted_index(self.fields.author)?;
            let term = Term::from_field_text(self.fields.author, author.as_ref());
            if let Some(info) = postings.get_term_info(&term)? {
                add_postings(&postings, &info, &mut theirs)?;
            }
            matched.intersect_with(&theirs);
        }
        Ok(Some(matched))
    }

    /// The segment's documents whose `field` has a chunk that contains `term`.
    fn term_matches(
        &self,
        segment: &SegmentReader,
        dictionaries: &SegmentDictionaries,
        field: SearchField,
        term: &str,
    ) -> Result<Arc<DocBits>, SearchError> {
        let cacheable = segment.max_doc() >= CACHE_MIN_DOCS;
        let key = (segment.segment_id(), field, term.to_string());
        if cacheable && let Some(hit) = self.cache.lock().expect("query cache").get(&key) {
            return Ok(hit);
        }
        let mut bits = DocBits::empty(segment.max_doc());
        if field != SearchField::Content {
            let postings = segment.inverted_index(self.fields.title)?;
            dictionaries.title.add_matches(&postings, term, &mut bits)?;
        }
        if field != SearchField::Title {
            let postings = segment.inverted_index(self.fields.content)?;
            dictionaries
                .content
                .add_matches(&postings, term, &mut bits)?;
        }
        let bits = Arc::new(bits);
        if cacheable {
            self.cache
                .lock()
                .expect("query cache")
                .insert(key, bits.clone());
        }
        Ok(bits)
    }

    /// Documents and bytes on disk (for the bench and the log).
    pub fn size(&self) -> (u64, u64) {
        let searcher = self.reader.searcher();
        let docs = searcher.num_docs();
        let bytes = searcher
            .space_usage()
            .map(|usage| usage.total().get_bytes())
            .unwrap_or(0);
        (docs, bytes)
    }
}

/// How long opening waits for the folder's lock: a server that is stopping (a restart on
/// the same disk) lets go of it within a poll of its follower.
const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(10);

fn take_writer(index: &Index, dir: &Path) -> Result<IndexWriter, SearchError> {
    let started = std::time::Instant::now();
    loop {
        match index.writer_with_num_threads(1, WRITER_MEMORY) {
            Ok(writer) => return Ok(writer),
            Err(tantivy::TantivyError::LockFailure(
                tantivy::directory::error::LockError::LockBusy,
                _,
            )) => {
                if started.elapsed() > LOCK_PATIENCE {
                    return Err(SearchError::InUse(dir.display().to_string()));
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            Err(other) => return Err(other.into()),
        }
    }
}

/// Keeps `here` among the `wanted` newest positions before `before`.
fn offer_to_page(
    newest: &mut BinaryHeap<std::cmp::Reverse<Position>>,
    wanted: usize,
    before: Option<Position>,
    here: Position,
) {
    if before.is_some_and(|before| here >= before) {
        return;
    }
    if newest.len() < wanted {
        newest.push(std::cmp::Reverse(here));
    } else if newest.peek().is_some_and(|least| here > least.0) {
        newest.pop();
        newest.push(std::cmp::Reverse(here));
    }
}

/// A position in the list's order.
fn position(created_micros: Option<i64>, id: BoardId) -> Position {
    (created_micros.unwrap_or(i64::MIN), id.as_u128())
}

fn add_postings(
    postings: &InvertedIndexReader,
    info: &TermInfo,
    into: &mut DocBits,
) -> Result<(), SearchError> {
    let mut blocks = postings.read_block_postings_from_terminfo(info, IndexRecordOption::Basic)?;
    let mut left = info.doc_freq as usize;
    while left > 0 {
        let docs = blocks.docs();
        if docs.is_empty() {
            break;
        }
        for &doc in docs {
            into.insert(doc);
        }
        left = left.saturating_sub(docs.len());
        blocks.advance();
    }
    Ok(())
}

/// What a segment keeps in memory: its chunk dictionaries, each document's `created` as a
/// plain array, and its documents newest first (by `created` alone; ties are put in order
/// by id when the pages of all segments are merged).
struct SegmentDictionaries {
    title: ChunkDictionary,
    content: ChunkDictionary,
    created: Vec<i64>,
    newest_first: Vec<u32>,
}

/// A segment's chunks of one field, in term order, each followed by `\n` (chunks have no
/// whitespace), and where each one's postings are.
struct ChunkDictionary {
    text: Vec<u8>,
    starts: Vec<u32>,
    postings: Vec<PostingsAt>,
}

/// A `TermInfo` without the positions (none are indexed), in 16 bytes instead of 40.
#[derive(Clone, Copy)]
struct PostingsAt {
    start: u64,
    len: u32,
    docs: u32,
}

impl PostingsAt {
    fn term_info(self) -> TermInfo {
        let start = self.start as usize;
        TermInfo {
            doc_freq: self.docs,
            postings_range: start..start + self.len as usize,
            positions_range: 0..0,
        }
    }
}

impl ChunkDictionary {
    fn of(postings: &InvertedIndexReader) -> Result<Self, SearchError> {
        let terms = postings.terms();
        let mut text = Vec::new();
        let mut starts = Vec::with_capacity(terms.num_terms());
        let mut postings = Vec::with_capacity(terms.num_terms());
        let mut stream = terms.stream()?;
        while let Some((chunk, info)) = stream.next() {
            let too_large = || SearchError::Disk("a segment's dictionary is over 4 GiB".into());
            starts.push(u32::try_from(text.len()).map_err(|_| too_large())?);
            postings.push(PostingsAt {
                start: info.postings_range.start as u64,
                len: u32::try_from(info.postings_range.len()).map_err(|_| too_large())?,
                docs: info.doc_freq,
            });
            text.extend_from_slice(chunk);
            text.push(b'\n');
        }
        Ok(Self {
            text,
            starts,
            postings,
        })
    }

    /// Adds the documents of every chunk that contains `term`.
    fn add_matches(
        &self,
        postings: &InvertedIndexReader,
        term: &str,
        into: &mut DocBits,
    ) -> Result<(), SearchError> {
        let finder = memchr::memmem::Finder::new(term.as_bytes());
        let mut from = 0;
        while let Some(found) = finder.find(&self.text[from..]) {
            let at = from + found;
            let ordinal = self.starts.partition_point(|&start| start as usize <= at) - 1;
            add_postings(postings, &self.postings[ordinal].term_info(), into)?;
            // On to the next chunk: this one is in.
            from = self
                .starts
                .get(ordinal + 1)
                .map_or(self.text.len(), |&next| next as usize);
        }
        Ok(())
    }
}

type CacheKey = (SegmentId, SearchField, String);

/// Per segment and term, the documents that match (at most `budget` bytes, least recently
/// used out first; 0 turns it off). Exact: segments never change, deletions are applied after.
struct QueryCache {
    entries: HashMap<CacheKey, (Arc<DocBits>, u64)>,
    bytes: usize,
    budget: usize,
    clock: u64,
}

impl QueryCache {
    fn with_budget(budget: usize) -> Self {
        Self {
            entries: HashMap::new(),
            bytes: 0,
            budget,
            clock: 0,
        }
    }

    fn get(&mut self, key: &CacheKey) -> Option<Arc<DocBits>> {
        self.clock += 1;
        let clock = self.clock;
        self.entries.get_mut(key).map(|(bits, used)| {
            *used = clock;
            bits.clone()
        })
    }

    fn insert(&mut self, key: CacheKey, bits: Arc<DocBits>) {
        self.clock += 1;
        let size = bits.bytes();
        if size > self.budget / 4 {
            return;
        }
        while self.bytes + size > self.budget {
            let Some(oldest) = self
                .entries
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(key, _)| key.clone())
            else {
                break;
            };
            if let Some((gone, _)) = self.entries.remove(&oldest) {
                self.bytes -= gone.bytes();
            }
        }
        if let Entry::Vacant(slot) = self.entries.entry(key) {
            self.bytes += size;
            slot.insert((bits, self.clock));
        }
    }

    fn retain(&mut self, live: &HashSet<SegmentId>) {
        let mut bytes = 0;
        self.entries.retain(|(segment, _, _), (bits, _)| {
            let keep = live.contains(segment);
            if keep {
                bytes += bits.bytes();
            }
            keep
        });
        self.bytes = bytes;
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::domain::{Content, Cursor, Title};

    fn board(title: &str, created_micros: i64) -> Board {
        Board {
            id: BoardId::new(),
            user_id: UserId::from_stored("author".into()),
            title: Title::from_stored(title.into()),
            content: Content::from_stored("c".into()),
            created_at: DateTime::from_timestamp_micros(created_micros),
            updated_at: None,
            deleted_at: None,
        }
    }

    /// Walking newest first and offering every match give the same pages, with deletions,
    /// equal timestamps, skips and cursors, and both are the list's order.
    #[test]
    fn both_ways_of_taking_a_page_agree_with_the_list_order() {
        let dir = std::env::temp_dir().join(format!("board-index-test-{}", uuid::Uuid::new_v4()));
        let (disk, mut writer) = DiskIndex::open(&dir, 1 << 20).unwrap();
        let mut boards = Vec::new();
        for i in 0..300i64 {
            let mut title = String::from(if i % 3 == 0 { "common" } else { "other" });
            if i % 40 == 0 {
                title.push_str(" rare");
            }
            // Pairs share a timestamp: the id decides.
            boards.push(board(&title, 1_700_000_000_000_000 + i / 2));
        }
        for (n, part) in boards.chunks(100).enumerate() {
            for b in part {
                writer.add_document(disk.document(b).unwrap()).unwrap();
            }
            if n == 1 {
                for gone in boards.iter().step_by(7) {
                    writer.delete_term(disk.id_term(gone.id));
                }
            }
            writer.commit().unwrap();
        }
        disk.refresh().unwrap();
        let deleted: Vec<BoardId> = boards[..200].iter().step_by(7).map(|b| b.id).collect();
        for q in ["common", "rare", "other", "on"] {
            let query = SearchQuery::parse(q, SearchField::Title).unwrap();
            let mut expected: Vec<&Board> = boards
                .iter()
                .filter(|b| b.title.as_ref().contains(q) && !deleted.contains(&b.id))
                .collect();
            expected.sort_by_key(|b| std::cmp::Reverse((b.created_at, b.id.as_u128())));
            let expected: Vec<BoardId> = expected.into_iter().map(|b| b.id).collect();
            let middle = boards
                .iter()
                .find(|b| b.id == expected[expected.len() / 2])
                .unwrap();
            let windows = [
                Window {
                    after: None,
                    skip: 0,
                    take: 7,
                },
                Window {
                    after: None,
                    skip: 14,
                    take: 7,
                },
                Window {
                    after: None,
                    skip: 0,
                    take: 1000,
                },
                Window {
                    after: Some(Cursor {
                        created_at: middle.created_at.unwrap(),
                        id: middle.id,
                    }),
                    skip: 0,
                    take: 8,
                },
            ];
            for window in &windows {
                let walked = disk.find_with(&query, None, window, u64::MAX).unwrap();
                let offered = disk.find_with(&query, None, window, 0).unwrap();
                assert_eq!(walked, offered, "{q} {window:?}");
                assert_eq!(walked.1, expected.len() as u64, "{q}");
                let from = match &window.after {
                    Some(_) => expected.len() / 2 + 1,
                    None => window.skip as usize,
                };
                let want: Vec<BoardId> = expected
                    .iter()
                    .skip(from)
                    .take(window.take as usize)
                    .copied()
                    .collect();
                assert_eq!(walked.0, want, "{q} {window:?}");
            }
        }
        drop(writer);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Posts remembered but not committed replace their committed documents in every answer,
    /// counts included, and a commit of them answers the same.
    #[test]
    fn remembered_changes_answer_as_committed_ones_do() {
        let dir = std::env::temp_dir().join(format!("board-index-test-{}", uuid::Uuid::new_v4()));
        let (disk, mut writer) = DiskIndex::open(&dir, 1 << 20).unwrap();
        let mut boards: Vec<Board> = (0..200i64)
            .map(|i| board(if i % 2 == 0 { "apple pie" } else { "plum" }, 1_000 + i))
            .collect();
        for b in &boards {
            writer.add_document(disk.document(b).unwrap()).unwrap();
        }
        writer.commit().unwrap();
        disk.refresh().unwrap();
        // Edits (in and out of the matches), deletions, new posts, one post changed twice.
        let mut changed: Vec<Board> = Vec::new();
        for i in (0..200).step_by(5) {
            let mut edited = boards[i].clone();
            edited.title = Title::from_stored(if i % 2 == 0 { "plum" } else { "apples" }.into());
            changed.push(edited);
        }
        for i in (1..200).step_by(9) {
            let mut gone = boards[i].clone();
            gone.deleted_at = gone.created_at;
            changed.push(gone);
        }
        for i in 0..30i64 {
            changed.push(board("apple tart", 500 + i * 10));
        }
        let twice = changed.len() - 1;
        let ids: Vec<String> = changed.iter().map(|b| b.id.to_db()).collect();
        let (first, second) = changed.split_at(changed.len() / 2);
        disk.remember(&ids[..first.len()], first).unwrap();
        disk.remember(&ids[first.len()..], second).unwrap();
        let mut last = changed[twice].clone();
        last.title = Title::from_stored("pear".into());
        disk.remember(&[last.id.to_db()], std::slice::from_ref(&last))
            .unwrap();
        changed[twice] = last;
        for b in &changed {
            match boards.iter_mut().find(|old| old.id == b.id) {
                Some(old) => *old = b.clone(),
                None => boards.push(b.clone()),
            }
        }
        let expected = |q: &str| -> Vec<BoardId> {
            let mut matching: Vec<&Board> = boards
                .iter()
                .filter(|b| b.deleted_at.is_none() && b.title.as_ref().contains(q))
                .collect();
            matching.sort_by_key(|b| std::cmp::Reverse((b.created_at, b.id.as_u128())));
            matching.into_iter().map(|b| b.id).collect()
        };
        let all = Window {
            after: None,
            skip: 0,
            take: 1000,
        };
        let page = Window {
            after: None,
            skip: 3,
            take: 10,
        };
        let answers = |disk: &DiskIndex| {
            let mut seen = Vec::new();
            for q in ["apple", "plum", "pear", "tart"] {
                let query = SearchQuery::parse(q, SearchField::Title).unwrap();
                for dense in [0, u64::MAX] {
                    let (ids, total) = disk.find_with(&query, None, &all, dense).unwrap();
                    assert_eq!(ids, expected(q), "{q}");
                    assert_eq!(total, ids.len() as u64, "{q}");
                    let (ids, _) = disk.find_with(&query, None, &page, dense).unwrap();
                    assert_eq!(
                        ids,
                        expected(q).into_iter().skip(3).take(10).collect::<Vec<_>>()
                    );
                    seen.push(total);
                }
            }
            seen
        };
        let remembered = answers(&disk);
        for b in &changed {
            writer.delete_term(disk.id_term(b.id));
            if let Some(doc) = disk.document(b) {
                writer.add_document(doc).unwrap();
            }
        }
        writer.commit().unwrap();
        disk.refresh().unwrap();
        assert_eq!(answers(&disk), remembered);
        drop(writer);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
