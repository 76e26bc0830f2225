//! The `pristine` command line: global options and subcommands.
//!
//! `cargo run` starts this binary, so `cargo run -- --memory 3G` and
//! `cargo run -- test boot` both land here. The options every boot shares
//! (architecture, memory, accelerator, extra kernel arguments, timeout, JSON
//! output, a prebuilt kernel) are global: they may come before or after the subcommand.
//! Each subcommand is one variant of [`Command`] with its own arguments and
//! its own defaults for guest memory ([`Command::default_memory`]) and the
//! time limit ([`Command::default_timeout`]). A bare `cargo run` runs the
//! demo, the seed's experiment; `cargo run -- boot` only boots. Policies and
//! dirty strategies are read by the allocator's own names and parsers, so
//! `--help` lists exactly the words the kernel accepts. The benchmark is not
//! here: it is `cargo bench -p pristine-bench` (see [`BENCH_MOVED`]).

use std::path::PathBuf;
use std::time::Duration;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand};
use pristine_allocator::{DirtyStrategy, Policy};
use pristine_records::AllocationSize;

use crate::arch::Arch;
use crate::demo::DemoPlan;
use crate::qemu::Accel;
use crate::run::RunConfig;
use crate::size::MemorySize;
use crate::stress::StressPlan;

/// Build the Pristine kernel, boot it in QEMU and report what it says.
///
/// Without a subcommand, runs the demo: the seed's calloc + free loop for each
/// cache policy, as a table.
#[derive(Debug, Clone, Parser)]
#[command(name = "pristine", version, about, long_about = None)]
#[command(after_help = "Examples:\n  \
    cargo run                          the demo: calloc + free per policy, as a table\n  \
    cargo run -- --arch riscv64        the same on riscv64 (QEMU virt, OpenSBI, Sv39)\n  \
    cargo run -- demo --rounds 10000   the seed's full 10,000 rounds\n  \
    cargo run -- demo --icount         count guest instructions instead of timestamp ticks\n  \
    cargo run -- boot                  boot with 512 MiB and show the memory summary\n  \
    cargo run -- test --list           list the kernel's tests\n  \
    cargo run -- test page_fault_reports_cr2_and_error_code\n  \
    cargo run --release -- stress --seed 1 --ops 20000\n  \
    cargo run -- lab list              the course: graded labs (docs/labs.md)\n  \
    cargo run -- --json                machine-readable lines only, as JSON")]
pub struct Cli {
    /// Options every boot shares.
    #[command(flatten)]
    pub options: GlobalOptions,
    /// What to do; `boot` when absent.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options for every subcommand: how to build and boot the guest, and how to
/// report.
#[derive(Debug, Clone, Args)]
pub struct GlobalOptions {
    /// Guest architecture: the kernel is built for it and booted in its QEMU
    #[arg(long, global = true, value_enum, value_name = "ARCH", default_value_t)]
    pub arch: Arch,

    /// Guest RAM in QEMU's notation: 64M, 512M, 3G, 8G, or a plain number of MiB
    /// [default: 512M; demo 2G]
    #[arg(long, global = true, value_name = "SIZE")]
    pub memory: Option<MemorySize>,

    /// Accelerator; TCG is the default because nested KVM is far slower here
    #[arg(long, global = true, value_enum, value_name = "ACCEL", default_value_t)]
    pub accel: Accel,

    /// Extra kernel command-line words, appended verbatim (e.g. "policy=dirty")
    #[arg(long, global = true, value_name = "ARGS", allow_hyphen_values = true)]
    pub append: Option<String>,

    /// Kill QEMU after this many seconds [default: 60; demo: grows with the
    /// rounds asked for]
    #[arg(long, global = true, value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: Option<u64>,

    /// Print only the kernel's machine-readable lines, one JSON object per line,
    /// on stdout; log text and messages go to stderr
    #[arg(long, global = true)]
    pub json: bool,

    /// Boot this kernel ELF instead of building the workspace's kernel
    #[arg(long, global = true, value_name = "PATH")]
    pub kernel: Option<PathBuf>,

    /// Make the guest clock count instructions (-icount shift=0,sleep=off),
    /// for repeatable guest timings; TCG only
    #[arg(long, global = true)]
    pub icount: bool,
}

/// The subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// The seed's experiment: calloc + free, never touched, per policy and
    /// size, as a table (the default)
    Demo(DemoArgs),
    /// Moved: the benchmark sweep is `cargo bench -p pristine-bench`
    #[command(hide = true)]
    Bench(MovedArgs),
    /// Boot normally: banner and memory summary, then exit
    Boot,
    /// Run one kernel test and report pass or fail, or list the kernel's tests
    Test(TestArgs),
    /// A seeded random mix of calloc, malloc, realloc and free in the guest,
    /// every byte read checked, under every policy and strategy
    Stress(StressArgs),
    /// The course: list the labs, start one, grade it (docs/labs.md)
    Lab(LabArgs),
}

/// Arguments of `pristine stress`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct StressArgs {
    /// The seed every random choice derives from; a failure names it
    #[arg(long, value_name = "S", default_value_t = StressPlan::DEFAULT_SEED)]
    pub seed: u64,

    /// Operations in all, shared evenly by the setups
    #[arg(long, value_name = "N", default_value_t = StressPlan::DEFAULT_OPS,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub ops: u64,

    /// Cache policy to run, repeatable [default: all three]
    #[arg(long = "policy", value_name = "POLICY", value_parser = policy_parser())]
    pub policies: Vec<Policy>,

    /// Dirty strategy for dirty tracking, repeatable [default: hw and sw]
    #[arg(long = "dirty", value_name = "HOW", value_parser = dirty_parser())]
    pub strategies: Vec<DirtyStrategy>,
}

impl StressArgs {
    /// The plan these arguments ask for.
    pub fn plan(&self) -> StressPlan {
        StressPlan {
            seed: self.seed,
            ops: self.ops,
            policies: self.policies.clone(),
            strategies: self.strategies.clone(),
        }
    }
}

/// Arguments of `pristine demo`.
#[derive(Debug, Clone, PartialEq, Eq, Args)]
pub struct DemoArgs {
    /// Rounds of calloc + free per policy and size (10000 is the seed's full run)
    #[arg(long, value_name = "N", default_value_t = DemoPlan::DEFAULT_ROUNDS,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub rounds: u64,

    /// Allocation size, repeatable: 100M, 1000M, 128K, 1G or bytes
    /// [default: 100M and 1000M]
    #[arg(long = "size", value_name = "SIZE")]
    pub sizes: Vec<AllocationSize>,

    /// Cache policy to run, repeatable [default: all three]
    #[arg(long = "policy", value_name = "POLICY", value_parser = policy_parser())]
    pub policies: Vec<Policy>,

    /// How the dirty-tracking cache detects writes: the page-table dirty bit
    /// (hw) or write-protect faults (sw)
    #[arg(long, value_name = "HOW", value_parser = dirty_parser(),
          default_value_t = DemoPlan::DEFAULT_DIRTY)]
    pub dirty: DirtyStrategy,
}

/// Whatever follows the old `bench` subcommand; it only earns a pointer to
/// [`BENCH_MOVED`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Args)]
pub struct MovedArgs {
    /// The arguments given, ignored.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub ignored: Vec<String>,
}

/// Where the benchmark sweep lives now, for anyone who types `pristine bench`.
pub const BENCH_MOVED: &str = "the benchmark is `cargo bench -p pristine-bench` now (`-- --quick` \
     for the short sweep, `-- --check` to fail when a target misses; `cargo xbench` is the same)";

/// Reads a policy by its name (`nocache`, ...); `--help` lists the names.
fn policy_parser() -> impl TypedValueParser<Value = Policy> {
    PossibleValuesParser::new(Policy::ALL.map(Policy::name)).try_map(|name| name.parse::<Policy>())
}

/// Reads a dirty strategy by its name (`hw`, `sw`); `--help` lists them.
fn dirty_parser() -> impl TypedValueParser<Value = DirtyStrategy> {
    PossibleValuesParser::new(DirtyStrategy::ALL.map(DirtyStrategy::name))
        .try_map(|name| name.parse::<DirtyStrategy>())
}

/// Arguments of `pristine lab`.
#[derive(Debug, Clone, Args)]
pub struct LabArgs {
    /// What to do with the labs.
    #[command(subcommand)]
    pub command: LabCommand,
}

/// The `lab` subcommands (run by [`crate::lab::execute`]).
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum LabCommand {
    /// List the labs in course order, with what each teaches and its points
    List,
    /// Take a lab's solution out of the tree, leaving stubs that say what to
    /// write (refuses while tracked files have uncommitted changes)
    Start {
        /// The lab, as `lab list` names it
        name: String,
        /// Overwrite even if tracked files have uncommitted changes
        #[arg(long)]
        force: bool,
    },
    /// Run a lab's graded tests (all labs without NAME) and print the score
    /// table; fails below full marks
    Grade {
        /// The lab [default: every lab]
        name: Option<String>,
    },
    /// For maintainers and CI: on a scratch copy, the full tree must earn
    /// full marks and every graded test must fail on every lab's stub
    Check {
        /// The lab [default: every lab]
        name: Option<String>,
    },
}

/// Arguments of `pristine test`.
#[derive(Debug, Clone, Args)]
pub struct TestArgs {
    /// The kernel test to run, as listed by `test --list` (`list` lists them too)
    #[arg(required_unless_present = "list", conflicts_with = "list")]
    pub name: Option<String>,

    /// List the kernel's tests instead of running one
    #[arg(long)]
    pub list: bool,
}

impl Default for DemoArgs {
    /// The demo of a bare `cargo run`: the same values as clap's defaults.
    fn default() -> Self {
        DemoArgs {
            rounds: DemoPlan::DEFAULT_ROUNDS,
            sizes: Vec::new(),
            policies: Vec::new(),
            dirty: DemoPlan::DEFAULT_DIRTY,
        }
    }
}

impl DemoArgs {
    /// The plan these arguments ask for.
    pub fn plan(&self) -> DemoPlan {
        DemoPlan {
            rounds: self.rounds,
            sizes: self.sizes.clone(),
            policies: self.policies.clone(),
            dirty: self.dirty,
        }
    }
}

impl Cli {
    /// The subcommand to run; a bare `pristine` (or `cargo run`) runs the demo.
    pub fn command_or_default(&self) -> Command {
        self.command
            .clone()
            .unwrap_or_else(|| Command::Demo(DemoArgs::default()))
    }
}

impl GlobalOptions {
    /// The timeout for `command`: `--timeout` if given, else its default.
    pub fn timeout_for(&self, command: &Command) -> Duration {
        self.timeout
            .map_or_else(|| command.default_timeout(), Duration::from_secs)
    }

    /// The guest RAM for `command`: `--memory` if given, else its default.
    pub fn memory_for(&self, command: &Command) -> MemorySize {
        self.memory.unwrap_or_else(|| command.default_memory())
    }
}

impl Command {
    /// How long this subcommand lets QEMU run when `--timeout` is not given:
    /// the demo's limit grows with its rounds, the others get a minute.
    pub fn default_timeout(&self) -> Duration {
        match self {
            Command::Demo(args) => args.plan().default_timeout(),
            Command::Stress(args) => args.plan().default_timeout(),
            Command::Boot | Command::Test(_) | Command::Bench(_) | Command::Lab(_) => {
                RunConfig::DEFAULT_TIMEOUT
            }
        }
    }

    /// Guest RAM when `--memory` is not given.
    pub fn default_memory(&self) -> MemorySize {
        match self {
            Command::Demo(_) => DemoPlan::DEFAULT_MEMORY,
            Command::Stress(_) => StressPlan::DEFAULT_MEMORY,
            Command::Boot | Command::Test(_) | Command::Bench(_) | Command::Lab(_) => {
                MemorySize::DEFAULT
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("pristine").chain(args.iter().copied()))
    }

    #[test]
    fn definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn bare_invocation_runs_the_demo_with_defaults() {
        let cli = parse(&[]).expect("no arguments are valid");
        let command = cli.command_or_default();
        let Command::Demo(args) = &command else {
            panic!("expected the demo, got {command:?}");
        };
        assert_eq!(*args, DemoArgs::default());
        let explicit = parse(&["demo"]).expect("valid").command_or_default();
        assert!(matches!(explicit, Command::Demo(ref explicit) if explicit == args));
        assert_eq!(cli.options.memory_for(&command).to_string(), "2G");
        assert_eq!(cli.options.accel, Accel::Tcg);
        assert_eq!(cli.options.arch, Arch::X86_64);
        assert_eq!(
            cli.options.timeout_for(&command),
            args.plan().default_timeout()
        );
        assert!(!cli.options.json && !cli.options.icount);
    }

    #[test]
    fn boot_keeps_the_small_guest_and_the_minute() {
        let cli = parse(&["boot"]).expect("valid");
        let command = cli.command_or_default();
        assert!(matches!(command, Command::Boot));
        assert_eq!(cli.options.memory_for(&command), MemorySize::DEFAULT);
        assert_eq!(cli.options.timeout_for(&command), Duration::from_secs(60));
    }

    #[test]
    fn demo_takes_rounds_sizes_policies_and_strategy() {
        let cli = parse(&[
            "demo",
            "--rounds",
            "10000",
            "--size",
            "100M",
            "--size",
            "128K",
            "--policy",
            "alwayszero",
            "--dirty",
            "sw",
            "--memory",
            "4G",
            "--json",
        ])
        .expect("valid");
        let command = cli.command_or_default();
        let Command::Demo(args) = &command else {
            panic!("expected the demo");
        };
        assert_eq!(args.rounds, 10_000);
        assert_eq!(args.sizes[1], AllocationSize::kib(128));
        assert_eq!(args.policies, [Policy::AlwaysZero]);
        assert_eq!(args.dirty, DirtyStrategy::Software);
        assert_eq!(cli.options.memory_for(&command).to_string(), "4G");
        assert!(cli.options.json);
        assert!(parse(&["demo", "--rounds", "0"]).is_err());
        assert!(parse(&["demo", "--size", "0"]).is_err());
        assert!(parse(&["demo", "--policy", "lru"]).is_err());
    }

    #[test]
    fn the_old_bench_subcommand_still_parses_to_earn_its_pointer() {
        let cli = parse(&["bench", "--check", "--rounds", "3"]).expect("valid");
        assert!(matches!(cli.command_or_default(), Command::Bench(_)));
        assert!(BENCH_MOVED.contains("cargo bench -p pristine-bench"));
        let help = Cli::command().render_help().to_string();
        assert!(!help.contains("bench"), "{help}");
    }

    #[test]
    fn policy_and_strategy_names_come_from_the_allocator() {
        for policy in Policy::ALL {
            let cli = parse(&["demo", "--policy", policy.name()]).expect("valid");
            let Command::Demo(args) = cli.command_or_default() else {
                panic!("expected the demo");
            };
            assert_eq!(args.policies, [policy]);
        }
        let help = Cli::command()
            .find_subcommand_mut("demo")
            .expect("the demo subcommand")
            .render_help()
            .to_string();
        assert!(
            help.contains("[possible values: nocache, alwayszero, dirty]"),
            "{help}"
        );
        assert!(
            help.contains("[default: hw] [possible values: hw, sw]"),
            "{help}"
        );
    }

    #[test]
    fn global_options_go_before_or_after_the_subcommand() {
        let cli = parse(&[
            "--memory",
            "3G",
            "test",
            "boot",
            "--accel",
            "kvm",
            "--timeout",
            "5",
        ])
        .expect("valid");
        assert_eq!(cli.options.memory.map(MemorySize::mebibytes), Some(3072));
        assert_eq!(cli.options.accel, Accel::Kvm);
        assert_eq!(
            cli.options.timeout_for(&cli.command_or_default()),
            Duration::from_secs(5)
        );
        let Command::Test(args) = cli.command_or_default() else {
            panic!("expected the test subcommand");
        };
        assert_eq!(args.name.as_deref(), Some("boot"));
    }

    #[test]
    fn arch_goes_on_every_subcommand() {
        for args in [
            &["--arch", "riscv64"][..],
            &["boot", "--arch", "riscv64"],
            &["test", "boot", "--arch", "riscv64"],
            &["demo", "--json", "--arch", "riscv64"],
        ] {
            let cli = parse(args).expect("valid");
            assert_eq!(cli.options.arch, Arch::Riscv64, "{args:?}");
        }
        assert!(parse(&["--arch", "aarch64"]).is_err());
        let help = Cli::command().render_help().to_string();
        assert!(
            help.contains("[default: x86_64] [possible values: x86_64, riscv64]"),
            "{help}"
        );
    }

    #[test]
    fn append_takes_text_that_looks_like_flags() {
        let cli = parse(&["--append", "-x policy=dirty"]).expect("valid");
        assert_eq!(cli.options.append.as_deref(), Some("-x policy=dirty"));
    }

    #[test]
    fn refuses_bad_values() {
        assert!(parse(&["--memory", "12Q"]).is_err());
        assert!(parse(&["--memory", "8M"]).is_err());
        assert!(parse(&["--accel", "hvf"]).is_err());
        assert!(parse(&["--timeout", "0"]).is_err());
    }

    #[test]
    fn lab_takes_list_start_grade_and_check() {
        let lab = |args: &[&str]| match parse(args).map(|cli| cli.command_or_default()) {
            Ok(Command::Lab(LabArgs { command })) => Some(command),
            _ => None,
        };
        assert_eq!(lab(&["lab", "list"]), Some(LabCommand::List));
        assert_eq!(
            lab(&["lab", "start", "zero-page"]),
            Some(LabCommand::Start {
                name: "zero-page".into(),
                force: false
            })
        );
        assert_eq!(
            lab(&["lab", "start", "--force", "zero-page"]),
            Some(LabCommand::Start {
                name: "zero-page".into(),
                force: true
            })
        );
        assert_eq!(
            lab(&["lab", "grade"]),
            Some(LabCommand::Grade { name: None })
        );
        assert_eq!(
            lab(&["lab", "check", "dirty-hw"]),
            Some(LabCommand::Check {
                name: Some("dirty-hw".into())
            })
        );
        assert_eq!(lab(&["lab", "start"]), None);
        assert_eq!(lab(&["lab"]), None);
    }

    #[test]
    fn stress_takes_seed_ops_and_setups() {
        let cli = parse(&[
            "stress", "--seed", "9", "--ops", "2000", "--policy", "dirty", "--dirty", "sw",
        ])
        .expect("valid");
        let command = cli.command_or_default();
        let Command::Stress(args) = &command else {
            panic!("expected the stress subcommand");
        };
        assert_eq!((args.seed, args.ops), (9, 2000));
        assert_eq!(args.plan().setups().len(), 1);
        assert_eq!(cli.options.memory_for(&command), MemorySize::DEFAULT);
        assert_eq!(
            cli.options.timeout_for(&command),
            args.plan().default_timeout()
        );
        let defaults = parse(&["stress"]).expect("valid").command_or_default();
        let Command::Stress(defaults) = defaults else {
            panic!("expected the stress subcommand");
        };
        assert_eq!((defaults.seed, defaults.ops), (1, 20_000));
        assert!(parse(&["stress", "--ops", "0"]).is_err());
        assert!(parse(&["stress", "--dirty", "maybe"]).is_err());
    }

    #[test]
    fn test_needs_a_name_or_list_but_not_both() {
        assert!(parse(&["test"]).is_err());
        assert!(parse(&["test", "boot", "--list"]).is_err());
        let cli = parse(&["test", "--list"]).expect("valid");
        assert!(matches!(
            cli.command_or_default(),
            Command::Test(TestArgs {
                list: true,
                name: None
            })
        ));
    }
}
