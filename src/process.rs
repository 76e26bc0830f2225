//! The QEMU child process: its pipes, its reader threads, and its end.
//!
//! QEMU's stdout is the guest's serial port, so it is read on its own thread
//! and handed over line by line through a channel; the caller can then wait
//! for the next line with a deadline, which is how the runner enforces its
//! timeout without QEMU's help. Stderr is collected whole on a second thread,
//! to be shown when something fails. A [`QemuProcess`] that is dropped before
//! QEMU exited kills it, so no guest outlives a runner that gave up on it.

use std::io::{self, BufRead, BufReader, Read};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use wait_timeout::ChildExt;

use crate::qemu::QemuCommand;

/// How long a reaped QEMU's stderr may take to reach end of file.
pub const STDERR_GRACE: Duration = Duration::from_secs(2);

/// A running QEMU process; dropping it before it exits kills it.
pub struct QemuProcess {
    /// The process.
    child: Child,
    /// Delivers everything QEMU wrote to stderr once the pipe closes.
    stderr: Receiver<String>,
    /// Whether the process has been waited for.
    reaped: bool,
}

impl QemuProcess {
    /// Starts `command` with stdin closed and stdout and stderr piped.
    pub fn spawn(command: &QemuCommand) -> io::Result<Self> {
        let mut child = command
            .to_command()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let (sender, stderr) = mpsc::channel();
        if let Some(mut pipe) = child.stderr.take() {
            thread::spawn(move || {
                let mut bytes = Vec::new();
                // A read error only shortens the stderr shown on failure.
                let _ = pipe.read_to_end(&mut bytes);
                let _ = sender.send(String::from_utf8_lossy(&bytes).into_owned());
            });
        }
        Ok(QemuProcess {
            child,
            stderr,
            reaped: false,
        })
    }

    /// A channel carrying each stdout line, fed by a reader thread.
    pub fn lines(&mut self) -> Receiver<String> {
        let (sender, receiver) = mpsc::channel();
        if let Some(stdout) = self.child.stdout.take() {
            thread::spawn(move || read_lines(stdout, |line| sender.send(line).is_ok()));
        }
        receiver
    }

    /// Waits for QEMU to exit until `deadline`; `None` when it is still running.
    pub fn wait_until(&mut self, deadline: Instant) -> Result<Option<ExitStatus>, String> {
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
    pub fn finish(mut self) -> String {
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

impl Drop for QemuProcess {
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
}
