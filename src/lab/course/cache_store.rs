//! Lab 4, `cache-store`: which cached region to reuse, which to evict.
//!
//! A freed large region is kept, frames and mappings included, for the
//! next request of about its size: libmalloc's large-allocation cache.
//! The student writes its two choices: the best fit for a request
//! (smallest that fits, at most half wasted, youngest among equals) and
//! the oldest entry, evicted when the cache is full or frames run out.

use crate::lab::catalogue::{GradedTest, Lab, Region, Suite};

/// The lab.
pub const LAB: Lab = Lab {
    name: "cache-store",
    title: "the large-allocation cache: best fit for reuse, oldest for eviction",
    teaches: "libmalloc's large cache: best fit with a 50 % waste limit, most recently \
              freed first, eviction by age under the entry and byte limits and when \
              frames run out, and the cliff where big requests bypass the cache. Read \
              allocator/src/cache/store.rs and allocator/src/engine/cache.rs.",
    regions: &[
        Region {
            path: "allocator/src/cache/store.rs",
            stub: "\
// LAB cache-store: the index of the cached region to reuse for `pages`
// pages. `regions.iter()` yields `(index, region)`; a cached region has
// `region.state == RegionState::Cached { stamp }`, and a larger stamp
// means freed later. Choose the smallest one with at least `pages`
// pages, but refuse one that would waste `pages` pages or more
// (libmalloc limits fragmentation to 50 %); between equal sizes, the
// most recently freed. Until then nothing fits: every request misses
// the cache.
let _ = (regions, pages);
None",
        },
        Region {
            path: "allocator/src/cache/store.rs",
            stub: "\
// LAB cache-store: the index of the cached region freed first (the
// smallest stamp), the one to evict when the cache is full or frames run
// out. Until then nothing is ever evicted: the cache grows past its
// limits, and draining it gives nothing back.
let _ = regions;
None",
        },
    ],
    tests: &[
        GradedTest {
            suite: Suite::AllocatorUnit,
            name: "cache::store::tests::best_fit_prefers_the_smallest_then_the_youngest",
            points: 15,
        },
        GradedTest {
            suite: Suite::AllocatorUnit,
            name: "cache::store::tests::oldest_cached_region_is_found_by_stamp",
            points: 10,
        },
        GradedTest {
            suite: Suite::AllocatorUnit,
            name: "engine::cache::tests::best_fit_refuses_half_wasted_regions",
            points: 10,
        },
        GradedTest {
            suite: Suite::AllocatorUnit,
            name: "engine::cache::tests::the_oldest_entry_is_evicted_past_the_entry_limit",
            points: 10,
        },
        GradedTest {
            suite: Suite::AllocatorUnit,
            name: "engine::cache::tests::running_out_of_frames_evicts_the_cache_first",
            points: 10,
        },
        GradedTest {
            suite: Suite::AllocatorIntegration("cache_cliff"),
            name: "always_zero_pays_for_every_page_below_the_entry_limit",
            points: 15,
        },
        GradedTest {
            suite: Suite::Qemu,
            name: "seed_experiment_alwayszero",
            points: 15,
        },
        GradedTest {
            suite: Suite::Qemu,
            name: "seed_experiment_dirty_hw",
            points: 15,
        },
    ],
};
