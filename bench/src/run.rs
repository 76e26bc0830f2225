//! One whole benchmark: plan, boot, measure the host, judge, write.
//!
//! [`run_bench`] is what `cargo run --release -- bench` does once the kernel
//! is built: it measures the host's libc baselines first (while the host is
//! otherwise idle), boots every guest of the [`BenchPlan`] with a progress
//! bar, judges the targets, and writes the CSV, JSON, summary and plots.
//! Booting is passed in, so tests can stand in a scripted kernel for QEMU.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::error::BenchError;
use crate::execute::{Boot, Executor};
use crate::plan::BenchPlan;
use crate::results::BenchResults;
use crate::summary::summary;
use crate::targets::{TargetResult, evaluate};
use crate::{host, output, plot};
use pristine::progress;
use pristine::qemu::{Accel, Machine};

/// How to run a benchmark, beyond the machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchSettings {
    /// The quick sweep instead of the full one.
    pub quick: bool,
    /// Measured rounds per point, if not the sweep's default.
    pub rounds: Option<u64>,
    /// Where the files go.
    pub out: PathBuf,
    /// Guests to run at once under `-icount`.
    pub jobs: usize,
    /// `--timeout`, replacing each boot's own estimate.
    pub timeout: Option<Duration>,
    /// Whether to hide the progress bar (`--json`).
    pub quiet: bool,
}

/// What a finished benchmark found and wrote.
#[derive(Debug, Clone)]
pub struct BenchReport {
    /// Everything measured.
    pub results: BenchResults,
    /// Every target, judged.
    pub targets: Vec<TargetResult>,
    /// The summary text (also in `summary.txt`).
    pub summary: String,
    /// Every file written.
    pub files: Vec<PathBuf>,
    /// Wall-clock time of the whole benchmark.
    pub elapsed: Duration,
}

impl BenchReport {
    /// The targets that did not pass (misses and n/a).
    pub fn unmet(&self) -> impl Iterator<Item = &TargetResult> {
        self.targets.iter().filter(|target| !target.passed())
    }
}

/// Runs the benchmark `settings` describe on `machine`, booting with `boot`.
pub fn run_bench(
    machine: Machine,
    settings: &BenchSettings,
    boot: &Boot<'_>,
) -> Result<BenchReport, BenchError> {
    if machine.accel != Accel::Tcg {
        return Err(BenchError::NeedsTcg);
    }
    let started = Instant::now();
    output::create_dir(&settings.out)?;
    let plan = BenchPlan::new(settings.quick, settings.rounds);
    let host_baselines = host::measure()?;
    let bar = progress::bar(plan.expected_records(), settings.quiet);
    bar.set_prefix(if settings.quick {
        "quick bench"
    } else {
        "bench"
    });
    let executor = Executor {
        machine,
        timeout: settings.timeout,
        jobs: settings.jobs,
        bar: bar.clone(),
        boot,
    };
    let measured = executor.execute(&plan);
    bar.finish_and_clear();
    let mut results = measured?;
    results.host_baselines = host_baselines;
    let targets = evaluate(&results);
    let sweep = if settings.quick { "quick" } else { "full" };
    let summary = summary(&results, &targets, sweep);
    let mut files = output::write_all(&settings.out, &results, &targets, &summary)?;
    files.extend(plot::write_plots(&settings.out, &results)?);
    Ok(BenchReport {
        results,
        targets,
        summary,
        files,
        elapsed: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::fake_boot;
    use pristine::Clock;

    fn settings(out: PathBuf) -> BenchSettings {
        BenchSettings {
            quick: true,
            rounds: Some(2),
            out,
            jobs: 2,
            timeout: None,
            quiet: true,
        }
    }

    #[test]
    fn quick_bench_against_a_scripted_kernel_writes_everything_and_passes() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let report = run_bench(
            Machine::new("kernel"),
            &settings(dir.path().into()),
            &fake_boot,
        )
        .expect("the scripted kernel answers every boot");
        assert_eq!(report.results.on(Clock::Instructions).count(), 4 * 15);
        assert_eq!(report.results.on(Clock::TcgTicks).count(), 4 * 2);
        assert_eq!(report.results.guest_baselines.len(), 6);
        assert_eq!(report.results.host_baselines.len(), 2);
        let unmet: Vec<String> = report
            .unmet()
            .map(|t| format!("{}: {}", t.name, t.detail))
            .collect();
        assert!(unmet.is_empty(), "unmet targets: {unmet:?}");
        for name in [
            "points.csv",
            "points.json",
            "baselines.json",
            "summary.txt",
            "cost_vs_size.svg",
            "cost_vs_size.png",
            "cost_vs_written.svg",
            "cost_vs_written.png",
            "cost_vs_read.svg",
            "cost_vs_read.png",
        ] {
            assert!(dir.path().join(name).is_file(), "{name} is missing");
        }
        assert!(report.summary.contains("PASS"));
    }

    #[test]
    fn a_kernel_without_the_bench_mode_stops_the_bench() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let silent: &Boot = &|config, on_line| {
            let mut config = config.clone();
            config.machine.cmdline = pristine::cmdline::KernelCmdline::new();
            fake_boot(&config, on_line)
        };
        let error = run_bench(Machine::new("kernel"), &settings(dir.path().into()), silent)
            .expect_err("no records arrive");
        assert!(
            matches!(error, BenchError::WrongRecordCount { got: 0, .. }),
            "{error}"
        );
    }

    #[test]
    fn kvm_is_refused() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut machine = Machine::new("kernel");
        machine.accel = Accel::Kvm;
        let error = run_bench(machine, &settings(dir.path().into()), &fake_boot);
        assert!(matches!(error, Err(BenchError::NeedsTcg)));
    }
}
