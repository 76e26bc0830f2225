//! Everything one benchmark measured, with the medians worked out.
//!
//! Each guest boot contributes `bench-point` or `bench-baseline` records;
//! [`BenchResults`] keeps them together with the clock they were measured on
//! (guest instructions under `-icount`, plain-TCG ticks otherwise), their
//! medians, per-round counters, the cache limits the kernel printed, and the
//! host's own baselines. The targets, the summary, the files and the plots
//! all read from here.

use pristine::stats::{median, per_round};
use pristine::{Clock, Setup};
use pristine_allocator::CacheLimits;
use pristine_records::{AllocationSize, BenchBaseline, BenchPoint, Written};
use serde::Serialize;

use crate::host::HostBaseline;

/// One benchmark point with the figures derived from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MeasuredPoint {
    /// What the ticks count.
    pub clock: Clock,
    /// `nocache`, `alwayszero`, `dirty/hw` or `dirty/sw`.
    pub setup: String,
    /// The kernel's record, as it arrived.
    #[serde(flatten)]
    pub point: BenchPoint,
    /// The median of the per-round ticks.
    pub median_ticks: u64,
    /// The cheapest round.
    pub min_ticks: u64,
    /// The dearest round.
    pub max_ticks: u64,
    /// Pages zeroed per measured round.
    pub pages_zeroed_per_round: f64,
    /// Faults per measured round.
    pub faults_per_round: f64,
    /// Cache hits per measured round.
    pub cache_hits_per_round: f64,
}

/// One guest baseline with its median.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuestBaseline {
    /// What the ticks count.
    pub clock: Clock,
    /// The kernel's record, as it arrived.
    #[serde(flatten)]
    pub baseline: BenchBaseline,
    /// The median sample.
    pub median_ticks: Option<u64>,
}

/// Everything one benchmark measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BenchResults {
    /// Every point, `-icount` and plain TCG, in the order they arrived.
    pub points: Vec<MeasuredPoint>,
    /// The guest's baselines.
    pub guest_baselines: Vec<GuestBaseline>,
    /// The cache limits the kernel printed with its sweeps, if it did.
    #[serde(skip)]
    pub cache_limits: Option<CacheLimits>,
    /// The host's baselines.
    pub host_baselines: Vec<HostBaseline>,
}

/// The guest baseline that times clearing 100 MiB of mapped memory.
pub const CLEAR_100MIB: &str = "clear_100mib";
/// The guest baseline that times one frame allocation and free.
pub const FRAME_ALLOC_FREE: &str = "frame_alloc_free";
/// The guest baseline that times duplicating 100 MiB with 10 % written.
pub const DUPLICATE_100MIB_10PCT: &str = "duplicate_100mib_10pct";
/// The guest baseline that times copying 100 MiB of backed memory.
pub const COPY_100MIB: &str = "copy_100mib";

impl MeasuredPoint {
    /// `point` measured on `clock`, with its medians and per-round figures.
    pub fn new(clock: Clock, point: BenchPoint) -> Self {
        let rounds = point.rounds;
        MeasuredPoint {
            clock,
            setup: Setup::from(&point).to_string(),
            median_ticks: median(&point.ticks).unwrap_or(0),
            min_ticks: point.ticks.iter().copied().min().unwrap_or(0),
            max_ticks: point.ticks.iter().copied().max().unwrap_or(0),
            pages_zeroed_per_round: per_round(point.pages_zeroed, rounds),
            faults_per_round: per_round(point.faults, rounds),
            cache_hits_per_round: per_round(point.cache_hits, rounds),
            point,
        }
    }

    /// Whether this is the point of `setup` at `size` with `written` on `clock`.
    pub fn is(&self, clock: Clock, setup: Setup, size: AllocationSize, written: Written) -> bool {
        self.clock == clock
            && Setup::from(&self.point).same_as(setup)
            && self.point.size == size
            && self.point.written == written
    }
}

impl GuestBaseline {
    /// `baseline` measured on `clock`, with its median.
    pub fn new(clock: Clock, baseline: BenchBaseline) -> Self {
        GuestBaseline {
            clock,
            median_ticks: median(&baseline.ticks),
            baseline,
        }
    }
}

impl BenchResults {
    /// The point of `setup` at `size` with `written` on `clock`, if measured.
    pub fn point(
        &self,
        clock: Clock,
        setup: Setup,
        size: AllocationSize,
        written: Written,
    ) -> Option<&MeasuredPoint> {
        self.points
            .iter()
            .find(|point| point.is(clock, setup, size, written))
    }

    /// The median ticks of that point, if measured.
    pub fn median(
        &self,
        clock: Clock,
        setup: Setup,
        size: AllocationSize,
        written: Written,
    ) -> Option<u64> {
        self.point(clock, setup, size, written)
            .map(|point| point.median_ticks)
    }

    /// The median of the guest baseline `name` on `clock`, if measured.
    pub fn baseline_median(&self, clock: Clock, name: &str) -> Option<u64> {
        self.guest_baselines
            .iter()
            .find(|baseline| baseline.clock == clock && baseline.baseline.name == name)
            .and_then(|baseline| baseline.median_ticks)
    }

    /// The sizes measured on `clock`, ascending, without repeats.
    pub fn sizes(&self, clock: Clock) -> Vec<AllocationSize> {
        let mut sizes: Vec<AllocationSize> = self
            .points
            .iter()
            .filter(|point| point.clock == clock)
            .map(|point| point.point.size)
            .collect();
        sizes.sort();
        sizes.dedup();
        sizes
    }

    /// The points on `clock`, in the order they arrived.
    pub fn on(&self, clock: Clock) -> impl Iterator<Item = &MeasuredPoint> {
        self.points.iter().filter(move |point| point.clock == clock)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::SETUPS;
    use pristine_allocator::{DirtyStrategy, Policy};

    pub(crate) fn point(
        setup: Setup,
        size: AllocationSize,
        written: Written,
        ticks: &[u64],
    ) -> BenchPoint {
        let pages = size.pages();
        BenchPoint {
            policy: setup.policy,
            dirty: setup.dirty,
            size,
            pages,
            written,
            written_pages: written.pages_of(pages),
            rounds: ticks.len() as u64,
            ticks: ticks.to_vec(),
            pages_zeroed: 6,
            faults: 3,
            cache_hits: 0,
        }
    }

    #[test]
    fn derives_median_spread_and_per_round_counters() {
        let setup = Setup::new(Policy::DirtyTracking, DirtyStrategy::Hardware);
        let measured = MeasuredPoint::new(
            Clock::Instructions,
            point(
                setup,
                AllocationSize::HUNDRED_MIB,
                Written::OnePage,
                &[30, 10, 20],
            ),
        );
        assert_eq!(measured.setup, "dirty/hw");
        assert_eq!(
            (
                measured.median_ticks,
                measured.min_ticks,
                measured.max_ticks
            ),
            (20, 10, 30)
        );
        assert_eq!(measured.pages_zeroed_per_round, 2.0);
        assert_eq!(measured.faults_per_round, 1.0);
    }

    #[test]
    fn finds_points_by_clock_setup_size_and_written() {
        let nocache_sw = Setup::new(Policy::NoCache, DirtyStrategy::Software);
        let size = AllocationSize::kib(128);
        let results = BenchResults {
            points: vec![
                MeasuredPoint::new(
                    Clock::Instructions,
                    point(nocache_sw, size, Written::Nothing, &[5]),
                ),
                MeasuredPoint::new(
                    Clock::TcgTicks,
                    point(nocache_sw, size, Written::Nothing, &[9]),
                ),
            ],
            ..BenchResults::default()
        };
        let nocache = SETUPS[0];
        assert_eq!(
            results.median(Clock::Instructions, nocache, size, Written::Nothing),
            Some(5)
        );
        assert_eq!(
            results.median(Clock::TcgTicks, nocache, size, Written::Nothing),
            Some(9)
        );
        assert_eq!(
            results.median(Clock::Instructions, nocache, size, Written::OnePage),
            None
        );
        assert_eq!(
            results.median(Clock::Instructions, SETUPS[2], size, Written::Nothing),
            None
        );
        assert_eq!(results.sizes(Clock::Instructions), [size]);
        assert_eq!(results.on(Clock::TcgTicks).count(), 1);
    }

    #[test]
    fn serialises_points_flat() {
        let measured = MeasuredPoint::new(
            Clock::Instructions,
            point(
                SETUPS[1],
                AllocationSize::kib(128),
                Written::Percent(10),
                &[4],
            ),
        );
        let json = serde_json::to_value(&measured).expect("serialises");
        assert_eq!(json["clock"], "instructions");
        assert_eq!(json["setup"], "alwayszero");
        assert_eq!(json["written"], "10");
        assert_eq!(json["size"], 131_072);
        assert_eq!(json["median_ticks"], 4);
    }
}
