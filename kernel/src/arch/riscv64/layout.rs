//! The kernel's virtual address space on riscv64 (Sv39).
//!
//! Sv39 translates 39-bit virtual addresses: 512 GiB, half of it in the
//! lower half (`0` up) and half in the upper (`0xffff_ffc0_0000_0000` up);
//! addresses in between are not canonical and fault (RISC-V Privileged
//! Architecture, 10.6 "Sv39"). Each entry of the root table covers 1 GiB.
//!
//! ```text
//! 0x0000_0000_8020_0000  kernel image, identity mapped (see linker.ld)
//! 0xffff_ffc0_0000_0000  direct map of RAM, 128 GiB      (PHYS_OFFSET)
//! 0xffff_ffe0_0000_0000  kernel heap, grows up to 1 GiB  (HEAP_START)
//! 0xffff_fff0_0000_0000  large allocations, 32 GiB       (LARGE_ALLOCATION_START)
//! ```
//!
//! Everything else is unmapped, so stray pointers fault. The large range is
//! smaller than on x86_64 (16 TiB) because Sv39's upper half is 256 GiB in
//! all; 32 GiB still holds the cache's 2 GiB and many live gigabyte blocks,
//! and it ends well below the top of the address space, so `start + size`
//! never overflows.

/// Where the direct map of physical memory starts: root entry 256, the
/// bottom of the upper half.
pub const PHYS_OFFSET: u64 = 0xffff_ffc0_0000_0000;
/// How much physical address space the direct map covers: root entries
/// 256 to 383. RAM above this is not used.
pub const DIRECT_MAP_SIZE: u64 = 128 << 30;
/// First address of the kernel heap (root entry 384).
pub const HEAP_START: u64 = 0xffff_ffe0_0000_0000;
/// Most the heap may grow to.
pub const HEAP_MAX_SIZE: u64 = 1 << 30;
/// Physical memory the boot page tables reach through the direct map:
/// early allocations (the frame bitmap, the first page tables) must lie
/// below. The boot tables map it with 1 GiB pages (see boot.rs).
pub const EARLY_MAPPED_LIMIT: u64 = 64 << 30;
/// First address of the range handed to the large-allocation engine (root
/// entry 448).
pub const LARGE_ALLOCATION_START: u64 = 0xffff_fff0_0000_0000;
/// Size of the large-allocation range: root entries 448 to 479.
pub const LARGE_ALLOCATION_SIZE: u64 = 32 << 30;
