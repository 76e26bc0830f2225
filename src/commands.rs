//! What each subcommand does, from parsed options to a verdict.
//!
//! Every subcommand follows the same path: check the host can run QEMU, build
//! (or take) the kernel, put together a [`RunConfig`] from the global options
//! and the subcommand's kernel command line, boot, and judge the outcome.
//! [`execute`] returns `Ok` exactly when the binary should exit 0; everything
//! else is a [`CommandError`] that `main` prints as one `error:` message.
//! The demo does its work in [`crate::demo`]; here it only gets its machine
//! and shows the result. The benchmark lives in the `pristine-bench` crate
//! (`cargo bench -p pristine-bench`); `pristine bench` only says so. The
//! course's `lab` subcommands are [`crate::lab`]'s.

use std::path::PathBuf;

use crate::cli::{BENCH_MOVED, Cli, Command, DemoArgs, GlobalOptions, StressArgs, TestArgs};
use crate::cmdline::{CmdlineError, KernelCmdline};
use crate::console::Console;
use crate::demo::{DemoError, run_demo};
use crate::exit::GuestExit;
use crate::kernel_build::{BuildError, build_kernel_for, kernel_elf_path, workspace_root};
use crate::lab::LabError;
use crate::protocol::SerialLine;
use crate::qemu::{Machine, QemuError};
use crate::run::{RunConfig, RunError, run_kernel, run_kernel_with};
use crate::stress::{StressError, run_stress};
use crate::transcript::Transcript;
use crate::verdict::{TestFailure, judge_test};
use pristine_records::Record;

/// Why a subcommand did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The host cannot run QEMU as asked.
    #[error(transparent)]
    Qemu(#[from] QemuError),
    /// The kernel could not be built.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The kernel command line could not be formed.
    #[error(transparent)]
    Cmdline(#[from] CmdlineError),
    /// Booting did not reach the guest's own end.
    #[error(transparent)]
    Run(#[from] RunError),
    /// `--kernel` names a file that does not exist.
    #[error("the kernel file {} does not exist", .0.display())]
    KernelMissing(PathBuf),
    /// The guest ended without success.
    #[error("{exit}\n{context}")]
    GuestFailed {
        /// How the guest ended.
        exit: GuestExit,
        /// The QEMU command and its stderr.
        context: String,
    },
    /// A kernel test did not pass.
    #[error("kernel test `{name}` failed: {failure}\n{context}")]
    TestFailed {
        /// The test's name.
        name: String,
        /// Why it does not count as a pass.
        failure: TestFailure,
        /// The QEMU command and its stderr.
        context: String,
    },
    /// The demo did not produce its table.
    #[error(transparent)]
    Demo(#[from] DemoError),
    /// The stress run found a problem or did not finish.
    #[error(transparent)]
    Stress(#[from] StressError),
    /// A `lab` subcommand failed, or a grade is below full marks.
    #[error(transparent)]
    Lab(#[from] LabError),
    /// `pristine bench` was asked for; the benchmark is its own crate now.
    #[error("{BENCH_MOVED}")]
    BenchMoved,
    /// `test=list` did not produce exactly one list and a successful exit.
    #[error(
        "the kernel did not print exactly one test list ({count} arrived); {exit}\n{transcript}"
    )]
    NoTestList {
        /// How many `test-list` lines arrived.
        count: usize,
        /// How the guest ended.
        exit: GuestExit,
        /// The command and the serial tail (not shown live for a list).
        transcript: Transcript,
    },
}

/// Runs the subcommand `cli` asks for.
pub fn execute(cli: &Cli) -> Result<(), CommandError> {
    let command = cli.command_or_default();
    let console = Console::new(cli.options.json);
    match &command {
        Command::Demo(args) => demo(&cli.options, &command, args, console),
        Command::Bench(_) => Err(CommandError::BenchMoved),
        Command::Boot => boot(&cli.options, &command, console),
        Command::Test(TestArgs {
            name: Some(name),
            list: false,
        }) if name != "list" => run_test(&cli.options, &command, name, console),
        Command::Test(_) => list_tests(&cli.options, &command, console),
        Command::Stress(args) => stress(&cli.options, &command, args, console),
        Command::Lab(args) => Ok(crate::lab::execute(&args.command, console)?),
    }
}

/// `pristine stress`: the seeded stress test, with a progress bar, then a
/// table per setup (or one JSON object per record with `--json`); fails on
/// the first violation, naming the seed and the operation.
fn stress(
    options: &GlobalOptions,
    command: &Command,
    args: &StressArgs,
    console: Console,
) -> Result<(), CommandError> {
    let plan = args.plan();
    let config = run_config(options, command, plan.cmdline()?, console)?;
    console.note(&format!(
        "pristine: stress test: seed {}, {} operations over {} setups ({} guest, up to {} s)",
        plan.seed,
        plan.ops,
        plan.setups().len(),
        config.machine.memory,
        config.timeout.as_secs()
    ));
    let outcome = run_stress(&config, &plan, console).map_err(|error| match &options.append {
        Some(text) => error.with_rerun_option(&format!("--append '{text}'")),
        None => error,
    })?;
    if !console.is_json() {
        console.message(&crate::stress::report(&outcome));
    }
    Ok(())
}

/// `pristine boot`: a normal boot shown live; succeeds when the kernel does.
fn boot(options: &GlobalOptions, command: &Command, console: Console) -> Result<(), CommandError> {
    let config = run_config(options, command, KernelCmdline::new(), console)?;
    let outcome = run_kernel_with(&config, |line| console.serial_line(line))?;
    if !outcome.exit.is_success() {
        let context = brief_context(&outcome.transcript());
        return Err(CommandError::GuestFailed {
            exit: outcome.exit,
            context,
        });
    }
    let seconds = outcome.elapsed.as_secs_f64();
    console.message(&format!(
        "pristine: the kernel finished successfully in {seconds:.2} s"
    ));
    Ok(())
}

/// `pristine demo` (and a bare `pristine`): the seed's loop per policy and
/// size, as a table, or one JSON object per row with `--json`.
fn demo(
    options: &GlobalOptions,
    command: &Command,
    args: &DemoArgs,
    console: Console,
) -> Result<(), CommandError> {
    let plan = args.plan();
    let config = run_config(options, command, plan.cmdline()?, console)?;
    console.note(&format!(
        "pristine: the demo: {} rounds of calloc + free per policy and size, memory never \
         touched ({} guest, up to {} s)",
        plan.rounds,
        config.machine.memory,
        config.timeout.as_secs()
    ));
    let outcome = run_demo(&config, &plan, console)?;
    if !console.is_json() {
        console.message(&crate::demo::report(&outcome));
    }
    Ok(())
}

/// `pristine test NAME`: one kernel test shown live, then pass or fail.
fn run_test(
    options: &GlobalOptions,
    command: &Command,
    name: &str,
    console: Console,
) -> Result<(), CommandError> {
    let config = run_config(options, command, KernelCmdline::for_test(name)?, console)?;
    let outcome = run_kernel_with(&config, |line| console.serial_line(line))?;
    match judge_test(&outcome, name) {
        Ok(_) => {
            console.message(&format!("kernel test `{name}`: pass"));
            Ok(())
        }
        Err(failure) => Err(CommandError::TestFailed {
            name: name.to_owned(),
            failure,
            context: brief_context(&outcome.transcript()),
        }),
    }
}

/// `pristine test --list`: the kernel's test names, one per line (or the
/// `test-list` object with `--json`).
fn list_tests(
    options: &GlobalOptions,
    command: &Command,
    console: Console,
) -> Result<(), CommandError> {
    let config = run_config(options, command, KernelCmdline::for_test("list")?, console)?;
    let outcome = run_kernel(&config)?;
    let lists: Vec<&SerialLine> = outcome
        .lines
        .iter()
        .filter(|line| matches!(line.record(), Some(Record::TestList(_))))
        .collect();
    match (lists.as_slice(), outcome.exit) {
        ([line], GuestExit::Success) => {
            show_test_list(line, console);
            Ok(())
        }
        _ => Err(CommandError::NoTestList {
            count: lists.len(),
            exit: outcome.exit,
            transcript: outcome.transcript(),
        }),
    }
}

/// Prints a `test-list` line: names one per line, or the JSON object.
fn show_test_list(line: &SerialLine, console: Console) {
    match line.record() {
        Some(Record::TestList(list)) if !console.is_json() => {
            for name in &list.names {
                console.message(name);
            }
        }
        _ => console.serial_line(line),
    }
}

/// The run the global options ask for with `cmdline`: checks QEMU can start
/// before spending time on the kernel build.
fn run_config(
    options: &GlobalOptions,
    command: &Command,
    cmdline: KernelCmdline,
    console: Console,
) -> Result<RunConfig, CommandError> {
    Ok(RunConfig {
        machine: machine_for(options, command, cmdline, console)?,
        timeout: options.timeout_for(command),
    })
}

/// The machine the global options ask for with `cmdline` (the user's
/// `--append` text after it), QEMU checked and the kernel built.
fn machine_for(
    options: &GlobalOptions,
    command: &Command,
    mut cmdline: KernelCmdline,
    console: Console,
) -> Result<Machine, CommandError> {
    if let Some(extra) = &options.append {
        cmdline.append_user(extra)?;
    }
    let mut machine = Machine::new(PathBuf::new());
    machine.arch = options.arch;
    machine.cmdline = cmdline;
    machine.memory = options.memory_for(command);
    machine.accel = options.accel;
    machine.icount = options.icount;
    machine.preflight()?;
    machine.kernel = kernel_elf(options, console)?;
    Ok(machine)
}

/// The kernel to boot: `--kernel PATH`, or the workspace's kernel for
/// `--arch`, built now.
fn kernel_elf(options: &GlobalOptions, console: Console) -> Result<PathBuf, CommandError> {
    if let Some(path) = &options.kernel {
        return if path.is_file() {
            Ok(path.clone())
        } else {
            Err(CommandError::KernelMissing(path.clone()))
        };
    }
    if !kernel_elf_path(workspace_root(), options.arch).is_file() {
        console.note(&format!(
            "pristine: building the {} kernel for the first time; this takes a minute",
            options.arch
        ));
    }
    Ok(build_kernel_for(options.arch)?)
}

/// The QEMU command and stderr, for runs whose serial output was shown live.
fn brief_context(transcript: &Transcript) -> String {
    let mut context = format!("  QEMU command: {}", transcript.command);
    for line in transcript.qemu_stderr.lines() {
        context.push_str("\n  QEMU stderr: ");
        context.push_str(line);
    }
    context
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brief_context_shows_command_and_stderr_only() {
        let transcript = Transcript::new(
            "qemu-system-x86_64 -m 64M".into(),
            ["serial"].into_iter(),
            "warning: a\nwarning: b",
        );
        assert_eq!(
            brief_context(&transcript),
            "  QEMU command: qemu-system-x86_64 -m 64M\n  QEMU stderr: warning: a\n  \
             QEMU stderr: warning: b"
        );
    }

    #[test]
    fn missing_prebuilt_kernel_is_reported_before_booting() {
        let cli = <Cli as clap::Parser>::try_parse_from([
            "pristine",
            "--kernel",
            "/nonexistent/pristine-kernel",
        ])
        .expect("valid arguments");
        let Err(error) = kernel_elf(&cli.options, Console::new(false)) else {
            panic!("a missing kernel file must be refused");
        };
        assert_eq!(
            error.to_string(),
            "the kernel file /nonexistent/pristine-kernel does not exist"
        );
    }
}
