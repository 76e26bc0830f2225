//! `duplicate`: a fork-like copy of an allocation that shares its written
//! frames copy-on-write, and what sharing asks of faults, frees and the
//! cache.
//!
//! This is the copy-on-write of xv6's COW lab and of Unix `fork`, on one
//! allocation: the copy costs one entry per written page, not a copy of
//! the data. For every page of the original's touched span:
//!
//! - a page mapping the **zero page** maps it in the copy too;
//! - a page holding **data** (its entry says "written", or its frame is
//!   shared already) is made read-only and its frame mapped read-only in
//!   the copy, with one more reference in the table (`shared_frames.rs`);
//! - an unmapped page, or a clean one (a frame of zeroes), stays unmapped
//!   in the copy, which reads zero there.
//!
//! Afterwards, on either side:
//!
//! ```text
//!  shared, RO ──write, others still map it──► own copy, writable, written
//!      │        (copy_frame; one reference dropped)
//!      └──────write, the last mapping─────────► same frame, writable, written
//!               (taken over: no copy)
//!  unmap (free, trim, evict, reclaim) ──► one reference dropped; the frame
//!                                         is freed at the last one
//!  calloc from the cache ──► unmapped, never zeroed in place: the page
//!                            reads zero, other mappings keep their data
//! ```
//!
//! A shared page's entry keeps saying "written" (its dirty bit is set in
//! both mappings), so the dirty invariant of `dirty.rs` holds for it; but
//! its frame is not the page's alone, which is why a `calloc` served from
//! the cache unmaps shared pages before any policy zeroes anything
//! (`reuse.rs`). `malloc` from the cache keeps them: a later write copies.
//! `realloc` moves entries with their write permission, so a moved shared
//! page stays read-only and keeps its reference.
//!
//! Nothing here runs unless a frame is shared: the fault path only looks
//! the table up for a write to a read-only page that is not the zero page,
//! and the cache only when the table is not empty, so the zero-page
//! copy-on-write and the dirty-tracking re-zero cost what they did.

use crate::addr::{FrameNumber, VirtAddr};
use crate::dirty::DirtyStrategy;
use crate::error::{AllocError, Shortfall};
use crate::fault::Resolution;
use crate::frame::{FrameError, FrameSource};
use crate::mmu::{Access, EntryInfo, Mmu, PageFlags};
use crate::page::{Page, PageCount, PageIndex};
use crate::region::Region;
use crate::shared_frames::Dropped;
use crate::sharing_stats::SharingStats;

use super::LargeAllocator;
use super::allocate::Fill;

impl<M: Mmu, F: FrameSource, const SLOTS: usize> LargeAllocator<M, F, SLOTS> {
    /// Duplicates the live allocation at `ptr`, fork-like: returns a new
    /// allocation of the same size that reads exactly what the original
    /// reads now, sharing every written frame read-only instead of copying
    /// it. The first write to a shared page, on either side, copies it (or
    /// takes the frame over when no other mapping is left); neither side
    /// ever sees the other's writes.
    ///
    /// Costs one entry read per page of the original's touched span and a
    /// few page-table changes per written page; no data is copied and no
    /// frame is taken (but for page tables).
    ///
    /// Errors: those of [`LargeAllocator::free`] for the pointer,
    /// [`AllocError::OutOfVirtualSpace`] and [`AllocError::RegionTableFull`]
    /// for the copy's region, [`AllocError::SharingTableFull`] when more
    /// than [`crate::SHARED_FRAMES_MAX`] frames would be shared, and
    /// [`AllocError::Mmu`] when the MMU refuses an entry. On error the copy
    /// is released and the original reads what it read; pages already
    /// write-protected for sharing take their frames back on their next
    /// write.
    pub fn duplicate(&mut self, ptr: VirtAddr) -> Result<VirtAddr, AllocError> {
        let index = self.live_index(ptr)?;
        let Some(original) = self.regions.get(index).copied() else {
            return Err(AllocError::UnknownPointer(ptr));
        };
        let start = self.reserve(original.pages, original.live_len())?;
        let Some(copy) = self.regions.region_at_mut(start.start()) else {
            return Err(AllocError::UnknownPointer(start.start()));
        };
        // Every page the copy may map lies in the original's touched span.
        copy.touched = original.touched;
        let copy = *copy;
        if let Err(err) = self.share_pages(&original, &copy) {
            if let Some(index) = self.regions.find(start.start()) {
                // The first error is the one worth reporting.
                let _ = self.release_region(index);
            }
            return Err(err);
        }
        self.sharing.duplicates += 1;
        Ok(start.start())
    }

    /// What sharing has done since the counters were last reset, with the
    /// number of frames shared right now.
    pub fn sharing_stats(&self) -> SharingStats {
        SharingStats {
            frames_shared: self.shared.len() as u64,
            ..self.sharing
        }
    }

    /// The number of pages that map `frame` if `duplicate` shared it (0 for
    /// a frame that is its page's own, or not the engine's).
    pub fn frame_references(&self, frame: FrameNumber) -> u32 {
        self.shared.references(frame)
    }

    /// Gives `copy` what each page of `original` holds (see the module docs).
    fn share_pages(&mut self, original: &Region, copy: &Region) -> Result<(), AllocError> {
        for index in original.touched.indices() {
            let from = original.page(PageIndex(index));
            let Some(entry) = self.mmu.query(from) else {
                continue;
            };
            let to = copy.page(PageIndex(index));
            if self.zero_page.is(entry.frame) {
                self.map_zero_page(to)?;
                self.sharing.zero_pages_shared += 1;
            } else if self.holds_data(&entry) {
                self.share_page(from, to, entry)?;
            }
        }
        Ok(())
    }

    /// Whether a frame-backed entry may hold non-zero bytes: it says
    /// "written" under the dirty strategy in use, or its frame is shared.
    /// Any other frame-backed page holds only zeroes (`dirty.rs`).
    fn holds_data(&self, entry: &EntryInfo) -> bool {
        let written = match self.dirty {
            DirtyStrategy::Hardware => entry.dirty,
            DirtyStrategy::Software => entry.writable,
        };
        written || self.is_shared(entry.frame)
    }

    /// Shares the frame of `from` (which `entry` describes) with `to`:
    /// count the reference, write-protect `from`, map `to` read-only. In
    /// this order, a failure leaves `from` read-only with its frame in the
    /// table, which is a consistent state: its next write takes it over.
    fn share_page(&mut self, from: Page, to: Page, entry: EntryInfo) -> Result<(), AllocError> {
        // LAB(cow-sharing): begin
        if self.shared.share(entry.frame).is_err() {
            return Err(AllocError::SharingTableFull);
        }
        // `union`, not `|`: the bits are disjoint, so a mutant `^` would
        // be equivalent.
        let read_only = self.presets(Access::Read).union(PageFlags::DIRTY);
        if entry.writable {
            self.mmu.protect(from, read_only)?;
            self.mmu.flush_tlb(from);
        }
        if let Err(err) = self.map_entry(to, entry.frame, read_only) {
            self.release_reference(entry.frame)?;
            return Err(err.into());
        }
        self.sharing.pages_shared += 1;
        Ok(())
        // LAB(cow-sharing): end
    }

    /// Whether `frame` is in the table of shared frames (free when the
    /// table is empty).
    #[inline]
    pub(crate) fn is_shared(&self, frame: FrameNumber) -> bool {
        !self.shared.is_empty() && self.shared.references(frame) > 0
    }

    /// A write to the read-only `page`, whose frame (in `entry`) is in the
    /// table: copy it if other pages still map it, else take it over.
    pub(crate) fn write_to_shared(
        &mut self,
        page: Page,
        entry: EntryInfo,
    ) -> Result<Resolution, Shortfall> {
        // LAB(cow-sharing): begin
        let writable = PageFlags::WRITABLE.union(PageFlags::DIRTY) | self.presets(Access::Write);
        if self.shared.references(entry.frame) == 1 {
            self.shared.take_over(entry.frame);
            self.mmu.protect(page, writable)?;
            self.mmu.flush_tlb(page);
            self.sharing.pages_taken_over += 1;
            return Ok(Resolution::SharedFrameTakenOver);
        }
        let frame = self.take_frame()?;
        self.mmu.copy_frame(entry.frame, frame);
        self.stats.frames_in_use += 1;
        if self.mmu.unmap(page).is_some() {
            self.mmu.flush_tlb(page);
        }
        if let Err(err) = self.map_entry(page, frame, writable) {
            self.give_frame(frame)?;
            // Map the shared frame back as it was; if even that fails, the
            // page lets its reference go (it then reads zero).
            let read_only = self.presets(Access::Read).union(PageFlags::DIRTY);
            if self.mmu.map(page, entry.frame, read_only).is_err() {
                self.release_reference(entry.frame)?;
            }
            return Err(err);
        }
        self.release_reference(entry.frame)?;
        self.sharing.pages_copied += 1;
        Ok(Resolution::SharedFrameCopied)
        // LAB(cow-sharing): end
    }

    /// Drops one mapping's reference to the data frame `frame`; gives the
    /// frame back to the frame source if it was the last.
    #[inline]
    pub(crate) fn release_reference(&mut self, frame: FrameNumber) -> Result<(), FrameError> {
        match self.shared.drop_reference(frame) {
            Dropped::Last => self.give_frame(frame),
            Dropped::StillUsed => Ok(()),
        }
    }

    /// A cache hit's first step (`reuse.rs`): trims the cached region at
    /// `start` to `pages` pages, then, for a `calloc`, unshares its pages
    /// before any policy zeroes anything.
    ///
    /// Out of line: with the trim and the check inlined into the cache hit,
    /// the dirty-tracking re-zeroing loop lost a register, three guest
    /// instructions per written page (14,674,022 against 14,597,476 for
    /// 100 MiB fully written).
    #[inline(never)]
    pub(crate) fn trim_reused(
        &mut self,
        start: Page,
        pages: PageCount,
        fill: Fill,
    ) -> Result<(), AllocError> {
        self.trim_region(start, pages)?;
        if fill == Fill::Unspecified || self.shared.is_empty() {
            return Ok(());
        }
        match self.regions.region_at(start.start()) {
            Some(&region) => self.unshare_for_reuse(&region),
            None => Ok(()),
        }
    }

    /// Unmaps every page of `region` whose frame is shared (or was, and is
    /// still read-only), dropping its reference. Such a frame must never be
    /// zeroed in place; the unmapped page reads zero, which is what the
    /// `calloc` promises.
    fn unshare_for_reuse(&mut self, region: &Region) -> Result<(), AllocError> {
        let mut first_error = Ok(());
        for index in region.touched.below(region.pages.0).indices() {
            let page = region.page(PageIndex(index));
            let Some(entry) = self.mmu.query(page) else {
                continue;
            };
            if !self.is_shared(entry.frame) {
                continue;
            }
            if self.mmu.unmap(page).is_some() {
                self.mmu.flush_tlb(page);
            }
            self.sharing.pages_unshared_on_reuse += 1;
            // Keep going after a refusal: a shared page left mapped would
            // be zeroed in place. Report the first refusal.
            first_error = first_error.and(self.release_reference(entry.frame));
        }
        first_error.map_err(AllocError::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::FrameCount;
    use crate::cache::Policy;
    use crate::config::Config;
    use crate::error::AllocError;
    use crate::mmu::{DirtyDetection, MmuError};
    use crate::page::PageCount;
    use crate::region::VirtRange;
    use crate::sim::testing::{
        BASE, TestEngine, after, config, engine, engine_on, engine_with, pages, svade_engine,
    };
    use crate::sim::{SimConfig, read_byte, reads_zero, write_byte};
    use crate::{FatalFault, FaultOutcome, PAGE_SIZE};

    fn frame_at(engine: &TestEngine, addr: VirtAddr) -> FrameNumber {
        engine.mmu().entry(Page::containing(addr)).unwrap().frame
    }

    /// An allocation of four pages: page 0 written (7), page 1 read (zero
    /// page), pages 2 and 3 untouched.
    fn original(engine: &mut TestEngine) -> VirtAddr {
        let ptr = engine.calloc(1, pages(4)).unwrap();
        write_byte(engine, ptr, 7).unwrap();
        assert_eq!(read_byte(engine, after(ptr, 1)), Ok(0));
        ptr
    }

    #[test]
    fn duplicate_shares_written_frames_read_only_and_copies_nothing() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = original(&mut engine);
        let before = engine.mmu().counters();
        let copy = engine.duplicate(ptr).unwrap();
        let spent = engine.mmu().counters().since(&before);
        assert_eq!((spent.frames_copied, spent.frames_zeroed), (0, 0));
        assert_eq!(engine.stats().frames_in_use, 1, "no frame taken");
        let shared = frame_at(&engine, ptr);
        assert_eq!(frame_at(&engine, copy), shared);
        assert_eq!(engine.frame_references(shared), 2);
        assert_eq!(engine.mmu().writable_mappings_of(shared), 0);
        assert_eq!(read_byte(&mut engine, copy), Ok(7));
        assert_eq!(engine.allocation_size(copy), Ok(pages(4)));
        let stats = engine.sharing_stats();
        assert_eq!((stats.duplicates, stats.pages_shared), (1, 1));
        assert_eq!((stats.zero_pages_shared, stats.frames_shared), (1, 1));
    }

    #[test]
    fn zero_page_mappings_stay_the_zero_page_and_untouched_pages_unmapped() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = original(&mut engine);
        let copy = engine.duplicate(ptr).unwrap();
        assert_eq!(frame_at(&engine, after(copy, 1)), engine.zero_page());
        assert!(
            engine
                .mmu()
                .entry(Page::containing(after(copy, 2)))
                .is_none()
        );
        assert_eq!(reads_zero(&mut engine, after(copy, 1), pages(3)), Ok(true));
    }

    #[test]
    fn a_write_to_a_shared_page_copies_it_and_the_other_side_keeps_its_data() {
        for dirty in [DirtyDetection::Hardware, DirtyDetection::SoftwareOnly] {
            let mut engine = engine(Policy::NoCache, dirty);
            let ptr = original(&mut engine);
            let copy = engine.duplicate(ptr).unwrap();
            let shared = frame_at(&engine, ptr);
            assert_eq!(
                engine.handle_fault(after(copy, 0), Access::Write),
                FaultOutcome::Handled(Resolution::SharedFrameCopied)
            );
            write_byte(&mut engine, after(copy, 0), 9).unwrap();
            assert_eq!(read_byte(&mut engine, ptr), Ok(7));
            assert_eq!(read_byte(&mut engine, copy), Ok(9));
            let own = frame_at(&engine, copy);
            assert_ne!(own, shared);
            let entry = engine.mmu().entry(Page::containing(copy)).unwrap();
            assert!(entry.writable);
            assert_eq!(entry.dirty, dirty == DirtyDetection::Hardware);
            assert_eq!(engine.frame_references(shared), 1, "the original's");
            assert_eq!(engine.stats().frames_in_use, 2);
            assert_eq!(engine.sharing_stats().pages_copied, 1);
            assert_eq!(engine.mmu().counters().frames_copied, 1);
        }
    }

    #[test]
    fn the_last_mapping_takes_its_frame_over_without_a_copy() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = original(&mut engine);
        let copy = engine.duplicate(ptr).unwrap();
        let shared = frame_at(&engine, ptr);
        engine.free(copy).unwrap();
        assert_eq!(engine.frame_references(shared), 1);
        assert_eq!(engine.stats().frames_in_use, 1, "freed at zero only");
        assert_eq!(
            engine.handle_fault(ptr, Access::Write),
            FaultOutcome::Handled(Resolution::SharedFrameTakenOver)
        );
        let taken = engine.mmu().entry(Page::containing(ptr)).unwrap();
        assert!(taken.writable, "taken over means writable: no second fault");
        let faults = engine.stats().faults();
        write_byte(&mut engine, ptr, 8).unwrap();
        assert_eq!(engine.stats().faults(), faults, "the write takes no fault");
        assert_eq!(frame_at(&engine, ptr), shared);
        assert_eq!(engine.frame_references(shared), 0);
        assert!(engine.mmu().entry(Page::containing(ptr)).unwrap().dirty);
        assert_eq!(engine.mmu().counters().frames_copied, 0);
        assert_eq!(engine.sharing_stats().pages_taken_over, 1);
        assert_eq!(engine.sharing_stats().frames_shared, 0);
    }

    #[test]
    fn freeing_both_sides_returns_every_frame() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = original(&mut engine);
        let copy = engine.duplicate(ptr).unwrap();
        let again = engine.duplicate(copy).unwrap();
        assert_eq!(engine.frame_references(frame_at(&engine, ptr)), 3);
        engine.free(ptr).unwrap();
        engine.free(again).unwrap();
        assert_eq!(engine.stats().frames_in_use, 1);
        engine.free(copy).unwrap();
        assert_eq!(engine.frames().in_use(), 1, "the zero page only");
        assert_eq!(engine.sharing_stats().frames_shared, 0);
    }

    #[test]
    fn a_calloc_from_the_cache_never_zeroes_a_shared_frame_in_place() {
        let setups = [
            (Policy::DirtyTracking, DirtyDetection::Hardware),
            (Policy::DirtyTracking, DirtyDetection::SoftwareOnly),
            (Policy::AlwaysZero, DirtyDetection::Hardware),
        ];
        for (policy, dirty) in setups {
            let mut engine = engine(policy, dirty);
            let ptr = original(&mut engine);
            let copy = engine.duplicate(ptr).unwrap();
            engine.free(ptr).unwrap();
            assert!(engine.is_cached(ptr));
            engine.reset_counters();
            assert_eq!(engine.calloc(1, pages(4)), Ok(ptr), "{policy:?}");
            assert_eq!(read_byte(&mut engine, copy), Ok(7), "{policy:?} {dirty:?}");
            assert_eq!(read_byte(&mut engine, ptr), Ok(0));
            assert_eq!(engine.sharing_stats().pages_unshared_on_reuse, 1);
            assert_eq!(engine.mmu().counters().frames_copied, 0);
            assert_eq!(engine.frame_references(frame_at(&engine, copy)), 1);
        }
    }

    #[test]
    fn a_cache_hit_with_nothing_shared_reads_each_entry_once() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        let ptr = original(&mut engine);
        let copy = engine.duplicate(ptr).unwrap();
        engine.free(copy).unwrap();
        engine.drain_cache().unwrap();
        write_byte(&mut engine, ptr, 8).unwrap();
        assert_eq!(engine.sharing_stats().frames_shared, 0);
        engine.free(ptr).unwrap();
        let before = engine.mmu().counters();
        assert_eq!(engine.calloc(1, pages(4)), Ok(ptr));
        assert_eq!(
            engine.mmu().counters().since(&before).queries,
            2,
            "pages 0 and 1"
        );
        engine.free(ptr).unwrap();
        assert_eq!(engine.malloc(pages(4)), Ok(ptr));
        assert_eq!(
            engine.mmu().counters().since(&before).queries,
            2,
            "malloc reads none"
        );
    }

    #[test]
    fn a_malloc_from_the_cache_keeps_shared_pages_copy_on_write() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        let ptr = original(&mut engine);
        let copy = engine.duplicate(ptr).unwrap();
        engine.free(ptr).unwrap();
        assert_eq!(engine.malloc(pages(4)), Ok(ptr));
        assert_eq!(read_byte(&mut engine, ptr), Ok(7), "its own old data");
        write_byte(&mut engine, ptr, 1).unwrap();
        assert_eq!(read_byte(&mut engine, copy), Ok(7));
    }

    #[test]
    fn clean_cached_frames_are_not_shared() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        let ptr = original(&mut engine);
        engine.free(ptr).unwrap();
        assert_eq!(engine.calloc(1, pages(4)), Ok(ptr));
        // Page 0 holds a zeroed frame with D clear: the copy leaves it out.
        let copy = engine.duplicate(ptr).unwrap();
        assert!(engine.mmu().entry(Page::containing(copy)).is_none());
        assert_eq!(engine.sharing_stats().pages_shared, 0);
        assert_eq!(read_byte(&mut engine, copy), Ok(0));
    }

    #[test]
    fn a_moved_shared_page_stays_read_only_and_shared() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = original(&mut engine);
        let copy = engine.duplicate(ptr).unwrap();
        let blocker = engine.calloc(1, pages(1)).unwrap();
        let moved = engine.realloc(copy, pages(6)).unwrap();
        assert_ne!(moved, copy);
        let shared = frame_at(&engine, ptr);
        assert_eq!(frame_at(&engine, moved), shared);
        assert_eq!(engine.mmu().writable_mappings_of(shared), 0);
        assert_eq!(engine.frame_references(shared), 2);
        write_byte(&mut engine, moved, 3).unwrap();
        assert_eq!(read_byte(&mut engine, ptr), Ok(7));
        engine.free(blocker).unwrap();
    }

    #[test]
    fn on_svade_shared_pages_carry_their_accessed_and_dirty_bits() {
        let mut engine = svade_engine(Policy::NoCache);
        let ptr = original(&mut engine);
        let copy = engine.duplicate(ptr).unwrap();
        let entry = engine.mmu().entry(Page::containing(copy)).unwrap();
        assert!(entry.accessed && entry.dirty && !entry.writable);
        write_byte(&mut engine, copy, 5).unwrap();
        write_byte(&mut engine, ptr, 6).unwrap();
        assert_eq!(engine.stats().accessed_dirty_faults, 0);
        assert_eq!(
            (read_byte(&mut engine, copy), read_byte(&mut engine, ptr)),
            (Ok(5), Ok(6))
        );
    }

    #[test]
    fn duplicate_names_what_is_wrong_with_a_pointer() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        let ptr = original(&mut engine);
        let inside = after(ptr, 1);
        assert_eq!(
            engine.duplicate(inside),
            Err(AllocError::NotRegionStart(inside))
        );
        engine.free(ptr).unwrap();
        assert_eq!(engine.duplicate(ptr), Err(AllocError::DoubleFree(ptr)));
    }

    #[test]
    fn out_of_frames_on_a_shared_write_is_fatal_and_keeps_the_data() {
        // Two frames: the zero page and the one written page.
        let mut engine = engine_with(config(Policy::NoCache), 2, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        write_byte(&mut engine, ptr, 7).unwrap();
        let copy = engine.duplicate(ptr).unwrap();
        assert_eq!(
            engine.handle_fault(copy, Access::Write),
            FaultOutcome::Fatal(FatalFault::OutOfFrames(copy))
        );
        assert_eq!(read_byte(&mut engine, copy), Ok(7));
        engine.free(ptr).unwrap();
        write_byte(&mut engine, copy, 8).unwrap();
        assert_eq!(engine.sharing_stats().pages_taken_over, 1);
    }

    #[test]
    fn a_refused_map_of_the_copy_puts_the_shared_frame_back() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = original(&mut engine);
        let copy = engine.duplicate(ptr).unwrap();
        let shared = frame_at(&engine, copy);
        engine.mmu_mut().fail_map(0);
        assert_eq!(
            engine.handle_fault(copy, Access::Write),
            FaultOutcome::Fatal(FatalFault::Mmu(MmuError::OutOfPageTableFrames))
        );
        assert_eq!(frame_at(&engine, copy), shared);
        assert_eq!(engine.frame_references(shared), 2);
        assert_eq!(
            engine.stats().frames_in_use,
            1,
            "the copy's frame given back"
        );
        assert_eq!(read_byte(&mut engine, copy), Ok(7));
    }

    #[test]
    fn a_refused_map_while_duplicating_releases_the_copy() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = original(&mut engine);
        // Refuse the first map: the copy's page 0, which would share.
        engine.mmu_mut().fail_map(0);
        assert_eq!(
            engine.duplicate(ptr),
            Err(AllocError::Mmu(MmuError::OutOfPageTableFrames))
        );
        let shared = frame_at(&engine, ptr);
        assert_eq!(engine.frame_references(shared), 1, "read-only, its own");
        assert_eq!(engine.mmu().mapped_pages(), 2, "the original's only");
        assert_eq!(
            engine.handle_fault(ptr, Access::Write),
            FaultOutcome::Handled(Resolution::SharedFrameTakenOver)
        );
        assert_eq!(read_byte(&mut engine, ptr), Ok(7));
    }

    #[test]
    fn a_full_sharing_table_is_an_error_and_releases_the_copy() {
        let written = crate::SHARED_FRAMES_MAX as u64 + 1;
        let range = VirtRange::new(VirtAddr(BASE), PageCount(4 * written)).unwrap();
        // Frames for the written pages and a few page tables, no more: the
        // 2 MiB zero page (512 frames) is left out.
        let config = Config::new(range)
            .with_policy(Policy::NoCache)
            .with_threshold(PAGE_SIZE)
            .with_large_zero_page(false);
        let machine = SimConfig::new(FrameCount(written + 8), DirtyDetection::Hardware);
        let mut engine = engine_on(machine, config);
        let ptr = engine.calloc(written, PAGE_SIZE).unwrap();
        for page in 0..written {
            write_byte(&mut engine, after(ptr, page), 1).unwrap();
        }
        assert_eq!(engine.duplicate(ptr), Err(AllocError::SharingTableFull));
        assert_eq!(engine.stats().frames_in_use, written);
        assert_eq!(engine.mmu().mapped_pages() as u64, written);
        assert_eq!(engine.sharing_stats().duplicates, 0);
        engine.free(ptr).unwrap();
        assert_eq!(engine.frames().in_use(), 1);
        assert_eq!(engine.sharing_stats().frames_shared, 0);
    }
}
