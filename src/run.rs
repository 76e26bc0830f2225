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

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

use crate::exit::GuestExit;
use crate::protocol::{MemorySummary, Record, SerialLine, TestList, TestResult, parse_line};
use crate::qemu::{Machine, QemuCommand, QemuError};
use crate::transcript::Transcript;

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
    let mut qemu = Qemu::spawn(&command)?;
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

/// How long a reaped QEMU's stderr may take to reach end of file.
const STDERR_GRACE: Duration = Duration::from_secs(2);

/// A running QEMU process; dropping it before it exits kills it.
struct Qemu {
    /// The process.
    child: Child,
    /// Delivers everything QEMU wrote to stderr once the pipe closes.
    stderr: Receiver<String>,
    /// Whether the process has been waited for.
    reaped: bool,
}

impl Qemu {
    /// Starts `command` with stdin closed and stdout and stderr piped.
    fn spawn(command: &QemuCommand) -> Result<Self, RunError> {
        let mut child = command
            .to_command()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| RunError::Spawn {
                command: command.to_string(),
                message: error.to_string(),
            })?;
        let (sender, stderr) = mpsc::channel();
        if let Some(mut pipe) = child.stderr.take() {
            thread::spawn(move || {
                let mut bytes = Vec::new();
                // A read error only shortens the stderr shown on failure.
                let _ = pipe.read_to_end(&mut bytes);
                let _ = sender.send(String::from_utf8_lossy(&bytes).into_owned());
            });
        }
        Ok(Qemu {
            child,
            stderr,
            reaped: false,
        })
    }

    /// A channel carrying each stdout line, fed by a reader thread.
    fn lines(&mut self) -> Receiver<String> {
        let (sender, receiver) = mpsc::channel();
        if let Some(stdout) = self.child.stdout.take() {
            thread::spawn(move || read_lines(stdout, |line| sender.send(line).is_ok()));
        }
        receiver
    }

    /// Waits for QEMU to exit until `deadline`; `None` when it is still running.
    fn wait_until(&mut self, deadline: Instant) -> Result<Option<ExitStatus>, String> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let status = self
            .child
            .wait_timeout(remaining)
            .map_err(|error| error.to_string())?;
        self.reaped = status.is_some();
        Ok(status)
    }

    /// Kills QEMU if it still runs, reaps it, and returns its stderr. A
    /// process that left a child holding the pipe open gets [`STDERR_GRACE`]
    /// to close it; whatever it wrote is then left out.
    fn finish(mut self) -> String {
        self.kill();
        self.stderr.recv_timeout(STDERR_GRACE).unwrap_or_default()
    }

    /// Kills and reaps the process unless it was already reaped.
    fn kill(&mut self) {
        if !self.reaped {
            // Failing to kill means it already exited; `wait` reaps it either way.
            let _ = self.child.kill();
            let _ = self.child.wait();
            self.reaped = true;
        }
    }
}

impl Drop for Qemu {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Reads `stdout` line by line (bytes that are not UTF-8 become U+FFFD) and
/// hands each line to `deliver` until end of file or until `deliver` says stop.
fn read_lines(stdout: impl Read, mut deliver: impl FnMut(String) -> bool) {
    let mut reader = BufReader::new(stdout);
    let mut buffer = Vec::new();
    loop {
        buffer.clear();
        match reader.read_until(b'\n', &mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                if !deliver(String::from_utf8_lossy(&buffer).into_owned()) {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8]) -> Vec<String> {
        let mut lines = Vec::new();
        read_lines(bytes, |line| {
            lines.push(line);
            true
        });
        lines
    }

    #[test]
    fn reader_splits_lines_and_keeps_a_final_partial_one() {
        let lines = read_all(b"[INFO ] one\r\ntwo\n@@PRISTINE {\"ki");
        assert_eq!(lines, ["[INFO ] one\r\n", "two\n", "@@PRISTINE {\"ki"]);
    }

    #[test]
    fn reader_survives_bytes_that_are_not_utf8() {
        assert_eq!(read_all(b"a\xff\xfeb\n"), ["a\u{fffd}\u{fffd}b\n"]);
    }

    #[test]
    fn reader_stops_when_told() {
        let mut seen = 0;
        read_lines(&b"1\n2\n3\n"[..], |_| {
            seen += 1;
            false
        });
        assert_eq!(seen, 1);
    }

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
            started.elapsed() < Duration::from_secs(20),
            "the process was not killed"
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
