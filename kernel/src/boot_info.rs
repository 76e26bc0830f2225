//! What the boot loader told the kernel, in an architecture-neutral form.
//!
//! Boot protocols differ (PVH start info on x86_64, a device tree on
//! aarch64 and RISC-V), but the kernel only needs two things from them: the
//! command line and a map of physical memory. The arch code copies both into
//! a [`BootInfo`] before anything else runs, so the memory that held the
//! originals can be reused and the rest of the kernel never sees the format.

use pristine_allocator::PhysAddr;

/// Longest command line kept; longer ones are cut (and the cut is logged).
pub const MAX_COMMAND_LINE: usize = 1024;
/// Most memory-map entries kept; QEMU's maps have well under ten.
pub const MAX_MEMORY_REGIONS: usize = 64;

/// What a range of physical memory may be used for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryKind {
    /// Ordinary RAM, free for the kernel to use.
    Usable,
    /// ACPI tables: RAM that can be reclaimed once they are read.
    AcpiReclaimable,
    /// Anything else: firmware, device memory, holes, bad RAM.
    Reserved,
}

/// One contiguous range of physical memory, `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryRegion {
    /// First byte of the range.
    pub start: PhysAddr,
    /// One past the last byte.
    pub end: PhysAddr,
    /// What the range may be used for.
    pub kind: MemoryKind,
}

impl MemoryRegion {
    const EMPTY: MemoryRegion = MemoryRegion {
        start: PhysAddr(0),
        end: PhysAddr(0),
        kind: MemoryKind::Reserved,
    };

    /// Size of the range in bytes.
    pub fn len(&self) -> u64 {
        self.end.0.saturating_sub(self.start.0)
    }
}

/// The boot loader's information, copied into kernel memory.
pub struct BootInfo {
    command_line: [u8; MAX_COMMAND_LINE],
    command_line_len: usize,
    regions: [MemoryRegion; MAX_MEMORY_REGIONS],
    region_count: usize,
}

impl BootInfo {
    /// An empty boot info: no command line, no memory.
    pub const fn new() -> Self {
        Self {
            command_line: [0; MAX_COMMAND_LINE],
            command_line_len: 0,
            regions: [MemoryRegion::EMPTY; MAX_MEMORY_REGIONS],
            region_count: 0,
        }
    }

    /// Stores the command line; returns `false` if it had to be cut.
    pub fn set_command_line(&mut self, bytes: &[u8]) -> bool {
        let kept = bytes.len().min(MAX_COMMAND_LINE);
        self.command_line[..kept].copy_from_slice(&bytes[..kept]);
        self.command_line_len = kept;
        kept == bytes.len()
    }

    /// Adds a memory region; returns `false` if the table is full.
    pub fn push_region(&mut self, region: MemoryRegion) -> bool {
        let Some(slot) = self.regions.get_mut(self.region_count) else {
            return false;
        };
        *slot = region;
        self.region_count += 1;
        true
    }

    /// The command line (lossy: invalid UTF-8 yields an empty string).
    pub fn command_line(&self) -> &str {
        core::str::from_utf8(&self.command_line[..self.command_line_len]).unwrap_or("")
    }

    /// Every memory region, in the order the boot loader gave them.
    pub fn regions(&self) -> &[MemoryRegion] {
        &self.regions[..self.region_count]
    }

    /// The usable RAM regions.
    pub fn usable_regions(&self) -> impl Iterator<Item = &MemoryRegion> {
        self.regions()
            .iter()
            .filter(|region| region.kind == MemoryKind::Usable)
    }

    /// Total bytes of usable RAM.
    pub fn usable_bytes(&self) -> u64 {
        self.usable_regions().map(MemoryRegion::len).sum()
    }

    /// One past the highest usable RAM address.
    pub fn usable_end(&self) -> PhysAddr {
        PhysAddr(
            self.usable_regions()
                .map(|region| region.end.0)
                .max()
                .unwrap_or(0),
        )
    }
}
