//! What the boot loader told the kernel, in an architecture-neutral form.
//!
//! Boot protocols differ (PVH start info on x86_64, a device tree on
//! riscv64 and aarch64), but the kernel only needs two things from them: the
//! command line and a map of physical memory. The arch code copies both into
//! a [`BootInfo`] before anything else runs, so the memory that held the
//! originals can be reused and the rest of the kernel never sees the format.

use pristine_allocator::PhysAddr;

/// Longest command line, in bytes, the kernel takes: 4095, the most a PVH
/// boot under QEMU carries. QEMU's PVH option ROM copies the line into a
/// 4 KiB buffer, NUL included (`CMDLINE_BUFSIZE` in QEMU's
/// `pc-bios/optionrom/pvh_main.c`), without checking its length; a longer
/// line runs over what follows the buffer, the start info itself among it
/// (QEMU 7.2 puts the line at 0x11c0 and the start info at 0x21e0). The
/// runner refuses longer `--append` text (`KernelCmdline::MAX_LEN` in
/// `src/cmdline.rs`, the same number).
pub const MAX_COMMAND_LINE: usize = 4095;
/// Most memory-map entries kept; QEMU's maps have well under ten.
pub const MAX_MEMORY_REGIONS: usize = 64;

/// Why the boot loader's command line cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandLineError {
    /// No NUL within the first [`MAX_COMMAND_LINE`] + 1 bytes: the line is
    /// longer than a PVH boot carries, and the loader has already written
    /// its tail over whatever followed its buffer.
    TooLong,
    /// The bytes are not UTF-8; `valid_up_to` bytes are.
    NotUtf8 {
        /// How many leading bytes are valid UTF-8.
        valid_up_to: usize,
    },
}

impl core::fmt::Display for CommandLineError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::TooLong => write!(
                f,
                "the command line is longer than {MAX_COMMAND_LINE} bytes, the most the \
                 kernel takes and a PVH boot carries (QEMU's loader buffer is 4 KiB with \
                 the closing NUL, and a longer line overruns what follows it); none of it \
                 was used"
            ),
            Self::NotUtf8 { valid_up_to } => write!(
                f,
                "the command line is not UTF-8 (byte {valid_up_to} is the first bad one)"
            ),
        }
    }
}

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

    /// Stores the command line, all of it: text that is longer than
    /// [`MAX_COMMAND_LINE`] or not UTF-8 is refused and nothing is stored.
    pub fn set_command_line(&mut self, bytes: &[u8]) -> Result<(), CommandLineError> {
        let Some(slot) = self.command_line.get_mut(..bytes.len()) else {
            return Err(CommandLineError::TooLong);
        };
        if let Err(error) = core::str::from_utf8(bytes) {
            return Err(CommandLineError::NotUtf8 {
                valid_up_to: error.valid_up_to(),
            });
        }
        slot.copy_from_slice(bytes);
        self.command_line_len = bytes.len();
        Ok(())
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

    /// Marks `[start, end)` reserved: every usable region it overlaps loses
    /// that part (split in two where the reservation lies inside), and the
    /// range is recorded as [`MemoryKind::Reserved`]. A device tree names
    /// firmware memory this way, inside the RAM its memory node lists; a
    /// PVH memory map never needs it. Returns `false` (and changes
    /// nothing) if the table has no room for the pieces.
    pub fn reserve(&mut self, start: PhysAddr, end: PhysAddr) -> bool {
        if start.0 >= end.0 {
            return true;
        }
        let mut pieces = [MemoryRegion::EMPTY; MAX_MEMORY_REGIONS];
        let mut count = 0;
        let mut keep = |region: MemoryRegion| {
            let slot = pieces.get_mut(count)?;
            *slot = region;
            count += 1;
            Some(())
        };
        for region in self.regions() {
            let overlaps = region.start.0 < end.0 && start.0 < region.end.0;
            if region.kind != MemoryKind::Usable || !overlaps {
                if keep(*region).is_none() {
                    return false;
                }
                continue;
            }
            let below = MemoryRegion {
                end: PhysAddr(start.0.max(region.start.0)),
                ..*region
            };
            let above = MemoryRegion {
                start: PhysAddr(end.0.min(region.end.0)),
                ..*region
            };
            for piece in [below, above].into_iter().filter(|piece| piece.len() > 0) {
                if keep(piece).is_none() {
                    return false;
                }
            }
        }
        let reserved = MemoryRegion {
            start,
            end,
            kind: MemoryKind::Reserved,
        };
        if keep(reserved).is_none() {
            return false;
        }
        self.regions = pieces;
        self.region_count = count;
        true
    }

    /// The command line, exactly as the boot loader passed it.
    pub fn command_line(&self) -> &str {
        // `set_command_line` stores UTF-8 only, so this never falls back.
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
