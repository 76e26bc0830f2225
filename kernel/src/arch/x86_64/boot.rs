//! The PVH entry: from 32-bit protected mode to 64-bit Rust.
//!
//! QEMU (like Xen and Firecracker) can start an ELF kernel directly when the
//! ELF carries a Xen note of type 18, `XEN_ELFNOTE_PHYS32_ENTRY`, holding the
//! 32-bit physical address of the entry point. The PVH boot ABI
//! (xen/include/public/arch-x86/hvm/start_info.h) then promises: 32-bit
//! protected mode, flat segments, paging off, interrupts off, and `ebx`
//! holding the physical address of `hvm_start_info`.
//!
//! The stub below does the least work needed to reach Rust in long mode:
//! 1. build boot page tables that map the first 4 GiB twice with 2 MiB pages,
//!    at virtual 0 (identity, so the next instruction still runs) and at
//!    [`PHYS_OFFSET`](super::paging::PHYS_OFFSET) (the direct map the kernel
//!    keeps for good);
//! 2. enable PAE, long mode (`EFER.LME`), no-execute (`EFER.NXE`), paging and
//!    supervisor write protection (`CR0.WP`, so read-only pages bind the kernel
//!    too: W^X and copy-on-write depend on it);
//! 3. load a 64-bit GDT, far-jump into 64-bit code, switch to the boot stack
//!    and call [`kernel_entry`](super::entry::kernel_entry) with the start-info
//!    address. Intel SDM Vol. 3A, 10.8.5 "Initializing IA-32e Mode".
//!
//! The kernel replaces these boot tables with its own as soon as it has a
//! frame allocator (see [`super::paging`]).

use super::stacks::BOOT_STACK_SIZE;

core::arch::global_asm!(
    // The PVH note: namesz = 4 ("Xen\0"), descsz = 4, type = 18, entry address.
    r#"
    .pushsection .note.pvh, "a", @note
    .p2align 2
    .long 4
    .long 4
    .long 18
    .asciz "Xen"
    .p2align 2
    .long pvh_start32
    .popsection
    "#,
    // Boot page tables: one PML4, one PDPT, four page directories (4 GiB).
    r#"
    .pushsection .bss.boot_page_tables, "aw", @nobits
    .p2align 12
    boot_pml4: .skip 4096
    boot_pdpt: .skip 4096
    boot_pd:   .skip 4096 * 4
    .popsection
    "#,
    // A minimal GDT: null, 64-bit code, data. Accessed bits preset so the CPU
    // never needs to write to it.
    r#"
    .pushsection .rodata.boot_gdt, "a"
    .p2align 4
    boot_gdt:
    .quad 0
    .quad 0x00af9b000000ffff
    .quad 0x00cf93000000ffff
    boot_gdt_end:
    boot_gdt_pointer:
    .word boot_gdt_end - boot_gdt - 1
    .quad boot_gdt
    .popsection
    "#,
    r#"
    .pushsection .text.boot, "ax"
    .code32
    .global pvh_start32
    pvh_start32:
        cli
        cld
        mov %ebx, %edi

        /* PML4[0] and PML4[256] both point at the one PDPT. */
        lea boot_pdpt + 0x3, %eax
        mov %eax, boot_pml4
        mov %eax, boot_pml4 + 256 * 8

        /* PDPT[0..4] point at the four page directories. */
        lea boot_pd + 0x3, %eax
        mov %eax, boot_pdpt
        add $4096, %eax
        mov %eax, boot_pdpt + 8
        add $4096, %eax
        mov %eax, boot_pdpt + 16
        add $4096, %eax
        mov %eax, boot_pdpt + 24

        /* 2048 entries of 2 MiB: present | writable | huge = 0x83.
           Entry i maps i * 2 MiB; the high dword holds bits 32.. of it. */
        xor %ecx, %ecx
    1:
        mov %ecx, %eax
        shl $21, %eax
        or $0x83, %eax
        mov %eax, boot_pd(,%ecx,8)
        mov %ecx, %eax
        shr $11, %eax
        mov %eax, boot_pd + 4(,%ecx,8)
        inc %ecx
        cmp $2048, %ecx
        jne 1b

        /* CR4.PAE */
        mov %cr4, %eax
        or $(1 << 5), %eax
        mov %eax, %cr4

        lea boot_pml4, %eax
        mov %eax, %cr3

        /* EFER.LME | EFER.NXE */
        mov $0xC0000080, %ecx
        rdmsr
        or $((1 << 8) | (1 << 11)), %eax
        wrmsr

        /* CR0.PG | CR0.WP | CR0.PE */
        mov %cr0, %eax
        or $((1 << 31) | (1 << 16) | 1), %eax
        mov %eax, %cr0

        lgdt boot_gdt_pointer
        ljmp $0x08, $pvh_start64

    .code64
    pvh_start64:
        mov $0x10, %ax
        mov %ax, %ds
        mov %ax, %es
        mov %ax, %ss
        xor %ax, %ax
        mov %ax, %fs
        mov %ax, %gs

        /* The upper halves of registers are undefined after the switch. */
        mov %edi, %edi
        lea BOOT_STACK + {guard} + {stack_size}, %rsp
        xor %ebp, %ebp
        call {entry}
    2:
        hlt
        jmp 2b
    .popsection
    "#,
    guard = const super::stacks::GUARD_SIZE,
    stack_size = const BOOT_STACK_SIZE,
    entry = sym super::entry::kernel_entry,
    options(att_syntax)
);
