//! Where the runner's output goes: terminal text, or JSON for scripts.
//!
//! In the default mode everything the kernel says appears on stdout as it
//! arrives, machine lines rendered for people by [`crate::render`]. With
//! `--json`, stdout carries nothing but the kernel's machine-readable lines,
//! one compact JSON object per line, so a script can read stdout line by line
//! with any JSON parser; log text and the runner's own messages go to stderr.
//!
//! Writes that fail (a closed pipe, as in `pristine --json | head -1`) are
//! ignored: losing output a reader no longer wants is not an error.

use std::io::Write;

use crate::protocol::SerialLine;
use crate::render::human_line;

/// The output mode chosen with `--json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Console {
    /// Whether stdout is reserved for JSON objects.
    json: bool,
}

impl Console {
    /// A console for people (`json == false`) or for scripts.
    pub fn new(json: bool) -> Self {
        Console { json }
    }

    /// Whether stdout is reserved for JSON objects.
    pub fn is_json(self) -> bool {
        self.json
    }

    /// Shows one serial line the way the mode wants it.
    pub fn serial_line(self, line: &SerialLine) {
        match self.route(line) {
            (Stream::Stdout, text) => stdout(&text),
            (Stream::Stderr, text) => stderr(&text),
        }
    }

    /// Which stream shows `line`, and as what text.
    fn route(self, line: &SerialLine) -> (Stream, String) {
        match (self.json, line) {
            (true, SerialLine::Machine(machine)) => (Stream::Stdout, machine.json.to_string()),
            (true, _) => (Stream::Stderr, human_line(line)),
            (false, _) => (Stream::Stdout, human_line(line)),
        }
    }

    /// A result for people: on stdout, or on stderr in JSON mode.
    pub fn message(self, text: &str) {
        if self.json {
            stderr(text);
        } else {
            stdout(text);
        }
    }

    /// A side note for people, always on stderr.
    pub fn note(self, text: &str) {
        stderr(text);
    }
}

/// The two output streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// Writes one line to stdout, ignoring a closed pipe.
fn stdout(text: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

/// Writes one line to stderr, ignoring a closed pipe.
fn stderr(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::protocol::parse_line;

    const MEMORY: &str = r#"@@PRISTINE {"kind":"memory","usable_bytes":1048576,"total_frames":256,"free_frames":200,"used_frames":56,"heap_bytes":0,"memory_map_entries":3}"#;

    #[test]
    fn json_mode_keeps_stdout_for_json_objects() {
        let json = Console::new(true);
        assert!(json.is_json());
        let (stream, text) = json.route(&parse_line(MEMORY));
        assert_eq!(stream, Stream::Stdout);
        assert_eq!(Some(text.as_str()), MEMORY.strip_prefix("@@PRISTINE "));
        let other = r#"@@PRISTINE  {"kind" : "phase-cost", "x": 1 }"#;
        let (stream, text) = json.route(&parse_line(other));
        assert_eq!(
            (stream, text.as_str()),
            (Stream::Stdout, r#"{"kind":"phase-cost","x":1}"#)
        );
        for line in ["[INFO ] boot", r#"@@PRISTINE {"ki"#] {
            assert_eq!(json.route(&parse_line(line)).0, Stream::Stderr);
        }
    }

    #[test]
    fn human_mode_renders_everything_on_stdout() {
        let human = Console::new(false);
        let (stream, text) = human.route(&parse_line(MEMORY));
        assert_eq!(stream, Stream::Stdout);
        assert!(text.starts_with("usable RAM: 1.0 MiB"));
        assert_eq!(human.route(&parse_line("[INFO ] boot")).1, "[INFO ] boot");
    }
}
