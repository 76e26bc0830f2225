//! `free`: into the cache, or back to the frame source.
//!
//! Under [`crate::Policy::NoCache`], and for regions at or above the cache's
//! entry limit, `free` unmaps the region and returns its frames right away
//! (Linux `munmap`). Otherwise the region keeps its frames and mappings and
//! waits in the cache (`cache.rs`).

use crate::addr::VirtAddr;
use crate::error::AllocError;
use crate::frame::FrameSource;
use crate::mmu::Mmu;

use super::LargeAllocator;

impl<M: Mmu, F: FrameSource, const SLOTS: usize> LargeAllocator<M, F, SLOTS> {
    /// Frees the allocation starting at `ptr`.
    ///
    /// Errors: [`AllocError::UnknownPointer`], [`AllocError::DoubleFree`]
    /// (while the region is still cached), [`AllocError::NotRegionStart`],
    /// and [`AllocError::FrameSource`] if the frame source refuses a frame.
    pub fn free(&mut self, ptr: VirtAddr) -> Result<(), AllocError> {
        let index = self.live_index(ptr)?;
        let Some(region) = self.regions.get(index).copied() else {
            return Err(AllocError::UnknownPointer(ptr));
        };
        if self.config.policy.caches() && self.config.cache.admits(region.pages) {
            self.cache_region(region.start)
        } else {
            self.release_region(index).map_err(AllocError::from)
        }
    }

    /// The table index of the live region starting at `ptr`, or the error
    /// that says what `ptr` is instead.
    pub(crate) fn live_index(&self, ptr: VirtAddr) -> Result<usize, AllocError> {
        let Some(index) = self.regions.find(ptr) else {
            return Err(AllocError::UnknownPointer(ptr));
        };
        let Some(region) = self.regions.get(index) else {
            return Err(AllocError::UnknownPointer(ptr));
        };
        match (region.is_cached(), region.start.start() == ptr) {
            (false, true) => Ok(index),
            (false, false) => Err(AllocError::NotRegionStart(ptr)),
            (true, true) => Err(AllocError::DoubleFree(ptr)),
            (true, false) => Err(AllocError::UnknownPointer(ptr)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Policy;
    use crate::mmu::DirtyDetection;
    use crate::sim::testing::{after, engine, pages};
    use crate::sim::write_byte;

    #[test]
    fn free_names_what_is_wrong_with_a_pointer() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        assert_eq!(
            engine.free(VirtAddr(0x10)),
            Err(AllocError::UnknownPointer(VirtAddr(0x10)))
        );
        let inside = after(ptr, 1);
        assert_eq!(engine.free(inside), Err(AllocError::NotRegionStart(inside)));
        engine.free(ptr).unwrap();
        assert_eq!(engine.free(ptr), Err(AllocError::DoubleFree(ptr)));
        assert_eq!(engine.free(inside), Err(AllocError::UnknownPointer(inside)));
        engine.drain_cache().unwrap();
        assert_eq!(engine.free(ptr), Err(AllocError::UnknownPointer(ptr)));
    }

    #[test]
    fn no_cache_free_returns_every_frame() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(3)).unwrap();
        for page in 0..3 {
            write_byte(&mut engine, after(ptr, page), 1).unwrap();
        }
        assert_eq!(engine.frames().in_use(), 4);
        engine.free(ptr).unwrap();
        assert_eq!(engine.frames().in_use(), 1);
        assert_eq!(engine.mmu().mapped_pages(), 0);
        assert_eq!(engine.cache_usage().entries, 0);
    }

    #[test]
    fn regions_at_the_entry_limit_bypass_the_cache() {
        let mut engine = engine(Policy::AlwaysZero, DirtyDetection::Hardware);
        let big = engine.calloc(1, pages(8)).unwrap();
        write_byte(&mut engine, big, 1).unwrap();
        engine.free(big).unwrap();
        assert_eq!(engine.cache_usage().entries, 0);
        assert_eq!(engine.stats().frames_in_use, 0);
        assert_eq!(engine.stats().cache_bypasses, 1);
    }
}
