//! One round of the seed's loop, and helpers shared by the experiments.
//!
//! A round is what the 2016 program did ten thousand times: `calloc` a large
//! block, maybe write some of it, `free` it. Its cost is measured in guest
//! ticks (`rdtsc`; exact guest instructions under `-icount shift=0`).

use crate::arch::read_timestamp;
use crate::console::{JsonString, emit_record};
use crate::memory::kalloc::{self, KernelAllocError};
use pristine_allocator::PAGE_SIZE;

/// `calloc(size)`, a one-byte write into each of the first `written_pages`
/// pages, `free`; returns the ticks it took.
pub fn timed_round(size: u64, written_pages: u64) -> Result<u64, KernelAllocError> {
    let start = read_timestamp();
    let block = kalloc::calloc(1, size)?;
    for page in 0..written_pages {
        let offset = (page * PAGE_SIZE) as usize;
        // SAFETY: the block is `size` bytes and written_pages * PAGE_SIZE <= size,
        // so the offset stays inside it.
        let byte = unsafe { block.as_ptr().add(offset) };
        // SAFETY: `byte` lies inside the live, writable block.
        unsafe { byte.write_volatile(0xa5) };
    }
    // SAFETY: the block came from kalloc and is freed once.
    unsafe { kalloc::free(block)? };
    Ok(read_timestamp() - start)
}

/// Prints a progress record for `done` of `total` steps, about 20 times in all.
pub fn progress(label: &str, done: u64, total: u64) {
    let step = (total / 20).max(1);
    if done == total || done.is_multiple_of(step) {
        emit_record(format_args!(
            r#"{{"kind":"progress","label":{},"done":{done},"total":{total}}}"#,
            JsonString(label)
        ));
    }
}

/// A size as a short human label: "100 MiB", "128 KiB".
pub fn size_label(bytes: u64) -> alloc::string::String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        alloc::format!("{} MiB", bytes >> 20)
    } else {
        alloc::format!("{} KiB", bytes >> 10)
    }
}

/// Reports an experiment that could not run, and fails the machine.
pub fn abort(what: &str, reason: impl core::fmt::Display) -> ! {
    panic!("{what}: {reason}")
}
