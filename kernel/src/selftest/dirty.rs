//! Dirty-tracking tests: a cache hit re-zeroes exactly the pages written
//! since they were last zeroed, on real page tables.
//!
//! This is Pristine's headline saving, and it can break without a wrong
//! byte: an MMU that never clears the dirty bit makes every page written
//! once look written on every later reuse, so data stays correct and only
//! the counters show it. The tests here pin the counters exactly, with both
//! strategies (the CPU's dirty bit and write-protect faults), and check
//! every byte of the block after each hit on poisoned memory.

use super::TestResult;
use super::bytes::{expect_zero, fill_page, pattern};
use super::large::{HW, SW, calloc, frames_returned, free, start};
use crate::memory::large;
use alloc::format;
use pristine_allocator::{DirtyStrategy, PAGE_SIZE, Policy, Stats};

/// Frees `block`, resets the counters, allocates the same size again (a
/// cache hit) and returns the new block with the counters of that hit.
fn reuse(
    block: core::ptr::NonNull<u8>,
    size: u64,
) -> Result<(core::ptr::NonNull<u8>, Stats), alloc::string::String> {
    free(block)?;
    large::with_engine(|engine| engine.reset_counters());
    let block = calloc(size)?;
    Ok((block, large::with_engine(|engine| engine.stats())))
}

/// Write `k` of `N` pages whole, free, calloc again: exactly `k` pages
/// re-zeroed and every byte zero, for k = 0, 1, N/2, N, twice in a row
/// (the second time after re-arming).
fn zeroes_exactly_written(dirty: DirtyStrategy) -> TestResult {
    const PAGES: u64 = 64;
    let size = PAGES * PAGE_SIZE;
    let baseline = start(Policy::DirtyTracking, dirty)?;
    for written in [0, 1, PAGES / 2, PAGES] {
        large::switch(Policy::DirtyTracking, dirty).map_err(|e| format!("{e:?}"))?;
        let mut block = calloc(size)?;
        for cycle in 0..2 {
            for page in 0..written {
                fill_page(block, page, pattern(page, cycle));
            }
            let stats;
            (block, stats) = reuse(block, size)?;
            if stats.cache_hits != 1 || stats.pages_zeroed_on_reuse != written {
                return Err(format!(
                    "k={written} cycle {cycle}: expected {written}: {stats:?}"
                ));
            }
            expect_zero(block, 0, size).map_err(|e| format!("k={written} cycle {cycle}: {e}"))?;
        }
        free(block)?;
    }
    frames_returned(baseline)
}

/// Dirty tracking with the D bit zeroes exactly the written pages.
pub fn dirty_zeroes_exactly_written_pages_hw() -> TestResult {
    zeroes_exactly_written(HW)
}

/// Dirty tracking with write faults zeroes exactly the written pages.
pub fn dirty_zeroes_exactly_written_pages_sw() -> TestResult {
    zeroes_exactly_written(SW)
}

/// Three cycles on one cached block: pages 2 and 5 written, then page 9
/// only, then nothing. Each hit must re-zero exactly the pages written in
/// the cycle before: a page left alone after its re-zeroing is re-zeroed
/// once, not again on every later hit (which is what an MMU that never
/// clears the dirty bit, or never write-protects again, would do).
fn left_alone_is_rezeroed_once(dirty: DirtyStrategy) -> TestResult {
    const PAGES: u64 = 64;
    const CYCLES: [&[u64]; 3] = [&[2, 5], &[9], &[]];
    let size = PAGES * PAGE_SIZE;
    let baseline = start(Policy::DirtyTracking, dirty)?;
    let mut block = calloc(size)?;
    for (cycle, written) in CYCLES.iter().enumerate() {
        for &page in *written {
            fill_page(block, page, pattern(page, cycle as u64));
        }
        let stats;
        (block, stats) = reuse(block, size)?;
        if stats.cache_hits != 1 || stats.pages_zeroed_on_reuse != written.len() as u64 {
            return Err(format!(
                "cycle {cycle}: wrote pages {written:?}, so exactly {} should be re-zeroed, \
                 but {} were (a page written in an earlier cycle counted again: its dirty \
                 bit or write protection was not reset?): {stats:?}",
                written.len(),
                stats.pages_zeroed_on_reuse
            ));
        }
        expect_zero(block, 0, size).map_err(|e| format!("cycle {cycle}: {e}"))?;
    }
    free(block)?;
    frames_returned(baseline)
}

/// With the D bit: a page written once and then left alone is re-zeroed on
/// the next hit only.
pub fn dirty_page_left_alone_is_rezeroed_once_hw() -> TestResult {
    left_alone_is_rezeroed_once(HW)
}

/// With write faults: the same.
pub fn dirty_page_left_alone_is_rezeroed_once_sw() -> TestResult {
    left_alone_is_rezeroed_once(SW)
}

/// A write to a page that is already writable takes no fault, yet the CPU's
/// dirty bit records it, so the next reuse re-zeroes exactly that page.
pub fn hardware_dirty_bit_catches_silent_write() -> TestResult {
    let size = 64 * PAGE_SIZE;
    let baseline = start(Policy::DirtyTracking, HW)?;
    let block = calloc(size)?;
    fill_page(block, 3, pattern(3, 0));
    free(block)?;
    let block = calloc(size)?;
    large::with_engine(|engine| engine.reset_counters());
    fill_page(block, 3, pattern(3, 1));
    let silent = large::with_engine(|engine| engine.stats());
    if silent.faults() != 0 {
        return Err(format!("the write to a writable page faulted: {silent:?}"));
    }
    let (block, stats) = reuse(block, size)?;
    if stats.pages_zeroed_on_reuse != 1 {
        return Err(format!(
            "the D bit did not lead to exactly one re-zeroed page: {stats:?}"
        ));
    }
    expect_zero(block, 0, size)?;
    free(block)?;
    frames_returned(baseline)
}
