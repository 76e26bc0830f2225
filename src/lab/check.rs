//! `lab check`: the labs tested themselves.
//!
//! A lab is only worth taking if its stub really takes the solution away
//! and its tests notice. For the labs asked for, on a scratch copy of the
//! tree ([`Scratch`]):
//!
//! 1. the untouched tree must earn full marks;
//! 2. for each lab in turn, after `lab start` on a fresh copy, the tree
//!    must still build and *every* graded test must fail: a test that
//!    passes on the stub would give points for nothing.
//!
//! The copy builds into `target/lab-check/`, never into the tree's own
//! `target/` (see [`super::scratch`] for why), so its dependencies are
//! compiled once per machine. CI runs this (`cargo run -- lab check`);
//! `cargo test` runs the quick structural checks in `tests/labs.rs`.

use std::path::Path;
use std::time::Instant;

use super::catalogue::Lab;
use super::error::LabError;
use super::grade::{GradeSettings, Results, run_tests};
use super::libtest::failure_report;
use super::score::{Outcome, ScoreCard};
use super::scratch::{Scratch, scratch_target};
use super::start::start;
use crate::console::Console;

/// Checks `labs` against the tree at `root`; `Ok` only if the full tree
/// earns full marks and every graded test fails on every lab's stub.
pub fn check(root: &Path, labs: &[&'static Lab], console: Console) -> Result<(), LabError> {
    let began = Instant::now();
    let scratch = Scratch::create(root)?;
    let settings = GradeSettings {
        root: scratch.root.clone(),
        target_dir: Some(scratch_target(root)),
        capture_stderr: true,
    };
    let mut problems = Vec::new();

    console.note(&format!(
        "lab check: the full tree (copied to {})",
        scratch.root.display()
    ));
    let step = Instant::now();
    let results = run_tests(&settings, labs.iter().flat_map(|lab| lab.tests))?;
    for lab in labs {
        let card = ScoreCard::new(lab, &results);
        let problem = full_tree_problem(&card, &results);
        let verdict = if problem.is_some() {
            "BELOW FULL MARKS"
        } else {
            "full marks"
        };
        console.message(&format!(
            "  {:<16} full tree  {:>3}/{:<3}  {verdict}",
            lab.name,
            card.scored(),
            card.possible()
        ));
        problems.extend(problem);
    }
    console.note(&format!("  ({:.0} s)", step.elapsed().as_secs_f64()));

    for lab in labs {
        let step = Instant::now();
        console.note(&format!("lab check: {} stubbed", lab.name));
        scratch.reset()?;
        start(&scratch.root, lab, false)?;
        let results = run_tests(&settings, lab.tests)?;
        let card = ScoreCard::new(lab, &results);
        let problem = stub_problem(&card, &results);
        let verdict = match problem {
            None => format!("all {} graded tests fail", card.rows.len()),
            Some(_) => format!(
                "{} graded tests do not fail",
                card.tests_not(Outcome::Failed).len()
            ),
        };
        console.message(&format!(
            "  {:<16} stubbed    {:>3}/{:<3}  {verdict} ({:.0} s)",
            lab.name,
            card.scored(),
            card.possible(),
            step.elapsed().as_secs_f64()
        ));
        problems.extend(problem);
    }
    scratch.reset()?;
    console.message(&format!(
        "lab check: {} lab(s) in {:.0} s",
        labs.len(),
        began.elapsed().as_secs_f64()
    ));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(LabError::CheckFailed(problems.join("\n")))
    }
}

/// On the full tree every graded test must pass; otherwise, what is wrong.
fn full_tree_problem(card: &ScoreCard, results: &Results) -> Option<String> {
    let missing = card.tests_not(Outcome::Passed);
    (!missing.is_empty()).then(|| {
        format!(
            "{}: the full tree earns {}/{}; not passing: {}{}",
            card.lab.name,
            card.scored(),
            card.possible(),
            describe(&missing),
            evidence(results, &missing)
        )
    })
}

/// On a lab's stub every graded test must run and fail (a pass would give
/// points for nothing; a test that does not run means the stub does not
/// build); otherwise, what is wrong.
fn stub_problem(card: &ScoreCard, results: &Results) -> Option<String> {
    let not_failing = card.tests_not(Outcome::Failed);
    (!not_failing.is_empty()).then(|| {
        format!(
            "{}: on the stub, graded tests must fail, but: {}{}",
            card.lab.name,
            describe(&not_failing),
            evidence(results, &not_failing)
        )
    })
}

/// What explains `tests`' outcomes: libtest's failure reports if one
/// failed, cargo's stderr if one did not run.
fn evidence(results: &Results, tests: &[(&str, Outcome)]) -> String {
    let any = |wanted: Outcome| tests.iter().any(|(_, outcome)| *outcome == wanted);
    let mut out = String::new();
    for run in results.suites.values() {
        if any(Outcome::Failed)
            && let Some(report) = failure_report(&run.stdout)
        {
            out.push_str(&format!("\n{report}"));
        }
        if any(Outcome::NotRun) && !run.stderr.trim().is_empty() {
            out.push_str(&format!("\ncargo said:\n{}", run.stderr.trim()));
        }
    }
    out
}

/// `name (outcome), ...` for a problem report.
fn describe(tests: &[(&str, Outcome)]) -> String {
    tests
        .iter()
        .map(|(name, outcome)| format!("{name} ({})", outcome.word()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::catalogue::{GradedTest, Region, Suite};
    use crate::lab::grade::SuiteRun;
    use crate::lab::libtest::Verdict;

    const LAB: Lab = Lab {
        name: "demo",
        title: "",
        teaches: "",
        regions: &[Region {
            path: "x.rs",
            stub: "",
        }],
        tests: &[
            GradedTest {
                suite: Suite::AllocatorUnit,
                name: "one",
                points: 40,
            },
            GradedTest {
                suite: Suite::AllocatorUnit,
                name: "two",
                points: 60,
            },
        ],
    };

    fn results(verdicts: &[(&str, Verdict)], stdout: &str, stderr: &str) -> Results {
        let mut results = Results::default();
        let run = SuiteRun {
            verdicts: verdicts
                .iter()
                .map(|&(name, verdict)| (name.to_owned(), verdict))
                .collect(),
            stdout: stdout.to_owned(),
            stderr: stderr.to_owned(),
        };
        results.suites.insert(Suite::AllocatorUnit, run);
        results
    }

    #[test]
    fn the_full_tree_needs_every_test_passing() {
        let passing = results(
            &[("one", Verdict::Passed), ("two", Verdict::Passed)],
            "",
            "",
        );
        assert_eq!(
            full_tree_problem(&ScoreCard::new(&LAB, &passing), &passing),
            None
        );
        let stdout = "\nfailures:\n\n---- two stdout ----\nboom\n\ntest result: FAILED.";
        let failing = results(
            &[("one", Verdict::Passed), ("two", Verdict::Failed)],
            stdout,
            "",
        );
        let problem = full_tree_problem(&ScoreCard::new(&LAB, &failing), &failing);
        assert_eq!(
            problem.as_deref(),
            Some(
                "demo: the full tree earns 40/100; not passing: two (FAIL)\nfailures:\n\n---- two stdout ----\nboom"
            )
        );
    }

    #[test]
    fn a_stub_needs_every_test_running_and_failing() {
        let failing = results(
            &[("one", Verdict::Failed), ("two", Verdict::Failed)],
            "",
            "",
        );
        assert_eq!(
            stub_problem(&ScoreCard::new(&LAB, &failing), &failing),
            None
        );
        let vacuous = results(
            &[("one", Verdict::Passed), ("two", Verdict::Failed)],
            "",
            "",
        );
        let problem = stub_problem(&ScoreCard::new(&LAB, &vacuous), &vacuous);
        assert_eq!(
            problem.as_deref(),
            Some("demo: on the stub, graded tests must fail, but: one (pass)")
        );
        let broken = results(&[], "", "error[E0308]: mismatched types");
        let problem = stub_problem(&ScoreCard::new(&LAB, &broken), &broken).unwrap_or_default();
        assert!(
            problem.contains("one (not run (build failed?))"),
            "{problem}"
        );
        assert!(
            problem.ends_with("cargo said:\nerror[E0308]: mismatched types"),
            "{problem}"
        );
    }
}
