//! The fault entry point: zero page on read, fresh frame on first write.
//!
//! One page of a live region moves through these states (lazy zero-page
//! mapping shown; eager mapping starts in *zero page*):
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
//! copy-on-write path, which maps a frame zeroed through the MMU's direct
//! map in its place.
//!
//! A fault on an entry that already allows the access is one of two things.
//! On an MMU that faults instead of setting the accessed or dirty bit
//! ([`AccessedDirtyUpdates::Software`], RISC-V Svade) it is that bit: the
//! engine sets it and counts the fault. Otherwise it is a stale translation:
//! the engine flushes it and counts a spurious fault. Either way the entry
//! is fixed in place; if the same access faults again with the entry still
//! as the fix left it, the fix did not help, and the fault is reported as
//! [`FatalFault::Unresolvable`] instead of being retried forever. (A fault
//! after the entry changed, say after the cache re-armed the page, is a new
//! fault.) Only these two rare arms look at that record, so the
//! copy-on-write path pays nothing for it.

use crate::addr::VirtAddr;
use crate::error::Shortfall;
use crate::fault::{FatalFault, FaultOutcome, Resolution};
use crate::frame::{FrameError, FrameSource};
use crate::mmu::{
    Access, AccessFault, AccessedDirtyUpdates, DirtyDetection, EntryInfo, Mmu, PageFlags,
};
use crate::page::Page;

use super::LargeAllocator;
use super::mapping::Previous;

impl<M: Mmu, F: FrameSource, const SLOTS: usize> LargeAllocator<M, F, SLOTS> {
    /// Handles a fault at `addr` caused by `access`.
    ///
    /// Never panics; every address and access kind gives an outcome, and
    /// the same access cannot be answered "retry" forever: a fault the
    /// engine fixed in place (a flush, or setting the accessed and dirty
    /// bits) that comes back with the entry still as the fix left it is
    /// [`FatalFault::Unresolvable`].
    pub fn handle_fault(&mut self, addr: VirtAddr, access: Access) -> FaultOutcome {
        if !self.owns(addr) {
            return FaultOutcome::NotOurs;
        }
        if access == Access::Execute {
            return FaultOutcome::Fatal(FatalFault::Execute(addr));
        }
        let Some(region) = self.regions.region_at(addr) else {
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
        match self.mmu.query(page) {
            None if !write && self.large_zero.is_some() => self.map_zero_for_read(page),
            Some(entry) if write && entry.large => self.split_large_zero_page(page),
            // LAB(zero-page): begin
            None if !write => {
                self.map_zero_page(page)?;
                self.stats.read_faults += 1;
                Ok(Resolution::ZeroPageMapped)
            }
            None => {
                self.map_fresh_frame(page, Previous::Unmapped)?;
                self.stats.cow_faults += 1;
                Ok(Resolution::FreshFrameMapped)
            }
            Some(entry) if write && !entry.writable && self.zero_page.is(entry.frame) => {
                self.map_fresh_frame(page, Previous::ZeroPage)?;
                self.stats.cow_faults += 1;
                Ok(Resolution::FreshFrameMapped)
            }
            // LAB(zero-page): end
            Some(entry) if write && !entry.writable && self.is_shared(entry.frame) => {
                self.write_to_shared(page, entry)
            }
            // LAB(dirty-sw): begin
            Some(entry) if write && !entry.writable => {
                let flags = PageFlags::WRITABLE | self.presets(Access::Write);
                self.mmu.protect(page, flags)?;
                self.mmu.flush_tlb(page);
                self.stats.tracked_write_faults += 1;
                Ok(Resolution::WriteTracked)
            }
            // LAB(dirty-sw): end
            Some(entry) if self.lacks_accessed_dirty(&entry, write) => {
                self.refuse_if_fixed_before(page, access, entry)?;
                let mut flags = PageFlags::ACCESSED;
                flags.set(PageFlags::WRITABLE, entry.writable);
                flags.set(PageFlags::DIRTY, write);
                self.mmu.protect(page, flags)?;
                self.mmu.flush_tlb(page);
                self.stats.accessed_dirty_faults += 1;
                self.last_fixed_in_place =
                    self.mmu
                        .query(page)
                        .map(|left| FixedInPlace { page, access, left });
                Ok(Resolution::AccessedDirtySet)
            }
            Some(entry) => {
                self.refuse_if_fixed_before(page, access, entry)?;
                self.mmu.flush_tlb(page);
                self.stats.spurious_faults += 1;
                self.last_fixed_in_place = Some(FixedInPlace {
                    page,
                    access,
                    left: entry,
                });
                Ok(Resolution::Spurious)
            }
        }
    }

    /// Refuses to fix `access` to `page` in place again if the last fix in
    /// place was for the same access and left the entry as it is now: the
    /// fix did not help, and retrying would loop forever.
    fn refuse_if_fixed_before(
        &self,
        page: Page,
        access: Access,
        now: EntryInfo,
    ) -> Result<(), Shortfall> {
        let again = FixedInPlace {
            page,
            access,
            left: now,
        };
        if self.last_fixed_in_place == Some(again) {
            return Err(Shortfall::Refused(AccessFault {
                addr: page.start(),
                access,
            }));
        }
        Ok(())
    }

    /// Whether an entry that allows the access faulted because the MMU
    /// wants software to set its accessed bit, or for a write its dirty bit.
    fn lacks_accessed_dirty(&self, entry: &EntryInfo, write: bool) -> bool {
        self.accessed_dirty == AccessedDirtyUpdates::Software
            && (!entry.accessed
                || (write
                    && !entry.dirty
                    && self.mmu.dirty_detection() == DirtyDetection::Hardware))
    }
}

/// A fault the engine fixed in place (it flushed the translation, or set
/// the accessed and dirty bits), and the entry as the fix left it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FixedInPlace {
    page: Page,
    access: Access,
    left: EntryInfo,
}

impl FatalFault {
    fn from_shortfall(failure: Shortfall, addr: VirtAddr) -> FatalFault {
        match failure {
            Shortfall::Frames(FrameError::OutOfFrames) => FatalFault::OutOfFrames(addr),
            Shortfall::Frames(other) => FatalFault::FrameSource(other),
            Shortfall::Mmu(err) => FatalFault::Mmu(err),
            Shortfall::Refused(_) => FatalFault::Unresolvable(addr),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::FrameCount;
    use crate::cache::{Adaptation, Policy};
    use crate::sim::testing::{
        BASE, TestEngine, after, config, engine, engine_on, engine_with, pages, svade_engine,
    };
    use crate::sim::{CpuError, SimConfig, machine, read_byte, write_byte};

    #[test]
    fn read_of_untouched_page_maps_the_zero_page() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        let page = Page::containing(ptr);
        assert_eq!(
            engine.handle_fault(ptr, Access::Read),
            FaultOutcome::Handled(Resolution::ZeroPageMapped)
        );
        let entry = engine.mmu().entry(page).unwrap();
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
        let entry = engine.mmu().entry(Page::containing(ptr)).unwrap();
        assert_ne!(entry.frame, engine.zero_page());
        assert!(entry.writable);
        let frame = engine.mmu().frame_bytes(entry.frame).unwrap();
        assert_eq!((frame[0], frame[1]), (9, 0));
        let zero = engine.mmu().frame_bytes(engine.zero_page()).unwrap();
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
        assert_eq!(engine.mmu().counters().maps, 1);
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
        let entry = engine.mmu().entry(Page::containing(second)).unwrap();
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
    fn the_same_fault_again_on_an_unchanged_entry_is_unresolvable() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        write_byte(&mut engine, ptr, 1).unwrap();
        let spurious = FaultOutcome::Handled(Resolution::Spurious);
        let unresolvable = FaultOutcome::Fatal(FatalFault::Unresolvable(ptr));
        assert_eq!(engine.handle_fault(ptr, Access::Write), spurious);
        assert_eq!(
            engine.handle_fault(after(ptr, 0), Access::Write),
            unresolvable
        );
        assert_eq!(engine.handle_fault(ptr, Access::Write), unresolvable);
        // Another access fixed in place is the one remembered from then on.
        assert_eq!(engine.handle_fault(ptr, Access::Read), spurious);
        assert_eq!(engine.handle_fault(ptr, Access::Write), spurious);
        assert_eq!(engine.stats().spurious_faults, 3, "verdicts not counted");
    }

    #[test]
    fn on_svade_a_store_to_a_rearmed_page_sets_its_dirty_bit() {
        let mut engine = svade_engine(Policy::DirtyTracking);
        assert_eq!(engine.dirty_strategy(), crate::DirtyStrategy::Hardware);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        write_byte(&mut engine, ptr, 1).unwrap();
        engine.free(ptr).unwrap();
        assert_eq!(engine.calloc(1, pages(2)), Ok(ptr));
        let page = Page::containing(ptr);
        assert!(!engine.mmu().entry(page).unwrap().dirty, "re-armed");
        assert_eq!(
            engine.handle_fault(ptr, Access::Write),
            FaultOutcome::Handled(Resolution::AccessedDirtySet)
        );
        assert!(engine.mmu().entry(page).unwrap().dirty);
        write_byte(&mut engine, ptr, 2).unwrap();
        assert_eq!(engine.stats().accessed_dirty_faults, 1);
        assert_eq!(engine.mmu().counters().stale_translations, 0);
    }

    #[test]
    fn on_svade_a_fault_on_an_entry_with_its_bits_set_is_spurious() {
        let mut engine = svade_engine(Policy::DirtyTracking);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        write_byte(&mut engine, ptr, 1).unwrap();
        let entry = engine.mmu().entry(Page::containing(ptr)).unwrap();
        assert!(entry.accessed && entry.dirty && entry.writable);
        let spurious = FaultOutcome::Handled(Resolution::Spurious);
        // A stale translation, not a missing bit: flushed, nothing set.
        assert_eq!(engine.handle_fault(ptr, Access::Write), spurious);
        assert_eq!(engine.handle_fault(ptr, Access::Read), spurious);
        // A re-armed page (D clear) still allows reads without a fix.
        engine.free(ptr).unwrap();
        assert_eq!(engine.calloc(1, pages(2)), Ok(ptr));
        assert_eq!(engine.handle_fault(ptr, Access::Read), spurious);
        let stats = engine.stats();
        assert_eq!((stats.spurious_faults, stats.accessed_dirty_faults), (3, 0));
    }

    #[test]
    fn an_mmu_that_hides_svade_gets_a_fatal_fault_not_a_loop() {
        let svade = SimConfig::new(FrameCount(64), DirtyDetection::Hardware)
            .with_accessed_dirty_updates(AccessedDirtyUpdates::Software);
        let (mut mmu, frames) = machine(svade);
        // The MMU claims hardware A/D updates, wrongly, so the engine
        // neither presets nor sets the bits: every access faults.
        mmu.declared_updates = AccessedDirtyUpdates::Hardware;
        let built: Result<TestEngine, _> =
            LargeAllocator::new(mmu, frames, config(Policy::DirtyTracking));
        let mut engine = built.unwrap();
        let ptr = engine.calloc(1, pages(2)).unwrap();
        let refused = read_byte(&mut engine, ptr).unwrap_err();
        let CpuError::Unhandled { outcome, .. } = refused else {
            panic!("expected an unhandled fault, got {refused}");
        };
        assert_eq!(outcome, FaultOutcome::Fatal(FatalFault::Unresolvable(ptr)));
        // Zero page mapped (A clear), one flush, then the verdict.
        let stats = engine.stats();
        assert_eq!((stats.read_faults, stats.spurious_faults), (1, 1));
    }

    #[test]
    fn an_accessed_dirty_fault_that_comes_straight_back_is_unresolvable() {
        // Tracked re-zeroing on every hit: the adaptive policy would stop
        // re-arming a block written wholly, and this test needs the re-arm.
        let machine = SimConfig::new(FrameCount(64), DirtyDetection::Hardware)
            .with_accessed_dirty_updates(AccessedDirtyUpdates::Software);
        let tracked = config(Policy::DirtyTracking).with_adaptation(Adaptation::Off);
        let mut engine = engine_on(machine, tracked);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        write_byte(&mut engine, ptr, 1).unwrap();
        engine.free(ptr).unwrap();
        assert_eq!(engine.calloc(1, pages(2)), Ok(ptr));
        let fixed = FaultOutcome::Handled(Resolution::AccessedDirtySet);
        assert_eq!(engine.handle_fault(ptr, Access::Write), fixed);
        // The entry now allows the write with D set: the MMU refuses it
        // for a reason the entry does not show.
        assert_eq!(
            engine.handle_fault(ptr, Access::Write),
            FaultOutcome::Fatal(FatalFault::Unresolvable(ptr))
        );
        // Once the cache re-arms the page, the same fault is a new one.
        engine.free(ptr).unwrap();
        assert_eq!(engine.calloc(1, pages(2)), Ok(ptr));
        assert_eq!(engine.handle_fault(ptr, Access::Write), fixed);
        assert_eq!(engine.stats().accessed_dirty_faults, 2);
    }
}
