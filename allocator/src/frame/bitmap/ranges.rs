//! Memory-map ranges: handing RAM to the frame allocator and reserving it.
//!
//! At boot the kernel walks the firmware's memory map and hands every usable
//! RAM range to the allocator, then reserves what it already occupies: its
//! own image, boot data, the allocator's metadata. The two round in opposite
//! directions on purpose. A usable range gives only the frames it covers
//! entirely (a partial frame may share its page with firmware data); a
//! reserved range takes every frame it touches (a partial frame still holds
//! something the kernel needs).

use super::{FrameAllocator, set_word, word_at};
use crate::addr::{FrameCount, PhysAddr};
use crate::frame::words::WordSpans;

impl FrameAllocator<'_> {
    /// Hands the whole frames inside `[start, end)` to the allocator as usable
    /// and free (rounds inward; clamps to the frame limit); returns how many
    /// frames were newly added. Frames already usable, and reserved frames,
    /// are skipped.
    pub fn add_usable_range(&mut self, start: PhysAddr, end: PhysAddr) -> FrameCount {
        let limit = self.frame_limit.0;
        let first = start.frame_at_or_after().0.min(limit);
        let stop = end.containing_frame().0.min(limit);
        let mut added = 0;
        for (word, mask) in WordSpans::new(first, stop) {
            let new = mask & !word_at(self.usable, word) & !word_at(self.reserved, word);
            if new != 0 {
                set_word(self.usable, word, word_at(self.usable, word) | new);
                self.set_free_word(word, self.free.leaf_word(word) | new);
                added += u64::from(new.count_ones());
            }
        }
        self.usable_count += added;
        self.free_count += added;
        self.search_start = self.search_start.min(first);
        FrameCount(added)
    }

    /// Takes every frame overlapping `[start, end)` out of use for good
    /// (rounds outward; clamps to the frame limit): kernel image, boot data,
    /// the metadata itself. Returns how many usable frames were removed.
    ///
    /// A frame that is currently allocated may be reserved too; it then
    /// stops counting as used, and giving it back fails with
    /// [`FrameError::Reserved`](crate::frame::FrameError::Reserved).
    pub fn reserve_range(&mut self, start: PhysAddr, end: PhysAddr) -> FrameCount {
        let limit = self.frame_limit.0;
        let first = start.containing_frame().0.min(limit);
        let stop = end.frame_at_or_after().0.min(limit);
        let mut removed = 0;
        for (word, mask) in WordSpans::new(first, stop) {
            set_word(self.reserved, word, word_at(self.reserved, word) | mask);
            let taken = word_at(self.usable, word) & mask;
            if taken != 0 {
                set_word(self.usable, word, word_at(self.usable, word) & !taken);
                let free = self.free.leaf_word(word);
                self.set_free_word(word, free & !taken);
                self.free_count -= u64::from((free & taken).count_ones());
                removed += u64::from(taken.count_ones());
            }
        }
        self.usable_count -= removed;
        FrameCount(removed)
    }
}

#[cfg(test)]
mod tests {
    use crate::addr::{FrameCount, FrameNumber, PhysAddr};
    use crate::frame::bitmap::tests::{addr, with_frames};
    use crate::frame::error::FrameError;

    #[test]
    fn usable_ranges_round_inward_and_clamp_to_the_limit() {
        with_frames(100, &[], |frames| {
            let added = frames.add_usable_range(PhysAddr(4095), PhysAddr(3 * 4096 + 4095));
            assert_eq!(added, FrameCount(2));
            assert!(!frames.is_usable(FrameNumber(0)) && !frames.is_usable(FrameNumber(3)));
            assert_eq!(frames.add_usable_range(addr(2), addr(5)), FrameCount(2));
            assert_eq!(
                frames.add_usable_range(addr(90), PhysAddr(u64::MAX)),
                FrameCount(10)
            );
            assert_eq!(frames.add_usable_range(addr(9), addr(5)), FrameCount(0));
        });
    }

    #[test]
    fn reserved_ranges_round_outward_and_stay_reserved() {
        with_frames(100, &[(0, 100)], |frames| {
            let removed = frames.reserve_range(PhysAddr(4095), PhysAddr(2 * 4096 + 1));
            assert_eq!(removed, FrameCount(3));
            assert_eq!(frames.add_usable_range(addr(0), addr(100)), FrameCount(0));
            assert_eq!(frames.allocate(), Ok(FrameNumber(3)));
            assert_eq!(frames.reserve_range(addr(3), addr(4)), FrameCount(1));
            assert_eq!(
                frames.free(FrameNumber(3)),
                Err(FrameError::Reserved(FrameNumber(3)))
            );
            assert_eq!(frames.stats().usable, FrameCount(96));
            assert_eq!(frames.stats().used, FrameCount(0));
        });
    }
}
