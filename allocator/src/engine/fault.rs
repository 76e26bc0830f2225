//! The fault entry point: zero page on read, fresh frame on first write.
//!
//! The kernel routes every page fault inside the engine's range to
//! [`LargeAllocator::handle_fault`] and acts on the [`FaultOutcome`]: retry
//! the access, look elsewhere, or report a fatal fault. One page of a live
//! region moves through these states (lazy zero-page mapping shown; eager
//! mapping starts in *zero page*):
//!
//! ```text
//!              read fault                write fault (COW: fresh zeroed frame,
//!  untouched ──────────────► zero page ──  never a copy of the zero page)
//!      │      (map zero page RO)              │
//!      └──── write fault ─────────────────────┴──► written (frame, dirty)
//!                                                   │        ▲
//!                 calloc from the cache (DirtyTracking):     │ write (hardware sets D;
//!                 zero, re-arm (clear D / write-protect)     │ software: tracked fault)
//!                                                   ▼        │
//!                                               clean (frame, zeroes)
//! ```
//!
//! The zero page is never mapped writable: a write to it always takes the
//! copy-on-write path, which maps a frame zeroed through the port's direct
//! map in its place.

use core::fmt;

use crate::addr::VirtAddr;
use crate::error::Shortfall;
use crate::frame::{FrameError, FrameSource};
use crate::page::Page;
use crate::port::{Access, PageFlags, Port, PortError};

use crate::engine::LargeAllocator;

/// What the kernel should do after a fault in the engine's range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use = "a fault that is not retried or reported hangs or corrupts the program"]
pub enum FaultOutcome {
    /// The engine fixed the mapping: retry the access.
    Handled(Resolution),
    /// The address is outside the engine's range: not this engine's fault.
    NotOurs,
    /// The access cannot be allowed: report it (kill the program, or panic
    /// if the kernel itself faulted).
    Fatal(FatalFault),
}

/// How a handled fault was fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// A read of an untouched page: the zero page is now mapped read-only.
    ZeroPageMapped,
    /// A first write to an untouched page (copy-on-write of the zero page,
    /// or nothing mapped yet): a freshly zeroed frame is now mapped writable.
    FreshFrameMapped,
    /// A write to a zeroed, write-protected page (software dirty strategy):
    /// the write is recorded and the page is now writable.
    WriteTracked,
    /// The entry already allowed the access (a stale TLB entry): flushed.
    Spurious,
}

/// Why a fault in the engine's range cannot be allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FatalFault {
    /// An instruction fetch: allocation memory is never executable.
    Execute(VirtAddr),
    /// The address is in no region: a guard page or unallocated space.
    NotAllocated(VirtAddr),
    /// The address is in a region that was freed and sits in the cache.
    UseAfterFree(VirtAddr),
    /// A first write needed a frame and none was left, even after evicting
    /// the whole cache.
    OutOfFrames(VirtAddr),
    /// The frame source refused a frame back while the cache was evicted.
    FrameSource(FrameError),
    /// The port refused the page-table change.
    Port(PortError),
}

impl<P: Port, F: FrameSource, const SLOTS: usize> LargeAllocator<P, F, SLOTS> {
    /// Handles a fault at `addr` caused by `access`.
    ///
    /// Never panics; every address and access kind gives an outcome.
    pub fn handle_fault(&mut self, addr: VirtAddr, access: Access) -> FaultOutcome {
        if !self.owns(addr) {
            return FaultOutcome::NotOurs;
        }
        if access == Access::Execute {
            return FaultOutcome::Fatal(FatalFault::Execute(addr));
        }
        let Some(region) = self.regions.find(addr).and_then(|i| self.regions.get(i)) else {
            return FaultOutcome::Fatal(FatalFault::NotAllocated(addr));
        };
        if region.is_cached() {
            return FaultOutcome::Fatal(FatalFault::UseAfterFree(addr));
        }
        match self.resolve(Page::containing(addr), access) {
            Ok(resolution) => FaultOutcome::Handled(resolution),
            Err(failure) => FaultOutcome::Fatal(FatalFault::from_shortfall(failure, addr)),
        }
    }

    /// Fixes the mapping of `page` (in a live region) for `access`. Also
    /// used by the cache to fault pages in before zeroing them.
    pub(crate) fn resolve(&mut self, page: Page, access: Access) -> Result<Resolution, Shortfall> {
        let write = access == Access::Write;
        match self.port.query(page) {
            None if !write => {
                self.map_zero_page(page)?;
                self.stats.read_faults += 1;
                Ok(Resolution::ZeroPageMapped)
            }
            None => {
                self.map_fresh_frame(page)?;
                self.stats.cow_faults += 1;
                Ok(Resolution::FreshFrameMapped)
            }
            Some(entry) if write && !entry.writable && self.zero_page.is(entry.frame) => {
                self.copy_on_write(page)?;
                self.stats.cow_faults += 1;
                Ok(Resolution::FreshFrameMapped)
            }
            Some(entry) if write && !entry.writable => {
                self.port.protect(page, PageFlags::WRITABLE)?;
                self.port.flush_tlb(page);
                self.stats.tracked_write_faults += 1;
                Ok(Resolution::WriteTracked)
            }
            Some(_) => {
                self.port.flush_tlb(page);
                self.stats.spurious_faults += 1;
                Ok(Resolution::Spurious)
            }
        }
    }

    /// Replaces the zero-page mapping at `page` by a freshly zeroed frame.
    /// The frame is taken first, so running out leaves the zero page mapped.
    fn copy_on_write(&mut self, page: Page) -> Result<(), Shortfall> {
        let frame = self.take_frame()?;
        if self.port.unmap(page).is_some() {
            self.port.flush_tlb(page);
        }
        self.stats.frames_in_use += 1;
        self.port.zero_frame(frame);
        self.stats.pages_zeroed_on_fault += 1;
        if let Err(err) = self.port.map(page, frame, PageFlags::WRITABLE) {
            self.give_frame(frame)?;
            return Err(Shortfall::Port(err));
        }
        Ok(())
    }
}

impl FatalFault {
    fn from_shortfall(failure: Shortfall, addr: VirtAddr) -> FatalFault {
        match failure {
            Shortfall::Frames(FrameError::OutOfFrames) => FatalFault::OutOfFrames(addr),
            Shortfall::Frames(other) => FatalFault::FrameSource(other),
            Shortfall::Port(err) => FatalFault::Port(err),
        }
    }
}

impl fmt::Display for FatalFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FatalFault::Execute(addr) => write!(f, "instruction fetch from data at {addr}"),
            FatalFault::NotAllocated(addr) => write!(f, "access to unallocated {addr}"),
            FatalFault::UseAfterFree(addr) => write!(f, "use after free at {addr}"),
            FatalFault::OutOfFrames(addr) => write!(f, "no frame for a write at {addr}"),
            FatalFault::FrameSource(err) => write!(f, "frame source refused a frame: {err:?}"),
            FatalFault::Port(err) => write!(f, "port error: {err}"),
        }
    }
}

impl core::error::Error for FatalFault {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Policy;
    use crate::port::DirtyDetection;
    use crate::sim::testing::{BASE, after, config, engine, engine_with, pages};
    use crate::sim::{read_byte, write_byte};

    #[test]
    fn read_of_untouched_page_maps_the_zero_page() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        let page = Page::containing(ptr);
        assert_eq!(
            engine.handle_fault(ptr, Access::Read),
            FaultOutcome::Handled(Resolution::ZeroPageMapped)
        );
        let entry = engine.port().entry(page).unwrap();
        assert_eq!(entry.frame, engine.zero_page());
        assert!(!entry.writable);
        assert_eq!(read_byte(&mut engine, ptr), Ok(0));
        assert_eq!(engine.stats().read_faults, 1);
        assert_eq!(engine.stats().frames_in_use, 0);
    }

    #[test]
    fn first_write_maps_a_fresh_zeroed_frame_never_the_zero_page() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        assert_eq!(read_byte(&mut engine, ptr), Ok(0));
        write_byte(&mut engine, after(ptr, 0), 9).unwrap();
        let entry = engine.port().entry(Page::containing(ptr)).unwrap();
        assert_ne!(entry.frame, engine.zero_page());
        assert!(entry.writable);
        let frame = engine.port().frame_bytes(entry.frame).unwrap();
        assert_eq!((frame[0], frame[1]), (9, 0));
        let zero = engine.port().frame_bytes(engine.zero_page()).unwrap();
        assert!(zero.iter().all(|&b| b == 0));
        let stats = engine.stats();
        assert_eq!((stats.cow_faults, stats.pages_zeroed_on_fault), (1, 1));
    }

    #[test]
    fn first_write_to_an_unmapped_page_takes_one_fault() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        write_byte(&mut engine, after(ptr, 1), 3).unwrap();
        let stats = engine.stats();
        assert_eq!((stats.cow_faults, stats.read_faults), (1, 0));
        assert_eq!(stats.zero_page_mappings, 0);
        assert_eq!(engine.port().counters().maps, 1);
    }

    #[test]
    fn faults_outside_the_range_are_not_ours() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        assert_eq!(
            engine.handle_fault(VirtAddr(0x1000), Access::Write),
            FaultOutcome::NotOurs
        );
        assert_eq!(
            engine.handle_fault(VirtAddr(u64::MAX), Access::Read),
            FaultOutcome::NotOurs
        );
    }

    #[test]
    fn guard_pages_and_free_space_are_fatal() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        let guard = after(ptr, 2);
        assert_eq!(
            engine.handle_fault(guard, Access::Write),
            FaultOutcome::Fatal(FatalFault::NotAllocated(guard))
        );
        let far = VirtAddr(BASE + pages(100));
        assert_eq!(
            engine.handle_fault(far, Access::Read),
            FaultOutcome::Fatal(FatalFault::NotAllocated(far))
        );
    }

    #[test]
    fn access_to_a_cached_region_is_use_after_free() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        engine.free(ptr).unwrap();
        assert_eq!(
            engine.handle_fault(ptr, Access::Read),
            FaultOutcome::Fatal(FatalFault::UseAfterFree(ptr))
        );
    }

    #[test]
    fn instruction_fetch_is_fatal() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        assert_eq!(
            engine.handle_fault(ptr, Access::Execute),
            FaultOutcome::Fatal(FatalFault::Execute(ptr))
        );
    }

    #[test]
    fn write_without_frames_is_fatal_and_keeps_the_zero_page() {
        // Two frames: the zero page and one data frame.
        let mut engine = engine_with(config(Policy::NoCache), 2, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        write_byte(&mut engine, ptr, 1).unwrap();
        let second = after(ptr, 1);
        assert_eq!(read_byte(&mut engine, second), Ok(0));
        assert_eq!(
            engine.handle_fault(second, Access::Write),
            FaultOutcome::Fatal(FatalFault::OutOfFrames(second))
        );
        let entry = engine.port().entry(Page::containing(second)).unwrap();
        assert_eq!(entry.frame, engine.zero_page());
    }

    #[test]
    fn fault_on_a_page_that_allows_the_access_is_spurious() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        write_byte(&mut engine, ptr, 1).unwrap();
        assert_eq!(
            engine.handle_fault(ptr, Access::Write),
            FaultOutcome::Handled(Resolution::Spurious)
        );
        assert_eq!(engine.stats().spurious_faults, 1);
    }

    #[test]
    fn fatal_faults_describe_themselves() {
        use std::string::ToString;
        let text = FatalFault::UseAfterFree(VirtAddr(0x2000)).to_string();
        assert_eq!(text, "use after free at 0x2000");
    }
}
