//! A frame source for the simulator: a free stack over the simulated RAM.
//!
//! The real bitmap allocator lives in [`crate::frame`]; the simulator uses
//! this small stand-in so host tests do not depend on it, and so tests can
//! read exactly how many frames are out ([`SimFrames::in_use`]) and catch a
//! frame freed twice.

use std::vec;
use std::vec::Vec;

use crate::addr::{FrameCount, FrameNumber};
use crate::frame::{FrameError, FrameSource};

/// Hands out the frames `0..count`, lowest first.
#[derive(Clone, Debug, Default)]
pub struct SimFrames {
    free: Vec<FrameNumber>,
    taken: Vec<bool>,
    in_use: u64,
}

impl SimFrames {
    /// A source owning frames `0..count`.
    ///
    /// # Panics
    ///
    /// If `count` does not fit the host's `usize`.
    pub fn new(count: FrameCount) -> SimFrames {
        let slots = usize::try_from(count.0).expect("frame count fits the host's usize");
        SimFrames {
            free: (0..count.0).rev().map(FrameNumber).collect(),
            taken: vec![false; slots],
            in_use: 0,
        }
    }

    /// Frames handed out and not given back.
    pub fn in_use(&self) -> u64 {
        self.in_use
    }

    /// Frames still free.
    pub fn available(&self) -> u64 {
        u64::try_from(self.free.len()).unwrap_or(u64::MAX)
    }

    fn slot(&mut self, frame: FrameNumber) -> Option<&mut bool> {
        self.taken.get_mut(usize::try_from(frame.0).ok()?)
    }
}

impl FrameSource for SimFrames {
    fn allocate_frame(&mut self) -> Result<FrameNumber, FrameError> {
        let frame = self.free.pop().ok_or(FrameError::OutOfFrames)?;
        if let Some(taken) = self.slot(frame) {
            *taken = true;
        }
        self.in_use += 1;
        Ok(frame)
    }

    fn free_frame(&mut self, frame: FrameNumber) -> Result<(), FrameError> {
        match self.slot(frame) {
            Some(taken) if *taken => *taken = false,
            _ => return Err(FrameError::DoubleFree(frame)),
        }
        self.free.push(frame);
        self.in_use -= 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_come_back_and_double_free_is_caught() {
        let mut frames = SimFrames::new(FrameCount(2));
        let first = frames.allocate_frame().unwrap();
        assert_eq!(first, FrameNumber(0));
        let second = frames.allocate_frame().unwrap();
        assert_eq!(frames.allocate_frame(), Err(FrameError::OutOfFrames));
        assert_eq!(frames.in_use(), 2);
        frames.free_frame(second).unwrap();
        assert_eq!(
            frames.free_frame(second),
            Err(FrameError::DoubleFree(second))
        );
        assert_eq!(
            frames.free_frame(FrameNumber(9)),
            Err(FrameError::DoubleFree(FrameNumber(9)))
        );
        assert_eq!((frames.in_use(), frames.available()), (1, 1));
    }
}
