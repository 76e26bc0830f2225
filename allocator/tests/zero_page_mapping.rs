//! Eager versus lazy zero-page mapping, counted on the simulator.
//!
//! These tests pin the numbers in the `zero_page` module docs: for one
//! region of `N` pages, how many faults and page-table operations (map,
//! unmap, protect, TLB flush) each access pattern costs under each choice.

use pristine_allocator::sim::{SimConfig, SimFrames, SimMmu, machine, read_byte, write_byte};
use pristine_allocator::{
    Config, DirtyDetection, FrameCount, LargeAllocator, PAGE_SIZE, PageCount, Policy, VirtAddr,
    VirtRange, ZeroPageMapping,
};

/// Pages in the measured region.
const N: u64 = 64;

type Engine = LargeAllocator<SimMmu, SimFrames>;

/// What one pattern cost.
#[derive(Debug, PartialEq, Eq)]
struct Cost {
    faults: u64,
    ops: u64,
}

#[derive(Clone, Copy)]
enum Pattern {
    Untouched,
    ReadAll,
    WriteAll,
    ReadThenWriteAll,
}

fn engine(mapping: ZeroPageMapping) -> Engine {
    let range = VirtRange::new(VirtAddr(0x10_0000_0000), PageCount(4 * N)).unwrap();
    let config = Config::new(range)
        .with_policy(Policy::NoCache)
        .with_threshold(PAGE_SIZE)
        .with_zero_page_mapping(mapping);
    let (mmu, frames) = machine(SimConfig::new(FrameCount(N + 1), DirtyDetection::Hardware));
    LargeAllocator::new(mmu, frames, config).unwrap()
}

fn cost(mapping: ZeroPageMapping, pattern: Pattern) -> Cost {
    let mut engine = engine(mapping);
    let ptr = engine.calloc(N, PAGE_SIZE).unwrap();
    for page in 0..N {
        let addr = VirtAddr(ptr.as_u64() + page * PAGE_SIZE);
        if matches!(pattern, Pattern::ReadAll | Pattern::ReadThenWriteAll) {
            assert_eq!(read_byte(&mut engine, addr), Ok(0));
        }
        if matches!(pattern, Pattern::WriteAll | Pattern::ReadThenWriteAll) {
            write_byte(&mut engine, addr, 1).unwrap();
        }
    }
    engine.free(ptr).unwrap();
    let stats = engine.stats();
    assert_eq!(engine.frames().in_use(), 1);
    Cost {
        faults: stats.read_faults + stats.cow_faults + stats.spurious_faults,
        ops: engine.mmu().counters().page_table_ops(),
    }
}

#[test]
fn untouched_region_is_free_when_lazy_and_costs_3n_when_eager() {
    assert_eq!(
        cost(ZeroPageMapping::Lazy, Pattern::Untouched),
        Cost { faults: 0, ops: 0 }
    );
    let eager = cost(ZeroPageMapping::Eager, Pattern::Untouched);
    assert_eq!(
        eager,
        Cost {
            faults: 0,
            ops: 3 * N
        }
    );
}

#[test]
fn read_only_use_trades_n_faults_for_nothing() {
    let lazy = cost(ZeroPageMapping::Lazy, Pattern::ReadAll);
    assert_eq!(
        lazy,
        Cost {
            faults: N,
            ops: 3 * N
        }
    );
    let eager = cost(ZeroPageMapping::Eager, Pattern::ReadAll);
    assert_eq!(
        eager,
        Cost {
            faults: 0,
            ops: 3 * N
        }
    );
}

#[test]
fn written_region_costs_twice_the_ops_when_eager() {
    let lazy = cost(ZeroPageMapping::Lazy, Pattern::WriteAll);
    assert_eq!(
        lazy,
        Cost {
            faults: N,
            ops: 3 * N
        }
    );
    let eager = cost(ZeroPageMapping::Eager, Pattern::WriteAll);
    assert_eq!(
        eager,
        Cost {
            faults: N,
            ops: 6 * N
        }
    );
}

#[test]
fn read_then_written_region_costs_the_same_ops_either_way() {
    let lazy = cost(ZeroPageMapping::Lazy, Pattern::ReadThenWriteAll);
    assert_eq!(
        lazy,
        Cost {
            faults: 2 * N,
            ops: 6 * N
        }
    );
    let eager = cost(ZeroPageMapping::Eager, Pattern::ReadThenWriteAll);
    assert_eq!(
        eager,
        Cost {
            faults: N,
            ops: 6 * N
        }
    );
}
