//! Contiguous runs of frames: aligned allocation and all-or-nothing freeing.
//!
//! A 2 MiB page needs 512 physically contiguous frames starting at a multiple
//! of 512; DMA buffers and page-table pools ask for smaller aligned runs.
//! Searching for the lowest such run is the one part of the frame allocator
//! that can look at more than one candidate, so it lives here, apart from the
//! single-frame fast path in `single.rs`.
//!
//! The search keeps a cursor below which every aligned start has been ruled
//! out. It asks the summary tree for the next possible start, rounds it up to
//! the alignment and checks the run a word at a time; on a busy frame it moves
//! the cursor just past it, since no run starting at or before that frame can
//! contain it. Runs of at least 64 frames aligned to at least 64 must start
//! on a fully free word, so they search the "full" tree and skip partly used
//! words entirely.

use super::{FrameAllocator, frame_of, word_at};
use crate::addr::{FrameCount, FrameNumber};
use crate::frame::error::FrameError;
use crate::frame::summary::WORD_BITS;
use crate::frame::words::WordSpans;

impl FrameAllocator<'_> {
    /// Takes the lowest run of `count` free frames whose first frame is a
    /// multiple of `align` (a power of two, in frames).
    pub fn allocate_contiguous(
        &mut self,
        count: FrameCount,
        align: FrameCount,
    ) -> Result<FrameNumber, FrameError> {
        if count.0 == 0 {
            return Err(FrameError::ZeroCount);
        }
        if !align.0.is_power_of_two() {
            return Err(FrameError::BadAlignment(align));
        }
        let no_run = FrameError::NoContiguousRun { count, align };
        // Every aligned start below `cursor` has been ruled out.
        let mut cursor = 0;
        loop {
            let start = self
                .next_candidate(cursor, count.0, align.0)
                .ok_or(no_run)?;
            let end = start
                .checked_add(count.0)
                .filter(|&end| end <= self.frame_limit.0);
            let end = end.ok_or(no_run)?; // Later candidates would end even higher.
            match self.first_not_free(start, end) {
                None => {
                    self.take_run(start, end);
                    return Ok(FrameNumber(start));
                }
                // No run starting at or before `busy` can contain it and fit.
                Some(busy) => cursor = busy + 1,
            }
        }
    }

    /// Gives back the frames `first .. first + count`. All-or-nothing: checks
    /// every frame first, frees none on error, and reports the lowest frame
    /// at fault.
    pub fn free_contiguous(
        &mut self,
        first: FrameNumber,
        count: FrameCount,
    ) -> Result<(), FrameError> {
        if count.0 == 0 {
            return Err(FrameError::ZeroCount);
        }
        let limit = self.frame_limit;
        let end = first.0.checked_add(count.0).filter(|&end| end <= limit.0);
        let end = end.ok_or(FrameError::BeyondLimit {
            frame: FrameNumber(first.0.max(limit.0)),
            limit,
        })?;
        if let Some(error) = self.first_unfreeable(first.0, end) {
            return Err(error);
        }
        self.give_run(first.0, end);
        Ok(())
    }

    /// The next start at or after `cursor` worth checking for a run, aligned
    /// to `align`. Runs of ≥ 64 frames aligned to ≥ 64 start on a fully free
    /// word; anything else starts on a free frame.
    fn next_candidate(&self, cursor: u64, count: u64, align: u64) -> Option<u64> {
        let first_free = if count >= WORD_BITS && align >= WORD_BITS {
            self.full.next_set(cursor.div_ceil(WORD_BITS))? * WORD_BITS
        } else {
            self.free.next_set(cursor)?
        };
        first_free.checked_next_multiple_of(align)
    }

    /// The lowest frame in `[start, end)` that is not free, if any.
    fn first_not_free(&self, start: u64, end: u64) -> Option<u64> {
        WordSpans::new(start, end).find_map(|(word, mask)| {
            let busy = mask & !self.free.leaf_word(word);
            (busy != 0).then(|| frame_of(word, busy))
        })
    }

    /// The error for the lowest frame in `[start, end)` that cannot be freed.
    fn first_unfreeable(&self, start: u64, end: u64) -> Option<FrameError> {
        let (word, bad) = WordSpans::new(start, end).find_map(|(word, mask)| {
            let not_used = !word_at(self.usable, word) | self.free.leaf_word(word);
            let bad = mask & (word_at(self.reserved, word) | not_used);
            (bad != 0).then_some((word, bad))
        })?;
        Some(self.why_unfreeable(FrameNumber(frame_of(word, bad))))
    }
}

#[cfg(test)]
mod tests {
    use crate::addr::{FrameCount, FrameNumber};
    use crate::frame::bitmap::tests::{addr, with_frames};
    use crate::frame::error::FrameError;

    #[test]
    fn contiguous_runs_are_the_lowest_aligned_fit() {
        with_frames(4096, &[(3, 4096)], |frames| {
            let one = FrameCount(1);
            assert_eq!(
                frames.allocate_contiguous(FrameCount(5), one),
                Ok(FrameNumber(3))
            );
            assert_eq!(
                frames.allocate_contiguous(FrameCount(3), FrameCount(8)),
                Ok(FrameNumber(8))
            );
            assert_eq!(
                frames.allocate_contiguous(FrameCount(70), FrameCount(64)),
                Ok(FrameNumber(64))
            );
            assert_eq!(
                frames.allocate_contiguous(FrameCount(2), FrameCount(4)),
                Ok(FrameNumber(12))
            );
            assert_eq!(
                frames.allocate_contiguous(FrameCount(100), one),
                Ok(FrameNumber(134))
            );
        });
    }

    #[test]
    fn a_2_mib_run_skips_fragmented_memory() {
        with_frames(4096, &[(0, 4096)], |frames| {
            for busy in (1..2000).step_by(100) {
                frames.reserve_range(addr(busy), addr(busy + 1));
            }
            let run = frames.allocate_contiguous(FrameCount(512), FrameCount(512));
            assert_eq!(run, Ok(FrameNumber(2048)));
            assert!((2048..2560).all(|frame| !frames.is_free(FrameNumber(frame))));
            let run = frames.allocate_contiguous(FrameCount(512), FrameCount(512));
            assert_eq!(run, Ok(FrameNumber(2560)));
        });
    }

    #[test]
    fn free_contiguous_frees_all_or_nothing() {
        with_frames(200, &[(0, 200)], |frames| {
            let run = frames
                .allocate_contiguous(FrameCount(10), FrameCount(1))
                .unwrap();
            let wider = frames.free_contiguous(run, FrameCount(11));
            assert_eq!(wider, Err(FrameError::DoubleFree(FrameNumber(10))));
            assert!((0..10).all(|frame| !frames.is_free(FrameNumber(frame))));
            assert_eq!(frames.free_contiguous(run, FrameCount(10)), Ok(()));
            assert_eq!(frames.stats().used, FrameCount(0));
        });
    }

    #[test]
    fn bad_requests_are_refused() {
        with_frames(100, &[(0, 100)], |frames| {
            let zero = frames.allocate_contiguous(FrameCount(0), FrameCount(1));
            assert_eq!(zero, Err(FrameError::ZeroCount));
            let odd = frames.allocate_contiguous(FrameCount(1), FrameCount(3));
            assert_eq!(odd, Err(FrameError::BadAlignment(FrameCount(3))));
            let none = frames.allocate_contiguous(FrameCount(1), FrameCount(0));
            assert_eq!(none, Err(FrameError::BadAlignment(FrameCount(0))));
            let huge = frames.allocate_contiguous(FrameCount(u64::MAX), FrameCount(1 << 63));
            assert!(matches!(huge, Err(FrameError::NoContiguousRun { .. })));
            let free = frames.free_contiguous(FrameNumber(0), FrameCount(0));
            assert_eq!(free, Err(FrameError::ZeroCount));
        });
    }
}
