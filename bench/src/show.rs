//! How a finished benchmark is shown: the summary for people, JSON for scripts.
//!
//! On a terminal the summary (the same text as `summary.txt`) goes to stdout
//! and the list of written files to stderr. With `--json`, stdout carries
//! one object per line, each led by its `"kind"`: a `bench-point` per
//! measured point, with its medians and per-round counters, then a
//! `bench-target` per target; the summary moves to stderr.

use std::io::Write;

use crate::run::BenchReport;
use pristine::console::Console;

/// The summary and the files for people, or JSON objects for scripts: one
/// `bench-point` per point (with its medians) and one `bench-target` per
/// target.
pub fn show(report: &BenchReport, console: Console) {
    if console.is_json() {
        let points = report
            .results
            .points
            .iter()
            .map(|point| with_kind("bench-point", point));
        let targets = report
            .targets
            .iter()
            .map(|target| with_kind("bench-target", target));
        let mut stdout = std::io::stdout().lock();
        for object in points.chain(targets) {
            // A closed pipe (`| head`) only loses output nobody reads.
            let _ = writeln!(stdout, "{object}");
        }
        console.note(&report.summary);
    } else {
        console.message(&report.summary);
    }
    let files: Vec<String> = report
        .files
        .iter()
        .map(|path| format!("  {}", path.display()))
        .collect();
    console.note(&format!(
        "\npristine-bench: the benchmark took {:.1} s and wrote:\n{}",
        report.elapsed.as_secs_f64(),
        files.join("\n")
    ));
}

/// `value` as a JSON object with `"kind": kind` first.
fn with_kind(kind: &str, value: &impl serde::Serialize) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    object.insert("kind".into(), kind.into());
    if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(value) {
        object.extend(fields.into_iter().filter(|(key, _)| key != "kind"));
    }
    serde_json::Value::Object(object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_objects_lead_with_their_kind() {
        #[derive(serde::Serialize)]
        struct Fields {
            kind: u8,
            x: u8,
        }
        let object = with_kind("bench-target", &Fields { kind: 9, x: 1 });
        assert_eq!(object.to_string(), r#"{"kind":"bench-target","x":1}"#);
    }
}
