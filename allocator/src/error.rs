//! What can go wrong, as values: one enum per concern, one variant per cause.
//!
//! [`AllocError`] covers the allocation API (`calloc`, `malloc`, `realloc`,
//! `free` and the cache controls); [`SetupError`] covers building an engine.
//! Faults have their own outcome type, [`crate::FaultOutcome`], because a
//! fault is not a call that failed but an event the kernel must act on. Nothing a
//! caller can reach panics: every cause below is returned instead.

use core::fmt;

use crate::addr::VirtAddr;
use crate::frame::FrameError;
use crate::mmu::{AccessFault, MmuError};

/// Why an allocation call failed. The engine's state is unchanged unless the
/// variant says otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllocError {
    /// `count * size` in `calloc` does not fit in 64 bits.
    Overflow,
    /// The request was for zero bytes. The engine hands out no region for
    /// it; a C front end returns a null pointer, which `malloc(0)` may.
    ZeroSize,
    /// The request is smaller than the configured threshold: it belongs to
    /// the kernel's small-object heap, not to the large-allocation engine.
    BelowThreshold {
        /// The requested size in bytes.
        size: u64,
        /// The configured threshold in bytes.
        threshold: u64,
    },
    /// No gap in the virtual range is large enough, even after evicting the
    /// whole cache.
    OutOfVirtualSpace,
    /// Every region slot is taken by a live allocation, even after evicting
    /// the whole cache (the slot count is the engine's `SLOTS` parameter).
    RegionTableFull,
    /// The frame source has no frame left, even after the engine reclaimed
    /// the whole cache (released every cached region, oldest first, and
    /// retried). Only an always-zero cache hit needs frames inside an
    /// allocation call: it faults every page in to zero it. If it runs out,
    /// the block it took from the cache is released too, its frames given
    /// back, and the call fails with this error; the cache is then empty
    /// and nothing else has changed. The caller can read the shortage from
    /// its frame source: the block needed one frame per page.
    OutOfFrames,
    /// The pointer is not inside any region of this engine.
    UnknownPointer(VirtAddr),
    /// The pointer names a region that was already freed and still sits in
    /// the cache. (Once a freed region has left the cache the engine cannot
    /// tell a double free from an unknown pointer.)
    DoubleFree(VirtAddr),
    /// The pointer lies inside a live region but not at its first byte.
    NotRegionStart(VirtAddr),
    /// Hardware dirty detection was asked for, but the MMU declares
    /// [`crate::DirtyDetection::SoftwareOnly`].
    HardwareDirtyUnsupported,
    /// The frame source refused to take a frame back. The engine has still
    /// released everything else it was releasing.
    FrameSource(FrameError),
    /// The MMU refused a page-table change (for example, it ran out of
    /// page-table frames). The allocation involved is left as it was.
    Mmu(MmuError),
    /// The MMU refused to write zeroes through a mapping the engine had
    /// just made present and writable (and, where the MMU wants it, set
    /// the accessed and dirty bits of): the MMU and its page tables
    /// disagree (a bug in the MMU implementation).
    MmuFault(AccessFault),
    /// [`crate::LargeAllocator::duplicate`] found the table of shared
    /// frames full (it holds at most [`crate::SHARED_FRAMES_MAX`]). The
    /// copy is released and the original keeps its contents; pages it had
    /// already shared stay read-only and take their frames back on their
    /// next write.
    SharingTableFull,
}

/// A failure inside the engine while mapping or releasing pages, before it
/// is reported to a caller as an [`AllocError`] or to the kernel as a
/// [`crate::FatalFault`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shortfall {
    /// The frame source failed (out of frames, or refused a frame back).
    Frames(FrameError),
    /// The MMU refused a page-table change.
    Mmu(MmuError),
    /// The MMU refused an access again although the engine had already
    /// fixed the entry in place for it, and the entry is still as that fix
    /// left it (see [`crate::FatalFault::Unresolvable`]).
    Refused(AccessFault),
}

/// Why an engine could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetupError {
    /// The virtual range does not start on a page boundary.
    MisalignedRange(VirtAddr),
    /// The virtual range starts at address 0. Its first region would start
    /// there too (no guard page precedes it), so the engine would hand out
    /// the null pointer.
    RangeContainsAddressZero,
    /// The virtual range is empty.
    EmptyRange,
    /// The virtual range runs past the end of the 64-bit address space.
    RangeOverflow,
    /// The configuration asks for hardware dirty detection, but the MMU
    /// declares [`crate::DirtyDetection::SoftwareOnly`].
    HardwareDirtyUnsupported,
    /// The frame source could not provide the zero page.
    NoFrameForZeroPage(FrameError),
}

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AllocError::Overflow => f.write_str("count * size overflows"),
            AllocError::ZeroSize => f.write_str("zero-byte request"),
            AllocError::BelowThreshold { size, threshold } => {
                write!(f, "{size} bytes is below the {threshold}-byte threshold")
            }
            AllocError::OutOfVirtualSpace => f.write_str("out of virtual space"),
            AllocError::RegionTableFull => f.write_str("region table full"),
            AllocError::OutOfFrames => f.write_str("out of physical frames"),
            AllocError::UnknownPointer(addr) => write!(f, "{addr} is not an allocation"),
            AllocError::DoubleFree(addr) => write!(f, "{addr} was already freed"),
            AllocError::NotRegionStart(addr) => write!(f, "{addr} is inside an allocation"),
            AllocError::HardwareDirtyUnsupported => f.write_str("the MMU has no dirty bit"),
            AllocError::FrameSource(err) => write!(f, "frame source refused a frame: {err}"),
            AllocError::Mmu(err) => write!(f, "MMU error: {err}"),
            AllocError::MmuFault(fault) => write!(f, "MMU refused a write at {}", fault.addr),
            AllocError::SharingTableFull => f.write_str("the table of shared frames is full"),
        }
    }
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetupError::MisalignedRange(addr) => write!(f, "range start {addr} is not aligned"),
            SetupError::RangeContainsAddressZero => {
                f.write_str("the virtual range starts at address 0 (a null allocation)")
            }
            SetupError::EmptyRange => f.write_str("empty virtual range"),
            SetupError::RangeOverflow => f.write_str("virtual range overflows"),
            SetupError::HardwareDirtyUnsupported => f.write_str("the MMU has no dirty bit"),
            SetupError::NoFrameForZeroPage(err) => write!(f, "no frame for the zero page: {err:?}"),
        }
    }
}

impl core::error::Error for AllocError {}
impl core::error::Error for SetupError {}

impl From<MmuError> for AllocError {
    fn from(err: MmuError) -> AllocError {
        AllocError::Mmu(err)
    }
}

impl From<FrameError> for AllocError {
    fn from(err: FrameError) -> AllocError {
        match err {
            FrameError::OutOfFrames => AllocError::OutOfFrames,
            other => AllocError::FrameSource(other),
        }
    }
}

impl From<Shortfall> for AllocError {
    fn from(failure: Shortfall) -> AllocError {
        match failure {
            Shortfall::Frames(err) => AllocError::from(err),
            Shortfall::Mmu(err) => AllocError::Mmu(err),
            Shortfall::Refused(fault) => AllocError::MmuFault(fault),
        }
    }
}

impl From<MmuError> for Shortfall {
    fn from(err: MmuError) -> Shortfall {
        Shortfall::Mmu(err)
    }
}

impl From<FrameError> for Shortfall {
    fn from(err: FrameError) -> Shortfall {
        Shortfall::Frames(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn errors_describe_their_cause() {
        let below = AllocError::BelowThreshold {
            size: 10,
            threshold: 4096,
        };
        assert_eq!(
            below.to_string(),
            "10 bytes is below the 4096-byte threshold"
        );
        assert_eq!(
            AllocError::DoubleFree(VirtAddr(0x1000)).to_string(),
            "0x1000 was already freed"
        );
        assert_eq!(SetupError::EmptyRange.to_string(), "empty virtual range");
    }

    #[test]
    fn frame_shortage_becomes_out_of_frames() {
        assert_eq!(
            AllocError::from(FrameError::OutOfFrames),
            AllocError::OutOfFrames
        );
        let refused = Shortfall::Frames(FrameError::DoubleFree(crate::FrameNumber(3)));
        assert!(matches!(
            AllocError::from(refused),
            AllocError::FrameSource(_)
        ));
    }
}
