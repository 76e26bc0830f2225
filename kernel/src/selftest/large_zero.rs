//! Large-zero-page tests: one megapage-sized read fault per 2 MiB, the split.
//!
//! The engine maps its 2 MiB zero frame over an untouched, 2 MiB-aligned
//! stretch on a read fault, with one large entry (x86_64: a directory entry
//! with PS; riscv64: a Sv39 megapage), and splits it into 4 KiB entries on
//! the first write. These tests check it on the real page tables: reads
//! of every page take one fault per stretch and see zeroes, a write takes
//! one frame and leaves every other byte zero (a large frame mapped
//! writable would show the write in the other stretches too), the cache
//! gives the block back zeroed under every policy, and every frame comes
//! back. `hugezero=off` keeps the 4 KiB zero page.

use super::TestResult;
use super::bytes::expect_zero;
use super::large::{HW, SW, calloc, frames_returned, free, start};
use crate::memory::large;
use alloc::format;
use core::ptr::NonNull;
use pristine_allocator::{
    DirtyStrategy, LARGE_PAGE_SIZE, PAGE_SIZE, PAGES_PER_LARGE_PAGE, Page, Policy, Stats, VirtAddr,
};

/// Four large pages: three or four aligned stretches, wherever it starts.
const SIZE: u64 = 4 * LARGE_PAGE_SIZE;
const PAGES: u64 = SIZE / PAGE_SIZE;

/// Where in each page the tests read and write.
const OFFSET: u64 = 123;

fn stats() -> Stats {
    large::with_engine(|engine| engine.stats())
}

/// Reads the byte at [`OFFSET`] of every page of the block, expecting zero
/// but `written` at the byte `written` names.
fn read_every_page(block: NonNull<u8>, written: Option<(u64, u8)>) -> TestResult {
    for page in 0..PAGES {
        let offset = page * PAGE_SIZE + OFFSET;
        // SAFETY: `offset` lies inside the live `SIZE`-byte block.
        let at = unsafe { block.as_ptr().add(offset as usize) };
        // SAFETY: `at` lies inside the live block, readable.
        let byte = unsafe { at.read_volatile() };
        let expected = match written {
            Some((at, value)) if at == offset => value,
            _ => 0,
        };
        if byte != expected {
            return Err(format!(
                "byte {offset:#x} reads {byte:#04x}, not {expected:#04x}"
            ));
        }
    }
    Ok(())
}

/// The aligned stretches wholly inside the block, and the pages outside.
fn stretches_of(block: NonNull<u8>) -> (u64, u64) {
    let start = block.as_ptr() as u64;
    let first = start.next_multiple_of(LARGE_PAGE_SIZE);
    let stretches = (start + SIZE - first) / LARGE_PAGE_SIZE;
    (stretches, PAGES - stretches * PAGES_PER_LARGE_PAGE)
}

/// What the MMU says about the page at `offset` of the block: (large, writable).
fn entry_at(block: NonNull<u8>, offset: u64) -> Option<(bool, bool)> {
    let page = Page::containing(VirtAddr(block.as_ptr() as u64 + offset));
    large::with_engine(|engine| {
        pristine_allocator::Mmu::query(engine.mmu(), page)
            .map(|entry| (entry.large, entry.writable))
    })
}

/// Read every page, then write one byte: the counts and bytes of the
/// module docs, under `policy`.
fn read_then_write(policy: Policy, dirty: DirtyStrategy) -> TestResult {
    let baseline = start(policy, dirty)?;
    if large::with_engine(|engine| engine.large_zero_page()).is_none() {
        return Err("the engine has no large zero page".into());
    }
    let block = calloc(SIZE)?;
    large::with_engine(|engine| engine.reset_counters());
    read_every_page(block, None)?;
    let (stretches, small) = stretches_of(block);
    let read = stats();
    if read.large_zero_page_mappings != stretches || read.read_faults != stretches + small {
        return Err(format!(
            "{stretches} stretches and {small} pages read: {read:?}"
        ));
    }
    if read.frames_in_use != 0 {
        return Err(format!("reading took frames: {read:?}"));
    }
    let first = (block.as_ptr() as u64).next_multiple_of(LARGE_PAGE_SIZE) - block.as_ptr() as u64;
    if entry_at(block, first) != Some((true, false)) {
        return Err(format!(
            "the first stretch is not large and read-only: {:?}",
            entry_at(block, first)
        ));
    }
    let written = first + 5 * PAGE_SIZE + OFFSET;
    // SAFETY: `written` lies inside the live block.
    let at = unsafe { block.as_ptr().add(written as usize) };
    // SAFETY: `at` lies inside the live, writable block.
    unsafe { at.write_volatile(0x7e) };
    let after = stats();
    let new_frames = after.frames_in_use - read.frames_in_use;
    if after.large_zero_page_splits != 1 || new_frames != 1 || after.cow_faults != 1 {
        return Err(format!("one write split wrongly: {after:?}"));
    }
    if entry_at(block, first) != Some((false, false))
        || entry_at(block, written) != Some((false, true))
    {
        return Err("the split stretch does not hold 4 KiB entries".into());
    }
    read_every_page(block, Some((written, 0x7e)))?;
    let block = if policy.caches() {
        free(block)?;
        large::with_engine(|engine| engine.reset_counters());
        let block = calloc(SIZE)?;
        let hit = stats();
        let expected = if policy == Policy::AlwaysZero {
            PAGES
        } else {
            1
        };
        if hit.cache_hits != 1 || hit.pages_zeroed_on_reuse != expected {
            return Err(format!(
                "reuse re-zeroed wrongly ({expected} expected): {hit:?}"
            ));
        }
        expect_zero(block, 0, SIZE)?;
        block
    } else {
        block
    };
    free(block)?;
    frames_returned(baseline)
}

/// No cache: reads map large pages, a write splits one, all frames back.
pub fn large_zero_page_read_and_split_nocache() -> TestResult {
    read_then_write(Policy::NoCache, HW)
}

/// Always-zero: the hit splits every stretch and zeroes every page.
pub fn large_zero_page_read_and_split_alwayszero() -> TestResult {
    read_then_write(Policy::AlwaysZero, HW)
}

/// Dirty tracking (D bit): the hit re-zeroes only the written page.
pub fn large_zero_page_read_and_split_dirty_hw() -> TestResult {
    read_then_write(Policy::DirtyTracking, HW)
}

/// Dirty tracking (write faults): the same.
pub fn large_zero_page_read_and_split_dirty_sw() -> TestResult {
    read_then_write(Policy::DirtyTracking, SW)
}

/// With `hugezero=off` every page read takes its own fault and maps the
/// 4 KiB zero page.
pub fn hugezero_off_maps_the_4_kib_zero_page() -> TestResult {
    let baseline = start(Policy::NoCache, HW)?;
    if large::with_engine(|engine| engine.large_zero_page()).is_some() {
        return Err("hugezero=off, yet the engine has a large zero page".into());
    }
    let block = calloc(SIZE)?;
    large::with_engine(|engine| engine.reset_counters());
    read_every_page(block, None)?;
    let read = stats();
    if read.read_faults != PAGES || read.large_zero_page_mappings != 0 {
        return Err(format!("{PAGES} pages read: {read:?}"));
    }
    free(block)?;
    frames_returned(baseline)
}
