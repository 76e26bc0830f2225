//! The two SBI calls the kernel makes before (or without) its own drivers.
//!
//! The Supervisor Binary Interface is how S-mode asks the M-mode firmware
//! (OpenSBI) for services: `ecall` with the extension id in `a7` (RISC-V
//! SBI specification, chapter 3 "Binary Encoding"). The legacy console
//! extension (id 1) prints one byte: the console before the device tree
//! names the UART, and the one a panic falls back to. The system reset
//! extension (`SRST`) powers the machine off when no test device is known.

/// Legacy extension `sbi_console_putchar`.
const LEGACY_CONSOLE_PUTCHAR: u64 = 1;
/// The system reset extension, "SRST".
const SYSTEM_RESET: u64 = 0x5352_5354;

/// Prints one byte on the firmware's console.
pub fn console_putchar(byte: u8) {
    // SAFETY: a legacy SBI call: it clobbers only a0 (the error code) and
    // touches no memory of the kernel.
    unsafe {
        core::arch::asm!(
            "ecall",
            inlateout("a0") u64::from(byte) => _,
            in("a7") LEGACY_CONSOLE_PUTCHAR,
            options(nostack)
        )
    };
}

/// Asks the firmware to shut the machine down (`failure` selects the
/// "system failure" reason); returns only if the firmware refused.
pub fn shutdown(failure: bool) {
    // SAFETY: an SRST call (function 0, type 0 = shutdown); it clobbers
    // a0 and a1 and touches no memory of the kernel.
    unsafe {
        core::arch::asm!(
            "ecall",
            inlateout("a0") 0u64 => _,
            inlateout("a1") u64::from(failure) => _,
            in("a6") 0u64,
            in("a7") SYSTEM_RESET,
            options(nostack)
        )
    };
}
