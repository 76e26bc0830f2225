//! Sv39 page-table entries and tables: the RISC-V format, in types.
//!
//! Sv39 (RISC-V Privileged Architecture, 10.6) translates a 39-bit virtual
//! address through three levels of 512 eight-byte entries. Level 2 is the
//! root; an entry there covers 1 GiB, at level 1 2 MiB, at level 0 4 KiB.
//! An entry is a leaf when any of R, W or X is set; a valid entry with
//! R = W = X = 0 points to the next-level table instead (10.3.1, Table
//! 10.5). That is the first trap for a porter coming from x86, where a
//! separate "huge page" bit marks the leaf.
//!
//! ```text
//! 63    54 53                10 9  8 7 6 5 4 3 2 1 0
//! reserved  physical page number RSW D A G U X W R V
//! ```
//!
//! A and D are the accessed and dirty bits. QEMU sets them in hardware, as
//! the Svadu extension describes; a core with only Svade raises a page
//! fault instead when an access finds A = 0, or a store finds D = 0, and
//! software must set them (10.3.1, "Svade" and "Svadu").

use bitflags::bitflags;
use pristine_allocator::PhysAddr;

bitflags! {
    /// The low ten bits of an Sv39 entry.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct EntryFlags: u64 {
        /// V: the entry is valid.
        const VALID = 1 << 0;
        /// R: loads are allowed (leaf).
        const READ = 1 << 1;
        /// W: stores are allowed (leaf; W without R is reserved).
        const WRITE = 1 << 2;
        /// X: instruction fetches are allowed (leaf).
        const EXECUTE = 1 << 3;
        /// U: user mode may access the page (Pristine has no user mode).
        const USER = 1 << 4;
        /// G: the mapping exists in every address space.
        const GLOBAL = 1 << 5;
        /// A: the page was accessed since A was last cleared.
        const ACCESSED = 1 << 6;
        /// D: the page was written since D was last cleared.
        const DIRTY = 1 << 7;
        /// RSW bit 8: reserved for the supervisor's own use; the hardware
        /// ignores it.
        const SOFTWARE_0 = 1 << 8;
        /// RSW bit 9: reserved for the supervisor's own use.
        const SOFTWARE_1 = 1 << 9;
    }
}

impl EntryFlags {
    /// The rights that make an entry a leaf.
    pub const LEAF_RIGHTS: EntryFlags = EntryFlags::READ
        .union(EntryFlags::WRITE)
        .union(EntryFlags::EXECUTE);
}

/// Bit position of the physical page number in an entry.
const PPN_SHIFT: u32 = 10;
/// The 44 bits of the physical page number.
const PPN_MASK: u64 = (1 << 44) - 1;
/// The ten flag bits (including the two software bits).
const FLAGS_MASK: u64 = (1 << PPN_SHIFT) - 1;

/// Entries in one table.
pub const ENTRIES: usize = 512;

/// One Sv39 page-table entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(transparent)]
pub struct PageTableEntry(u64);

impl PageTableEntry {
    /// The entry that maps nothing.
    pub const EMPTY: PageTableEntry = PageTableEntry(0);

    /// An entry pointing at `frame` (page aligned) with `flags`.
    pub const fn new(frame: PhysAddr, flags: EntryFlags) -> Self {
        PageTableEntry(((frame.0 >> 12) & PPN_MASK) << PPN_SHIFT | flags.bits())
    }

    /// The flags.
    pub const fn flags(self) -> EntryFlags {
        EntryFlags::from_bits_truncate(self.0 & FLAGS_MASK)
    }

    /// The physical address the entry points to (a frame or a table).
    pub const fn address(self) -> PhysAddr {
        PhysAddr(((self.0 >> PPN_SHIFT) & PPN_MASK) << 12)
    }

    /// Whether V is set.
    pub const fn is_valid(self) -> bool {
        self.flags().contains(EntryFlags::VALID)
    }

    /// Whether the entry is valid and a leaf (any of R, W, X set).
    pub const fn is_leaf(self) -> bool {
        self.is_valid() && self.flags().intersects(EntryFlags::LEAF_RIGHTS)
    }

    /// The same entry with `flags` in place of its flags.
    pub const fn with_flags(self, flags: EntryFlags) -> Self {
        PageTableEntry((self.0 & !FLAGS_MASK) | flags.bits())
    }
}

/// One page table: 512 entries, 4 KiB, page aligned.
#[repr(C, align(4096))]
pub struct PageTable {
    /// The entries, indexed by one nine-bit part of the virtual address.
    pub entries: [PageTableEntry; ENTRIES],
}

/// The table index of `address` at `level` (2 = root, 0 = last level):
/// virtual address bits `12 + 9 * level` to `20 + 9 * level`.
pub const fn index(address: u64, level: u32) -> usize {
    ((address >> (12 + 9 * level)) & 0x1ff) as usize
}

/// Bytes one entry at `level` covers: 4 KiB, 2 MiB or 1 GiB.
pub const fn level_size(level: u32) -> u64 {
    1 << (12 + 9 * level)
}
