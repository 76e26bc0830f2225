//! riscv64: the only code in Pristine that touches RISC-V CSRs, Sv39
//! page-table entries, SBI calls or the trap vector.
//!
//! Boot order, from OpenSBI to the arch-neutral kernel: [`boot`]
//! (assembly: BSS, boot page table, `satp`, stack) →
//! [`entry::kernel_entry`]: trap vector, device tree, UART →
//! `crate::kernel_main`, which builds the frame allocator, the kernel's own
//! page tables ([`paging::init_page_tables`]) and the heap.
//!
//! The `pub use` lines below are this architecture's half of the contract
//! in [`crate::arch`]; everything else stays inside this module.

mod boot;
mod clear;
mod cpu;
mod csr;
mod device_tree;
mod devices;
mod entry;
mod exit;
mod large_page;
mod layout;
mod mmu;
mod paging;
mod sbi;
mod selftest;
mod serial;
mod stacks;
mod sv39;
mod svade;
mod trap_entry;
mod traps;

pub use clear::{CLEAR_PAGE_CANDIDATES, ClearRoutine, clear_page, fill_pages};
pub use cpu::read_timestamp;
pub use exit::{exit_bad_boot_input, exit_failure, exit_out_of_memory, exit_success};
pub use layout::{
    EARLY_MAPPED_LIMIT, HEAP_MAX_SIZE, HEAP_START, LARGE_ALLOCATION_SIZE, LARGE_ALLOCATION_START,
};
pub use mmu::PageTableMmu;
pub use paging::{init_page_tables, map_fresh_pages, phys_to_virt};
pub use selftest::KERNEL_TESTS;
pub use serial::{break_console_lock, write_console};
pub use svade::BOOT_WORDS;
