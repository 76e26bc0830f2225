//! `calloc` and `malloc`: from the cache when the policy allows, else fresh.
//!
//! A fresh region maps nothing (lazy zero page) or the zero page everywhere
//! (eager): either way it reads as zeroes without a single frame, which is
//! why `calloc` of untouched memory is nearly free under
//! [`crate::Policy::NoCache`]. A request the cache may hold looks there
//! first (`cache.rs`, `reuse.rs`); larger requests bypass it.

use crate::addr::VirtAddr;
use crate::error::AllocError;
use crate::frame::FrameSource;
use crate::mmu::Mmu;
use crate::page::{Page, PageCount, PageIndex};
use crate::region::{GUARD_PAGES, Region};
use crate::zero_page::ZeroPageMapping;

use super::LargeAllocator;

/// What the caller is promised about the contents of a new allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fill {
    /// Every byte reads zero (`calloc`).
    Zeroed,
    /// Anything, including the allocator's own old data (`malloc`).
    Unspecified,
}

impl<M: Mmu, F: FrameSource, const SLOTS: usize> LargeAllocator<M, F, SLOTS> {
    /// Allocates `count * size` bytes that all read zero.
    ///
    /// Errors: [`AllocError::Overflow`] if the product overflows,
    /// [`AllocError::ZeroSize`] if it is zero, [`AllocError::BelowThreshold`]
    /// if it is below the threshold, and the shortages listed on
    /// [`AllocError`]. The returned address is page aligned.
    pub fn calloc(&mut self, count: u64, size: u64) -> Result<VirtAddr, AllocError> {
        let bytes = count.checked_mul(size).ok_or(AllocError::Overflow)?;
        self.allocate(bytes, Fill::Zeroed)
    }

    /// Allocates `size` bytes with unspecified contents: a region reused
    /// from the cache may still hold data this engine handed out before.
    /// Errors as for [`LargeAllocator::calloc`], without the overflow.
    pub fn malloc(&mut self, size: u64) -> Result<VirtAddr, AllocError> {
        self.allocate(size, Fill::Unspecified)
    }

    fn allocate(&mut self, bytes: u64, fill: Fill) -> Result<VirtAddr, AllocError> {
        let pages = self.request_pages(bytes)?;
        if self.config.policy.caches() {
            if self.config.cache.admits(pages) {
                if let Some(start) = self.take_cached(pages, bytes) {
                    let served = self.reuse(start, pages, fill);
                    self.stats.cache_hits += u64::from(served.is_ok());
                    return served;
                }
                self.stats.cache_misses += 1;
            } else {
                self.stats.cache_bypasses += 1;
            }
        }
        let start = self.reserve(pages, bytes)?;
        self.premap_zero_pages(start, PageIndex(0));
        Ok(start.start())
    }

    /// Checks a request's size and turns it into pages.
    pub(crate) fn request_pages(&self, bytes: u64) -> Result<PageCount, AllocError> {
        if bytes == 0 {
            return Err(AllocError::ZeroSize);
        }
        if bytes < self.config.threshold {
            return Err(AllocError::BelowThreshold {
                size: bytes,
                threshold: self.config.threshold,
            });
        }
        Ok(PageCount::covering(bytes))
    }

    /// Creates a live region of `pages` pages with nothing mapped, evicting
    /// cached regions if the range or the table is full.
    pub(crate) fn reserve(&mut self, pages: PageCount, len: u64) -> Result<Page, AllocError> {
        if pages.0.saturating_add(GUARD_PAGES) > self.config.range.pages().0 {
            // Hopeless however empty the range: do not evict the cache for it.
            return Err(AllocError::OutOfVirtualSpace);
        }
        let range = self.config.range;
        let Some(start) = self.evict_until(|engine| engine.regions.find_gap(&range, pages))? else {
            return Err(AllocError::OutOfVirtualSpace);
        };
        let has_free_slot = |engine: &mut Self| (!engine.regions.is_full()).then_some(());
        if self.evict_until(has_free_slot)?.is_none() {
            return Err(AllocError::RegionTableFull);
        }
        self.regions
            .insert(Region::live(start, pages, len))
            .map_err(|_| AllocError::RegionTableFull)?;
        Ok(start)
    }

    /// Under eager zero-page mapping, maps the zero page into every page of
    /// the region at `start` from index `from` on. Best effort: a page the
    /// MMU cannot map stays unmapped and is handled lazily on its fault.
    #[inline]
    pub(crate) fn premap_zero_pages(&mut self, start: Page, from: PageIndex) {
        if self.config.zero_page_mapping == ZeroPageMapping::Eager {
            self.map_zero_page_everywhere(start, from);
        }
    }

    /// The eager half of [`LargeAllocator::premap_zero_pages`]. Kept out of
    /// line: inlined into `allocate`, its mapping loop cost the
    /// dirty-tracking cache hit's re-zeroing loop a register, about six
    /// guest instructions per written page.
    #[inline(never)]
    fn map_zero_page_everywhere(&mut self, start: Page, from: PageIndex) {
        let Some(&region) = self.regions.region_at(start.start()) else {
            return;
        };
        for index in from.0..region.pages.0 {
            if self.map_zero_page(region.page(PageIndex(index))).is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::PAGE_SIZE;
    use crate::cache::Policy;
    use crate::mmu::DirtyDetection;
    use crate::sim::testing::{BASE, after, config, engine, engine_with, pages};

    #[test]
    fn calloc_refuses_overflow_zero_and_small_sizes() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        assert_eq!(engine.calloc(u64::MAX, 2), Err(AllocError::Overflow));
        assert_eq!(engine.calloc(0, 4096), Err(AllocError::ZeroSize));
        assert_eq!(engine.malloc(0), Err(AllocError::ZeroSize));
        assert_eq!(
            engine.malloc(100),
            Err(AllocError::BelowThreshold {
                size: 100,
                threshold: PAGE_SIZE
            })
        );
    }

    #[test]
    fn fresh_calloc_maps_nothing_and_takes_no_frame() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(3, pages(1)).unwrap();
        assert_eq!(ptr, VirtAddr(BASE));
        assert_eq!(engine.mmu().mapped_pages(), 0);
        assert_eq!(engine.frames().in_use(), 1);
        assert_eq!(engine.allocation_size(ptr), Ok(pages(3)));
    }

    #[test]
    fn eager_calloc_maps_the_zero_page_everywhere() {
        let eager = config(Policy::NoCache).with_zero_page_mapping(ZeroPageMapping::Eager);
        let mut engine = engine_with(eager, 16, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(3)).unwrap();
        assert_eq!(engine.mmu().mapped_pages(), 3);
        assert_eq!(engine.stats().zero_page_mappings, 3);
        let entry = engine.mmu().entry(Page::containing(after(ptr, 2))).unwrap();
        assert_eq!(entry.frame, engine.zero_page());
    }

    #[test]
    fn regions_are_separated_by_a_guard_page() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let first = engine.calloc(1, pages(2)).unwrap();
        let second = engine.malloc(pages(1) + 1).unwrap();
        assert_eq!(second, after(first, 3));
    }

    #[test]
    fn running_out_of_virtual_space_is_an_error() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        assert_eq!(
            engine.malloc(pages(256)),
            Err(AllocError::OutOfVirtualSpace)
        );
        assert!(engine.malloc(pages(255)).is_ok());
        assert_eq!(engine.malloc(pages(1)), Err(AllocError::OutOfVirtualSpace));
    }

    #[test]
    fn a_hopeless_request_keeps_the_cache() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        let cached = engine.malloc(pages(2)).unwrap();
        engine.free(cached).unwrap();
        assert_eq!(engine.malloc(u64::MAX), Err(AllocError::OutOfVirtualSpace));
        assert!(engine.is_cached(cached));
    }

    #[test]
    fn a_full_region_table_is_an_error() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        for _ in 0..16 {
            engine.malloc(pages(1)).unwrap();
        }
        assert_eq!(engine.malloc(pages(1)), Err(AllocError::RegionTableFull));
    }
}
