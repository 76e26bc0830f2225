//! Runs an operation sequence on a simulated engine beside the model and
//! checks one invariant after every step.
//!
//! Whatever the invariant, every step also checks that loads agree with the
//! model (so every access made progress: the simulated CPU gives up on an
//! access that keeps faulting), that errors are the documented ones, that
//! the simulator never used a stale translation and the engine never saw a
//! spurious fault, that the zero page is never mapped writable, and that
//! nothing but a `calloc` served from the cache zeroed a mapped page
//! (through its mapping or through the direct map).

use pristine_allocator::sim::{SimCounters, read_byte, reads_zero, write_byte};
use pristine_allocator::{Adaptation, AllocError, DirtyDetection, Policy, VirtAddr};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use super::ops::{Op, PAGE};
use super::reference::{Allocation, Model, pages};
use super::setup::{Engine, Invariant, UPDATES, adaptations, engine};

/// Runs `ops` on each combination in `combos` and checks `invariant`.
pub fn run_all(
    ops: &[Op],
    eager: bool,
    invariant: Invariant,
    combos: &[(Policy, DirtyDetection)],
) -> Result<(), TestCaseError> {
    for &(policy, dirty) in combos {
        for updates in UPDATES {
            for &adaptation in adaptations(policy) {
                let mut run = Run {
                    engine: engine(policy, dirty, updates, adaptation, eager),
                    model: Model::default(),
                    invariant,
                };
                let combo = format!("{policy:?}/{dirty:?}/A-D {updates:?}/{adaptation}");
                for op in ops {
                    run.step(op)
                        .map_err(|err| TestCaseError::fail(format!("{combo}: {op:?}: {err}")))?;
                }
                run.finish()
                    .map_err(|err| TestCaseError::fail(format!("{combo} at the end: {err}")))?;
            }
        }
    }
    Ok(())
}

struct Run {
    engine: Engine,
    model: Model,
    invariant: Invariant,
}

/// What one `calloc` zeroed: the engine's count, the simulator's log of
/// mapped pages zeroed, and the simulator's counts by route.
struct Zeroing {
    reused: u64,
    pages: Vec<u64>,
    counters: SimCounters,
}

/// The error a size must give, if any (below the threshold, or zero).
fn size_error(bytes: u64) -> Option<AllocError> {
    match bytes {
        0 => Some(AllocError::ZeroSize),
        small if small < PAGE => Some(AllocError::BelowThreshold {
            size: small,
            threshold: PAGE,
        }),
        _ => None,
    }
}

fn is_shortage(err: &AllocError) -> bool {
    matches!(
        err,
        AllocError::OutOfVirtualSpace | AllocError::RegionTableFull | AllocError::OutOfFrames
    )
}

impl Run {
    fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match *op {
            Op::Calloc { count, size } => self.calloc(count, size)?,
            Op::Malloc { size } => self.malloc(size)?,
            Op::Write {
                slot,
                offset,
                value,
            } => self.write(slot, offset, value)?,
            Op::WriteEveryPage {
                slot,
                offset,
                value,
            } => self.write_every_page(slot, offset, value)?,
            Op::Read { slot, offset } => self.read(slot, offset)?,
            Op::Realloc { slot, size } => self.realloc(slot, size)?,
            Op::Free { slot } => self.free(slot)?,
            Op::FreeAgain { nth } => self.free_again(nth)?,
            Op::FreeInside { slot, offset } => self.free_inside(slot, offset)?,
        }
        self.check_after_step()
    }

    fn check_after_step(&mut self) -> Result<(), TestCaseError> {
        let zeroed = self.engine.mmu_mut().take_zeroed_pages();
        prop_assert!(
            zeroed.is_empty(),
            "pages zeroed outside a calloc: {zeroed:?}"
        );
        prop_assert_eq!(self.engine.mmu().counters().stale_translations, 0);
        prop_assert_eq!(self.engine.stats().spurious_faults, 0);
        let zero_page = self.engine.zero_page();
        prop_assert_eq!(self.engine.mmu().writable_mappings_of(zero_page), 0);
        if self.invariant == Invariant::FrameAccounting {
            let held = self.engine.stats().frames_in_use;
            prop_assert_eq!(self.engine.frames().in_use(), 1 + held);
        }
        Ok(())
    }

    fn calloc(&mut self, count: u64, size: u64) -> Result<(), TestCaseError> {
        let expected = match count.checked_mul(size) {
            None => Some(AllocError::Overflow),
            Some(bytes) => size_error(bytes),
        };
        let before = self.engine.stats();
        let counters = self.engine.mmu().counters();
        let addr = match (self.engine.calloc(count, size), expected) {
            (Ok(addr), None) => addr.as_u64(),
            (Err(err), Some(want)) => return expect_eq(err, want),
            (Err(err), None) => return expect_shortage(err),
            (Ok(addr), Some(want)) => {
                return Err(TestCaseError::fail(format!("{addr} instead of {want:?}")));
            }
        };
        let bytes = count * size;
        let hit = self.engine.stats().cache_hits > before.cache_hits;
        let zeroing = Zeroing {
            reused: self.engine.stats().pages_zeroed_on_reuse - before.pages_zeroed_on_reuse,
            pages: self
                .engine
                .mmu_mut()
                .take_zeroed_pages()
                .iter()
                .map(|page| page.number())
                .collect(),
            counters: self.engine.mmu().counters().since(&counters),
        };
        self.check_calloc(addr, bytes, hit, &zeroing)?;
        self.model.forget_pages(addr, pages(bytes));
        self.model.live.push(Allocation::new(addr, bytes, true));
        Ok(())
    }

    fn check_calloc(
        &mut self,
        addr: u64,
        bytes: u64,
        hit: bool,
        zeroing: &Zeroing,
    ) -> Result<(), TestCaseError> {
        let count = pages(bytes);
        let policy = self.engine.policy();
        match self.invariant {
            Invariant::CallocReadsZero => {
                prop_assert_eq!(
                    reads_zero(&mut self.engine, VirtAddr(addr), bytes),
                    Ok(true)
                );
            }
            Invariant::NoLeakIntoCalloc => {
                let earlier: Vec<u64> = self
                    .model
                    .history
                    .range(addr..addr + bytes)
                    .map(|(&a, _)| a)
                    .collect();
                for at in earlier {
                    prop_assert_eq!(
                        read_byte(&mut self.engine, VirtAddr(at)),
                        Ok(0),
                        "old byte at {:#x}",
                        at
                    );
                }
            }
            Invariant::DirtyTrackingExact if policy == Policy::DirtyTracking => {
                let expected = if hit {
                    self.model.written_pages(addr, count)
                } else {
                    Vec::new()
                };
                let mut zeroed = zeroing.pages.clone();
                zeroed.sort_unstable();
                if self.engine.config().adaptation == Adaptation::Off {
                    prop_assert_eq!(&zeroed, &expected);
                    // Through the direct map only: no write through the mapping.
                    prop_assert_eq!(zeroing.counters.pages_zeroed_through_mapping, 0);
                } else {
                    // Adaptive: a whole re-zero may zero more, never less,
                    // and only pages of the allocation.
                    let first = addr / PAGE;
                    prop_assert!(expected.iter().all(|page| zeroed.contains(page)));
                    prop_assert!(
                        zeroed
                            .iter()
                            .all(|page| (first..first + count).contains(page))
                    );
                    prop_assert!(hit || zeroed.is_empty());
                }
                // The engine's count is the simulator's log, page for page.
                prop_assert_eq!(zeroing.reused, zeroed.len() as u64);
            }
            Invariant::AlwaysZeroEveryHit if policy == Policy::AlwaysZero => {
                let first = addr / PAGE;
                let expected: Vec<u64> = if hit {
                    (first..first + count).collect()
                } else {
                    Vec::new()
                };
                prop_assert_eq!(&zeroing.pages, &expected);
                prop_assert_eq!(zeroing.reused, if hit { count } else { 0 });
                // Through the mapping, as libmalloc's memset does.
                let through = zeroing.counters.pages_zeroed_through_mapping;
                prop_assert_eq!(through, if hit { count } else { 0 });
                prop_assert_eq!(zeroing.counters.pages_zeroed_through_direct_map, 0);
            }
            _ => {}
        }
        Ok(())
    }

    fn malloc(&mut self, size: u64) -> Result<(), TestCaseError> {
        let before = self.engine.stats();
        let addr = match (self.engine.malloc(size), size_error(size)) {
            (Ok(addr), None) => addr.as_u64(),
            (Err(err), Some(want)) => return expect_eq(err, want),
            (Err(err), None) => return expect_shortage(err),
            (Ok(addr), Some(want)) => {
                return Err(TestCaseError::fail(format!("{addr} instead of {want:?}")));
            }
        };
        if self.engine.stats().cache_hits == before.cache_hits {
            self.model.forget_pages(addr, pages(size));
        }
        self.model.live.push(Allocation::new(addr, size, false));
        Ok(())
    }

    fn write(&mut self, slot: usize, offset: u64, value: u8) -> Result<(), TestCaseError> {
        let Some(index) = self.model.pick(slot) else {
            return Ok(());
        };
        let allocation = &self.model.live[index];
        let offset = offset % allocation.len;
        let addr = VirtAddr(allocation.addr + offset);
        prop_assert_eq!(write_byte(&mut self.engine, addr, value), Ok(()));
        self.model.store(index, offset, value);
        Ok(())
    }

    fn write_every_page(
        &mut self,
        slot: usize,
        offset: u64,
        value: u8,
    ) -> Result<(), TestCaseError> {
        let Some(index) = self.model.pick(slot) else {
            return Ok(());
        };
        let allocation = &self.model.live[index];
        let offsets: Vec<u64> = (0..allocation.pages())
            .map(|page| page * PAGE + offset % PAGE)
            .filter(|&at| at < allocation.len)
            .collect();
        for at in offsets {
            let addr = VirtAddr(self.model.live[index].addr + at);
            prop_assert_eq!(write_byte(&mut self.engine, addr, value), Ok(()));
            self.model.store(index, at, value);
        }
        Ok(())
    }

    fn read(&mut self, slot: usize, offset: u64) -> Result<(), TestCaseError> {
        let Some(index) = self.model.pick(slot) else {
            return Ok(());
        };
        let allocation = &self.model.live[index];
        let offset = offset % allocation.len;
        let expected = allocation.expected(offset);
        let got = read_byte(&mut self.engine, VirtAddr(allocation.addr + offset));
        prop_assert!(got.is_ok(), "read faulted: {got:?}");
        if let (Some(want), Ok(got)) = (expected, got) {
            prop_assert_eq!(got, want, "byte {} of {:#x}", offset, allocation.addr);
        }
        Ok(())
    }

    fn realloc(&mut self, slot: usize, size: u64) -> Result<(), TestCaseError> {
        let Some(index) = self.model.pick(slot) else {
            return Ok(());
        };
        let old = self.model.live[index].clone();
        let new = match (
            self.engine.realloc(VirtAddr(old.addr), size),
            size_error(size),
        ) {
            (Ok(addr), None) => addr.as_u64(),
            (Err(err), Some(want)) => return expect_eq(err, want),
            (Err(err), None) => return expect_shortage(err),
            (Ok(addr), Some(want)) => {
                return Err(TestCaseError::fail(format!("{addr} instead of {want:?}")));
            }
        };
        let (old_pages, new_pages) = (old.pages(), pages(size));
        if new == old.addr {
            if new_pages > old_pages {
                self.model
                    .forget_pages(old.addr + old_pages * PAGE, new_pages - old_pages);
            }
        } else {
            self.model.forget_pages(new, new_pages);
            self.model.move_pages(old.addr, new, old_pages);
            self.model.freed.push(old.addr);
        }
        self.model.live[index] = old.resized(new, size);
        Ok(())
    }

    fn free(&mut self, slot: usize) -> Result<(), TestCaseError> {
        let Some(index) = self.model.pick(slot) else {
            return Ok(());
        };
        let allocation = self.model.live.remove(index);
        prop_assert_eq!(self.engine.free(VirtAddr(allocation.addr)), Ok(()));
        self.model.freed.push(allocation.addr);
        Ok(())
    }

    fn free_again(&mut self, nth: usize) -> Result<(), TestCaseError> {
        if self.model.freed.is_empty() {
            return Ok(());
        }
        let addr = self.model.freed[nth % self.model.freed.len()];
        if self.model.is_live(addr) {
            return Ok(());
        }
        let ptr = VirtAddr(addr);
        let cached = self.engine.is_cached(ptr);
        let inside_live = self.model.live.iter().any(|allocation| {
            (allocation.addr..allocation.addr + allocation.pages() * PAGE).contains(&addr)
        });
        match self.engine.free(ptr) {
            Err(AllocError::NotRegionStart(at)) if at == ptr && inside_live => Ok(()),
            Err(AllocError::DoubleFree(at)) if at == ptr && cached => Ok(()),
            Err(AllocError::UnknownPointer(at)) if at == ptr && !cached && !inside_live => Ok(()),
            other => Err(TestCaseError::fail(format!(
                "free again of {ptr}: {other:?}"
            ))),
        }
    }

    fn free_inside(&mut self, slot: usize, offset: u64) -> Result<(), TestCaseError> {
        let Some(index) = self.model.pick(slot) else {
            return Ok(());
        };
        let allocation = &self.model.live[index];
        let span = allocation.pages() * PAGE;
        let inside = VirtAddr(allocation.addr + 1 + offset % (span - 1));
        prop_assert_eq!(
            self.engine.free(inside),
            Err(AllocError::NotRegionStart(inside))
        );
        Ok(())
    }

    fn finish(&mut self) -> Result<(), TestCaseError> {
        if self.invariant != Invariant::FrameAccounting {
            return Ok(());
        }
        for allocation in std::mem::take(&mut self.model.live) {
            prop_assert_eq!(self.engine.free(VirtAddr(allocation.addr)), Ok(()));
        }
        prop_assert_eq!(self.engine.drain_cache(), Ok(()));
        prop_assert_eq!(
            self.engine.frames().in_use(),
            1,
            "only the zero page is left"
        );
        prop_assert_eq!(self.engine.stats().frames_in_use, 0);
        prop_assert_eq!(self.engine.mmu().mapped_pages(), 0);
        Ok(())
    }
}

fn expect_eq(err: AllocError, want: AllocError) -> Result<(), TestCaseError> {
    prop_assert_eq!(err, want);
    Ok(())
}

fn expect_shortage(err: AllocError) -> Result<(), TestCaseError> {
    prop_assert!(is_shortage(&err), "unexpected error {err:?}");
    Ok(())
}
