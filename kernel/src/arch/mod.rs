//! The architecture contract: everything the rest of the kernel uses from
//! the machine, in one list.
//!
//! The architecture-neutral kernel (`main.rs`, `memory/`, `selftest/`,
//! `experiment/`, the console) reaches the hardware only through the items
//! re-exported here, by these names. Each architecture is one module
//! (`x86_64/`, `riscv64/`) that provides every item with the meaning
//! documented below and keeps everything else private. A new port adds its
//! module, provides the same list, and adds its `cfg` line; any other target
//! stops the build.
//!
//! What an architecture provides:
//! - **Entry.** Its boot code brings the CPU up (console, exception
//!   handling), copies the boot loader's command line and memory map into a
//!   [`BootInfo`](crate::boot_info::BootInfo), and calls
//!   [`crate::kernel_main`]. Its page-fault handler offers faults to
//!   [`crate::memory::large::resolve_fault`] and treats what that refuses
//!   as fatal: an out-of-memory verdict through
//!   [`crate::memory::out_of_memory::end_machine`], anything else as a
//!   panic.
//! - **Address-space layout**: [`HEAP_START`] and [`HEAP_MAX_SIZE`] for the
//!   kernel heap, [`LARGE_ALLOCATION_START`] and [`LARGE_ALLOCATION_SIZE`]
//!   for the large-allocation engine, and [`EARLY_MAPPED_LIMIT`], the
//!   physical memory reachable through the direct map before
//!   [`init_page_tables`].
//! - **Page tables**: [`init_page_tables`] builds and switches to the
//!   kernel's own tables (a direct map of all RAM, the image W^X);
//!   [`phys_to_virt`] is the direct map, [`kernel_image`] the image's
//!   physical range, and [`map_fresh_pages`] maps zeroed frames (the heap);
//!   both report failures as [`PagingError`].
//! - **The allocator's MMU**: [`PageTableMmu`], the architecture's
//!   implementation of the allocator crate's MMU trait on the live tables,
//!   and its count of page-table frames taken.
//! - **The machine**: [`write_console`] and [`break_console_lock`] (the
//!   console the runner reads), [`exit_success`], [`exit_failure`],
//!   [`exit_bad_boot_input`] and [`exit_out_of_memory`] (end the virtual
//!   machine with a status the host reads), and [`read_timestamp`] (a
//!   growing tick counter for measurements).
//! - **Clearing memory**: [`clear_page`], the fastest measured way to zero
//!   a page, the [`CLEAR_PAGE_CANDIDATES`] it was chosen from, and
//!   [`fill_pages`], its sibling that fills a run of pages with one byte
//!   value (the poison of `memory::poison`).
//! - **Tests**: [`KERNEL_TESTS`], the kernel tests that need this
//!   architecture's hardware behaviour.
//! - **Boot words**: [`BOOT_WORDS`], the command-line keys only this
//!   architecture reads (checked with the others by `boot_input`).

#[cfg(target_arch = "x86_64")]
mod x86_64;
#[cfg(target_arch = "x86_64")]
use self::x86_64 as implementation;

#[cfg(target_arch = "riscv64")]
mod riscv64;
#[cfg(target_arch = "riscv64")]
use self::riscv64 as implementation;

#[cfg(not(any(target_arch = "x86_64", target_arch = "riscv64")))]
compile_error!("support for this architecture is not implemented");

// Address-space layout.
pub use implementation::{
    EARLY_MAPPED_LIMIT, HEAP_MAX_SIZE, HEAP_START, LARGE_ALLOCATION_SIZE, LARGE_ALLOCATION_START,
};

// Page tables.
pub use implementation::{
    PagingError, init_page_tables, kernel_image, map_fresh_pages, phys_to_virt,
};

// The allocator's MMU.
pub use implementation::PageTableMmu;

// The machine: console, exit, time.
pub use implementation::{
    break_console_lock, exit_bad_boot_input, exit_failure, exit_out_of_memory, exit_success,
    read_timestamp, write_console,
};

// Clearing memory.
pub use implementation::{CLEAR_PAGE_CANDIDATES, ClearRoutine, clear_page, fill_pages};

// Tests.
pub use implementation::KERNEL_TESTS;

// Boot words.
pub use implementation::BOOT_WORDS;
