//! What QEMU's exit status says about how the guest ended.
//!
//! The kernel ends QEMU by writing a value `v` to I/O port `0xf4`, where the
//! `isa-debug-exit` device sits; QEMU then exits with status `(v << 1) | 1`
//! (QEMU `hw/misc/debugexit.c`). The kernel writes [`KERNEL_SUCCESS`] when it
//! is done, [`KERNEL_FAILURE`] when something went wrong (a failed test, a
//! panic), [`KERNEL_BAD_BOOT_INPUT`] when it refused its command line or
//! boot information before doing anything (one `[BOOT INPUT]` line says why)
//! and [`KERNEL_OUT_OF_MEMORY`] when a page fault found no frame even after
//! the cache gave its frames back (one `[OUT OF MEMORY]` line says where).
//! A CPU that triple-faults resets the machine, and with `-no-reboot`
//! QEMU then exits with status 0: that is the one way an odd status cannot
//! come about, so it is reported as a reset. Any other status is a failure.

use std::fmt;
use std::process::ExitStatus;

/// The value the kernel writes to port `0xf4` when it finished successfully.
pub const KERNEL_SUCCESS: u32 = 0x10;

/// The value the kernel writes to port `0xf4` when it failed.
pub const KERNEL_FAILURE: u32 = 0x11;

/// The value the kernel writes to port `0xf4` when it refused its boot input
/// (`kernel/src/boot_input.rs`).
pub const KERNEL_BAD_BOOT_INPUT: u32 = 0x12;

/// The value the kernel writes to port `0xf4` when a page fault needed a
/// frame and none was left (`kernel/src/memory/out_of_memory.rs`).
pub const KERNEL_OUT_OF_MEMORY: u32 = 0x13;

/// QEMU's exit status after the guest wrote `value` to the debug-exit port.
pub const fn debug_exit_status(value: u32) -> i32 {
    ((value << 1) | 1) as i32
}

/// How the guest ended, read from QEMU's exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestExit {
    /// The kernel wrote [`KERNEL_SUCCESS`] (status 33).
    Success,
    /// The kernel wrote [`KERNEL_FAILURE`] (status 35).
    Failure,
    /// The kernel wrote [`KERNEL_BAD_BOOT_INPUT`] (status 37): a command-line
    /// word or the boot information it could not use.
    BadBootInput,
    /// The kernel wrote [`KERNEL_OUT_OF_MEMORY`] (status 39): a page fault
    /// found no frame, even after the cache gave its frames back.
    OutOfMemory,
    /// Status 0: the guest reset, most likely a triple fault.
    Reset,
    /// Any other exit status.
    Status(i32),
    /// QEMU died from a signal it was not sent by the runner.
    Signal(i32),
}

impl GuestExit {
    /// Reads a finished QEMU process's status.
    pub fn from_status(status: ExitStatus) -> Self {
        #[cfg(unix)]
        let signal = std::os::unix::process::ExitStatusExt::signal(&status);
        #[cfg(not(unix))]
        let signal = None;
        Self::from_parts(status.code(), signal)
    }

    /// Reads an exit code, or the signal that ended the process.
    pub fn from_parts(code: Option<i32>, signal: Option<i32>) -> Self {
        match (code, signal) {
            (Some(0), _) => GuestExit::Reset,
            (Some(code), _) if code == debug_exit_status(KERNEL_SUCCESS) => GuestExit::Success,
            (Some(code), _) if code == debug_exit_status(KERNEL_FAILURE) => GuestExit::Failure,
            (Some(code), _) if code == debug_exit_status(KERNEL_BAD_BOOT_INPUT) => {
                GuestExit::BadBootInput
            }
            (Some(code), _) if code == debug_exit_status(KERNEL_OUT_OF_MEMORY) => {
                GuestExit::OutOfMemory
            }
            (Some(code), _) => GuestExit::Status(code),
            (None, Some(signal)) => GuestExit::Signal(signal),
            (None, None) => GuestExit::Status(-1),
        }
    }

    /// Whether the kernel reported success.
    pub fn is_success(self) -> bool {
        self == GuestExit::Success
    }
}

impl fmt::Display for GuestExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            GuestExit::Success => write!(f, "the kernel reported success (exit status 33)"),
            GuestExit::Failure => write!(f, "the kernel reported failure (exit status 35)"),
            GuestExit::BadBootInput => write!(
                f,
                "the kernel refused its boot input; its [BOOT INPUT] line says why (exit status 37)"
            ),
            GuestExit::OutOfMemory => write!(
                f,
                "the kernel ran out of memory; its [OUT OF MEMORY] line says where (exit status 39)"
            ),
            GuestExit::Reset => write!(f, "the guest reset (triple fault?) (exit status 0)"),
            GuestExit::Status(1) => write!(
                f,
                "QEMU exited with status 1 (QEMU itself failed, or the guest wrote 0 to port 0xf4)"
            ),
            GuestExit::Status(code) if code > 0 && code % 2 == 1 => write!(
                f,
                "QEMU exited with status {code} (the guest wrote {:#x} to port 0xf4)",
                code >> 1
            ),
            GuestExit::Status(code) => write!(f, "QEMU exited with status {code}"),
            GuestExit::Signal(signal) => write!(f, "QEMU was killed by signal {signal}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_codes_map_to_qemu_statuses() {
        assert_eq!(debug_exit_status(KERNEL_SUCCESS), 33);
        assert_eq!(debug_exit_status(KERNEL_FAILURE), 35);
        assert_eq!(debug_exit_status(KERNEL_BAD_BOOT_INPUT), 37);
        assert_eq!(debug_exit_status(KERNEL_OUT_OF_MEMORY), 39);
    }

    #[test]
    fn interprets_every_kind_of_status() {
        assert_eq!(GuestExit::from_parts(Some(33), None), GuestExit::Success);
        assert_eq!(GuestExit::from_parts(Some(35), None), GuestExit::Failure);
        assert_eq!(
            GuestExit::from_parts(Some(37), None),
            GuestExit::BadBootInput
        );
        assert_eq!(
            GuestExit::from_parts(Some(39), None),
            GuestExit::OutOfMemory
        );
        assert_eq!(GuestExit::from_parts(Some(0), None), GuestExit::Reset);
        assert_eq!(GuestExit::from_parts(Some(1), None), GuestExit::Status(1));
        assert_eq!(GuestExit::from_parts(Some(7), None), GuestExit::Status(7));
        assert_eq!(GuestExit::from_parts(None, Some(9)), GuestExit::Signal(9));
        assert_eq!(GuestExit::from_parts(None, None), GuestExit::Status(-1));
    }

    #[test]
    fn only_success_is_success() {
        assert!(GuestExit::Success.is_success());
        for exit in [
            GuestExit::Failure,
            GuestExit::BadBootInput,
            GuestExit::OutOfMemory,
            GuestExit::Reset,
            GuestExit::Status(1),
        ] {
            assert!(!exit.is_success());
        }
    }

    #[test]
    fn messages_name_the_cause() {
        assert!(
            GuestExit::Reset
                .to_string()
                .contains("the guest reset (triple fault?)")
        );
        assert!(GuestExit::Status(5).to_string().contains("wrote 0x2"));
        assert!(
            GuestExit::Status(1)
                .to_string()
                .contains("QEMU itself failed")
        );
        assert_eq!(
            GuestExit::Status(2).to_string(),
            "QEMU exited with status 2"
        );
    }

    #[cfg(unix)]
    #[test]
    fn reads_real_process_statuses() {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            GuestExit::from_status(ExitStatus::from_raw(33 << 8)),
            GuestExit::Success
        );
        assert_eq!(
            GuestExit::from_status(ExitStatus::from_raw(0)),
            GuestExit::Reset
        );
        assert_eq!(
            GuestExit::from_status(ExitStatus::from_raw(9)),
            GuestExit::Signal(9)
        );
    }
}
