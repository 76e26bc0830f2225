//! The kernel's virtual address space on x86_64.
//!
//! ```text
//! 0x0000_0000_0020_0000  kernel image, identity mapped (see linker.ld)
//! 0xffff_8000_0000_0000  direct map of all RAM            (paging::PHYS_OFFSET)
//! 0xffff_c000_0000_0000  kernel heap, grows up to 1 GiB   (HEAP_START)
//! 0xffff_d000_0000_0000  large allocations, 16 TiB        (LARGE_ALLOCATION_START)
//! ```
//!
//! Everything else is unmapped, so stray pointers fault.

/// First address of the kernel heap.
pub const HEAP_START: u64 = 0xffff_c000_0000_0000;
/// Most the heap may grow to.
pub const HEAP_MAX_SIZE: u64 = 1 << 30;
/// Physical memory the boot page tables reach: early allocations must lie below.
pub const EARLY_MAPPED_LIMIT: u64 = 4 << 30;
/// First address of the range handed to the large-allocation engine.
pub const LARGE_ALLOCATION_START: u64 = 0xffff_d000_0000_0000;
/// Size of the large-allocation range.
pub const LARGE_ALLOCATION_SIZE: u64 = 16 << 40;
