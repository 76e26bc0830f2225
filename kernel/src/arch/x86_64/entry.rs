//! The first Rust code: from the boot stub to the architecture-neutral kernel.
//!
//! [`kernel_entry`] brings the machine up in an order where each step only
//! needs what the steps before it built: serial console (so everything after
//! can report), GDT and TSS, IDT (so faults are reported, not triple faults),
//! the PVH start info, the frame allocator, the kernel's own page tables, the
//! heap, and then `crate::kernel_main`.

use super::{exceptions, gdt, paging, pvh, serial};
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
