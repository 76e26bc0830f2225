//! The engine's side of the cache: admit a freed region, take one back,
//! evict, reclaim, drain.
//!
//! The cached regions stay in the region table (`cache/store.rs` reads it
//! as a cache); this file moves regions between live and cached
//! and releases the ones that must go. What a cache hit costs under each
//! policy is in `reuse.rs`.
//!
//! # Memory pressure
//!
//! A cached region keeps its frames, so the cache can hold most of RAM. When
//! the engine needs a frame and the frame source has none (or the MMU has
//! none for a page table), it **reclaims**: it releases the oldest cached
//! region, giving its frames back, and tries again, until it gets the frame
//! or the cache is empty (`mapping.rs`). Only then is it out of memory. So
//! an operation never fails for want of frames while a cached region still
//! holds some, on the allocation path (an always-zero cache hit faulting
//! pages in to zero them) and on the fault path alike;
//! [`crate::Stats::frames_reclaimed`] counts the frames won back this way.

use crate::addr::VirtAddr;
use crate::cache::store;
use crate::error::{AllocError, Shortfall};
use crate::frame::FrameSource;
use crate::mmu::Mmu;
use crate::page::{Page, PageCount};
use crate::region::RegionState;
use crate::stats::CacheUsage;

use super::LargeAllocator;

impl<M: Mmu, F: FrameSource, const SLOTS: usize> LargeAllocator<M, F, SLOTS> {
    /// What the cache holds now.
    pub fn cache_usage(&self) -> CacheUsage {
        store::usage(&self.regions)
    }

    /// Releases every cached region and its frames (not counted as
    /// evictions). Keeps going if the frame source refuses a frame and
    /// reports the first refusal.
    pub fn drain_cache(&mut self) -> Result<(), AllocError> {
        let mut first_error = Ok(());
        // Each pass removes one region, so `SLOTS` passes drain any table.
        for _ in 0..SLOTS {
            let Some(index) = store::oldest(&self.regions) else {
                break;
            };
            let outcome = self.release_region(index).map_err(AllocError::from);
            if first_error.is_ok() {
                first_error = outcome;
            }
        }
        debug_assert!(
            store::oldest(&self.regions).is_none(),
            "draining left a cached region: releasing one did not remove it"
        );
        first_error
    }

    /// Whether a cached region starts at `ptr` (for tests and tools).
    pub fn is_cached(&self, ptr: VirtAddr) -> bool {
        self.regions
            .region_at(ptr)
            .is_some_and(|region| region.is_cached() && region.start.start() == ptr)
    }

    /// Takes the cached region that best fits `pages` pages out of the
    /// cache, marking it live with `len` bytes; returns its first page.
    pub(crate) fn take_cached(&mut self, pages: PageCount, len: u64) -> Option<Page> {
        let index = store::best_fit(&self.regions, pages)?;
        let region = self.regions.get_mut(index)?;
        region.state = RegionState::Live { len };
        Some(region.start)
    }

    /// Moves the live region at `start` into the cache, evicting the oldest
    /// entries until it fits. The caller checked that the limits admit it.
    pub(crate) fn cache_region(&mut self, start: Page) -> Result<(), AllocError> {
        let bytes = self
            .regions
            .region_at(start.start())
            .map_or(0, |region| region.bytes());
        // If nothing is left to evict, the region fits: the caller checked
        // that the limits admit it into an empty cache.
        self.evict_until(|engine| {
            store::has_room(&engine.config.cache, engine.cache_usage(), bytes).then_some(())
        })?;
        let stamp = self.clock;
        self.clock += 1;
        if let Some(region) = self.regions.region_at_mut(start.start()) {
            region.state = RegionState::Cached { stamp };
        }
        Ok(())
    }

    /// Releases the oldest cached region because a frame is needed and none
    /// is free: an eviction whose frames count as reclaimed. Returns whether
    /// there was a region to release.
    pub(crate) fn reclaim_oldest(&mut self) -> Result<bool, Shortfall> {
        let held = self.stats.frames_in_use;
        let released = self.evict_oldest();
        self.stats.frames_reclaimed += held.saturating_sub(self.stats.frames_in_use);
        released
    }

    /// Tries `attempt`, evicting the oldest cached region after each
    /// failure, until it succeeds (its answer) or the cache is empty
    /// (`None`).
    pub(crate) fn evict_until<T>(
        &mut self,
        mut attempt: impl FnMut(&mut Self) -> Option<T>,
    ) -> Result<Option<T>, Shortfall> {
        if let Some(done) = attempt(self) {
            return Ok(Some(done));
        }
        self.release_until(Self::evict_oldest, attempt)
    }

    /// Releases the oldest cached region with `release` (an eviction or a
    /// reclaim) and tries `attempt` again, until it succeeds (its answer)
    /// or `release` finds the cache empty (`None`).
    ///
    /// Every eviction loop of the engine runs here, and the loop is
    /// bounded: each pass that goes on releases one region and the table
    /// holds at most `SLOTS`, so `SLOTS + 1` passes always end it. Running
    /// past that would mean a release that released nothing; debug builds
    /// (and so every test) stop there with a message instead of spinning.
    pub(crate) fn release_until<T>(
        &mut self,
        release: fn(&mut Self) -> Result<bool, Shortfall>,
        mut attempt: impl FnMut(&mut Self) -> Option<T>,
    ) -> Result<Option<T>, Shortfall> {
        for _ in 0..=SLOTS {
            if !release(self)? {
                return Ok(None);
            }
            if let Some(done) = attempt(self) {
                return Ok(Some(done));
            }
        }
        debug_assert!(false, "{} releases left a cached region", SLOTS + 1);
        Ok(None)
    }

    /// Releases the oldest cached region. Returns whether there was one.
    pub(crate) fn evict_oldest(&mut self) -> Result<bool, Shortfall> {
        let Some(index) = store::oldest(&self.regions) else {
            return Ok(false);
        };
        self.stats.cache_evictions += 1;
        self.release_region(index)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use crate::cache::Policy;
    use crate::error::AllocError;
    use crate::mmu::DirtyDetection;
    use crate::sim::testing::{after, config, engine, engine_with, pages};
    use crate::sim::write_byte;

    #[test]
    fn a_freed_region_is_handed_out_again() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(3)).unwrap();
        engine.free(ptr).unwrap();
        assert!(engine.is_cached(ptr));
        assert_eq!(engine.calloc(3, pages(1)), Ok(ptr));
        let stats = engine.stats();
        assert_eq!((stats.cache_hits, stats.cache_misses), (1, 1));
    }

    #[test]
    fn best_fit_refuses_half_wasted_regions() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        let four = engine.malloc(pages(4)).unwrap();
        let three = engine.malloc(pages(3)).unwrap();
        engine.free(four).unwrap();
        engine.free(three).unwrap();
        // Two pages: the 4-page entry wastes 2 (50 %), the 3-page one 1.
        assert_eq!(engine.malloc(pages(2)), Ok(three));
        // Two pages again: only the 4-page entry is left, and it is refused.
        let fresh = engine.malloc(pages(2)).unwrap();
        assert_ne!(fresh, four);
        assert!(engine.is_cached(four));
    }

    #[test]
    fn trimmed_excess_is_released() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(5)).unwrap();
        for page in 0..5 {
            write_byte(&mut engine, after(ptr, page), 1).unwrap();
        }
        engine.free(ptr).unwrap();
        assert_eq!(engine.calloc(1, pages(4)), Ok(ptr));
        assert_eq!(engine.stats().frames_in_use, 4);
        assert_eq!(engine.allocation_size(ptr), Ok(pages(4)));
    }

    #[test]
    fn the_oldest_entry_is_evicted_past_the_entry_limit() {
        let mut engine = engine(Policy::AlwaysZero, DirtyDetection::Hardware);
        let regions: [_; 5] = core::array::from_fn(|_| engine.malloc(pages(1)).unwrap());
        for ptr in regions {
            engine.free(ptr).unwrap();
        }
        assert_eq!(engine.cache_usage().entries, 4);
        assert!(!engine.is_cached(regions[0]));
        assert!(engine.is_cached(regions[4]));
        assert_eq!(engine.stats().cache_evictions, 1);
    }

    #[test]
    fn entries_are_evicted_past_the_byte_limit() {
        let mut engine = engine(Policy::AlwaysZero, DirtyDetection::Hardware);
        let regions: [_; 3] = core::array::from_fn(|_| engine.malloc(pages(7)).unwrap());
        for ptr in regions {
            engine.free(ptr).unwrap();
        }
        let usage = engine.cache_usage();
        assert_eq!((usage.entries, usage.bytes), (2, pages(14)));
        assert!(!engine.is_cached(regions[0]));
    }

    #[test]
    fn admission_evicts_as_many_entries_as_it_takes_oldest_first() {
        let mut engine = engine(Policy::AlwaysZero, DirtyDetection::Hardware);
        let fives: [_; 3] = core::array::from_fn(|_| engine.malloc(pages(5)).unwrap());
        let seven = engine.malloc(pages(7)).unwrap();
        for ptr in fives {
            engine.free(ptr).unwrap();
        }
        assert_eq!(engine.cache_usage().bytes, pages(15));
        // 15 + 7 pages against a limit of 16: the two oldest must go.
        engine.free(seven).unwrap();
        let usage = engine.cache_usage();
        assert_eq!((usage.entries, usage.bytes), (2, pages(12)));
        assert_eq!(engine.stats().cache_evictions, 2);
        let kept = fives.map(|ptr| engine.is_cached(ptr));
        assert_eq!(kept, [false, false, true]);
        assert!(engine.is_cached(seven));
    }

    #[test]
    fn eviction_follows_the_order_of_freeing_not_of_addresses() {
        let mut engine = engine(Policy::AlwaysZero, DirtyDetection::Hardware);
        let regions: [_; 5] = core::array::from_fn(|_| engine.malloc(pages(1)).unwrap());
        let seven = engine.malloc(pages(7)).unwrap();
        for ptr in regions.iter().rev() {
            engine.free(*ptr).unwrap();
        }
        // Freed last to first: the highest address is the oldest entry.
        let kept = regions.map(|ptr| engine.is_cached(ptr));
        assert_eq!(kept, [true, true, true, true, false]);
        // Each admission evicts the oldest of what is left.
        engine.free(seven).unwrap();
        let kept = regions.map(|ptr| engine.is_cached(ptr));
        assert_eq!(kept, [true, true, true, false, false]);
    }

    #[test]
    fn on_equal_sizes_the_most_recently_freed_wins() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        let low = engine.malloc(pages(2)).unwrap();
        let high = engine.malloc(pages(2)).unwrap();
        engine.free(low).unwrap();
        engine.free(high).unwrap();
        assert_eq!(engine.malloc(pages(2)), Ok(high));
        engine.free(high).unwrap();
        // Freed again, `high` is now younger than `low` still.
        assert_eq!(engine.malloc(pages(2)), Ok(high));
        assert_eq!(engine.malloc(pages(2)), Ok(low));
    }

    #[test]
    fn a_one_page_entry_fits_a_one_page_request() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        let one = engine.malloc(pages(1)).unwrap();
        let six = engine.malloc(pages(6)).unwrap();
        engine.free(one).unwrap();
        engine.free(six).unwrap();
        assert_eq!(engine.malloc(pages(1)), Ok(one));
        // Three pages from six would waste half: refused.
        let three = engine.malloc(pages(3)).unwrap();
        assert_ne!(three, six);
        assert!(engine.is_cached(six));
        let stats = engine.stats();
        assert_eq!((stats.cache_hits, stats.cache_misses), (1, 3));
    }

    #[test]
    fn only_the_start_of_a_cached_region_is_cached() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        let live = engine.malloc(pages(2)).unwrap();
        let freed = engine.malloc(pages(2)).unwrap();
        engine.free(freed).unwrap();
        assert!(engine.is_cached(freed));
        assert!(!engine.is_cached(after(freed, 1)));
        assert!(!engine.is_cached(live));
        assert!(!engine.is_cached(after(freed, 3)));
    }

    #[test]
    fn draining_returns_every_cached_frame() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        write_byte(&mut engine, ptr, 1).unwrap();
        engine.free(ptr).unwrap();
        assert_eq!(engine.frames().in_use(), 2);
        engine.drain_cache().unwrap();
        assert_eq!(engine.frames().in_use(), 1);
        assert_eq!(engine.stats().cache_evictions, 0);
    }

    #[test]
    fn running_out_of_frames_evicts_the_cache_first() {
        let mut engine = engine_with(config(Policy::DirtyTracking), 3, DirtyDetection::Hardware);
        let cached = engine.calloc(1, pages(2)).unwrap();
        write_byte(&mut engine, cached, 1).unwrap();
        write_byte(&mut engine, after(cached, 1), 1).unwrap();
        engine.free(cached).unwrap();
        let ptr = engine.calloc(1, pages(4)).unwrap();
        write_byte(&mut engine, ptr, 1).unwrap();
        assert_eq!(engine.cache_usage().entries, 0);
        assert_eq!(engine.stats().cache_evictions, 1);
        assert_eq!(engine.stats().frames_reclaimed, 2);
        write_byte(&mut engine, after(ptr, 1), 1).unwrap();
        assert!(write_byte(&mut engine, after(ptr, 2), 1).is_err());
        assert_eq!(
            engine.calloc(1, pages(300)),
            Err(AllocError::OutOfVirtualSpace)
        );
    }

    #[test]
    fn reclaim_releases_the_oldest_entry_first_and_only_as_much_as_needed() {
        // Zero page + 5 frames: three cached regions hold 1, 2 and 1 frames.
        let mut engine = engine_with(config(Policy::DirtyTracking), 6, DirtyDetection::Hardware);
        let sizes = [1, 2, 3];
        let regions: [_; 3] = core::array::from_fn(|i| engine.calloc(1, pages(sizes[i])).unwrap());
        for (region, written) in regions.into_iter().zip([1, 2, 1]) {
            for page in 0..written {
                write_byte(&mut engine, after(region, page), 1).unwrap();
            }
        }
        for region in regions {
            engine.free(region).unwrap();
        }
        // One frame is free; a fresh 4-page block written twice needs one
        // more, which the oldest entry (1 frame) gives back.
        let fresh = engine.calloc(1, pages(4)).unwrap();
        write_byte(&mut engine, fresh, 1).unwrap();
        write_byte(&mut engine, after(fresh, 1), 1).unwrap();
        let stats = engine.stats();
        assert_eq!((stats.cache_evictions, stats.frames_reclaimed), (1, 1));
        assert!(!engine.is_cached(regions[0]));
        assert!(engine.is_cached(regions[1]) && engine.is_cached(regions[2]));
        // The next write takes the next oldest entry's two frames.
        write_byte(&mut engine, after(fresh, 2), 1).unwrap();
        assert_eq!(engine.stats().frames_reclaimed, 3);
        assert!(!engine.is_cached(regions[1]) && engine.is_cached(regions[2]));
        assert_eq!(engine.stats().frames_in_use + 1, engine.frames().in_use());
    }

    #[test]
    fn making_room_in_the_cache_is_not_reclaim() {
        let mut engine = engine(Policy::AlwaysZero, DirtyDetection::Hardware);
        let regions: [_; 5] = core::array::from_fn(|_| engine.malloc(pages(1)).unwrap());
        for ptr in regions {
            write_byte(&mut engine, ptr, 1).unwrap();
            engine.free(ptr).unwrap();
        }
        let stats = engine.stats();
        assert_eq!((stats.cache_evictions, stats.frames_reclaimed), (1, 0));
    }
}
