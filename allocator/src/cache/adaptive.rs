//! Adaptive re-zeroing: a cached block that was written wholly is re-zeroed whole.
//!
//! [`crate::Policy::DirtyTracking`] pays for its precision on every written
//! page: the hardware strategy reads and clears the page's dirty bit and
//! flushes its TLB entry, the software strategy write-protects the page,
//! and the program's next write to it takes a fault. When a program writes
//! most of a block every time (the streaming download of the brief fills
//! its whole buffer), that precision buys nothing: every page is re-zeroed
//! anyway. So each cached region keeps a [`WriteHistory`], and a `calloc`
//! served from the cache asks it which way to re-zero ([`Rezero`]):
//!
//! - [`Rezero::Tracked`]: the exact route of `dirty.rs`: zero the pages
//!   that say "written" and re-arm their detection. Its outcome (how many
//!   pages of the touched span were written) is what the history learns.
//! - [`Rezero::Whole`]: zero the whole touched span through the mapping,
//!   one run per 2 MiB block ([`crate::Mmu::write_zeroes_run`]), as a
//!   `memset` would, and re-arm nothing. No dirty bit is read or cleared,
//!   no TLB entry flushed, and the program's writes take no fault next time.
//!   A page the run cannot write (the zero page, a page the software
//!   strategy write-protected) takes the tracked route instead.
//!
//! # The rule
//!
//! ```text
//!             written >= 3/4 of the span
//!  Tracking ───────────────────────────────► Whole (countdown = 4)
//!     ▲                                        │ each hit: countdown - 1,
//!     │ written < 1/2                          │ re-zero whole
//!     │                                        ▼ countdown = 0: probe
//!  Probing ◄──────── re-zero tracked (re-arms every page)
//!     │ written >= 1/2
//!     └────────────► Whole (countdown = interval = 2 x the last, at most 64)
//! ```
//!
//! A region starts [`WriteHistory::Tracking`]. A tracked hit that finds at
//! least [`ENTER_WHOLE`] of the touched span written switches to whole
//! re-zeroing, if the span holds at least [`crate::Config::whole_min_pages`]
//! pages ([`MIN_WHOLE_PAGES`] by default; a smaller span is always tracked
//! and teaches nothing). A region in whole mode cannot see what is written (nothing
//! is re-armed), so after a countdown it *probes*: one hit re-zeroes the
//! tracked way, which re-arms every page, and the hit after it learns the
//! written fraction again. If at least [`STAY_WHOLE`] was written, whole
//! mode resumes with twice the interval (up to [`MAX_INTERVAL`] hits), so a
//! block written wholly for a long time probes rarely; otherwise the region
//! goes back to tracking. The gap between the two thresholds is the
//! hysteresis: a block written about half the time does not flip back and
//! forth.
//!
//! What it costs: on a block that stays wholly written, one probe (a
//! tracked hit, which with the software strategy makes that round's writes
//! fault) every [`MAX_INTERVAL`] hits at most. On a block whose writes turn
//! sparse, at most `interval` whole re-zeroes (each costs about what the
//! always-zero cache pays for a block it has backed, and never more: no
//! page is faulted in) before the next probe sees it.
//!
//! # Why it never weakens a guarantee
//!
//! Whole mode only ever zeroes *more* than tracking would, and leaves every
//! zeroed page saying "written" (dirty bit set, or writable under the
//! software strategy). The invariant of `dirty.rs` ("a frame-backed page
//! whose entry does not say written holds only zeroes") does not depend on
//! the history at all, so a wrong guess costs time, never a stale byte.
//!
//! [`Adaptation::Off`] (kernel word `rezero=tracked`) keeps every region
//! tracking, the behaviour before this policy, so both stay measurable.

use core::fmt;
use core::str::FromStr;

/// A tracked hit that found at least this fraction of the touched span
/// written (numerator, denominator) switches the region to whole re-zeroing.
pub const ENTER_WHOLE: (u64, u64) = (3, 4);

/// A probe that finds at least this fraction written keeps whole mode.
pub const STAY_WHOLE: (u64, u64) = (1, 2);

/// The default of [`crate::Config::whole_min_pages`]: the fewest pages a
/// touched span must hold for whole re-zeroing. A smaller span is always
/// tracked and teaches nothing: tracking it costs at most a few faults a
/// round, about what whole mode's own fixed cost per hit (the history's
/// bookkeeping, a run per 2 MiB block) would save, and a block written one
/// page at a time keeps its exact re-zero.
pub const MIN_WHOLE_PAGES: u64 = 16;

/// Whole-mode hits before the first probe.
pub const FIRST_INTERVAL: u8 = 4;

/// The longest run of whole-mode hits between two probes.
pub const MAX_INTERVAL: u8 = 64;

/// How a cached region is re-zeroed on a `calloc` hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rezero {
    /// Zero the pages written since they were last zeroed; re-arm them.
    Tracked,
    /// Zero the whole touched span through the mapping; re-arm nothing.
    Whole,
}

/// What a region learned from its last re-zeroes (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WriteHistory {
    /// Re-zeroed the tracked way, learning from every hit.
    Tracking,
    /// Re-zeroed whole; `countdown` more hits before a probe.
    Whole {
        /// Whole hits left before the probe.
        countdown: u8,
        /// The interval this run of whole hits started with.
        interval: u8,
    },
    /// The last hit was a probe: every page is re-armed, and the next hit
    /// (tracked) decides.
    Probing {
        /// The interval of the whole run that ended in this probe.
        interval: u8,
    },
}

/// Whether `written` of `visited` pages is at least `fraction`.
const fn at_least(written: u64, visited: u64, fraction: (u64, u64)) -> bool {
    visited > 0 && written.saturating_mul(fraction.1) >= visited.saturating_mul(fraction.0)
}

impl WriteHistory {
    /// How the next `calloc` hit re-zeroes the region.
    pub const fn plan(self) -> Rezero {
        match self {
            WriteHistory::Whole { countdown, .. } if countdown > 0 => Rezero::Whole,
            _ => Rezero::Tracked,
        }
    }

    /// The history after a hit re-zeroed the way [`WriteHistory::plan`]
    /// said and found `written` of the `visited` pages of the touched span
    /// written (only a tracked hit can tell; a whole hit's figures are not
    /// read).
    pub fn after_hit(self, written: u64, visited: u64) -> WriteHistory {
        match self {
            WriteHistory::Tracking if at_least(written, visited, ENTER_WHOLE) => {
                WriteHistory::Whole {
                    countdown: FIRST_INTERVAL,
                    interval: FIRST_INTERVAL,
                }
            }
            WriteHistory::Tracking => WriteHistory::Tracking,
            WriteHistory::Whole {
                countdown,
                interval,
            } if countdown > 0 => WriteHistory::Whole {
                countdown: countdown - 1,
                interval,
            },
            WriteHistory::Whole { interval, .. } => WriteHistory::Probing { interval },
            WriteHistory::Probing { interval } if at_least(written, visited, STAY_WHOLE) => {
                let interval = interval.saturating_mul(2).min(MAX_INTERVAL);
                WriteHistory::Whole {
                    countdown: interval,
                    interval,
                }
            }
            WriteHistory::Probing { .. } => WriteHistory::Tracking,
        }
    }
}

/// Whether the dirty-tracking cache adapts its re-zeroing to each region's
/// writes. Its one name ([`Adaptation::name`]: `adaptive`, `tracked`) is
/// the kernel's `rezero=` word and the records' spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Adaptation {
    /// Follow each region's write history (`WriteHistory`); the default.
    #[default]
    On,
    /// Always re-zero the tracked way, as before this policy existed.
    Off,
}

impl Adaptation {
    /// Both settings, the default first.
    pub const ALL: [Adaptation; 2] = [Adaptation::On, Adaptation::Off];

    /// The setting's one name: `adaptive` or `tracked`.
    pub const fn name(self) -> &'static str {
        match self {
            Adaptation::On => "adaptive",
            Adaptation::Off => "tracked",
        }
    }
}

impl fmt::Display for Adaptation {
    /// The setting's [`name`](Adaptation::name).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a text is not the name of an [`Adaptation`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ParseAdaptationError;

impl fmt::Display for ParseAdaptationError {
    /// `expected adaptive or tracked`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [first, second] = Adaptation::ALL;
        write!(f, "expected {first} or {second}")
    }
}

impl core::error::Error for ParseAdaptationError {}

impl FromStr for Adaptation {
    type Err = ParseAdaptationError;

    /// Reads a setting [`name`](Adaptation::name); the match is exact.
    fn from_str(text: &str) -> Result<Adaptation, ParseAdaptationError> {
        Adaptation::ALL
            .into_iter()
            .find(|setting| setting.name() == text)
            .ok_or(ParseAdaptationError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The history after a run of tracked or whole hits, each writing
    /// `written` of 100 pages.
    fn run(mut history: WriteHistory, hits: &[u64]) -> WriteHistory {
        for &written in hits {
            history = history.after_hit(written, 100);
        }
        history
    }

    #[test]
    fn a_wholly_written_block_switches_to_whole_rezeroing() {
        let whole = WriteHistory::Tracking.after_hit(75, 100);
        assert_eq!(
            whole,
            WriteHistory::Whole {
                countdown: 4,
                interval: 4
            }
        );
        assert_eq!(whole.plan(), Rezero::Whole);
        assert_eq!(
            WriteHistory::Tracking.after_hit(74, 100),
            WriteHistory::Tracking
        );
        assert_eq!(WriteHistory::Tracking.plan(), Rezero::Tracked);
    }

    #[test]
    fn an_empty_span_teaches_nothing() {
        let tracking = WriteHistory::Tracking;
        assert_eq!(tracking.after_hit(0, 0), WriteHistory::Tracking);
        let probing = WriteHistory::Probing { interval: 4 };
        assert_eq!(probing.after_hit(0, 0), WriteHistory::Tracking);
    }

    #[test]
    fn whole_mode_probes_after_its_countdown_and_doubles_the_interval() {
        let whole = run(WriteHistory::Tracking, &[100]);
        // Four whole hits, then the probe hit (tracked), then the deciding hit.
        let probe = run(whole, &[0, 0, 0, 0]);
        assert_eq!(probe.plan(), Rezero::Tracked, "the probe re-arms");
        assert_eq!(
            probe.after_hit(0, 100),
            WriteHistory::Probing { interval: 4 }
        );
        let deciding = probe.after_hit(0, 100);
        assert_eq!(deciding.plan(), Rezero::Tracked);
        assert_eq!(
            deciding.after_hit(50, 100),
            WriteHistory::Whole {
                countdown: 8,
                interval: 8
            }
        );
    }

    #[test]
    fn sparse_writes_after_a_probe_return_to_tracking() {
        let deciding = WriteHistory::Probing { interval: 4 };
        assert_eq!(deciding.after_hit(49, 100), WriteHistory::Tracking);
    }

    #[test]
    fn the_probe_interval_stops_growing_at_its_maximum() {
        let deciding = WriteHistory::Probing { interval: 48 };
        let expected = WriteHistory::Whole {
            countdown: 64,
            interval: 64,
        };
        assert_eq!(deciding.after_hit(100, 100), expected);
        let again = WriteHistory::Probing { interval: 64 };
        assert_eq!(again.after_hit(100, 100), expected);
    }

    #[test]
    fn thresholds_hold_for_huge_spans() {
        assert!(at_least(u64::MAX, u64::MAX, ENTER_WHOLE));
        assert!(!at_least(0, u64::MAX, STAY_WHOLE));
    }

    #[test]
    fn names_read_back_as_their_setting() {
        for setting in Adaptation::ALL {
            assert_eq!(std::format!("{setting}").parse(), Ok(setting));
        }
        assert_eq!(Adaptation::default(), Adaptation::On);
        assert_eq!("off".parse::<Adaptation>(), Err(ParseAdaptationError));
        assert_eq!(
            std::format!("{ParseAdaptationError}"),
            "expected adaptive or tracked"
        );
    }
}
