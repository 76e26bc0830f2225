//! The riscv64 kernel stacks: the boot stack, and the trap stack.
//!
//! Each is a [`GuardedStack`], with an unmapped guard page below it (see
//! [`crate::memory::guarded_stack`]); [`super::paging`] leaves the guard
//! pages unmapped.
//!
//! Traps run on a stack of their own, the trap stack (see
//! [`super::trap_entry`]): a kernel stack overflow faults with `sp` already
//! in the guard page, and the trap handler could not save a single register
//! there. RISC-V has no double fault and no interrupt stack table; the
//! `sscratch` register, which the trap entry swaps with `sp`, plays that
//! part.

pub use crate::memory::guarded_stack::{GUARD_SIZE, GuardedStack, StackBounds};

/// Size of the stack the kernel boots and runs on.
pub const BOOT_STACK_SIZE: usize = 256 * 1024;
/// Size of the stack traps are handled on (the engine's fault handling
/// included).
pub const TRAP_STACK_SIZE: usize = 64 * 1024;

/// The boot stack. `boot.rs` points `sp` at its top by symbol name.
#[unsafe(no_mangle)]
pub static mut BOOT_STACK: GuardedStack<BOOT_STACK_SIZE> = GuardedStack::new();

/// The stack every trap is handled on.
pub static mut TRAP_STACK: GuardedStack<TRAP_STACK_SIZE> = GuardedStack::new();

/// Bounds of the boot stack.
pub fn boot_stack() -> StackBounds {
    GuardedStack::bounds(&raw const BOOT_STACK)
}

/// Bounds of the trap stack.
pub fn trap_stack() -> StackBounds {
    GuardedStack::bounds(&raw const TRAP_STACK)
}

/// Every stack, for the page-table builder (to skip the guard pages) and
/// the fault report (to name an overflow).
pub fn all() -> [(&'static str, StackBounds); 2] {
    [("boot", boot_stack()), ("trap", trap_stack())]
}
