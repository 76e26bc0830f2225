//! Ending the virtual machine with a status the host can read.
//!
//! QEMU's `virt` machine has a `sifive_test` device: a 32-bit write of
//! `0x5555` ends QEMU with status 0, and `(code << 16) | 0x3333` ends it
//! with status `code` (QEMU `hw/misc/sifive_test.c`). The `qemu-exit`
//! crate's RISC-V variant does the write. Pristine exits with the same
//! statuses as on x86_64, 33 for success, 35 for failure, 37 for boot input
//! it refused and 39 for a page fault no frame could serve (the runner's
//! `src/exit.rs` names them), so the host reads both architectures alike; status 0 is left to the firmware
//! (a shutdown through SBI).
//!
//! The device's address comes from the device tree. If it named none, the
//! kernel asks OpenSBI to shut down instead, and the host sees status 0.

use super::devices;
use super::paging::phys_to_virt;
use super::sbi;
use qemu_exit::QEMUExit;

/// QEMU's exit status for success (the x86_64 debug-exit's `(0x10 << 1) | 1`).
const SUCCESS_STATUS: u32 = 33;
/// QEMU's exit status for failure.
const FAILURE_STATUS: u32 = 35;
/// QEMU's exit status when the boot input was refused.
const BAD_BOOT_INPUT_STATUS: u32 = 37;
/// QEMU's exit status when a page fault found no frame.
const OUT_OF_MEMORY_STATUS: u32 = 39;

fn exit_with(status: u32) -> ! {
    if let Some(address) = devices::get().test_device {
        // SAFETY: the device tree names a sifive_test device at this
        // address; the direct map reaches its page.
        let device = unsafe { qemu_exit::RISCV64::new(phys_to_virt(address) as u64) };
        device.exit(status)
    }
    crate::println!("[EXIT] no sifive_test device; shutting down through SBI");
    sbi::shutdown(status != SUCCESS_STATUS);
    loop {
        core::hint::spin_loop();
    }
}

/// Ends QEMU with the success status (33).
pub fn exit_success() -> ! {
    exit_with(SUCCESS_STATUS)
}

/// Ends QEMU with the failure status (35).
pub fn exit_failure() -> ! {
    exit_with(FAILURE_STATUS)
}

/// Ends QEMU with the bad-boot-input status (37): the command line or the
/// boot information could not be used.
pub fn exit_bad_boot_input() -> ! {
    exit_with(BAD_BOOT_INPUT_STATUS)
}

/// Ends QEMU with the out-of-memory status (39): a page fault needed a
/// frame and none was left, even after the cache gave its frames back.
pub fn exit_out_of_memory() -> ! {
    exit_with(OUT_OF_MEMORY_STATUS)
}
