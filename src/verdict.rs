//! Deciding whether one kernel test passed, from the whole run.
//!
//! A kernel test passes only when both channels agree: exactly one `test`
//! line with the test's name says `pass`, and the guest exits with the
//! kernel's success status. Either alone is not enough: a kernel that exits
//! with success but never prints its result line, or prints `pass` and then
//! crashes, has not shown the behaviour under test. `cargo run -- test NAME`
//! and the integration tests in `tests/` use this same check.

use crate::exit::GuestExit;
use crate::run::RunOutcome;
use pristine_records::{Outcome, TestResult};

/// Why a kernel test run does not count as a pass.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TestFailure {
    /// The kernel's result line says the test failed.
    #[error("the kernel reported failure: {detail}; {exit}")]
    Failed {
        /// The kernel's explanation.
        detail: String,
        /// How the guest ended.
        exit: GuestExit,
    },
    /// No result line with the test's name arrived.
    #[error("no result line for this test arrived; {exit}")]
    NoResult {
        /// How the guest ended.
        exit: GuestExit,
    },
    /// More than one result line with the test's name arrived.
    #[error("{count} result lines for this test arrived, expected exactly one; {exit}")]
    DuplicateResults {
        /// How many arrived.
        count: usize,
        /// How the guest ended.
        exit: GuestExit,
    },
    /// The result line says pass, but the guest did not exit with success.
    #[error("the result line says pass, but {exit}")]
    BadExit {
        /// How the guest ended.
        exit: GuestExit,
    },
}

/// The single passing result of test `name` in `outcome`, or why there is none.
pub fn judge_test<'a>(outcome: &'a RunOutcome, name: &str) -> Result<&'a TestResult, TestFailure> {
    let exit = outcome.exit;
    let mut results = outcome.test_results().filter(|result| result.name == name);
    let result = results.next().ok_or(TestFailure::NoResult { exit })?;
    let extra = results.count();
    if extra > 0 {
        return Err(TestFailure::DuplicateResults {
            count: extra + 1,
            exit,
        });
    }
    if result.outcome == Outcome::Fail {
        let detail = result.detail.clone();
        return Err(TestFailure::Failed { detail, exit });
    }
    if exit != GuestExit::Success {
        return Err(TestFailure::BadExit { exit });
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::canned_outcome;

    const PASS: &str = r#"@@PRISTINE {"kind":"test","name":"boot","outcome":"pass"}"#;
    const FAIL: &str = r#"@@PRISTINE {"kind":"test","name":"boot","outcome":"fail","detail":"no"}"#;

    #[test]
    fn passes_with_one_pass_line_and_success() {
        let run = canned_outcome(GuestExit::Success, &["[INFO ] hi", PASS]);
        assert_eq!(
            judge_test(&run, "boot").map(|result| result.outcome),
            Ok(Outcome::Pass)
        );
    }

    #[test]
    fn success_exit_without_a_result_line_fails() {
        let run = canned_outcome(
            GuestExit::Success,
            &["[INFO ] hi", r#"@@PRISTINE {"kind":"test","na"#],
        );
        assert_eq!(
            judge_test(&run, "boot"),
            Err(TestFailure::NoResult {
                exit: GuestExit::Success
            })
        );
    }

    #[test]
    fn a_line_for_another_test_does_not_count() {
        let other = PASS.replace("boot", "heap");
        let run = canned_outcome(GuestExit::Success, &[&other]);
        assert!(matches!(
            judge_test(&run, "boot"),
            Err(TestFailure::NoResult { .. })
        ));
    }

    #[test]
    fn duplicate_lines_fail() {
        let run = canned_outcome(GuestExit::Success, &[PASS, PASS]);
        assert!(matches!(
            judge_test(&run, "boot"),
            Err(TestFailure::DuplicateResults { count: 2, .. })
        ));
    }

    #[test]
    fn fail_line_fails_with_its_detail() {
        let run = canned_outcome(GuestExit::Failure, &[FAIL]);
        let failure = judge_test(&run, "boot").expect_err("a fail line fails");
        assert!(
            failure
                .to_string()
                .starts_with("the kernel reported failure: no;")
        );
    }

    #[test]
    fn pass_line_then_crash_fails() {
        for exit in [GuestExit::Failure, GuestExit::Reset, GuestExit::Status(1)] {
            let run = canned_outcome(exit, &[PASS]);
            assert_eq!(judge_test(&run, "boot"), Err(TestFailure::BadExit { exit }));
        }
    }
}
