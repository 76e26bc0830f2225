//! The vocabulary of the demo and the benchmark: policies, written pages, clocks.
//!
//! Both experiments compare the kernel's three large-allocation cache
//! policies, name how much of each allocation a round writes, and count time
//! with the guest's `rdtsc`. These types spell those words the way the kernel
//! protocol does (`nocache`, `dirty`, `hw`, `page`, `10`), so the same value
//! goes on the kernel command line, comes back in a record, and appears in a
//! table or a CSV column without translation tables scattered around.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::alloc_size::AllocationSize;

/// The caches take blocks only below this size (allocator
/// `CacheLimits::LIBMALLOC_116`: entries strictly under 128 MiB, as in
/// libmalloc-116); larger blocks bypass the cache and are never re-zeroed.
pub const CACHE_ENTRY_LIMIT: AllocationSize = AllocationSize::mib(128);

/// What `free` and a cached `calloc` do (kernel `policy=`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    /// No cache: like Linux and glibc, every allocation maps fresh zero pages.
    #[value(name = "nocache")]
    NoCache,
    /// A cache that re-zeroes every recycled block in full, like macOS libmalloc.
    #[value(name = "alwayszero")]
    AlwaysZero,
    /// A cache that re-zeroes only the pages written since the last zeroing.
    Dirty,
}

/// How the dirty-tracking cache finds written pages (kernel `dirty=`).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum DirtyStrategy {
    /// The page-table Dirty bit the CPU sets on a write.
    #[default]
    Hw,
    /// Write-protect the pages and note the fault of the first write.
    Sw,
}

/// One policy as configured for a run: the policy and, for `dirty`, how it
/// detects writes. The strategy is carried for every policy (the kernel
/// reports it on every record) but only names a difference for `dirty`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Setup {
    /// The cache policy.
    pub policy: Policy,
    /// The dirty strategy (meaningful for [`Policy::Dirty`] only).
    pub dirty: DirtyStrategy,
}

/// How much of an allocation a benchmark round writes (kernel `written=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Written {
    /// Nothing: the seed's untouched loop.
    Nothing,
    /// Exactly one page.
    OnePage,
    /// This percentage of the pages (1 to 100), rounded down, at least one.
    Percent(u8),
}

/// Why a `written=` spec was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a written spec; use 0, page, or a percentage from 1 to 100")]
pub struct WrittenError(String);

/// The clock the guest's `rdtsc` reads, which decides what a tick means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Clock {
    /// TCG with `-icount shift=0,sleep=off`: one tick per guest instruction,
    /// the same from run to run.
    Instructions,
    /// Plain TCG: the TSC follows the host's wall clock, noisy and scaled.
    TcgTicks,
    /// KVM: the host CPU's TSC, through nested virtualisation.
    KvmTicks,
}

impl Policy {
    /// Every policy, in the order the kernel runs them.
    pub const ALL: [Policy; 3] = [Policy::NoCache, Policy::AlwaysZero, Policy::Dirty];

    /// The word the kernel uses: `nocache`, `alwayszero`, `dirty`.
    pub fn name(self) -> &'static str {
        match self {
            Policy::NoCache => "nocache",
            Policy::AlwaysZero => "alwayszero",
            Policy::Dirty => "dirty",
        }
    }
}

impl DirtyStrategy {
    /// The word the kernel uses: `hw` or `sw`.
    pub fn name(self) -> &'static str {
        match self {
            DirtyStrategy::Hw => "hw",
            DirtyStrategy::Sw => "sw",
        }
    }
}

impl Setup {
    /// The setups the benchmark compares: both caches, no cache, and dirty
    /// tracking with each strategy.
    pub const BENCH: [Setup; 4] = [
        Setup::new(Policy::NoCache, DirtyStrategy::Hw),
        Setup::new(Policy::AlwaysZero, DirtyStrategy::Hw),
        Setup::new(Policy::Dirty, DirtyStrategy::Hw),
        Setup::new(Policy::Dirty, DirtyStrategy::Sw),
    ];

    /// `policy` with `dirty` detection.
    pub const fn new(policy: Policy, dirty: DirtyStrategy) -> Self {
        Setup { policy, dirty }
    }

    /// Two setups are the same experiment when their policies are, and for
    /// dirty tracking also their strategies.
    pub fn same_as(self, other: Setup) -> bool {
        self.policy == other.policy && (self.policy != Policy::Dirty || self.dirty == other.dirty)
    }
}

impl fmt::Display for Setup {
    /// `nocache`, `alwayszero`, `dirty/hw` or `dirty/sw`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.policy {
            Policy::Dirty => write!(f, "dirty/{}", self.dirty.name()),
            policy => f.write_str(policy.name()),
        }
    }
}

impl Written {
    /// The full sweep of issue 5: none, one page, 10 %, 50 %, 100 %.
    pub const SWEEP: [Written; 5] = [
        Written::Nothing,
        Written::OnePage,
        Written::Percent(10),
        Written::Percent(50),
        Written::Percent(100),
    ];

    /// The pages a round writes in an allocation of `pages` pages, by the
    /// kernel's rule: a percentage rounds down but is at least one page.
    pub fn pages_of(self, pages: u64) -> u64 {
        match self {
            Written::Nothing => 0,
            Written::OnePage => pages.min(1),
            Written::Percent(percent) => (pages * u64::from(percent) / 100).max(1).min(pages),
        }
    }

    /// The written share of `pages` pages, in percent, for plots.
    pub fn percent_of(self, pages: u64) -> f64 {
        if pages == 0 {
            return 0.0;
        }
        100.0 * self.pages_of(pages) as f64 / pages as f64
    }
}

impl fmt::Display for Written {
    /// The kernel's word: `0`, `page`, or the percentage.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Written::Nothing => f.write_str("0"),
            Written::OnePage => f.write_str("page"),
            Written::Percent(percent) => write!(f, "{percent}"),
        }
    }
}

impl FromStr for Written {
    type Err = WrittenError;

    /// Parses `0`, `page`, or a percentage from 1 to 100.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "0" => Ok(Written::Nothing),
            "page" => Ok(Written::OnePage),
            _ => match text.parse::<u8>() {
                Ok(percent @ 1..=100) => Ok(Written::Percent(percent)),
                _ => Err(WrittenError(text.to_owned())),
            },
        }
    }
}

impl TryFrom<String> for Written {
    type Error = WrittenError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Written> for String {
    fn from(written: Written) -> Self {
        written.to_string()
    }
}

impl Clock {
    /// The clock of a run under `accel`, with or without `-icount`.
    pub fn of_run(accel: crate::qemu::Accel, icount: bool) -> Self {
        match (accel, icount) {
            (crate::qemu::Accel::Kvm, _) => Clock::KvmTicks,
            (crate::qemu::Accel::Tcg, true) => Clock::Instructions,
            (crate::qemu::Accel::Tcg, false) => Clock::TcgTicks,
        }
    }

    /// What one tick is, for column headers and legends.
    pub fn unit(self) -> &'static str {
        match self {
            Clock::Instructions => "guest instructions",
            Clock::TcgTicks => "TSC ticks (plain TCG)",
            Clock::KvmTicks => "TSC ticks (KVM)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qemu::Accel;

    #[test]
    fn setups_print_like_the_kernel_words() {
        let names: Vec<String> = Setup::BENCH.iter().map(Setup::to_string).collect();
        assert_eq!(names, ["nocache", "alwayszero", "dirty/hw", "dirty/sw"]);
        assert_eq!(Policy::AlwaysZero.name(), "alwayszero");
        assert_eq!(DirtyStrategy::Sw.name(), "sw");
    }

    #[test]
    fn strategy_matters_only_for_dirty_tracking() {
        let nocache_sw = Setup::new(Policy::NoCache, DirtyStrategy::Sw);
        assert!(nocache_sw.same_as(Setup::BENCH[0]));
        assert!(!Setup::BENCH[2].same_as(Setup::BENCH[3]));
        assert!(Setup::BENCH[3].same_as(Setup::BENCH[3]));
    }

    #[test]
    fn written_specs_round_trip() {
        for written in Written::SWEEP {
            assert_eq!(written.to_string().parse(), Ok(written));
        }
        for bad in ["", "101", "-1", "pages", "00x"] {
            assert!(bad.parse::<Written>().is_err(), "{bad} was accepted");
        }
        let json = serde_json::to_string(&Written::OnePage).expect("serialises");
        assert_eq!(json, r#""page""#);
        let back: Written = serde_json::from_str(r#""10""#).expect("a spec");
        assert_eq!(back, Written::Percent(10));
        assert!(serde_json::from_str::<Written>(r#""0.5""#).is_err());
    }

    #[test]
    fn written_pages_follow_the_kernel_rule() {
        assert_eq!(Written::Nothing.pages_of(25_600), 0);
        assert_eq!(Written::OnePage.pages_of(25_600), 1);
        assert_eq!(Written::Percent(10).pages_of(25_600), 2_560);
        assert_eq!(Written::Percent(10).pages_of(5), 1);
        assert_eq!(Written::Percent(100).pages_of(32), 32);
        assert!((Written::Percent(50).percent_of(32) - 50.0).abs() < 1e-9);
    }

    #[test]
    fn clocks_name_their_unit() {
        assert_eq!(Clock::of_run(Accel::Tcg, true).unit(), "guest instructions");
        assert_eq!(
            Clock::of_run(Accel::Tcg, false).unit(),
            "TSC ticks (plain TCG)"
        );
        assert_eq!(Clock::of_run(Accel::Kvm, false), Clock::KvmTicks);
    }
}
