//! The starved machines: every engine combination on a few frames.
//!
//! Every size from one byte up is a large allocation (the threshold is one
//! byte). The cache may hold 8 regions of up to 16 pages, 64 pages in all: more
//! than the whole frame budget, so only reclaim keeps it from starving live
//! allocations. The virtual range (4096 pages) and the region table (64
//! slots) are large enough that sequences never run out of either.

use pristine_allocator::sim::{SimConfig, SimFrames, SimMmu, machine};
use pristine_allocator::{
    AccessedDirtyUpdates, CacheLimits, Config, DirtyDetection, FrameCount, LargeAllocator,
    PageCount, Policy, VirtAddr, VirtRange, ZeroPageMapping,
};

use super::ops::PAGE;

/// The engine type under test.
pub type Engine = LargeAllocator<SimMmu, SimFrames>;

/// One engine combination: policy, dirty detection, and who sets the
/// accessed and dirty bits (the MMU, or the engine on its faults, as on
/// RISC-V Svade).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Combo {
    /// The cache policy.
    pub policy: Policy,
    /// Whether entries have a dirty bit (else the software strategy runs).
    pub dirty: DirtyDetection,
    /// Who sets the accessed and dirty bits.
    pub updates: AccessedDirtyUpdates,
}

/// Every policy, dirty detection and update model: twelve combinations.
pub fn every_combo() -> Vec<Combo> {
    let mut combos = Vec::new();
    for policy in [Policy::NoCache, Policy::AlwaysZero, Policy::DirtyTracking] {
        for dirty in [DirtyDetection::Hardware, DirtyDetection::SoftwareOnly] {
            for updates in [
                AccessedDirtyUpdates::Hardware,
                AccessedDirtyUpdates::Software,
            ] {
                combos.push(Combo {
                    policy,
                    dirty,
                    updates,
                });
            }
        }
    }
    combos
}

/// An engine for `combo` on a machine of `frames` frames (the zero page
/// takes one), mapping the zero page eagerly or lazily.
pub fn engine(combo: Combo, frames: u64, eager: bool) -> Engine {
    let range = VirtRange::new(VirtAddr(0x7000_0000), PageCount(4096)).unwrap();
    let config = Config::new(range)
        .with_policy(combo.policy)
        .with_threshold(1)
        .with_zero_page_mapping(if eager {
            ZeroPageMapping::Eager
        } else {
            ZeroPageMapping::Lazy
        })
        .with_cache_limits(CacheLimits {
            max_entries: 8,
            max_entry_bytes: 16 * PAGE + 1,
            max_total_bytes: 64 * PAGE,
        });
    let machine_config =
        SimConfig::new(FrameCount(frames), combo.dirty).with_accessed_dirty_updates(combo.updates);
    let (mmu, frames) = machine(machine_config);
    LargeAllocator::new(mmu, frames, config).unwrap()
}
