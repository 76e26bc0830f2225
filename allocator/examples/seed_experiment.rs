//! The seed's experiment on the simulated MMU: `calloc` and `free` in a
//! loop, under each of the three policies, below and above the cache's
//! entry limit, and the counters each policy ends up with.
//!
//! ```text
//! cargo run -p pristine-allocator --example seed_experiment --features simulator
//! ```
//!
//! The brief's loop is `calloc(100 MB)` + `free`, 10,000 times, memory
//! untouched: fast on Linux, minutes on macOS 10.12, fast again on macOS
//! with 1,000 MB blocks. Here every size (the two block sizes and the
//! libmalloc-116 cache limits) is divided by 256 so the simulator runs it in
//! a moment; the counters keep their shape. A second pattern writes one
//! byte in each of three pages per round, to show that the dirty-tracking
//! cache pays for written pages only.

use std::error::Error;

use pristine_allocator::sim::{self, SimConfig, SimFrames, SimMmu};
use pristine_allocator::{
    CacheLimits, Config, DirtyDetection, FrameCount, LargeAllocator, PAGE_SIZE, PageCount, Policy,
    Stats, VirtAddr, VirtRange,
};

/// Every size of the real experiment, divided by this.
const SCALE: u64 = 256;
/// Rounds of the loop after the first (warm-up) one.
const ROUNDS: u64 = 10;
/// The two block sizes: under the entry limit, and over it.
const SIZES: [u64; 2] = [100_000_000 / SCALE, 1_000_000_000 / SCALE];
/// Pages the "written" pattern writes in each round.
const WRITTEN_PAGES: [u64; 3] = [0, 17, 42];

type Engine = LargeAllocator<SimMmu, SimFrames>;

/// What the program does with each block between `calloc` and `free`.
#[derive(Clone, Copy, Debug)]
enum Pattern {
    /// Nothing: the seed's loop.
    Untouched,
    /// One byte in each of [`WRITTEN_PAGES`].
    Written,
}

fn main() -> Result<(), Box<dyn Error>> {
    let limits = scaled_limits();
    println!(
        "calloc + free, {ROUNDS} rounds; cache entry limit {} KiB (libmalloc-116 / {SCALE})",
        limits.max_entry_bytes >> 10
    );
    println!();
    println!(
        "{:>9}  {:<9}  {:<13}  {:>12}  {:>6}  {:>10}  {:>6}",
        "size", "pattern", "policy", "pages zeroed", "faults", "cache hits", "frames"
    );
    for size in SIZES {
        for pattern in [Pattern::Untouched, Pattern::Written] {
            for policy in Policy::ALL {
                let stats = seed_loop(policy, size, pattern)?;
                println!(
                    "{:>6} KB  {:<9}  {:<13}  {:>12}  {:>6}  {:>10}  {:>6}",
                    size / 1000,
                    format!("{pattern:?}"),
                    format!("{policy:?}"),
                    stats.pages_zeroed(),
                    stats.faults(),
                    stats.cache_hits,
                    stats.frames_in_use,
                );
            }
        }
    }
    println!();
    println!("Counted over the {ROUNDS} rounds after a first, uncounted one. Pages zeroed:");
    println!("on faults and on cache hits; frames: still held (cached) at the end.");
    Ok(())
}

/// libmalloc-116's limits, scaled down like the block sizes.
fn scaled_limits() -> CacheLimits {
    let real = CacheLimits::LIBMALLOC_116;
    CacheLimits {
        max_entries: real.max_entries,
        max_entry_bytes: real.max_entry_bytes / SCALE,
        max_total_bytes: real.max_total_bytes / SCALE,
    }
}

/// An engine with `policy` on a simulated machine with a hardware dirty bit.
fn engine(policy: Policy) -> Result<Engine, Box<dyn Error>> {
    let range = VirtRange::new(VirtAddr(0x40_0000_0000), PageCount(1 << 18))?;
    let config = Config::new(range)
        .with_policy(policy)
        .with_cache_limits(scaled_limits());
    let (mmu, frames) = sim::machine(SimConfig::new(FrameCount(4096), DirtyDetection::Hardware));
    Ok(LargeAllocator::new(mmu, frames, config)?)
}

/// Runs one warm-up round, then [`ROUNDS`] counted rounds of the loop.
fn seed_loop(policy: Policy, size: u64, pattern: Pattern) -> Result<Stats, Box<dyn Error>> {
    let mut engine = engine(policy)?;
    for round in 0..=ROUNDS {
        if round == 1 {
            engine.reset_counters();
        }
        let block = engine.calloc(1, size)?;
        if let Pattern::Written = pattern {
            for page in WRITTEN_PAGES {
                let addr = VirtAddr(block.as_u64() + page * PAGE_SIZE);
                // Every byte of a calloc reads zero before it is written.
                assert_eq!(sim::read_byte(&mut engine, addr)?, 0);
                sim::write_byte(&mut engine, addr, 0xee)?;
            }
        }
        engine.free(block)?;
    }
    Ok(engine.stats())
}
