//! The kernel image as the linker laid it out: its bounds and its sections.
//!
//! Both ports' linker scripts (`arch/<arch>/linker.ld`) define the same
//! symbols around the image and around each section, and both load the
//! image at its link address with translation off, so a symbol's address is
//! its physical address too (the image is identity mapped). Each port's
//! page-table builder maps every [`Section`] with only the rights it needs
//! (W^X), in its own entry format; the frame allocator keeps the image's
//! frames out of its pool.

use pristine_allocator::PhysAddr;

unsafe extern "C" {
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __data_end: u8;
    static __kernel_start: u8;
    static __kernel_end: u8;
}

/// What a section of the image holds, and so which rights it gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SectionKind {
    /// Code: read and execute, never write.
    Text,
    /// Constants: read only.
    ReadOnlyData,
    /// Data and bss (the stacks included): read and write, never execute.
    Data,
}

/// One section of the image: `[start, end)`, page aligned by the linker
/// script.
#[derive(Clone, Copy, Debug)]
pub struct Section {
    /// What the section holds.
    pub kind: SectionKind,
    /// Its first byte.
    pub start: u64,
    /// One past its last byte.
    pub end: u64,
}

/// Physical `[start, end)` of the whole kernel image.
pub fn bounds() -> (PhysAddr, PhysAddr) {
    (
        PhysAddr(&raw const __kernel_start as u64),
        PhysAddr(&raw const __kernel_end as u64),
    )
}

/// Start of the kernel's text section (for tests that check W^X).
pub fn text_start() -> u64 {
    &raw const __text_start as u64
}

/// The image's sections, in address order.
pub fn sections() -> [Section; 3] {
    [
        Section {
            kind: SectionKind::Text,
            start: &raw const __text_start as u64,
            end: &raw const __text_end as u64,
        },
        Section {
            kind: SectionKind::ReadOnlyData,
            start: &raw const __rodata_start as u64,
            end: &raw const __rodata_end as u64,
        },
        Section {
            kind: SectionKind::Data,
            start: &raw const __data_start as u64,
            end: &raw const __data_end as u64,
        },
    ]
}
