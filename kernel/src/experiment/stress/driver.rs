//! The stress loop: random operations under one setup, every read checked.
//!
//! A [`Stress`] runs one setup's share of the operations. Each operation
//! picks its kind (the more blocks are live, the likelier a `free`), a
//! block and a size ([`super::plan`]); it checks the block before it changes
//! it and again after, and writes fresh patterns into most blocks it hands
//! out or resizes. A check reads whole pages: every byte of a heap block,
//! and for a large block its first and last pages, every page holding a
//! pattern and two pages at random ([`Stress::verify`]). At the end every
//! block is checked and freed, the cache drained, and every frame must be
//! back ([`FrameLedger`]). The first problem ends the setup with a
//! [`StressViolation`].

use super::block::{Block, Origin};
use super::operation::{Kind, Operation, Place, violation};
use super::pattern::Content;
use super::plan::{
    Limits, MAX_LIVE_BLOCKS, MAX_LIVE_BYPASS, MAX_LIVE_BYTES, MAX_LIVE_LARGE, Plan, SizeClass,
};
use super::random::Random;
use super::summary::Tally;
use crate::arch::read_timestamp;
use crate::memory::kalloc::{self, KernelAllocError};
use crate::memory::large;
use crate::memory::ledger::FrameLedger;
use alloc::boxed::Box;
use alloc::format;
use alloc::vec::Vec;
use pristine_allocator::{DirtyStrategy, PAGE_SIZE, Policy};
use pristine_records::{StressSummary, StressViolation};

/// A problem found, as its record (boxed: errors stay small).
pub type Found = Box<StressViolation>;

/// The state of one setup's run.
pub struct Stress {
    place: Place,
    limits: Limits,
    random: Random,
    live: Vec<Block>,
    next_id: u64,
    inject: Option<u64>,
    /// Counters for the summary.
    pub tally: Tally,
}

/// How many blocks of each kind are live, and their bytes.
#[derive(Default)]
struct Census {
    blocks: usize,
    large: usize,
    bypass: usize,
    bounded_bytes: u64,
}

impl Stress {
    /// The run of setup number `index` (`policy` with `dirty`) of `plan`,
    /// whose first operation has index `first_op` in the whole run.
    pub fn new(plan: &Plan, index: usize, first_op: u64, setup: (Policy, DirtyStrategy)) -> Self {
        let (threshold, cache_entry) = large::with_engine(|engine| {
            (
                engine.config().threshold,
                engine.config().cache.max_entry_bytes,
            )
        });
        Stress {
            place: Place {
                seed: plan.seed,
                op: first_op,
                policy: setup.0,
                dirty: setup.1,
            },
            limits: Limits {
                threshold,
                cache_entry,
            },
            random: Random::new(plan.seed, index as u64),
            live: Vec::with_capacity(MAX_LIVE_BLOCKS + 1),
            next_id: 0,
            inject: plan.inject,
            tally: Tally::default(),
        }
    }

    /// Runs `ops` operations, calling `progress` after each with the index
    /// of the next; then frees everything and checks every frame came back.
    pub fn run(mut self, ops: u64, mut progress: impl FnMut(u64)) -> Result<StressSummary, Found> {
        let (policy, dirty) = (self.place.policy, self.place.dirty);
        large::switch(policy, dirty).map_err(|error| {
            self.found(
                Operation::FrameCheck,
                format!("cannot switch to {policy}: {error}"),
            )
        })?;
        let baseline = FrameLedger::now();
        let first_op = self.place.op;
        let started = read_timestamp();
        for _ in 0..ops {
            self.step()?;
            self.place.op += 1;
            progress(self.place.op);
        }
        while let Some(block) = self.live.pop() {
            self.free(block)?;
        }
        let ticks = read_timestamp() - started;
        let stats = large::with_engine(|engine| engine.stats());
        large::switch(policy, dirty).map_err(|error| {
            self.found(
                Operation::FrameCheck,
                format!("draining the cache: {error}"),
            )
        })?;
        let missing = FrameLedger::now().missing_since(&baseline);
        if missing != 0 {
            let problem = format!("{missing} frames did not come back");
            return Err(self.found(Operation::FrameCheck, problem));
        }
        Ok(self
            .tally
            .summary(&self.place, first_op, ops, &stats, ticks))
    }

    /// One operation, then the deliberate fault if this is its turn.
    fn step(&mut self) -> Result<(), Found> {
        match self.choose_kind() {
            Kind::Calloc => self.allocate(Origin::Calloc)?,
            Kind::Malloc => self.allocate(Origin::Malloc)?,
            Kind::Realloc => self.resize()?,
            Kind::Free => {
                let index = self.random.below(self.live.len() as u64) as usize;
                let block = self.live.swap_remove(index);
                self.free(block)?;
            }
        }
        if self.inject == Some(self.place.op) {
            // No block holds a byte a check would read yet: try after the next.
            self.inject = (!self.corrupt_a_byte()).then_some(self.place.op + 1);
        }
        Ok(())
    }

    /// A `free` is the likelier the more blocks are live (15 % with none,
    /// 65 % at the limit); the rest splits 4 : 3 : 3 into `calloc`,
    /// `malloc` and `realloc`.
    fn choose_kind(&mut self) -> Kind {
        if self.live.is_empty() {
            return Kind::Calloc;
        }
        let free_percent = 15 + 50 * self.live.len() as u64 / MAX_LIVE_BLOCKS as u64;
        if self.live.len() >= MAX_LIVE_BLOCKS || self.random.below(100) < free_percent {
            return Kind::Free;
        }
        match self.random.below(10) {
            0..4 => Kind::Calloc,
            4..7 => Kind::Malloc,
            _ => Kind::Realloc,
        }
    }

    /// The live blocks, except number `except` (being resized).
    fn census(&self, except: Option<usize>) -> Census {
        let mut census = Census::default();
        for (index, block) in self.live.iter().enumerate() {
            if Some(index) == except {
                continue;
            }
            census.blocks += 1;
            census.large += usize::from(block.is_large());
            match self.limits.class_of(block.size) {
                SizeClass::Bypass => census.bypass += 1,
                _ => census.bounded_bytes += block.size,
            }
        }
        census
    }

    /// A size for a new or resized block that keeps within the bounds; a
    /// heap size when the drawn one would not, `None` when nothing would.
    fn fitting_size(&mut self, except: Option<usize>) -> Option<u64> {
        let census = self.census(except);
        let fits = |size: u64, limits: &Limits| match limits.class_of(size) {
            SizeClass::Heap => census.bounded_bytes + size <= MAX_LIVE_BYTES,
            SizeClass::Cached => {
                census.large < MAX_LIVE_LARGE && census.bounded_bytes + size <= MAX_LIVE_BYTES
            }
            SizeClass::Bypass => census.large < MAX_LIVE_LARGE && census.bypass < MAX_LIVE_BYPASS,
        };
        let drawn = self.limits.draw(&mut self.random);
        if fits(drawn, &self.limits) {
            return Some(drawn);
        }
        let small = self.limits.size_of(SizeClass::Heap, &mut self.random);
        fits(small, &self.limits).then_some(small)
    }

    /// `calloc` or `malloc` of a new block: check it, maybe write it.
    fn allocate(&mut self, origin: Origin) -> Result<(), Found> {
        let Some(size) = self.fitting_size(None) else {
            return Ok(());
        };
        let id = self.next_id;
        self.next_id += 1;
        let operation = Operation::Allocate { origin, id, size };
        let result = match origin {
            Origin::Calloc => kalloc::calloc(1, size),
            Origin::Malloc => kalloc::malloc(size),
        };
        let pointer = result.map_err(|error| self.refused(operation, error))?;
        self.tally.allocated(origin, self.limits.class_of(size));
        // SAFETY: a fresh kalloc allocation of `size` bytes; only this block
        // uses it from here until it is freed or resized through it.
        let mut block = unsafe { Block::new(id, pointer, size, origin) };
        self.verify(&block, operation)?;
        self.maybe_write(&mut block);
        self.live.push(block);
        self.tally.live(&self.live);
        Ok(())
    }

    /// `realloc` of a live block to a new size, checked before and after.
    fn resize(&mut self) -> Result<(), Found> {
        let index = self.random.below(self.live.len() as u64) as usize;
        let Some(size) = self.fitting_size(Some(index)) else {
            return Ok(());
        };
        let mut block = self.live.swap_remove(index);
        let operation = Operation::Realloc {
            id: block.id,
            from: block.size,
            to: size,
        };
        self.verify(&block, operation)?;
        let on_engine_path = block.is_large() && size >= self.limits.threshold;
        let kept = block.size.min(size);
        // SAFETY: the block is live and came from kalloc; its model follows
        // the returned pointer right below, and the old one is not used.
        let result = unsafe { kalloc::realloc(block.pointer(), size) };
        let pointer = result.map_err(|error| self.refused(operation, error))?;
        if on_engine_path {
            // SAFETY: returned by kalloc::realloc on the engine's path.
            unsafe { block.resized(pointer, size) };
        } else {
            // SAFETY: returned by kalloc::realloc on its copying path.
            unsafe { block.replaced(pointer, size, kept) };
        }
        self.tally.resized(self.limits.class_of(size));
        self.verify(&block, operation)?;
        self.maybe_write(&mut block);
        self.live.push(block);
        self.tally.live(&self.live);
        Ok(())
    }

    /// Checks `block` and frees it.
    fn free(&mut self, block: Block) -> Result<(), Found> {
        let operation = Operation::Free {
            id: block.id,
            size: block.size,
        };
        self.verify(&block, operation)?;
        // SAFETY: a live kalloc block, taken out of the live list, so it is
        // freed exactly once.
        unsafe { kalloc::free(block.pointer()) }.map_err(|error| self.refused(operation, error))?;
        self.tally.frees += 1;
        Ok(())
    }

    /// Checks the pages of `block` a check reads (see the module docs).
    fn verify(&mut self, block: &Block, operation: Operation) -> Result<(), Found> {
        let mut pages: Vec<u64> = Vec::new();
        if block.is_large() {
            let last = block.pages() - 1;
            pages.extend([0, last, self.random.below(last + 1)]);
            pages.push(self.random.below(last + 1));
            pages.extend(block.written_pages());
            pages.sort_unstable();
            pages.dedup();
        }
        let ranges: Vec<(u64, u64)> = if block.is_large() {
            pages
                .iter()
                .map(|page| (page * PAGE_SIZE, (page + 1) * PAGE_SIZE))
                .collect()
        } else {
            alloc::vec![(0, block.extent())]
        };
        for (start, end) in ranges {
            match block.check(start, end) {
                Ok(checked) => self.tally.bytes_checked += checked,
                Err(mismatch) => {
                    let what = match mismatch.content {
                        Content::Zero => "a byte that must read zero does not",
                        _ => "a byte does not hold the pattern last written there",
                    };
                    let origin = match block.origin {
                        Origin::Calloc => "calloc",
                        Origin::Malloc => "malloc",
                    };
                    let problem = format!("{what} ({origin} block of {} bytes)", block.size);
                    let base = block.pointer().as_ptr() as u64;
                    let record =
                        violation(&self.place, &operation, problem, Some((base, mismatch)));
                    return Err(Box::new(record));
                }
            }
        }
        Ok(())
    }

    /// Three times in four, writes fresh patterns: over all or part of a
    /// heap block; over one to four pages of a large block, and sometimes
    /// its first and last pages too. A large block's pages are mostly
    /// written whole; one in four gets a random part only, so that what a
    /// fault or a re-zero left in the rest of the page is read back too.
    fn maybe_write(&mut self, block: &mut Block) {
        if !self.random.chance(3, 4) || block.segment_count() > 64 {
            return;
        }
        if !block.is_large() {
            let (start, end) = if self.random.chance(1, 2) {
                (0, block.size)
            } else {
                let start = self.random.below(block.size);
                (start, self.random.between(start + 1, block.size + 1))
            };
            self.tally.bytes_written += block.write(start, end);
            return;
        }
        let pages = block.size.div_ceil(PAGE_SIZE);
        let mut chosen: Vec<u64> = (0..self.random.between(1, 5))
            .map(|_| self.random.below(pages))
            .collect();
        if self.random.chance(1, 4) {
            chosen.extend([0, pages - 1]);
        }
        for page in chosen {
            let start = page * PAGE_SIZE;
            let (from, to) = if self.random.chance(1, 4) {
                let from = start + self.random.below(PAGE_SIZE);
                (from, self.random.between(from + 1, start + PAGE_SIZE + 1))
            } else {
                (start, start + PAGE_SIZE)
            };
            self.tally.bytes_written += block.write(from, to);
        }
    }

    /// Flips a byte of a live block that the next check of that block
    /// reads (`stress-inject=`); false when no block has such a byte yet.
    fn corrupt_a_byte(&mut self) -> bool {
        for block in &mut self.live {
            if let Some(offset) = block.always_checked_byte()
                && let Some(value) = block.corrupt(offset)
            {
                log::warn!(
                    "stress: flipped byte {offset} of block {} to {value:#04x} after operation {} \
                     on purpose (stress-inject)",
                    block.id,
                    self.place.op
                );
                return true;
            }
        }
        false
    }

    /// The record of a call that `kalloc` refused.
    fn refused(&self, operation: Operation, error: KernelAllocError) -> Found {
        self.found(operation, format!("kalloc refused: {error:?}"))
    }

    /// The record of `problem` found during `operation`.
    fn found(&self, operation: Operation, problem: alloc::string::String) -> Found {
        Box::new(violation(&self.place, &operation, problem, None))
    }
}
