//! A frame source for the simulator: a free stack over the simulated RAM.
//!
//! The real bitmap allocator lives in [`crate::frame`]; the simulator uses
//! this small stand-in so host tests do not depend on it, and so tests can
//! read exactly how many frames are out ([`SimFrames::in_use`]) and catch a
//! frame freed twice.
//!
//! It also injects faults: [`SimFrames::fail_allocation`] makes one chosen
//! request fail with [`FrameError::OutOfFrames`] although frames are free,
//! so a test can walk a failure through every allocation of a sequence and
//! check that each one is handled (see `tests/fault_injection.rs`).

use std::vec;
use std::vec::Vec;

use crate::addr::{FrameCount, FrameNumber};
use crate::frame::{FrameError, FrameSource};
use crate::large_page::PAGES_PER_LARGE_PAGE;
use crate::sim::injection::OneFailure;

/// Hands out the frames `0..count`, lowest first.
#[derive(Clone, Debug, Default)]
pub struct SimFrames {
    free: Vec<FrameNumber>,
    taken: Vec<bool>,
    in_use: u64,
    injection: OneFailure,
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
            injection: OneFailure::default(),
        }
    }

    /// Makes the request `n` requests from now fail with
    /// [`FrameError::OutOfFrames`], once, whether or not a frame is free
    /// (0: the next request). Replaces an injection not yet made.
    pub fn fail_allocation(&mut self, n: u64) {
        self.injection.arm(n);
    }

    /// Requests for a frame made so far, refused ones included.
    pub fn requests(&self) -> u64 {
        self.injection.requests()
    }

    /// Requests refused by [`SimFrames::fail_allocation`] so far.
    pub fn injected_failures(&self) -> u64 {
        self.injection.injected()
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
        if self.injection.next_fails() {
            return Err(FrameError::OutOfFrames);
        }
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

    /// The lowest 512 free frames starting at a multiple of 512, taken all
    /// at once (counted as 512 in use). An injected failure refuses it.
    fn allocate_large_frame(&mut self) -> Result<FrameNumber, FrameError> {
        if self.injection.next_fails() {
            return Err(FrameError::OutOfFrames);
        }
        let run = PAGES_PER_LARGE_PAGE as usize;
        let start = (0..self.taken.len())
            .step_by(run)
            .find(|&start| {
                self.taken
                    .get(start..start + run)
                    .is_some_and(|slots| slots.iter().all(|taken| !taken))
            })
            .ok_or(FrameError::OutOfFrames)?;
        for taken in &mut self.taken[start..start + run] {
            *taken = true;
        }
        let first = start as u64;
        self.free
            .retain(|frame| !(first..first + PAGES_PER_LARGE_PAGE).contains(&frame.0));
        self.in_use += PAGES_PER_LARGE_PAGE;
        Ok(FrameNumber(first))
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

    #[test]
    fn an_injected_failure_refuses_exactly_one_request() {
        let mut frames = SimFrames::new(FrameCount(4));
        frames.allocate_frame().unwrap();
        frames.fail_allocation(1);
        assert!(frames.allocate_frame().is_ok());
        assert_eq!(frames.allocate_frame(), Err(FrameError::OutOfFrames));
        assert!(frames.allocate_frame().is_ok());
        assert_eq!((frames.requests(), frames.injected_failures()), (4, 1));
        assert_eq!((frames.in_use(), frames.available()), (3, 1));
    }
}
