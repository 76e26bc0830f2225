//! One round of the seed's loop, and helpers shared by the experiments.
//!
//! A round is what the 2016 program did ten thousand times: `calloc` a large
//! block, maybe write some of it, `free` it. Its cost is measured in guest
//! ticks (`rdtsc` on x86_64, the `cycle` CSR on riscv64; exact guest
//! instructions under `-icount shift=0`).

use crate::arch::read_timestamp;
use crate::console::emit;
use crate::memory::kalloc::{self, KernelAllocError};
use crate::memory::large;
use pristine_allocator::PAGE_SIZE;
use pristine_records::{AllocationSize, Progress, Record};

/// `calloc(size)`, a one-byte write into each of the first `written_pages`
/// pages, `free`; returns the ticks it took.
pub fn timed_round(size: AllocationSize, written_pages: u64) -> Result<u64, KernelAllocError> {
    let start = read_timestamp();
    let block = kalloc::calloc(1, size.bytes())?;
    for page in 0..written_pages.min(size.pages()) {
        let offset = (page * PAGE_SIZE) as usize;
        // SAFETY: the block is `size` bytes and `page` is one of its pages,
        // so the offset stays inside it.
        let byte = unsafe { block.as_ptr().add(offset) };
        // SAFETY: `byte` lies inside the live, writable block.
        unsafe { byte.write_volatile(0xa5) };
    }
    // SAFETY: the block came from kalloc and is freed once.
    unsafe { kalloc::free(block)? };
    Ok(read_timestamp() - start)
}

/// Prints the `cache-limits` record: the limits the engine runs with, so
/// the host judges sizes against them rather than a copy of its own.
pub fn report_cache_limits() {
    let limits = large::with_engine(|engine| engine.config().cache);
    emit(&Record::CacheLimits(limits));
}

/// Prints a progress record for `done` of `total` steps, about 20 times in all.
pub fn progress(label: &str, done: u64, total: u64) {
    let step = (total / 20).max(1);
    if done == total || done.is_multiple_of(step) {
        emit(&Record::Progress(Progress {
            label: label.into(),
            done,
            total,
        }));
    }
}

/// Reports an experiment that could not run, and fails the machine.
pub fn abort(what: &str, reason: impl core::fmt::Display) -> ! {
    panic!("{what}: {reason}")
}
