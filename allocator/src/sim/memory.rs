//! Simulated physical memory: frames of bytes, poisoned until written.
//!
//! Real RAM holds whatever the last owner left there. To make a missing
//! zeroing visible, a frame the simulation has never written reads as
//! [`POISON`] bytes, and a freed frame keeps its old contents. Frames are
//! only materialised when first written, so a test can give the machine
//! thousands of frames and pay only for the ones it uses.

use std::boxed::Box;
use std::vec;
use std::vec::Vec;

use crate::addr::{FrameCount, FrameNumber, PAGE_SIZE};

/// Bytes in one frame, as a `usize` for indexing.
pub const FRAME_BYTES: usize = 4096;
const _: () = assert!(FRAME_BYTES as u64 == PAGE_SIZE);

/// What a never-written frame holds: not zero, so missing zeroing shows.
pub const POISON: u8 = 0xa5;

static POISON_FRAME: [u8; FRAME_BYTES] = [POISON; FRAME_BYTES];

/// A fixed number of frames of simulated RAM.
#[derive(Clone, Debug, Default)]
pub struct PhysicalMemory {
    frames: Vec<Option<Box<[u8]>>>,
}

impl PhysicalMemory {
    /// Memory of `count` frames, numbered from 0, all poisoned.
    ///
    /// # Panics
    ///
    /// If `count` frames cannot be indexed on this host (more than `usize`).
    pub fn new(count: FrameCount) -> PhysicalMemory {
        let count = usize::try_from(count.0).expect("frame count fits the host's usize");
        PhysicalMemory {
            frames: vec![None; count],
        }
    }

    /// How many frames exist.
    pub fn frame_count(&self) -> FrameCount {
        FrameCount(u64::try_from(self.frames.len()).unwrap_or(u64::MAX))
    }

    /// Whether `frame` exists.
    pub fn contains(&self, frame: FrameNumber) -> bool {
        Self::slot(frame).is_some_and(|slot| slot < self.frames.len())
    }

    /// The bytes of `frame`, or `None` if it does not exist.
    pub fn bytes(&self, frame: FrameNumber) -> Option<&[u8]> {
        let slot = self.frames.get(Self::slot(frame)?)?;
        Some(slot.as_deref().unwrap_or(&POISON_FRAME))
    }

    /// The bytes of `frame` for writing, materialising it if needed.
    pub fn bytes_mut(&mut self, frame: FrameNumber) -> Option<&mut [u8]> {
        let slot = self.frames.get_mut(Self::slot(frame)?)?;
        let bytes = slot.get_or_insert_with(|| vec![POISON; FRAME_BYTES].into_boxed_slice());
        Some(bytes)
    }

    /// Fills `frame` with zeroes. Returns whether it exists.
    pub fn zero(&mut self, frame: FrameNumber) -> bool {
        let Some(slot) = Self::slot(frame).and_then(|slot| self.frames.get_mut(slot)) else {
            return false;
        };
        match slot {
            Some(bytes) => bytes.fill(0),
            None => *slot = Some(vec![0; FRAME_BYTES].into_boxed_slice()),
        }
        true
    }

    fn slot(frame: FrameNumber) -> Option<usize> {
        usize::try_from(frame.0).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_frames_are_poisoned_not_zero() {
        let mut memory = PhysicalMemory::new(FrameCount(2));
        assert_eq!(memory.bytes(FrameNumber(1)).unwrap()[17], POISON);
        assert!(memory.zero(FrameNumber(1)));
        assert!(
            memory
                .bytes(FrameNumber(1))
                .unwrap()
                .iter()
                .all(|&b| b == 0)
        );
        memory.bytes_mut(FrameNumber(0)).unwrap()[3] = 7;
        assert_eq!(memory.bytes(FrameNumber(0)).unwrap()[3], 7);
        assert_eq!(memory.bytes(FrameNumber(0)).unwrap()[4], POISON);
    }

    #[test]
    fn frames_outside_memory_do_not_exist() {
        let mut memory = PhysicalMemory::new(FrameCount(2));
        assert!(!memory.contains(FrameNumber(2)));
        assert!(memory.bytes(FrameNumber(2)).is_none());
        assert!(!memory.zero(FrameNumber(u64::MAX)));
        assert_eq!(memory.frame_count(), FrameCount(2));
    }
}
