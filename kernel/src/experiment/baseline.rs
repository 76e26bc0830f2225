//! Baselines for the benchmark: what the building blocks cost in the guest.
//!
//! `mode=baseline` prints one `bench-baseline` record per measurement, each
//! with several samples in ticks:
//! - `clear_100mib`: clearing 100 MiB that is already mapped and backed, with
//!   the kernel's clear routine: the floor for any policy that must zero;
//! - `cow_fault`: the first write to an untouched page of a fresh `calloc`
//!   block: one copy-on-write fault, frame allocation and zeroing included;
//! - `frame_alloc_free`: one frame allocation plus its free;
//! - `clear_page_<method>`: one 4 KiB page cleared with each candidate method
//!   (per page, averaged over 256 pages), to pick the kernel's clear routine;
//! - `duplicate_100mib_10pct` and `copy_100mib`: copy-on-write sharing
//!   against copying the data (`sharing_baseline.rs`).

use super::round::abort;
use crate::arch::{CLEAR_PAGE_CANDIDATES, ClearRoutine, clear_page, read_timestamp};
use crate::console::emit;
use crate::memory::kalloc;
use crate::memory::{large, with_frames};
use alloc::vec::Vec;
use core::ptr::NonNull;
use pristine_allocator::{DirtyStrategy, PAGE_SIZE, Policy};
use pristine_records::{BenchBaseline, Record};

const HUNDRED_MIB: u64 = 100 << 20;

/// Measures every baseline and ends the machine.
pub fn run() -> ! {
    large::switch(Policy::NoCache, DirtyStrategy::Hardware)
        .unwrap_or_else(|e| abort("baseline", e));
    let clear = clear_mapped(HUNDRED_MIB, 3, clear_page);
    report(
        "clear_100mib",
        "clear 100 MiB of mapped, backed memory",
        &clear,
    );
    report(
        "cow_fault",
        "first write to an untouched calloc page",
        &cow_faults(64),
    );
    report(
        "frame_alloc_free",
        "allocate one frame and free it",
        &frame_alloc_free(1000),
    );
    super::sharing_baseline::run();
    for (name, routine) in CLEAR_PAGE_CANDIDATES {
        let samples = clear_mapped(256 * PAGE_SIZE, 5, routine);
        let per_page: Vec<u64> = samples.iter().map(|ticks| ticks / 256).collect();
        report(
            &alloc::format!("clear_page_{name}"),
            "clear one 4 KiB page",
            &per_page,
        );
    }
    crate::arch::exit_success()
}

pub(super) fn calloc_or_abort(size: u64) -> NonNull<u8> {
    kalloc::calloc(1, size).unwrap_or_else(|e| abort("baseline calloc", alloc::format!("{e:?}")))
}

pub(super) fn free_or_abort(block: NonNull<u8>) {
    // SAFETY: every block here comes from calloc_or_abort and is freed once.
    unsafe { kalloc::free(block) }
        .unwrap_or_else(|e| abort("baseline free", alloc::format!("{e:?}")));
}

/// Backs `size` bytes by writing every page, then clears them `samples`
/// times with `routine`; returns the ticks of each pass.
fn clear_mapped(size: u64, samples: usize, routine: ClearRoutine) -> Vec<u64> {
    let block = calloc_or_abort(size);
    let pages = size / PAGE_SIZE;
    for page in 0..pages {
        // SAFETY: page < pages, so the offset stays inside the block.
        let byte = unsafe { block.as_ptr().add((page * PAGE_SIZE) as usize) };
        // SAFETY: inside the live, writable block; faulting each page in backs it.
        unsafe { byte.write_volatile(1) };
    }
    let result = (0..samples)
        .map(|_| {
            let start = read_timestamp();
            for page in 0..pages {
                // SAFETY: page < pages, so the offset stays inside the block.
                let start = unsafe { block.as_ptr().add((page * PAGE_SIZE) as usize) };
                // SAFETY: a backed, writable, page-aligned page of the block, not borrowed.
                unsafe { routine(start) };
            }
            read_timestamp() - start
        })
        .collect();
    free_or_abort(block);
    result
}

fn cow_faults(count: u64) -> Vec<u64> {
    let block = calloc_or_abort(count * PAGE_SIZE);
    let samples = (0..count)
        .map(|page| {
            let start = read_timestamp();
            // SAFETY: page < count, so the offset stays inside the block.
            let byte = unsafe { block.as_ptr().add((page * PAGE_SIZE) as usize) };
            // SAFETY: inside the live, writable block; the write takes the
            // fault being measured.
            unsafe { byte.write_volatile(1) };
            read_timestamp() - start
        })
        .collect();
    free_or_abort(block);
    samples
}

fn frame_alloc_free(count: usize) -> Vec<u64> {
    (0..count)
        .map(|_| {
            with_frames(|frames| {
                let start = read_timestamp();
                let frame = frames
                    .allocate()
                    .unwrap_or_else(|e| abort("baseline frame", e));
                frames
                    .free(frame)
                    .unwrap_or_else(|e| abort("baseline frame", e));
                read_timestamp() - start
            })
        })
        .collect()
}

pub(super) fn report(name: &str, what: &str, samples: &[u64]) {
    emit(&Record::BenchBaseline(BenchBaseline {
        name: name.into(),
        what: what.into(),
        ticks: samples.to_vec(),
    }));
}
