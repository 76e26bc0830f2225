//! The stress test's operations as words, and the violation record.
//!
//! Each operation that finds a problem is named in the `stress-violation`
//! record the way a person would look for it again: which call, on which
//! block, of what size. [`violation`] builds that record from the operation,
//! the problem and, when a byte was wrong, the byte.

use super::block::Origin;
use super::pattern::Mismatch;
use alloc::format;
use alloc::string::String;
use core::fmt;
use pristine_allocator::{DirtyStrategy, Policy};
use pristine_records::StressViolation;

/// The kinds of operation the stress test mixes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `calloc`: a new block that must read zero.
    Calloc,
    /// `malloc`: a new block with unspecified contents.
    Malloc,
    /// `realloc` of a live block.
    Realloc,
    /// `free` of a live block.
    Free,
}

/// One operation, as a violation names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    /// A new block `id` of `size` bytes.
    Allocate {
        /// How.
        origin: Origin,
        /// The block's number.
        id: u64,
        /// Bytes asked for.
        size: u64,
    },
    /// Block `id` resized from `from` to `to` bytes (checked before and
    /// after).
    Realloc {
        /// The block's number.
        id: u64,
        /// Its size before.
        from: u64,
        /// The size asked for.
        to: u64,
    },
    /// Block `id` of `size` bytes freed (checked first).
    Free {
        /// The block's number.
        id: u64,
        /// Its size.
        size: u64,
    },
    /// The end of a setup: every block freed and the cache drained, every
    /// frame must be back.
    FrameCheck,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Operation::Allocate { origin, id, size } => {
                let call = match origin {
                    Origin::Calloc => "calloc",
                    Origin::Malloc => "malloc",
                };
                write!(f, "{call}({size}) of block {id}")
            }
            Operation::Realloc { id, from, to } => {
                write!(f, "realloc of block {id} from {from} to {to} bytes")
            }
            Operation::Free { id, size } => write!(f, "free of block {id} ({size} bytes)"),
            Operation::FrameCheck => {
                f.write_str("the frame check after freeing everything and draining the cache")
            }
        }
    }
}

/// Where a violation happened: the run and the operation.
pub struct Place {
    /// The run's seed.
    pub seed: u64,
    /// The operation's index in the whole run.
    pub op: u64,
    /// The policy running.
    pub policy: Policy,
    /// The strategy running.
    pub dirty: DirtyStrategy,
}

/// The record of a problem `operation` found at `place`; `wrong` is the
/// first wrong byte of the block at `base`, when a byte was wrong.
pub fn violation(
    place: &Place,
    operation: &Operation,
    problem: String,
    wrong: Option<(u64, Mismatch)>,
) -> StressViolation {
    StressViolation {
        seed: place.seed,
        op: place.op,
        policy: place.policy,
        dirty: place.dirty,
        operation: format!("{operation}"),
        problem,
        address: wrong.map(|(base, mismatch)| base + mismatch.offset),
        offset: wrong.map(|(_, mismatch)| mismatch.offset),
        expected: wrong.map(|(_, mismatch)| mismatch.expected),
        found: wrong.map(|(_, mismatch)| mismatch.found),
    }
}
