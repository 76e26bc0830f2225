//! The serial protocol: how the runner reads what the kernel prints.
//!
//! The kernel's serial port carries two kinds of lines. Ordinary lines are log
//! text for people (`[INFO ] ...`, the banner). Machine-readable lines start
//! with the exact prefix [`MACHINE_PREFIX`] and hold one JSON object with a
//! `"kind"` field on the same line, for example
//!
//! ```text
//! @@PRISTINE {"kind":"test","name":"boot","outcome":"pass","detail":"ok"}
//! ```
//!
//! [`parse_line`] turns every line into a [`SerialLine`] and never fails: a
//! guest that panics halfway through a line leaves junk, and junk becomes a
//! [`SerialLine::Malformed`] the runner can show, not an error that hides the
//! rest of the output. Kinds the runner knows get a typed [`Record`]; every
//! other kind passes through as [`Record::Other`] with its JSON intact, so
//! `--json` shows kinds added by later kernels without a runner change.

use serde::Deserialize;
use serde_json::Value;

pub use crate::records::{BenchBaseline, BenchPoint, DemoRow, Progress};

/// The exact text that starts every machine-readable line.
pub const MACHINE_PREFIX: &str = "@@PRISTINE ";

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
    /// A kind the runner knows arrived with missing or mistyped fields.
    #[error("a `{kind}` line has bad fields: {message}")]
    BadFields {
        /// The line's kind.
        kind: String,
        /// serde's description of the problem.
        message: String,
    },
}

/// The typed content of a machine-readable line, by its `"kind"`.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    /// `"memory"`: the memory summary of a normal boot.
    Memory(MemorySummary),
    /// `"test"`: the result of one kernel test.
    Test(TestResult),
    /// `"test-list"`: the names of every kernel test.
    TestList(TestList),
    /// `"progress"`: how far a long demo row has got.
    Progress(Progress),
    /// `"demo-row"`: one (policy, size) of the seed's loop.
    DemoRow(DemoRow),
    /// `"bench-point"`: one measured point of a benchmark sweep.
    BenchPoint(BenchPoint),
    /// `"bench-baseline"`: one of the guest's reference costs.
    BenchBaseline(BenchBaseline),
    /// Any other kind; its fields stay in [`MachineLine::json`].
    Other {
        /// The line's `"kind"` value.
        kind: String,
    },
}

/// The kernel's memory summary after a normal boot (kind `"memory"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct MemorySummary {
    /// Bytes of usable RAM the memory map reported.
    pub usable_bytes: u64,
    /// 4 KiB frames the frame allocator manages.
    pub total_frames: u64,
    /// Frames free after boot.
    pub free_frames: u64,
    /// Frames in use after boot.
    pub used_frames: u64,
    /// Bytes in the kernel heap.
    pub heap_bytes: u64,
    /// Entries in the firmware memory map.
    pub memory_map_entries: u64,
}

/// One kernel test's result (kind `"test"`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TestResult {
    /// The test's name, as in `test=NAME`.
    pub name: String,
    /// Pass or fail.
    pub outcome: Outcome,
    /// The kernel's explanation; may be empty.
    #[serde(default)]
    pub detail: String,
}

/// Whether a kernel test passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The test passed.
    Pass,
    /// The test failed.
    Fail,
}

/// The kernel's list of tests (kind `"test-list"`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TestList {
    /// Every test name, in the kernel's order.
    pub names: Vec<String>,
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
    let Some(payload) = text.strip_prefix(MACHINE_PREFIX) else {
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
    let record = typed_record(kind, &json)?;
    Ok((json, record))
}

/// The typed record for `kind`, read from the object's fields.
fn typed_record(kind: String, json: &Value) -> Result<Record, LineError> {
    let bad_fields = |error: serde_json::Error| LineError::BadFields {
        kind: kind.clone(),
        message: error.to_string(),
    };
    match kind.as_str() {
        "memory" => MemorySummary::deserialize(json)
            .map(Record::Memory)
            .map_err(bad_fields),
        "test" => TestResult::deserialize(json)
            .map(Record::Test)
            .map_err(bad_fields),
        "test-list" => TestList::deserialize(json)
            .map(Record::TestList)
            .map_err(bad_fields),
        "progress" => Progress::deserialize(json)
            .map(Record::Progress)
            .map_err(bad_fields),
        "demo-row" => DemoRow::deserialize(json)
            .map(Record::DemoRow)
            .map_err(bad_fields),
        "bench-point" => BenchPoint::deserialize(json)
            .map(Record::BenchPoint)
            .map_err(bad_fields),
        "bench-baseline" => BenchBaseline::deserialize(json)
            .map(Record::BenchBaseline)
            .map_err(bad_fields),
        _ => Ok(Record::Other { kind }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            machine.record,
            Record::Other {
                kind: "phase-cost".into()
            }
        );
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
