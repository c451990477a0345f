//! A fixed-size set of a segment's document numbers.

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DocBits {
    words: Vec<u64>,
}

impl DocBits {
    pub fn empty(max_doc: u32) -> Self {
        Self {
            words: vec![0; (max_doc as usize).div_ceil(64)],
        }
    }

    pub fn insert(&mut self, doc: u32) {
        self.words[(doc / 64) as usize] |= 1 << (doc % 64);
    }

    pub fn intersect_with(&mut self, other: &Self) {
        for (mine, theirs) in self.words.iter_mut().zip(&other.words) {
            *mine &= theirs;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    pub fn contains(&self, doc: u32) -> bool {
        self.words[(doc / 64) as usize] & (1 << (doc % 64)) != 0
    }

    /// How many documents are in.
    pub fn len(&self) -> u64 {
        self.words.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    /// Bytes held (for the cache's budget).
    pub fn bytes(&self) -> usize {
        self.words.len() * 8
    }

    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.words.iter().enumerate().flat_map(|(i, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                if rest == 0 {
                    return None;
                }
                let bit = rest.trailing_zeros();
                rest &= rest - 1;
                Some(i as u32 * 64 + bit)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_combine_and_list_their_members_in_order() {
        let mut a = DocBits::empty(200);
        let mut b = DocBits::empty(200);
        for doc in [0, 63, 64, 130, 199] {
            a.insert(doc);
        }
        for doc in [63, 130, 150] {
            b.insert(doc);
        }
        let mut both = a.clone();
        both.intersect_with(&b);
        assert_eq!(both.iter().collect::<Vec<_>>(), [63, 130]);
        assert_eq!(both.len(), 2);
        assert!(both.contains(130) && !both.contains(64));
        assert_eq!(a.iter().collect::<Vec<_>>(), [0, 63, 64, 130, 199]);
        assert!(DocBits::empty(10).is_empty());
    }
}
