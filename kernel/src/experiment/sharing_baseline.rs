//! Baselines of copy-on-write sharing: what `duplicate` costs against a
//! copy of the data.
//!
//! Part of `mode=baseline` (`baseline.rs` calls [`run`]):
//! - `duplicate_100mib_10pct`: duplicating a 100 MiB block of which the
//!   first 10 % (2,560 pages) was written: one entry read per touched page
//!   and a few page-table changes per written page, no data copied;
//! - `copy_100mib`: copying 100 MiB from one mapped, backed block to
//!   another: the floor of any duplicate that copies the data (what `fork`
//!   cost before copy-on-write).

use super::baseline::{calloc_or_abort, free_or_abort, report};
use super::round::abort;
use crate::arch::read_timestamp;
use crate::memory::large;
use alloc::vec::Vec;
use core::ptr::NonNull;
use pristine_allocator::{PAGE_SIZE, VirtAddr};

const HUNDRED_MIB: u64 = 100 << 20;
/// The written tenth of 100 MiB, in pages.
const WRITTEN_PAGES: u64 = HUNDRED_MIB / PAGE_SIZE / 10;

/// Measures both baselines and reports them.
pub fn run() {
    report(
        "duplicate_100mib_10pct",
        "duplicate 100 MiB of which 10 % was written",
        &duplicates(3),
    );
    report(
        "copy_100mib",
        "copy 100 MiB between mapped, backed blocks",
        &copies(3),
    );
}

/// Writes one byte into each of the first `pages` pages of `block`.
fn touch(block: NonNull<u8>, pages: u64, value: u8) {
    for page in 0..pages {
        // SAFETY: page < pages, which the callers keep inside the block.
        let byte = unsafe { block.as_ptr().add((page * PAGE_SIZE) as usize) };
        // SAFETY: inside the live block; a fault maps, copies or takes over.
        unsafe { byte.write_volatile(value) };
    }
}

/// Times `samples` duplicates of a 100 MiB block with its first tenth
/// written. Between samples the copy is freed and the original's pages
/// written again, so each sample starts from writable, unshared pages.
fn duplicates(samples: usize) -> Vec<u64> {
    let block = calloc_or_abort(HUNDRED_MIB);
    touch(block, WRITTEN_PAGES, 1);
    let result = (0..samples)
        .map(|sample| {
            let start = read_timestamp();
            let copy =
                large::with_engine(|engine| engine.duplicate(VirtAddr(block.as_ptr() as u64)))
                    .unwrap_or_else(|e| abort("baseline duplicate", e));
            let ticks = read_timestamp() - start;
            let copy = NonNull::new(copy.0 as *mut u8)
                .unwrap_or_else(|| abort("baseline duplicate", "address 0"));
            free_or_abort(copy);
            touch(block, WRITTEN_PAGES, sample as u8 + 2);
            ticks
        })
        .collect();
    free_or_abort(block);
    result
}

/// Times `samples` copies of 100 MiB between two backed blocks.
fn copies(samples: usize) -> Vec<u64> {
    let pages = HUNDRED_MIB / PAGE_SIZE;
    let source = calloc_or_abort(HUNDRED_MIB);
    let target = calloc_or_abort(HUNDRED_MIB);
    touch(source, pages, 1);
    touch(target, pages, 1);
    let result = (0..samples)
        .map(|_| {
            let start = read_timestamp();
            // SAFETY: two live, backed, distinct blocks of 100 MiB each.
            unsafe {
                core::ptr::copy_nonoverlapping(
                    source.as_ptr().cast_const(),
                    target.as_ptr(),
                    HUNDRED_MIB as usize,
                );
            }
            read_timestamp() - start
        })
        .collect();
    free_or_abort(source);
    free_or_abort(target);
    result
}
