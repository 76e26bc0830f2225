//! The machine and engine every model test runs on, and what it checks.
//!
//! Small on purpose: a one-page threshold, a cache of three entries under
//! four pages each (eight pages in all), a 256-page range and 256 frames,
//! so limits are reached within a few operations.

use pristine_allocator::sim::{SimConfig, SimFrames, SimMmu, machine};
use pristine_allocator::{
    AccessedDirtyUpdates, Adaptation, CacheLimits, Config, DirtyDetection, FrameCount,
    LargeAllocator, PageCount, Policy, VirtAddr, VirtRange, ZeroPageMapping,
};

use super::ops::PAGE;

/// The invariant a test checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Invariant {
    /// Every byte of every `calloc` reads 0.
    CallocReadsZero,
    /// No byte written through one allocation is visible in a later `calloc`.
    NoLeakIntoCalloc,
    /// DirtyTracking zeroes exactly the pages written since last zeroed
    /// (through the direct map, never through the mapping).
    DirtyTrackingExact,
    /// AlwaysZero zeroes every page of every cache hit through its mapping.
    AlwaysZeroEveryHit,
    /// Frames in use return to the start after freeing all and draining.
    FrameAccounting,
}

/// Every policy with every dirty detection: the six combinations.
pub const ALL: [(Policy, DirtyDetection); 6] = [
    (Policy::NoCache, DirtyDetection::Hardware),
    (Policy::NoCache, DirtyDetection::SoftwareOnly),
    (Policy::AlwaysZero, DirtyDetection::Hardware),
    (Policy::AlwaysZero, DirtyDetection::SoftwareOnly),
    (Policy::DirtyTracking, DirtyDetection::Hardware),
    (Policy::DirtyTracking, DirtyDetection::SoftwareOnly),
];

/// Who sets the accessed and dirty bits: every case runs on both MMUs, the
/// one that sets them (x86, RISC-V Svadu) and the one that faults so that
/// the engine sets them (RISC-V Svade).
pub const UPDATES: [AccessedDirtyUpdates; 2] = [
    AccessedDirtyUpdates::Hardware,
    AccessedDirtyUpdates::Software,
];

/// The engine type under test.
pub type Engine = LargeAllocator<SimMmu, SimFrames>;

/// The adaptive re-zeroing settings a policy runs under: both for
/// DirtyTracking (the only policy it concerns), off for the others.
pub fn adaptations(policy: Policy) -> &'static [Adaptation] {
    match policy {
        Policy::DirtyTracking => &Adaptation::ALL,
        _ => &[Adaptation::Off],
    }
}

/// A fresh engine for one combination, on an MMU with `updates` of the
/// accessed and dirty bits, with adaptive re-zeroing as `adaptation` says.
pub fn engine(
    policy: Policy,
    dirty: DirtyDetection,
    updates: AccessedDirtyUpdates,
    adaptation: Adaptation,
    eager: bool,
) -> Engine {
    let range = VirtRange::new(VirtAddr(0x5000_0000), PageCount(256)).unwrap();
    let mapping = if eager {
        ZeroPageMapping::Eager
    } else {
        ZeroPageMapping::Lazy
    };
    let config = Config::new(range)
        .with_policy(policy)
        .with_adaptation(adaptation)
        .with_whole_min_pages(1)
        .with_threshold(PAGE)
        .with_zero_page_mapping(mapping)
        .with_cache_limits(CacheLimits {
            max_entries: 3,
            max_entry_bytes: 4 * PAGE,
            max_total_bytes: 8 * PAGE,
        });
    let machine_config =
        SimConfig::new(FrameCount(256), dirty).with_accessed_dirty_updates(updates);
    let (mmu, frames) = machine(machine_config);
    LargeAllocator::new(mmu, frames, config).unwrap()
}
