//! Fault injection in the real kernel: one frame request fails on purpose.
//!
//! `memory::injection` makes the n-th frame request of the large-allocation
//! engine fail although frames are free. Two situations, for a few n:
//!
//! - **Absorbed.** A written block waits in the cache. A failure on the
//!   fault path (a first write needs a frame) makes the engine reclaim that
//!   block and retry: every write goes through, no call fails, the block's
//!   frames show as reclaimed, and every byte reads as written or zero.
//!   (Under NoCache there is no cache to reclaim: such a fault is out of
//!   memory, which `pressure.rs` tests.)
//! - **Refused cleanly.** Nothing else is cached, and a `calloc` needs
//!   frames: only an always-zero cache hit does (it faults every page in to
//!   zero it). It fails with `OutOfFrames`, releases the block and holds
//!   nothing, and the next `calloc` works. Under the other policies no
//!   allocation call takes a frame at all, so the armed failure never fires.
//!
//! Every case ends with every frame back.

use super::TestResult;
use super::bytes::{expect_pattern, expect_zero, fill_page, pattern, write_page_checked};
use super::large::{FrameBaseline, HW, SW, calloc, frames_returned, free, start};
use crate::memory::kalloc::{self, KernelAllocError};
use crate::memory::{injection, large};
use alloc::format;
use alloc::string::String;
use pristine_allocator::{AllocError, DirtyStrategy, PAGE_SIZE, Policy};

/// The requests made to fail, counted from when the failure is armed.
const FAILING_REQUESTS: [u64; 5] = [0, 1, 17, 127, 1000];
/// Pages of the block the rounds allocate, write and free (512 KiB): its
/// first round takes one frame per page, later rounds reuse its frames.
const BLOCK_PAGES: u64 = 128;
/// Pages of the written block waiting in the cache (1 MiB): too large for
/// best fit to hand it out for the block (the waste would equal the
/// request), so it stays the oldest entry.
const RESERVE_PAGES: u64 = 256;
/// Rounds of the block.
const ROUNDS: u64 = 3;

/// Allocates, checks, writes and frees the block, round after round.
fn rounds() -> Result<(), String> {
    for round in 0..ROUNDS {
        let context = |error| format!("round {round}: {error}");
        let block = calloc(BLOCK_PAGES * PAGE_SIZE).map_err(context)?;
        expect_zero(block, 0, BLOCK_PAGES * PAGE_SIZE).map_err(context)?;
        for page in 0..BLOCK_PAGES {
            write_page_checked(block, page, pattern(page, round + 2)).map_err(context)?;
        }
        for page in 0..BLOCK_PAGES {
            expect_pattern(block, page, pattern(page, round + 2)).map_err(context)?;
        }
        free(block).map_err(context)?;
    }
    Ok(())
}

/// The absorbed case for the n-th request.
fn absorbed(policy: Policy, dirty: DirtyStrategy, n: u64) -> TestResult {
    let baseline = start(policy, dirty)?;
    let reserve = calloc(RESERVE_PAGES * PAGE_SIZE)?;
    for page in 0..RESERVE_PAGES {
        fill_page(reserve, page, pattern(page, 1));
    }
    free(reserve)?;
    injection::fail_frame_request(n);
    let outcome = rounds();
    let refused = injection::disarm();
    outcome?;
    let fires = n < BLOCK_PAGES;
    let stats = large::with_engine(|engine| engine.stats());
    let expected_reclaim = if fires { RESERVE_PAGES } else { 0 };
    if refused != u64::from(fires) || stats.frames_reclaimed != expected_reclaim {
        return Err(format!(
            "{refused} requests refused, {} frames reclaimed; expected {} and \
             {expected_reclaim}: {stats:?}",
            stats.frames_reclaimed,
            u64::from(fires)
        ));
    }
    frames_returned(baseline)
}

/// Free frames match `baseline` now, the cache left as it is.
fn frames_back_now(baseline: &FrameBaseline) -> TestResult {
    let missing = baseline.missing_now();
    if missing != 0 {
        return Err(format!("{missing} frames missing after the failed calloc"));
    }
    Ok(())
}

/// The refused-cleanly case for the n-th request.
fn refused_cleanly(policy: Policy, dirty: DirtyStrategy, n: u64) -> TestResult {
    let baseline = start(policy, dirty)?;
    free(calloc(BLOCK_PAGES * PAGE_SIZE)?)?;
    injection::fail_frame_request(n);
    let result = kalloc::calloc(1, BLOCK_PAGES * PAGE_SIZE);
    let refused = injection::disarm();
    let hit_needs_frames = policy == Policy::AlwaysZero && n < BLOCK_PAGES;
    match result {
        Err(KernelAllocError::Large(AllocError::OutOfFrames)) if hit_needs_frames => {
            let cache = large::with_engine(|engine| engine.cache_usage());
            if refused != 1 || cache.entries != 0 {
                return Err(format!(
                    "refused {refused} requests, cache holds {} blocks after the failed calloc",
                    cache.entries
                ));
            }
            frames_back_now(&baseline)?;
        }
        Ok(block) if !hit_needs_frames => {
            if refused != 0 {
                return Err(format!(
                    "{refused} requests refused by a calloc that took no frame"
                ));
            }
            expect_zero(block, 0, BLOCK_PAGES * PAGE_SIZE)?;
            // SAFETY: the block came from kalloc and is live.
            let block = unsafe { kalloc::realloc(block, 2 * BLOCK_PAGES * PAGE_SIZE) }
                .map_err(|e| format!("realloc: {e:?}"))?;
            free(block)?;
        }
        other => {
            return Err(format!(
                "calloc with request {n} failing: {other:?} ({refused} refused)"
            ));
        }
    }
    let block = calloc(BLOCK_PAGES * PAGE_SIZE)?;
    expect_zero(block, 0, BLOCK_PAGES * PAGE_SIZE)?;
    free(block)?;
    frames_returned(baseline)
}

/// Both cases (the absorbed one only where there is a cache) for every n.
fn inject(policy: Policy, dirty: DirtyStrategy) -> TestResult {
    for n in FAILING_REQUESTS {
        if policy.caches() {
            absorbed(policy, dirty, n).map_err(|e| format!("absorbed, request {n}: {e}"))?;
        }
        refused_cleanly(policy, dirty, n).map_err(|e| format!("refused, request {n}: {e}"))?;
    }
    Ok(())
}

/// No cache: allocation calls take no frame, so a failure armed for them
/// never fires.
pub fn injected_frame_failure_leaks_nothing_nocache() -> TestResult {
    inject(Policy::NoCache, HW)
}

/// Always-zero: a failure on the fault path is absorbed by reclaim; one in
/// a cache hit's re-zeroing, with nothing to reclaim, fails that `calloc`
/// cleanly.
pub fn injected_frame_failure_leaks_nothing_alwayszero() -> TestResult {
    inject(Policy::AlwaysZero, HW)
}

/// Dirty tracking with the D bit: a failure on the fault path is absorbed.
pub fn injected_frame_failure_leaks_nothing_dirty_hw() -> TestResult {
    inject(Policy::DirtyTracking, HW)
}

/// Dirty tracking with write faults: the same.
pub fn injected_frame_failure_leaks_nothing_dirty_sw() -> TestResult {
    inject(Policy::DirtyTracking, SW)
}
