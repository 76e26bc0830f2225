//! The dirty-tracking cache hit: re-zero tracked or whole, as the region learned.
//!
//! `cache/adaptive.rs` states the rule; this file follows it. A `calloc`
//! served from the cache under [`crate::Policy::DirtyTracking`] asks the
//! region's [`WriteHistory`] how to re-zero ([`Rezero`]), does it, and
//! stores what the history learned from it in the region:
//!
//! - tracked: `reuse.rs`'s exact route, counting the pages it zeroed (the
//!   written pages of the touched span);
//! - whole: [`Mmu::write_zeroes_run`] over the touched span, handing each
//!   page the run refuses (the zero page, a write-protected page) to the
//!   tracked route for that one page.
//!
//! With [`Adaptation::Off`], and for a touched span under
//! [`crate::Config::whole_min_pages`] pages, every hit is tracked and
//! nothing is learned.

use crate::cache::{Adaptation, Rezero};
use crate::error::AllocError;
use crate::frame::FrameSource;
use crate::mmu::Mmu;
use crate::page::PageIndex;
use crate::region::Region;

use super::LargeAllocator;

impl<M: Mmu, F: FrameSource, const SLOTS: usize> LargeAllocator<M, F, SLOTS> {
    /// Re-zeroes the cached `region`, just trimmed for a `calloc`, the way
    /// its history says, and records what the history learned.
    pub(super) fn rezero_adaptively(&mut self, region: &Region) -> Result<(), AllocError> {
        if self.config.adaptation == Adaptation::Off {
            return self.zero_written_pages(region);
        }
        let visited = region.touched.below(region.pages.0).indices();
        if visited.end - visited.start < self.config.whole_min_pages {
            // Too small a span to re-zero whole: tracked, nothing learned.
            return self.zero_written_pages(region);
        }
        let zeroed_before = self.stats.pages_zeroed_on_reuse;
        match region.history.plan() {
            Rezero::Tracked => self.zero_written_pages(region)?,
            Rezero::Whole => self.zero_span_whole(region)?,
        }
        let written = self.stats.pages_zeroed_on_reuse - zeroed_before;
        let history = region
            .history
            .after_hit(written, visited.end - visited.start);
        if let Some(stored) = self.regions.region_at_mut(region.start.start()) {
            stored.history = history;
        }
        Ok(())
    }

    /// Zeroes the region's whole touched span through the mapping, in runs;
    /// a page a run cannot write is re-zeroed the tracked way.
    fn zero_span_whole(&mut self, region: &Region) -> Result<(), AllocError> {
        let span = region.touched.below(region.pages.0).indices();
        let mut index = span.start;
        while index < span.end {
            let first = region.page(PageIndex(index));
            let zeroed = self.mmu.write_zeroes_run(first, span.end - index);
            self.stats.pages_zeroed_on_reuse += zeroed;
            index += zeroed;
            if index < span.end {
                self.zero_if_written(region.page(PageIndex(index)))?;
                index += 1;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::DirtyStrategy;
    use crate::cache::{Adaptation, Policy, WriteHistory};
    use crate::mmu::DirtyDetection;
    use crate::page::Page;
    use crate::sim::testing::{after, config, engine, engine_with, pages, svade_engine};
    use crate::sim::{read_byte, reads_zero, write_byte};

    type Engine = crate::sim::testing::TestEngine;

    /// `calloc(pages)`, a write of `value` to each of the first `written`
    /// pages, `free`; returns the block's address.
    fn round(engine: &mut Engine, size: u64, written: u64, value: u8) -> crate::VirtAddr {
        let ptr = engine.calloc(1, pages(size)).unwrap();
        assert_eq!(
            reads_zero(engine, ptr, pages(size)),
            Ok(true),
            "calloc reads zero"
        );
        for page in 0..written {
            write_byte(engine, after(ptr, page), value).unwrap();
        }
        engine.free(ptr).unwrap();
        ptr
    }

    /// Every setup the guarantees must hold under: both strategies on an
    /// MMU with hardware A/D updates, and the hardware strategy on Svade.
    fn setups() -> std::vec::Vec<Engine> {
        let mut engines = std::vec::Vec::new();
        for dirty in [DirtyDetection::Hardware, DirtyDetection::SoftwareOnly] {
            engines.push(engine(Policy::DirtyTracking, dirty));
        }
        engines.push(svade_engine(Policy::DirtyTracking));
        let mut software_on_svade = svade_engine(Policy::DirtyTracking);
        software_on_svade
            .set_dirty_strategy(DirtyStrategy::Software)
            .unwrap();
        engines.push(software_on_svade);
        engines
    }

    fn history_of(engine: &Engine, ptr: crate::VirtAddr) -> WriteHistory {
        engine.regions.region_at(ptr).unwrap().history
    }

    #[test]
    fn a_wholly_written_block_is_rezeroed_whole_without_faults() {
        for mut engine in setups() {
            let ptr = round(&mut engine, 6, 6, 1);
            round(&mut engine, 6, 6, 2); // tracked hit: learns "whole"
            assert!(matches!(
                history_of(&engine, ptr),
                WriteHistory::Whole { .. }
            ));
            engine.reset_counters();
            let before = engine.mmu().counters();
            round(&mut engine, 6, 6, 3);
            let spent = engine.mmu().counters().since(&before);
            let stats = engine.stats();
            assert_eq!(stats.pages_zeroed_on_reuse, 6);
            assert_eq!(spent.pages_zeroed_through_mapping, 6);
            assert_eq!(spent.pages_zeroed_through_direct_map, 0);
            assert_eq!(spent.tlb_flushes, 0, "nothing re-armed");
            assert_eq!(spent.queries, 0, "no entry read one by one");
            let faults = stats.tracked_write_faults + stats.accessed_dirty_faults;
            assert_eq!(faults + stats.cow_faults, 0, "the writes take no fault");
            assert_eq!(engine.mmu().counters().stale_translations, 0);
        }
    }

    #[test]
    fn whole_rezeroing_skips_pages_nobody_wrote_and_keeps_accounting_exact() {
        for mut engine in setups() {
            let ptr = round(&mut engine, 6, 6, 1);
            round(&mut engine, 6, 6, 2);
            // Whole mode now; this round writes only pages 0..4, and the
            // next hit zeroes the whole span again.
            let frames = engine.frames().in_use();
            round(&mut engine, 6, 4, 4);
            assert_eq!(engine.calloc(1, pages(6)), Ok(ptr));
            assert_eq!(reads_zero(&mut engine, ptr, pages(6)), Ok(true));
            assert_eq!(engine.frames().in_use(), frames, "no frame gained or lost");
            assert_eq!(engine.stats().frames_in_use, 6);
            engine.free(ptr).unwrap();
        }
    }

    #[test]
    fn whole_mode_never_lets_a_byte_cross_to_another_allocation() {
        for mut engine in setups() {
            let ptr = round(&mut engine, 4, 4, 7);
            round(&mut engine, 4, 4, 7);
            round(&mut engine, 4, 4, 7);
            // A smaller calloc takes the trimmed region; its bytes are zero
            // and the trimmed pages' frames went back.
            let small = engine.calloc(1, pages(3)).unwrap();
            assert_eq!(small, ptr);
            assert_eq!(reads_zero(&mut engine, small, pages(3)), Ok(true));
            assert_eq!(engine.stats().frames_in_use, 3);
            let other = engine.calloc(1, pages(4)).unwrap();
            assert_eq!(reads_zero(&mut engine, other, pages(4)), Ok(true));
            assert_eq!(read_byte(&mut engine, after(small, 1)), Ok(0));
        }
    }

    #[test]
    fn a_probe_sees_sparse_writes_and_returns_to_tracking() {
        for mut engine in setups() {
            let ptr = round(&mut engine, 6, 6, 1);
            round(&mut engine, 6, 6, 1); // learns whole (countdown 4)
            for _ in 0..4 {
                round(&mut engine, 6, 1, 1); // whole hits, sparse writes
            }
            round(&mut engine, 6, 1, 1); // the probe: tracked, re-arms
            assert_eq!(
                history_of(&engine, ptr),
                WriteHistory::Probing { interval: 4 }
            );
            round(&mut engine, 6, 1, 1); // decides: 1 of 6 written
            assert_eq!(history_of(&engine, ptr), WriteHistory::Tracking);
            engine.reset_counters();
            round(&mut engine, 6, 1, 1);
            assert_eq!(engine.stats().pages_zeroed_on_reuse, 1, "tracked again");
        }
    }

    #[test]
    fn a_span_under_the_minimum_is_always_tracked() {
        let config = config(Policy::DirtyTracking).with_whole_min_pages(6);
        let mut engine: Engine = engine_with(config, 64, DirtyDetection::SoftwareOnly);
        let ptr = round(&mut engine, 4, 4, 1);
        round(&mut engine, 4, 4, 1);
        assert_eq!(history_of(&engine, ptr), WriteHistory::Tracking);
        round(&mut engine, 4, 4, 1);
        assert_eq!(engine.stats().tracked_write_faults, 8, "re-armed every hit");
        // A span of six pages (`round` reads every page) is the minimum:
        // the next hit learns (5 of 6 written).
        let wide = round(&mut engine, 6, 5, 1);
        round(&mut engine, 6, 5, 1);
        assert!(matches!(
            history_of(&engine, wide),
            WriteHistory::Whole { .. }
        ));
    }

    /// `calloc(pages)`, a write to pages `first..pages`, `free`.
    fn round_from(engine: &mut Engine, size: u64, first: u64) -> crate::VirtAddr {
        let ptr = engine.calloc(1, pages(size)).unwrap();
        for page in first..size {
            write_byte(engine, after(ptr, page), 3).unwrap();
        }
        engine.free(ptr).unwrap();
        ptr
    }

    #[test]
    fn a_span_is_measured_from_its_first_touched_page() {
        // Pages 2..6 of 6: a span of 4, under a minimum of 5.
        let at_least_five = config(Policy::DirtyTracking).with_whole_min_pages(5);
        let mut engine: Engine = engine_with(at_least_five, 64, DirtyDetection::Hardware);
        let ptr = round_from(&mut engine, 6, 2);
        round_from(&mut engine, 6, 2);
        assert_eq!(history_of(&engine, ptr), WriteHistory::Tracking);
        // With any span allowed, 4 of those 4 pages written is whole.
        let any = config(Policy::DirtyTracking);
        let mut engine: Engine = engine_with(any, 64, DirtyDetection::Hardware);
        let ptr = round_from(&mut engine, 6, 2);
        round_from(&mut engine, 6, 2);
        assert!(matches!(
            history_of(&engine, ptr),
            WriteHistory::Whole { .. }
        ));
    }

    #[test]
    fn adaptation_off_keeps_every_hit_tracked() {
        let off = config(Policy::DirtyTracking).with_adaptation(Adaptation::Off);
        let mut engine: Engine = engine_with(off, 64, DirtyDetection::SoftwareOnly);
        let ptr = round(&mut engine, 4, 4, 1);
        for _ in 0..3 {
            round(&mut engine, 4, 4, 1);
        }
        assert_eq!(history_of(&engine, ptr), WriteHistory::Tracking);
        assert_eq!(engine.stats().tracked_write_faults, 12);
    }

    #[test]
    fn a_software_write_protected_page_in_a_whole_run_stays_clean() {
        let mut engine = engine(Policy::DirtyTracking, DirtyDetection::SoftwareOnly);
        let ptr = round(&mut engine, 4, 4, 1);
        // A tracked hit (all 4 written): each page is zeroed and
        // write-protected, and this round writes nothing.
        round(&mut engine, 4, 0, 1);
        // Whole mode; the hit's run stops at every read-only page and the
        // tracked route leaves it alone: nothing was written, nothing zeroed.
        engine.reset_counters();
        assert_eq!(engine.calloc(1, pages(4)), Ok(ptr));
        assert_eq!(engine.stats().pages_zeroed_on_reuse, 0);
        let page = engine.mmu().entry(Page::containing(ptr)).unwrap();
        assert!(!page.writable);
    }
}
