//! An MMU that faults instead of setting the accessed and dirty bits
//! (RISC-V Svade), under every policy and both dirty strategies.
//!
//! On such an MMU an access through an entry with A clear, or a store
//! through a writable entry with D clear, faults although the entry allows
//! it. The engine presets the bits where it can and sets them on the fault
//! where it cannot (after re-arming a page), so every access makes progress
//! and the dirty-tracking cache still sees every write. The model tests
//! (`model_invariants.rs`) run random sequences on this MMU too; these tests
//! pin the counts of one simple sequence.

use pristine_allocator::sim::{SimConfig, SimFrames, SimMmu, machine, read_byte, write_byte};
use pristine_allocator::{
    AccessedDirtyUpdates, CacheLimits, Config, DirtyDetection, DirtyStrategy, FrameCount,
    LargeAllocator, PAGE_SIZE, Page, PageCount, Policy, VirtAddr, VirtRange,
};

type Engine = LargeAllocator<SimMmu, SimFrames>;

/// Pages per block.
const PAGES: u64 = 8;
/// Rounds of calloc, write, read, free.
const ROUNDS: u64 = 4;

fn svade_engine(policy: Policy, strategy: DirtyStrategy) -> Engine {
    let range = VirtRange::new(VirtAddr(0x7000_0000), PageCount(256)).unwrap();
    let config = Config::new(range)
        .with_policy(policy)
        .with_dirty_strategy(strategy)
        .with_threshold(PAGE_SIZE)
        .with_cache_limits(CacheLimits {
            max_entries: 4,
            max_entry_bytes: 16 * PAGE_SIZE,
            max_total_bytes: 64 * PAGE_SIZE,
        });
    let machine_config = SimConfig::new(FrameCount(64), DirtyDetection::Hardware)
        .with_accessed_dirty_updates(AccessedDirtyUpdates::Software);
    let (mmu, frames) = machine(machine_config);
    LargeAllocator::new(mmu, frames, config).unwrap()
}

fn at(block: VirtAddr, page: u64) -> VirtAddr {
    VirtAddr(block.as_u64() + page * PAGE_SIZE)
}

/// Each round: calloc, check that two pages read zero, write one of them
/// and read it back, free.
fn rounds(engine: &mut Engine) {
    for round in 0..ROUNDS {
        let block = engine.calloc(PAGES, PAGE_SIZE).unwrap();
        assert_eq!(read_byte(engine, at(block, 1)), Ok(0), "round {round}");
        assert_eq!(read_byte(engine, at(block, 3)), Ok(0), "round {round}");
        write_byte(engine, at(block, 3), 0x5a).unwrap();
        assert_eq!(read_byte(engine, at(block, 3)), Ok(0x5a));
        engine.free(block).unwrap();
    }
}

#[test]
fn every_policy_and_strategy_makes_progress_on_svade() {
    for policy in Policy::ALL {
        for strategy in [DirtyStrategy::Hardware, DirtyStrategy::Software] {
            let mut engine = svade_engine(policy, strategy);
            rounds(&mut engine);
            let stats = engine.stats();
            assert_eq!(stats.spurious_faults, 0, "{policy:?}/{strategy:?}");
            assert_eq!(engine.mmu().counters().stale_translations, 0);
        }
    }
}

#[test]
fn hardware_strategy_sees_each_rearmed_write_through_one_dirty_bit_fault() {
    let mut engine = svade_engine(Policy::DirtyTracking, DirtyStrategy::Hardware);
    rounds(&mut engine);
    let stats = engine.stats();
    // Round 1 maps fresh frames with A and D preset; every later round
    // writes a re-armed page (D clear) and takes one fault to set D, and
    // its calloc re-zeroes exactly that page.
    assert_eq!(stats.accessed_dirty_faults, ROUNDS - 1);
    assert_eq!(stats.pages_zeroed_on_reuse, ROUNDS - 1);
    assert_eq!(stats.tracked_write_faults, 0);
}

#[test]
fn software_strategy_presets_dirty_when_it_tracks_a_write() {
    let mut engine = svade_engine(Policy::DirtyTracking, DirtyStrategy::Software);
    rounds(&mut engine);
    let stats = engine.stats();
    // The write faults on the write-protected page once per later round;
    // making it writable sets D too, so no second fault follows.
    assert_eq!(stats.tracked_write_faults, ROUNDS - 1);
    assert_eq!(stats.accessed_dirty_faults, 0);
    assert_eq!(stats.pages_zeroed_on_reuse, ROUNDS - 1);
}

#[test]
fn new_entries_have_the_accessed_and_dirty_bits_preset() {
    let mut engine = svade_engine(Policy::NoCache, DirtyStrategy::Hardware);
    let block = engine.calloc(2, PAGE_SIZE).unwrap();
    assert_eq!(read_byte(&mut engine, block), Ok(0));
    let zero = engine.mmu().entry(Page::containing(block)).unwrap();
    assert!(zero.accessed && !zero.writable);
    write_byte(&mut engine, at(block, 1), 5).unwrap();
    let written = engine.mmu().entry(Page::containing(at(block, 1))).unwrap();
    assert!(written.accessed && written.dirty && written.writable);
    write_byte(&mut engine, block, 6).unwrap();
    let stats = engine.stats();
    assert_eq!((stats.read_faults, stats.cow_faults), (1, 2));
    assert_eq!(stats.accessed_dirty_faults, 0, "the presets avoid them");
}
