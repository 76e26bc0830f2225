//! Reference counts of the frames that [`crate::LargeAllocator::duplicate`]
//! shares, in a fixed table with no heap.
//!
//! A frame the engine hands to one page only (the usual case) is in no
//! table: it has one reference, its mapping. When `duplicate` maps a
//! written frame at a second page, both mappings become read-only and the
//! frame enters this table with its exact number of mappings. From then on
//! the table answers two questions:
//!
//! - **Is this frame shared?** A write to a read-only page whose frame is
//!   here is copy-on-write: with more than one reference the writer gets a
//!   copy; with one it takes the frame over and it leaves the table.
//! - **May it be freed?** Unmapping a page drops one reference; the frame
//!   goes back to the frame source only when the last one is dropped.
//!
//! An entry whose count fell to one stays until that last mapping takes
//! the frame over or lets it go: its page is still read-only and still
//! holds data, so a read-only entry that is *not* in the table keeps
//! meaning what it meant before sharing existed (a clean page under the
//! software dirty strategy). The cache relies on it: it never zeroes a
//! frame that is here in place, it unmaps the page instead (`duplicate.rs`).
//!
//! ```text
//!   exclusive ──duplicate──► shared, count n ≥ 2 ──drop / copy──► count n-1
//!   (not here)               (every mapping RO)                     │
//!       ▲                                                           ▼
//!       └───── take over (last mapping writes) ◄──────── count 1 (RO, data)
//!                                           drop at 1: frame freed ──►
//! ```
//!
//! The table is open addressing with linear probing and backward-shift
//! deletion (no tombstones, so a long run of shares and drops never slows
//! it down). It holds at most [`SHARED_FRAMES_MAX`] frames; sharing one
//! more is refused ([`ShareRefusal::TableFull`]), never silently dropped.

use crate::addr::FrameNumber;

/// Slots in the table: a power of two, so a hash is reduced with a mask.
const SLOTS: usize = 4096;

/// The most frames the table holds at once: three quarters of its slots,
/// so a probe stays short. 3,072 frames is 12 MiB of written data shared,
/// enough to duplicate 100 MiB of which 10 % was written.
pub const SHARED_FRAMES_MAX: usize = SLOTS / 4 * 3;

/// A slot's frame number when the slot is empty (no frame has this number:
/// the table stores frame numbers below it only).
const EMPTY: u32 = u32::MAX;

/// Why a frame could not be shared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ShareRefusal {
    /// The table already holds [`SHARED_FRAMES_MAX`] frames, or the frame
    /// number does not fit the table's 32-bit slots, or its count would
    /// overflow.
    TableFull,
}

/// What dropping a reference left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dropped {
    /// That was the last reference: the caller gives the frame back.
    Last,
    /// Other mappings still use the frame: it must stay as it is.
    StillUsed,
}

/// The reference counts of shared frames.
#[derive(Clone, Debug)]
pub(crate) struct SharedFrames {
    frames: [u32; SLOTS],
    counts: [u32; SLOTS],
    len: usize,
}

impl SharedFrames {
    /// An empty table: every frame exclusive.
    pub(crate) const fn new() -> SharedFrames {
        SharedFrames {
            frames: [EMPTY; SLOTS],
            counts: [0; SLOTS],
            len: 0,
        }
    }

    /// How many frames are in the table.
    pub(crate) const fn len(&self) -> usize {
        self.len
    }

    /// Whether no frame is shared: then every frame is its page's own, and
    /// the paths that must look frames up here can skip it.
    #[inline]
    pub(crate) const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The number of mappings of `frame` if it is in the table, else 0
    /// (an exclusive frame, or none at all).
    #[inline]
    pub(crate) fn references(&self, frame: FrameNumber) -> u32 {
        self.find(frame).map_or(0, |slot| self.counts[slot])
    }

    /// Counts one more mapping of `frame`: an exclusive frame enters the
    /// table with two (its old mapping and the new one). Returns the new
    /// count.
    pub(crate) fn share(&mut self, frame: FrameNumber) -> Result<u32, ShareRefusal> {
        if let Some(slot) = self.find(frame) {
            let count = self.counts[slot]
                .checked_add(1)
                .ok_or(ShareRefusal::TableFull)?;
            self.counts[slot] = count;
            return Ok(count);
        }
        let key = Self::key(frame).ok_or(ShareRefusal::TableFull)?;
        if self.len >= SHARED_FRAMES_MAX {
            return Err(ShareRefusal::TableFull);
        }
        let slot = self.probe(key, EMPTY).ok_or(ShareRefusal::TableFull)?;
        self.frames[slot] = key;
        self.counts[slot] = 2;
        self.len += 1;
        Ok(2)
    }

    /// Drops one mapping of `frame`. A frame not in the table had only
    /// that one ([`Dropped::Last`]); one in the table leaves it when its
    /// count reaches zero.
    #[inline]
    pub(crate) fn drop_reference(&mut self, frame: FrameNumber) -> Dropped {
        if self.is_empty() {
            return Dropped::Last;
        }
        self.drop_listed_reference(frame)
    }

    /// [`SharedFrames::drop_reference`] with a table that is not empty.
    /// Out of line, so that releasing pages while nothing is shared (every
    /// `free` and eviction) inlines no table search.
    #[inline(never)]
    fn drop_listed_reference(&mut self, frame: FrameNumber) -> Dropped {
        let Some(slot) = self.find(frame) else {
            return Dropped::Last;
        };
        let left = self.counts[slot] - 1;
        if left == 0 {
            self.remove(slot);
            return Dropped::Last;
        }
        self.counts[slot] = left;
        Dropped::StillUsed
    }

    /// Takes `frame` out of the table: its one remaining mapping owns it
    /// again. Returns whether it was there.
    pub(crate) fn take_over(&mut self, frame: FrameNumber) -> bool {
        match self.find(frame) {
            Some(slot) => {
                self.remove(slot);
                true
            }
            None => false,
        }
    }

    /// The slot holding `frame`, if any.
    #[inline]
    fn find(&self, frame: FrameNumber) -> Option<usize> {
        let key = Self::key(frame)?;
        self.probe(key, key)
    }

    /// The first slot of `key`'s probe run that holds `wanted` (the key
    /// itself, or [`EMPTY`] for a free slot), or `None` if the run ends at
    /// an empty slot first. At most `SLOTS` probes: the table is never
    /// full, so an empty slot ends every run sooner.
    fn probe(&self, key: u32, wanted: u32) -> Option<usize> {
        let mut slot = Self::home(key);
        for _ in 0..SLOTS {
            match self.frames[slot] {
                found if found == wanted => return Some(slot),
                EMPTY => return None,
                _ => slot = (slot + 1) % SLOTS,
            }
        }
        None
    }

    /// Empties `slot` and shifts later members of its probe run back, so
    /// that every search still finds them (Knuth, TAOCP Vol. 3, 6.4,
    /// Algorithm R).
    fn remove(&mut self, slot: usize) {
        let mut hole = slot;
        let mut next = slot;
        // The run after `slot` ends at an empty slot within `SLOTS` steps.
        for _ in 0..SLOTS {
            next = (next + 1) % SLOTS;
            if self.frames[next] == EMPTY {
                break;
            }
            let home = Self::home(self.frames[next]);
            // The member at `next` may fill the hole unless its home lies
            // cyclically in (hole, next].
            let distance_to_next = (next + SLOTS - home) % SLOTS;
            let distance_to_hole = (hole + SLOTS - home) % SLOTS;
            if distance_to_hole < distance_to_next {
                self.frames[hole] = self.frames[next];
                self.counts[hole] = self.counts[next];
                hole = next;
            }
        }
        self.frames[hole] = EMPTY;
        self.counts[hole] = 0;
        self.len -= 1;
    }

    /// The stored form of a frame number, if it fits.
    fn key(frame: FrameNumber) -> Option<u32> {
        u32::try_from(frame.0).ok().filter(|&key| key != EMPTY)
    }

    /// The slot a key's probe starts at (Fibonacci hashing: consecutive
    /// frames land far apart).
    fn home(key: u32) -> usize {
        (key.wrapping_mul(0x9E37_79B9) >> (32 - SLOTS.trailing_zeros())) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;
    use std::vec::Vec;

    #[test]
    fn an_exclusive_frame_enters_with_two_references() {
        let mut table = SharedFrames::new();
        assert!(table.is_empty());
        assert_eq!(table.references(FrameNumber(7)), 0);
        assert_eq!(table.share(FrameNumber(7)), Ok(2));
        assert_eq!(table.share(FrameNumber(7)), Ok(3));
        assert_eq!((table.len(), table.references(FrameNumber(7))), (1, 3));
        assert_eq!(table.drop_reference(FrameNumber(7)), Dropped::StillUsed);
        assert_eq!(table.drop_reference(FrameNumber(7)), Dropped::StillUsed);
        assert_eq!(table.references(FrameNumber(7)), 1, "kept at one");
        assert_eq!(table.drop_reference(FrameNumber(7)), Dropped::Last);
        assert!(table.is_empty());
        assert_eq!(table.drop_reference(FrameNumber(7)), Dropped::Last);
    }

    #[test]
    fn a_frame_absent_from_a_busy_table_has_one_reference() {
        let mut table = SharedFrames::new();
        table.share(FrameNumber(1)).unwrap();
        assert_eq!(table.drop_reference(FrameNumber(2)), Dropped::Last);
        assert_eq!(table.references(FrameNumber(1)), 2);
    }

    #[test]
    fn taking_over_removes_the_frame() {
        let mut table = SharedFrames::new();
        table.share(FrameNumber(3)).unwrap();
        assert!(table.take_over(FrameNumber(3)));
        assert!(!table.take_over(FrameNumber(3)));
        assert!(table.is_empty());
    }

    #[test]
    fn the_table_refuses_past_its_bound_and_numbers_it_cannot_store() {
        let mut table = SharedFrames::new();
        for frame in 0..SHARED_FRAMES_MAX as u64 {
            assert_eq!(table.share(FrameNumber(frame)), Ok(2));
        }
        let one_more = FrameNumber(SHARED_FRAMES_MAX as u64);
        assert_eq!(table.share(one_more), Err(ShareRefusal::TableFull));
        assert_eq!(table.share(FrameNumber(0)), Ok(3), "counting goes on");
        let mut empty = SharedFrames::new();
        let too_large = FrameNumber(u64::from(u32::MAX));
        assert_eq!(empty.share(too_large), Err(ShareRefusal::TableFull));
        assert_eq!(empty.references(too_large), 0);
        assert_eq!(
            empty.share(FrameNumber(1 << 40)),
            Err(ShareRefusal::TableFull)
        );
    }

    #[test]
    fn the_table_holds_the_written_tenth_of_100_mib_at_three_quarters_load() {
        assert_eq!(SHARED_FRAMES_MAX, 3 * SLOTS / 4);
        let mut table = SharedFrames::new();
        // 2,560 pages: 10 % of 100 MiB, the benchmark's duplicate.
        for frame in (0..2_560u64).map(|n| n * 7 + 1) {
            assert_eq!(table.share(FrameNumber(frame)), Ok(2));
        }
        assert_eq!(table.len(), 2_560);
        assert_eq!(table.references(FrameNumber(7 * 2_559 + 1)), 2);
    }

    #[test]
    fn a_count_that_would_overflow_is_refused() {
        let mut table = SharedFrames::new();
        table.share(FrameNumber(5)).unwrap();
        let slot = table.find(FrameNumber(5)).unwrap();
        table.counts[slot] = u32::MAX;
        assert_eq!(table.share(FrameNumber(5)), Err(ShareRefusal::TableFull));
    }

    /// 64 frames whose home slots crowd into the twelve slots around the
    /// table's end: their probe runs are long and wrap around to slot 0,
    /// and removing one must shift some later members back and leave
    /// others (those whose home lies after the hole) where they are.
    fn crowded_frames() -> Vec<FrameNumber> {
        (1u32..)
            .filter(|&key| !(6..SLOTS - 6).contains(&SharedFrames::home(key)))
            .take(64)
            .map(|key| FrameNumber(u64::from(key)))
            .collect()
    }

    #[test]
    fn crowded_frames_crowd_and_wrap() {
        let homes: Vec<usize> = crowded_frames()
            .iter()
            .map(|frame| SharedFrames::home(SharedFrames::key(*frame).unwrap()))
            .collect();
        assert!(homes.iter().any(|&home| home >= SLOTS - 6));
        assert!(homes.iter().any(|&home| home < 6));
    }

    proptest! {
        /// The table counts exactly like a map from frame to count, through
        /// any sequence of shares, drops and take-overs on colliding frames.
        #[test]
        fn counts_match_a_reference_map(
            operations in proptest::collection::vec((0u8..3, 0u64..64), 1..400)
        ) {
            let mut table = SharedFrames::new();
            let mut model: HashMap<u64, u32> = HashMap::new();
            let crowded = crowded_frames();
            let frame = |n: u64| crowded[n as usize];
            for (kind, n) in operations {
                match kind {
                    0 => {
                        let count = model.entry(n).or_insert(1);
                        *count += 1;
                        prop_assert_eq!(table.share(frame(n)), Ok(*count));
                    }
                    1 => {
                        let expected = match model.get(&n).copied() {
                            None | Some(1) => Dropped::Last,
                            Some(_) => Dropped::StillUsed,
                        };
                        match model.get(&n).copied() {
                            Some(count) if count > 1 => { model.insert(n, count - 1); }
                            _ => { model.remove(&n); }
                        }
                        prop_assert_eq!(table.drop_reference(frame(n)), expected);
                    }
                    _ => {
                        prop_assert_eq!(table.take_over(frame(n)), model.remove(&n).is_some());
                    }
                }
                prop_assert_eq!(table.len(), model.len());
                // Every member is still found after every removal's shifts.
                for m in 0..64 {
                    prop_assert_eq!(table.references(frame(m)), model.get(&m).copied().unwrap_or(0));
                }
            }
        }
    }
}
