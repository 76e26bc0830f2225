//! Model tests of copy-on-write sharing (`LargeAllocator::duplicate`):
//! random `calloc`, `malloc`, write, read, `duplicate`, `realloc` and
//! `free` sequences against a reference model of every allocation's bytes,
//! on every policy, both dirty detections, both kinds of accessed/dirty
//! updates (hardware, and RISC-V Svade's faults) and both zero-page
//! mappings, on a machine small enough that the cache evicts and the
//! engine reclaims under pressure.
//!
//! After every operation the page tables are checked against the table of
//! reference counts: a shared frame is mapped at exactly as many pages as
//! its count says and writable at none, an unshared frame at one page at
//! most, and the engine's frame level matches the frame source. At the
//! end every allocation reads what the model says, and freeing everything
//! brings the frames back to the zero page alone.

use std::collections::HashMap;

use pristine_allocator::sim::{SimConfig, SimFrames, SimMmu, machine, read_byte, write_byte};
use pristine_allocator::{
    AccessedDirtyUpdates, AllocError, CacheLimits, Config, DirtyDetection, FrameCount, FrameNumber,
    LargeAllocator, PAGE_SIZE, Page, PageCount, Policy, VirtAddr, VirtRange, ZeroPageMapping,
};
use proptest::prelude::*;

/// The engine under test: 16 region slots.
type Engine = LargeAllocator<SimMmu, SimFrames, 16>;

const BASE: u64 = 0x6000_0000;
const RANGE_PAGES: u64 = 128;
/// The byte offsets within a page that operations use: few, so that writes
/// and reads meet.
const OFFSETS: [u64; 3] = [0, 1, PAGE_SIZE - 1];

/// One step of a sequence.
#[derive(Clone, Debug)]
enum Op {
    Calloc(u64),
    Malloc(u64),
    Write {
        which: usize,
        page: u64,
        offset: usize,
        value: u8,
    },
    Read {
        which: usize,
        page: u64,
        offset: usize,
    },
    Duplicate(usize),
    Realloc(usize, u64),
    Free(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (1u64..6).prop_map(Op::Calloc),
        1 => (1u64..6).prop_map(Op::Malloc),
        6 => (any::<usize>(), 0u64..6, 0usize..3, 1u8..=255)
            .prop_map(|(which, page, offset, value)| Op::Write { which, page, offset, value }),
        2 => (any::<usize>(), 0u64..6, 0usize..3)
            .prop_map(|(which, page, offset)| Op::Read { which, page, offset }),
        4 => any::<usize>().prop_map(Op::Duplicate),
        1 => (any::<usize>(), 1u64..8).prop_map(|(which, pages)| Op::Realloc(which, pages)),
        3 => any::<usize>().prop_map(Op::Free),
    ]
}

/// A live allocation and what the model says each sampled byte holds
/// (`None`: unspecified, after a `malloc`).
struct Allocation {
    ptr: VirtAddr,
    pages: u64,
    bytes: HashMap<(u64, usize), Option<u8>>,
    /// What an unsampled byte reads: `Some(0)` after `calloc`.
    default: Option<u8>,
}

impl Allocation {
    fn new(ptr: VirtAddr, pages: u64, default: Option<u8>) -> Allocation {
        Allocation {
            ptr,
            pages,
            bytes: HashMap::new(),
            default,
        }
    }

    fn expected(&self, page: u64, offset: usize) -> Option<u8> {
        self.bytes
            .get(&(page, offset))
            .copied()
            .unwrap_or(self.default)
    }

    fn address(&self, page: u64, offset: usize) -> VirtAddr {
        VirtAddr(self.ptr.as_u64() + page * PAGE_SIZE + OFFSETS[offset])
    }
}

/// One machine and engine configuration.
#[derive(Clone, Copy, Debug)]
struct Setup {
    policy: Policy,
    dirty: DirtyDetection,
    updates: AccessedDirtyUpdates,
    eager: bool,
    frames: u64,
}

fn engine(setup: Setup) -> Engine {
    let range = VirtRange::new(VirtAddr(BASE), PageCount(RANGE_PAGES)).unwrap();
    let mapping = if setup.eager {
        ZeroPageMapping::Eager
    } else {
        ZeroPageMapping::Lazy
    };
    let config = Config::new(range)
        .with_policy(setup.policy)
        .with_threshold(PAGE_SIZE)
        .with_zero_page_mapping(mapping)
        .with_cache_limits(CacheLimits {
            max_entries: 3,
            max_entry_bytes: 6 * PAGE_SIZE,
            max_total_bytes: 12 * PAGE_SIZE,
        });
    let machine_config = SimConfig::new(FrameCount(setup.frames), setup.dirty)
        .with_accessed_dirty_updates(setup.updates);
    let (mmu, frames) = machine(machine_config);
    LargeAllocator::new(mmu, frames, config).unwrap()
}

/// The page tables agree with the reference counts, and the frame level
/// with the frame source.
fn check_tables(engine: &Engine) -> Result<(), TestCaseError> {
    let mut mappings: HashMap<FrameNumber, (u32, u32)> = HashMap::new();
    for number in 0..RANGE_PAGES {
        let page = Page::containing(VirtAddr(BASE + number * PAGE_SIZE));
        if let Some(entry) = engine.mmu().entry(page) {
            let seen = mappings.entry(entry.frame).or_default();
            seen.0 += 1;
            seen.1 += u32::from(entry.writable);
        }
    }
    let mut shared = 0;
    for (frame, (pages, writable)) in mappings {
        if frame == engine.zero_page() {
            prop_assert_eq!(writable, 0, "the zero page is never writable");
            continue;
        }
        let references = engine.frame_references(frame);
        if references == 0 {
            prop_assert_eq!(pages, 1, "an unshared frame at {} pages", pages);
        } else {
            shared += 1;
            prop_assert_eq!(pages, references, "count of {:?} is not exact", frame);
            prop_assert_eq!(writable, 0, "shared frame {:?} writable", frame);
        }
    }
    // Every counted frame is mapped: the table holds no stale entry.
    prop_assert_eq!(engine.sharing_stats().frames_shared, shared);
    prop_assert_eq!(engine.stats().frames_in_use + 1, engine.frames().in_use());
    prop_assert_eq!(engine.mmu().counters().stale_translations, 0);
    Ok(())
}

fn run(setup: Setup, ops: &[Op]) -> Result<(), TestCaseError> {
    let mut engine = engine(setup);
    let mut live: Vec<Allocation> = Vec::new();
    for op in ops {
        match *op {
            Op::Calloc(pages) | Op::Malloc(pages) => {
                let zeroed = matches!(op, Op::Calloc(_));
                let made = if zeroed {
                    engine.calloc(pages, PAGE_SIZE)
                } else {
                    engine.malloc(pages * PAGE_SIZE)
                };
                if let Ok(ptr) = made {
                    live.push(Allocation::new(ptr, pages, zeroed.then_some(0)));
                }
            }
            Op::Write {
                which,
                page,
                offset,
                value,
            } if !live.is_empty() => {
                let count = live.len();
                let allocation = &mut live[which % count];
                let page = page % allocation.pages;
                let address = allocation.address(page, offset);
                // Out of frames is an outcome: the byte is then unchanged.
                if write_byte(&mut engine, address, value).is_ok() {
                    allocation.bytes.insert((page, offset), Some(value));
                }
            }
            Op::Read {
                which,
                page,
                offset,
            } if !live.is_empty() => {
                let allocation = &live[which % live.len()];
                let page = page % allocation.pages;
                let expected = allocation.expected(page, offset);
                let address = allocation.address(page, offset);
                let read = read_byte(&mut engine, address);
                if let (Some(expected), Ok(read)) = (expected, read) {
                    prop_assert_eq!(read, expected, "at {}", address);
                }
            }
            Op::Duplicate(which) if !live.is_empty() => {
                let original = &live[which % live.len()];
                match engine.duplicate(original.ptr) {
                    Ok(ptr) => {
                        let copy = Allocation {
                            ptr,
                            pages: original.pages,
                            bytes: original.bytes.clone(),
                            default: original.default,
                        };
                        live.push(copy);
                    }
                    // The range or the region table can be full; nothing
                    // else stops a duplicate on this machine.
                    Err(AllocError::OutOfVirtualSpace | AllocError::RegionTableFull) => {}
                    Err(other) => prop_assert!(false, "duplicate failed: {other:?}"),
                }
            }
            Op::Realloc(which, pages) if !live.is_empty() => {
                let index = which % live.len();
                if let Ok(ptr) = engine.realloc(live[index].ptr, pages * PAGE_SIZE) {
                    let allocation = &mut live[index];
                    allocation.ptr = ptr;
                    if pages < allocation.pages {
                        allocation.bytes.retain(|&(page, _), _| page < pages);
                    }
                    // Grown pages read zero after a calloc; a malloc's
                    // stay unspecified.
                    allocation.pages = pages;
                }
            }
            Op::Free(which) if !live.is_empty() => {
                let allocation = live.swap_remove(which % live.len());
                engine.free(allocation.ptr).unwrap();
            }
            _ => {}
        }
        check_tables(&engine)?;
    }
    for allocation in &live {
        for page in 0..allocation.pages {
            for offset in 0..OFFSETS.len() {
                let address = allocation.address(page, offset);
                if let (Some(expected), Ok(read)) = (
                    allocation.expected(page, offset),
                    read_byte(&mut engine, address),
                ) {
                    prop_assert_eq!(read, expected, "at {} in the end", address);
                }
            }
        }
    }
    for allocation in live {
        engine.free(allocation.ptr).unwrap();
    }
    engine.drain_cache().unwrap();
    check_tables(&engine)?;
    prop_assert_eq!(engine.frames().in_use(), 1, "only the zero page is left");
    prop_assert_eq!(engine.sharing_stats().frames_shared, 0);
    prop_assert_eq!(engine.mmu().mapped_pages(), 0);
    Ok(())
}

const POLICIES: [Policy; 3] = [Policy::NoCache, Policy::AlwaysZero, Policy::DirtyTracking];

/// Every combination of policy, dirty detection and accessed/dirty updates.
fn setups(eager: bool, frames: u64) -> impl Iterator<Item = Setup> {
    POLICIES.into_iter().flat_map(move |policy| {
        [DirtyDetection::Hardware, DirtyDetection::SoftwareOnly]
            .into_iter()
            .flat_map(move |dirty| {
                [
                    AccessedDirtyUpdates::Hardware,
                    AccessedDirtyUpdates::Software,
                ]
                .into_iter()
                .map(move |updates| Setup {
                    policy,
                    dirty,
                    updates,
                    eager,
                    frames,
                })
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1_000, ..ProptestConfig::default() })]

    /// Each allocation reads exactly what was written through it (a copy
    /// starts with what its original held), writes on either side of a
    /// duplicate are invisible to the other, every `calloc` reads zero,
    /// reference counts match the page tables, and the frames come back
    /// to the zero page alone: with plenty of frames.
    #[test]
    fn duplicates_read_their_own_writes_and_counts_stay_exact(
        ops in proptest::collection::vec(op(), 1..24),
        eager in any::<bool>(),
    ) {
        for setup in setups(eager, 256) {
            run(setup, &ops).map_err(|failure| {
                TestCaseError::fail(format!("{setup:?}: {failure}"))
            })?;
        }
    }

    /// The same, on a machine of 12 frames: copies and takeovers under
    /// eviction and reclaim, and out-of-frames faults as outcomes.
    #[test]
    fn sharing_stays_exact_under_memory_pressure(
        ops in proptest::collection::vec(op(), 1..24),
        eager in any::<bool>(),
    ) {
        for setup in setups(eager, 12) {
            run(setup, &ops).map_err(|failure| {
                TestCaseError::fail(format!("{setup:?}: {failure}"))
            })?;
        }
    }
}
