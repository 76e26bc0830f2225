//! Small CPU operations the kernel needs by name.

/// Raises a breakpoint exception (`ebreak`); the handler resumes after it.
pub fn breakpoint() {
    // SAFETY: ebreak traps to the kernel's own handler, which counts it
    // and resumes at the next instruction; no memory is touched.
    unsafe { core::arch::asm!("ebreak", options(nomem, nostack)) };
}

/// A counter that only grows, in ticks: on riscv64 the `cycle` CSR.
///
/// QEMU counts it like the x86_64 time-stamp counter: with `-icount
/// shift=0` it is the number of guest instructions executed (QEMU
/// `target/riscv/csr.c`, `get_ticks`), so differences are instruction
/// counts that repeat exactly from run to run; under plain TCG it follows
/// host time (noisy). The `time` CSR would tick at the device tree's
/// `timebase-frequency` (10 MHz on `virt`), far too coarse. OpenSBI lets
/// S-mode read `cycle` (`mcounteren.CY`).
pub fn read_timestamp() -> u64 {
    super::csr::cycle()
}
