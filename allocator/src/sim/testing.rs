//! Small engines on small simulated machines, for this crate's unit tests.
//!
//! Only compiled for `cargo test`. Sizes are tiny on purpose: a 4 KiB
//! threshold, a cache of 4 entries under 8 pages each (16 pages in all), and
//! a 256-page range, so each test can reach every limit in a few calls;
//! adaptive re-zeroing may re-zero any span whole (one page is enough).

use crate::addr::{FrameCount, PAGE_SIZE, VirtAddr};
use crate::cache::{CacheLimits, Policy};
use crate::config::Config;
use crate::engine::LargeAllocator;
use crate::mmu::{AccessedDirtyUpdates, DirtyDetection};
use crate::page::PageCount;
use crate::region::VirtRange;
use crate::sim::{SimConfig, SimFrames, SimMmu, machine};

/// The engine type unit tests use: 16 region slots.
pub type TestEngine = LargeAllocator<SimMmu, SimFrames, 16>;

/// Where the test range starts.
pub const BASE: u64 = 0x4000_0000;

/// `pages` pages in bytes.
pub const fn pages(count: u64) -> u64 {
    count * PAGE_SIZE
}

/// The address `count` pages after `addr`.
pub const fn after(addr: VirtAddr, count: u64) -> VirtAddr {
    VirtAddr(addr.as_u64() + pages(count))
}

/// The small configuration described in the module docs.
pub fn config(policy: Policy) -> Config {
    let range = match VirtRange::new(VirtAddr(BASE), PageCount(256)) {
        Ok(range) => range,
        Err(err) => panic!("test range is valid: {err}"),
    };
    Config::new(range)
        .with_policy(policy)
        .with_threshold(PAGE_SIZE)
        .with_whole_min_pages(1)
        .with_cache_limits(CacheLimits {
            max_entries: 4,
            max_entry_bytes: pages(8),
            max_total_bytes: pages(16),
        })
}

/// An engine with `config` on a machine of `frames` frames.
pub fn engine_with(config: Config, frames: u64, dirty: DirtyDetection) -> TestEngine {
    engine_on(SimConfig::new(FrameCount(frames), dirty), config)
}

/// An engine with `config` on the machine `machine_config` describes.
pub fn engine_on(machine_config: SimConfig, config: Config) -> TestEngine {
    let (mmu, frames) = machine(machine_config);
    match LargeAllocator::new(mmu, frames, config) {
        Ok(engine) => engine,
        Err(err) => panic!("test engine builds: {err}"),
    }
}

/// An engine with the small configuration and `policy` on a 64-frame
/// machine that models RISC-V Svade: entries have a dirty bit, but the MMU
/// faults on a clear accessed or dirty bit instead of setting it.
pub fn svade_engine(policy: Policy) -> TestEngine {
    let machine_config = SimConfig::new(FrameCount(64), DirtyDetection::Hardware)
        .with_accessed_dirty_updates(AccessedDirtyUpdates::Software);
    engine_on(machine_config, config(policy))
}

/// An engine with the small configuration, `policy`, and 64 frames.
pub fn engine(policy: Policy, dirty: DirtyDetection) -> TestEngine {
    engine_with(config(policy), 64, dirty)
}
