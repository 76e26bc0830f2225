//! One round of the seed's loop, and helpers shared by the experiments.
//!
//! A round is what the 2016 program did ten thousand times: `calloc` a large
//! block, maybe write some of it, `free` it. Its cost is measured in guest
//! ticks (`rdtsc` on x86_64, the `cycle` CSR on riscv64; exact guest
//! instructions under `-icount shift=0`). A round the guest has too few
//! frames for is a [`RoundError::OutOfMemory`], not a crash: the engine has
//! then already released the block, so the experiment can report the row
//! and go on.

use crate::arch::read_timestamp;
use crate::console::emit;
use crate::memory::kalloc::{self, KernelAllocError};
use crate::memory::large;
use core::fmt;
use core::ptr::NonNull;
use pristine_allocator::{AllocError, MmuError, PAGE_SIZE};
use pristine_records::{AllocationSize, Progress, Record};

/// Why a round did not run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoundError {
    /// The guest had no frame left for the block's pages, or for the page
    /// tables that map them, even after the engine gave back its cache. The
    /// engine has released the block.
    OutOfMemory,
    /// The allocator refused for another reason (a bug in an experiment).
    Refused(KernelAllocError),
}

impl From<KernelAllocError> for RoundError {
    fn from(error: KernelAllocError) -> RoundError {
        if is_out_of_memory(&error) {
            RoundError::OutOfMemory
        } else {
            RoundError::Refused(error)
        }
    }
}

impl fmt::Display for RoundError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RoundError::OutOfMemory => f.write_str("out of physical frames"),
            RoundError::Refused(error) => write!(f, "{error:?}"),
        }
    }
}

/// Whether `error` means the guest ran out of frames (for data or for page
/// tables), as opposed to a refusal an experiment should never provoke.
pub fn is_out_of_memory(error: &KernelAllocError) -> bool {
    matches!(
        error,
        KernelAllocError::Large(
            AllocError::OutOfFrames | AllocError::Mmu(MmuError::OutOfPageTableFrames)
        ) | KernelAllocError::HeapExhausted { .. }
    )
}

/// `calloc(size)`, a one-byte write into each of the first `written_pages`
/// pages, `free`; returns the ticks it took.
///
/// A write that cannot get a frame is a fatal page fault, not an error: the
/// demo writes nothing, and the benchmark runs in a guest with room.
#[cfg(not(feature = "breakdown"))]
pub fn timed_round(size: AllocationSize, written_pages: u64) -> Result<u64, RoundError> {
    let start = read_timestamp();
    let block = kalloc::calloc(1, size.bytes())?;
    write_pages(block, written_pages.min(size.pages()));
    // SAFETY: the block came from kalloc and is freed once.
    unsafe { kalloc::free(block)? };
    Ok(read_timestamp() - start)
}

/// The round of a kernel built with the `breakdown` feature: the same
/// round, each part charged to its [`Part`], and the pages written a second
/// time, without faults, as [`Part::Stores`] (see `breakdown.rs`). Kept
/// apart so the ordinary kernel's round has no trace of it.
#[cfg(feature = "breakdown")]
pub fn timed_round(size: AllocationSize, written_pages: u64) -> Result<u64, RoundError> {
    use crate::breakdown::{Part, measure};
    let start = read_timestamp();
    let block = measure(Part::Engine, || kalloc::calloc(1, size.bytes()))?;
    let pages = written_pages.min(size.pages());
    measure(Part::Program, || write_pages(block, pages));
    measure(Part::Stores, || write_pages(block, pages));
    // SAFETY: the block came from kalloc and is freed once.
    measure(Part::Engine, || unsafe { kalloc::free(block) })?;
    Ok(read_timestamp() - start)
}

/// Writes one byte into each of the first `pages` pages of `block`.
#[inline(always)]
fn write_pages(block: NonNull<u8>, pages: u64) {
    for page in 0..pages {
        let offset = (page * PAGE_SIZE) as usize;
        // SAFETY: the block is at least `pages` pages long (the caller's
        // `calloc`), so the offset stays inside it.
        let byte = unsafe { block.as_ptr().add(offset) };
        // SAFETY: `byte` lies inside the live, writable block.
        unsafe { byte.write_volatile(0xa5) };
    }
}

/// `calloc(size)`, a one-byte write into each of the first `written_pages`
/// pages, then a one-byte read of every page, `free`; returns the ticks it
/// took: the read axis of the benchmark. Apart from [`timed_round`], so
/// the written rounds' code stays exactly as it was measured before.
pub fn timed_read_round(size: AllocationSize, written_pages: u64) -> Result<u64, RoundError> {
    let start = read_timestamp();
    let block = kalloc::calloc(1, size.bytes())?;
    for page in 0..written_pages.min(size.pages()) {
        // SAFETY: `page` is one of the block's pages, so the offset stays
        // inside it.
        let byte = unsafe { block.as_ptr().add((page * PAGE_SIZE) as usize) };
        // SAFETY: `byte` lies inside the live, writable block.
        unsafe { byte.write_volatile(0xa5) };
    }
    let mut sum = 0u8;
    for page in 0..size.pages() {
        // SAFETY: as above.
        let byte = unsafe { block.as_ptr().add((page * PAGE_SIZE) as usize) };
        // SAFETY: `byte` lies inside the live, readable block.
        sum = sum.wrapping_add(unsafe { byte.read_volatile() });
    }
    core::hint::black_box(sum);
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
