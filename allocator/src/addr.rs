//! Address and size newtypes shared by every part of the allocator.
//!
//! Raw `u64`s are easy to mix up: a physical address passed where a virtual
//! one belongs, or a frame number where a byte count belongs. These small
//! `Copy` newtypes make such mistakes type errors. They are architecture
//! neutral: a page is always [`PAGE_SIZE`] bytes, the smallest page every
//! target Pristine cares about supports (x86_64, aarch64 with 4 KiB granule,
//! RISC-V Sv39/Sv48, and the simulator).

use core::fmt;

/// Size of one page (and one physical frame) in bytes.
pub const PAGE_SIZE: u64 = 4096;

/// A physical memory address, as the memory controller sees it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct PhysAddr(pub u64);

/// A virtual memory address, as a program running with paging on sees it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct VirtAddr(pub u64);

/// The number of a physical frame: its physical address divided by
/// [`PAGE_SIZE`]. Frame 0 starts at physical address 0.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FrameNumber(pub u64);

/// A number of frames (or pages): a length, not a position.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FrameCount(pub u64);

impl PhysAddr {
    /// The address as a plain integer.
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    /// Whether the address is a multiple of [`PAGE_SIZE`].
    pub const fn is_page_aligned(self) -> bool {
        self.0.is_multiple_of(PAGE_SIZE)
    }

    /// The frame that contains this address.
    pub const fn containing_frame(self) -> FrameNumber {
        FrameNumber(self.0 / PAGE_SIZE)
    }

    /// The first frame that starts at or after this address.
    pub const fn frame_at_or_after(self) -> FrameNumber {
        FrameNumber(self.0.div_ceil(PAGE_SIZE))
    }
}

impl VirtAddr {
    /// The address as a plain integer.
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    /// Whether the address is a multiple of [`PAGE_SIZE`].
    pub const fn is_page_aligned(self) -> bool {
        self.0.is_multiple_of(PAGE_SIZE)
    }

    /// The address rounded down to the start of its page.
    pub const fn page_start(self) -> VirtAddr {
        VirtAddr(self.0 - self.0 % PAGE_SIZE)
    }
}

impl FrameNumber {
    /// The physical address where this frame starts.
    pub const fn start_address(self) -> PhysAddr {
        PhysAddr(self.0 * PAGE_SIZE)
    }

    /// The frame `count` frames after this one, or `None` on overflow.
    pub const fn checked_add(self, count: FrameCount) -> Option<FrameNumber> {
        match self.0.checked_add(count.0) {
            Some(n) => Some(FrameNumber(n)),
            None => None,
        }
    }
}

impl FrameCount {
    /// The number of bytes these frames cover, or `None` on overflow.
    pub const fn bytes(self) -> Option<u64> {
        self.0.checked_mul(PAGE_SIZE)
    }

    /// How many frames are needed to hold `bytes` bytes (rounded up).
    pub const fn covering(bytes: u64) -> FrameCount {
        FrameCount(bytes.div_ceil(PAGE_SIZE))
    }
}

impl fmt::Debug for PhysAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhysAddr({:#x})", self.0)
    }
}

impl fmt::Debug for VirtAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VirtAddr({:#x})", self.0)
    }
}

impl fmt::Debug for FrameNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Frame#{}", self.0)
    }
}

impl fmt::Debug for FrameCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} frames", self.0)
    }
}

impl fmt::Display for PhysAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

impl fmt::Display for VirtAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_of_address_rounds_down_and_up() {
        assert_eq!(PhysAddr(4095).containing_frame(), FrameNumber(0));
        assert_eq!(PhysAddr(4096).containing_frame(), FrameNumber(1));
        assert_eq!(PhysAddr(4097).frame_at_or_after(), FrameNumber(2));
        assert_eq!(PhysAddr(8192).frame_at_or_after(), FrameNumber(2));
    }

    #[test]
    fn frame_count_covers_partial_pages() {
        assert_eq!(FrameCount::covering(0), FrameCount(0));
        assert_eq!(FrameCount::covering(1), FrameCount(1));
        assert_eq!(FrameCount::covering(4096), FrameCount(1));
        assert_eq!(FrameCount(u64::MAX).bytes(), None);
    }
}
