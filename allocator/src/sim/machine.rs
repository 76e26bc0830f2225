//! Building a simulated machine: RAM size, TLB size, dirty detection.
//!
//! [`SimConfig`] describes the machine and [`machine`] builds the two halves
//! a [`crate::LargeAllocator`] needs from it: the MMU (the port) and a frame
//! source over the same frames, so they can never disagree about how much
//! RAM there is.

use crate::addr::FrameCount;
use crate::port::DirtyDetection;
use crate::sim::frames::SimFrames;
use crate::sim::mmu::SimMmu;

/// The shape of a simulated machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SimConfig {
    /// Frames of RAM (the zero page takes one of them).
    pub frames: FrameCount,
    /// TLB entries; small, so evictions and stale entries both happen.
    pub tlb_entries: usize,
    /// Whether the MMU sets dirty bits.
    pub dirty: DirtyDetection,
}

impl SimConfig {
    /// The default TLB size: small enough that tests see evictions.
    pub const DEFAULT_TLB_ENTRIES: usize = 8;

    /// A machine with `frames` frames, `dirty` detection and the default TLB.
    pub const fn new(frames: FrameCount, dirty: DirtyDetection) -> SimConfig {
        SimConfig {
            frames,
            tlb_entries: SimConfig::DEFAULT_TLB_ENTRIES,
            dirty,
        }
    }
}

/// A simulated MMU and a frame source that share the same `config.frames`
/// frames of RAM.
pub fn machine(config: SimConfig) -> (SimMmu, SimFrames) {
    (SimMmu::new(config), SimFrames::new(config.frames))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_halves_share_the_frame_count() {
        let (mmu, frames) = machine(SimConfig::new(FrameCount(5), DirtyDetection::SoftwareOnly));
        assert_eq!(frames.available(), 5);
        assert!(mmu.frame_bytes(crate::FrameNumber(4)).is_some());
        assert!(mmu.frame_bytes(crate::FrameNumber(5)).is_none());
    }
}
