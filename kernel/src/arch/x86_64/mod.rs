//! x86_64: the only code in Pristine that touches x86 registers, page-table
//! entries, port I/O or descriptor tables.
//!
//! Boot order, from the PVH entry to the arch-neutral kernel:
//! [`boot`] (assembly: long mode, boot page tables) → [`entry::kernel_entry`]:
//! serial console, GDT/TSS, IDT, start info, frame allocator, the kernel's own
//! page tables, the heap → `crate::kernel_main`.

pub mod boot;
pub mod clear;
pub mod cpu;
pub mod entry;
pub mod exception_entry;
pub mod exceptions;
pub mod exit;
pub mod gdt;
pub mod layout;
pub mod mmu;
pub mod paging;
pub mod pvh;
pub mod selftest;
pub mod serial;
pub mod stacks;

pub use entry::kernel_entry;
pub use mmu::{X86Mmu as Mmu, page_table_frames};
