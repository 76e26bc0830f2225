//! x86_64: the only code in Pristine that touches x86 registers, page-table
//! entries, port I/O or descriptor tables.
//!
//! Boot order, from the PVH entry to the arch-neutral kernel:
//! [`boot`] (assembly: long mode, boot page tables) → [`kernel_entry`]:
//! serial console, GDT/TSS, IDT, start info, frame allocator, the kernel's own
//! page tables, the heap → `crate::kernel_main`.

pub mod boot;
pub mod clear;
pub mod cpu;
pub mod exception_entry;
pub mod exceptions;
pub mod exit;
pub mod gdt;
pub mod layout;
pub mod mmu_port;
pub mod paging;
pub mod pvh;
pub mod selftest;
pub mod serial;
pub mod stacks;

use crate::boot_info::BootInfo;
use pristine_allocator::PhysAddr;
use spin::Once;

static BOOT_INFO: Once<BootInfo> = Once::new();

pub use mmu_port::page_table_frames;

/// The allocator port this architecture provides.
pub type AllocatorPort = mmu_port::X86Port;

/// A port on the live kernel page tables, using the hardware dirty bit.
pub fn allocator_port() -> AllocatorPort {
    mmu_port::X86Port::new(pristine_allocator::port::DirtyDetection::Hardware)
}

/// First Rust code to run, called by the boot stub in long mode with the
/// physical address of the PVH start info.
pub extern "C" fn kernel_entry(start_info: u64) -> ! {
    serial::init();
    crate::console::init_logger();
    gdt::init();
    exceptions::init();
    let boot_info = BOOT_INFO.call_once(|| read_boot_info(start_info));
    crate::memory::frames::init(boot_info);
    crate::memory::with_frames(|frames| {
        // SAFETY: first and only call, during boot, with the boot tables live.
        unsafe { paging::init(boot_info, frames) }
    })
    .unwrap_or_else(|error| panic!("could not build the kernel page tables: {error}"));
    crate::memory::heap::init();
    crate::kernel_main(boot_info)
}

fn read_boot_info(start_info: u64) -> BootInfo {
    let mut boot_info = BootInfo::new();
    // SAFETY: `start_info` is what the PVH loader passed in ebx, and the boot
    // tables map low memory at the direct-map offset.
    unsafe { pvh::read_start_info(PhysAddr(start_info), &mut boot_info) }
        .unwrap_or_else(|error| panic!("unusable PVH start info: {error}"));
    boot_info
}
