//! Ending the virtual machine with a status the host can read.
//!
//! QEMU's `isa-debug-exit` device (the runner adds
//! `-device isa-debug-exit,iobase=0xf4,iosize=0x04`) ends QEMU when the guest
//! writes a value `v` to port 0xf4, with exit status `(v << 1) | 1`. Pristine
//! uses 0x10 for success (status 33), 0x11 for failure (status 35), 0x12
//! for boot input it refused (status 37) and 0x13 for running out of memory
//! (status 39), so none can be confused with QEMU's own statuses (0 on a
//! guest reset, 1 on errors). The runner's `src/exit.rs` names the same
//! four.

use qemu_exit::QEMUExit;

/// Port of the `isa-debug-exit` device.
const DEBUG_EXIT_PORT: u16 = 0xf4;
/// Value written for success: QEMU exits with 33.
const SUCCESS_VALUE: u32 = 0x10;
/// Value written for failure: QEMU exits with 35.
const FAILURE_VALUE: u32 = 0x11;
/// Value written when the boot input was refused: QEMU exits with 37.
const BAD_BOOT_INPUT_VALUE: u32 = 0x12;
/// Value written when a page fault found no frame: QEMU exits with 39.
const OUT_OF_MEMORY_VALUE: u32 = 0x13;

fn device() -> qemu_exit::X86 {
    // SAFETY: the runner always attaches isa-debug-exit at this port;
    // (0x10 << 1) | 1 = 33 is odd as the crate requires.
    unsafe { qemu_exit::X86::new(DEBUG_EXIT_PORT, (SUCCESS_VALUE << 1) | 1) }
}

/// Ends QEMU with the success status (33).
pub fn exit_success() -> ! {
    device().exit_success()
}

/// Ends QEMU with the failure status (35).
pub fn exit_failure() -> ! {
    device().exit(FAILURE_VALUE)
}

/// Ends QEMU with the bad-boot-input status (37): the command line or the
/// boot information could not be used.
pub fn exit_bad_boot_input() -> ! {
    device().exit(BAD_BOOT_INPUT_VALUE)
}

/// Ends QEMU with the out-of-memory status (39): a page fault needed a
/// frame and none was left, even after the cache gave its frames back.
pub fn exit_out_of_memory() -> ! {
    device().exit(OUT_OF_MEMORY_VALUE)
}
