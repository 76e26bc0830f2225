//! Booting the kernel in QEMU once and collecting what it says.
//!
//! [`run_kernel`] starts QEMU for a [`RunConfig`], reads the serial port line
//! by line as the guest prints, and returns a [`RunOutcome`]: how the guest
//! ended and every line, classified by [`crate::protocol`]. A callback sees
//! each line the moment it arrives, which is how `cargo run` echoes the boot
//! live and how longer runs will show progress.
//!
//! The runner, not QEMU, enforces the time limit: a reader thread feeds lines
//! through a channel, and the main thread stops waiting at the deadline, kills
//! QEMU and reports [`RunError::TimedOut`] with the last serial lines. A guest
//! failure is not a [`RunError`]: the outcome records it, and the caller
//! decides what it means (a test may expect a failure).

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use crate::cmdline::CmdlineError;
use crate::exit::GuestExit;
use crate::process::QemuProcess;
use crate::protocol::{SerialLine, parse_line};
use crate::qemu::{Machine, QemuCommand, QemuError};
use crate::transcript::Transcript;
use pristine_records::{MemorySummary, Record, TestList, TestResult};

/// What to boot, and how long it may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunConfig {
    /// The virtual machine: kernel, command line, memory, accelerator.
    pub machine: Machine,
    /// How long QEMU may run before the runner kills it.
    pub timeout: Duration,
}

/// How one boot ended, with everything the guest printed.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    /// The QEMU invocation that ran.
    pub command: QemuCommand,
    /// How the guest ended.
    pub exit: GuestExit,
    /// Every serial line, in order.
    pub lines: Vec<SerialLine>,
    /// What QEMU wrote to stderr.
    pub qemu_stderr: String,
    /// Wall-clock time from start to exit.
    pub elapsed: Duration,
}

/// Why a boot could not be carried out to the guest's own end.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The host cannot run QEMU for this machine.
    #[error(transparent)]
    Qemu(#[from] QemuError),
    /// The kernel command line cannot reach the kernel whole.
    #[error(transparent)]
    Cmdline(#[from] CmdlineError),
    /// QEMU could not be started.
    #[error("could not start QEMU: {message}\n  QEMU command: {command}")]
    Spawn {
        /// The command that was tried.
        command: String,
        /// The operating system's reason.
        message: String,
    },
    /// The guest did not finish in time and QEMU was killed.
    #[error("the guest did not finish within {} s; QEMU was killed\n{transcript}", timeout.as_secs_f64())]
    TimedOut {
        /// The limit that was exceeded.
        timeout: Duration,
        /// The command and the last lines before the kill.
        transcript: Transcript,
    },
    /// Waiting for QEMU failed.
    #[error("lost track of QEMU: {message}\n{transcript}")]
    Wait {
        /// The operating system's reason.
        message: String,
        /// The command and the lines read so far.
        transcript: Transcript,
    },
}

impl RunConfig {
    /// The default limit for a boot or one kernel test.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

    /// A run of `machine` with the default timeout.
    pub fn new(machine: Machine) -> Self {
        RunConfig {
            machine,
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }
}

impl RunOutcome {
    /// The typed records of all well-formed machine lines.
    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.lines.iter().filter_map(SerialLine::record)
    }

    /// Every `test` result line.
    pub fn test_results(&self) -> impl Iterator<Item = &TestResult> {
        self.records().filter_map(|record| match record {
            Record::Test(result) => Some(result),
            _ => None,
        })
    }

    /// Every `memory` summary line.
    pub fn memory_summaries(&self) -> impl Iterator<Item = &MemorySummary> {
        self.records().filter_map(|record| match record {
            Record::Memory(summary) => Some(summary),
            _ => None,
        })
    }

    /// Every `test-list` line.
    pub fn test_lists(&self) -> impl Iterator<Item = &TestList> {
        self.records().filter_map(|record| match record {
            Record::TestList(list) => Some(list),
            _ => None,
        })
    }

    /// The command and the tail of the output, for failure messages.
    pub fn transcript(&self) -> Transcript {
        transcript_of(&self.command, &self.lines, &self.qemu_stderr)
    }
}

/// Boots `config` and collects its output without watching it live.
pub fn run_kernel(config: &RunConfig) -> Result<RunOutcome, RunError> {
    run_kernel_with(config, |_| {})
}

/// Boots `config`, calling `on_line` for each serial line as it arrives.
pub fn run_kernel_with(
    config: &RunConfig,
    on_line: impl FnMut(&SerialLine),
) -> Result<RunOutcome, RunError> {
    config.machine.cmdline.check_length()?;
    let program = config.machine.preflight()?;
    let command = QemuCommand::new(program, &config.machine);
    run_command(command, config.timeout, on_line)
}

/// Runs an already built QEMU `command` under `timeout`, calling `on_line`
/// for each line of its stdout. [`run_kernel_with`] is this plus the checks
/// and the standard arguments; tests use it to stand in a script for QEMU.
pub fn run_command(
    command: QemuCommand,
    timeout: Duration,
    mut on_line: impl FnMut(&SerialLine),
) -> Result<RunOutcome, RunError> {
    let started = Instant::now();
    let deadline = started + timeout;
    let mut qemu = QemuProcess::spawn(&command).map_err(|error| RunError::Spawn {
        command: command.to_string(),
        message: error.to_string(),
    })?;
    let (lines, finished) = collect_lines(qemu.lines(), deadline, &mut on_line);
    let status = match finished {
        Finished::Eof => qemu.wait_until(deadline),
        Finished::Deadline => Ok(None),
    };
    let qemu_stderr = qemu.finish();
    let transcript = || transcript_of(&command, &lines, &qemu_stderr);
    let status = match status {
        Ok(Some(status)) => status,
        Ok(None) => {
            return Err(RunError::TimedOut {
                timeout,
                transcript: transcript(),
            });
        }
        Err(message) => {
            return Err(RunError::Wait {
                message,
                transcript: transcript(),
            });
        }
    };
    Ok(RunOutcome {
        command,
        exit: GuestExit::from_status(status),
        lines,
        qemu_stderr,
        elapsed: started.elapsed(),
    })
}

/// The transcript of a run of `command` that printed `lines`.
fn transcript_of(command: &QemuCommand, lines: &[SerialLine], qemu_stderr: &str) -> Transcript {
    Transcript::new(
        command.to_string(),
        lines.iter().map(SerialLine::text),
        qemu_stderr,
    )
}

/// Why [`collect_lines`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Finished {
    /// QEMU closed its stdout: it is exiting.
    Eof,
    /// The deadline passed first.
    Deadline,
}

/// Receives lines until QEMU closes stdout or the deadline passes.
fn collect_lines(
    receiver: Receiver<String>,
    deadline: Instant,
    on_line: &mut impl FnMut(&SerialLine),
) -> (Vec<SerialLine>, Finished) {
    let mut lines = Vec::new();
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match receiver.recv_timeout(remaining) {
            Ok(text) => {
                let line = parse_line(&text);
                on_line(&line);
                lines.push(line);
            }
            Err(RecvTimeoutError::Timeout) => return (lines, Finished::Deadline),
            Err(RecvTimeoutError::Disconnected) => return (lines, Finished::Eof),
        }
    }
}

/// A test double: an outcome with `exit` and these serial `lines`.
#[cfg(test)]
pub(crate) fn canned_outcome<S: AsRef<str>>(exit: GuestExit, lines: &[S]) -> RunOutcome {
    RunOutcome {
        command: crate::qemu::QemuCommand::new("qemu", &crate::qemu::Machine::new("kernel")),
        exit,
        lines: lines
            .iter()
            .map(|line| crate::protocol::parse_line(line.as_ref()))
            .collect(),
        qemu_stderr: String::new(),
        elapsed: Duration::ZERO,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn collector_parses_lines_in_order_until_eof() {
        let (sender, receiver) = mpsc::channel();
        for text in ["hello\n", "@@PRISTINE {\"kind\":\"x\"}\n"] {
            sender.send(text.to_owned()).expect("receiver alive");
        }
        drop(sender);
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        let (lines, finished) = collect_lines(receiver, deadline, &mut |line| {
            seen.push(line.text().to_owned())
        });
        assert_eq!(finished, Finished::Eof);
        assert_eq!(seen, ["hello", "@@PRISTINE {\"kind\":\"x\"}"]);
        assert!(matches!(lines[1], SerialLine::Machine(_)));
    }

    /// A stand-in for QEMU: `sh -c script`.
    fn shell(script: &str) -> QemuCommand {
        QemuCommand {
            program: "sh".into(),
            args: vec!["-c".into(), script.into()],
        }
    }

    #[test]
    fn runs_a_process_to_its_exit_status_and_collects_its_lines() {
        let script = r#"echo '[INFO ] hi'; echo '@@PRISTINE {"kind":"test","name":"boot","outcome":"pass"}'; echo oops >&2; exit 33"#;
        let mut live = 0;
        let outcome = run_command(shell(script), Duration::from_secs(30), |_| live += 1)
            .expect("the script finishes");
        assert_eq!(outcome.exit, GuestExit::Success);
        assert_eq!(live, 2);
        assert_eq!(outcome.test_results().count(), 1);
        assert_eq!(outcome.qemu_stderr, "oops\n");
        assert!(
            outcome
                .transcript()
                .to_string()
                .contains("QEMU command: sh -c ")
        );
    }

    #[test]
    fn kills_a_hung_process_and_shows_its_last_lines() {
        // `sleep` outlives the killed shell and keeps the pipes open.
        let script = "echo booting; echo stuck; sleep 5";
        let started = Instant::now();
        let result = run_command(shell(script), Duration::from_millis(500), |_| {});
        let Err(RunError::TimedOut {
            timeout,
            transcript,
        }) = result
        else {
            panic!("expected a timeout, got {result:?}");
        };
        assert!(
            started.elapsed() < Duration::from_millis(4500),
            "QEMU was not killed"
        );
        assert_eq!(timeout, Duration::from_millis(500));
        assert_eq!(transcript.last_lines, ["booting", "stuck"]);
    }

    #[test]
    fn reports_a_process_that_cannot_start() {
        let command = QemuCommand {
            program: "/nonexistent/qemu".into(),
            args: Vec::new(),
        };
        let result = run_command(command, Duration::from_secs(1), |_| {});
        assert!(matches!(result, Err(RunError::Spawn { .. })));
    }

    #[test]
    fn collector_stops_at_the_deadline() {
        let (sender, receiver) = mpsc::channel::<String>();
        let (lines, finished) = collect_lines(receiver, Instant::now(), &mut |_| {});
        assert_eq!(finished, Finished::Deadline);
        assert!(lines.is_empty());
        drop(sender);
    }
}
