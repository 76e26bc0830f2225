//! Which guests the benchmark boots, with which command lines and limits.
//!
//! A sweep is a list of groups, each a set of sizes crossed with a set of
//! written specs; the kernel measures one group per boot (`mode=bench`).
//! The full sweep is one group (every size with every written spec); the
//! quick sweep splits its points in two groups so it never writes a whole
//! 1 GiB block, the slowest point there is, yet still has every point the
//! targets need. [`BenchPlan`] boots every group once per policy setup under
//! `-icount`, the guest baselines once (`mode=baseline`), and a small
//! reference sweep per setup without `-icount` for plain-TCG figures.

use std::time::Duration;

use pristine::Setup;
use pristine::cmdline::{CmdlineError, KernelCmdline};
use pristine_allocator::{DirtyStrategy, Policy};
use pristine_records::{AllocationSize, Record, Written};

/// The setups the benchmark compares: no cache, the always-zero cache, and
/// dirty tracking with each strategy.
pub const SETUPS: [Setup; 4] = [
    Setup::new(Policy::NoCache, DirtyStrategy::Hardware),
    Setup::new(Policy::AlwaysZero, DirtyStrategy::Hardware),
    Setup::new(Policy::DirtyTracking, DirtyStrategy::Hardware),
    Setup::new(Policy::DirtyTracking, DirtyStrategy::Software),
];

/// Sizes crossed with written specs: one kernel boot per setup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepGroup {
    /// Allocation sizes, in the order the kernel measures them.
    pub sizes: Vec<AllocationSize>,
    /// Written specs measured at every size.
    pub written: Vec<Written>,
}

/// A whole sweep: its groups and its measured rounds per point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sweep {
    /// The groups, each booted separately.
    pub groups: Vec<SweepGroup>,
    /// Measured rounds per point (after one warm-up round).
    pub rounds: u64,
}

/// What one boot of the benchmark measures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunKind {
    /// A sweep group for one setup.
    Sweep {
        /// The policy setup.
        setup: Setup,
        /// The points.
        group: SweepGroup,
        /// Measured rounds per point.
        rounds: u64,
    },
    /// The guest's baselines.
    Baseline,
}

/// One boot of the benchmark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchRun {
    /// What it measures.
    pub kind: RunKind,
    /// Whether it runs under `-icount shift=0,sleep=off`.
    pub icount: bool,
}

/// Every boot of one benchmark, in the order they are reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchPlan {
    /// The sweep measured under `-icount`.
    pub sweep: Sweep,
    /// The boots: sweeps under `-icount`, the baselines, then plain TCG.
    pub runs: Vec<BenchRun>,
}

/// The baselines a baseline run must print; the kernel may print more
/// (such as the per-page cost of each clear routine it compared).
pub const REQUIRED_BASELINES: [&str; 5] = [
    "clear_100mib",
    "cow_fault",
    "frame_alloc_free",
    "duplicate_100mib_10pct",
    "copy_100mib",
];

/// Time to boot a guest and print, whatever it measures.
const BASE_BUDGET: Duration = Duration::from_secs(60);
/// Guest time allowed per round for everything but pages.
const ROUND_BUDGET: Duration = Duration::from_millis(20);
/// Guest time allowed per page of the block per round (zeroing or mapping).
const PAGE_BUDGET: Duration = Duration::from_micros(20);
/// Guest time allowed per written page per round (a fault and a clear).
const WRITTEN_PAGE_BUDGET: Duration = Duration::from_micros(100);

impl Sweep {
    /// The full sweep of issue 5: 128 KiB to 1 GiB in powers of two, plus
    /// 100, 127 and 129 MiB, each with every written spec; and the read
    /// axis (issue 12) at 100 MiB.
    pub fn full(rounds: u64) -> Self {
        let mut sizes: Vec<AllocationSize> = (7..=20)
            .map(|shift| AllocationSize::kib(1 << shift))
            .collect();
        sizes.extend([100, 127, 129].map(AllocationSize::mib));
        sizes.sort();
        Sweep {
            groups: vec![
                SweepGroup {
                    sizes,
                    written: Written::SWEEP.to_vec(),
                },
                SweepGroup {
                    sizes: vec![AllocationSize::HUNDRED_MIB],
                    written: Written::READS.to_vec(),
                },
            ],
            rounds,
        }
    }

    /// The quick sweep: untouched reuse across sizes around the cache limit
    /// and up to 1 GiB, and every written and read spec at 100 MiB.
    pub fn quick(rounds: u64) -> Self {
        let kib = AllocationSize::kib;
        let mib = AllocationSize::mib;
        Sweep {
            groups: vec![
                SweepGroup {
                    sizes: vec![
                        kib(128),
                        mib(1),
                        mib(16),
                        mib(127),
                        mib(128),
                        mib(129),
                        mib(1024),
                    ],
                    written: vec![Written::Nothing],
                },
                SweepGroup {
                    sizes: vec![AllocationSize::HUNDRED_MIB],
                    written: Written::SWEEP.into_iter().chain(Written::READS).collect(),
                },
            ],
            rounds,
        }
    }

    /// The plain-TCG reference: 100 MiB, untouched and fully written.
    pub fn reference(rounds: u64) -> Self {
        Sweep {
            groups: vec![SweepGroup {
                sizes: vec![AllocationSize::HUNDRED_MIB],
                written: vec![Written::Nothing, Written::Percent(100)],
            }],
            rounds,
        }
    }

    /// Points in the sweep, per setup.
    pub fn points(&self) -> u64 {
        self.groups.iter().map(SweepGroup::points).sum()
    }
}

impl SweepGroup {
    /// Points in the group: sizes times written specs.
    pub fn points(&self) -> u64 {
        (self.sizes.len() * self.written.len()) as u64
    }
}

impl BenchPlan {
    /// Default measured rounds of the full sweep.
    pub const FULL_ROUNDS: u64 = 5;
    /// Default measured rounds of the quick sweep.
    pub const QUICK_ROUNDS: u64 = 3;

    /// The plan for the quick or the full sweep, with `rounds` if given.
    pub fn new(quick: bool, rounds: Option<u64>) -> Self {
        let sweep = if quick {
            Sweep::quick(rounds.unwrap_or(Self::QUICK_ROUNDS))
        } else {
            Sweep::full(rounds.unwrap_or(Self::FULL_ROUNDS))
        };
        let reference = Sweep::reference(sweep.rounds);
        let mut runs = sweep_runs(&sweep, true);
        runs.push(BenchRun {
            kind: RunKind::Baseline,
            icount: true,
        });
        runs.extend(sweep_runs(&reference, false));
        BenchPlan { sweep, runs }
    }

    /// Records every boot of the plan prints, for the progress bar.
    pub fn expected_records(&self) -> u64 {
        self.runs.iter().map(BenchRun::expected_records).sum()
    }
}

/// One run per setup and group of `sweep`.
fn sweep_runs(sweep: &Sweep, icount: bool) -> Vec<BenchRun> {
    let mut runs = Vec::new();
    for setup in SETUPS {
        for group in &sweep.groups {
            runs.push(BenchRun {
                kind: RunKind::Sweep {
                    setup,
                    group: group.clone(),
                    rounds: sweep.rounds,
                },
                icount,
            });
        }
    }
    runs
}

impl BenchRun {
    /// The kernel command line of this boot.
    pub fn cmdline(&self) -> Result<KernelCmdline, CmdlineError> {
        let mut cmdline = KernelCmdline::new();
        let RunKind::Sweep {
            setup,
            group,
            rounds,
        } = &self.kind
        else {
            cmdline.set("mode", "baseline")?;
            return Ok(cmdline);
        };
        let sizes: Vec<String> = group.sizes.iter().map(|s| s.bytes().to_string()).collect();
        let written: Vec<String> = group.written.iter().map(Written::to_string).collect();
        cmdline.set("mode", "bench")?;
        cmdline.set("policy", setup.policy.name())?;
        cmdline.set("dirty", setup.dirty.name())?;
        cmdline.set("sizes", &sizes.join(","))?;
        cmdline.set("written", &written.join(","))?;
        cmdline.set("rounds", &rounds.to_string())?;
        Ok(cmdline)
    }

    /// The records this boot must print: one per point, or the required
    /// baselines.
    pub fn expected_records(&self) -> u64 {
        match &self.kind {
            RunKind::Sweep { group, .. } => group.points(),
            RunKind::Baseline => REQUIRED_BASELINES.len() as u64,
        }
    }

    /// Whether `record` is one this boot must print (and counts on the bar).
    pub fn counts(&self, record: &Record) -> bool {
        match (&self.kind, record) {
            (RunKind::Sweep { .. }, Record::BenchPoint(_)) => true,
            (RunKind::Baseline, Record::BenchBaseline(baseline)) => {
                REQUIRED_BASELINES.contains(&baseline.name.as_str())
            }
            _ => false,
        }
    }

    /// A short name for progress and errors: `dirty/hw 8 points (icount)`.
    pub fn label(&self) -> String {
        let clock = if self.icount { "icount" } else { "plain TCG" };
        match &self.kind {
            RunKind::Sweep { setup, group, .. } => {
                format!("{setup} {} points ({clock})", group.points())
            }
            RunKind::Baseline => format!("baselines ({clock})"),
        }
    }

    /// How long this boot may take: a minute plus, for every round of every
    /// point (the warm-up included), a budget for the round, its pages and
    /// its written pages; a read spec may fault on every page (`read-4k`),
    /// so all its pages count as written.
    pub fn default_timeout(&self) -> Duration {
        let RunKind::Sweep { group, rounds, .. } = &self.kind else {
            return BASE_BUDGET.saturating_mul(2);
        };
        let mut total = BASE_BUDGET;
        for size in &group.sizes {
            for written in &group.written {
                let pages = size.pages();
                let faulting = if written.reads() {
                    pages
                } else {
                    written.pages_of(pages)
                };
                let round = ROUND_BUDGET
                    .saturating_add(PAGE_BUDGET.saturating_mul(clamp_u32(pages)))
                    .saturating_add(WRITTEN_PAGE_BUDGET.saturating_mul(clamp_u32(faulting)));
                total = total.saturating_add(round.saturating_mul(clamp_u32(rounds + 1)));
            }
        }
        total
    }
}

/// `n` as a `u32` multiplier, saturating.
fn clamp_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_sweep_has_seventeen_sizes_and_five_specs_and_the_read_axis() {
        let sweep = Sweep::full(5);
        let sizes = &sweep.groups[0].sizes;
        assert_eq!(sizes.len(), 17);
        assert_eq!(sizes[0], AllocationSize::kib(128));
        assert_eq!(sizes[16], AllocationSize::mib(1024));
        assert!(sizes.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(
            sizes.contains(&AllocationSize::mib(127)) && sizes.contains(&AllocationSize::mib(128))
        );
        assert_eq!(sweep.groups[1].written, Written::READS);
        assert_eq!(sweep.points(), 85 + 3);
    }

    #[test]
    fn quick_plan_boots_each_group_per_setup_then_baselines_then_reference() {
        let plan = BenchPlan::new(true, None);
        assert_eq!(plan.sweep.rounds, 3);
        assert_eq!(plan.runs.len(), 4 * 2 + 1 + 4);
        assert!(plan.runs[..9].iter().all(|run| run.icount));
        assert!(plan.runs[9..].iter().all(|run| !run.icount));
        assert_eq!(plan.runs[8].kind, RunKind::Baseline);
        assert_eq!(plan.expected_records(), 4 * 15 + 5 + 4 * 2);
    }

    #[test]
    fn command_lines_follow_the_protocol() {
        let plan = BenchPlan::new(true, Some(4));
        let second = plan.runs[1].cmdline().expect("valid").to_string();
        assert_eq!(
            second,
            "mode=bench policy=nocache dirty=hw sizes=104857600 \
             written=0,page,10,50,100,read,read-4k,write-read rounds=4"
        );
        let sw = plan.runs[6].cmdline().expect("valid").to_string();
        assert!(sw.starts_with("mode=bench policy=dirty dirty=sw sizes=131072,1048576,"));
        assert_eq!(
            plan.runs[8].cmdline().expect("valid").to_string(),
            "mode=baseline"
        );
        assert_eq!(plan.runs[12].label(), "dirty/sw 2 points (plain TCG)");
    }

    fn run(written: Written, rounds: u64) -> BenchRun {
        BenchRun {
            kind: RunKind::Sweep {
                setup: SETUPS[0],
                group: SweepGroup {
                    sizes: vec![AllocationSize::HUNDRED_MIB],
                    written: vec![written],
                },
                rounds,
            },
            icount: true,
        }
    }

    #[test]
    fn timeouts_grow_with_pages_and_rounds() {
        // 4 rounds of 20 ms + 25,600 pages x 20 us = 532 ms.
        let untouched = run(Written::Nothing, 3).default_timeout();
        assert_eq!(untouched, Duration::from_millis(60_000 + 4 * 532));
        let written = run(Written::Percent(100), 3).default_timeout();
        assert_eq!(written, untouched + Duration::from_millis(4 * 2_560));
        assert!(run(Written::Nothing, 9).default_timeout() > untouched);
        assert_eq!(
            run(Written::ReadUntouchedSmallZero, 3).default_timeout(),
            written
        );
        let plan = BenchPlan::new(true, None);
        assert_eq!(plan.runs[8].default_timeout(), Duration::from_secs(120));
        assert!(
            plan.runs
                .iter()
                .all(|run| run.default_timeout() < Duration::from_secs(300))
        );
    }
}
