//! The evidence attached to every failure: the QEMU command and its output.
//!
//! A failed boot is only debuggable when the message says what was run and
//! what the guest said last. A [`Transcript`] holds exactly that: the QEMU
//! command as a copyable shell line, the last [`TAIL_LINES`] serial lines and
//! whatever QEMU wrote to stderr. Every runner error and every failed check
//! prints one.

use std::fmt;

/// How many serial lines a transcript keeps from the end of the output.
pub const TAIL_LINES: usize = 30;

/// The QEMU command and the tail of its output, ready to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transcript {
    /// The QEMU invocation as a shell line.
    pub command: String,
    /// How many serial lines arrived in all.
    pub total_lines: usize,
    /// The last serial lines, oldest first (at most [`TAIL_LINES`]).
    pub last_lines: Vec<String>,
    /// QEMU's stderr, trimmed.
    pub qemu_stderr: String,
}

impl Transcript {
    /// A transcript of `command` keeping the tail of `lines` and the stderr.
    pub fn new<'a>(
        command: String,
        lines: impl ExactSizeIterator<Item = &'a str>,
        qemu_stderr: &str,
    ) -> Self {
        let total_lines = lines.len();
        let last_lines = lines
            .skip(total_lines.saturating_sub(TAIL_LINES))
            .map(str::to_owned)
            .collect();
        Transcript {
            command,
            total_lines,
            last_lines,
            qemu_stderr: qemu_stderr.trim().to_owned(),
        }
    }
}

impl fmt::Display for Transcript {
    /// Indented lines: the command, the serial tail, then QEMU's stderr if any.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  QEMU command: {}", self.command)?;
        if self.last_lines.is_empty() {
            write!(f, "  no serial output")?;
        } else {
            write!(
                f,
                "  last {} of {} serial lines:",
                self.last_lines.len(),
                self.total_lines
            )?;
            for line in &self.last_lines {
                write!(f, "\n    | {line}")?;
            }
        }
        if !self.qemu_stderr.is_empty() {
            write!(f, "\n  QEMU stderr:")?;
            for line in self.qemu_stderr.lines() {
                write!(f, "\n    | {line}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_the_tail() {
        let lines: Vec<String> = (0..100).map(|n| format!("line {n}")).collect();
        let transcript = Transcript::new("qemu".into(), lines.iter().map(String::as_str), "");
        assert_eq!(transcript.total_lines, 100);
        assert_eq!(transcript.last_lines.len(), TAIL_LINES);
        assert_eq!(transcript.last_lines[0], "line 70");
        let shown = transcript.to_string();
        assert!(shown.contains("last 30 of 100 serial lines:"));
        assert!(shown.ends_with("    | line 99"));
        assert!(!shown.contains("QEMU stderr"));
    }

    #[test]
    fn shows_command_silence_and_stderr() {
        let transcript = Transcript::new("qemu -m 64M".into(), std::iter::empty(), "bad -m\n");
        let shown = transcript.to_string();
        assert!(shown.starts_with("  QEMU command: qemu -m 64M\n"));
        assert!(shown.contains("no serial output"));
        assert!(shown.ends_with("QEMU stderr:\n    | bad -m"));
    }
}
