//! Kernel stacks, each with an unmapped guard page below it.
//!
//! x86 stacks grow down. A stack that overflows walks off its bottom into
//! whatever lies below; with a guard page there, the first such access is a
//! page fault instead of silent corruption. The guard pages live inside the
//! kernel image (so no allocator is needed to have them) and [`super::paging`]
//! simply leaves them unmapped.
//!
//! The double-fault handler runs on its own stack (an IST entry of the TSS,
//! see [`super::gdt`]), so a kernel stack overflow, which makes the CPU fail
//! to push the page-fault frame and raise a double fault, can still be
//! reported.

use pristine_allocator::PAGE_SIZE;

/// Size of the unmapped guard page below every stack.
pub const GUARD_SIZE: usize = PAGE_SIZE as usize;
/// Size of the stack the kernel boots and runs on.
pub const BOOT_STACK_SIZE: usize = 256 * 1024;
/// Size of the stack the double-fault handler runs on.
pub const DOUBLE_FAULT_STACK_SIZE: usize = 32 * 1024;

/// A stack with a guard page below it, page aligned so the guard is a whole page.
#[repr(C, align(4096))]
pub struct GuardedStack<const SIZE: usize> {
    guard: [u8; GUARD_SIZE],
    stack: [u8; SIZE],
}

impl<const SIZE: usize> GuardedStack<SIZE> {
    const fn new() -> Self {
        Self {
            guard: [0; GUARD_SIZE],
            stack: [0; SIZE],
        }
    }
}

/// The boot stack. `boot.rs` points `rsp` at its top by symbol name.
#[unsafe(no_mangle)]
pub static mut BOOT_STACK: GuardedStack<BOOT_STACK_SIZE> = GuardedStack::new();

/// The double-fault handler's stack (IST 1).
pub static mut DOUBLE_FAULT_STACK: GuardedStack<DOUBLE_FAULT_STACK_SIZE> = GuardedStack::new();

/// Address range `[bottom, top)` of a stack's usable part, and its guard page.
#[derive(Clone, Copy, Debug)]
pub struct StackBounds {
    /// Start of the guard page (lowest address).
    pub guard: u64,
    /// Lowest usable stack address.
    pub bottom: u64,
    /// One past the highest usable stack address: the initial `rsp`.
    pub top: u64,
}

impl StackBounds {
    /// Whether `address` lies in the usable part of this stack.
    pub fn contains(&self, address: u64) -> bool {
        (self.bottom..self.top).contains(&address)
    }
}

fn bounds_of<const SIZE: usize>(stack: *const GuardedStack<SIZE>) -> StackBounds {
    let guard = stack as u64;
    let bottom = guard + GUARD_SIZE as u64;
    StackBounds {
        guard,
        bottom,
        top: bottom + SIZE as u64,
    }
}

/// Bounds of the boot stack.
pub fn boot_stack() -> StackBounds {
    bounds_of(&raw const BOOT_STACK)
}

/// Bounds of the double-fault stack.
pub fn double_fault_stack() -> StackBounds {
    bounds_of(&raw const DOUBLE_FAULT_STACK)
}

/// Start addresses of every guard page, for the page-table builder to skip.
pub fn guard_pages() -> [u64; 2] {
    [boot_stack().guard, double_fault_stack().guard]
}
