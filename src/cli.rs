//! The `pristine` command line: global options and subcommands.
//!
//! `cargo run` starts this binary, so `cargo run -- --memory 3G` and
//! `cargo run -- test boot` both land here. The options every boot shares
//! (memory, accelerator, extra kernel arguments, timeout, JSON output, a
//! prebuilt kernel) are global: they may come before or after the subcommand.
//! Each subcommand is one variant of [`Command`] with its own arguments; the
//! demo (issue 4) and the benchmark (issue 5) become further variants, with
//! their own defaults given by [`Command::default_timeout`].

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::qemu::Accel;
use crate::run::RunConfig;
use crate::size::MemorySize;

/// Build the Pristine kernel, boot it in QEMU and report what it says.
///
/// Without a subcommand, boots the kernel normally: the banner and a memory
/// summary, then QEMU exits. Serial output is shown live.
#[derive(Debug, Clone, Parser)]
#[command(name = "pristine", version, about, long_about = None)]
#[command(after_help = "Examples:\n  \
    cargo run                          boot with 512 MiB and show the summary\n  \
    cargo run -- --memory 3G           boot with 3 GiB of guest RAM\n  \
    cargo run -- test --list           list the kernel's tests\n  \
    cargo run -- test page_fault_reports_cr2_and_error_code\n  \
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
    /// Guest RAM in QEMU's notation: 64M, 512M, 3G, 8G, or a plain number of MiB
    #[arg(long, global = true, value_name = "SIZE", default_value = "512M")]
    pub memory: MemorySize,

    /// Accelerator; TCG is the default because nested KVM is far slower here
    #[arg(long, global = true, value_enum, value_name = "ACCEL", default_value_t)]
    pub accel: Accel,

    /// Extra kernel command-line words, appended verbatim (e.g. "policy=dirty")
    #[arg(long, global = true, value_name = "ARGS", allow_hyphen_values = true)]
    pub append: Option<String>,

    /// Kill QEMU after this many seconds [default: 60]
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
    /// Boot normally: banner and memory summary, then exit (the default)
    Boot,
    /// Run one kernel test and report pass or fail, or list the kernel's tests
    Test(TestArgs),
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

impl Cli {
    /// The subcommand to run; a bare `pristine` (or `cargo run`) boots.
    pub fn command_or_default(&self) -> Command {
        self.command.clone().unwrap_or(Command::Boot)
    }
}

impl GlobalOptions {
    /// The timeout for `command`: `--timeout` if given, else its default.
    pub fn timeout_for(&self, command: &Command) -> Duration {
        self.timeout
            .map_or_else(|| command.default_timeout(), Duration::from_secs)
    }
}

impl Command {
    /// How long this subcommand lets QEMU run when `--timeout` is not given.
    pub fn default_timeout(&self) -> Duration {
        match self {
            Command::Boot | Command::Test(_) => RunConfig::DEFAULT_TIMEOUT,
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
    fn bare_invocation_boots_with_defaults() {
        let cli = parse(&[]).expect("no arguments are valid");
        assert!(matches!(cli.command_or_default(), Command::Boot));
        assert_eq!(cli.options.memory, MemorySize::DEFAULT);
        assert_eq!(cli.options.accel, Accel::Tcg);
        assert_eq!(
            cli.options.timeout_for(&cli.command_or_default()),
            Duration::from_secs(60)
        );
        assert!(!cli.options.json && !cli.options.icount);
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
        assert_eq!(cli.options.memory.mebibytes(), 3072);
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
