//! Building a simulated machine: RAM size, TLB size, dirty detection.
//!
//! [`SimConfig`] describes the machine and [`machine`] builds the two halves
//! a [`crate::LargeAllocator`] needs from it: the MMU and a frame
//! source over the same frames, so they can never disagree about how much
//! RAM there is.

use crate::addr::FrameCount;
use crate::mmu::{AccessedDirtyUpdates, DirtyDetection};
use crate::sim::frames::SimFrames;
use crate::sim::mmu::SimMmu;

/// The shape of a simulated machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SimConfig {
    /// Frames of RAM (the zero page takes one of them).
    pub frames: FrameCount,
    /// TLB entries; small, so evictions and stale entries both happen.
    pub tlb_entries: usize,
    /// Whether entries have a dirty bit.
    pub dirty: DirtyDetection,
    /// Whether the MMU sets the accessed and dirty bits itself (x86, RISC-V
    /// Svadu) or faults so that software sets them (RISC-V Svade).
    pub accessed_dirty: AccessedDirtyUpdates,
    /// Whether the MMU maps 2 MiB large pages ([`crate::Mmu::map_large`]).
    pub large_pages: bool,
}

impl SimConfig {
    /// The default TLB size: small enough that tests see evictions.
    pub const DEFAULT_TLB_ENTRIES: usize = 8;

    /// A machine with `frames` frames, `dirty` detection, hardware updates
    /// of the accessed and dirty bits, large pages, and the default TLB.
    pub const fn new(frames: FrameCount, dirty: DirtyDetection) -> SimConfig {
        SimConfig {
            frames,
            tlb_entries: SimConfig::DEFAULT_TLB_ENTRIES,
            dirty,
            accessed_dirty: AccessedDirtyUpdates::Hardware,
            large_pages: true,
        }
    }

    /// The same machine with large pages (`true`, the default) or without.
    pub const fn with_large_pages(self, large_pages: bool) -> SimConfig {
        SimConfig {
            large_pages,
            ..self
        }
    }

    /// The same machine with `updates` of the accessed and dirty bits:
    /// [`AccessedDirtyUpdates::Software`] models RISC-V Svade.
    pub const fn with_accessed_dirty_updates(self, updates: AccessedDirtyUpdates) -> SimConfig {
        SimConfig {
            accessed_dirty: updates,
            ..self
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
