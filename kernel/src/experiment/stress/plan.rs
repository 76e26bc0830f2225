//! What a stress run does: its words, its setups, its sizes and its bounds.
//!
//! `mode=stress seed=S ops=N` with, optionally, `policies=a,b` and
//! `strategies=hw,sw` to narrow the setups (by default all four:
//! `nocache`, `alwayszero`, `dirty/hw`, `dirty/sw`; see
//! [`pristine_records::stress_setups`]), which share the `N` operations.
//! `stress-inject=K` is for the tests only: it flips one byte behind the
//! checker's back after operation `K`, to show the checker catches it.
//!
//! Sizes come in three kinds, drawn with these odds:
//! - **heap** blocks (62 %), 1 byte up to the engine's threshold
//!   (128 KiB), spread evenly over the orders of magnitude;
//! - **cached** blocks (34 %), from the threshold up: most below 2 MiB,
//!   one in eight up to 16 MiB, so the always-zero cache's full re-zero of
//!   a hit stays affordable under TCG;
//! - **bypass** blocks (4 %), at or beyond the cache's entry limit
//!   (128 MiB) by up to 32 MiB, which never enter the cache.
//!
//! Live memory is bounded so that the frames the run can pin (live blocks,
//! plus up to 16 cached blocks of at most 16 MiB, backed in full by the
//! always-zero cache) fit a 512 MiB guest: at most [`MAX_LIVE_BLOCKS`]
//! blocks, [`MAX_LIVE_LARGE`] of them large and [`MAX_LIVE_BYPASS`] of those
//! beyond the cache limit, and [`MAX_LIVE_BYTES`] in heap and cached
//! blocks. Bypass blocks are large but written only a few pages at a time.

use super::random::Random;
use crate::cmdline::{BadValue, CommandLine};
use alloc::vec::Vec;
use pristine_allocator::{DirtyStrategy, Policy};
use pristine_records::stress_setups;

/// Most blocks live at once.
pub const MAX_LIVE_BLOCKS: usize = 40;
/// Most large blocks (the engine's) live at once: the engine tracks 64
/// regions, live and cached together.
pub const MAX_LIVE_LARGE: usize = 24;
/// Most blocks beyond the cache limit live at once.
pub const MAX_LIVE_BYPASS: usize = 2;
/// Most bytes live at once in heap and cached blocks.
pub const MAX_LIVE_BYTES: u64 = 96 << 20;

/// Cached blocks are mostly below this size.
const USUAL_CACHED_LIMIT: u64 = 2 << 20;
/// Cached blocks are never this large (unless the cache limit is lower).
const LARGEST_CACHED_LIMIT: u64 = 16 << 20;
/// Bypass blocks reach this far beyond the cache limit.
const BYPASS_SPREAD: u64 = 32 << 20;

/// A stress run as the command line asks for it.
pub struct Plan {
    /// The seed every choice derives from.
    pub seed: u64,
    /// Operations in all, shared by the setups.
    pub ops: u64,
    /// The setups, in order.
    pub setups: Vec<(Policy, DirtyStrategy)>,
    /// After which operation to corrupt a byte on purpose (tests only).
    pub inject: Option<u64>,
}

impl Plan {
    /// Reads `seed=`, `ops=`, `policies=`, `strategies=` and
    /// `stress-inject=`.
    pub fn read(command_line: &CommandLine) -> Result<Plan, BadValue> {
        let policies: Vec<Policy> = command_line.list("policies")?.unwrap_or_default();
        let strategies: Vec<DirtyStrategy> = command_line.list("strategies")?.unwrap_or_default();
        let inject = match command_line.get("stress-inject") {
            Some(_) => Some(command_line.number("stress-inject", 0)?),
            None => None,
        };
        Ok(Plan {
            seed: command_line.number("seed", 1)?,
            ops: command_line.number("ops", 20_000)?,
            setups: stress_setups(&policies, &strategies),
            inject,
        })
    }
}

/// Where a block of some size lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SizeClass {
    /// Below the engine's threshold: the kernel heap.
    Heap,
    /// The engine's, and small enough for its cache.
    Cached,
    /// The engine's, at or beyond the cache's entry limit.
    Bypass,
}

/// The engine's two size limits, as the stress test sees them.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Requests from this size on go to the engine.
    pub threshold: u64,
    /// Requests from this size on bypass the cache.
    pub cache_entry: u64,
}

impl Limits {
    /// The class of a block of `size` bytes.
    pub fn class_of(&self, size: u64) -> SizeClass {
        if size < self.threshold {
            SizeClass::Heap
        } else if size < self.cache_entry {
            SizeClass::Cached
        } else {
            SizeClass::Bypass
        }
    }

    /// A size of `class`.
    pub fn size_of(&self, class: SizeClass, random: &mut Random) -> u64 {
        match class {
            SizeClass::Heap => random.log_uniform(1, self.threshold),
            SizeClass::Cached => {
                let limit = if random.chance(1, 8) {
                    LARGEST_CACHED_LIMIT
                } else {
                    USUAL_CACHED_LIMIT
                };
                let high = limit.min(self.cache_entry).max(self.threshold + 1);
                random.log_uniform(self.threshold, high)
            }
            SizeClass::Bypass => random.between(self.cache_entry, self.cache_entry + BYPASS_SPREAD),
        }
    }

    /// A size drawn with the odds in the module docs.
    pub fn draw(&self, random: &mut Random) -> u64 {
        let class = match random.below(100) {
            0..62 => SizeClass::Heap,
            62..96 => SizeClass::Cached,
            _ => SizeClass::Bypass,
        };
        self.size_of(class, random)
    }
}
