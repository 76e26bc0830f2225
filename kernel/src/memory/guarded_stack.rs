//! Kernel stacks with an unmapped guard page below each: the part every
//! architecture shares.
//!
//! Stacks on x86_64 and riscv64 grow down. A stack that overflows walks off
//! its bottom into whatever lies below; with a guard page there, the first
//! such access is a page fault instead of silent corruption. A
//! [`GuardedStack`] is a static array inside the kernel image (so no
//! allocator is needed to have one), page aligned, with its first page as
//! the guard; each port's page-table builder leaves that page unmapped.
//!
//! Which stacks exist, and how big, is each port's business (the boot
//! stack, plus the stack faults are handled on: an IST stack on x86_64, the
//! trap stack on riscv64), in `arch/<arch>/stacks.rs`.

use pristine_allocator::PAGE_SIZE;

/// Size of the unmapped guard page below every stack.
pub const GUARD_SIZE: usize = PAGE_SIZE as usize;

/// A stack with a guard page below it, page aligned so the guard is a whole page.
#[repr(C, align(4096))]
pub struct GuardedStack<const SIZE: usize> {
    guard: [u8; GUARD_SIZE],
    stack: [u8; SIZE],
}

impl<const SIZE: usize> GuardedStack<SIZE> {
    /// A zeroed stack, for a `static`.
    pub const fn new() -> Self {
        Self {
            guard: [0; GUARD_SIZE],
            stack: [0; SIZE],
        }
    }

    /// The bounds of the stack at `stack` (taken with `&raw const`, so no
    /// reference to a `static mut` is made).
    pub fn bounds(stack: *const Self) -> StackBounds {
        let guard = stack as u64;
        let bottom = guard + GUARD_SIZE as u64;
        StackBounds {
            guard,
            bottom,
            top: bottom + SIZE as u64,
        }
    }
}

/// Address range `[bottom, top)` of a stack's usable part, and its guard page.
#[derive(Clone, Copy, Debug)]
pub struct StackBounds {
    /// Start of the guard page (lowest address).
    pub guard: u64,
    /// Lowest usable stack address.
    pub bottom: u64,
    /// One past the highest usable stack address: the initial stack pointer.
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

/// The name of the stack, among `stacks`, whose guard page holds `address`:
/// the fault report's way of saying "kernel stack overflow".
pub fn overflowed_stack(
    stacks: &[(&'static str, StackBounds)],
    address: u64,
) -> Option<&'static str> {
    stacks
        .iter()
        .find(|(_, bounds)| bounds.guard_contains(address))
        .map(|(name, _)| *name)
}
