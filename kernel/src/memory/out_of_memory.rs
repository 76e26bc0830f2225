//! The end of the machine when a page fault finds no frame.
//!
//! The large-allocation engine gives back its cache before it gives up (it
//! reclaims cached blocks, oldest first, and retries), so a fault that
//! still finds no frame, for the page or for a page table to map it, is a
//! true out-of-memory condition: the program asked for more memory than
//! the machine has. The kernel then does not panic with a source location,
//! which would read as a kernel bug: it prints one `[OUT OF MEMORY]` line
//! saying where and what memory held, and ends QEMU with its own exit
//! status (39), which the runner reports as out of memory.
//!
//! The fault path hands over only [`OutOfMemory`], three plain values, so
//! the verdict it returns stays as small as before; [`end_machine`] reads
//! the rest (free frames, what the engine and its cache hold) once the
//! engine is unlocked, and nothing is formatted before that.

use crate::arch::{self, PageTableMmu};
use crate::memory::{frames, large};
use core::fmt;
use pristine_allocator::{Access, CacheUsage, Policy, Stats};

/// A fault that found no frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfMemory {
    /// The faulting address.
    pub address: u64,
    /// What the access tried to do.
    pub access: Access,
    /// Whether the frame was wanted for a page table (else for the page).
    pub for_page_table: bool,
}

/// What memory held when the machine ran out.
struct Report {
    fault: OutOfMemory,
    free_frames: u64,
    usable_frames: u64,
    page_table_frames: u64,
    /// The engine's counters, cache and policy (`None` if it was locked).
    engine: Option<(Stats, CacheUsage, Policy)>,
}

impl Report {
    /// Reads what memory holds now.
    fn now(fault: OutOfMemory) -> Report {
        let frame_stats = frames::stats();
        Report {
            fault,
            free_frames: frame_stats.free.0,
            usable_frames: frame_stats.usable.0,
            page_table_frames: PageTableMmu::page_table_frames(),
            engine: large::try_with_engine(|engine| {
                (engine.stats(), engine.cache_usage(), engine.policy())
            }),
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let access = match self.fault.access {
            Access::Read => "read",
            Access::Write => "write",
            Access::Execute => "execute",
        };
        let wanted = if self.fault.for_page_table {
            "a frame for a page table"
        } else {
            "a frame"
        };
        write!(
            f,
            "{access} fault at {:#x} needed {wanted} and none is left: {} of {} frames free; ",
            self.fault.address, self.free_frames, self.usable_frames,
        )?;
        let Some((stats, cache, policy)) = self.engine else {
            return f.write_str("the engine is locked, its state unknown");
        };
        write!(
            f,
            "large allocations hold {} frames, their page tables {}; \
             cache: {} blocks, {} bytes (policy {policy}, {} frames reclaimed from it)",
            stats.frames_in_use,
            self.page_table_frames,
            cache.entries,
            cache.bytes,
            stats.frames_reclaimed,
        )
    }
}

/// Prints the `[OUT OF MEMORY]` line for `fault` (with the faulting
/// instruction's address and what memory holds now) and ends the machine
/// with the out-of-memory status.
pub fn end_machine(fault: &OutOfMemory, instruction: u64) -> ! {
    arch::break_console_lock();
    let report = Report::now(*fault);
    crate::println!("[OUT OF MEMORY] {report} (rip {instruction:#x})");
    arch::exit_out_of_memory()
}
