//! The x86_64 kernel stacks: the boot stack, and the double-fault stack.
//!
//! Each is a [`GuardedStack`], with an unmapped guard page below it (see
//! [`crate::memory::guarded_stack`]); [`super::paging`] leaves the guard
//! pages unmapped.
//!
//! The double-fault handler runs on its own stack (an IST entry of the TSS,
//! see [`super::gdt`]), so a kernel stack overflow, which makes the CPU fail
//! to push the page-fault frame and raise a double fault, can still be
//! reported.

pub use crate::memory::guarded_stack::{GUARD_SIZE, GuardedStack, StackBounds};

/// Size of the stack the kernel boots and runs on.
pub const BOOT_STACK_SIZE: usize = 256 * 1024;
/// Size of the stack the double-fault handler runs on.
pub const DOUBLE_FAULT_STACK_SIZE: usize = 32 * 1024;

/// The boot stack. `boot.rs` points `rsp` at its top by symbol name.
#[unsafe(no_mangle)]
pub static mut BOOT_STACK: GuardedStack<BOOT_STACK_SIZE> = GuardedStack::new();

/// The double-fault handler's stack (IST 1).
pub static mut DOUBLE_FAULT_STACK: GuardedStack<DOUBLE_FAULT_STACK_SIZE> = GuardedStack::new();

/// Bounds of the boot stack.
pub fn boot_stack() -> StackBounds {
    GuardedStack::bounds(&raw const BOOT_STACK)
}

/// Bounds of the double-fault stack.
pub fn double_fault_stack() -> StackBounds {
    GuardedStack::bounds(&raw const DOUBLE_FAULT_STACK)
}

/// Every stack, for the page-table builder (to skip the guard pages) and
/// the fault report (to name an overflow).
pub fn all() -> [(&'static str, StackBounds); 2] {
    [
        ("boot", boot_stack()),
        ("double-fault", double_fault_stack()),
    ]
}
