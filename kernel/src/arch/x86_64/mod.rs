//! x86_64: the only code in Pristine that touches x86 registers, page-table
//! entries, port I/O or descriptor tables.
//!
//! Boot order, from the PVH entry to the arch-neutral kernel:
//! [`boot`] (assembly: long mode, boot page tables) → [`entry::kernel_entry`]:
//! serial console, GDT/TSS, IDT, start info → `crate::kernel_main`, which
//! builds the frame allocator, the kernel's own page tables
//! ([`paging::init_page_tables`]) and the heap.
//!
//! The `pub use` lines below are this architecture's half of the contract
//! in [`crate::arch`]; everything else stays inside this module.

mod boot;
mod clear;
mod cpu;
mod entry;
mod exception_entry;
mod exceptions;
mod exit;
mod gdt;
mod large_page;
mod layout;
mod mmu;
mod paging;
mod pvh;
mod selftest;
mod serial;
mod stacks;

pub use clear::{CLEAR_PAGE_CANDIDATES, ClearRoutine, clear_page, fill_pages};
pub use cpu::read_timestamp;
pub use exit::{exit_bad_boot_input, exit_failure, exit_out_of_memory, exit_success};
pub use layout::{
    EARLY_MAPPED_LIMIT, HEAP_MAX_SIZE, HEAP_START, LARGE_ALLOCATION_SIZE, LARGE_ALLOCATION_START,
};
pub use mmu::PageTableMmu;
pub use paging::{init_page_tables, map_fresh_pages, phys_to_virt};
pub use selftest::KERNEL_TESTS;

/// x86_64 reads no command-line words of its own.
pub const BOOT_WORDS: &[crate::boot_input::Word] = &[];
pub use serial::{break_console_lock, write_console};
