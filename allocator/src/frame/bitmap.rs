//! The physical frame allocator: usable RAM as bitmaps with summary levels.
//!
//! [`FrameAllocator`] owns the usable RAM of a memory map, minus what the
//! kernel reserves, and hands it out as 4 KiB frames or as aligned runs of
//! frames (a 2 MiB page is 512 frames aligned to 512). It always returns the
//! *lowest* free frame, and the lowest aligned run that fits: during boot
//! only low memory is mapped, and the kernel relies on that.
//!
//! The structure, the frame states and the costs are documented on
//! [`FrameAllocator`] itself, where `cargo doc` shows them.

use super::FrameSource;
use super::error::FrameError;
use super::summary::{self, SummaryBitmap, WORD_BITS};
use super::words::WordSpans;
use crate::addr::{FrameCount, FrameNumber};
use core::fmt;

mod ranges;
mod runs;
mod single;

/// How many frames the allocator manages and how many of them are free.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameStats {
    /// Frames of usable RAM owned by the allocator (free or used).
    pub usable: FrameCount,
    /// Usable frames free to allocate.
    pub free: FrameCount,
    /// Usable frames handed out: `usable - free`.
    pub used: FrameCount,
}

/// Hands out physical frames, lowest address first.
///
/// # Frame states
///
/// ```text
///                 add_usable_range           allocate
///   not usable ───────────────────▶ free ──────────────▶ used
///        │                           ▲  ◀──────────────   │
///        │ reserve_range             │       free         │ reserve_range
///        ▼                           │ reserve_range      ▼
///    reserved ◀──────────────────────┴──────────────── reserved
/// ```
///
/// Every frame starts *not usable*. Reserved frames never come back: a later
/// [`add_usable_range`](FrameAllocator::add_usable_range) skips them, so an
/// overlapping memory-map entry cannot hand out the kernel image.
///
/// # Data structure, and why
///
/// Four bitmaps, all in caller-provided storage (no heap exists yet at boot):
/// - **free**: one bit per frame, set = free, with "any bit set" summary
///   levels on top (a 64-ary tree, see `frame/summary.rs`). Finding
///   the lowest free frame is a climb and a descent of that tree.
/// - **full**: one bit per 64-frame word of *free*, set = all 64 frames free,
///   with its own summary levels. Runs of 64 frames or more aligned to 64 or
///   more (2 MiB pages) start on a fully free word, so their search jumps from
///   one fully free word to the next and skips fragmented memory.
/// - **usable** and **reserved**: one plain bit per frame each, so a bad free
///   can be told apart: [`FrameError::NotUsable`], [`FrameError::Reserved`],
///   [`FrameError::DoubleFree`].
///
/// A buddy allocator would also give O(log n) runs, but needs free lists
/// threaded through the frames themselves (so every frame must be mapped) and
/// cannot easily give the lowest address first. A bitmap tree keeps all state
/// in one small array and makes "lowest first" the natural order.
///
/// # Costs
///
/// With n frames and L = ⌈log₆₄ n⌉ tree levels (L = 4 for 8 GiB):
/// - [`allocate`](FrameAllocator::allocate), [`free`](FrameAllocator::free):
///   O(L), at most 2L word reads and L word writes in each tree. Usually
///   O(1): `allocate` first looks in the word of the lowest possibly free
///   frame (see `bitmap/single.rs`), and a summary level is only written when
///   a word turns empty, non-empty, full or not full. Measured: one
///   `allocate` plus its `free` costs 135 guest instructions (median of 1,000,
///   down from 447 with the generic run paths), from the kernel's
///   `mode=baseline` `frame_alloc_free` built with the `kernel` profile
///   (release with debug assertions and overflow checks), in QEMU 7.2 TCG
///   with `-icount shift=0,sleep=off`, where the TSC counts instructions.
/// - [`allocate_contiguous`](FrameAllocator::allocate_contiguous) of `count`
///   frames: O(L + count/64) per candidate start examined. Each rejected
///   candidate is skipped past its first busy frame, so the candidates are at
///   most one per free fragment below the result (for runs of ≥ 64 frames
///   aligned to ≥ 64: one per run of fully free words). With an unfragmented
///   2 MiB block available that is one or two candidates; the worst case, on
///   badly fragmented memory, is linear in the number of fragments.
/// - [`free_contiguous`](FrameAllocator::free_contiguous): O(count/64 · L).
/// - [`add_usable_range`](FrameAllocator::add_usable_range),
///   [`reserve_range`](FrameAllocator::reserve_range): O(frames/64 · L).
/// - [`is_free`](FrameAllocator::is_free), [`stats`](FrameAllocator::stats):
///   O(1); free and usable frames are counted as they change.
///
/// Metadata: three bits per frame (free, usable, reserved), plus about 1/32
/// bit for the summary levels and the full bitmap: 3.03 bits per 32,768 bits
/// of RAM, about 0.0093 % of the RAM managed. For 8 GiB (2,097,152 frames) that is
/// 99,346 words = 794,768 bytes (776 KiB); the unit test
/// `metadata_for_8_gib_is_under_one_percent` checks it.
pub struct FrameAllocator<'m> {
    /// One bit per frame, set = free, with summary levels.
    free: SummaryBitmap<'m>,
    /// One bit per word of `free`, set = all 64 frames free, with summaries.
    full: SummaryBitmap<'m>,
    /// One bit per frame, set = usable RAM owned by the allocator. Never set
    /// for a reserved frame.
    usable: &'m mut [u64],
    /// One bit per frame, set = reserved for good.
    reserved: &'m mut [u64],
    /// Frames `0..frame_limit` are managed.
    frame_limit: FrameNumber,
    /// Number of set bits in `usable`.
    usable_count: u64,
    /// Number of set bits in `free`.
    free_count: u64,
    /// No frame below this one is free: [`allocate`](Self::allocate) starts
    /// its search here. Raised by `allocate`, lowered by every free.
    search_start: u64,
}

impl<'m> FrameAllocator<'m> {
    /// Number of u64 words of metadata needed to manage frames
    /// `0..frame_limit` (saturates at `usize::MAX` if it cannot fit).
    pub const fn metadata_words(frame_limit: FrameNumber) -> usize {
        let frame_words = frame_limit.0.div_ceil(WORD_BITS);
        let total = summary::words_needed(frame_limit.0)
            + summary::words_needed(frame_words)
            + 2 * frame_words;
        if total > usize::MAX as u64 {
            usize::MAX
        } else {
            total as usize
        }
    }

    /// Builds an allocator for frames `0..frame_limit` in `metadata`, with
    /// every frame not usable yet: hand it RAM with
    /// [`add_usable_range`](Self::add_usable_range).
    ///
    /// `metadata` may be longer than [`metadata_words`](Self::metadata_words);
    /// the rest is unused. Fails with [`FrameError::MetadataTooSmall`] if it
    /// is shorter.
    pub fn new(metadata: &'m mut [u64], frame_limit: FrameNumber) -> Result<Self, FrameError> {
        let too_small = FrameError::MetadataTooSmall {
            needed: Self::metadata_words(frame_limit),
            given: metadata.len(),
        };
        let frame_words = frame_limit.0.div_ceil(WORD_BITS);
        let (free, rest) = SummaryBitmap::new(metadata, frame_limit.0).ok_or(too_small)?;
        let (full, rest) = SummaryBitmap::new(rest, frame_words).ok_or(too_small)?;
        let frame_words = usize::try_from(frame_words).map_err(|_| too_small)?;
        let (usable, rest) = rest.split_at_mut_checked(frame_words).ok_or(too_small)?;
        let (reserved, _) = rest.split_at_mut_checked(frame_words).ok_or(too_small)?;
        usable.fill(0);
        reserved.fill(0);
        Ok(Self {
            free,
            full,
            usable,
            reserved,
            frame_limit,
            usable_count: 0,
            free_count: 0,
            search_start: 0,
        })
    }

    /// Whether `frame` is usable and free (false beyond the limit).
    pub fn is_free(&self, frame: FrameNumber) -> bool {
        frame < self.frame_limit && self.free.get(frame.0)
    }

    /// Whether `frame` is usable RAM owned by the allocator, free or used.
    pub fn is_usable(&self, frame: FrameNumber) -> bool {
        frame < self.frame_limit && bit_at(self.usable, frame.0)
    }

    /// How many frames are usable, free and used.
    pub fn stats(&self) -> FrameStats {
        FrameStats {
            usable: FrameCount(self.usable_count),
            free: FrameCount(self.free_count),
            used: FrameCount(self.usable_count - self.free_count),
        }
    }

    /// Frames `0..frame_limit` are managed.
    pub fn frame_limit(&self) -> FrameNumber {
        self.frame_limit
    }

    /// Marks the free frames `[start, end)` used.
    fn take_run(&mut self, start: u64, end: u64) {
        for (word, mask) in WordSpans::new(start, end) {
            self.set_free_word(word, self.free.leaf_word(word) & !mask);
        }
        self.free_count -= end - start;
    }

    /// Marks the used frames `[start, end)` free.
    fn give_run(&mut self, start: u64, end: u64) {
        for (word, mask) in WordSpans::new(start, end) {
            self.set_free_word(word, self.free.leaf_word(word) | mask);
        }
        self.free_count += end - start;
        self.search_start = self.search_start.min(start);
    }

    /// Replaces word `word` of the free bitmap and keeps the "fully free"
    /// bitmap in step.
    fn set_free_word(&mut self, word: usize, value: u64) {
        self.free.set_leaf_word(word, value);
        self.full.assign(word as u64, value == u64::MAX);
    }
}

impl fmt::Debug for FrameAllocator<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameAllocator")
            .field("frame_limit", &self.frame_limit)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl FrameSource for FrameAllocator<'_> {
    fn allocate_frame(&mut self) -> Result<FrameNumber, FrameError> {
        self.allocate()
    }

    fn free_frame(&mut self, frame: FrameNumber) -> Result<(), FrameError> {
        self.free(frame)
    }

    fn allocate_large_frame(&mut self) -> Result<FrameNumber, FrameError> {
        let frames = FrameCount(crate::large_page::PAGES_PER_LARGE_PAGE);
        self.allocate_contiguous(frames, frames)
    }
}

/// The frame of the lowest set bit of `bits`, a nonzero mask of word `word`.
fn frame_of(word: usize, bits: u64) -> u64 {
    word as u64 * WORD_BITS + u64::from(bits.trailing_zeros())
}

/// Word `word` of a plain bitmap (0 beyond the end).
fn word_at(bitmap: &[u64], word: usize) -> u64 {
    bitmap.get(word).copied().unwrap_or(0)
}

/// Replaces word `word` of a plain bitmap; does nothing beyond the end.
fn set_word(bitmap: &mut [u64], word: usize, value: u64) {
    if let Some(slot) = bitmap.get_mut(word) {
        *slot = value;
    }
}

/// Bit `bit` of a plain bitmap (false beyond the end).
fn bit_at(bitmap: &[u64], bit: u64) -> bool {
    let word = usize::try_from(bit / WORD_BITS).unwrap_or(usize::MAX);
    word_at(bitmap, word) & (1 << (bit % WORD_BITS)) != 0
}

#[cfg(test)]
mod tests {
    extern crate alloc;

    use super::*;
    use crate::addr::PhysAddr;
    use alloc::vec;

    /// Runs `test` on an allocator for `limit` frames with `usable` frame
    /// ranges added.
    pub(super) fn with_frames(
        limit: u64,
        usable: &[(u64, u64)],
        test: impl FnOnce(&mut FrameAllocator),
    ) {
        let mut metadata = vec![0; FrameAllocator::metadata_words(FrameNumber(limit))];
        let mut frames = FrameAllocator::new(&mut metadata, FrameNumber(limit)).unwrap();
        for &(first, end) in usable {
            frames.add_usable_range(addr(first), addr(end));
        }
        test(&mut frames);
    }

    pub(super) fn addr(frame: u64) -> PhysAddr {
        FrameNumber(frame).start_address()
    }

    #[test]
    fn stats_count_usable_free_and_used_frames() {
        with_frames(1000, &[(0, 300)], |frames| {
            frames
                .allocate_contiguous(FrameCount(100), FrameCount(64))
                .unwrap();
            frames.allocate().unwrap();
            frames.reserve_range(addr(250), addr(400));
            let expected = FrameStats {
                usable: FrameCount(250),
                free: FrameCount(149),
                used: FrameCount(101),
            };
            assert_eq!(frames.stats(), expected);
        });
    }

    #[test]
    fn metadata_that_is_too_small_is_refused() {
        let limit = FrameNumber(1000);
        let needed = FrameAllocator::metadata_words(limit);
        let mut metadata = vec![0; needed - 1];
        let error = FrameAllocator::new(&mut metadata, limit).unwrap_err();
        assert_eq!(
            error,
            FrameError::MetadataTooSmall {
                needed,
                given: needed - 1
            }
        );
        let absurd = FrameAllocator::new(&mut metadata, FrameNumber(u64::MAX));
        assert!(matches!(absurd, Err(FrameError::MetadataTooSmall { .. })));
    }

    #[test]
    fn metadata_for_8_gib_is_under_one_percent() {
        const RAM: u64 = 8 << 30;
        let limit = FrameNumber(RAM / crate::addr::PAGE_SIZE);
        let words = FrameAllocator::metadata_words(limit);
        assert_eq!(words, 99_346);
        let bytes = words as u64 * 8;
        assert!(bytes * 100 <= RAM, "{bytes} bytes of metadata");
        let mut metadata = vec![0; words];
        let mut frames = FrameAllocator::new(&mut metadata, limit).unwrap();
        assert_eq!(
            frames.add_usable_range(PhysAddr(0), PhysAddr(RAM)),
            FrameCount(limit.0)
        );
        let top = frames.allocate_contiguous(FrameCount(512), FrameCount(512 * 2048));
        assert_eq!(top, Ok(FrameNumber(0)));
    }
}
