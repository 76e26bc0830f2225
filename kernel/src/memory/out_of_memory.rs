//! The end of the machine when a page fault finds no frame.
//!
//! The large-allocation engine gives back its cache before it gives up (it
//! reclaims cached blocks, oldest first, and retries), so a fault that
//! still finds no frame, for the page or for a page table to map it, is a
//! true out-of-memory condition: the program asked for more memory than
//! the machine has. The kernel then does not panic with a source location,
//! which would read as a kernel bug: it prints one `[OUT OF MEMORY]` line
//! saying where and what memory looked like, and ends QEMU with its own
//! exit status (39), which the runner reports as out of memory.
//!
//! [`OutOfMemory`] is taken inside the fault handler while the engine is
//! locked, so it is plain numbers: nothing is allocated or formatted
//! until [`end_machine`] prints it.

use crate::arch;
use core::fmt;
use pristine_allocator::{Access, CacheUsage, Policy};

/// What memory looked like when a fault found no frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfMemory {
    /// The faulting address.
    pub address: u64,
    /// What the access tried to do.
    pub access: Access,
    /// Whether the frame was wanted for a page table (else for the page).
    pub for_page_table: bool,
    /// Free frames in the kernel's frame allocator.
    pub free_frames: u64,
    /// Usable frames in all.
    pub usable_frames: u64,
    /// Frames the engine holds in live and cached blocks.
    pub engine_frames: u64,
    /// Frames the MMU holds as page tables of the large range.
    pub page_table_frames: u64,
    /// What the cache still holds (nothing, once reclaim has run).
    pub cache: CacheUsage,
    /// Frames reclaimed from the cache since the counters were reset.
    pub frames_reclaimed: u64,
    /// The cache policy.
    pub policy: Policy,
}

impl fmt::Display for OutOfMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let access = match self.access {
            Access::Read => "read",
            Access::Write => "write",
            Access::Execute => "execute",
        };
        let wanted = if self.for_page_table {
            "a frame for a page table"
        } else {
            "a frame"
        };
        write!(
            f,
            "{access} fault at {:#x} needed {wanted} and none is left: {} of {} frames free; \
             large allocations hold {} frames, their page tables {}; \
             cache: {} blocks, {} bytes (policy {}, {} frames reclaimed from it)",
            self.address,
            self.free_frames,
            self.usable_frames,
            self.engine_frames,
            self.page_table_frames,
            self.cache.entries,
            self.cache.bytes,
            self.policy,
            self.frames_reclaimed,
        )
    }
}

/// Prints the `[OUT OF MEMORY]` line for `report` (with the faulting
/// instruction's address) and ends the machine with the out-of-memory
/// status.
pub fn end_machine(report: &OutOfMemory, instruction: u64) -> ! {
    arch::break_console_lock();
    crate::println!("[OUT OF MEMORY] {report} (rip {instruction:#x})");
    arch::exit_out_of_memory()
}
