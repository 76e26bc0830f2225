//! The command line of `cargo bench -p pristine-bench`, and what it does.
//!
//! `cargo bench` runs the `sweep` bench target (`benches/sweep.rs`) with the
//! words after `--` and a trailing `--bench` of its own; [`BenchArgs`] reads
//! them. [`execute_args`] builds the kernel (or takes `--kernel`), boots
//! every guest of the sweep under `-icount`, writes the files and plots,
//! shows the summary, and with `--check` fails when a target did not pass:
//! that is the step CI runs.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use pristine::arch::Arch;
use pristine::console::Console;
use pristine::kernel_build::{
    BuildError, build_breakdown_kernel, build_kernel_for, workspace_root,
};
use pristine::qemu::{Accel, Machine, QemuError};
use pristine::run::run_kernel_with;
use pristine::size::MemorySize;

use crate::breakdown::BreakdownRow;
use crate::error::BenchError;
use crate::run::{BenchReport, BenchSettings, run_bench};

/// The benchmark sweep: boots the Pristine kernel under -icount for every
/// policy, size and written fraction, judges the targets, and writes CSV,
/// JSON, a summary and plots.
#[derive(Debug, Clone, Default, PartialEq, Eq, Parser)]
#[command(name = "pristine-bench", bin_name = "cargo bench -p pristine-bench --")]
#[command(version, about, long_about = None)]
pub struct BenchArgs {
    /// Guest architecture: the kernel is built for it and booted in its QEMU
    #[arg(long, value_enum, value_name = "ARCH", default_value_t)]
    pub arch: Arch,

    /// A short sweep: the sizes and written fractions the targets need
    #[arg(long)]
    pub quick: bool,

    /// Run the quick sweep and exit with failure when any target misses
    #[arg(long)]
    pub check: bool,

    /// Measured rounds per point, after one warm-up round [default: 5; quick 3]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub rounds: Option<u64>,

    /// Where to write CSV, JSON, summary and plots [default: target/bench;
    /// riscv64: target/bench/riscv64]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Guests to run at once under -icount [default: the host's CPU count]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=64))]
    pub jobs: Option<u64>,

    /// Guest RAM in QEMU's notation [default: 3G: a fully written 1 GiB block
    /// and a full cache]
    #[arg(long, value_name = "SIZE")]
    pub memory: Option<MemorySize>,

    /// Extra kernel command-line words, appended to every boot's own
    #[arg(long, value_name = "ARGS", allow_hyphen_values = true)]
    pub append: Option<String>,

    /// Kill each boot after this many seconds [default: what its sweep needs]
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: Option<u64>,

    /// Boot this kernel ELF instead of building the workspace's kernel
    #[arg(long, value_name = "PATH")]
    pub kernel: Option<PathBuf>,

    /// Print the points and targets as JSON objects on stdout; the summary
    /// goes to stderr
    #[arg(long)]
    pub json: bool,

    /// Instead of the sweep: build the kernel with its `breakdown` feature
    /// and measure where the instructions of a 100 MiB round go, per policy
    /// (breakdown.csv and a stacked-bar plot in the output directory)
    #[arg(long, conflicts_with_all = ["check", "quick"])]
    pub breakdown: bool,

    /// Added by `cargo bench`; without it (a bench target run by `cargo
    /// test`) nothing is measured
    #[arg(long, hide = true)]
    pub bench: bool,
}

/// Why `cargo bench -p pristine-bench` did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The host cannot run QEMU as asked.
    #[error(transparent)]
    Qemu(#[from] QemuError),
    /// The kernel could not be built.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// `--kernel` names a file that does not exist.
    #[error("the kernel file {} does not exist", .0.display())]
    KernelMissing(PathBuf),
    /// The benchmark did not produce its results.
    #[error(transparent)]
    Bench(#[from] BenchError),
    /// `--check` found targets that did not pass.
    #[error("{count} benchmark targets did not pass: {names}")]
    TargetsMissed {
        /// How many missed or were n/a.
        count: usize,
        /// Their names and verdicts.
        names: String,
    },
}

/// Guest RAM for the sweep: a fully written 1 GiB block plus the cache.
pub const BENCH_MEMORY: MemorySize = MemorySize::THREE_GIB;

impl BenchArgs {
    /// The settings these arguments ask for.
    pub fn settings(&self) -> BenchSettings {
        let cpus = std::thread::available_parallelism().map_or(1, usize::from);
        BenchSettings {
            quick: self.quick || self.check,
            rounds: self.rounds,
            out: self.out.clone().unwrap_or_else(|| {
                let default = crate::output::default_dir(workspace_root());
                match self.arch {
                    Arch::X86_64 => default,
                    other => default.join(other.name()),
                }
            }),
            jobs: self
                .jobs
                .and_then(|jobs| usize::try_from(jobs).ok())
                .unwrap_or(cpus),
            timeout: self.timeout.map(Duration::from_secs),
            quiet: self.json,
        }
    }
}

/// Runs the sweep `args` ask for, shows it, and judges `--check`.
pub fn execute_args(args: &BenchArgs) -> Result<BenchReport, CliError> {
    let console = Console::new(args.json);
    let machine = machine(args, console, build_kernel_for)?;
    let settings = args.settings();
    console.note(&format!(
        "pristine-bench: the {} benchmark ({} guest): writing to {}",
        if settings.quick { "quick" } else { "full" },
        machine.memory,
        settings.out.display()
    ));
    let report = run_bench(machine, &settings, &|config, on_line| {
        run_kernel_with(config, on_line)
    })?;
    crate::show::show(&report, console);
    if args.check {
        check(&report)?;
    }
    Ok(report)
}

/// `--breakdown`: builds the `breakdown` kernel, boots it once per setup,
/// writes `breakdown.csv` and the plot into the output directory, and
/// prints the table.
pub fn execute_breakdown(args: &BenchArgs) -> Result<Vec<BreakdownRow>, CliError> {
    let console = Console::new(args.json);
    let machine = machine(args, console, build_breakdown_kernel)?;
    let out = args.settings().out;
    console.note(&format!(
        "pristine-bench: the instruction breakdown: writing to {}",
        out.display()
    ));
    let rows = crate::breakdown::measure(&machine, &|config, on_line| {
        run_kernel_with(config, on_line)
    })?;
    let paths = crate::breakdown::write_files(&out, &rows)?;
    println!("{}", crate::breakdown::table(&rows));
    for path in paths {
        console.note(&format!("  {}", path.display()));
    }
    Ok(rows)
}

/// `Ok` when every target of `report` passed, else the ones that did not.
pub fn check(report: &BenchReport) -> Result<(), CliError> {
    let unmet: Vec<String> = report
        .unmet()
        .map(|target| format!("{} ({})", target.name, target.verdict))
        .collect();
    if unmet.is_empty() {
        Ok(())
    } else {
        Err(CliError::TargetsMissed {
            count: unmet.len(),
            names: unmet.join(", "),
        })
    }
}

/// The machine every boot starts from: TCG under `-icount`, the guest RAM
/// asked for, the user's `--append` words, QEMU checked and the kernel built.
/// `build` makes the kernel unless `--kernel` names one.
fn machine(
    args: &BenchArgs,
    console: Console,
    build: fn(Arch) -> Result<PathBuf, BuildError>,
) -> Result<Machine, CliError> {
    let mut machine = Machine::new(PathBuf::new());
    machine.arch = args.arch;
    machine.memory = args.memory.unwrap_or(BENCH_MEMORY);
    machine.accel = Accel::Tcg;
    machine.icount = true;
    if let Some(extra) = &args.append {
        machine.cmdline.append_raw(extra);
    }
    if let Some(path) = args.kernel.as_ref().filter(|path| !path.is_file()) {
        return Err(CliError::KernelMissing(path.clone()));
    }
    machine.preflight()?;
    machine.kernel = match &args.kernel {
        Some(path) => path.clone(),
        None => {
            console.note(&format!(
                "pristine-bench: building the {} kernel",
                args.arch
            ));
            build(args.arch)?
        }
    };
    Ok(machine)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::fake_boot;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<BenchArgs, clap::Error> {
        BenchArgs::try_parse_from(std::iter::once("sweep").chain(args.iter().copied()))
    }

    #[test]
    fn definition_is_consistent() {
        BenchArgs::command().debug_assert();
    }

    #[test]
    fn takes_its_switches_and_the_one_cargo_bench_adds() {
        let args = parse(&[
            "--check", "--rounds", "3", "--out", "/tmp/b", "--jobs", "2", "--bench",
        ])
        .expect("valid");
        assert!(args.check && !args.quick && args.bench);
        assert_eq!((args.rounds, args.jobs), (Some(3), Some(2)));
        let settings = args.settings();
        assert!(settings.quick, "--check runs the quick sweep");
        assert_eq!(settings.out, PathBuf::from("/tmp/b"));
        assert!(parse(&["--rounds", "0"]).is_err());
        assert!(parse(&["--jobs", "65"]).is_err());
        assert_eq!(parse(&[]).expect("valid").memory, None);
    }

    #[test]
    fn check_fails_exactly_when_a_target_misses() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let settings = BenchSettings {
            out: dir.path().into(),
            ..parse(&["--check"]).expect("valid").settings()
        };
        let mut report =
            run_bench(Machine::new("kernel"), &settings, &fake_boot).expect("the fake answers");
        assert!(check(&report).is_ok());
        report.targets[0].verdict = crate::Verdict::Miss;
        let error = check(&report).expect_err("a target missed");
        assert!(
            error
                .to_string()
                .starts_with("1 benchmark targets did not pass: untouched reuse at 100 MiB (MISS)"),
            "{error}"
        );
    }

    #[test]
    fn a_missing_kernel_file_is_reported_before_booting() {
        let args = parse(&["--kernel", "/nonexistent/pristine-kernel"]).expect("valid");
        let Err(error) = machine(&args, Console::new(true), build_kernel_for) else {
            panic!("a missing kernel file must be refused");
        };
        assert_eq!(
            error.to_string(),
            "the kernel file /nonexistent/pristine-kernel does not exist"
        );
    }
}
