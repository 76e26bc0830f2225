//! The riscv64 entry: from OpenSBI to Rust, in S-mode.
//!
//! QEMU's `virt` machine starts OpenSBI (`-bios default`, the `fw_dynamic`
//! image) in M-mode; OpenSBI jumps to the kernel loaded at `0x8020_0000` in
//! S-mode with `a0` = the hart id and `a1` = the physical address of the
//! flattened device tree (OpenSBI's `fw_dynamic` next-stage arguments; the
//! Linux RISC-V boot protocol promises the same). Translation is off
//! (`satp` = 0, "Bare"), interrupts are off.
//!
//! The stub below does the least work needed to reach Rust:
//! 1. zero the BSS (its boot page table and stacks included);
//! 2. turn off floating point (`sstatus.FS` = Off): the kernel uses none,
//!    so any FP instruction traps, and the trap entry need not save FP
//!    registers;
//! 3. build one Sv39 root table of 1 GiB pages (RISC-V Privileged
//!    Architecture, 10.6): entry 2 maps `0x8000_0000..0xC000_0000` at the
//!    same address (the image keeps running where it was loaded), entries
//!    256 and up map the first [`EARLY_MAPPED_LIMIT`] bytes of physical
//!    memory at [`PHYS_OFFSET`] (the direct map, read and write, never
//!    execute). Accessed and dirty bits are preset in every entry: a core
//!    without hardware A/D updates (Svade) would fault on them otherwise;
//! 4. switch `satp` to it, point `sp` at the boot stack and call
//!    [`kernel_entry`](super::entry::kernel_entry) with `a0` and `a1`
//!    untouched.
//!
//! The kernel replaces these boot tables with its own as soon as it has a
//! frame allocator (see [`super::paging`]).
//!
//! [`EARLY_MAPPED_LIMIT`]: super::layout::EARLY_MAPPED_LIMIT
//! [`PHYS_OFFSET`]: super::layout::PHYS_OFFSET

use super::layout::{EARLY_MAPPED_LIMIT, PHYS_OFFSET};
use super::stacks::{BOOT_STACK_SIZE, GUARD_SIZE};

/// Leaf flags of the identity-mapped image: V R W X G A D.
const IMAGE_FLAGS: u64 = 0xef;
/// Leaf flags of the direct map: V R W G A D (no X).
const DIRECT_MAP_FLAGS: u64 = 0xe7;

core::arch::global_asm!(
    r#"
    .pushsection .bss.boot_root_table, "aw", @nobits
    .p2align 12
    boot_root_table: .skip 4096
    .popsection

    .pushsection .text.boot, "ax"
    .global _start
    _start:
        csrw sie, zero

        /* 1. Zero the BSS. */
        la t0, __bss_start
        la t1, __bss_end
    1:  bgeu t0, t1, 2f
        sd zero, 0(t0)
        addi t0, t0, 8
        j 1b
    2:
        /* 2. sstatus.FS = Off (bits 13-14). */
        li t0, 3 << 13
        csrc sstatus, t0

        /* 3. Root entry 2: the 1 GiB page at 0x8000_0000, identity. */
        la t0, boot_root_table
        li t1, ((0x80000000 >> 12) << 10) | {image_flags}
        sd t1, 2 * 8(t0)

        /* Root entries 256..: physical i GiB at PHYS_OFFSET + i GiB.
           A leaf's PPN sits at bit 10, so i GiB is (i << 18) << 10. */
        li t2, 0
        li t3, {direct_entries}
        li t4, {direct_first_entry} * 8
        add t4, t4, t0
    3:  slli t5, t2, 28
        ori t5, t5, {direct_flags}
        sd t5, 0(t4)
        addi t4, t4, 8
        addi t2, t2, 1
        bne t2, t3, 3b

        /* 4. satp = Sv39 | root PPN; flush; stack; Rust. */
        srli t0, t0, 12
        li t1, 8 << 60
        or t0, t0, t1
        csrw satp, t0
        sfence.vma

        la sp, BOOT_STACK
        li t0, {guard} + {stack_size}
        add sp, sp, t0
        mv fp, zero
        call {entry}
    4:  wfi
        j 4b
    .popsection
    "#,
    image_flags = const IMAGE_FLAGS,
    direct_flags = const DIRECT_MAP_FLAGS,
    direct_entries = const EARLY_MAPPED_LIMIT >> 30,
    direct_first_entry = const (PHYS_OFFSET >> 30) & 0x1ff,
    guard = const GUARD_SIZE,
    stack_size = const BOOT_STACK_SIZE,
    entry = sym super::entry::kernel_entry,
);
