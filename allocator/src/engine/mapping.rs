//! Getting frames and putting pages into the page tables.
//!
//! Small building blocks shared by the fault path, the cache and realloc:
//! take a frame, make a page-table entry, give a frame back, map the zero
//! page, map a freshly zeroed frame, and record that a page of a region was
//! mapped. Each keeps [`crate::Stats`] exact.
//!
//! Taking a frame and making an entry are where memory pressure shows: the
//! frame source may be dry, or the MMU may find no frame for a page table.
//! Both then reclaim cached regions, oldest first, and try again (see
//! "Memory pressure" in `cache.rs`). The retry is out of line, so the
//! copy-on-write fault, which takes a frame and makes an entry every time,
//! pays nothing for it while frames are plentiful.

use crate::addr::FrameNumber;
use crate::error::Shortfall;
use crate::frame::{FrameError, FrameSource};
use crate::mmu::{Access, AccessedDirtyUpdates, Mmu, MmuError, PageFlags};
use crate::page::Page;

use super::LargeAllocator;

/// What a page held before [`LargeAllocator::map_fresh_frame`] maps a
/// frame there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Previous {
    /// Nothing: the first access to the page is a write.
    Unmapped,
    /// The shared zero page, read-only: copy-on-write.
    ZeroPage,
}

impl<M: Mmu, F: FrameSource, const SLOTS: usize> LargeAllocator<M, F, SLOTS> {
    /// Takes a frame; when the source is empty, reclaims cached regions
    /// (oldest first) until one frees up or the cache is empty.
    #[inline]
    pub(crate) fn take_frame(&mut self) -> Result<FrameNumber, Shortfall> {
        match self.frames.allocate_frame() {
            Ok(frame) => Ok(frame),
            Err(refusal) => self.take_frame_under_pressure(refusal),
        }
    }

    /// [`LargeAllocator::take_frame`] after the frame source refused: reclaim
    /// and retry while it says "out of frames" and the cache has a region.
    #[cold]
    #[inline(never)]
    fn take_frame_under_pressure(&mut self, refusal: FrameError) -> Result<FrameNumber, Shortfall> {
        if refusal != FrameError::OutOfFrames {
            return Err(Shortfall::Frames(refusal));
        }
        let taken = self.release_until(Self::reclaim_oldest, |engine| {
            match engine.frames.allocate_frame() {
                Err(FrameError::OutOfFrames) => None,
                other => Some(other),
            }
        })?;
        match taken {
            Some(outcome) => outcome.map_err(Shortfall::Frames),
            None => Err(Shortfall::Frames(refusal)),
        }
    }

    /// Maps `page` to `frame` with `flags`; when the MMU has no frame for a
    /// page table, reclaims cached regions (oldest first) and tries again
    /// until the map succeeds or the cache is empty.
    #[inline]
    pub(crate) fn map_entry(
        &mut self,
        page: Page,
        frame: FrameNumber,
        flags: PageFlags,
    ) -> Result<(), Shortfall> {
        match self.mmu.map(page, frame, flags) {
            Ok(()) => Ok(()),
            Err(refusal) => self.map_entry_under_pressure(page, frame, flags, refusal),
        }
    }

    /// [`LargeAllocator::map_entry`] after the MMU refused: reclaim and retry
    /// while it lacks a page-table frame and the cache has a region.
    #[cold]
    #[inline(never)]
    fn map_entry_under_pressure(
        &mut self,
        page: Page,
        frame: FrameNumber,
        flags: PageFlags,
        refusal: MmuError,
    ) -> Result<(), Shortfall> {
        if refusal != MmuError::OutOfPageTableFrames {
            return Err(Shortfall::Mmu(refusal));
        }
        let mapped = self.release_until(Self::reclaim_oldest, |engine| {
            match engine.mmu.map(page, frame, flags) {
                Err(MmuError::OutOfPageTableFrames) => None,
                other => Some(other),
            }
        })?;
        match mapped {
            Some(outcome) => outcome.map_err(Shortfall::Mmu),
            None => Err(Shortfall::Mmu(refusal)),
        }
    }

    /// Gives a data frame back to the frame source.
    pub(crate) fn give_frame(&mut self, frame: FrameNumber) -> Result<(), FrameError> {
        self.stats.frames_in_use = self.stats.frames_in_use.saturating_sub(1);
        self.frames.free_frame(frame)
    }

    /// The accessed and dirty bits the engine sets itself in an entry it
    /// creates or changes for `access`: none on an MMU that sets them in
    /// hardware; on one that faults instead
    /// ([`AccessedDirtyUpdates::Software`]), A always (the engine never
    /// clears it) and D for a write that is about to happen.
    pub(crate) fn presets(&self, access: Access) -> PageFlags {
        match (self.accessed_dirty, access) {
            (AccessedDirtyUpdates::Hardware, _) => PageFlags::empty(),
            (AccessedDirtyUpdates::Software, Access::Write) => {
                PageFlags::ACCESSED | PageFlags::DIRTY
            }
            (AccessedDirtyUpdates::Software, _) => PageFlags::ACCESSED,
        }
    }

    /// Maps the shared zero page read-only at `page` (which must be unmapped).
    pub(crate) fn map_zero_page(&mut self, page: Page) -> Result<(), Shortfall> {
        let flags = self.presets(Access::Read);
        self.map_entry(page, self.zero_page.frame(), flags)?;
        self.stats.zero_page_mappings += 1;
        self.note_touched(page);
        Ok(())
    }

    /// Maps a freshly zeroed frame writable at `page`, for a write that is
    /// about to happen, in place of what `previous` says the page holds.
    /// The frame is zeroed through the MMU's direct map, never copied from
    /// the zero page. It is taken first, so running out of frames leaves
    /// the page as it was.
    ///
    /// Always inlined: it is the copy-on-write fault's whole body, and as a
    /// call from its two sites it cost each such fault about 30 more guest
    /// instructions (1,084 against 1,054 in the kernel's `cow_fault`
    /// baseline).
    #[inline(always)]
    pub(crate) fn map_fresh_frame(
        &mut self,
        page: Page,
        previous: Previous,
    ) -> Result<(), Shortfall> {
        // LAB(zero-page): begin
        let frame = self.take_frame()?;
        self.mmu.zero_frame(frame);
        self.stats.pages_zeroed_on_fault += 1;
        self.stats.frames_in_use += 1;
        if previous == Previous::ZeroPage && self.mmu.unmap(page).is_some() {
            self.mmu.flush_tlb(page);
        }
        let flags = PageFlags::WRITABLE | self.presets(Access::Write);
        if let Err(err) = self.map_entry(page, frame, flags) {
            // The map failed, so the frame is ours alone: hand it back.
            self.give_frame(frame)?;
            return Err(err);
        }
        self.note_touched(page);
        Ok(())
        // LAB(zero-page): end
    }

    /// Records that `page` is mapped, growing its region's touched span.
    pub(crate) fn note_touched(&mut self, page: Page) {
        if let Some(region) = self.regions.region_at_mut(page.start()) {
            let offset = region.index_of(page);
            region.touched = region.touched.including(offset);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Policy;
    use crate::mmu::DirtyDetection;
    use crate::sim::testing::{after, engine, pages};

    #[test]
    fn fresh_frames_are_zeroed_and_counted() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(3)).unwrap();
        let page = Page::containing(after(ptr, 1));
        engine.map_fresh_frame(page, Previous::Unmapped).unwrap();
        let entry = engine.mmu().entry(page).unwrap();
        assert!(
            engine
                .mmu()
                .frame_bytes(entry.frame)
                .unwrap()
                .iter()
                .all(|&b| b == 0)
        );
        assert_eq!(engine.stats().frames_in_use, 1);
        let region = engine.regions.get(0).unwrap();
        assert_eq!(region.touched.indices(), 1..2);
        engine.give_frame(entry.frame).unwrap();
        assert_eq!(engine.stats().frames_in_use, 0);
    }

    #[test]
    fn copy_on_write_replaces_the_zero_page_and_flushes_it() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(1)).unwrap();
        let page = Page::containing(ptr);
        engine.map_zero_page(page).unwrap();
        let before = engine.mmu().counters();
        engine.map_fresh_frame(page, Previous::ZeroPage).unwrap();
        let spent = engine.mmu().counters().since(&before);
        assert_eq!((spent.unmaps, spent.tlb_flushes, spent.maps), (1, 1, 1));
        let entry = engine.mmu().entry(page).unwrap();
        assert_ne!(entry.frame, engine.zero_page());
        assert!(entry.writable);
    }

    #[test]
    fn a_refused_page_table_reclaims_the_cache_then_retries() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        let cached = engine.calloc(1, pages(2)).unwrap();
        crate::sim::write_byte(&mut engine, cached, 1).unwrap();
        engine.free(cached).unwrap();
        let ptr = engine.calloc(1, pages(3)).unwrap();
        let page = Page::containing(ptr);
        engine.mmu_mut().fail_map(0);
        engine.map_fresh_frame(page, Previous::Unmapped).unwrap();
        assert_eq!(engine.mmu().injected_map_failures(), 1);
        assert!(!engine.is_cached(cached));
        assert_eq!(engine.stats().frames_reclaimed, 1);
        assert_eq!(engine.stats().frames_in_use, 1);
        assert!(engine.mmu().entry(page).is_some());
    }

    #[test]
    fn a_refused_page_table_with_an_empty_cache_gives_the_frame_back() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(3)).unwrap();
        let page = Page::containing(ptr);
        engine.mmu_mut().fail_map(0);
        assert_eq!(
            engine.map_fresh_frame(page, Previous::Unmapped),
            Err(Shortfall::Mmu(MmuError::OutOfPageTableFrames))
        );
        assert_eq!(engine.frames().in_use(), 1, "the zero page only");
        assert_eq!(engine.stats().frames_in_use, 0);
        assert!(engine.mmu().entry(page).is_none());
        engine.mmu_mut().fail_map(0);
        assert_eq!(
            engine.map_zero_page(page),
            Err(Shortfall::Mmu(MmuError::OutOfPageTableFrames))
        );
        assert_eq!(engine.stats().zero_page_mappings, 0);
    }

    #[test]
    fn a_frame_source_that_fails_for_another_reason_is_not_reclaimed_for() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        let cached = engine.calloc(1, pages(2)).unwrap();
        crate::sim::write_byte(&mut engine, cached, 1).unwrap();
        engine.free(cached).unwrap();
        // An MMU refusal other than a missing page table: no reclaim.
        let page = Page::containing(cached);
        assert!(matches!(
            engine.map_entry(page, engine.zero_page(), PageFlags::empty()),
            Err(Shortfall::Mmu(MmuError::AlreadyMapped(_)))
        ));
        assert!(engine.is_cached(cached));
        assert_eq!(engine.stats().frames_reclaimed, 0);
    }

    #[test]
    fn presets_only_for_an_mmu_that_faults_on_clear_bits() {
        let hardware = engine(Policy::NoCache, DirtyDetection::Hardware);
        assert_eq!(hardware.presets(Access::Write), PageFlags::empty());
        let svade = crate::sim::testing::svade_engine(Policy::NoCache);
        assert_eq!(svade.presets(Access::Read), PageFlags::ACCESSED);
        assert_eq!(
            svade.presets(Access::Write),
            PageFlags::ACCESSED | PageFlags::DIRTY
        );
    }
}
