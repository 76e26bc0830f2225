//! The 2 MiB zero page on the simulator: reads, the split, the cache, realloc.
//!
//! Each test states one guarantee of the large zero page (see
//! `allocator/src/large_zero_page.rs`): every byte still reads zero, one
//! read fault maps a whole 2 MiB-aligned stretch, the first write splits
//! it and only the written page gets a frame, the large zero frame is
//! never mapped writable (nor with a 4 KiB entry), and the accounting stays
//! exact under every policy, both dirty strategies, an MMU that faults on
//! clear accessed/dirty bits (Svade), realloc and eviction.

use pristine_allocator::sim::{
    SimConfig, SimFrames, SimMmu, machine, read_byte, reads_zero, write_byte,
};
use pristine_allocator::{
    AccessedDirtyUpdates, CacheLimits, Config, DirtyDetection, DirtyStrategy, FrameCount,
    FrameNumber, LARGE_PAGE_SIZE, LargeAllocator, PAGE_SIZE, PAGES_PER_LARGE_PAGE, Page, PageCount,
    Policy, VirtAddr, VirtRange,
};

type Engine = LargeAllocator<SimMmu, SimFrames>;

/// The range starts on a 2 MiB boundary, so the first region does too.
const BASE: u64 = 0x40_0000_0000;
/// Pages in the range: 32 MiB.
const RANGE_PAGES: u64 = 8192;
/// Frames of RAM: the zero page, the large zero page and room to write.
const FRAMES: u64 = 2048;

#[derive(Clone, Copy, Debug)]
enum Machine {
    /// x86-like: hardware sets A and D.
    Hardware,
    /// No dirty bit: the software strategy.
    SoftwareOnly,
    /// RISC-V Svade: faults on a clear A or D bit.
    Svade,
}

const MACHINES: [Machine; 3] = [Machine::Hardware, Machine::SoftwareOnly, Machine::Svade];
const POLICIES: [Policy; 3] = [Policy::NoCache, Policy::AlwaysZero, Policy::DirtyTracking];

fn engine_on(machine_kind: Machine, config: Config) -> Engine {
    let detection = match machine_kind {
        Machine::SoftwareOnly => DirtyDetection::SoftwareOnly,
        Machine::Hardware | Machine::Svade => DirtyDetection::Hardware,
    };
    let mut shape = SimConfig::new(FrameCount(FRAMES), detection);
    if let Machine::Svade = machine_kind {
        shape = shape.with_accessed_dirty_updates(AccessedDirtyUpdates::Software);
    }
    let (mmu, frames) = machine(shape);
    LargeAllocator::new(mmu, frames, config).unwrap()
}

fn config(policy: Policy) -> Config {
    let range = VirtRange::new(VirtAddr(BASE), PageCount(RANGE_PAGES)).unwrap();
    Config::new(range)
        .with_policy(policy)
        .with_threshold(PAGE_SIZE)
        .with_cache_limits(CacheLimits {
            max_entries: 4,
            max_entry_bytes: 8 * LARGE_PAGE_SIZE,
            max_total_bytes: 12 * LARGE_PAGE_SIZE,
        })
}

fn engine(policy: Policy) -> Engine {
    engine_on(Machine::Hardware, config(policy))
}

fn at(ptr: VirtAddr, page: u64) -> VirtAddr {
    VirtAddr(ptr.as_u64() + page * PAGE_SIZE)
}

/// Reads one byte of each of `pages` pages from `ptr`, all zero.
fn read_every_page(engine: &mut Engine, ptr: VirtAddr, pages: u64) {
    for page in 0..pages {
        assert_eq!(read_byte(engine, at(ptr, page)), Ok(0), "page {page}");
    }
}

/// The large zero frame is zero, never writable, never behind a 4 KiB entry.
fn assert_large_zero_intact(engine: &Engine) {
    let large = engine.large_zero_page().expect("a large zero page");
    assert_eq!(engine.mmu().small_mappings_into(large), 0);
    for offset in 0..PAGES_PER_LARGE_PAGE {
        let frame = FrameNumber(large.0 + offset);
        assert_eq!(engine.mmu().writable_mappings_of(frame), 0);
        let bytes = engine.mmu().frame_bytes(frame).unwrap();
        assert!(bytes.iter().all(|&byte| byte == 0), "frame {frame:?}");
    }
    assert_eq!(engine.mmu().counters().stale_translations, 0);
}

/// Frames held besides the two zero pages.
fn data_frames(engine: &Engine) -> u64 {
    engine.frames().in_use() - 1 - PAGES_PER_LARGE_PAGE
}

#[test]
fn one_read_fault_maps_a_whole_aligned_stretch_and_every_byte_reads_zero() {
    let mut engine = engine(Policy::NoCache);
    let large = engine.large_zero_page().unwrap();
    assert_eq!(large.0 % PAGES_PER_LARGE_PAGE, 0, "2 MiB aligned");
    let ptr = engine.calloc(3, LARGE_PAGE_SIZE).unwrap();
    read_every_page(&mut engine, ptr, 3 * PAGES_PER_LARGE_PAGE);
    let stats = engine.stats();
    assert_eq!((stats.read_faults, stats.large_zero_page_mappings), (3, 3));
    assert_eq!((stats.zero_page_mappings, stats.frames_in_use), (0, 0));
    assert_eq!(engine.mmu().large_mappings(), 3);
    assert!(reads_zero(&mut engine, ptr, 3 * LARGE_PAGE_SIZE).unwrap());
    let entry = engine.mmu().entry(Page::containing(at(ptr, 700))).unwrap();
    assert!(entry.large && !entry.writable);
    assert_eq!(entry.frame, large);
    assert_large_zero_intact(&engine);
    engine.free(ptr).unwrap();
    assert_eq!(engine.mmu().mapped_pages(), 0);
    assert_eq!(data_frames(&engine), 0);
}

#[test]
fn freeing_a_large_stretch_unmaps_it_once_and_skips_its_other_pages() {
    let mut engine = engine(Policy::NoCache);
    let ptr = engine.calloc(2, LARGE_PAGE_SIZE).unwrap();
    read_every_page(&mut engine, ptr, 2 * PAGES_PER_LARGE_PAGE);
    // A write in the second stretch: 512 4 KiB entries there.
    write_byte(&mut engine, at(ptr, PAGES_PER_LARGE_PAGE + 3), 1).unwrap();
    let before = engine.mmu().counters();
    engine.free(ptr).unwrap();
    let spent = engine.mmu().counters().since(&before);
    assert_eq!(spent.unmap_calls, 1 + PAGES_PER_LARGE_PAGE);
    assert_eq!(spent.unmaps, 1 + PAGES_PER_LARGE_PAGE);
    assert_eq!(engine.mmu().mapped_pages(), 0);
}

#[test]
fn reading_100_mib_takes_50_faults_instead_of_25_600() {
    let range = VirtRange::new(VirtAddr(BASE), PageCount(26_000)).unwrap();
    let faults = |large: bool| {
        let config = Config::new(range)
            .with_policy(Policy::NoCache)
            .with_large_zero_page(large);
        let mut engine = engine_on(Machine::Hardware, config);
        let ptr = engine.calloc(100, 1 << 20).unwrap();
        read_every_page(&mut engine, ptr, 25_600);
        engine.stats().faults()
    };
    assert_eq!((faults(true), faults(false)), (50, 25_600));
}

#[test]
fn a_first_write_splits_the_stretch_and_only_the_written_page_gets_a_frame() {
    for machine_kind in MACHINES {
        let mut engine = engine_on(machine_kind, config(Policy::NoCache));
        let ptr = engine.calloc(2, LARGE_PAGE_SIZE).unwrap();
        assert_eq!(read_byte(&mut engine, at(ptr, 5)), Ok(0));
        write_byte(&mut engine, VirtAddr(at(ptr, 7).as_u64() + 9), 42).unwrap();
        let stats = engine.stats();
        assert_eq!(stats.large_zero_page_splits, 1, "{machine_kind:?}");
        assert_eq!((stats.cow_faults, stats.frames_in_use), (1, 1));
        assert_eq!(stats.zero_page_mappings, PAGES_PER_LARGE_PAGE);
        assert_eq!(stats.pages_zeroed_on_fault, 1);
        assert_eq!(data_frames(&engine), 1);
        assert_eq!(engine.mmu().large_mappings(), 0);
        assert_eq!(engine.mmu().mapped_pages() as u64, PAGES_PER_LARGE_PAGE);
        for page in 0..PAGES_PER_LARGE_PAGE {
            let entry = engine.mmu().entry(Page::containing(at(ptr, page))).unwrap();
            assert!(!entry.large);
            if page == 7 {
                assert!(entry.writable && entry.frame != engine.zero_page());
            } else {
                assert_eq!((entry.frame, entry.writable), (engine.zero_page(), false));
            }
        }
        assert_eq!(
            read_byte(&mut engine, VirtAddr(at(ptr, 7).as_u64() + 9)),
            Ok(42)
        );
        assert_eq!(read_byte(&mut engine, at(ptr, 8)), Ok(0));
        // The second stretch was never touched, and reads as a whole again.
        assert_eq!(read_byte(&mut engine, at(ptr, 600)), Ok(0));
        assert_eq!(engine.stats().large_zero_page_mappings, 2);
        assert_large_zero_intact(&engine);
        engine.free(ptr).unwrap();
        assert_eq!(data_frames(&engine), 0);
        assert_eq!(engine.mmu().mapped_pages(), 0);
    }
}

#[test]
fn a_stretch_with_a_mapped_page_and_a_partial_stretch_get_the_4_kib_zero_page() {
    let mut engine = engine(Policy::NoCache);
    // One page past 2 MiB: the second stretch leaves the region.
    let ptr = engine.calloc(PAGES_PER_LARGE_PAGE + 1, PAGE_SIZE).unwrap();
    write_byte(&mut engine, at(ptr, 3), 1).unwrap();
    assert_eq!(read_byte(&mut engine, at(ptr, 4)), Ok(0));
    assert_eq!(read_byte(&mut engine, at(ptr, PAGES_PER_LARGE_PAGE)), Ok(0));
    let stats = engine.stats();
    assert_eq!(stats.large_zero_page_mappings, 0);
    assert_eq!((stats.read_faults, stats.zero_page_mappings), (2, 2));
    assert_eq!(engine.mmu().large_mappings(), 0);
}

#[test]
fn switched_off_or_without_mmu_support_the_engine_keeps_the_4_kib_zero_page() {
    let off = engine_on(
        Machine::Hardware,
        config(Policy::NoCache).with_large_zero_page(false),
    );
    assert_eq!(off.large_zero_page(), None);
    assert_eq!(off.frames().in_use(), 1);
    let shape =
        SimConfig::new(FrameCount(FRAMES), DirtyDetection::Hardware).with_large_pages(false);
    let (mmu, frames) = machine(shape);
    let mut plain: Engine = LargeAllocator::new(mmu, frames, config(Policy::NoCache)).unwrap();
    assert_eq!(plain.large_zero_page(), None);
    let ptr = plain.calloc(1, LARGE_PAGE_SIZE).unwrap();
    assert_eq!(read_byte(&mut plain, ptr), Ok(0));
    assert_eq!(plain.stats().zero_page_mappings, 1);
    assert!(!plain.set_large_zero_page(true), "nothing to switch on");
}

#[test]
fn switched_off_at_run_time_reads_take_the_4_kib_zero_page_and_old_stretches_still_split() {
    let mut engine = engine(Policy::NoCache);
    let frame = engine.large_zero_page();
    let ptr = engine.calloc(2, LARGE_PAGE_SIZE).unwrap();
    assert_eq!(read_byte(&mut engine, ptr), Ok(0));
    assert!(!engine.set_large_zero_page(false));
    assert_eq!(engine.large_zero_page(), None);
    assert_eq!(read_byte(&mut engine, at(ptr, PAGES_PER_LARGE_PAGE)), Ok(0));
    let stats = engine.stats();
    assert_eq!(
        (stats.large_zero_page_mappings, stats.zero_page_mappings),
        (1, 1)
    );
    write_byte(&mut engine, at(ptr, 1), 1).unwrap();
    assert_eq!(engine.stats().large_zero_page_splits, 1);
    assert!(engine.set_large_zero_page(true));
    assert_eq!(engine.large_zero_page(), frame);
}

#[test]
fn a_split_without_a_page_table_drops_the_large_entry_and_still_writes() {
    let mut engine = engine(Policy::NoCache);
    let ptr = engine.calloc(1, LARGE_PAGE_SIZE).unwrap();
    assert_eq!(read_byte(&mut engine, ptr), Ok(0));
    engine.mmu_mut().fail_split(0);
    write_byte(&mut engine, at(ptr, 2), 5).unwrap();
    let stats = engine.stats();
    assert_eq!((stats.large_zero_page_splits, stats.cow_faults), (0, 1));
    assert_eq!(engine.mmu().mapped_pages(), 1, "only the written page");
    assert!(reads_zero(&mut engine, at(ptr, 3), LARGE_PAGE_SIZE - 3 * PAGE_SIZE).unwrap());
    assert_eq!(read_byte(&mut engine, at(ptr, 2)), Ok(5));
    assert_large_zero_intact(&engine);
}

/// calloc, read it all, write `written` pages, free; `rounds` times. Every
/// calloc must read zero everywhere, whatever the policy did.
fn rounds(engine: &mut Engine, written: &[u64], rounds: u64) -> VirtAddr {
    let mut last = VirtAddr(0);
    for round in 0..rounds {
        let ptr = engine.calloc(2, LARGE_PAGE_SIZE).unwrap();
        assert!(
            reads_zero(engine, ptr, 2 * LARGE_PAGE_SIZE).unwrap(),
            "round {round}"
        );
        read_every_page(engine, ptr, 2 * PAGES_PER_LARGE_PAGE);
        for &page in written {
            write_byte(engine, at(ptr, page), 0x5a).unwrap();
        }
        engine.free(ptr).unwrap();
        last = ptr;
    }
    last
}

#[test]
fn every_policy_and_strategy_reads_zero_across_splits_and_reuse() {
    for machine_kind in MACHINES {
        for policy in POLICIES {
            let mut engine = engine_on(machine_kind, config(policy));
            rounds(&mut engine, &[1, 700], 3);
            assert_large_zero_intact(&engine);
            engine.drain_cache().unwrap();
            assert_eq!(data_frames(&engine), 0, "{machine_kind:?} {policy:?}");
            assert_eq!(engine.stats().frames_in_use, 0);
            assert_eq!(engine.mmu().mapped_pages(), 0);
        }
    }
}

#[test]
fn dirty_tracking_reuse_of_a_read_only_block_zeroes_nothing() {
    for strategy in [DirtyStrategy::Hardware, DirtyStrategy::Software] {
        let mut engine = engine_on(
            Machine::Hardware,
            config(Policy::DirtyTracking).with_dirty_strategy(strategy),
        );
        rounds(&mut engine, &[], 1);
        engine.reset_counters();
        rounds(&mut engine, &[], 2);
        let stats = engine.stats();
        assert_eq!(stats.cache_hits, 2);
        assert_eq!(stats.pages_zeroed(), 0, "{strategy:?}");
        assert_eq!(stats.faults(), 0, "the large entries stay mapped");
        assert_eq!(engine.mmu().large_mappings(), 2);
        // A write now splits; the next reuse zeroes exactly that page.
        let ptr = engine.calloc(2, LARGE_PAGE_SIZE).unwrap();
        write_byte(&mut engine, at(ptr, 600), 3).unwrap();
        engine.free(ptr).unwrap();
        engine.reset_counters();
        let again = engine.calloc(2, LARGE_PAGE_SIZE).unwrap();
        assert_eq!(again, ptr);
        assert_eq!(engine.stats().pages_zeroed_on_reuse, 1, "{strategy:?}");
        assert_eq!(read_byte(&mut engine, at(ptr, 600)), Ok(0));
        assert_eq!(engine.mmu().large_mappings(), 1);
        assert_large_zero_intact(&engine);
    }
}

#[test]
fn always_zero_reuse_splits_and_zeroes_every_page() {
    let mut engine = engine(Policy::AlwaysZero);
    rounds(&mut engine, &[], 1);
    assert_eq!(engine.mmu().large_mappings(), 2);
    engine.reset_counters();
    let ptr = engine.calloc(2, LARGE_PAGE_SIZE).unwrap();
    let stats = engine.stats();
    assert_eq!(stats.pages_zeroed_on_reuse, 2 * PAGES_PER_LARGE_PAGE);
    assert_eq!(stats.large_zero_page_splits, 2);
    assert_eq!(stats.frames_in_use, 2 * PAGES_PER_LARGE_PAGE);
    assert!(reads_zero(&mut engine, ptr, 2 * LARGE_PAGE_SIZE).unwrap());
    assert_large_zero_intact(&engine);
}

#[test]
fn eviction_and_trimming_release_large_entries_without_freeing_the_frame() {
    let mut engine = engine(Policy::DirtyTracking);
    let ptr = engine.calloc(4, LARGE_PAGE_SIZE).unwrap();
    read_every_page(&mut engine, ptr, 4 * PAGES_PER_LARGE_PAGE);
    engine.free(ptr).unwrap();
    // A smaller request trims the cached block in the middle of a stretch.
    let kept = 3 * PAGES_PER_LARGE_PAGE + 100;
    let trimmed = engine.calloc(kept, PAGE_SIZE).unwrap();
    assert_eq!(trimmed, ptr);
    assert_eq!(engine.mmu().large_mappings(), 3);
    assert!(reads_zero(&mut engine, ptr, kept * PAGE_SIZE).unwrap());
    assert_eq!(engine.stats().frames_in_use, 0);
    engine.free(trimmed).unwrap();
    engine.drain_cache().unwrap();
    assert_eq!(engine.mmu().mapped_pages(), 0);
    assert_eq!(data_frames(&engine), 0);
    assert_large_zero_intact(&engine);
}

#[test]
fn trimming_inside_a_stretch_releases_it_and_every_stretch_after() {
    let mut engine = engine(Policy::DirtyTracking);
    let ptr = engine.calloc(3, LARGE_PAGE_SIZE).unwrap();
    // Stretches 1 and 2 read from their middle, stretch 0 left alone.
    assert_eq!(read_byte(&mut engine, at(ptr, 600)), Ok(0));
    assert_eq!(read_byte(&mut engine, at(ptr, 1100)), Ok(0));
    assert_eq!(engine.mmu().large_mappings(), 2);
    engine.free(ptr).unwrap();
    // 800 of 1536 pages: the cached block is trimmed inside stretch 1.
    let trimmed = engine.calloc(800, PAGE_SIZE).unwrap();
    assert_eq!(trimmed, ptr);
    assert_eq!(engine.mmu().large_mappings(), 0, "both stretches released");
    assert!(engine.mmu().entry(Page::containing(at(ptr, 900))).is_none());
    assert!(reads_zero(&mut engine, ptr, 800 * PAGE_SIZE).unwrap());
    assert_eq!(engine.stats().frames_in_use, 0);
    assert_large_zero_intact(&engine);
}

#[test]
fn realloc_moves_written_pages_and_leaves_the_large_zero_page_behind() {
    let mut engine = engine(Policy::NoCache);
    let ptr = engine.calloc(2, LARGE_PAGE_SIZE).unwrap();
    read_every_page(&mut engine, ptr, 2 * PAGES_PER_LARGE_PAGE);
    write_byte(&mut engine, at(ptr, 600), 77).unwrap();
    let neighbour = engine.calloc(1, LARGE_PAGE_SIZE).unwrap();
    let moved = engine.realloc(ptr, 3 * LARGE_PAGE_SIZE).unwrap();
    assert_ne!(moved, ptr);
    assert_eq!(read_byte(&mut engine, at(moved, 600)), Ok(77));
    assert!(reads_zero(&mut engine, moved, 600 * PAGE_SIZE).unwrap());
    assert_eq!(engine.stats().frames_in_use, 1);
    assert_large_zero_intact(&engine);
    engine.free(moved).unwrap();
    engine.free(neighbour).unwrap();
    assert_eq!(engine.mmu().mapped_pages(), 0);
    assert_eq!(data_frames(&engine), 0);
}
