//! The records of the experiments: progress, demo rows, bench points, baselines.
//!
//! `mode=demo` prints one [`DemoRow`] per (policy, size) of the seed's loop
//! (a row the guest has too few frames for ends early, with an
//! [`OutOfMemory`] saying what it needed and had), `mode=bench` one [`BenchPoint`] per (size, written) of a sweep, and
//! `mode=baseline` one [`BenchBaseline`] per reference cost; long runs print
//! [`Progress`] meanwhile. Tick fields come from the guest's `rdtsc`: exact
//! guest instructions under QEMU's `-icount shift=0`, noisy wall-clock ticks
//! otherwise. Counters are the engine's, over the rounds the record covers.

use alloc::string::String;
use alloc::vec::Vec;
use pristine_allocator::{DirtyStrategy, Policy};
use serde::{Deserialize, Serialize};

use crate::size::AllocationSize;
use crate::written::Written;

/// How far a long experiment has got (kind `"progress"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// What is running, e.g. `alwayszero 100 MiB`.
    pub label: String,
    /// Steps done.
    pub done: u64,
    /// Steps in all.
    pub total: u64,
}

/// One (policy, size) of the seed's loop, totals over all rounds (kind
/// `"demo-row"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoRow {
    /// The cache policy.
    #[serde(with = "crate::by_name")]
    pub policy: Policy,
    /// The dirty strategy the kernel used.
    #[serde(with = "crate::by_name")]
    pub dirty: DirtyStrategy,
    /// Bytes per `calloc`.
    pub size: AllocationSize,
    /// Rounds of `calloc` + `free`.
    pub rounds: u64,
    /// Ticks for all rounds.
    pub ticks_total: u64,
    /// Ticks for the first round alone (the cache is still empty then).
    pub ticks_first_round: u64,
    /// Pages zeroed.
    pub pages_zeroed: u64,
    /// Page faults taken.
    pub faults: u64,
    /// Copy-on-write faults among them.
    pub cow_faults: u64,
    /// Faults on reads among them (each maps the zero page, lazily).
    pub read_faults: u64,
    /// Times the zero page was mapped into a page: on read faults (lazy
    /// mapping) or for every page of a fresh region (eager mapping). Older
    /// lines without it read as 0.
    #[serde(default)]
    pub zero_page_mappings: u64,
    /// Allocations served from the cache.
    pub cache_hits: u64,
    /// Allocations that looked in the cache and found nothing.
    pub cache_misses: u64,
    /// Allocations too large for the cache.
    pub cache_bypasses: u64,
    /// Why the row stopped early: a round could not get the frames it
    /// needed. `null` when every round ran. For a row that stopped, the
    /// ticks cover the rounds that completed, and the engine's counters
    /// also include what the failed round did before it ran out (the pages
    /// it faulted in and zeroed).
    #[serde(default)]
    pub out_of_memory: Option<OutOfMemory>,
}

/// A demo row that ran out of physical frames: the guest is too small for
/// what its policy must do with a block of this size (the always-zero cache
/// backs every page of a cache hit to zero it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutOfMemory {
    /// The round, counted from 1, that could not get its frames.
    pub round: u64,
    /// Frames the round needed at most: one for each page of the block.
    pub frames_needed: u64,
    /// Frames free when that round began.
    pub frames_free: u64,
}

/// One measured point of a benchmark sweep (kind `"bench-point"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenchPoint {
    /// The cache policy.
    #[serde(with = "crate::by_name")]
    pub policy: Policy,
    /// The dirty strategy.
    #[serde(with = "crate::by_name")]
    pub dirty: DirtyStrategy,
    /// Bytes per `calloc`.
    pub size: AllocationSize,
    /// Pages the allocation covers.
    pub pages: u64,
    /// How much of the block each round wrote.
    pub written: Written,
    /// Pages each round wrote.
    pub written_pages: u64,
    /// Measured rounds (the warm-up round excluded).
    pub rounds: u64,
    /// Ticks of each measured round.
    pub ticks: Vec<u64>,
    /// Pages zeroed over the measured rounds.
    pub pages_zeroed: u64,
    /// Faults over the measured rounds.
    pub faults: u64,
    /// Cache hits over the measured rounds.
    pub cache_hits: u64,
}

/// A guest reference cost, measured several times (kind `"bench-baseline"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenchBaseline {
    /// Which baseline, e.g. `clear_100mib`, `cow_fault`, `frame_alloc_free`.
    pub name: String,
    /// What was measured, for people.
    pub what: String,
    /// Ticks of each sample.
    pub ticks: Vec<u64>,
}
