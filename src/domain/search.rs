//! A search query, and the one definition of how text is cut for search: both the index and
//! the query use `chunks`, so what the index stores and what a term is compared with agree.

use super::DomainError;

/// `q`: at most this many characters after trimming.
pub const MAX_QUERY_CHARS: usize = 200;
/// `q`: at most this many whitespace-separated terms.
pub const MAX_QUERY_TERMS: usize = 10;
/// Each term: at least this many characters.
pub const MIN_TERM_CHARS: usize = 2;

/// Which text of a post a query looks in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SearchField {
    All,
    Title,
    Content,
}

impl SearchField {
    pub fn parse(raw: Option<&str>) -> Result<Self, DomainError> {
        match raw {
            None | Some("all") => Ok(Self::All),
            Some("title") => Ok(Self::Title),
            Some("content") => Ok(Self::Content),
            Some(_) => Err(DomainError::SearchField),
        }
    }
}

/// What a search asks: every term (lower-cased) must occur in the field's lower-cased text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SearchQuery {
    terms: Vec<String>,
    field: SearchField,
}

impl SearchQuery {
    /// `q` as API.md ("Search") defines it: 1–200 characters after trimming, 1–10 terms split
    /// on whitespace, each at least 2 characters. Repeated terms count once.
    pub fn parse(q: &str, field: SearchField) -> Result<Self, DomainError> {
        let q = q.trim();
        let chars = q.chars().count();
        if chars == 0 || chars > MAX_QUERY_CHARS {
            return Err(DomainError::QueryLength);
        }
        let words: Vec<&str> = q.split_whitespace().collect();
        if words.len() > MAX_QUERY_TERMS {
            return Err(DomainError::QueryTerms);
        }
        if words.iter().any(|w| w.chars().count() < MIN_TERM_CHARS) {
            return Err(DomainError::QueryTermLength);
        }
        let mut terms: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
        terms.sort();
        terms.dedup();
        Ok(Self { terms, field })
    }

    /// The lower-cased terms, each without whitespace, sorted, without repeats.
    pub fn terms(&self) -> &[String] {
        &self.terms
    }

    pub fn field(&self) -> SearchField {
        self.field
    }
}

/// The longest chunk the index stores, in bytes; a longer run without whitespace is stored as
/// overlapping pieces (see `chunks`).
pub const MAX_CHUNK_BYTES: usize = 16 * 1024;
/// How much consecutive pieces of a long run share: more than the longest lower-cased term
/// can take (200 characters, each at most 3 characters of 4 bytes once lower-cased), so a
/// term inside the run lies wholly inside one piece.
const CHUNK_OVERLAP_BYTES: usize = 4 * 1024;

/// The distinct lower-cased, whitespace-free chunks of `text`. A term has no whitespace, so it
/// occurs in the lower-cased text if and only if it occurs inside one of these.
pub fn chunks(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut out: Vec<String> = Vec::new();
    for run in lower.split_whitespace() {
        if run.len() <= MAX_CHUNK_BYTES {
            out.push(run.to_string());
            continue;
        }
        let mut start = 0;
        loop {
            let mut end = (start + MAX_CHUNK_BYTES).min(run.len());
            while !run.is_char_boundary(end) {
                end -= 1;
            }
            out.push(run[start..end].to_string());
            if end == run.len() {
                break;
            }
            let mut next = end - CHUNK_OVERLAP_BYTES;
            while !run.is_char_boundary(next) {
                next -= 1;
            }
            start = next;
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_follow_the_contract() {
        let q = SearchQuery::parse("  Search 판에  search ", SearchField::All).unwrap();
        assert_eq!(q.terms(), ["search", "판에"]);
        assert_eq!(
            SearchQuery::parse(" ", SearchField::All),
            Err(DomainError::QueryLength)
        );
        assert_eq!(
            SearchQuery::parse(&"가".repeat(201), SearchField::All),
            Err(DomainError::QueryLength)
        );
        assert!(SearchQuery::parse(&"가".repeat(200), SearchField::All).is_ok());
        assert_eq!(
            SearchQuery::parse("ab c", SearchField::All),
            Err(DomainError::QueryTermLength)
        );
        let eleven = ["ab"; 11].join(" ");
        assert_eq!(
            SearchQuery::parse(&eleven, SearchField::All),
            Err(DomainError::QueryTerms)
        );
        assert_eq!(
            SearchField::parse(Some("body")),
            Err(DomainError::SearchField)
        );
        assert_eq!(SearchField::parse(None), Ok(SearchField::All));
    }

    #[test]
    fn chunks_are_lower_cased_whitespace_runs() {
        assert_eq!(
            chunks("게시판에서 Search\tthe  BOARD the"),
            ["board", "search", "the", "게시판에서"]
        );
    }

    #[test]
    fn a_long_run_is_cut_into_pieces_that_keep_every_term() {
        let run: String = (0..30_000)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let text = format!("x{run}한글{run}y");
        let pieces = chunks(&text);
        assert!(pieces.len() > 1);
        assert!(pieces.iter().all(|p| p.len() <= MAX_CHUNK_BYTES));
        for at in (0..text.len() - 800).step_by(997) {
            if !text.is_char_boundary(at) {
                continue;
            }
            let term: String = text[at..].chars().take(200).collect();
            assert!(
                pieces.iter().any(|p| p.contains(&term)),
                "lost the term at {at}"
            );
        }
    }
}
