//! Model-based tests: random `calloc`, `malloc`, write, read, `realloc` and
//! `free` sequences on every policy and dirty strategy, against a reference
//! model, one named test per invariant.
//!
//! Each case runs its sequence on every combination the invariant concerns
//! (all six policy × dirty-detection pairs, or the two of one policy), each
//! on an MMU that sets the accessed and dirty bits itself and on one that
//! faults instead (RISC-V Svade), with lazy or eager zero-page mapping
//! chosen per case, so every combination sees all 10,000 cases of every
//! test on both MMUs.

mod model;

use model::harness::run_all;
use model::ops::ops;
use model::setup::{ALL, Invariant};
use pristine_allocator::{DirtyDetection, Policy};
use proptest::prelude::*;

/// Cases per test (and so per combination).
const CASES: u32 = 10_000;
/// Longest operation sequence.
const MAX_OPS: usize = 16;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        ..ProptestConfig::default()
    }
}

const DIRTY_TRACKING: [(Policy, DirtyDetection); 2] = [
    (Policy::DirtyTracking, DirtyDetection::Hardware),
    (Policy::DirtyTracking, DirtyDetection::SoftwareOnly),
];

const ALWAYS_ZERO: [(Policy, DirtyDetection); 2] = [
    (Policy::AlwaysZero, DirtyDetection::Hardware),
    (Policy::AlwaysZero, DirtyDetection::SoftwareOnly),
];

proptest! {
    #![proptest_config(config())]

    /// Every byte of every `calloc` reads 0, whatever came before it.
    #[test]
    fn every_calloc_byte_reads_zero(ops in ops(MAX_OPS, 4), eager in any::<bool>()) {
        run_all(&ops, eager, Invariant::CallocReadsZero, &ALL)?;
    }

    /// No byte written through one allocation is visible in a later `calloc`
    /// (write-heavy sequences: every stored address is re-read when a later
    /// `calloc` covers it).
    #[test]
    fn no_written_byte_leaks_into_a_later_calloc(ops in ops(MAX_OPS, 10), eager in any::<bool>()) {
        run_all(&ops, eager, Invariant::NoLeakIntoCalloc, &ALL)?;
    }

    /// A `calloc` served from the cache under DirtyTracking zeroes exactly
    /// the pages written since they were last zeroed, and nothing else does.
    #[test]
    fn dirty_tracking_zeroes_exactly_the_written_pages(ops in ops(MAX_OPS, 6), eager in any::<bool>()) {
        run_all(&ops, eager, Invariant::DirtyTrackingExact, &DIRTY_TRACKING)?;
    }

    /// A `calloc` served from the cache under AlwaysZero zeroes every page,
    /// through its mapping (as libmalloc's `memset` does).
    #[test]
    fn always_zero_zeroes_every_page_of_every_cache_hit(ops in ops(MAX_OPS, 4), eager in any::<bool>()) {
        run_all(&ops, eager, Invariant::AlwaysZeroEveryHit, &ALWAYS_ZERO)?;
    }

    /// Frames held always match the frame source, and return to the start
    /// (the zero page only) after freeing everything and draining the cache.
    #[test]
    fn frame_accounting_returns_to_its_start(ops in ops(MAX_OPS, 4), eager in any::<bool>()) {
        run_all(&ops, eager, Invariant::FrameAccounting, &ALL)?;
    }
}
