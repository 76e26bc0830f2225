//! Knowing which pages were written: the hardware dirty bit or a write fault.
//!
//! [`crate::cache::Policy::DirtyTracking`] re-zeroes only pages written since
//! they were last zeroed. It learns which ones from the page-table entries,
//! in one of two ways:
//!
//! - [`DirtyStrategy::Hardware`]: the MMU sets the entry's dirty bit on the
//!   first write (x86 D bit, Intel SDM Vol. 3A, 4.8). Re-arming is "clear
//!   the bit, then flush the TLB entry": the flush matters, because a
//!   translation cached with D already set lets later writes through without
//!   touching the entry again (Intel SDM Vol. 3A, 4.10.2.3). The engine
//!   reads and clears the bit in one walk ([`crate::Mmu::take_dirty`]),
//!   zeroes the frame through the direct map (which sets no dirty bit), and
//!   flushes last.
//! - [`DirtyStrategy::Software`]: for hardware without a dirty bit. A zeroed
//!   frame is mapped read-only; the first write faults, the engine records it
//!   by making the page writable. "Writable" then *means* "written since
//!   zeroed". The engine zeroes the frame through the direct map, then
//!   re-arms: "write-protect, then flush the TLB entry".
//!
//! Either way the engine keeps one invariant, whatever the policy: **a
//! frame-backed page whose entry does not say "written" holds only zeroes.**
//! Every path that may leave non-zero bytes in a frame (a write by the
//! program, AlwaysZero's zeroing through the mapping, moving a frame in
//! `realloc`) leaves the entry saying "written", so the strategy can be
//! switched at any time and the worst outcome is an unnecessary re-zero.
//! (The hardware re-zero clears D a moment before it zeroes the frame;
//! nothing runs in between.)
//!
//! # How close to O(written)
//!
//! Re-zeroing a cached region costs one entry read per page in the region's
//! *touched span* (the smallest page range holding every page ever mapped,
//! kept per region: [`crate::Mmu::take_dirty`] with the hardware
//! strategy, [`crate::Mmu::query`] with the software one), plus one
//! frame zeroing and one TLB flush per written page (and, for the software
//! strategy, one write-protect). A region never touched costs O(1); a
//! region whose writes are contiguous costs O(written); the worst case, two
//! pages written at opposite ends, costs O(pages) entry reads (eight bytes
//! each, against 4096 bytes of zeroing per page that AlwaysZero pays). A
//! written page costs little more than its 4 KiB clear: the entry read is
//! the only walk (a real port remembers the last leaf table), and the
//! frame, known from the entry, is zeroed without another. Exact O(written)
//! would need a per-region list of written pages, which the software
//! strategy could fill from its faults, but which needs memory proportional
//! to the region and a heap the engine does not assume.
//!
//! # Names
//!
//! Each strategy has one name, [`DirtyStrategy::name`] (`hw`, `sw`), used
//! by the kernel command line (`dirty=hw`), the host runner's options and
//! the `@@PRISTINE` records: [`Display`](fmt::Display) prints it and
//! [`FromStr`] reads it back.

use core::fmt;
use core::str::FromStr;

use crate::mmu::DirtyDetection;

/// How the engine learns that a page was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DirtyStrategy {
    /// Read the hardware dirty bit; re-arm by clearing it and flushing.
    Hardware,
    /// Map zeroed frames read-only and record the write fault; re-arm by
    /// write-protecting and flushing.
    Software,
}

impl DirtyStrategy {
    /// Both strategies, hardware first.
    pub const ALL: [DirtyStrategy; 2] = [DirtyStrategy::Hardware, DirtyStrategy::Software];

    /// The strategy's one name: `hw` or `sw`.
    ///
    /// This is the only place the names are spelled; everything that prints
    /// or reads a strategy goes through it.
    pub const fn name(self) -> &'static str {
        match self {
            DirtyStrategy::Hardware => "hw",
            DirtyStrategy::Software => "sw",
        }
    }

    /// Whether a port declaring `detection` can run this strategy.
    pub const fn supported_by(self, detection: DirtyDetection) -> bool {
        match self {
            DirtyStrategy::Hardware => matches!(detection, DirtyDetection::Hardware),
            DirtyStrategy::Software => true,
        }
    }

    /// The best strategy a port declaring `detection` supports.
    pub const fn best_for(detection: DirtyDetection) -> DirtyStrategy {
        match detection {
            DirtyDetection::Hardware => DirtyStrategy::Hardware,
            DirtyDetection::SoftwareOnly => DirtyStrategy::Software,
        }
    }
}

impl fmt::Display for DirtyStrategy {
    /// The strategy's [`name`](DirtyStrategy::name).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a text is not the name of a [`DirtyStrategy`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ParseDirtyStrategyError;

impl fmt::Display for ParseDirtyStrategyError {
    /// `expected hw or sw`, from [`DirtyStrategy::ALL`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [first, second] = DirtyStrategy::ALL;
        write!(f, "expected {first} or {second}")
    }
}

impl core::error::Error for ParseDirtyStrategyError {}

impl FromStr for DirtyStrategy {
    type Err = ParseDirtyStrategyError;

    /// Reads a strategy [`name`](DirtyStrategy::name); the match is exact.
    fn from_str(text: &str) -> Result<DirtyStrategy, ParseDirtyStrategyError> {
        DirtyStrategy::ALL
            .into_iter()
            .find(|strategy| strategy.name() == text)
            .ok_or(ParseDirtyStrategyError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hardware_strategy_needs_a_hardware_dirty_bit() {
        assert!(!DirtyStrategy::Hardware.supported_by(DirtyDetection::SoftwareOnly));
        assert!(DirtyStrategy::Software.supported_by(DirtyDetection::Hardware));
        let best = DirtyStrategy::best_for(DirtyDetection::SoftwareOnly);
        assert_eq!(best, DirtyStrategy::Software);
    }

    #[test]
    fn names_read_back_as_their_strategy() {
        for strategy in DirtyStrategy::ALL {
            let name = std::format!("{strategy}");
            assert_eq!(name, strategy.name());
            assert_eq!(name.parse(), Ok(strategy));
        }
        assert_eq!("sw".parse(), Ok(DirtyStrategy::Software));
        assert_eq!("HW".parse::<DirtyStrategy>(), Err(ParseDirtyStrategyError));
        assert_eq!(
            std::format!("{ParseDirtyStrategyError}"),
            "expected hw or sw"
        );
    }
}
