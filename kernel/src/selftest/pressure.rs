//! Memory pressure in the real kernel: cycles that write several times the
//! guest's RAM, and a fault that truly finds no frame.
//!
//! A cached block keeps its frames, and the libmalloc limits let the cache
//! hold more than a 64 MiB guest has. When a fault (or an always-zero cache
//! hit) needs a frame and none is free, the engine reclaims cached blocks,
//! oldest first, and retries. [`cycles_beyond_ram`] makes it do so over and
//! over: it keeps one block live and cycles blocks of changing sizes beside
//! it, writing every page, until the pages written come to four times the
//! memory that was free. Nothing may fail, every byte must read as written
//! or zero, the cache must have been reclaimed (under every caching policy),
//! and every frame must come back.
//!
//! When even reclaim finds nothing, a write fault is out of memory: the
//! kernel prints one `[OUT OF MEMORY]` line and ends with its own status
//! ([`write_fault_without_frames_reports_out_of_memory`]; the host test
//! checks the line and the status).

use super::TestResult;
use super::bytes::{expect_pattern, expect_zero, fill_page, pattern, write_page_checked};
use super::large::{HW, SW, calloc, frames_returned, free, start};
use crate::memory::kalloc;
use crate::memory::{frames, large};
use alloc::format;
use alloc::string::String;
use core::ptr::NonNull;
use pristine_allocator::{DirtyStrategy, PAGE_SIZE, Policy};

/// The sizes of the cycled blocks, in sixteenths of the frames free at the
/// start: each differs enough from the one before that best fit refuses
/// some cached blocks, so fresh blocks need frames the cache holds.
const CYCLE_SIXTEENTHS: [u64; 6] = [10, 3, 7, 5, 9, 2];
/// The block that stays live throughout, in sixteenths.
const KEPT_SIXTEENTHS: u64 = 4;
/// The pages the cycles write in all, in multiples of the free frames.
const WRITTEN_TIMES_FREE: u64 = 4;

/// Writes every page of the `pages`-page `block` with round `round`'s
/// patterns (checking each fresh frame was zeroed), then checks them all.
fn write_and_check(block: NonNull<u8>, pages: u64, round: u64) -> Result<(), String> {
    for page in 0..pages {
        write_page_checked(block, page, pattern(page, round))?;
    }
    for page in 0..pages {
        expect_pattern(block, page, pattern(page, round))?;
    }
    Ok(())
}

/// The cycles described in the module docs, under `policy` and `dirty`.
fn cycles_beyond_ram(policy: Policy, dirty: DirtyStrategy) -> TestResult {
    let baseline = start(policy, dirty)?;
    let free_pages = frames::stats().free.0;
    let sixteenth = free_pages / 16;
    let kept_pages = KEPT_SIXTEENTHS * sixteenth;
    let kept = calloc(kept_pages * PAGE_SIZE)?;
    write_and_check(kept, kept_pages, 0).map_err(|e| format!("the kept block: {e}"))?;
    let mut written = kept_pages;
    let mut round = 0;
    while written < WRITTEN_TIMES_FREE * free_pages {
        let pages = CYCLE_SIXTEENTHS[(round % 6) as usize] * sixteenth;
        let context = |error| format!("round {round} ({pages} pages, {written} written): {error}");
        let block = calloc(pages * PAGE_SIZE).map_err(context)?;
        expect_zero(block, 0, pages * PAGE_SIZE).map_err(context)?;
        write_and_check(block, pages, round + 1).map_err(context)?;
        free(block).map_err(context)?;
        written += pages;
        round += 1;
    }
    for page in 0..kept_pages {
        expect_pattern(kept, page, pattern(page, 0)).map_err(|e| format!("the kept block: {e}"))?;
    }
    free(kept)?;
    let stats = large::with_engine(|engine| engine.stats());
    let reclaimed = stats.frames_reclaimed;
    match policy {
        Policy::NoCache if reclaimed != 0 => {
            return Err(format!(
                "no cache, yet {reclaimed} frames reclaimed: {stats:?}"
            ));
        }
        Policy::AlwaysZero | Policy::DirtyTracking if reclaimed < free_pages => {
            return Err(format!(
                "{written} pages written with {free_pages} free, yet only {reclaimed} frames \
                 reclaimed from the cache: {stats:?}"
            ));
        }
        _ => {}
    }
    log::info!(
        "{round} rounds wrote {written} pages with {free_pages} frames free; \
         {reclaimed} frames reclaimed in {} evictions",
        stats.cache_evictions
    );
    frames_returned(baseline)
}

/// No cache: cycles writing four times the free memory; frees give frames
/// back directly, nothing is ever reclaimed.
pub fn pressure_cycles_beyond_ram_nocache() -> TestResult {
    cycles_beyond_ram(Policy::NoCache, HW)
}

/// Always-zero: the cache is reclaimed, oldest first, whenever a fault or a
/// cache hit's re-zeroing needs a frame; nothing fails.
pub fn pressure_cycles_beyond_ram_alwayszero() -> TestResult {
    cycles_beyond_ram(Policy::AlwaysZero, HW)
}

/// Dirty tracking with the D bit: the same.
pub fn pressure_cycles_beyond_ram_dirty_hw() -> TestResult {
    cycles_beyond_ram(Policy::DirtyTracking, HW)
}

/// Dirty tracking with write faults: the same.
pub fn pressure_cycles_beyond_ram_dirty_sw() -> TestResult {
    cycles_beyond_ram(Policy::DirtyTracking, SW)
}

/// Pages of the written block put into the cache first.
const CACHED_PAGES: u64 = 1024;
/// Pages the writes ask for beyond the free frames and the cache.
const EXCESS_PAGES: u64 = 4096;

/// A write fault that no frame can serve ends the machine with an
/// `[OUT OF MEMORY]` report and status 39, not a panic. A written block
/// waits in the cache first, so the report also shows it was reclaimed
/// before the engine gave up. Returning at all is a failure.
pub fn write_fault_without_frames_reports_out_of_memory() -> TestResult {
    let _ = start(Policy::DirtyTracking, HW)?;
    let cached = calloc(CACHED_PAGES * PAGE_SIZE)?;
    for page in 0..CACHED_PAGES {
        fill_page(cached, page, pattern(page, 1));
    }
    free(cached)?;
    let free_pages = frames::stats().free.0;
    let pages = free_pages + CACHED_PAGES + EXCESS_PAGES;
    let block = kalloc::malloc(pages * PAGE_SIZE).map_err(|e| format!("malloc: {e:?}"))?;
    for page in 0..pages {
        // SAFETY: `page` is one of the block's pages, so the byte lies in it.
        let byte = unsafe { block.as_ptr().add((page * PAGE_SIZE) as usize) };
        // SAFETY: the block is live and writable; the fault handler maps a
        // frame on this write or ends the machine.
        unsafe { byte.write_volatile(1) };
    }
    Err(format!(
        "wrote {pages} pages with {free_pages} frames free and {CACHED_PAGES} cached, \
         and memory did not run out"
    ))
}
