//! A bitmap with summary levels: the lowest set bit in O(log₆₄ n) steps.
//!
//! A flat bitmap answers "is bit `i` set?" at once, but "which is the lowest
//! set bit at or after `i`?" means scanning word after word: for 8 GiB of
//! frames, up to 32,768 words. A [`SummaryBitmap`] adds a 64-ary tree of
//! bitmaps on top:
//!
//! ```text
//! level 2:  [1000…]                       one bit per level-1 word: "has a set bit"
//! level 1:  [0110…]  [0000…] …            one bit per level-0 word: "has a set bit"
//! level 0:  [0…] [1…] [01…] [0…] …        the bits themselves
//! ```
//!
//! A search climbs from the leaf word until it finds a summary word with a set
//! bit at or after the current position, then descends taking the lowest set
//! bit of each word (`trailing_zeros`, one instruction on most CPUs). Each step
//! touches one word per level, so a search reads at most `2 × levels` words:
//! 8 for 8 GiB of frames (4 levels), 22 for the largest possible tree.
//!
//! Changing a leaf word updates at most one bit per level above it, and stops
//! as soon as a summary word keeps its "has a set bit" state. The summary
//! levels cost 1/63 of the leaf level: 64 leaf words need one more word, plus
//! a rounding word per level.
//!
//! Invariant: a summary bit is set exactly when the word below it is nonzero.
//! Bits at or beyond the tree's bit count are never set.

/// Bits in one bitmap word.
pub(super) const WORD_BITS: u64 = u64::BITS as u64;

/// Most levels any tree can need: 64¹¹ = 2⁶⁶ leaf bits covers every `u64`.
const MAX_LEVELS: usize = 11;

/// A bitmap of `bits` bits plus its "any bit set" summary levels.
pub(super) struct SummaryBitmap<'m> {
    /// Level 0 (the leaves) first, then one summary level after another; the
    /// last used level has a single word. Unused entries are empty slices.
    levels: [&'m mut [u64]; MAX_LEVELS],
    /// How many entries of `levels` are in use (at least 1).
    used_levels: usize,
}

/// How many words a [`SummaryBitmap`] of `bits` bits needs, all levels
/// together.
pub(super) const fn words_needed(bits: u64) -> u64 {
    let mut len = bits.div_ceil(WORD_BITS);
    let mut total = len;
    while len > 1 {
        len = len.div_ceil(WORD_BITS);
        total += len;
    }
    total
}

impl<'m> SummaryBitmap<'m> {
    /// Builds an all-clear bitmap of `bits` bits in the front of `storage`,
    /// and returns it with the rest of `storage`.
    ///
    /// Returns `None` if `storage` is shorter than [`words_needed`]`(bits)`.
    pub(super) fn new(storage: &'m mut [u64], bits: u64) -> Option<(Self, &'m mut [u64])> {
        let mut levels: [&'m mut [u64]; MAX_LEVELS] = Default::default();
        let mut rest = storage;
        let mut len = bits.div_ceil(WORD_BITS);
        let mut used_levels = 0;
        for level in &mut levels {
            let (words, after) = rest.split_at_mut_checked(usize::try_from(len).ok()?)?;
            words.fill(0);
            *level = words;
            rest = after;
            used_levels += 1;
            if len <= 1 {
                break;
            }
            len = len.div_ceil(WORD_BITS);
        }
        Some((
            Self {
                levels,
                used_levels,
            },
            rest,
        ))
    }

    /// Word `index` of the leaf level (0 beyond the end).
    pub(super) fn leaf_word(&self, index: usize) -> u64 {
        self.word(0, index)
    }

    /// Whether bit `bit` is set (false beyond the end).
    pub(super) fn get(&self, bit: u64) -> bool {
        let Ok(index) = usize::try_from(bit / WORD_BITS) else {
            return false;
        };
        self.leaf_word(index) & (1 << (bit % WORD_BITS)) != 0
    }

    /// Sets or clears bit `bit`; does nothing beyond the end.
    pub(super) fn assign(&mut self, bit: u64, value: bool) {
        let Ok(index) = usize::try_from(bit / WORD_BITS) else {
            return;
        };
        let mask = 1 << (bit % WORD_BITS);
        let old = self.leaf_word(index);
        self.set_leaf_word(index, if value { old | mask } else { old & !mask });
    }

    /// Replaces leaf word `index` with `value` and brings the summary levels
    /// up to date; does nothing beyond the end.
    ///
    /// The caller must not set bits at or beyond the bitmap's bit count.
    pub(super) fn set_leaf_word(&mut self, index: usize, value: u64) {
        let Some(leaf) = self.levels[0].get_mut(index) else {
            return;
        };
        let old = core::mem::replace(leaf, value);
        if (old == 0) != (value == 0) {
            self.propagate(index, value != 0);
        }
    }

    /// Sets the bits of `mask` in leaf word `index`, keeps the summary levels
    /// up to date, and returns the word as it was; does nothing and returns
    /// `None` beyond the end.
    ///
    /// The caller must not set bits at or beyond the bitmap's bit count.
    pub(super) fn set_bits(&mut self, index: usize, mask: u64) -> Option<u64> {
        let leaf = self.levels[0].get_mut(index)?;
        let old = *leaf;
        *leaf = old | mask;
        if old == 0 && mask != 0 {
            self.propagate(index, true);
        }
        Some(old)
    }

    /// Clears the bits of `mask` in leaf word `index`, keeps the summary
    /// levels up to date, and returns the word as it was; does nothing and
    /// returns `None` beyond the end.
    pub(super) fn clear_bits(&mut self, index: usize, mask: u64) -> Option<u64> {
        let leaf = self.levels[0].get_mut(index)?;
        let old = *leaf;
        *leaf = old & !mask;
        if old != 0 && old & !mask == 0 {
            self.propagate(index, false);
        }
        Some(old)
    }

    /// Records in the summary levels that leaf word `index` just became
    /// nonzero (or zero): one bit per level, stopping at the first summary
    /// word that keeps its own "has a set bit" state.
    fn propagate(&mut self, index: usize, nonzero: bool) {
        let levels = self.levels.get_mut(1..self.used_levels).unwrap_or_default();
        let mut child = index;
        for level in levels {
            let parent = child / WORD_BITS as usize;
            let mask = 1 << (child % WORD_BITS as usize);
            let Some(word) = level.get_mut(parent) else {
                return;
            };
            let old = *word;
            *word = if nonzero { old | mask } else { old & !mask };
            if (old == 0) == (*word == 0) {
                return; // This word kept its state, so every level above did too.
            }
            child = parent;
        }
    }

    // LAB(frame-bitmap): begin
    /// The lowest set bit at or after `from`, if any.
    pub(super) fn next_set(&self, from: u64) -> Option<u64> {
        let (mut level, mut position) = self.climb(from)?;
        // Descend: each set summary bit promises a nonzero word below it.
        while level > 0 {
            level -= 1;
            let word = self.word(level, usize::try_from(position).ok()?);
            if word == 0 {
                return None; // Broken invariant; refuse rather than invent a bit.
            }
            position = position * WORD_BITS + u64::from(word.trailing_zeros());
        }
        Some(position)
    }

    /// Climbs from bit `from` of the leaf level to the lowest level that has a
    /// set bit at or after the search position; returns that level and the
    /// position of the set bit within it.
    fn climb(&self, from: u64) -> Option<(usize, u64)> {
        let mut position = from;
        for level in 0..self.used_levels {
            let index = usize::try_from(position / WORD_BITS).ok()?;
            let word = *self.levels[level].get(index)?;
            let at_or_after = word & (u64::MAX << (position % WORD_BITS));
            if at_or_after != 0 {
                let bit = u64::from(at_or_after.trailing_zeros());
                return Some((level, position - position % WORD_BITS + bit));
            }
            // Nothing left in this word: go on with the next word, which is
            // the next bit of the level above.
            position = position / WORD_BITS + 1;
        }
        None
    }
    // LAB(frame-bitmap): end

    /// Word `index` of level `level` (0 beyond the end).
    fn word(&self, level: usize, index: usize) -> u64 {
        self.levels
            .get(level)
            .and_then(|words| words.get(index))
            .copied()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    extern crate alloc;

    use super::*;
    use alloc::vec;

    #[test]
    fn words_needed_counts_every_level() {
        assert_eq!(words_needed(0), 0);
        assert_eq!(words_needed(1), 1);
        assert_eq!(words_needed(64), 1);
        assert_eq!(words_needed(65), 2 + 1);
        assert_eq!(words_needed(64 * 64 * 64 + 1), 4097 + 65 + 2 + 1);
    }

    #[test]
    fn too_small_storage_is_refused() {
        let mut storage = vec![0; 2];
        assert!(SummaryBitmap::new(&mut storage, 65).is_none());
    }

    #[test]
    fn next_set_finds_the_lowest_bit_across_levels() {
        let bits = 64 * 64 * 3 + 5;
        let mut storage = vec![u64::MAX; words_needed(bits) as usize + 1];
        let (mut tree, rest) = SummaryBitmap::new(&mut storage, bits).unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(tree.next_set(0), None);
        tree.assign(bits - 1, true);
        tree.assign(5000, true);
        tree.assign(77, true);
        assert_eq!(tree.next_set(0), Some(77));
        assert_eq!(tree.next_set(77), Some(77));
        assert_eq!(tree.next_set(78), Some(5000));
        assert_eq!(tree.next_set(5001), Some(bits - 1));
        assert_eq!(tree.next_set(bits), None);
        tree.assign(5000, false);
        assert_eq!(tree.next_set(78), Some(bits - 1));
        assert!(tree.get(77) && !tree.get(5000));
    }

    #[test]
    fn clearing_the_last_bit_of_a_word_clears_its_summary() {
        let bits = 64 * 64 * 64 * 2;
        let mut storage = vec![0; words_needed(bits) as usize];
        let (mut tree, _) = SummaryBitmap::new(&mut storage, bits).unwrap();
        tree.set_leaf_word(4000, 0b1010);
        tree.set_leaf_word(4000, 0b1000);
        assert_eq!(tree.next_set(0), Some(4000 * 64 + 3));
        tree.set_leaf_word(4000, 0);
        assert_eq!(tree.next_set(0), None);
        assert!(
            tree.levels[1..tree.used_levels]
                .iter()
                .all(|level| level.iter().all(|&w| w == 0))
        );
    }

    #[test]
    fn set_and_clear_bits_return_the_old_word_and_keep_summaries() {
        let bits = 64 * 64 * 64 * 2;
        let mut storage = vec![0; words_needed(bits) as usize];
        let (mut tree, _) = SummaryBitmap::new(&mut storage, bits).unwrap();
        assert_eq!(tree.set_bits(5000, 0b100), Some(0));
        assert_eq!(tree.set_bits(5000, 0b001), Some(0b100));
        assert_eq!(tree.next_set(0), Some(5000 * 64));
        assert_eq!(tree.clear_bits(5000, 0b001), Some(0b101));
        assert_eq!(tree.next_set(0), Some(5000 * 64 + 2));
        assert_eq!(tree.clear_bits(5000, 0b100), Some(0b100));
        assert_eq!(tree.next_set(0), None);
        assert_eq!(tree.set_bits(usize::MAX, 1), None);
        assert_eq!(tree.clear_bits(usize::MAX, 1), None);
    }
}
