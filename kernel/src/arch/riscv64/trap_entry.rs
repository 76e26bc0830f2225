//! The trap vector, in assembly: every register saved, on a stack that is
//! known to be good.
//!
//! RISC-V has one trap entry for every exception and interrupt in S-mode:
//! `stvec` in direct mode (RISC-V Privileged Architecture, 4.1.2). The
//! hardware saves only the interrupted `pc` (`sepc`) and the privilege and
//! interrupt-enable bits (`sstatus.SPP`, `SPIE`), and names the cause in
//! `scause` and the faulting address in `stval`. Everything else is the
//! software's job, done here: the entry saves all 31 integer registers
//! (`x1` to `x31`; `x0` is always zero) and the four CSRs into a
//! [`TrapFrame`], calls [`trap_dispatch`] with a pointer to it, then
//! restores every register (the handler may have changed `sepc`, to skip
//! an `ebreak`) and returns with `sret`. The kernel uses no floating point
//! (`sstatus.FS` is Off, see `boot.rs`), so there are no FP registers to
//! save.
//!
//! **The stack.** A trap caused by a kernel stack overflow arrives with
//! `sp` in the guard page, where not one register can be stored. So traps
//! run on their own stack: outside a trap `sscratch` holds the top of the
//! trap stack, and the entry's first instruction swaps it with `sp`. While
//! a trap is handled `sscratch` is 0; a trap inside the handler (a bug, or
//! a panic's report faulting) finds 0, swaps back and stays on the trap
//! stack. On the way out `sscratch` gets its old value again.
//!
//! Stack alignment: the frame is 304 bytes, a multiple of 16, so the call
//! sees the 16-byte alignment the RISC-V calling convention wants.
//!
//! [`trap_dispatch`]: super::traps::trap_dispatch

use super::csr;
use super::stacks;

/// The state saved on trap entry.
#[repr(C)]
#[derive(Debug)]
pub struct TrapFrame {
    /// `x0` to `x31` by register number (`x0` saved as 0; `x2` is the
    /// interrupted `sp`).
    pub registers: [u64; 32],
    /// Where the interrupted code resumes (`sepc`).
    pub sepc: u64,
    /// The interrupted code's status (`sstatus`).
    pub sstatus: u64,
    /// Why the trap was taken (`scause`).
    pub scause: u64,
    /// The faulting address or other detail (`stval`).
    pub stval: u64,
    /// What `sscratch` gets on the way out: the trap stack's top after the
    /// outermost trap, 0 after a nested one.
    pub sscratch_on_return: u64,
    /// Keeps the frame a multiple of 16 bytes.
    padding: u64,
}

/// Index of `sp` (`x2`) in [`TrapFrame::registers`].
pub const SP: usize = 2;

/// Size of [`TrapFrame`], as the assembly allocates it.
const FRAME_SIZE: usize = core::mem::size_of::<TrapFrame>();
const _: () = assert!(FRAME_SIZE == 304 && FRAME_SIZE.is_multiple_of(16));

/// Installs the trap vector and the trap stack: from here on, faults are
/// reported.
pub fn init() {
    // SAFETY: nothing runs on the trap stack yet, and its top is what the
    // entry expects in sscratch outside a trap.
    unsafe { csr::write_sscratch(stacks::trap_stack().top) };
    // SAFETY: `trap_entry` below saves and restores every register and
    // ends in sret; `.p2align 2` keeps it 4-byte aligned as stvec needs.
    unsafe { csr::write_stvec(trap_entry_address()) };
}

fn trap_entry_address() -> u64 {
    unsafe extern "C" {
        fn trap_entry();
    }
    trap_entry as *const () as u64
}

core::arch::global_asm!(
    r#"
    .pushsection .text.trap, "ax"
    .p2align 2
    .global trap_entry
    trap_entry:
        csrrw sp, sscratch, sp
        bnez sp, 1f
        /* Nested: sscratch held 0; take the interrupted sp back. */
        csrrw sp, sscratch, sp
    1:
        addi sp, sp, -{frame}
        sd x1, 1 * 8(sp)
        sd x3, 3 * 8(sp)
        sd x4, 4 * 8(sp)
        sd x5, 5 * 8(sp)
        sd x6, 6 * 8(sp)
        sd x7, 7 * 8(sp)
        sd x8, 8 * 8(sp)
        sd x9, 9 * 8(sp)
        sd x10, 10 * 8(sp)
        sd x11, 11 * 8(sp)
        sd x12, 12 * 8(sp)
        sd x13, 13 * 8(sp)
        sd x14, 14 * 8(sp)
        sd x15, 15 * 8(sp)
        sd x16, 16 * 8(sp)
        sd x17, 17 * 8(sp)
        sd x18, 18 * 8(sp)
        sd x19, 19 * 8(sp)
        sd x20, 20 * 8(sp)
        sd x21, 21 * 8(sp)
        sd x22, 22 * 8(sp)
        sd x23, 23 * 8(sp)
        sd x24, 24 * 8(sp)
        sd x25, 25 * 8(sp)
        sd x26, 26 * 8(sp)
        sd x27, 27 * 8(sp)
        sd x28, 28 * 8(sp)
        sd x29, 29 * 8(sp)
        sd x30, 30 * 8(sp)
        sd x31, 31 * 8(sp)
        sd zero, 0(sp)

        /* The interrupted sp, and what sscratch gets on the way out. */
        csrr t0, sscratch
        bnez t0, 2f
        addi t0, sp, {frame}
        sd t0, 2 * 8(sp)
        sd zero, 36 * 8(sp)
        j 3f
    2:  sd t0, 2 * 8(sp)
        addi t1, sp, {frame}
        sd t1, 36 * 8(sp)
    3:  csrw sscratch, zero

        csrr t0, sepc
        sd t0, 32 * 8(sp)
        csrr t0, sstatus
        sd t0, 33 * 8(sp)
        csrr t0, scause
        sd t0, 34 * 8(sp)
        csrr t0, stval
        sd t0, 35 * 8(sp)

        mv a0, sp
        call {dispatch}

        ld t0, 32 * 8(sp)
        csrw sepc, t0
        ld t0, 33 * 8(sp)
        csrw sstatus, t0
        ld t0, 36 * 8(sp)
        csrw sscratch, t0

        ld x1, 1 * 8(sp)
        ld x3, 3 * 8(sp)
        ld x4, 4 * 8(sp)
        ld x5, 5 * 8(sp)
        ld x6, 6 * 8(sp)
        ld x7, 7 * 8(sp)
        ld x8, 8 * 8(sp)
        ld x9, 9 * 8(sp)
        ld x10, 10 * 8(sp)
        ld x11, 11 * 8(sp)
        ld x12, 12 * 8(sp)
        ld x13, 13 * 8(sp)
        ld x14, 14 * 8(sp)
        ld x15, 15 * 8(sp)
        ld x16, 16 * 8(sp)
        ld x17, 17 * 8(sp)
        ld x18, 18 * 8(sp)
        ld x19, 19 * 8(sp)
        ld x20, 20 * 8(sp)
        ld x21, 21 * 8(sp)
        ld x22, 22 * 8(sp)
        ld x23, 23 * 8(sp)
        ld x24, 24 * 8(sp)
        ld x25, 25 * 8(sp)
        ld x26, 26 * 8(sp)
        ld x27, 27 * 8(sp)
        ld x28, 28 * 8(sp)
        ld x29, 29 * 8(sp)
        ld x30, 30 * 8(sp)
        ld x31, 31 * 8(sp)
        ld sp, 2 * 8(sp)
        sret
    .popsection
    "#,
    frame = const FRAME_SIZE,
    dispatch = sym super::traps::trap_dispatch,
);
