//! Kernel stacks, each with an unmapped guard page below it.
//!
//! RISC-V stacks grow down (the calling convention's `sp`). A stack that
//! overflows walks off its bottom into whatever lies below; with a guard
//! page there, the first such access is a page fault instead of silent
//! corruption. The guard pages live inside the kernel image (so no
//! allocator is needed to have them) and [`super::paging`] leaves them
//! unmapped.
//!
//! Traps run on a stack of their own, the trap stack (see
//! [`super::trap_entry`]): a kernel stack overflow faults with `sp` already
//! in the guard page, and the trap handler could not save a single register
//! there. RISC-V has no double fault and no interrupt stack table; the
//! `sscratch` register, which the trap entry swaps with `sp`, plays that
//! part.

use pristine_allocator::PAGE_SIZE;

/// Size of the unmapped guard page below every stack.
pub const GUARD_SIZE: usize = PAGE_SIZE as usize;
/// Size of the stack the kernel boots and runs on.
pub const BOOT_STACK_SIZE: usize = 256 * 1024;
/// Size of the stack traps are handled on (the engine's fault handling
/// included).
pub const TRAP_STACK_SIZE: usize = 64 * 1024;

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

/// The boot stack. `boot.rs` points `sp` at its top by symbol name.
#[unsafe(no_mangle)]
pub static mut BOOT_STACK: GuardedStack<BOOT_STACK_SIZE> = GuardedStack::new();

/// The stack every trap is handled on.
pub static mut TRAP_STACK: GuardedStack<TRAP_STACK_SIZE> = GuardedStack::new();

/// Address range `[bottom, top)` of a stack's usable part, and its guard page.
#[derive(Clone, Copy, Debug)]
pub struct StackBounds {
    /// Start of the guard page (lowest address).
    pub guard: u64,
    /// Lowest usable stack address.
    pub bottom: u64,
    /// One past the highest usable stack address: the initial `sp`.
    pub top: u64,
}

impl StackBounds {
    /// Whether `address` lies in the usable part of this stack.
    pub fn contains(&self, address: u64) -> bool {
        (self.bottom..self.top).contains(&address)
    }

    /// Whether `address` lies in this stack's guard page.
    pub fn guard_contains(&self, address: u64) -> bool {
        (self.guard..self.bottom).contains(&address)
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

/// Bounds of the trap stack.
pub fn trap_stack() -> StackBounds {
    bounds_of(&raw const TRAP_STACK)
}

/// Every stack, for the page-table builder (to skip the guard pages) and
/// the fault report (to name an overflow).
pub fn all() -> [(&'static str, StackBounds); 2] {
    [("boot", boot_stack()), ("trap", trap_stack())]
}
