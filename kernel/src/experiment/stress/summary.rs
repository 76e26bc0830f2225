//! The stress test's counters, and the summary record they end in.

use super::block::{Block, Origin};
use super::operation::Place;
use super::plan::SizeClass;
use pristine_allocator::Stats;
use pristine_records::StressSummary;

/// What one setup's run has done so far.
#[derive(Default)]
pub struct Tally {
    /// `calloc` calls.
    pub callocs: u64,
    /// `malloc` calls.
    pub mallocs: u64,
    /// `realloc` calls.
    pub reallocs: u64,
    /// `free` calls.
    pub frees: u64,
    /// Blocks of each [`SizeClass`] handed out or resized to.
    pub heap_blocks: u64,
    /// See [`Tally::heap_blocks`].
    pub cached_blocks: u64,
    /// See [`Tally::heap_blocks`].
    pub bypass_blocks: u64,
    /// Bytes written with patterns.
    pub bytes_written: u64,
    /// Bytes compared with the model.
    pub bytes_checked: u64,
    /// The most blocks live at once.
    pub peak_live_blocks: u64,
    /// The most bytes live at once.
    pub peak_live_bytes: u64,
}

impl Tally {
    /// Counts a new block of `class`, allocated as `origin`.
    pub fn allocated(&mut self, origin: Origin, class: SizeClass) {
        match origin {
            Origin::Calloc => self.callocs += 1,
            Origin::Malloc => self.mallocs += 1,
        }
        self.count_class(class);
    }

    /// Counts a `realloc` to a size of `class`.
    pub fn resized(&mut self, class: SizeClass) {
        self.reallocs += 1;
        self.count_class(class);
    }

    /// Notes the live blocks for the peaks.
    pub fn live(&mut self, live: &[Block]) {
        let bytes = live.iter().map(|block| block.size).sum();
        self.peak_live_blocks = self.peak_live_blocks.max(live.len() as u64);
        self.peak_live_bytes = self.peak_live_bytes.max(bytes);
    }

    fn count_class(&mut self, class: SizeClass) {
        match class {
            SizeClass::Heap => self.heap_blocks += 1,
            SizeClass::Cached => self.cached_blocks += 1,
            SizeClass::Bypass => self.bypass_blocks += 1,
        }
    }

    /// The summary of a setup at `place` whose `ops` operations started at
    /// `first_op`, with the engine's `stats` and the `ticks` it took.
    pub fn summary(
        &self,
        place: &Place,
        first_op: u64,
        ops: u64,
        stats: &Stats,
        ticks: u64,
    ) -> StressSummary {
        StressSummary {
            policy: place.policy,
            dirty: place.dirty,
            seed: place.seed,
            first_op,
            ops,
            callocs: self.callocs,
            mallocs: self.mallocs,
            reallocs: self.reallocs,
            frees: self.frees,
            heap_blocks: self.heap_blocks,
            cached_blocks: self.cached_blocks,
            bypass_blocks: self.bypass_blocks,
            bytes_written: self.bytes_written,
            bytes_checked: self.bytes_checked,
            pages_zeroed: stats.pages_zeroed(),
            faults: stats.faults(),
            cache_hits: stats.cache_hits,
            cache_misses: stats.cache_misses,
            cache_bypasses: stats.cache_bypasses,
            cache_evictions: stats.cache_evictions,
            peak_live_blocks: self.peak_live_blocks,
            peak_live_bytes: self.peak_live_bytes,
            ticks,
        }
    }
}
