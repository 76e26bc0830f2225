//! Reading libtest's verdicts from `cargo test` output.
//!
//! The grader runs each suite with `--format pretty`, which prints one
//! line per test that ran: `test NAME ... ok`, `... FAILED` or
//! `... ignored`. Those lines are stable text on every toolchain, unlike
//! the JSON format, which needs nightly. A graded test without such a line
//! did not run: its binary did not build, or no test has that name.

use std::collections::BTreeMap;

/// How one test ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// `ok`.
    Passed,
    /// `FAILED`.
    Failed,
    /// `ignored`, with or without a reason.
    Ignored,
}

/// Every verdict line in `stdout`, by test name. A name seen twice keeps
/// its last verdict.
pub fn verdicts(stdout: &str) -> BTreeMap<String, Verdict> {
    stdout.lines().filter_map(verdict_line).collect()
}

/// One `test NAME ... RESULT` line, if `line` is one.
fn verdict_line(line: &str) -> Option<(String, Verdict)> {
    let (name, result) = line.trim_end().strip_prefix("test ")?.split_once(" ... ")?;
    let verdict = match result {
        "ok" => Verdict::Passed,
        "FAILED" => Verdict::Failed,
        ignored if ignored.starts_with("ignored") => Verdict::Ignored,
        _ => return None,
    };
    (!name.contains(' ')).then(|| (name.to_owned(), verdict))
}

/// The part of `stdout` that explains failures: from libtest's first
/// `failures:` line to its `test result:` line, or nothing.
pub fn failure_report(stdout: &str) -> Option<&str> {
    let start = stdout.find("\nfailures:\n")? + 1;
    let end = stdout[start..]
        .find("\ntest result:")
        .map_or(stdout.len(), |offset| start + offset);
    Some(stdout[start..end].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "
running 4 tests
test frame::summary::tests::a ... ok
test frame::summary::tests::b ... FAILED
test slow ... ignored, takes a minute
test frame::summary::tests::c has been running for over 60 seconds
test frame::summary::tests::c ... ok

failures:

---- frame::summary::tests::b stdout ----
assertion `left == right` failed
  left: None
 right: Some(77)

failures:
    frame::summary::tests::b

test result: FAILED. 2 passed; 1 failed; 1 ignored; 0 measured; 9 filtered out
";

    #[test]
    fn reads_every_verdict_line_and_nothing_else() {
        let found = verdicts(OUTPUT);
        let expected = [
            ("frame::summary::tests::a", Verdict::Passed),
            ("frame::summary::tests::b", Verdict::Failed),
            ("frame::summary::tests::c", Verdict::Passed),
            ("slow", Verdict::Ignored),
        ];
        assert_eq!(
            found,
            expected
                .iter()
                .map(|&(name, verdict)| (name.to_owned(), verdict))
                .collect()
        );
    }

    #[test]
    fn the_failure_report_runs_up_to_the_result_line() {
        let report = failure_report(OUTPUT).expect("a failure");
        assert!(report.starts_with("failures:\n\n---- frame::summary::tests::b stdout"));
        assert!(report.ends_with("    frame::summary::tests::b"), "{report}");
        assert_eq!(failure_report("test a ... ok\n\ntest result: ok."), None);
    }
}
