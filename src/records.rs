//! The records the kernel prints in its demo, bench and baseline modes.
//!
//! [`crate::protocol`] reads every `@@PRISTINE` line; the kinds defined here
//! are the measuring ones: `progress` while a long demo row runs, `demo-row`
//! once per (policy, size) of the seed's loop, `bench-point` once per (size,
//! written) of a benchmark sweep, and `bench-baseline` for the guest's own
//! reference costs. Tick fields come from the guest's `rdtsc`; what a tick is
//! depends on how QEMU ran (see [`crate::experiment::Clock`]). Fields the
//! runner does not know are ignored, so the kernel may add some freely.

use serde::{Deserialize, Serialize};

use crate::alloc_size::AllocationSize;
use crate::experiment::{DirtyStrategy, Policy, Setup, Written};

/// How far a long demo row has got (kind `"progress"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// What is running, e.g. `alwayszero 100 MiB`.
    pub label: String,
    /// Rounds done.
    pub done: u64,
    /// Rounds in all.
    pub total: u64,
}

/// One (policy, size) of the seed's loop, totals over all rounds (kind
/// `"demo-row"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoRow {
    /// The cache policy.
    pub policy: Policy,
    /// The dirty strategy the kernel used.
    pub dirty: DirtyStrategy,
    /// Bytes per `calloc`.
    pub size: AllocationSize,
    /// Rounds of `calloc` + `free`.
    pub rounds: u64,
    /// Ticks for all rounds.
    pub ticks_total: u64,
    /// Ticks for the first round alone (the cache is still empty then).
    pub ticks_first_round: u64,
    /// Pages zeroed.
    pub pages_zeroed: u64,
    /// Page faults taken.
    pub faults: u64,
    /// Copy-on-write faults among them.
    pub cow_faults: u64,
    /// Faults on reads among them.
    pub read_faults: u64,
    /// Allocations served from the cache.
    pub cache_hits: u64,
    /// Allocations that looked in the cache and found nothing.
    pub cache_misses: u64,
    /// Allocations too large for the cache.
    pub cache_bypasses: u64,
}

/// One measured point of a benchmark sweep (kind `"bench-point"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenchPoint {
    /// The cache policy.
    pub policy: Policy,
    /// The dirty strategy.
    pub dirty: DirtyStrategy,
    /// Bytes per `calloc`.
    pub size: AllocationSize,
    /// Pages the allocation covers.
    pub pages: u64,
    /// The written spec the round followed.
    pub written: Written,
    /// Pages each round wrote.
    pub written_pages: u64,
    /// Measured rounds (the warm-up round excluded).
    pub rounds: u64,
    /// Ticks of each measured round.
    pub ticks: Vec<u64>,
    /// Pages zeroed over the measured rounds.
    pub pages_zeroed: u64,
    /// Faults over the measured rounds.
    pub faults: u64,
    /// Cache hits over the measured rounds.
    pub cache_hits: u64,
}

/// A guest reference cost, measured several times (kind `"bench-baseline"`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BenchBaseline {
    /// Which baseline: `clear_100mib`, `cow_fault` or `frame_alloc_free`.
    pub name: String,
    /// Ticks of each sample.
    pub ticks: Vec<u64>,
    /// What was measured, for people.
    pub what: String,
}

impl DemoRow {
    /// The policy and strategy of this row.
    pub fn setup(&self) -> Setup {
        Setup::new(self.policy, self.dirty)
    }
}

impl BenchPoint {
    /// The policy and strategy of this point.
    pub fn setup(&self) -> Setup {
        Setup::new(self.policy, self.dirty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_demo_row() {
        let json = r#"{"kind":"demo-row","policy":"alwayszero","dirty":"hw","size":104857600,"rounds":20,"ticks_total":900,"ticks_first_round":45,"pages_zeroed":512000,"faults":0,"cow_faults":0,"read_faults":0,"cache_hits":19,"cache_misses":1,"cache_bypasses":0}"#;
        let row: DemoRow = serde_json::from_str(json).expect("a demo row");
        assert_eq!(
            row.setup(),
            Setup::new(Policy::AlwaysZero, DirtyStrategy::Hw)
        );
        assert_eq!(row.size, AllocationSize::HUNDRED_MIB);
        assert_eq!((row.pages_zeroed, row.cache_hits), (512_000, 19));
    }

    #[test]
    fn reads_a_bench_point_with_extra_fields() {
        let json = r#"{"kind":"bench-point","policy":"dirty","dirty":"sw","size":131072,"pages":32,"written":"page","written_pages":1,"rounds":3,"ticks":[5,4,6],"pages_zeroed":3,"faults":3,"cache_hits":3,"new_field":true}"#;
        let point: BenchPoint = serde_json::from_str(json).expect("a bench point");
        assert_eq!(point.setup().to_string(), "dirty/sw");
        assert_eq!(point.written, Written::OnePage);
        assert_eq!(point.ticks, [5, 4, 6]);
    }

    #[test]
    fn refuses_unknown_policies_and_specs() {
        let bad_policy = r#"{"policy":"lru","dirty":"hw","size":1,"pages":1,"written":"0","written_pages":0,"rounds":1,"ticks":[1],"pages_zeroed":0,"faults":0,"cache_hits":0}"#;
        assert!(serde_json::from_str::<BenchPoint>(bad_policy).is_err());
        let bad_written = bad_policy
            .replace("lru", "nocache")
            .replace(r#""0""#, r#""most""#);
        assert!(serde_json::from_str::<BenchPoint>(&bad_written).is_err());
    }

    #[test]
    fn reads_progress_and_baselines() {
        let progress: Progress =
            serde_json::from_str(r#"{"label":"dirty 100 MiB","done":3,"total":20}"#)
                .expect("progress");
        assert_eq!((progress.done, progress.total), (3, 20));
        let baseline: BenchBaseline = serde_json::from_str(
            r#"{"name":"cow_fault","ticks":[900,910],"what":"one COW fault"}"#,
        )
        .expect("a baseline");
        assert_eq!(baseline.ticks.len(), 2);
    }
}
