//! The large-allocation engine: its state, construction and controls.
//!
//! [`LargeAllocator`] owns the MMU, the frame source, the zero page and the
//! region table. The allocation API lives in the sibling files
//! (`allocate.rs`, `free.rs`, `realloc.rs`), the fault entry point in
//! `fault.rs` and the cache in `cache.rs` and `reuse.rs`; this file holds
//! what ties them together: building an engine, reading its statistics and
//! switching policy between experiments.
//!
//! # Switching policy between experiments
//!
//! [`LargeAllocator::set_policy`] (and [`LargeAllocator::set_dirty_strategy`])
//! first drain the cache, releasing every cached region and its frames, then
//! switch. Live allocations are not touched and stay correct under the new
//! policy, because every policy keeps the page invariant stated in
//! `dirty.rs`. A round of an experiment is therefore: `set_policy`,
//! `reset_counters`, run, read `stats`.

use crate::addr::{FrameNumber, VirtAddr};
use crate::cache::{Adaptation, Policy};
use crate::config::Config;
use crate::dirty::DirtyStrategy;
use crate::error::{AllocError, SetupError};
use crate::frame::FrameSource;
use crate::large_zero_page::LargeZeroPage;
use crate::mmu::{AccessedDirtyUpdates, Mmu};
use crate::region::{Region, RegionTable};
use crate::shared_frames::SharedFrames;
use crate::sharing_stats::SharingStats;
use crate::stats::Stats;
use crate::zero_page::ZeroPage;

use super::fault::FixedInPlace;

/// The default number of region slots (live plus cached regions).
pub const DEFAULT_SLOTS: usize = 64;

/// The large-allocation engine: zero page, copy-on-write and a cache of
/// freed regions under one of three [`Policy`]s.
///
/// `M` is the architecture's MMU, `F` the frame source, and `SLOTS` the
/// number of regions (live and cached together) the engine can track. The
/// engine needs no heap: its whole state is this struct. Annotate the type
/// when building one so the default `SLOTS` applies:
/// `let engine: LargeAllocator<_, _> = LargeAllocator::new(mmu, frames, config)?;`
///
/// The engine owns the MMU and never hands out `&mut` access to it, so
/// every change to the range's page tables goes through the engine (see
/// the safety contract of [`Mmu`]).
#[derive(Debug)]
pub struct LargeAllocator<M, F, const SLOTS: usize = DEFAULT_SLOTS> {
    pub(crate) mmu: M,
    pub(crate) frames: F,
    pub(crate) config: Config,
    pub(crate) dirty: DirtyStrategy,
    /// What the MMU declared at construction.
    pub(crate) accessed_dirty: AccessedDirtyUpdates,
    pub(crate) zero_page: ZeroPage,
    /// The large zero page, if the configuration asks for it, the frame
    /// source had a 2 MiB-aligned run for it, and it is switched on.
    pub(crate) large_zero: Option<LargeZeroPage>,
    /// The large zero page the engine owns, on or off.
    pub(crate) large_zero_owned: Option<LargeZeroPage>,
    pub(crate) regions: RegionTable<SLOTS>,
    pub(crate) stats: Stats,
    pub(crate) clock: u64,
    /// The last fault the engine fixed in place (a flush, or setting the
    /// accessed and dirty bits): the same fault again, on an entry still as
    /// the fix left it, is unresolvable.
    pub(crate) last_fixed_in_place: Option<FixedInPlace>,
    /// Reference counts of the frames `duplicate` shares (`duplicate.rs`).
    pub(crate) shared: SharedFrames,
    /// What sharing has done since the counters were last reset.
    pub(crate) sharing: SharingStats,
}

impl<M: Mmu, F: FrameSource, const SLOTS: usize> LargeAllocator<M, F, SLOTS> {
    /// Builds an engine: checks that the MMU supports the requested dirty
    /// strategy, then takes one frame for the zero page and zeroes it, and,
    /// if [`Config::large_zero_page`] is on and the MMU maps large pages, a 2 MiB-aligned run of 512 for
    /// the large zero page (without one, the engine goes on with the 4 KiB
    /// zero page alone: see [`LargeAllocator::large_zero_page`]).
    pub fn new(mut mmu: M, mut frames: F, config: Config) -> Result<Self, SetupError> {
        let detection = mmu.dirty_detection();
        let dirty = match config.dirty {
            Some(strategy) if !strategy.supported_by(detection) => {
                return Err(SetupError::HardwareDirtyUnsupported);
            }
            Some(strategy) => strategy,
            None => DirtyStrategy::best_for(detection),
        };
        let zero_page =
            ZeroPage::allocate(&mut mmu, &mut frames).map_err(SetupError::NoFrameForZeroPage)?;
        let large_zero = if config.large_zero_page && mmu.maps_large_pages() {
            LargeZeroPage::allocate(&mut mmu, &mut frames)
        } else {
            None
        };
        Ok(LargeAllocator {
            accessed_dirty: mmu.accessed_dirty_updates(),
            mmu,
            frames,
            config,
            dirty,
            zero_page,
            large_zero,
            large_zero_owned: large_zero,
            regions: RegionTable::new(),
            stats: Stats::ZERO,
            clock: 0,
            last_fixed_in_place: None,
            shared: SharedFrames::new(),
            sharing: SharingStats::ZERO,
        })
    }

    /// The configuration the engine runs with (policy and dirty strategy
    /// as last switched).
    pub const fn config(&self) -> &Config {
        &self.config
    }

    /// The first frame of the large zero page, or `None` if the engine runs
    /// without one (switched off, or no 2 MiB-aligned run was free).
    pub fn large_zero_page(&self) -> Option<FrameNumber> {
        self.large_zero.map(LargeZeroPage::frame)
    }

    /// Switches the large zero page on or off for later read faults (large
    /// entries already made stay, and split as before); whether it is on
    /// now. An engine built without one cannot switch it on. The kernel's
    /// benchmark uses this to measure reads with the 4 KiB zero page alone.
    pub fn set_large_zero_page(&mut self, on: bool) -> bool {
        self.large_zero = self.large_zero_owned.filter(|_| on);
        self.large_zero.is_some()
    }

    /// The current cache policy.
    pub const fn policy(&self) -> Policy {
        self.config.policy
    }

    /// The dirty strategy in use (resolved from the MMU if the
    /// configuration left it open).
    pub const fn dirty_strategy(&self) -> DirtyStrategy {
        self.dirty
    }

    /// The frame of the shared zero page.
    pub const fn zero_page(&self) -> FrameNumber {
        self.zero_page.frame()
    }

    /// Whether `addr` lies in the engine's virtual range, that is, whether
    /// a fault there should be routed to [`LargeAllocator::handle_fault`].
    pub const fn owns(&self, addr: VirtAddr) -> bool {
        self.config.range.contains(addr)
    }

    /// The MMU, for reading (its `&self` methods are harmless for any
    /// page; see [`Mmu`]).
    pub const fn mmu(&self) -> &M {
        &self.mmu
    }

    /// The frame source, for reading.
    pub const fn frames(&self) -> &F {
        &self.frames
    }

    /// The statistics since the last [`LargeAllocator::reset_counters`].
    pub const fn stats(&self) -> Stats {
        self.stats
    }

    /// Zeroes every counter (not the `frames_in_use` level).
    pub const fn reset_counters(&mut self) {
        self.stats = self.stats.reset();
        self.sharing = self.sharing.reset();
    }

    /// The size in bytes a live allocation was asked for.
    pub fn allocation_size(&self, ptr: VirtAddr) -> Result<u64, AllocError> {
        let index = self.live_index(ptr)?;
        Ok(self.regions.get(index).map_or(0, Region::live_len))
    }

    /// Drains the cache, releasing every cached region and its frames, then
    /// switches to `policy`. Live allocations are not touched and stay
    /// correct under the new policy: every policy keeps the same page
    /// invariant (a frame-backed page whose entry does not say "written"
    /// holds only zeroes). A round of an experiment is therefore
    /// `set_policy`, [`LargeAllocator::reset_counters`], run,
    /// [`LargeAllocator::stats`].
    pub fn set_policy(&mut self, policy: Policy) -> Result<(), AllocError> {
        self.drain_cache()?;
        self.config.policy = policy;
        Ok(())
    }

    /// Turns the dirty-tracking cache's adaptive re-zeroing on or off
    /// (`cache/adaptive.rs`). Nothing is drained: a region's history only
    /// chooses how to re-zero, and either way the result is the same.
    pub fn set_adaptation(&mut self, adaptation: Adaptation) {
        self.config.adaptation = adaptation;
    }

    /// Drains the cache, then switches to `strategy`. Fails without
    /// draining if the MMU cannot run it.
    pub fn set_dirty_strategy(&mut self, strategy: DirtyStrategy) -> Result<(), AllocError> {
        if !strategy.supported_by(self.mmu.dirty_detection()) {
            return Err(AllocError::HardwareDirtyUnsupported);
        }
        self.drain_cache()?;
        self.dirty = strategy;
        self.config.dirty = Some(strategy);
        Ok(())
    }
}

#[cfg(any(test, feature = "simulator"))]
impl<F: FrameSource, const SLOTS: usize> LargeAllocator<crate::sim::SimMmu, F, SLOTS> {
    /// The simulated MMU, for driving it: the simulator's CPU accesses and
    /// its logs go here. Only the simulator is lent out mutably: a real MMU
    /// must be changed by nothing but the engine.
    pub fn mmu_mut(&mut self) -> &mut crate::sim::SimMmu {
        &mut self.mmu
    }
}

#[cfg(any(test, feature = "simulator"))]
impl<M: Mmu, const SLOTS: usize> LargeAllocator<M, crate::sim::SimFrames, SLOTS> {
    /// The simulated frame source, for injecting failures
    /// ([`crate::sim::SimFrames::fail_allocation`]). Only the simulator's
    /// frame source is lent out mutably: a real one must hand the engine's
    /// frames to nobody else.
    pub fn frames_mut(&mut self) -> &mut crate::sim::SimFrames {
        &mut self.frames
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::FrameCount;
    use crate::mmu::DirtyDetection;
    use crate::sim::testing::{TestEngine, config, engine, pages};
    use crate::sim::{SimConfig, machine, write_byte};

    #[test]
    fn new_engine_takes_one_frame_for_the_zero_page() {
        let engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        assert_eq!(engine.frames().in_use(), 1);
        assert_eq!(engine.stats(), Stats::ZERO);
        let zero = engine.mmu().frame_bytes(engine.zero_page()).unwrap();
        assert!(zero.iter().all(|&b| b == 0));
    }

    #[test]
    fn dirty_strategy_defaults_to_what_the_mmu_offers() {
        let hardware = engine(Policy::NoCache, DirtyDetection::Hardware);
        assert_eq!(hardware.dirty_strategy(), DirtyStrategy::Hardware);
        let software = engine(Policy::NoCache, DirtyDetection::SoftwareOnly);
        assert_eq!(software.dirty_strategy(), DirtyStrategy::Software);
    }

    #[test]
    fn hardware_strategy_needs_a_hardware_dirty_bit() {
        let (mmu, frames) = machine(SimConfig::new(FrameCount(4), DirtyDetection::SoftwareOnly));
        let wants_hardware = config(Policy::NoCache).with_dirty_strategy(DirtyStrategy::Hardware);
        let built: Result<TestEngine, _> = LargeAllocator::new(mmu, frames, wants_hardware);
        assert_eq!(built.err(), Some(SetupError::HardwareDirtyUnsupported));
        let mut software = engine(Policy::NoCache, DirtyDetection::SoftwareOnly);
        assert_eq!(
            software.set_dirty_strategy(DirtyStrategy::Hardware),
            Err(AllocError::HardwareDirtyUnsupported)
        );
    }

    #[test]
    fn setup_fails_without_a_frame_for_the_zero_page() {
        let (mmu, frames) = machine(SimConfig::new(FrameCount(0), DirtyDetection::Hardware));
        let built: Result<TestEngine, _> =
            LargeAllocator::new(mmu, frames, config(Policy::NoCache));
        assert!(matches!(
            built.err(),
            Some(SetupError::NoFrameForZeroPage(_))
        ));
    }

    #[test]
    fn switching_policy_drains_the_cache_and_keeps_live_allocations() {
        let mut engine = engine(Policy::AlwaysZero, DirtyDetection::Hardware);
        let live = engine.calloc(1, pages(2)).unwrap();
        write_byte(&mut engine, live, 1).unwrap();
        let cached = engine.calloc(1, pages(3)).unwrap();
        write_byte(&mut engine, cached, 2).unwrap();
        engine.free(cached).unwrap();
        assert_eq!(engine.cache_usage().entries, 1);
        engine.set_policy(Policy::DirtyTracking).unwrap();
        assert_eq!(engine.policy(), Policy::DirtyTracking);
        assert_eq!(engine.cache_usage().entries, 0);
        assert_eq!(engine.stats().frames_in_use, 1);
        assert_eq!(engine.allocation_size(live), Ok(pages(2)));
        engine.set_dirty_strategy(DirtyStrategy::Software).unwrap();
        assert_eq!(engine.config().dirty, Some(DirtyStrategy::Software));
    }

    #[test]
    fn reset_counters_keeps_the_frame_level() {
        let mut engine = engine(Policy::NoCache, DirtyDetection::Hardware);
        let ptr = engine.calloc(1, pages(2)).unwrap();
        write_byte(&mut engine, ptr, 1).unwrap();
        engine.reset_counters();
        let stats = engine.stats();
        assert_eq!((stats.cow_faults, stats.frames_in_use), (0, 1));
        assert!(engine.owns(ptr));
    }
}
