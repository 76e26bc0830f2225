//! Serving an allocation from the cache: trim, then zero as the policy says.
//!
//! A cached region at least as large as the request is trimmed to the
//! requested pages (the excess is released, so no stale byte lies beyond
//! the allocation either). A `malloc` takes it as it is. A `calloc` must
//! see zeroes, and the policies differ exactly here:
//!
//! - [`crate::Policy::AlwaysZero`] zeroes every page through its mapping.
//!   Pages never touched first fault in and get a frame, as macOS paged in
//!   untouched memory to `memset` it. Cost: O(pages), in bytes written;
//!   a page faulted in this way is zeroed twice (once by the fault, once
//!   by the `memset`), as it was on macOS.
//! - [`crate::Policy::DirtyTracking`] zeroes only the pages whose entry says
//!   "written since zeroed" and re-arms their detection. Cost: see
//!   `dirty.rs` ("How close to O(written)").
//!
//! The two policies zero by different routes, on purpose. AlwaysZero writes
//! through the mapping ([`Mmu::write_zeroes`]), as the `memset` of
//! libmalloc does: that is the behaviour being modelled, faults and dirty
//! bits included. DirtyTracking already holds the entry, and so the frame,
//! so it zeroes the frame through the MMU's direct map
//! ([`Mmu::zero_frame`]): no second page-table walk, and no dirty bit set
//! by the zeroing itself. The simulator logs every mapped page zeroed
//! either way, so tests see exactly which pages a cache hit zeroed.

use crate::addr::{FrameNumber, VirtAddr};
use crate::cache::Policy;
use crate::dirty::DirtyStrategy;
use crate::error::AllocError;
use crate::frame::FrameSource;
use crate::mmu::{Mmu, PageFlags};
use crate::page::{Page, PageCount, PageIndex};
use crate::region::Region;

use super::LargeAllocator;
use super::allocate::Fill;

impl<M: Mmu, F: FrameSource, const SLOTS: usize> LargeAllocator<M, F, SLOTS> {
    /// Makes the region at `start`, just taken from the cache, ready for a
    /// request of `pages` pages. On failure the region is released, not
    /// left half zeroed: under AlwaysZero without frames to fault every
    /// page in (after reclaiming every other cached region), the call fails
    /// with [`AllocError::OutOfFrames`] and holds nothing. It does not fall
    /// back to a fresh block: a kernel's experiment must see that the
    /// always-zero cache cannot serve this size in this much memory, which
    /// a silent fallback would hide.
    pub(crate) fn reuse(
        &mut self,
        start: Page,
        pages: PageCount,
        fill: Fill,
    ) -> Result<VirtAddr, AllocError> {
        if let Err(err) = self.prepare_reused(start, pages, fill) {
            if let Some(index) = self.regions.find(start.start()) {
                // The first error is the one worth reporting.
                let _ = self.release_region(index);
            }
            return Err(err);
        }
        Ok(start.start())
    }

    fn prepare_reused(
        &mut self,
        start: Page,
        pages: PageCount,
        fill: Fill,
    ) -> Result<(), AllocError> {
        self.trim_reused(start, pages, fill)?;
        if fill == Fill::Unspecified {
            return Ok(());
        }
        let Some(&region) = self.regions.region_at(start.start()) else {
            return Ok(());
        };
        match self.config.policy {
            Policy::AlwaysZero => self.zero_every_page(&region),
            Policy::DirtyTracking => self.rezero_adaptively(&region),
            Policy::NoCache => Ok(()),
        }
    }

    /// AlwaysZero: zeroes every page through its mapping, faulting in the
    /// ones that are not writable yet (the store faults, as the `memset`
    /// did on macOS, and the engine answers it).
    fn zero_every_page(&mut self, region: &Region) -> Result<(), AllocError> {
        for index in 0..region.pages.0 {
            self.write_zeroes_through(region.page(PageIndex(index)))?;
        }
        Ok(())
    }

    /// DirtyTracking: zeroes and re-arms only the pages written since they
    /// were last zeroed; visits only the region's touched span.
    ///
    /// Kept out of line, so the registers of its per-page loop do not
    /// depend on whatever else `allocate` inlines: inlined, a change
    /// elsewhere in `allocate` once cost this loop a register, one guest
    /// instruction per re-zeroed page (14,624,195 against 14,598,533 guest
    /// instructions per fully written 100 MiB round, dirty/hw).
    #[inline(never)]
    pub(super) fn zero_written_pages(&mut self, region: &Region) -> Result<(), AllocError> {
        for index in region.touched.below(region.pages.0).indices() {
            let page = region.page(PageIndex(index));
            match self.dirty {
                DirtyStrategy::Hardware => self.zero_if_dirty(page),
                DirtyStrategy::Software => self.zero_if_writable(page)?,
            }
        }
        Ok(())
    }

    /// DirtyTracking, one page: zeroes and re-arms it if it was written,
    /// told the way the dirty strategy tells.
    #[inline]
    pub(super) fn zero_if_written(&mut self, page: Page) -> Result<(), AllocError> {
        match self.dirty {
            DirtyStrategy::Hardware => {
                self.zero_if_dirty(page);
                Ok(())
            }
            DirtyStrategy::Software => self.zero_if_writable(page),
        }
    }

    /// Hardware strategy, one page: read the entry and clear its dirty bit
    /// in one walk; if it was set, zero the frame and flush the TLB entry.
    ///
    /// The order is: clear D, zero through the direct map, flush. Zeroing
    /// through the direct map sets no D bit, so D stays clear; the flush
    /// comes last, so no translation cached with D set survives to let the
    /// next write through unseen (Intel SDM Vol. 3A, 4.8 and 4.10.2.3).
    #[inline]
    fn zero_if_dirty(&mut self, page: Page) {
        // LAB(dirty-hw): begin
        let Some(entry) = self.mmu.take_dirty(page) else {
            return;
        };
        if entry.dirty {
            // A dirty entry never maps the zero page: it is only ever mapped
            // read-only, so no write can set its D bit. The frame is the
            // page's own, and the zero-page check of `zero_cached_frame`
            // would cost every re-armed page a compare for nothing.
            self.mmu.zero_frame(entry.frame);
            self.stats.pages_zeroed_on_reuse += 1;
            self.mmu.flush_tlb(page);
        }
        // LAB(dirty-hw): end
    }

    /// Software strategy, one page: if it is writable (written since
    /// zeroed), zero the frame, write-protect the page, then flush the TLB
    /// entry (a cached writable translation would let the next write
    /// through unseen).
    fn zero_if_writable(&mut self, page: Page) -> Result<(), AllocError> {
        // LAB(dirty-sw): begin
        let Some(entry) = self.mmu.query(page) else {
            return Ok(());
        };
        if entry.writable {
            self.zero_cached_frame(entry.frame);
            self.mmu.protect(page, PageFlags::empty())?;
            self.mmu.flush_tlb(page);
        }
        Ok(())
        // LAB(dirty-sw): end
    }

    /// Zeroes the frame of a written cached page through the direct map.
    /// The shared zero page is never written, so it is never zeroed here.
    #[inline]
    fn zero_cached_frame(&mut self, frame: FrameNumber) {
        if !self.zero_page.is(frame) {
            self.mmu.zero_frame(frame);
            self.stats.pages_zeroed_on_reuse += 1;
        }
    }

    /// Zeroes `page` through its mapping, resolving the fault once if the
    /// MMU refuses: the page is unmapped or maps the zero page (a
    /// copy-on-write fault), is write-protected by the software dirty
    /// strategy (a tracked write), or has a clear accessed or dirty bit on
    /// an MMU that faults on those. Each is answered in one step, so a
    /// second refusal is reported ([`AllocError::MmuFault`]).
    fn write_zeroes_through(&mut self, page: Page) -> Result<(), AllocError> {
        let Err(fault) = self.mmu.write_zeroes(page) else {
            self.stats.pages_zeroed_on_reuse += 1;
            return Ok(());
        };
        self.resolve(page, fault.access)?;
        self.mmu.write_zeroes(page).map_err(AllocError::MmuFault)?;
        self.stats.pages_zeroed_on_reuse += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::cache::{Adaptation, Policy};
    use crate::mmu::DirtyDetection;
    use crate::page::Page;
    use crate::sim::testing::{after, config, engine, engine_with, pages, svade_engine};
    use crate::sim::{read_byte, reads_zero, write_byte};
    use crate::stats::Stats;

    #[test]
    fn always_zero_faults_in_and_zeroes_every_page() {
        let mut engine = engine(Policy::AlwaysZero, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(4)).unwrap();
        write_byte(&mut engine, after(ptr, 1), 9).unwrap();
        engine.free(ptr).unwrap();
        engine.reset_counters();
        let before = engine.mmu().counters();
        assert_eq!(engine.calloc(1, pages(4)), Ok(ptr));
        let stats = engine.stats();
        assert_eq!(stats.pages_zeroed_on_reuse, 4);
        assert_eq!(stats.cow_faults, 3, "untouched pages paged in");
        assert_eq!(stats.frames_in_use, 4);
        assert_eq!(engine.mmu_mut().take_zeroed_pages().len(), 4);
        let spent = engine.mmu().counters().since(&before);
        assert_eq!(spent.pages_zeroed_through_mapping, 4, "as memset would");
        assert_eq!(spent.pages_zeroed_through_direct_map, 0);
        assert_eq!(reads_zero(&mut engine, ptr, pages(4)), Ok(true));
    }

    #[test]
    fn always_zero_counts_a_page_zeroed_after_a_retry_once() {
        // Svade: a page re-armed under DirtyTracking is writable with D
        // clear, so AlwaysZero's zeroing store faults once, gets its dirty
        // bit set and is retried.
        let mut engine = svade_engine(Policy::DirtyTracking);
        let ptr = engine.calloc(1, pages(3)).unwrap();
        for page in 0..3 {
            write_byte(&mut engine, after(ptr, page), 1).unwrap();
        }
        engine.free(ptr).unwrap();
        assert_eq!(engine.calloc(1, pages(3)), Ok(ptr));
        engine.set_policy(Policy::AlwaysZero).unwrap();
        engine.free(ptr).unwrap();
        engine.reset_counters();
        assert_eq!(engine.calloc(1, pages(3)), Ok(ptr));
        let expected = Stats {
            pages_zeroed_on_reuse: 3,
            accessed_dirty_faults: 3,
            cache_hits: 1,
            frames_in_use: 3,
            ..Stats::ZERO
        };
        assert_eq!(engine.stats(), expected);
        assert_eq!(engine.mmu().counters().pages_zeroed_through_mapping, 3);
    }

    #[test]
    fn dirty_tracking_zeroes_only_written_pages() {
        for dirty in [DirtyDetection::Hardware, DirtyDetection::SoftwareOnly] {
            let mut engine = engine(Policy::DirtyTracking, dirty);
            let ptr = engine.calloc(1, pages(4)).unwrap();
            write_byte(&mut engine, after(ptr, 2), 9).unwrap();
            assert_eq!(read_byte(&mut engine, after(ptr, 0)), Ok(0));
            engine.free(ptr).unwrap();
            let _ = engine.mmu_mut().take_zeroed_pages();
            let before = engine.mmu().counters();
            assert_eq!(engine.calloc(1, pages(4)), Ok(ptr));
            let zeroed = engine.mmu_mut().take_zeroed_pages();
            assert_eq!(zeroed, std::vec![Page::containing(after(ptr, 2))]);
            let spent = engine.mmu().counters().since(&before);
            assert_eq!(spent.pages_zeroed_through_direct_map, 1);
            assert_eq!(spent.pages_zeroed_through_mapping, 0);
            assert_eq!(engine.stats().frames_in_use, 1);
            assert_eq!(reads_zero(&mut engine, ptr, pages(4)), Ok(true));
            // Re-armed: a second round without writes zeroes nothing.
            engine.free(ptr).unwrap();
            assert_eq!(engine.calloc(1, pages(4)), Ok(ptr));
            assert!(engine.mmu_mut().take_zeroed_pages().is_empty());
            assert_eq!(engine.mmu().counters().stale_translations, 0);
        }
    }

    #[test]
    fn software_rearm_write_protects_and_tracks_the_next_write() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::SoftwareOnly);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        write_byte(&mut engine, ptr, 1).unwrap();
        engine.free(ptr).unwrap();
        assert_eq!(engine.calloc(1, pages(2)), Ok(ptr));
        assert!(!engine.mmu().entry(Page::containing(ptr)).unwrap().writable);
        write_byte(&mut engine, ptr, 2).unwrap();
        assert_eq!(engine.stats().tracked_write_faults, 1);
        assert_eq!(read_byte(&mut engine, ptr), Ok(2));
    }

    #[test]
    fn an_untouched_cached_region_costs_nothing_to_reuse() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(7)).unwrap();
        engine.free(ptr).unwrap();
        let before = engine.mmu().counters();
        assert_eq!(engine.calloc(1, pages(7)), Ok(ptr));
        let spent = engine.mmu().counters().since(&before);
        assert_eq!((spent.queries, spent.page_table_ops()), (0, 0));
    }

    #[test]
    fn dirty_tracking_reads_only_the_entries_of_the_touched_span() {
        for dirty in [DirtyDetection::Hardware, DirtyDetection::SoftwareOnly] {
            // Tracked on every hit: the first hit finds its span wholly
            // written, which would switch the adaptive policy to whole.
            let tracked = config(Policy::DirtyTracking).with_adaptation(Adaptation::Off);
            let mut engine = engine_with(tracked, 64, dirty);
            let ptr = engine.calloc(1, pages(7)).unwrap();
            write_byte(&mut engine, after(ptr, 5), 1).unwrap();
            engine.free(ptr).unwrap();
            let before = engine.mmu().counters();
            assert_eq!(engine.calloc(1, pages(7)), Ok(ptr));
            assert_eq!(engine.mmu().counters().since(&before).queries, 1);
            // Pages 2 and 4 join page 5: the span is 2..6, four entries.
            write_byte(&mut engine, after(ptr, 4), 1).unwrap();
            assert_eq!(read_byte(&mut engine, after(ptr, 2)), Ok(0));
            engine.free(ptr).unwrap();
            let before = engine.mmu().counters();
            assert_eq!(engine.calloc(1, pages(7)), Ok(ptr));
            assert_eq!(engine.mmu().counters().since(&before).queries, 4);
            assert_eq!(engine.stats().pages_zeroed_on_reuse, 2);
        }
    }

    #[test]
    fn malloc_from_the_cache_may_return_old_data() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        write_byte(&mut engine, ptr, 77).unwrap();
        engine.free(ptr).unwrap();
        assert_eq!(engine.malloc(pages(2)), Ok(ptr));
        assert_eq!(read_byte(&mut engine, ptr), Ok(77));
        assert_eq!(engine.stats().pages_zeroed_on_reuse, 0);
        // A calloc after that malloc still sees zeroes.
        engine.free(ptr).unwrap();
        assert_eq!(engine.calloc(1, pages(2)), Ok(ptr));
        assert_eq!(read_byte(&mut engine, ptr), Ok(0));
    }

    #[test]
    fn always_zero_without_frames_fails_and_releases_the_region() {
        let mut engine = engine_with(config(Policy::AlwaysZero), 3, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(3)).unwrap();
        write_byte(&mut engine, ptr, 1).unwrap();
        engine.free(ptr).unwrap();
        let other = engine.calloc(1, pages(1)).unwrap();
        write_byte(&mut engine, other, 1).unwrap();
        assert_eq!(
            engine.calloc(1, pages(3)),
            Err(crate::AllocError::OutOfFrames)
        );
        assert_eq!(engine.stats().frames_in_use, 1);
        assert_eq!(engine.cache_usage().entries, 0);
        assert_eq!(engine.frames().in_use(), 2, "the zero page and `other`");
        assert_eq!(engine.stats().cache_hits, 0, "a failed hit is no hit");
        assert_eq!(
            engine.free(ptr),
            Err(crate::AllocError::UnknownPointer(ptr))
        );
        assert_eq!(read_byte(&mut engine, other), Ok(1));
    }

    #[test]
    fn always_zero_reclaims_older_entries_to_rezero_a_hit() {
        // Zero page + 5 frames. An older cached region holds 2 frames, the
        // hit needs 3 for its untouched pages and only 2 are free.
        let mut engine = engine_with(config(Policy::AlwaysZero), 6, DirtyDetection::Hardware);
        let older = engine.calloc(1, pages(2)).unwrap();
        let hit = engine.calloc(1, pages(4)).unwrap();
        write_byte(&mut engine, older, 1).unwrap();
        write_byte(&mut engine, after(older, 1), 1).unwrap();
        write_byte(&mut engine, hit, 1).unwrap();
        engine.free(older).unwrap();
        engine.free(hit).unwrap();
        engine.reset_counters();
        assert_eq!(engine.calloc(1, pages(4)), Ok(hit));
        let stats = engine.stats();
        assert_eq!((stats.cache_hits, stats.frames_reclaimed), (1, 2));
        assert_eq!(stats.pages_zeroed_on_reuse, 4);
        assert!(!engine.is_cached(older));
        assert_eq!(reads_zero(&mut engine, hit, pages(4)), Ok(true));
    }
}
