//! The serial protocol: how the runner reads what the kernel prints.
//!
//! The kernel's serial port carries two kinds of lines. Ordinary lines are log
//! text for people (`[INFO ] ...`, the banner). Machine-readable lines start
//! with the exact prefix [`PREFIX`] and hold one JSON object with a `"kind"`
//! field on the same line, for example
//!
//! ```text
//! @@PRISTINE {"kind":"test","name":"boot","outcome":"pass","detail":"ok"}
//! ```
//!
//! The objects are [`Record`]s, defined once in the `pristine-records` crate
//! that the kernel serialises from. [`parse_line`] turns every line into a
//! [`SerialLine`] and never fails: a guest that panics halfway through a
//! line leaves junk, and junk becomes a [`SerialLine::Malformed`] the runner
//! can show, not an error that hides the rest of the output. Kinds the
//! records crate does not know arrive as [`Record::Other`] with their JSON
//! intact, so `--json` shows kinds added by later kernels without a runner
//! change.

use pristine_records::{PREFIX, Record};
use serde::Deserialize;
use serde_json::Value;

/// One line of serial output, classified.
#[derive(Debug, Clone, PartialEq)]
pub enum SerialLine {
    /// Human log text, shown as it is.
    Log(String),
    /// A well-formed machine-readable line.
    Machine(MachineLine),
    /// A line with the machine prefix that could not be read.
    Malformed(MalformedLine),
}

/// A machine-readable line: its text, its JSON object and the typed record.
#[derive(Debug, Clone, PartialEq)]
pub struct MachineLine {
    /// The whole line as received, prefix included.
    pub text: String,
    /// The JSON object after the prefix.
    pub json: Value,
    /// The typed view of `json`.
    pub record: Record,
}

/// A line that carried the machine prefix but broke the protocol.
#[derive(Debug, Clone, PartialEq)]
pub struct MalformedLine {
    /// The whole line as received.
    pub text: String,
    /// What was wrong with it.
    pub error: LineError,
}

/// Why a machine-readable line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    /// The text after the prefix is not JSON (often a line cut short).
    #[error("not valid JSON: {0}")]
    Json(String),
    /// The JSON is not an object.
    #[error("the JSON is not an object")]
    NotAnObject,
    /// The object has no string `"kind"` field.
    #[error("the object has no string \"kind\" field")]
    MissingKind,
    /// A known kind arrived with missing or mistyped fields.
    #[error("a `{kind}` line has bad fields: {message}")]
    BadFields {
        /// The line's kind.
        kind: String,
        /// serde's description of the problem.
        message: String,
    },
}

impl MachineLine {
    /// The line's `"kind"`, as the kernel wrote it.
    pub fn kind(&self) -> &str {
        self.json["kind"].as_str().unwrap_or_default()
    }
}

impl SerialLine {
    /// The line's text as received (without its line ending).
    pub fn text(&self) -> &str {
        match self {
            SerialLine::Log(text) => text,
            SerialLine::Machine(line) => &line.text,
            SerialLine::Malformed(line) => &line.text,
        }
    }

    /// The typed record, when this is a well-formed machine line.
    pub fn record(&self) -> Option<&Record> {
        match self {
            SerialLine::Machine(line) => Some(&line.record),
            _ => None,
        }
    }
}

/// Classifies one line of serial output; trailing `\r` and `\n` are dropped.
pub fn parse_line(text: &str) -> SerialLine {
    let text = text.trim_end_matches(['\r', '\n']);
    let Some(payload) = text.strip_prefix(PREFIX) else {
        return SerialLine::Log(text.to_owned());
    };
    match parse_payload(payload) {
        Ok((json, record)) => SerialLine::Machine(MachineLine {
            text: text.to_owned(),
            json,
            record,
        }),
        Err(error) => SerialLine::Malformed(MalformedLine {
            text: text.to_owned(),
            error,
        }),
    }
}

/// Reads the JSON object after the prefix and its typed record.
fn parse_payload(payload: &str) -> Result<(Value, Record), LineError> {
    let json: Value =
        serde_json::from_str(payload).map_err(|error| LineError::Json(error.to_string()))?;
    let kind = match &json {
        Value::Object(object) => match object.get("kind") {
            Some(Value::String(kind)) => kind.clone(),
            _ => return Err(LineError::MissingKind),
        },
        _ => return Err(LineError::NotAnObject),
    };
    let record = Record::deserialize(&json).map_err(|error| LineError::BadFields {
        kind,
        message: error.to_string(),
    })?;
    Ok((json, record))
}

#[cfg(test)]
mod tests {
    use super::*;
    use pristine_records::{Outcome, TestList, TestResult};

    fn record(text: &str) -> Record {
        match parse_line(text) {
            SerialLine::Machine(line) => line.record,
            other => panic!("expected a machine line, got {other:?}"),
        }
    }

    fn error(text: &str) -> LineError {
        match parse_line(text) {
            SerialLine::Malformed(line) => line.error,
            other => panic!("expected a malformed line, got {other:?}"),
        }
    }

    #[test]
    fn log_lines_pass_through_without_line_endings() {
        assert_eq!(
            parse_line("[INFO ] hello\r\n"),
            SerialLine::Log("[INFO ] hello".into())
        );
        assert_eq!(parse_line(""), SerialLine::Log(String::new()));
        // The prefix counts only at the very start, and only with its space.
        assert!(matches!(parse_line(" @@PRISTINE {}"), SerialLine::Log(_)));
        assert!(matches!(parse_line("@@PRISTINE{}"), SerialLine::Log(_)));
    }

    #[test]
    fn reads_memory_summary() {
        let line = r#"@@PRISTINE {"kind":"memory","usable_bytes":535166976,"total_frames":130656,"free_frames":130000,"used_frames":656,"heap_bytes":1048576,"memory_map_entries":6}"#;
        let Record::Memory(memory) = record(line) else {
            panic!("expected a memory record");
        };
        assert_eq!(memory.usable_bytes, 535_166_976);
        assert_eq!(memory.free_frames + memory.used_frames, memory.total_frames);
        assert_eq!(memory.memory_map_entries, 6);
    }

    #[test]
    fn reads_test_results_with_and_without_detail() {
        let pass = r#"@@PRISTINE {"kind":"test","name":"boot","outcome":"pass","detail":"ok"}"#;
        assert_eq!(
            record(pass),
            Record::Test(TestResult {
                name: "boot".into(),
                outcome: Outcome::Pass,
                detail: "ok".into()
            })
        );
        let fail = "@@PRISTINE {\"kind\":\"test\",\"name\":\"x\",\"outcome\":\"fail\"}\r";
        let Record::Test(result) = record(fail) else {
            panic!("expected a test record");
        };
        assert_eq!(
            (result.outcome, result.detail.as_str()),
            (Outcome::Fail, "")
        );
    }

    #[test]
    fn reads_test_list() {
        let line = r#"@@PRISTINE {"kind":"test-list","names":["boot","heap_collections_work"]}"#;
        assert_eq!(
            record(line),
            Record::TestList(TestList {
                names: vec!["boot".into(), "heap_collections_work".into()]
            })
        );
    }

    #[test]
    fn unknown_kinds_pass_through_with_their_json() {
        let line = r#"@@PRISTINE {"kind":"phase-cost","cycles":12}"#;
        let SerialLine::Machine(machine) = parse_line(line) else {
            panic!("expected a machine line");
        };
        assert_eq!(machine.record, Record::Other);
        assert_eq!(machine.kind(), "phase-cost");
        assert_eq!(machine.json["cycles"], 12);
        assert_eq!(machine.text, line);
    }

    #[test]
    fn reads_measuring_kinds() {
        let progress =
            r#"@@PRISTINE {"kind":"progress","label":"dirty 100 MiB","done":1,"total":2}"#;
        assert!(matches!(record(progress), Record::Progress(_)));
        let point = r#"@@PRISTINE {"kind":"bench-point","policy":"nocache","dirty":"hw","size":131072,"pages":32,"written":"0","written_pages":0,"rounds":1,"ticks":[7],"pages_zeroed":0,"faults":0,"cache_hits":0}"#;
        assert!(matches!(record(point), Record::BenchPoint(_)));
        let baseline =
            r#"@@PRISTINE {"kind":"bench-baseline","name":"cow_fault","ticks":[1],"what":"x"}"#;
        assert!(matches!(record(baseline), Record::BenchBaseline(_)));
        let short = r#"@@PRISTINE {"kind":"demo-row","policy":"dirty"}"#;
        assert!(matches!(error(short), LineError::BadFields { .. }));
    }

    #[test]
    fn extra_fields_of_known_kinds_are_ignored() {
        let line = r#"@@PRISTINE {"kind":"test","name":"a","outcome":"pass","ms":3}"#;
        assert!(matches!(record(line), Record::Test(_)));
    }

    #[test]
    fn cut_lines_and_junk_become_malformed() {
        assert!(matches!(
            error(r#"@@PRISTINE {"kind":"te"#),
            LineError::Json(_)
        ));
        assert!(matches!(error("@@PRISTINE "), LineError::Json(_)));
        assert!(matches!(
            error(r#"@@PRISTINE {"kind":"test"}panicked at src/main.rs"#),
            LineError::Json(_)
        ));
        assert!(matches!(
            error("@@PRISTINE \u{fffd}\u{fffd}"),
            LineError::Json(_)
        ));
        assert_eq!(error("@@PRISTINE [1,2]"), LineError::NotAnObject);
        assert_eq!(
            error(r#"@@PRISTINE {"name":"boot"}"#),
            LineError::MissingKind
        );
        assert_eq!(error(r#"@@PRISTINE {"kind":7}"#), LineError::MissingKind);
    }

    #[test]
    fn known_kinds_with_bad_fields_become_malformed() {
        let partial = r#"@@PRISTINE {"kind":"memory","usable_bytes":1}"#;
        assert!(matches!(error(partial), LineError::BadFields { kind, .. } if kind == "memory"));
        let outcome = r#"@@PRISTINE {"kind":"test","name":"a","outcome":"maybe"}"#;
        assert!(matches!(error(outcome), LineError::BadFields { .. }));
    }

    #[test]
    fn text_is_kept_for_every_class() {
        for line in ["plain", "@@PRISTINE {", r#"@@PRISTINE {"kind":"x"}"#] {
            assert_eq!(parse_line(line).text(), line);
        }
        assert!(parse_line("plain").record().is_none());
    }
}
