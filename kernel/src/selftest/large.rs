//! Large-allocation tests: the three policies on real page tables and faults.
//!
//! These are the kernel-side proof of Pristine's claim. Each test switches
//! the engine to the policy it examines (which drains the cache), checks the
//! engine's exact counters round by round, and ends by checking that every
//! frame came back: free frames at the end equal those at the start, less
//! the page-table frames the port created meanwhile (kept for reuse).
//! Contents are checked byte for byte on poisoned memory (see `bytes.rs`);
//! the tests of dirty tracking's exact counts are in `dirty.rs`.

use super::TestResult;
use super::bytes::{expect_pattern, expect_zero, pattern, write_page_checked};
use crate::arch::{LARGE_ALLOCATION_SIZE, LARGE_ALLOCATION_START, PageTableMmu};
use crate::memory::kalloc::{self, KernelAllocError};
use crate::memory::{frames, large};
use alloc::format;
use core::ptr::NonNull;
use pristine_allocator::{AllocError, DirtyStrategy, PAGE_SIZE, Policy, Stats};

pub(super) const HW: DirtyStrategy = DirtyStrategy::Hardware;
pub(super) const SW: DirtyStrategy = DirtyStrategy::Software;

/// Free frames and page-table frames when a test started.
pub(super) struct FrameBaseline {
    free: u64,
    page_tables: u64,
}

pub(super) fn start(
    policy: Policy,
    dirty: DirtyStrategy,
) -> Result<FrameBaseline, alloc::string::String> {
    large::switch(policy, dirty).map_err(|e| format!("switching to {policy:?}: {e:?}"))?;
    Ok(FrameBaseline {
        free: frames::stats().free.0,
        page_tables: PageTableMmu::page_table_frames(),
    })
}

impl FrameBaseline {
    /// Frames missing now against the baseline: free then, less free now
    /// and the page-table frames taken since (0 when every frame is back).
    /// Page tables can also be given back (a large page taking an empty
    /// table's place), so both sides carry the tables held.
    pub(super) fn missing_now(&self) -> u64 {
        let held_now = frames::stats().free.0 + PageTableMmu::page_table_frames();
        (self.free + self.page_tables).saturating_sub(held_now)
    }
}

/// Drains the cache and checks every frame came back.
pub(super) fn frames_returned(baseline: FrameBaseline) -> TestResult {
    let (policy, dirty) = large::with_engine(|engine| (engine.policy(), engine.dirty_strategy()));
    large::switch(policy, dirty).map_err(|e| format!("draining the cache: {e:?}"))?;
    let tables_now = PageTableMmu::page_table_frames();
    let tables = tables_now.wrapping_sub(baseline.page_tables) as i64;
    let free = frames::stats().free.0;
    if free + tables_now != baseline.free + baseline.page_tables {
        return Err(format!(
            "frames not returned: {} free before, {free} free + {tables} page tables after",
            baseline.free
        ));
    }
    Ok(())
}

pub(super) fn calloc(size: u64) -> Result<NonNull<u8>, alloc::string::String> {
    kalloc::calloc(1, size).map_err(|e| format!("calloc({size}): {e:?}"))
}

pub(super) fn free(block: NonNull<u8>) -> TestResult {
    // SAFETY: every block in these tests comes from kalloc and is freed once.
    unsafe { kalloc::free(block) }.map_err(|e| format!("free: {e:?}"))
}

/// Rounds of calloc and free, each checking every byte it reads:
/// 1. pages written before anything read them (the write maps a fresh
///    frame, or reuses a cached one) are written half, checked, then whole;
/// 2. every other byte of the block must read zero;
/// 3. pages written after that read (copy-on-write from the zero page) the
///    same way as in 1;
/// 4. every written page must still hold its own pattern.
///
/// Which pages fall in 1, 3 or neither turns with the round, so a page
/// written in one round is read, or written after a read, in the next.
fn calloc_never_shows_old_bytes(policy: Policy, dirty: DirtyStrategy) -> TestResult {
    const SIZES: [u64; 4] = [128 << 10, (1 << 20) + 100, 512 << 10, 2 << 20];
    let baseline = start(policy, dirty)?;
    for round in 0..16u64 {
        let size = SIZES[(round % 4) as usize];
        let block = calloc(size)?;
        let pages = size / PAGE_SIZE;
        let in_step = |page: u64, step: u64| (page + round) % 3 == step;
        let context = |error| format!("round {round}, calloc({size}): {error}");
        for page in (0..pages).filter(|&page| in_step(page, 0)) {
            write_page_checked(block, page, pattern(page, round)).map_err(context)?;
        }
        for page in (0..pages).filter(|&page| !in_step(page, 0)) {
            expect_zero(block, page * PAGE_SIZE, PAGE_SIZE).map_err(context)?;
        }
        let tail = pages * PAGE_SIZE;
        expect_zero(block, tail, size - tail).map_err(context)?;
        for page in (0..pages).filter(|&page| in_step(page, 1)) {
            write_page_checked(block, page, pattern(page, round)).map_err(context)?;
        }
        for page in (0..pages).filter(|&page| !in_step(page, 2)) {
            expect_pattern(block, page, pattern(page, round)).map_err(context)?;
        }
        free(block)?;
    }
    frames_returned(baseline)
}

/// `calloc` memory reads zero across many reuses under no cache.
pub fn calloc_reads_zero_nocache() -> TestResult {
    calloc_never_shows_old_bytes(Policy::NoCache, HW)
}

/// `calloc` memory reads zero across many reuses under the always-zero cache.
pub fn calloc_reads_zero_alwayszero() -> TestResult {
    calloc_never_shows_old_bytes(Policy::AlwaysZero, HW)
}

/// `calloc` memory reads zero under dirty tracking with the hardware D bit.
pub fn calloc_reads_zero_dirty_hw() -> TestResult {
    calloc_never_shows_old_bytes(Policy::DirtyTracking, HW)
}

/// `calloc` memory reads zero under dirty tracking with write faults.
pub fn calloc_reads_zero_dirty_sw() -> TestResult {
    calloc_never_shows_old_bytes(Policy::DirtyTracking, SW)
}

/// One untouched round: counters reset, calloc, free, counters read.
fn untouched_round(size: u64) -> Result<Stats, alloc::string::String> {
    large::with_engine(|engine| engine.reset_counters());
    free(calloc(size)?)?;
    Ok(large::with_engine(|engine| engine.stats()))
}

/// The seed's loop at 100 MiB and 1000 MiB, untouched, with exact counters.
fn seed_experiment(policy: Policy, dirty: DirtyStrategy) -> TestResult {
    const PAGES_100_MIB: u64 = 25_600;
    let baseline = start(policy, dirty)?;
    for round in 0..4 {
        let stats = untouched_round(100 << 20)?;
        let reuse = round > 0 && policy.caches();
        let zeroed = if reuse && policy == Policy::AlwaysZero {
            PAGES_100_MIB
        } else {
            0
        };
        if stats.pages_zeroed_on_reuse != zeroed || stats.cache_hits != reuse as u64 {
            return Err(format!(
                "100 MiB round {round}: expected {zeroed} re-zeroed: {stats:?}"
            ));
        }
        if policy == Policy::DirtyTracking && (stats.pages_zeroed() != 0 || stats.faults() != 0) {
            return Err(format!(
                "100 MiB round {round}: dirty tracking did work: {stats:?}"
            ));
        }
    }
    for round in 0..3 {
        let stats = untouched_round(1000 << 20)?;
        let bypassed = policy.caches() as u64;
        if stats.pages_zeroed() != 0 || stats.faults() != 0 || stats.cache_bypasses != bypassed {
            return Err(format!(
                "1000 MiB round {round}: expected a cheap bypass: {stats:?}"
            ));
        }
    }
    frames_returned(baseline)
}

/// No cache: untouched rounds zero nothing and take no faults.
pub fn seed_experiment_nocache() -> TestResult {
    seed_experiment(Policy::NoCache, HW)
}

/// Always-zero: every cache hit at 100 MiB re-zeroes all 25,600 pages;
/// 1000 MiB bypasses the cache and is cheap (the macOS cliff).
pub fn seed_experiment_alwayszero() -> TestResult {
    seed_experiment(Policy::AlwaysZero, HW)
}

/// Dirty tracking (D bit): after the first round, 0 pages zeroed, 0 faults.
pub fn seed_experiment_dirty_hw() -> TestResult {
    seed_experiment(Policy::DirtyTracking, HW)
}

/// Dirty tracking (write faults): the same counters as with the D bit.
pub fn seed_experiment_dirty_sw() -> TestResult {
    seed_experiment(Policy::DirtyTracking, SW)
}

/// Bad calls get errors, not panics: overflow, zero size, double free,
/// a pointer into the middle of a block, a pointer nobody allocated.
pub fn large_allocation_errors_are_values() -> TestResult {
    let baseline = start(Policy::DirtyTracking, HW)?;
    expect(kalloc::calloc(u64::MAX, 2), KernelAllocError::Overflow)?;
    expect(kalloc::calloc(0, 4096), KernelAllocError::ZeroSize)?;
    let block = calloc(1 << 20)?;
    let inner = NonNull::new(block.as_ptr().wrapping_add(8192)).ok_or("null")?;
    // SAFETY: the engine checks large pointers; no heap block is involved.
    let result = unsafe { kalloc::free(inner) };
    expect(
        result,
        KernelAllocError::Large(AllocError::NotRegionStart(address(inner))),
    )?;
    free(block)?;
    // SAFETY: as above: a large pointer, checked by the engine.
    let result = unsafe { kalloc::free(block) };
    expect(
        result,
        KernelAllocError::Large(AllocError::DoubleFree(address(block))),
    )?;
    let stranger = LARGE_ALLOCATION_START + LARGE_ALLOCATION_SIZE / 2;
    let stranger = NonNull::new(stranger as *mut u8).ok_or("null")?;
    // SAFETY: as above.
    let result = unsafe { kalloc::free(stranger) };
    expect(
        result,
        KernelAllocError::Large(AllocError::UnknownPointer(address(stranger))),
    )?;
    frames_returned(baseline)
}

fn address(pointer: NonNull<u8>) -> pristine_allocator::VirtAddr {
    pristine_allocator::VirtAddr(pointer.as_ptr() as u64)
}

fn expect<T: core::fmt::Debug>(
    result: Result<T, KernelAllocError>,
    expected: KernelAllocError,
) -> TestResult {
    match result {
        Err(error) if error == expected => Ok(()),
        other => Err(format!("expected Err({expected:?}), got {other:?}")),
    }
}

/// `realloc` keeps contents when growing and shrinking, across the heap /
/// large-allocation boundary, and `malloc` serves both sizes.
pub fn realloc_keeps_contents() -> TestResult {
    let baseline = start(Policy::DirtyTracking, HW)?;
    let small = kalloc::malloc(1000).map_err(|e| format!("malloc: {e:?}"))?;
    // SAFETY: 1000 writable bytes.
    unsafe { small.as_ptr().write_bytes(0x11, 1000) };
    let mut block = small;
    for size in [300 << 10, 2 << 20, 200 << 10, 500] {
        // SAFETY: `block` is live and from kalloc.
        block = unsafe { kalloc::realloc(block, size) }.map_err(|e| format!("realloc: {e:?}"))?;
        let kept = 500.min(size) as usize;
        // SAFETY: at least `kept` bytes are live.
        let bytes = unsafe { core::slice::from_raw_parts(block.as_ptr(), kept) };
        if let Some(offset) = bytes.iter().position(|&byte| byte != 0x11) {
            return Err(format!("after realloc to {size}: byte {offset} lost"));
        }
    }
    free(block)?;
    frames_returned(baseline)
}
