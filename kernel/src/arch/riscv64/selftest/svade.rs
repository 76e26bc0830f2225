//! The Svade test: a store to a clean page faults once, the engine sets D,
//! and the write is recorded, with no fault retried forever.
//!
//! Runs with `svade=on` (the runner passes it), where the allocator's MMU
//! faults on a clear dirty bit as a Svade core does (see
//! `arch::riscv64::svade`). This is the case that locked up a first port:
//! the engine sees a fault on an entry that already allows the write, and
//! must set D rather than call the fault spurious and retry.

use super::super::svade;
use crate::memory::kalloc;
use crate::memory::large;
use crate::selftest::TestResult;
use alloc::format;
use core::ptr::NonNull;
use pristine_allocator::{AccessedDirtyUpdates, DirtyStrategy, PAGE_SIZE, Policy, Stats};

const PAGES: u64 = 64;
const WRITTEN: u64 = 3;

fn write_byte(block: NonNull<u8>, page: u64, value: u8) {
    // SAFETY: page < PAGES, so the offset stays inside the block.
    let byte = unsafe { block.as_ptr().add((page * PAGE_SIZE) as usize) };
    // SAFETY: inside the live, writable block.
    unsafe { byte.write_volatile(value) };
}

fn read_byte(block: NonNull<u8>, page: u64) -> u8 {
    // SAFETY: page < PAGES, so the offset stays inside the block.
    let byte = unsafe { block.as_ptr().add((page * PAGE_SIZE) as usize) };
    // SAFETY: inside the live block.
    unsafe { byte.read_volatile() }
}

fn calloc() -> Result<NonNull<u8>, alloc::string::String> {
    kalloc::calloc(1, PAGES * PAGE_SIZE).map_err(|e| format!("calloc: {e:?}"))
}

fn free(block: NonNull<u8>) -> TestResult {
    // SAFETY: every block here comes from kalloc and is freed once.
    unsafe { kalloc::free(block) }.map_err(|e| format!("free: {e:?}"))
}

fn counters() -> Stats {
    large::with_engine(|engine| engine.stats())
}

/// Writes page 3 of a cached block after its dirty bit was cleared on reuse:
/// exactly one accessed/dirty fault, none spurious, none on a second write,
/// and the next reuse re-zeroes exactly that page.
pub fn svade_dirty_fault_is_fixed_once() -> TestResult {
    if svade::updates() != AccessedDirtyUpdates::Software {
        return Err("needs svade=on on the command line".into());
    }
    large::switch(Policy::DirtyTracking, DirtyStrategy::Hardware)
        .map_err(|e| format!("switching policy: {e:?}"))?;
    let block = calloc()?;
    write_byte(block, WRITTEN, 0x11);
    free(block)?;
    let block = calloc()?;
    large::with_engine(|engine| engine.reset_counters());
    write_byte(block, WRITTEN, 0x22);
    let first = counters();
    write_byte(block, WRITTEN, 0x33);
    let second = counters();
    if (
        first.accessed_dirty_faults,
        first.spurious_faults,
        first.faults(),
    ) != (1, 0, 1)
    {
        return Err(format!(
            "the first store to a re-armed page should take one dirty-bit fault: {first:?}"
        ));
    }
    if second.faults() != first.faults() {
        return Err(format!("the second store faulted again: {second:?}"));
    }
    if read_byte(block, WRITTEN) != 0x33 {
        return Err("the store did not land".into());
    }
    free(block)?;
    large::with_engine(|engine| engine.reset_counters());
    let block = calloc()?;
    let reuse = counters();
    if reuse.pages_zeroed_on_reuse != 1 || read_byte(block, WRITTEN) != 0 {
        return Err(format!(
            "the recorded write should make the next hit re-zero exactly one page: {reuse:?}"
        ));
    }
    free(block)
}
