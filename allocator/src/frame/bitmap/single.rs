//! Single frames: the fast path of [`allocate`](FrameAllocator::allocate)
//! and [`free`](FrameAllocator::free).
//!
//! Most traffic is one frame at a time (page tables, single 4 KiB pages), so
//! these two skip the general run machinery of `runs.rs`: each reads one word
//! per bitmap, flips one bit, and touches a summary level only when that flip
//! changes a word between empty and non-empty, or between full and not full.
//!
//! `allocate` starts at `search_start`, below which no frame is free. Right
//! after a free that is the freed frame itself, so the usual allocate, free,
//! allocate cycle finds its frame in the first word it reads; otherwise the
//! summary tree takes over from there. Every path that frees a frame lowers
//! `search_start`, so the lowest free frame is always at or after it.

use super::{FrameAllocator, bit_at, frame_of, word_at};
use crate::addr::FrameNumber;
use crate::frame::error::FrameError;
use crate::frame::summary::WORD_BITS;

impl FrameAllocator<'_> {
    /// Takes the lowest-numbered free frame.
    pub fn allocate(&mut self) -> Result<FrameNumber, FrameError> {
        let (word, mask) = self.lowest_free().ok_or(FrameError::OutOfFrames)?;
        let frame = frame_of(word, mask);
        self.take_frame(word, mask);
        self.search_start = frame + 1;
        Ok(FrameNumber(frame))
    }

    /// Gives back one frame taken with [`allocate`](Self::allocate) or as part
    /// of a run. Fails, changing nothing, if `frame` is beyond the limit,
    /// reserved, not usable, or already free (checked in that order).
    pub fn free(&mut self, frame: FrameNumber) -> Result<(), FrameError> {
        let limit = self.frame_limit;
        if frame >= limit {
            return Err(FrameError::BeyondLimit { frame, limit });
        }
        let (word, mask) = split(frame.0);
        // A reserved frame is never usable, so "usable and not free" also
        // rules out reserved frames.
        let in_use = word_at(self.usable, word) & !self.free.leaf_word(word);
        if in_use & mask == 0 {
            return Err(self.why_unfreeable(frame));
        }
        self.give_frame(word, mask);
        self.search_start = self.search_start.min(frame.0);
        Ok(())
    }

    /// Why `frame`, within the limit, cannot be freed (assuming it cannot).
    pub(super) fn why_unfreeable(&self, frame: FrameNumber) -> FrameError {
        if bit_at(self.reserved, frame.0) {
            FrameError::Reserved(frame)
        } else if !bit_at(self.usable, frame.0) {
            FrameError::NotUsable(frame)
        } else {
            FrameError::DoubleFree(frame)
        }
    }

    /// The word and one-bit mask of the lowest free frame, if any.
    fn lowest_free(&self) -> Option<(usize, u64)> {
        // LAB(frame-bitmap): begin
        let start = self.search_start;
        let (word, _) = split(start);
        let bits = self.free.leaf_word(word) & (u64::MAX << (start % WORD_BITS));
        if bits != 0 {
            return Some((word, bits & bits.wrapping_neg()));
        }
        self.free.next_set(start).map(split)
        // LAB(frame-bitmap): end
    }

    /// Marks the free frame at bit `mask` of word `word` used.
    fn take_frame(&mut self, word: usize, mask: u64) {
        if self.free.clear_bits(word, mask) == Some(u64::MAX) {
            let (full_word, full_mask) = split(word as u64);
            self.full.clear_bits(full_word, full_mask);
        }
        self.free_count -= 1;
    }

    /// Marks the used frame at bit `mask` of word `word` free.
    fn give_frame(&mut self, word: usize, mask: u64) {
        if self.free.set_bits(word, mask).map(|old| old | mask) == Some(u64::MAX) {
            let (full_word, full_mask) = split(word as u64);
            self.full.set_bits(full_word, full_mask);
        }
        self.free_count += 1;
    }
}

/// Bit `bit` of a bitmap as its word index and one-bit mask. An index that
/// does not fit a `usize` becomes `usize::MAX`, beyond the end of any bitmap.
fn split(bit: u64) -> (usize, u64) {
    let word = usize::try_from(bit / WORD_BITS).unwrap_or(usize::MAX);
    (word, 1 << (bit % WORD_BITS))
}

#[cfg(test)]
mod tests {
    extern crate alloc;

    use crate::addr::{FrameCount, FrameNumber};
    use crate::frame::bitmap::tests::{addr, with_frames};
    use crate::frame::error::FrameError;
    use alloc::vec::Vec;

    #[test]
    fn allocate_returns_the_lowest_free_frame() {
        with_frames(1000, &[(700, 800), (10, 20)], |frames| {
            assert_eq!(frames.allocate(), Ok(FrameNumber(10)));
            assert_eq!(frames.allocate(), Ok(FrameNumber(11)));
            frames.free(FrameNumber(10)).unwrap();
            assert_eq!(frames.allocate(), Ok(FrameNumber(10)));
            let rest: Vec<_> = (0..8).map(|_| frames.allocate().unwrap().0).collect();
            assert_eq!(rest, [12, 13, 14, 15, 16, 17, 18, 19]);
            assert_eq!(frames.allocate(), Ok(FrameNumber(700)));
        });
    }

    #[test]
    fn a_double_free_is_refused() {
        with_frames(100, &[(0, 100)], |frames| {
            let frame = frames.allocate().unwrap();
            assert_eq!(frames.free(frame), Ok(()));
            assert_eq!(frames.free(frame), Err(FrameError::DoubleFree(frame)));
            assert_eq!(
                frames.free(FrameNumber(50)),
                Err(FrameError::DoubleFree(FrameNumber(50)))
            );
        });
    }

    #[test]
    fn freeing_a_frame_never_usable_is_refused() {
        with_frames(100, &[(10, 100)], |frames| {
            assert_eq!(
                frames.free(FrameNumber(3)),
                Err(FrameError::NotUsable(FrameNumber(3)))
            );
            let beyond = FrameError::BeyondLimit {
                frame: FrameNumber(100),
                limit: FrameNumber(100),
            };
            assert_eq!(frames.free(FrameNumber(100)), Err(beyond));
            assert_eq!(
                frames.free_contiguous(FrameNumber(99), FrameCount(2)),
                Err(beyond)
            );
            let overflow = frames.free_contiguous(FrameNumber(u64::MAX), FrameCount(2));
            assert!(matches!(overflow, Err(FrameError::BeyondLimit { .. })));
        });
    }

    #[test]
    fn exhaustion_is_an_error_not_a_panic() {
        with_frames(130, &[(1, 66), (100, 130)], |frames| {
            for _ in 0..95 {
                frames.allocate().unwrap();
            }
            assert_eq!(frames.allocate(), Err(FrameError::OutOfFrames));
            let run = frames.allocate_contiguous(FrameCount(1), FrameCount(1));
            assert!(matches!(run, Err(FrameError::NoContiguousRun { .. })));
        });
        with_frames(0, &[(0, 10)], |frames| {
            assert_eq!(frames.allocate(), Err(FrameError::OutOfFrames));
        });
    }

    #[test]
    fn every_way_of_freeing_lowers_the_search_start() {
        with_frames(300, &[(100, 300)], |frames| {
            assert_eq!(frames.allocate(), Ok(FrameNumber(100)));
            frames.add_usable_range(addr(5), addr(6));
            assert_eq!(frames.allocate(), Ok(FrameNumber(5)));
            let run = frames.allocate_contiguous(FrameCount(10), FrameCount(1));
            assert_eq!(run, Ok(FrameNumber(101)));
            assert_eq!(frames.allocate(), Ok(FrameNumber(111)));
            frames
                .free_contiguous(FrameNumber(101), FrameCount(10))
                .unwrap();
            assert_eq!(frames.allocate(), Ok(FrameNumber(101)));
            frames.free(FrameNumber(5)).unwrap();
            assert_eq!(frames.allocate(), Ok(FrameNumber(5)));
        });
    }

    #[test]
    fn a_full_word_stays_in_step_with_single_frames() {
        with_frames(256, &[(0, 256)], |frames| {
            assert_eq!(frames.allocate(), Ok(FrameNumber(0)));
            let run = frames.allocate_contiguous(FrameCount(64), FrameCount(64));
            assert_eq!(run, Ok(FrameNumber(64)));
            frames.free(FrameNumber(0)).unwrap();
            let run = frames.allocate_contiguous(FrameCount(64), FrameCount(64));
            assert_eq!(run, Ok(FrameNumber(0)));
            assert_eq!(frames.allocate(), Ok(FrameNumber(128)));
            let run = frames.allocate_contiguous(FrameCount(64), FrameCount(64));
            assert_eq!(run, Ok(FrameNumber(192)));
        });
    }
}
