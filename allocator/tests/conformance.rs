//! The conformance kit on the simulator: every machine kind passes, and a
//! platform that hands out a stray byte fails.
//!
//! The simulator plays the platform: its CPU functions take the faults and
//! hand them to the engine, as a kernel's fault handler does. Its RAM
//! starts as poison (0xa5), so unzeroed frames show.

use pristine_allocator::conformance::{self, Check, Failure, Platform, Summary};
use pristine_allocator::sim::{self, SimConfig, SimFrames, SimMmu};
use pristine_allocator::{
    AccessedDirtyUpdates, Adaptation, AllocError, Config, DirtyDetection, DirtyStrategy,
    FrameCount, LargeAllocator, PageCount, Policy, Stats, VirtAddr, VirtRange,
};

const FRAMES: u64 = 4096;

/// An engine on a simulated machine, as a conformance platform.
struct SimPlatform {
    engine: LargeAllocator<SimMmu, SimFrames>,
}

impl SimPlatform {
    fn new(machine: SimConfig) -> SimPlatform {
        let (mmu, frames) = sim::machine(machine);
        let range = VirtRange::new(VirtAddr(0x4000_0000), PageCount(1 << 18)).expect("valid range");
        let engine = LargeAllocator::new(mmu, frames, Config::new(range)).expect("engine builds");
        SimPlatform { engine }
    }
}

impl Platform for SimPlatform {
    fn calloc(&mut self, bytes: u64) -> Result<VirtAddr, AllocError> {
        self.engine.calloc(1, bytes)
    }

    fn free(&mut self, block: VirtAddr) -> Result<(), AllocError> {
        self.engine.free(block)
    }

    fn switch(&mut self, policy: Policy, dirty: DirtyStrategy) -> Result<(), AllocError> {
        self.engine.set_dirty_strategy(dirty)?;
        self.engine.set_policy(policy)?;
        self.engine.reset_counters();
        Ok(())
    }

    fn set_adaptation(&mut self, adaptation: Adaptation) {
        self.engine.set_adaptation(adaptation);
    }

    fn reset_counters(&mut self) {
        self.engine.reset_counters();
    }

    fn stats(&mut self) -> Stats {
        self.engine.stats()
    }

    fn read(&mut self, address: VirtAddr, buffer: &mut [u8]) {
        sim::read_bytes(&mut self.engine, address, buffer)
            .unwrap_or_else(|error| panic!("read at {address}: {error}"));
    }

    fn fill(&mut self, address: VirtAddr, len: u64, value: u8) {
        for offset in 0..len {
            sim::write_byte(&mut self.engine, VirtAddr(address.0 + offset), value)
                .unwrap_or_else(|error| panic!("write at {address}: {error}"));
        }
    }

    fn poison_free_frames(&mut self) {
        // The simulator's RAM starts as poison, and a freed frame keeps its
        // bytes: nothing to do.
    }

    fn free_frames(&mut self) -> u64 {
        FRAMES - self.engine.stats().frames_in_use
    }

    fn page_table_frames(&mut self) -> u64 {
        // The simulator's page tables take no frames of its RAM.
        0
    }
}

fn run(machine: SimConfig) -> Result<Summary, Failure> {
    conformance::run(&mut SimPlatform::new(machine))
}

/// An x86-like MMU (hardware dirty bit, hardware A/D updates) passes every
/// check in all six setups.
#[test]
fn simulator_with_hardware_dirty_bit_passes() {
    let summary = run(SimConfig::new(FrameCount(FRAMES), DirtyDetection::Hardware))
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert_eq!((summary.setups_checked, summary.setups_skipped), (6, 0));
    assert!(summary.pages_written > 0);
    assert_eq!(summary.large_zero_page_setups, 6);
}

/// An MMU without a dirty bit passes the setups it can run; the hardware
/// strategy is skipped, not failed.
#[test]
fn simulator_without_dirty_bit_passes_its_setups() {
    let summary = run(SimConfig::new(
        FrameCount(FRAMES),
        DirtyDetection::SoftwareOnly,
    ))
    .unwrap_or_else(|failure| panic!("{failure}"));
    assert_eq!((summary.setups_checked, summary.setups_skipped), (4, 2));
}

/// An MMU without large pages passes with the 4 KiB zero page alone: the
/// large-zero-page checks find nothing to check.
#[test]
fn simulator_without_large_pages_skips_the_large_zero_page_checks() {
    let machine =
        SimConfig::new(FrameCount(FRAMES), DirtyDetection::Hardware).with_large_pages(false);
    let summary = run(machine).unwrap_or_else(|failure| panic!("{failure}"));
    assert_eq!(
        (summary.setups_checked, summary.large_zero_page_setups),
        (6, 0)
    );
}

/// A Svade-like MMU (faults on a clear accessed or dirty bit) passes.
#[test]
fn simulator_with_svade_passes() {
    let machine = SimConfig::new(FrameCount(FRAMES), DirtyDetection::Hardware)
        .with_accessed_dirty_updates(AccessedDirtyUpdates::Software);
    let summary = run(machine).unwrap_or_else(|failure| panic!("{failure}"));
    assert_eq!(summary.setups_checked, 6);
    assert_eq!(summary.large_zero_page_setups, 6);
}

/// The kit can fail: a platform whose `calloc` hands out memory holding a
/// stray byte is caught by the zero check, with the address and the byte.
#[test]
fn a_platform_that_leaks_old_bytes_fails_the_zero_check() {
    struct Leaky(SimPlatform);
    impl Platform for Leaky {
        fn calloc(&mut self, bytes: u64) -> Result<VirtAddr, AllocError> {
            let block = self.0.calloc(bytes)?;
            self.0.fill(block, 1, 0x5a);
            Ok(block)
        }
        fn free(&mut self, block: VirtAddr) -> Result<(), AllocError> {
            self.0.free(block)
        }
        fn switch(&mut self, policy: Policy, dirty: DirtyStrategy) -> Result<(), AllocError> {
            self.0.switch(policy, dirty)
        }
        fn set_adaptation(&mut self, adaptation: Adaptation) {
            self.0.set_adaptation(adaptation);
        }
        fn reset_counters(&mut self) {
            self.0.reset_counters();
        }
        fn stats(&mut self) -> Stats {
            self.0.stats()
        }
        fn read(&mut self, address: VirtAddr, buffer: &mut [u8]) {
            self.0.read(address, buffer);
        }
        fn fill(&mut self, address: VirtAddr, len: u64, value: u8) {
            self.0.fill(address, len, value);
        }
        fn poison_free_frames(&mut self) {}
        fn free_frames(&mut self) -> u64 {
            self.0.free_frames()
        }
        fn page_table_frames(&mut self) -> u64 {
            0
        }
    }
    let machine = SimConfig::new(FrameCount(FRAMES), DirtyDetection::Hardware);
    let failure = conformance::run(&mut Leaky(SimPlatform::new(machine)))
        .expect_err("old bytes must be caught");
    assert_eq!(failure.check, Check::Zeroes);
    assert!(
        failure.to_string().contains("reads 0x5a, not 0"),
        "{failure}"
    );
}
