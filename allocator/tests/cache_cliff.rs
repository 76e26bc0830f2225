//! The seed's loop, scaled down: `calloc` + `free` of untouched memory,
//! round after round, under each policy, below and above the entry limit.
//!
//! The brief's macOS figures come from the cache re-zeroing every page of
//! every hit. Here the same loop is counted instead of timed: pages zeroed
//! and frames taken per round. Below the entry limit AlwaysZero pays for
//! every page each round; above it the cache is bypassed and the cost drops
//! to nothing ("bigger is faster"); DirtyTracking and NoCache never pay for
//! untouched pages.

use pristine_allocator::sim::{SimConfig, SimFrames, SimMmu, machine, reads_zero, write_byte};
use pristine_allocator::{
    CacheLimits, Config, DirtyDetection, FrameCount, LargeAllocator, PAGE_SIZE, PageCount, Policy,
    Stats, VirtAddr, VirtRange,
};

/// The scaled entry limit: regions of 64 pages or more are never cached.
const ENTRY_LIMIT_PAGES: u64 = 64;
/// Just below the limit (the seed's 100 MB against 128 MiB).
const BELOW: u64 = 48;
/// Well above the limit (the seed's 1000 MB).
const ABOVE: u64 = 480;
/// Rounds of the loop.
const ROUNDS: u64 = 20;

type Engine = LargeAllocator<SimMmu, SimFrames>;

fn engine(policy: Policy) -> Engine {
    let range = VirtRange::new(VirtAddr(0x20_0000_0000), PageCount(4096)).unwrap();
    let limits = CacheLimits {
        max_entries: 16,
        max_entry_bytes: ENTRY_LIMIT_PAGES * PAGE_SIZE,
        max_total_bytes: 16 * ENTRY_LIMIT_PAGES * PAGE_SIZE,
    };
    let config = Config::new(range)
        .with_policy(policy)
        .with_threshold(PAGE_SIZE)
        .with_cache_limits(limits);
    let (mmu, frames) = machine(SimConfig::new(FrameCount(1024), DirtyDetection::Hardware));
    LargeAllocator::new(mmu, frames, config).unwrap()
}

/// Runs the seed's loop and returns the statistics of all rounds but the first.
fn seed_loop(policy: Policy, pages: u64) -> Stats {
    let mut engine = engine(policy);
    let first = engine.calloc(pages, PAGE_SIZE).unwrap();
    engine.free(first).unwrap();
    engine.reset_counters();
    for _ in 0..ROUNDS {
        let ptr = engine.calloc(pages, PAGE_SIZE).unwrap();
        engine.free(ptr).unwrap();
    }
    engine.stats()
}

#[test]
fn always_zero_pays_for_every_page_below_the_entry_limit() {
    let stats = seed_loop(Policy::AlwaysZero, BELOW);
    assert_eq!(stats.cache_hits, ROUNDS);
    assert_eq!(stats.pages_zeroed_on_reuse, ROUNDS * BELOW);
    // The first hit pages the untouched region in; later hits re-zero it.
    assert_eq!(stats.cow_faults, BELOW);
    assert_eq!(stats.frames_in_use, BELOW);
}

#[test]
fn requests_above_the_entry_limit_bypass_the_cache() {
    let stats = seed_loop(Policy::AlwaysZero, ABOVE);
    assert_eq!(stats.cache_bypasses, ROUNDS);
    assert_eq!((stats.cache_hits, stats.pages_zeroed()), (0, 0));
    assert_eq!(stats.frames_in_use, 0);
}

#[test]
fn dirty_tracking_and_no_cache_never_pay_for_untouched_pages() {
    for policy in [Policy::DirtyTracking, Policy::NoCache] {
        for pages in [BELOW, ABOVE] {
            let stats = seed_loop(policy, pages);
            assert_eq!(stats.pages_zeroed(), 0, "{policy:?}, {pages} pages");
            assert_eq!(stats.frames_in_use, 0);
        }
    }
}

#[test]
fn dirty_tracking_pays_only_for_written_pages() {
    let mut engine = engine(Policy::DirtyTracking);
    let written = [0, 7, BELOW - 1];
    for round in 0..ROUNDS {
        let ptr = engine.calloc(BELOW, PAGE_SIZE).unwrap();
        assert_eq!(reads_zero(&mut engine, ptr, BELOW * PAGE_SIZE), Ok(true));
        for page in written {
            let addr = VirtAddr(ptr.as_u64() + page * PAGE_SIZE + round);
            write_byte(&mut engine, addr, 0xee).unwrap();
        }
        engine.free(ptr).unwrap();
    }
    let stats = engine.stats();
    let pages_written = u64::try_from(written.len()).unwrap();
    assert_eq!(stats.pages_zeroed_on_reuse, (ROUNDS - 1) * pages_written);
    assert_eq!(stats.frames_in_use, pages_written);
    assert_eq!(engine.mmu().counters().stale_translations, 0);
}
