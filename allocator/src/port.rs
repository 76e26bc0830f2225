//! The port: everything an architecture must supply, behind one trait.
//!
//! The engine never touches page-table entries, TLBs or physical memory
//! itself. It asks a [`Port`] to map, unmap, protect, query, clear the dirty
//! bit, invalidate the TLB and zero memory, so the same cache, zero-page and
//! copy-on-write logic runs on x86_64, on other architectures and on the
//! host simulator ([`crate::engine`] is generic over it). Each method is
//! meant to be a few lines in a real port: on x86_64 a page-table walk to the
//! 4 KiB entry, a bit operation, `invlpg`, or a `write_bytes` through the
//! kernel's direct map.
//!
//! The port also declares whether the hardware keeps a dirty bit
//! ([`DirtyDetection`]). Page-table frames are the port's own business: it
//! allocates them however it likes, never through the engine.

use core::fmt;

use bitflags::bitflags;

use crate::addr::{FrameNumber, VirtAddr};
use crate::page::Page;

bitflags! {
    /// How a page is mapped. A page mapped with no flags is present,
    /// readable and read-only.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct PageFlags: u8 {
        /// Writes are allowed (x86: the R/W bit, Intel SDM Vol. 3A, 4.6).
        const WRITABLE = 1 << 0;
        /// Create the entry with its dirty bit already set. The engine uses
        /// this when it moves a written frame to a new page (realloc) so the
        /// dirty information travels with the data. Ports without a hardware
        /// dirty bit ignore it.
        const DIRTY = 1 << 1;
    }
}

/// Whether the hardware records writes in the page-table entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DirtyDetection {
    /// The MMU sets a dirty bit on the first write through an entry
    /// (x86 D bit, Intel SDM Vol. 3A, 4.8; aarch64 with FEAT_HAFDBS/DBM;
    /// RISC-V with Svadu).
    Hardware,
    /// No hardware dirty bit: the only way to see a write is to map the page
    /// read-only and take the write fault.
    SoftwareOnly,
}

/// What a present page-table entry says, as returned by [`Port::query`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EntryInfo {
    /// The frame the page maps to.
    pub frame: FrameNumber,
    /// Whether writes are allowed.
    pub writable: bool,
    /// Whether the hardware dirty bit is set (always `false` on a port with
    /// [`DirtyDetection::SoftwareOnly`]).
    pub dirty: bool,
    /// Whether the hardware accessed bit is set.
    pub accessed: bool,
}

/// The kind of memory access that faulted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// A load.
    Read,
    /// A store.
    Write,
    /// An instruction fetch.
    Execute,
}

/// Why an access through a mapping failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultCause {
    /// No present entry maps the page.
    NotPresent,
    /// The entry is present but read-only and the access was a write.
    ReadOnly,
}

/// An access through a mapping that the MMU refused, as a CPU reports it
/// (x86: the page-fault error code and CR2, Intel SDM Vol. 3A, 4.7).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AccessFault {
    /// The faulting virtual address.
    pub addr: VirtAddr,
    /// What the access tried to do.
    pub access: Access,
    /// Why it was refused.
    pub cause: FaultCause,
}

/// Why a port refused a page-table change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PortError {
    /// [`Port::map`] was asked to map a page that is already mapped.
    AlreadyMapped(Page),
    /// [`Port::protect`] was asked to change a page that is not mapped.
    NotMapped(Page),
    /// The port could not get a frame for an intermediate page table.
    OutOfPageTableFrames,
    /// The frame does not exist in the port's physical memory.
    InvalidFrame(FrameNumber),
}

/// The architecture-specific operations the engine needs.
///
/// None of the page-table changes flush the TLB: the engine calls
/// [`Port::flush_tlb`] itself after every change that could leave a stale
/// translation behind, and the simulator counts any stale translation that
/// is used anyway.
pub trait Port {
    /// Which dirty-detection strategies this hardware supports.
    fn dirty_detection(&self) -> DirtyDetection;

    /// Maps `page` to `frame` with `flags`. The page must not be mapped.
    fn map(&mut self, page: Page, frame: FrameNumber, flags: PageFlags) -> Result<(), PortError>;

    /// Removes the entry for `page` and returns what it held, or `None` if
    /// the page was not mapped. Does not free the frame.
    #[must_use = "the old entry names a frame that must be freed or reused"]
    fn unmap(&mut self, page: Page) -> Option<EntryInfo>;

    /// Changes the flags of a mapped page, keeping its frame and dirty bit.
    fn protect(&mut self, page: Page, flags: PageFlags) -> Result<(), PortError>;

    /// Reads the entry for `page`: `None` if it is not present.
    fn query(&self, page: Page) -> Option<EntryInfo>;

    /// Clears the hardware dirty bit of `page` (nothing if not mapped).
    fn clear_dirty(&mut self, page: Page);

    /// Reads the entry for `page` and clears its dirty bit: the entry as it
    /// was (dirty bit included), or `None` if it is not present. The TLB is
    /// not flushed, as for [`Port::clear_dirty`].
    ///
    /// The re-zeroing loop of a cache hit calls this once per page, so a
    /// real port should override it to do both in one page-table walk; the
    /// default is [`Port::query`], then [`Port::clear_dirty`] if it was set.
    fn take_dirty(&mut self, page: Page) -> Option<EntryInfo> {
        let entry = self.query(page)?;
        if entry.dirty {
            self.clear_dirty(page);
        }
        Some(entry)
    }

    /// Invalidates any TLB entry for `page` (x86: `invlpg`, Intel SDM
    /// Vol. 3A, 4.10.4.1).
    fn flush_tlb(&mut self, page: Page);

    /// Fills `frame` with zeroes without going through any allocation
    /// mapping (a real port writes through its direct map), so no dirty bit
    /// is set and no page-table walk is needed. The frame may be mapped:
    /// the engine zeroes the frames of written cached pages this way.
    fn zero_frame(&mut self, frame: FrameNumber);

    /// Fills `page` with zeroes by writing through its mapping, as a
    /// `memset` by the program would: the hardware sets the dirty bit.
    ///
    /// Returns the fault instead of writing if the page is not present or
    /// not writable; the engine makes sure it is both before calling.
    fn write_zeroes(&mut self, page: Page) -> Result<(), AccessFault>;
}

impl fmt::Display for PortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortError::AlreadyMapped(page) => write!(f, "{page} is already mapped"),
            PortError::NotMapped(page) => write!(f, "{page} is not mapped"),
            PortError::OutOfPageTableFrames => f.write_str("no frame left for a page table"),
            PortError::InvalidFrame(frame) => write!(f, "{frame:?} is not physical memory"),
        }
    }
}

impl core::error::Error for PortError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_flags_means_read_only() {
        assert!(!PageFlags::empty().contains(PageFlags::WRITABLE));
        let moved = PageFlags::WRITABLE | PageFlags::DIRTY;
        assert!(moved.contains(PageFlags::DIRTY));
    }

    #[test]
    fn port_errors_describe_themselves() {
        use std::string::ToString;
        let page = Page::containing(VirtAddr(0x5000));
        assert_eq!(
            PortError::NotMapped(page).to_string(),
            "page 0x5000 is not mapped"
        );
    }
}
