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
        let verdict = if card.is_full() {
            "full marks".to_owned()
        } else {
            let missing = card.tests_not(Outcome::Passed);
            problems.push(format!(
                "{}: the full tree earns {}/{}; not passing: {}{}",
                lab.name,
                card.scored(),
                card.possible(),
                describe(&missing),
                evidence(&results, &missing)
            ));
            "BELOW FULL MARKS".to_owned()
        };
        console.message(&format!(
            "  {:<16} full tree  {:>3}/{:<3}  {verdict}",
            lab.name,
            card.scored(),
            card.possible()
        ));
    }
    console.note(&format!("  ({:.0} s)", step.elapsed().as_secs_f64()));

    for lab in labs {
        let step = Instant::now();
        console.note(&format!("lab check: {} stubbed", lab.name));
        scratch.reset()?;
        start(&scratch.root, lab, false)?;
        let results = run_tests(&settings, lab.tests)?;
        let card = ScoreCard::new(lab, &results);
        let not_failing = card.tests_not(Outcome::Failed);
        let verdict = if not_failing.is_empty() {
            format!("all {} graded tests fail", card.rows.len())
        } else {
            problems.push(format!(
                "{}: on the stub, graded tests must fail, but: {}{}",
                lab.name,
                describe(&not_failing),
                evidence(&results, &not_failing)
            ));
            format!("{} graded tests do not fail", not_failing.len())
        };
        console.message(&format!(
            "  {:<16} stubbed    {:>3}/{:<3}  {verdict} ({:.0} s)",
            lab.name,
            card.scored(),
            card.possible(),
            step.elapsed().as_secs_f64()
        ));
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
