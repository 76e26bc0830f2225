//! The large-allocation engine: its state, construction and controls.
//!
//! [`LargeAllocator`] owns the port, the frame source, the zero page and the
//! region table. The allocation API lives in the sibling files
//! (`allocate.rs`, `free.rs`, `realloc.rs`), the fault entry point in
//! [`crate::fault`] and the cache in [`crate::cache`]; this file holds what
//! ties them together: building an engine, reading its statistics and
//! switching policy between experiments.
//!
//! # Switching policy between experiments
//!
//! [`LargeAllocator::set_policy`] (and [`LargeAllocator::set_dirty_strategy`])
//! first drain the cache, releasing every cached region and its frames, then
//! switch. Live allocations are not touched and stay correct under the new
//! policy, because every policy keeps the page invariant stated in
//! [`crate::dirty`]. A round of an experiment is therefore: `set_policy`,
//! `reset_counters`, run, read `stats`.

use crate::addr::{FrameNumber, VirtAddr};
use crate::cache::Policy;
use crate::config::Config;
use crate::dirty::DirtyStrategy;
use crate::error::{AllocError, SetupError};
use crate::frame::FrameSource;
use crate::port::Port;
use crate::region::RegionTable;
use crate::stats::Stats;
use crate::zero_page::ZeroPage;

/// The default number of region slots (live plus cached regions).
pub const DEFAULT_SLOTS: usize = 64;

/// The large-allocation engine: zero page, copy-on-write and a cache of
/// freed regions under one of three [`Policy`]s.
///
/// `P` is the architecture port, `F` the frame source, and `SLOTS` the
/// number of regions (live and cached together) the engine can track. The
/// engine needs no heap: its whole state is this struct. Annotate the type
/// when building one so the default `SLOTS` applies:
/// `let engine: LargeAllocator<_, _> = LargeAllocator::new(port, frames, config)?;`
#[derive(Debug)]
pub struct LargeAllocator<P, F, const SLOTS: usize = DEFAULT_SLOTS> {
    pub(crate) port: P,
    pub(crate) frames: F,
    pub(crate) config: Config,
    pub(crate) dirty: DirtyStrategy,
    pub(crate) zero_page: ZeroPage,
    pub(crate) regions: RegionTable<SLOTS>,
    pub(crate) stats: Stats,
    pub(crate) clock: u64,
}

impl<P: Port, F: FrameSource, const SLOTS: usize> LargeAllocator<P, F, SLOTS> {
    /// Builds an engine: checks that the port supports the requested dirty
    /// strategy, then takes one frame for the zero page and zeroes it.
    pub fn new(mut port: P, mut frames: F, config: Config) -> Result<Self, SetupError> {
        let detection = port.dirty_detection();
        let dirty = match config.dirty {
            Some(strategy) if !strategy.supported_by(detection) => {
                return Err(SetupError::HardwareDirtyUnsupported);
            }
            Some(strategy) => strategy,
            None => DirtyStrategy::best_for(detection),
        };
        let zero_page =
            ZeroPage::allocate(&mut port, &mut frames).map_err(SetupError::NoFrameForZeroPage)?;
        Ok(LargeAllocator {
            port,
            frames,
            config,
            dirty,
            zero_page,
            regions: RegionTable::new(),
            stats: Stats::ZERO,
            clock: 0,
        })
    }

    /// The configuration the engine runs with (policy and dirty strategy
    /// as last switched).
    pub const fn config(&self) -> &Config {
        &self.config
    }

    /// The current cache policy.
    pub const fn policy(&self) -> Policy {
        self.config.policy
    }

    /// The dirty strategy in use (resolved from the port if the
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

    /// The port, for reading.
    pub const fn port(&self) -> &P {
        &self.port
    }

    /// The port, for driving it (the simulator's CPU accesses go here).
    pub const fn port_mut(&mut self) -> &mut P {
        &mut self.port
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
    }

    /// The size in bytes a live allocation was asked for.
    pub fn allocation_size(&self, ptr: VirtAddr) -> Result<u64, AllocError> {
        let index = self.live_index(ptr)?;
        Ok(self
            .regions
            .get(index)
            .map_or(0, |region| region.live_len()))
    }

    /// Drains the cache, then switches to `policy` (see the module docs).
    pub fn set_policy(&mut self, policy: Policy) -> Result<(), AllocError> {
        self.drain_cache()?;
        self.config.policy = policy;
        Ok(())
    }

    /// Drains the cache, then switches to `strategy`. Fails without
    /// draining if the port cannot run it.
    pub fn set_dirty_strategy(&mut self, strategy: DirtyStrategy) -> Result<(), AllocError> {
        if !strategy.supported_by(self.port.dirty_detection()) {
            return Err(AllocError::HardwareDirtyUnsupported);
        }
        self.drain_cache()?;
        self.dirty = strategy;
        self.config.dirty = Some(strategy);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::FrameCount;
    use crate::port::DirtyDetection;
    use crate::sim::testing::{TestEngine, config, engine, pages};
    use crate::sim::{SimConfig, machine, write_byte};

    #[test]
    fn new_engine_takes_one_frame_for_the_zero_page() {
        let engine = engine(Policy::DirtyTracking, DirtyDetection::Hardware);
        assert_eq!(engine.frames().in_use(), 1);
        assert_eq!(engine.stats(), Stats::ZERO);
        let zero = engine.port().frame_bytes(engine.zero_page()).unwrap();
        assert!(zero.iter().all(|&b| b == 0));
    }

    #[test]
    fn dirty_strategy_defaults_to_what_the_port_offers() {
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
