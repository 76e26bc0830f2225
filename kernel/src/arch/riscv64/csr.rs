//! The supervisor control and status registers Pristine uses, by name.
//!
//! Each function is one `csrr`/`csrw` (or `sfence.vma`) instruction; the
//! register meanings are those of the RISC-V Privileged Architecture,
//! chapter 4 "Supervisor-Level ISA". Keeping the assembly here lets the
//! rest of the port read like Rust.

/// `satp` mode field value for Sv39 (Privileged Architecture, 4.1.11).
pub const SATP_MODE_SV39: u64 = 8 << 60;

/// Defines a function that reads one CSR.
macro_rules! read_csr {
    ($(#[$doc:meta])* $name:ident, $csr:literal) => {
        $(#[$doc])*
        #[inline]
        pub fn $name() -> u64 {
            let value: u64;
            // SAFETY: reading this CSR has no side effects in S-mode and
            // touches no memory.
            unsafe {
                core::arch::asm!(concat!("csrr {}, ", $csr), out(reg) value,
                                 options(nomem, nostack, preserves_flags))
            };
            value
        }
    };
}

read_csr!(
    /// `cycle`: the cycle counter (QEMU: host ticks, or the executed
    /// instruction count under `-icount`).
    cycle,
    "cycle"
);

/// Writes `satp` and flushes the whole TLB, switching page tables.
///
/// # Safety
/// `value` must name (in Sv39 mode) a root table that maps the code being
/// run, its stack and everything the kernel touches next, at the same
/// addresses as the current tables.
pub unsafe fn write_satp(value: u64) {
    // SAFETY: the caller guarantees the new tables keep the kernel running;
    // the sfence.vma after the write drops every stale translation.
    unsafe { core::arch::asm!("csrw satp, {}", "sfence.vma", in(reg) value, options(nostack)) };
}

/// Writes `stvec`: where traps go (direct mode: the low two bits zero).
///
/// # Safety
/// `address` must be a 4-byte aligned trap entry that saves and restores
/// every register and ends in `sret`.
pub unsafe fn write_stvec(address: u64) {
    // SAFETY: the caller guarantees a valid trap entry.
    unsafe { core::arch::asm!("csrw stvec, {}", in(reg) address, options(nomem, nostack)) };
}

/// Writes `sscratch`, the register the trap entry swaps with `sp`.
///
/// # Safety
/// `value` must be what the trap entry expects there (see `trap_entry`):
/// the top of the trap stack, outside any trap.
pub unsafe fn write_sscratch(value: u64) {
    // SAFETY: the caller guarantees the trap entry's invariant.
    unsafe { core::arch::asm!("csrw sscratch, {}", in(reg) value, options(nomem, nostack)) };
}

/// Drops every TLB entry and every cached non-leaf entry (`sfence.vma zero,
/// zero`): needed after a non-leaf entry changes (Privileged Architecture,
/// 4.2.1), such as a page table giving way to a megapage or the reverse.
#[inline]
pub fn flush_all() {
    // SAFETY: sfence.vma only invalidates cached translations; it never
    // changes memory or the page tables.
    unsafe { core::arch::asm!("sfence.vma zero, zero", options(nostack)) };
}

/// Drops the TLB entries for the page at `address`, in every address space
/// (`sfence.vma address, zero`; Privileged Architecture, 4.2.1).
#[inline]
pub fn flush_page(address: u64) {
    // SAFETY: sfence.vma only invalidates cached translations; it never
    // changes memory or the page tables.
    unsafe { core::arch::asm!("sfence.vma {}, zero", in(reg) address, options(nostack)) };
}
