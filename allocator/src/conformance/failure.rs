//! How the conformance kit reports a broken guarantee.

use core::fmt;

use crate::{DirtyStrategy, Policy, VirtAddr};

/// The guarantee that broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// Every `calloc` byte reads zero.
    Zeroes,
    /// A cache hit re-zeroes exactly the pages it must.
    ExactRezeroing,
    /// A write after a dirty-bit clear is seen on the next hit.
    WriteAfterClear,
    /// Adaptive re-zeroing zeroes a wholly written block whole, and its
    /// writes after a whole hit take no fault.
    WholeRezeroing,
    /// Spurious faults stay within one per page written.
    SpuriousFaults,
    /// Every frame comes back once the cache is drained.
    FramesReturned,
    /// The large zero page maps aligned stretches on a read, splits on a
    /// write and keeps every other byte zero.
    LargeZeroPage,
    /// The engine refused a call the kit needs (allocate, free, switch).
    EngineCall,
}

/// What the kit saw instead of what it expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// The byte at `address` was `byte`, not zero.
    NonZeroByte {
        /// Where.
        address: VirtAddr,
        /// What it held (the poison, or a pattern the kit wrote).
        byte: u8,
    },
    /// A cache hit re-zeroed `zeroed` pages, not `expected`.
    PagesRezeroed {
        /// The pages the hit should have re-zeroed.
        expected: u64,
        /// The pages it re-zeroed.
        zeroed: u64,
        /// Whether the allocation was a cache hit at all.
        hit: bool,
    },
    /// `spurious` spurious faults for `written` pages written.
    SpuriousFaults {
        /// Spurious faults counted.
        spurious: u64,
        /// Pages the kit wrote.
        written: u64,
    },
    /// `free + page_tables` frames where `baseline` were free.
    Frames {
        /// Free frames at the start.
        baseline: u64,
        /// Free frames now.
        free: u64,
        /// Page-table frames the MMU took meanwhile.
        page_tables: u64,
    },
    /// Writes after a whole re-zero took `faults` write faults, not none.
    FaultsAfterWholeRezero {
        /// Tracked-write and accessed/dirty faults counted.
        faults: u64,
    },
    /// Reading a block took the wrong large mappings or read faults.
    LargeZeroPage {
        /// Aligned 2 MiB stretches wholly inside the block.
        stretches: u64,
        /// Large zero-page mappings counted.
        mappings: u64,
        /// Read faults counted.
        read_faults: u64,
        /// Splits counted.
        splits: u64,
    },
    /// One write into a large zero-page stretch did not split it into one
    /// fresh frame.
    LargeZeroPageSplit {
        /// Splits counted (1 expected).
        splits: u64,
        /// Frames the engine took (1 expected).
        new_frames: u64,
        /// Copy-on-write faults counted (1 expected).
        cow_faults: u64,
    },
    /// The engine returned an error.
    Engine(crate::AllocError),
}

/// A broken guarantee: which check, under which setup, and what was seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The guarantee.
    pub check: Check,
    /// The policy the engine ran.
    pub policy: Policy,
    /// The dirty strategy it ran.
    pub dirty: DirtyStrategy,
    /// What the kit saw.
    pub seen: Seen,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} under {}/{}: ", self.check, self.policy, self.dirty)?;
        match self.seen {
            Seen::NonZeroByte { address, byte } => {
                write!(f, "the byte at {address} reads {byte:#04x}, not 0")
            }
            Seen::PagesRezeroed {
                expected,
                zeroed,
                hit,
            } => write!(
                f,
                "the reuse re-zeroed {zeroed} pages, not {expected} (cache hit: {hit})"
            ),
            Seen::SpuriousFaults { spurious, written } => write!(
                f,
                "{spurious} spurious faults for {written} pages written (at most one each)"
            ),
            Seen::Frames {
                baseline,
                free,
                page_tables,
            } => write!(
                f,
                "{free} frames free and {page_tables} taken for page tables, {baseline} free before"
            ),
            Seen::FaultsAfterWholeRezero { faults } => write!(
                f,
                "{faults} write faults after a whole re-zero, which re-arms nothing"
            ),
            Seen::LargeZeroPage {
                stretches,
                mappings,
                read_faults,
                splits,
            } => write!(
                f,
                "{stretches} aligned stretches read with {mappings} large mappings, \
                 {read_faults} read faults and {splits} splits"
            ),
            Seen::LargeZeroPageSplit {
                splits,
                new_frames,
                cow_faults,
            } => write!(
                f,
                "one write made {splits} splits, took {new_frames} frames and \
                 {cow_faults} copy-on-write faults (1 each expected)"
            ),
            Seen::Engine(error) => write!(f, "the engine refused: {error}"),
        }
    }
}
