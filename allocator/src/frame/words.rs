//! Frame ranges cut into bitmap words: `[start, end)` as (word, mask) pairs.
//!
//! Every range operation of the frame allocator (add, reserve, take or give
//! back a run, check a run) works a whole 64-frame word at a time instead of
//! bit by bit. [`WordSpans`] does the one fiddly part, the partial words at
//! both ends, in one place.

use super::summary::WORD_BITS;

/// The words covering bits `[start, end)`, each with the mask of the bits of
/// the range inside it, lowest word first.
///
/// Word indices are `usize`; the caller keeps `end` within a bitmap that
/// exists in memory, so every index fits.
#[derive(Clone, Debug)]
pub(super) struct WordSpans {
    /// The first bit not yet yielded.
    next: u64,
    /// One past the last bit of the range.
    end: u64,
}

impl WordSpans {
    /// The words of `[start, end)`; empty if `start >= end`.
    pub(super) const fn new(start: u64, end: u64) -> Self {
        Self { next: start, end }
    }
}

impl Iterator for WordSpans {
    type Item = (usize, u64);

    fn next(&mut self) -> Option<(usize, u64)> {
        if self.next >= self.end {
            return None;
        }
        let word = self.next / WORD_BITS;
        let word_start = word * WORD_BITS;
        let stop = self.end.min(word_start.saturating_add(WORD_BITS));
        let first_bit = self.next - word_start;
        let width = stop - self.next; // 1..=64
        let mask = (u64::MAX >> (WORD_BITS - width)) << first_bit;
        self.next = stop;
        Some((usize::try_from(word).ok()?, mask))
    }
}

#[cfg(test)]
mod tests {
    extern crate alloc;

    use super::*;
    use alloc::vec::Vec;

    #[test]
    fn partial_words_at_both_ends_get_partial_masks() {
        let spans: Vec<_> = WordSpans::new(62, 130).collect();
        assert_eq!(spans, [(0, 0b11 << 62), (1, u64::MAX), (2, 0b11)]);
    }

    #[test]
    fn a_range_inside_one_word_is_one_span() {
        let spans: Vec<_> = WordSpans::new(65, 68).collect();
        assert_eq!(spans, [(1, 0b1110)]);
    }

    #[test]
    fn an_empty_or_reversed_range_has_no_spans() {
        assert_eq!(WordSpans::new(5, 5).count(), 0);
        assert_eq!(WordSpans::new(9, 5).count(), 0);
    }
}
