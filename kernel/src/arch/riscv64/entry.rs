//! The first Rust code: from the boot stub to the architecture-neutral kernel.
//!
//! [`kernel_entry`] does what only the architecture can do, in an order
//! where each step only needs what the steps before it built: the trap
//! vector (so faults are reported, through OpenSBI's console until the
//! UART is up), the logger, the devices the device tree names (so even a
//! refusal can end QEMU with its status), the tree's command line and
//! memory copied into a [`BootInfo`] (or, if they cannot be used, one line
//! saying why and the bad-boot-input exit, through
//! `crate::boot_input::refuse`), then the UART, and the `svade=` word
//! the allocator's MMU follows. Then it calls `crate::kernel_main`, which brings up memory
//! (frames, the kernel's own page tables, the heap) through the arch
//! contract.

use super::device_tree::DeviceTree;
use super::{devices, serial, svade, trap_entry};
use crate::boot_info::BootInfo;
use pristine_allocator::PhysAddr;
use spin::Once;

static BOOT_INFO: Once<BootInfo> = Once::new();

/// First Rust code to run, called by the boot stub in S-mode with the boot
/// page table live, `hart` = the hart id and `device_tree` = the physical
/// address of the flattened device tree.
pub extern "C" fn kernel_entry(hart: u64, device_tree: u64) -> ! {
    trap_entry::init();
    crate::console::init_logger();
    let boot_info = BOOT_INFO.call_once(|| read_boot_info(device_tree));
    if let Some(uart) = devices::get().uart {
        serial::init(uart);
    }
    svade::configure(boot_info);
    log::debug!("hart {hart}, device tree at {device_tree:#x}");
    crate::kernel_main(boot_info)
}

fn read_boot_info(device_tree: u64) -> BootInfo {
    // SAFETY: `device_tree` is what OpenSBI passed in a1; the boot table maps
    // low physical memory at the direct-map offset, and nothing writes to
    // RAM outside the kernel image before the copy below.
    let tree = unsafe { DeviceTree::at(PhysAddr(device_tree)) }
        .unwrap_or_else(|error| crate::boot_input::refuse(error));
    devices::set(tree.devices());
    let mut boot_info = BootInfo::new();
    tree.copy_into(&mut boot_info)
        .unwrap_or_else(|error| crate::boot_input::refuse(error));
    boot_info
}
