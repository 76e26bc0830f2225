//! The first Rust code: from the boot stub to the architecture-neutral kernel.
//!
//! [`kernel_entry`] does what only the architecture can do, in an order
//! where each step only needs what the steps before it built: serial console
//! (so everything after can report), GDT and TSS, IDT (so faults are
//! reported, not triple faults), and the PVH start info copied into a
//! [`BootInfo`] (or, if it cannot be used, one line saying why and the
//! bad-boot-input exit, through `crate::boot_input::refuse`). Then it calls `crate::kernel_main`, which brings up memory
//! (frames, the kernel's own page tables, the heap) through the arch
//! contract.

use super::{exceptions, gdt, pvh, serial};
use crate::boot_info::BootInfo;
use pristine_allocator::PhysAddr;
use spin::Once;

static BOOT_INFO: Once<BootInfo> = Once::new();

/// First Rust code to run, called by the boot stub in long mode with the
/// physical address of the PVH start info.
pub extern "C" fn kernel_entry(start_info: u64) -> ! {
    serial::init();
    crate::console::init_logger();
    gdt::init();
    exceptions::init();
    let boot_info = BOOT_INFO.call_once(|| read_boot_info(start_info));
    crate::kernel_main(boot_info)
}

fn read_boot_info(start_info: u64) -> BootInfo {
    let mut boot_info = BootInfo::new();
    // SAFETY: `start_info` is what the PVH loader passed in ebx, and the boot
    // tables map low memory at the direct-map offset.
    unsafe { pvh::read_start_info(PhysAddr(start_info), &mut boot_info) }
        .unwrap_or_else(|error| crate::boot_input::refuse(error));
    boot_info
}
