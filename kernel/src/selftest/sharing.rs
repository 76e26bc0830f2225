//! Copy-on-write sharing tests: `duplicate` on real page tables, under
//! every policy and both dirty strategies.
//!
//! One scenario per policy and strategy, on poisoned memory, every byte
//! checked: a block with written pages, a read page (the zero page) and
//! untouched ones is duplicated; the copy reads what the original held and
//! took no frame; writes on either side copy the shared page and are
//! invisible to the other; a write by the last mapping takes its frame
//! over; a block freed into the cache while its frames are still shared is
//! handed out again by `calloc` reading zero, and the other side keeps its
//! data (no shared frame is ever zeroed in place); every frame comes back.

use super::TestResult;
use super::bytes::{expect_pattern, expect_zero, fill_page, pattern};
use super::large::{HW, SW, calloc, frames_returned, free, start};
use crate::memory::large;
use alloc::format;
use alloc::string::String;
use core::ptr::NonNull;
use pristine_allocator::{DirtyStrategy, PAGE_SIZE, Policy, SharingStats, VirtAddr};

/// Pages in the block.
const PAGES: u64 = 64;
/// Pages written before duplicating (pages `0..WRITTEN`); page `WRITTEN`
/// is read, the rest untouched.
const WRITTEN: u64 = 16;

/// Duplicates `block` through the engine.
fn duplicate(block: NonNull<u8>) -> Result<NonNull<u8>, String> {
    let address = VirtAddr(block.as_ptr() as u64);
    let copy = large::with_engine(|engine| engine.duplicate(address))
        .map_err(|e| format!("duplicate: {e:?}"))?;
    NonNull::new(copy.0 as *mut u8).ok_or_else(|| String::from("duplicate gave address 0"))
}

fn sharing() -> SharingStats {
    large::with_engine(|engine| engine.sharing_stats())
}

/// Checks that pages `pages` of `block` hold `pattern(page, cycle)`.
fn expect_cycle(block: NonNull<u8>, pages: core::ops::Range<u64>, cycle: u64) -> TestResult {
    for page in pages {
        expect_pattern(block, page, pattern(page, cycle))?;
    }
    Ok(())
}

fn expect_counts(step: &str, got: SharingStats, copied: u64, taken_over: u64) -> TestResult {
    if got.pages_copied != copied || got.pages_taken_over != taken_over {
        return Err(format!(
            "{step}: expected {copied} copied and {taken_over} taken over: {got:?}"
        ));
    }
    Ok(())
}

fn duplicate_then_write_both_sides(policy: Policy, dirty: DirtyStrategy) -> TestResult {
    let size = PAGES * PAGE_SIZE;
    let baseline = start(policy, dirty)?;
    let original = calloc(size)?;
    for page in 0..WRITTEN {
        fill_page(original, page, pattern(page, 0));
    }
    expect_zero(original, WRITTEN * PAGE_SIZE, PAGE_SIZE)?;
    let held = large::with_engine(|engine| engine.stats().frames_in_use);

    let copy = duplicate(original)?;
    let (after, shared) = large::with_engine(|engine| (engine.stats(), engine.sharing_stats()));
    if after.frames_in_use != held || shared.pages_shared != WRITTEN {
        return Err(format!(
            "duplicating took frames or shared the wrong pages: {held} frames before, \
             {after:?}, {shared:?}"
        ));
    }
    expect_cycle(copy, 0..WRITTEN, 0)?;
    expect_zero(copy, WRITTEN * PAGE_SIZE, (PAGES - WRITTEN) * PAGE_SIZE)?;

    // The copy writes its first half: each page copied, the original intact.
    for page in 0..WRITTEN / 2 {
        fill_page(copy, page, pattern(page, 1));
    }
    expect_counts("copy writes", sharing(), WRITTEN / 2, 0)?;
    expect_cycle(original, 0..WRITTEN, 0)?;
    // The original writes its second half: copied too, the copy intact.
    for page in WRITTEN / 2..WRITTEN {
        fill_page(original, page, pattern(page, 2));
    }
    expect_counts("original writes", sharing(), WRITTEN, 0)?;
    expect_cycle(copy, 0..WRITTEN / 2, 1)?;
    expect_cycle(copy, WRITTEN / 2..WRITTEN, 0)?;
    // The original's first half is its alone again: taken over, not copied.
    for page in 0..WRITTEN / 2 {
        fill_page(original, page, pattern(page, 3));
    }
    expect_counts("last mapping writes", sharing(), WRITTEN, WRITTEN / 2)?;

    // Share the copy again, free it while shared, and calloc its size: a
    // cache hit must read zero without zeroing the frames the second copy
    // still maps.
    let second = duplicate(copy)?;
    free(copy)?;
    let reused = calloc(size)?;
    expect_zero(reused, 0, size)?;
    expect_cycle(second, 0..WRITTEN / 2, 1)?;
    expect_cycle(second, WRITTEN / 2..WRITTEN, 0)?;
    expect_cycle(original, 0..WRITTEN / 2, 3)?;
    expect_cycle(original, WRITTEN / 2..WRITTEN, 2)?;

    for block in [original, second, reused] {
        free(block)?;
    }
    // Returning the frames drains the cache, whose blocks may share frames.
    frames_returned(baseline)?;
    let left = sharing().frames_shared;
    if left != 0 {
        return Err(format!(
            "{left} frames still counted as shared after freeing all"
        ));
    }
    Ok(())
}

/// No cache: duplicate, copy-on-write on both sides, take-over, frames back.
pub fn duplicate_copy_on_write_nocache() -> TestResult {
    duplicate_then_write_both_sides(Policy::NoCache, HW)
}

/// Always-zero cache: the same, and a hit on a shared block zeroes no
/// shared frame.
pub fn duplicate_copy_on_write_alwayszero() -> TestResult {
    duplicate_then_write_both_sides(Policy::AlwaysZero, HW)
}

/// Dirty tracking with the CPU's dirty bit: the same.
pub fn duplicate_copy_on_write_dirty_hw() -> TestResult {
    duplicate_then_write_both_sides(Policy::DirtyTracking, HW)
}

/// Dirty tracking with write-protect faults: the same.
pub fn duplicate_copy_on_write_dirty_sw() -> TestResult {
    duplicate_then_write_both_sides(Policy::DirtyTracking, SW)
}
