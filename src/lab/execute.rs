//! What `lab list`, `lab start`, `lab grade` and `lab check` do.
//!
//! The commands work on the workspace the runner was built from
//! ([`workspace_root`]), the tree the student edits: `cargo run -- lab ...`
//! from anywhere inside it.

use super::catalogue::{LABS, Lab, Suite, find, selected};
use super::check::check;
use super::error::LabError;
use super::grade::{GradeSettings, run_tests};
use super::libtest::failure_report;
use super::score::{ScoreCard, summary};
use super::start::start;
use crate::cli::LabCommand;
use crate::console::Console;
use crate::kernel_build::workspace_root;

/// Runs one `lab` subcommand.
pub fn execute(command: &LabCommand, console: Console) -> Result<(), LabError> {
    match command {
        LabCommand::List => {
            console.message(&list());
            Ok(())
        }
        LabCommand::Start { name, force } => start_lab(find(name)?, *force, console),
        LabCommand::Grade { name } => grade(&selected(name.as_deref())?, console),
        LabCommand::Check { name } => check(workspace_root(), &selected(name.as_deref())?, console),
    }
}

/// The course, as `lab list` prints it.
pub fn list() -> String {
    let mut out = String::from(
        "The labs, in course order. Each starts from the full tree with only its own \
         solution taken out\n(docs/labs.md has the details):\n",
    );
    for (number, lab) in LABS.iter().enumerate() {
        let qemu = lab.tests.iter().filter(|t| t.suite == Suite::Qemu).count();
        let host = lab.tests.len() - qemu;
        out.push_str(&format!(
            "\n{:>2}. {}: {}\n    {} points: {host} host and {qemu} QEMU tests\n",
            number + 1,
            lab.name,
            lab.title,
            lab.points()
        ));
        for line in wrap(lab.teaches, 72) {
            out.push_str(&format!("    {line}\n"));
        }
    }
    out.push_str(
        "\nStart one on a branch of its own (`git switch -c lab/NAME`, then \
         `cargo run -- lab start NAME`),\nthen grade it with `cargo run -- lab grade NAME`.",
    );
    out
}

/// `lab start NAME`.
fn start_lab(lab: &Lab, force: bool, console: Console) -> Result<(), LabError> {
    let root = workspace_root();
    let written = start(root, lab, force)?;
    let mut out = format!("lab {}: {}\nThe solution is out of:\n", lab.name, lab.title);
    for path in written {
        let shown = path.strip_prefix(root).unwrap_or(&path);
        out.push_str(&format!("  {}\n", shown.display()));
    }
    out.push_str(&format!(
        "Each stub says what to write after `LAB {}:`; `git diff` shows what changed.\n\
         Grade with `cargo run -- lab grade {}` ({} points).",
        lab.name,
        lab.name,
        lab.points()
    ));
    console.message(&out);
    Ok(())
}

/// `lab grade [NAME]`: the score tables, and an error below full marks.
fn grade(labs: &[&'static Lab], console: Console) -> Result<(), LabError> {
    let settings = GradeSettings {
        root: workspace_root().to_path_buf(),
        target_dir: None,
        capture_stderr: false,
    };
    let results = run_tests(&settings, labs.iter().flat_map(|lab| lab.tests))?;
    for (suite, run) in &results.suites {
        if let Some(report) = failure_report(&run.stdout) {
            console.message(&format!("\n{} tests that failed:\n{report}", suite.label()));
        }
    }
    let cards: Vec<ScoreCard> = labs
        .iter()
        .map(|lab| ScoreCard::new(lab, &results))
        .collect();
    for card in &cards {
        console.message(&format!("\n{}", card.render()));
    }
    if cards.len() > 1 {
        console.message(&format!("\n{}", summary(&cards)));
    }
    let scored = cards.iter().map(ScoreCard::scored).sum();
    let possible = cards.iter().map(ScoreCard::possible).sum();
    if scored == possible {
        console.message(&format!("\nFull marks: {scored}/{possible}."));
        Ok(())
    } else {
        Err(LabError::BelowFullMarks { scored, possible })
    }
}

/// `text` cut into lines of at most `width` characters, at spaces (a
/// longer word gets a line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_cuts_at_spaces() {
        assert_eq!(
            wrap("aa bb  cc dddddd e", 5),
            ["aa bb", "cc", "dddddd", "e"]
        );
        assert!(wrap("", 5).is_empty());
    }

    #[test]
    fn the_list_numbers_every_lab_with_its_points() {
        let list = list();
        for (number, lab) in LABS.iter().enumerate() {
            let heading = format!("{:>2}. {}: {}", number + 1, lab.name, lab.title);
            assert!(list.contains(&heading), "{heading} missing from\n{list}");
        }
        assert!(
            list.contains("\n    100 points: 6 host and 2 QEMU tests\n"),
            "{list}"
        );
    }
}
