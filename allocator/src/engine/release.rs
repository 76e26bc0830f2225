//! Giving pages back: unmapping, flushing and returning frames.
//!
//! Releasing visits only a region's touched span, so freeing (or evicting,
//! or trimming) a region that was never touched costs O(1) however large it
//! is. Every unmap is followed by a TLB flush before the frame can be reused.
//! A large entry of the large zero page goes with the unmap of any of its
//! pages, and the rest of its stretch is skipped, not visited page by page.
//! Releasing never stops half way: if the frame source refuses a frame, the
//! rest is still released and the first refusal is reported.

use crate::frame::{FrameError, FrameSource};
use crate::large_page::{LargePage, PAGES_PER_LARGE_PAGE};
use crate::mmu::Mmu;
use crate::page::{Page, PageCount, PageIndex};
use crate::region::{PageSpan, Region};

use super::LargeAllocator;

/// What [`LargeAllocator::unmap_page`] removed, as far as its caller cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unmapped {
    /// Nothing, or a 4 KiB entry (its frame freed unless it was the zero page).
    Nothing,
    /// A large entry: the whole stretch around the page is unmapped now.
    Large,
}

/// Pages from `page` to the end of its 2 MiB stretch, `page` included.
fn pages_left_in_stretch(page: Page) -> u64 {
    let large = LargePage::containing(page);
    PAGES_PER_LARGE_PAGE - large.index_of(page).map_or(0, |index| index.0)
}

impl<M: Mmu, F: FrameSource, const SLOTS: usize> LargeAllocator<M, F, SLOTS> {
    /// Unmaps `page` if mapped, flushes it and drops its reference to its
    /// frame, which goes back to the frame source unless it is the zero
    /// page, still shared with another page (`duplicate.rs`), or the large
    /// zero page (a large entry, which the unmap removes whole: the
    /// stretch's other pages are then unmapped). Says which it was.
    pub(crate) fn unmap_page(&mut self, page: Page) -> Result<Unmapped, FrameError> {
        let Some(entry) = self.mmu.unmap(page) else {
            return Ok(Unmapped::Nothing);
        };
        self.mmu.flush_tlb(page);
        if entry.large {
            return Ok(Unmapped::Large);
        }
        if self.zero_page.is(entry.frame) {
            return Ok(Unmapped::Nothing);
        }
        self.release_reference(entry.frame)
            .map(|()| Unmapped::Nothing)
    }

    /// Unmaps every page of `region` whose index lies in `span`.
    pub(crate) fn release_pages(
        &mut self,
        region: &Region,
        span: PageSpan,
    ) -> Result<(), FrameError> {
        let mut first_error = Ok(());
        let mut indices = span.indices();
        while let Some(index) = indices.next() {
            let page = region.page(PageIndex(index));
            match self.unmap_page(page) {
                Ok(Unmapped::Nothing) => {}
                // Nothing else of this stretch is mapped: skip to its end.
                Ok(Unmapped::Large) => indices.start = index + pages_left_in_stretch(page),
                // The first refusal is the one reported.
                Err(error) => first_error = first_error.and(Err(error)),
            }
        }
        first_error
    }

    /// Removes region `index` from the table and releases all its pages.
    pub(crate) fn release_region(&mut self, index: usize) -> Result<(), FrameError> {
        let Some(region) = self.regions.remove(index) else {
            return Ok(());
        };
        self.release_pages(&region, region.touched)
    }

    /// Shrinks the region starting at `start` to `keep` pages, releasing the
    /// pages beyond; the freed virtual pages become a gap again.
    pub(crate) fn trim_region(&mut self, start: Page, keep: PageCount) -> Result<(), FrameError> {
        let Some(region) = self.regions.region_at_mut(start.start()) else {
            return Ok(());
        };
        if keep >= region.pages {
            return Ok(());
        }
        let before = *region;
        region.pages = keep;
        region.touched = region.touched.below(keep.0);
        self.release_pages(&before, before.touched.from(keep.0))
    }
}

#[cfg(test)]
mod tests {
    use crate::cache::Policy;
    use crate::error::AllocError;
    use crate::frame::{FrameError, FrameSource};
    use crate::mmu::{DirtyDetection, Mmu};
    use crate::page::Page;
    use crate::sim::testing::{after, engine, pages};
    use crate::sim::{read_byte, write_byte};

    #[test]
    fn freeing_an_untouched_region_visits_no_page() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(7)).unwrap();
        let before = engine.mmu().counters();
        engine.free(ptr).unwrap();
        let spent = engine.mmu().counters().since(&before);
        assert_eq!((spent.queries, spent.unmaps, spent.tlb_flushes), (0, 0, 0));
    }

    #[test]
    fn release_visits_only_the_touched_span_and_keeps_the_zero_page() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(7)).unwrap();
        assert_eq!(read_byte(&mut engine, after(ptr, 2)), Ok(0));
        write_byte(&mut engine, after(ptr, 4), 1).unwrap();
        let before = engine.mmu().counters();
        engine.free(ptr).unwrap();
        let spent = engine.mmu().counters().since(&before);
        assert_eq!((spent.unmaps, spent.tlb_flushes), (2, 2));
        assert_eq!(engine.frames().in_use(), 1);
        let zero = engine.zero_page();
        assert!(
            engine
                .mmu()
                .frame_bytes(zero)
                .unwrap()
                .iter()
                .all(|&b| b == 0)
        );
    }

    #[test]
    fn a_refused_frame_is_reported_first_and_the_rest_still_released() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(4)).unwrap();
        for page in 0..4 {
            write_byte(&mut engine, after(ptr, page), 1).unwrap();
        }
        let frame_of = |engine: &crate::sim::testing::TestEngine, page| {
            let page = Page::containing(after(ptr, page));
            engine.mmu().query(page).unwrap().frame
        };
        let (second, fourth) = (frame_of(&engine, 1), frame_of(&engine, 3));
        // Freed behind the engine's back: its own free of them is refused.
        engine.frames_mut().free_frame(second).unwrap();
        engine.frames_mut().free_frame(fourth).unwrap();
        assert_eq!(
            engine.free(ptr),
            Err(AllocError::FrameSource(FrameError::DoubleFree(second))),
            "the first refusal is the one reported"
        );
        assert_eq!(engine.mmu().mapped_pages(), 0, "every page unmapped");
        assert_eq!(engine.frames().in_use(), 1, "only the zero page is left");
    }
}
