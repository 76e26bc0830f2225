//! Statistics: plain counters per engine, read by the kernel once per round.
//!
//! Counters only go up, until [`crate::LargeAllocator::reset_counters`]
//! zeroes them; [`Stats::frames_in_use`] is a level, not a counter, and is
//! never reset. A round of an experiment is "reset, run, read".

/// What an engine has done since its counters were last reset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Stats {
    /// Fresh frames zeroed by the first write to an untouched page.
    pub pages_zeroed_on_fault: u64,
    /// Pages zeroed through their mapping to serve a `calloc` from the cache.
    pub pages_zeroed_on_reuse: u64,
    /// First writes to untouched pages (zero page or nothing mapped).
    pub cow_faults: u64,
    /// First reads of untouched pages, answered with the zero page (lazy).
    pub read_faults: u64,
    /// Writes to re-armed pages caught by the software dirty strategy.
    pub tracked_write_faults: u64,
    /// Faults on entries that allowed the access but had the accessed bit,
    /// or for a write the dirty bit, clear, on an MMU that faults instead
    /// of setting them ([`crate::AccessedDirtyUpdates::Software`]); the
    /// engine set the bits. Always 0 on an MMU that sets them in hardware.
    pub accessed_dirty_faults: u64,
    /// Faults on pages that were already fine (a stale TLB entry), flushed.
    /// One that comes straight back is reported as
    /// [`crate::FatalFault::Unresolvable`] and not counted again.
    pub spurious_faults: u64,
    /// Times the zero page was mapped into a page (a split of the large
    /// zero page maps it into all 512 pages of the large page).
    pub zero_page_mappings: u64,
    /// Times the large zero page was mapped over a 2 MiB stretch (each one
    /// answers a read fault, counted in `read_faults` too).
    pub large_zero_page_mappings: u64,
    /// Large zero-page entries split into 4 KiB entries by a first write.
    pub large_zero_page_splits: u64,
    /// Allocations served from the cache. A hit that could not be made
    /// ready (an always-zero hit without the frames to re-zero its block)
    /// is not counted: the call failed and the block was released.
    pub cache_hits: u64,
    /// Cacheable allocations the cache could not serve.
    pub cache_misses: u64,
    /// Allocations too large for the cache (at or above the entry limit).
    pub cache_bypasses: u64,
    /// Cached regions released to make room or to find frames.
    pub cache_evictions: u64,
    /// Frames given back by cached regions that were released because the
    /// frame source ran dry (or the MMU had no frame for a page table):
    /// memory pressure reclaiming the cache, oldest entry first. Always 0
    /// under [`crate::Policy::NoCache`].
    pub frames_reclaimed: u64,
    /// Frames the engine holds now, in live and cached regions (a level;
    /// the zero page is not counted).
    pub frames_in_use: u64,
}

impl Stats {
    /// All pages zeroed, on faults and on reuse.
    pub const fn pages_zeroed(&self) -> u64 {
        self.pages_zeroed_on_fault + self.pages_zeroed_on_reuse
    }

    /// Every fault taken: copy-on-write, read, tracked-write,
    /// accessed/dirty and spurious.
    pub const fn faults(&self) -> u64 {
        self.cow_faults
            + self.read_faults
            + self.tracked_write_faults
            + self.accessed_dirty_faults
            + self.spurious_faults
    }

    /// The counters zeroed, the `frames_in_use` level kept.
    pub const fn reset(self) -> Stats {
        Stats {
            frames_in_use: self.frames_in_use,
            ..Stats::ZERO
        }
    }

    /// All counters and levels zero.
    pub const ZERO: Stats = Stats {
        pages_zeroed_on_fault: 0,
        pages_zeroed_on_reuse: 0,
        cow_faults: 0,
        read_faults: 0,
        tracked_write_faults: 0,
        accessed_dirty_faults: 0,
        spurious_faults: 0,
        zero_page_mappings: 0,
        large_zero_page_mappings: 0,
        large_zero_page_splits: 0,
        cache_hits: 0,
        cache_misses: 0,
        cache_bypasses: 0,
        cache_evictions: 0,
        frames_reclaimed: 0,
        frames_in_use: 0,
    };
}

/// What the cache holds right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct CacheUsage {
    /// Cached regions.
    pub entries: u64,
    /// Bytes those regions cover.
    pub bytes: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_keeps_the_frame_level() {
        let stats = Stats {
            pages_zeroed_on_fault: 3,
            pages_zeroed_on_reuse: 4,
            cache_hits: 2,
            frames_in_use: 9,
            ..Stats::ZERO
        };
        assert_eq!(stats.pages_zeroed(), 7);
        let reset = stats.reset();
        assert_eq!(reset.cache_hits, 0);
        assert_eq!(reset.frames_in_use, 9);
    }
}
