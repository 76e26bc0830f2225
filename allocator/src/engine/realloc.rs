//! `realloc`: shrink or grow in place, or move the pages like `mremap`.
//!
//! Shrinking releases the pages beyond the new end. Growing uses the gap
//! after the region if it is large enough (the new pages are untouched).
//! Otherwise the engine reserves a fresh region and *moves* every mapped
//! page table entry to it, frame and dirty state included, so nothing is
//! copied and nothing is zeroed. `realloc` never takes regions from the
//! cache: a cached region may hold old data where the moved allocation's
//! untouched pages must still read zero.

use crate::addr::VirtAddr;
use crate::error::{AllocError, Shortfall};
use crate::frame::FrameSource;
use crate::mmu::{Access, Mmu, PageFlags};
use crate::page::{Page, PageCount, PageIndex};
use crate::region::{PageSpan, Region, RegionState};

use super::LargeAllocator;

impl<M: Mmu, F: FrameSource, const SLOTS: usize> LargeAllocator<M, F, SLOTS> {
    /// Resizes the allocation at `ptr` to `size` bytes, keeping its contents
    /// up to the smaller size. Returns the (possibly moved) address.
    ///
    /// A `size` of zero gives [`AllocError::ZeroSize`] and one below the
    /// threshold [`AllocError::BelowThreshold`]; in both cases the
    /// allocation is left as it was (the kernel moves it to its small heap
    /// itself). Pointer errors are those of [`LargeAllocator::free`].
    pub fn realloc(&mut self, ptr: VirtAddr, size: u64) -> Result<VirtAddr, AllocError> {
        let index = self.live_index(ptr)?;
        let pages = self.request_pages(size)?;
        let Some(region) = self.regions.get(index).copied() else {
            return Err(AllocError::UnknownPointer(ptr));
        };
        if pages <= region.pages {
            self.trim_region(region.start, pages)?;
            self.set_live_len(region.start, size);
            return Ok(ptr);
        }
        let extra = pages.0 - region.pages.0;
        if self.regions.room_after(index, &self.config.range) >= extra {
            self.grow_in_place(index, pages, size);
            return Ok(ptr);
        }
        self.move_region(region, pages, size)
    }

    fn set_live_len(&mut self, start: Page, len: u64) {
        if let Some(region) = self.regions.region_at_mut(start.start()) {
            region.state = RegionState::Live { len };
        }
    }

    fn grow_in_place(&mut self, index: usize, pages: PageCount, len: u64) {
        let Some(region) = self.regions.get_mut(index) else {
            return;
        };
        let old_pages = region.pages;
        region.pages = pages;
        region.state = RegionState::Live { len };
        let start = region.start;
        self.premap_zero_pages(start, PageIndex(old_pages.0));
    }

    /// Moves `old` to a fresh region of `pages` pages: map every entry at
    /// the new place first, then unmap the old ones, so a refusal by the
    /// MMU leaves the old allocation intact.
    fn move_region(
        &mut self,
        old: Region,
        pages: PageCount,
        len: u64,
    ) -> Result<VirtAddr, AllocError> {
        let new_start = self.reserve(pages, len)?;
        let new = Region::live(new_start, pages, len);
        if let Err(err) = self.map_moved_entries(&old, &new) {
            if let Some(index) = self.regions.find(new_start.start()) {
                self.regions.remove(index);
            }
            return Err(err.into());
        }
        self.forget_entries(&old, old.touched);
        if let Some(index) = self.regions.find(old.start.start()) {
            self.regions.remove(index);
        }
        if let Some(region) = self.regions.region_at_mut(new_start.start()) {
            region.touched = old.touched;
        }
        self.premap_zero_pages(new_start, PageIndex(old.pages.0));
        Ok(new_start.start())
    }

    /// Maps each present entry of `old` at the same index of `new`, with the
    /// same frame, write permission and dirty bit; undoes it all on failure.
    fn map_moved_entries(&mut self, old: &Region, new: &Region) -> Result<(), Shortfall> {
        for offset in old.touched.indices() {
            let Some(entry) = self.mmu.query(old.page(PageIndex(offset))) else {
                continue;
            };
            if entry.large {
                // The large zero page: left behind, the moved stretch reads
                // zero unmapped (`forget_entries` drops the large entry).
                continue;
            }
            let mut flags = self.presets(Access::Read);
            flags.set(PageFlags::WRITABLE, entry.writable);
            flags.set(PageFlags::DIRTY, entry.dirty);
            let target = new.page(PageIndex(offset));
            if let Err(err) = self.map_entry(target, entry.frame, flags) {
                self.forget_entries(new, old.touched.below(offset));
                return Err(err);
            }
            if self.zero_page.is(entry.frame) {
                self.stats.zero_page_mappings += 1;
            }
        }
        Ok(())
    }

    /// Unmaps the pages of `region` in `span` without freeing their frames
    /// (they are mapped elsewhere), flushing each one.
    fn forget_entries(&mut self, region: &Region, span: PageSpan) {
        for offset in span.indices() {
            let page = region.page(PageIndex(offset));
            if self.mmu.unmap(page).is_some() {
                self.mmu.flush_tlb(page);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Policy;
    use crate::mmu::DirtyDetection;
    use crate::sim::testing::{after, engine, pages};
    use crate::sim::{read_byte, write_byte};
    use crate::stats::Stats;

    #[test]
    fn shrinking_releases_the_tail() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(4)).unwrap();
        for page in 0..4 {
            write_byte(&mut engine, after(ptr, page), 7).unwrap();
        }
        assert_eq!(engine.realloc(ptr, pages(2)), Ok(ptr));
        assert_eq!(engine.stats().frames_in_use, 2);
        assert_eq!(engine.allocation_size(ptr), Ok(pages(2)));
        assert_eq!(read_byte(&mut engine, after(ptr, 1)), Ok(7));
    }

    #[test]
    fn growing_uses_the_gap_after_the_region() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        write_byte(&mut engine, ptr, 5).unwrap();
        assert_eq!(engine.realloc(ptr, pages(5)), Ok(ptr));
        assert_eq!(read_byte(&mut engine, ptr), Ok(5));
        assert_eq!(read_byte(&mut engine, after(ptr, 4)), Ok(0));
    }

    #[test]
    fn growing_stays_in_place_exactly_while_the_gap_holds_the_new_pages() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        // Pages 0-1, guard 2, a gap of 4 pages (3-6) after `gone` is freed,
        // and `wall` at 7: `ptr` may grow by 4 pages, not by 5.
        let ptr = engine.calloc(1, pages(2)).unwrap();
        let gone = engine.calloc(1, pages(3)).unwrap();
        let wall = engine.calloc(1, pages(1)).unwrap();
        assert_eq!(wall, after(ptr, 7));
        engine.free(gone).unwrap();
        write_byte(&mut engine, ptr, 5).unwrap();
        assert_eq!(engine.realloc(ptr, pages(6)), Ok(ptr));
        assert_eq!(engine.allocation_size(ptr), Ok(pages(6)));
        assert_eq!(read_byte(&mut engine, after(ptr, 5)), Ok(0));
        // Back to two pages, then one page too many for the gap: it moves.
        assert_eq!(engine.realloc(ptr, pages(2)), Ok(ptr));
        let moved = engine.realloc(ptr, pages(7)).unwrap();
        assert_eq!(moved, after(wall, 2));
        assert_eq!(read_byte(&mut engine, moved), Ok(5));
        assert_eq!(engine.allocation_size(wall), Ok(pages(1)));
    }

    #[test]
    fn moving_keeps_every_counter_exact() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(3)).unwrap();
        let _wall = engine.calloc(1, pages(1)).unwrap();
        write_byte(&mut engine, ptr, 1).unwrap();
        assert_eq!(read_byte(&mut engine, after(ptr, 2)), Ok(0));
        engine.reset_counters();
        let moved = engine.realloc(ptr, pages(4)).unwrap();
        assert_ne!(moved, ptr);
        // The zero page is mapped once more (at the new place); the frame
        // moves without being counted again.
        let expected = Stats {
            zero_page_mappings: 1,
            frames_in_use: 1,
            ..Stats::ZERO
        };
        assert_eq!(engine.stats(), expected);
        assert_eq!(engine.mmu().mapped_pages(), 2);
    }

    #[test]
    fn growing_past_a_neighbour_moves_the_pages_without_copying() {
        for dirty in [DirtyDetection::Hardware, DirtyDetection::SoftwareOnly] {
            let mut engine = engine(Policy::DirtyTracking, dirty);
            let ptr = engine.calloc(1, pages(2)).unwrap();
            let _neighbour = engine.calloc(1, pages(1)).unwrap();
            write_byte(&mut engine, after(ptr, 1), 42).unwrap();
            assert_eq!(read_byte(&mut engine, ptr), Ok(0));
            let zeroed_before = engine.mmu().counters().frames_zeroed;
            let moved = engine.realloc(ptr, pages(6)).unwrap();
            assert_ne!(moved, ptr);
            assert_eq!(engine.mmu().counters().frames_zeroed, zeroed_before);
            assert_eq!(read_byte(&mut engine, after(moved, 1)), Ok(42));
            assert_eq!(read_byte(&mut engine, after(moved, 5)), Ok(0));
            assert_eq!(engine.stats().frames_in_use, 1);
            assert_eq!(engine.free(ptr), Err(AllocError::UnknownPointer(ptr)));
            // The written page stays "written", so a cached calloc re-zeroes it.
            engine.free(moved).unwrap();
            let again = engine.calloc(1, pages(6)).unwrap();
            assert_eq!(again, moved);
            assert_eq!(read_byte(&mut engine, after(again, 1)), Ok(0));
            assert_eq!(engine.stats().pages_zeroed_on_reuse, 1);
            assert_eq!(engine.mmu().counters().stale_translations, 0);
        }
    }

    #[test]
    fn refused_sizes_leave_the_allocation_alone() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        assert_eq!(engine.realloc(ptr, 0), Err(AllocError::ZeroSize));
        assert!(matches!(
            engine.realloc(ptr, 10),
            Err(AllocError::BelowThreshold { .. })
        ));
        assert_eq!(engine.allocation_size(ptr), Ok(pages(2)));
        let inside = after(ptr, 1);
        assert_eq!(
            engine.realloc(inside, pages(3)),
            Err(AllocError::NotRegionStart(inside))
        );
    }
}
