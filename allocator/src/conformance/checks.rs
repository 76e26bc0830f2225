//! The checks, in the order [`run`] makes them.

use super::failure::{Check, Failure, Seen};
use super::platform::Platform;
use crate::{Adaptation, AllocError, DirtyStrategy, PAGE_SIZE, Policy, Stats, VirtAddr};

/// Pages in each block the kit allocates: 256 KiB, above the default
/// 128 KiB threshold and far below the cache's entry limit.
pub const BLOCK_PAGES: u64 = 64;

const BLOCK_BYTES: u64 = BLOCK_PAGES * PAGE_SIZE;

/// Every setup the kit runs. On an MMU without a dirty bit, no cache and
/// always-zero run with the software strategy instead (they do not track
/// writes), and dirty tracking with the hardware strategy is skipped.
///
/// Dirty tracking runs twice per strategy: with adaptive re-zeroing off,
/// so every hit re-zeroes exactly the written pages and the port's dirty
/// detection is checked page by page, and with it on, to check the port's
/// [`crate::Mmu::write_zeroes_run`] ([`Check::WholeRezeroing`]).
const SETUPS: [(Policy, DirtyStrategy, Adaptation); 6] = [
    (Policy::NoCache, DirtyStrategy::Hardware, Adaptation::Off),
    (Policy::AlwaysZero, DirtyStrategy::Hardware, Adaptation::Off),
    (
        Policy::DirtyTracking,
        DirtyStrategy::Hardware,
        Adaptation::Off,
    ),
    (
        Policy::DirtyTracking,
        DirtyStrategy::Software,
        Adaptation::Off,
    ),
    (
        Policy::DirtyTracking,
        DirtyStrategy::Hardware,
        Adaptation::On,
    ),
    (
        Policy::DirtyTracking,
        DirtyStrategy::Software,
        Adaptation::On,
    ),
];

/// What a passing run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Setups (policy and dirty strategy) checked.
    pub setups_checked: u32,
    /// Setups skipped because the MMU has no dirty bit.
    pub setups_skipped: u32,
    /// Pages the kit wrote in all.
    pub pages_written: u64,
    /// Spurious faults in all.
    pub spurious_faults: u64,
    /// Setups in which the engine mapped the large zero page, so that its
    /// checks ran (0 on an MMU without large pages).
    pub large_zero_page_setups: u32,
}

/// Runs every check on `platform` (see the module docs) and returns what
/// was done, or the first broken guarantee. Leaves the engine drained, with
/// its counters reset, under dirty tracking with the software strategy.
pub fn run(platform: &mut impl Platform) -> Result<Summary, Failure> {
    platform.poison_free_frames();
    let mut summary = Summary::default();
    for (policy, wanted, adaptation) in SETUPS {
        let mut dirty = wanted;
        let mut switched = platform.switch(policy, dirty);
        if switched == Err(AllocError::HardwareDirtyUnsupported) && policy != Policy::DirtyTracking
        {
            dirty = DirtyStrategy::Software;
            switched = platform.switch(policy, dirty);
        }
        match switched {
            Err(AllocError::HardwareDirtyUnsupported) => {
                summary.setups_skipped += 1;
                continue;
            }
            Err(error) => return Err(engine_failure(policy, dirty, error)),
            Ok(()) => {}
        }
        platform.set_adaptation(adaptation);
        let mut setup = Setup {
            platform: &mut *platform,
            policy,
            dirty,
            adaptation,
            written: 0,
            spurious: 0,
            large_checked: false,
        };
        setup.check_all()?;
        summary.setups_checked += 1;
        summary.pages_written += setup.written;
        summary.spurious_faults += setup.spurious;
        summary.large_zero_page_setups += u32::from(setup.large_checked);
    }
    Ok(summary)
}

fn engine_failure(policy: Policy, dirty: DirtyStrategy, error: AllocError) -> Failure {
    Failure {
        check: Check::EngineCall,
        policy,
        dirty,
        seen: Seen::Engine(error),
    }
}

/// One setup's run: the platform and what was counted so far.
pub(super) struct Setup<'p, P: Platform> {
    pub(super) platform: &'p mut P,
    pub(super) policy: Policy,
    dirty: DirtyStrategy,
    adaptation: Adaptation,
    pub(super) written: u64,
    spurious: u64,
    large_checked: bool,
}

impl<P: Platform> Setup<'_, P> {
    fn check_all(&mut self) -> Result<(), Failure> {
        let free = self.platform.free_frames();
        let page_tables = self.platform.page_table_frames();
        self.zeroes()?;
        if self.adaptation == Adaptation::On {
            self.whole_rezeroing()?;
        } else if self.policy.caches() {
            self.exact_rezeroing()?;
        }
        if self.policy == Policy::DirtyTracking && self.adaptation == Adaptation::Off {
            self.write_after_clear()?;
        }
        self.large_checked = self.large_zero_page()?;
        self.counters();
        if self.spurious > self.written {
            return Err(self.failure(
                Check::SpuriousFaults,
                Seen::SpuriousFaults {
                    spurious: self.spurious,
                    written: self.written,
                },
            ));
        }
        let (policy, dirty) = (self.policy, self.dirty);
        self.engine(|platform| platform.switch(policy, dirty))?;
        let now_free = self.platform.free_frames();
        // Tables can be given back too (a large page in an empty table's
        // place), so compare free plus page-table frames on both sides.
        let tables_now = self.platform.page_table_frames();
        let taken = tables_now.saturating_sub(page_tables);
        if now_free + tables_now != free + page_tables {
            return Err(self.failure(
                Check::FramesReturned,
                Seen::Frames {
                    baseline: free,
                    free: now_free,
                    page_tables: taken,
                },
            ));
        }
        Ok(())
    }

    /// A fresh block reads zero on poisoned memory; written in full, freed
    /// and allocated again, it reads zero again.
    fn zeroes(&mut self) -> Result<(), Failure> {
        let block = self.calloc()?;
        self.expect_zero(block, Check::Zeroes)?;
        for page in 0..BLOCK_PAGES {
            self.write_page(block, page, pattern(page));
        }
        self.free(block)?;
        let block = self.calloc()?;
        self.expect_zero(block, Check::Zeroes)?;
        self.free(block)
    }

    /// Write `k` pages of a block, free it, allocate again (a hit): exactly
    /// `k` pages re-zeroed under dirty tracking, all under always-zero.
    fn exact_rezeroing(&mut self) -> Result<(), Failure> {
        for written in [0, 1, BLOCK_PAGES / 2, BLOCK_PAGES] {
            let block = self.calloc()?;
            for page in 0..written {
                self.write_page(block, page, pattern(page + written));
            }
            let expected = match self.policy {
                Policy::AlwaysZero => BLOCK_PAGES,
                _ => written,
            };
            let block = self.reuse(block, expected, Check::ExactRezeroing)?;
            self.expect_zero(block, Check::ExactRezeroing)?;
            self.free(block)?;
        }
        Ok(())
    }

    /// A page written, re-zeroed on a hit (its dirty bit cleared, or its
    /// write protection re-armed), and written again is re-zeroed on the
    /// next hit too. A stale translation left by a missing flush lets the
    /// second write through unrecorded, and the page keeps its bytes.
    fn write_after_clear(&mut self) -> Result<(), Failure> {
        const PAGE: u64 = 5;
        let block = self.calloc()?;
        self.write_page(block, PAGE, 0x11);
        let block = self.reuse(block, 1, Check::WriteAfterClear)?;
        self.write_page(block, PAGE, 0x22);
        let block = self.reuse(block, 1, Check::WriteAfterClear)?;
        self.expect_zero(block, Check::WriteAfterClear)?;
        self.free(block)
    }

    /// Adaptive re-zeroing: a block written in full, hit after hit, is
    /// re-zeroed whole through the port's `write_zeroes_run` once the
    /// engine has learned it (the first hit is tracked), reads zero after
    /// every hit, and takes no write fault after a whole hit.
    fn whole_rezeroing(&mut self) -> Result<(), Failure> {
        let mut block = self.calloc()?;
        for round in 0..3 {
            for page in 0..BLOCK_PAGES {
                self.write_page(block, page, pattern(page + round));
            }
            block = self.reuse(block, BLOCK_PAGES, Check::WholeRezeroing)?;
            self.expect_zero(block, Check::WholeRezeroing)?;
        }
        // The last hit was whole: nothing was re-armed, so writing every
        // page again takes no fault.
        for page in 0..BLOCK_PAGES {
            self.write_page(block, page, pattern(page));
        }
        let stats = self.platform.stats();
        let faults = stats.tracked_write_faults + stats.accessed_dirty_faults;
        if faults != 0 {
            let seen = Seen::FaultsAfterWholeRezero { faults };
            return Err(self.failure(Check::WholeRezeroing, seen));
        }
        self.free(block)
    }

    /// Frees `block`, resets the counters, allocates again, and checks the
    /// allocation was a hit that re-zeroed `expected` pages.
    fn reuse(&mut self, block: VirtAddr, expected: u64, check: Check) -> Result<VirtAddr, Failure> {
        self.free(block)?;
        self.counters();
        self.platform.reset_counters();
        let block = self.calloc()?;
        let stats = self.platform.stats();
        if stats.cache_hits != 1 || stats.pages_zeroed_on_reuse != expected {
            return Err(self.failure(
                check,
                Seen::PagesRezeroed {
                    expected,
                    zeroed: stats.pages_zeroed_on_reuse,
                    hit: stats.cache_hits == 1,
                },
            ));
        }
        Ok(block)
    }

    /// Adds the spurious faults counted since the last reset.
    pub(super) fn counters(&mut self) {
        let stats: Stats = self.platform.stats();
        self.spurious += stats.spurious_faults;
    }

    fn write_page(&mut self, block: VirtAddr, page: u64, value: u8) {
        self.platform
            .fill(VirtAddr(block.0 + page * PAGE_SIZE), PAGE_SIZE, value);
        self.written += 1;
    }

    fn expect_zero(&mut self, block: VirtAddr, check: Check) -> Result<(), Failure> {
        let mut buffer = [0u8; PAGE_SIZE as usize];
        for page in 0..BLOCK_PAGES {
            let start = VirtAddr(block.0 + page * PAGE_SIZE);
            self.platform.read(start, &mut buffer);
            if let Some(offset) = buffer.iter().position(|&byte| byte != 0) {
                let seen = Seen::NonZeroByte {
                    address: VirtAddr(start.0 + offset as u64),
                    byte: buffer[offset],
                };
                return Err(self.failure(check, seen));
            }
        }
        Ok(())
    }

    fn calloc(&mut self) -> Result<VirtAddr, Failure> {
        self.engine(|platform| platform.calloc(BLOCK_BYTES))
    }

    pub(super) fn free(&mut self, block: VirtAddr) -> Result<(), Failure> {
        self.engine(|platform| platform.free(block))
    }

    pub(super) fn engine<T>(
        &mut self,
        call: impl FnOnce(&mut P) -> Result<T, AllocError>,
    ) -> Result<T, Failure> {
        call(self.platform).map_err(|error| engine_failure(self.policy, self.dirty, error))
    }

    pub(super) fn failure(&self, check: Check, seen: Seen) -> Failure {
        Failure {
            check,
            policy: self.policy,
            dirty: self.dirty,
            seen,
        }
    }
}

/// The byte written over page `page`: never zero, never the poison 0xa5.
fn pattern(page: u64) -> u8 {
    let value = (page % 200) as u8 + 1;
    if value == 0xa5 { 0xff } else { value }
}
