//! Booting the kernel's demo and collecting its rows, with a live progress bar.
//!
//! The kernel prints `progress` records while a row runs and one `demo-row`
//! when it ends; [`run_demo`] moves the bar with the first and keeps the
//! second. A demo succeeds only when the guest exits with success *and* every
//! expected (policy, size) row arrived: a kernel without the demo mode boots,
//! prints nothing of the kind and exits, and that must not pass for an empty
//! demo. With `--json` each row goes to stdout the moment it arrives.

use std::time::Duration;

use indicatif::ProgressBar;
use pristine_allocator::{CacheLimits, Policy};
use pristine_records::{AllocationSize, DemoRow, Record};

use crate::console::Console;
use crate::demo::plan::DemoPlan;
use crate::exit::GuestExit;
use crate::experiment::Clock;
use crate::progress;
use crate::protocol::SerialLine;
use crate::render;
use crate::run::{RunConfig, RunError, RunOutcome, run_kernel_with};
use crate::transcript::Transcript;

/// What a finished demo found.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoOutcome {
    /// One row per (policy, size), in the kernel's order.
    pub rows: Vec<DemoRow>,
    /// The cache limits the kernel printed, if it did.
    pub limits: Option<CacheLimits>,
    /// What the rows' ticks count.
    pub clock: Clock,
    /// Wall-clock time of the whole boot.
    pub elapsed: Duration,
}

/// Why the demo did not produce its table.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The guest could not be run to its end.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The guest ended without success.
    #[error("the demo did not finish: {exit}\n{transcript}")]
    GuestFailed {
        /// How the guest ended.
        exit: GuestExit,
        /// The command and the last serial lines (boxed: errors stay small).
        transcript: Box<Transcript>,
    },
    /// The guest exited with success but rows are missing.
    #[error(
        "the kernel printed {got} of {expected} demo rows; missing: {missing}{hint}\n{transcript}"
    )]
    MissingRows {
        /// Rows the plan expects.
        expected: usize,
        /// Rows that arrived.
        got: usize,
        /// The missing (policy, size) pairs, as text.
        missing: String,
        /// Why that may be: no demo mode, or unreadable lines.
        hint: String,
        /// The command and the last serial lines (boxed: errors stay small).
        transcript: Box<Transcript>,
    },
}

/// Boots the demo `config` describes (its command line made from `plan`),
/// showing progress, and returns its rows.
pub fn run_demo(
    config: &RunConfig,
    plan: &DemoPlan,
    console: Console,
) -> Result<DemoOutcome, DemoError> {
    let expected = plan.expected_rows();
    let mut live = LiveDemo::new(expected.len(), console);
    let outcome = run_kernel_with(config, |line| live.on_line(line));
    live.bar.finish_and_clear();
    let outcome = outcome?;
    let rows = collect_rows(&outcome, &expected)?;
    let limits = outcome.records().find_map(|record| match record {
        Record::CacheLimits(limits) => Some(*limits),
        _ => None,
    });
    Ok(DemoOutcome {
        rows,
        limits,
        clock: Clock::of_run(config.machine.accel, config.machine.icount),
        elapsed: outcome.elapsed,
    })
}

/// The live view of a demo: the progress bar, and JSON rows as they come.
struct LiveDemo {
    /// The bar; hidden in `--json` mode and when stderr is not a terminal.
    bar: ProgressBar,
    /// Where rows go in `--json` mode.
    console: Console,
    /// Rows seen so far.
    rows_seen: usize,
    /// Rows expected in all.
    rows_expected: usize,
}

impl LiveDemo {
    /// A view for a demo of `rows_expected` rows.
    fn new(rows_expected: usize, console: Console) -> Self {
        let bar = progress::bar(0, console.is_json());
        bar.set_prefix(format!("row 1/{rows_expected}"));
        bar.set_message("booting");
        LiveDemo {
            bar,
            console,
            rows_seen: 0,
            rows_expected,
        }
    }

    /// Moves the bar for a `progress` line; counts (and in `--json` mode
    /// prints) a `demo-row` line; shows the banner and the memory summary
    /// above the table.
    fn on_line(&mut self, line: &SerialLine) {
        match line.record() {
            Some(Record::Progress(progress)) => {
                self.bar.set_length(progress.total);
                self.bar.set_position(progress.done);
                self.bar.set_message(progress.label.clone());
            }
            Some(Record::DemoRow(_)) => {
                self.rows_seen += 1;
                let next = (self.rows_seen + 1).min(self.rows_expected);
                self.bar
                    .set_prefix(format!("row {next}/{}", self.rows_expected));
                if self.console.is_json() {
                    self.console.serial_line(line);
                }
            }
            Some(Record::Memory(summary)) if !self.console.is_json() => {
                let text = render::memory_summary(summary);
                self.bar.suspend(|| self.console.message(&text));
            }
            None if is_banner(line) && !self.console.is_json() => {
                self.bar.suspend(|| self.console.message(line.text()));
            }
            _ => {}
        }
    }
}

/// Whether `line` is the kernel's banner, which the demo shows above its table.
fn is_banner(line: &SerialLine) -> bool {
    matches!(line, SerialLine::Log(text) if text.starts_with("Pristine "))
}

/// The rows of a finished demo run, checked against the `expected` pairs.
pub fn collect_rows(
    outcome: &RunOutcome,
    expected: &[(Policy, AllocationSize)],
) -> Result<Vec<DemoRow>, DemoError> {
    if !outcome.exit.is_success() {
        return Err(DemoError::GuestFailed {
            exit: outcome.exit,
            transcript: Box::new(outcome.transcript()),
        });
    }
    let rows: Vec<DemoRow> = outcome
        .records()
        .filter_map(|record| match record {
            Record::DemoRow(row) => Some(row.clone()),
            _ => None,
        })
        .collect();
    let missing: Vec<String> = expected
        .iter()
        .filter(|(policy, size)| {
            !rows
                .iter()
                .any(|row| row.policy == *policy && row.size == *size)
        })
        .map(|(policy, size)| format!("{policy} {size}"))
        .collect();
    if missing.is_empty() {
        return Ok(rows);
    }
    Err(DemoError::MissingRows {
        expected: expected.len(),
        got: rows.len(),
        missing: missing.join(", "),
        hint: missing_hint(outcome, rows.is_empty()),
        transcript: Box::new(outcome.transcript()),
    })
}

/// Why rows may be missing: unreadable lines, or a kernel without the mode.
fn missing_hint(outcome: &RunOutcome, none_arrived: bool) -> String {
    let malformed = outcome
        .lines
        .iter()
        .filter(|line| matches!(line, SerialLine::Malformed(_)))
        .count();
    if malformed > 0 {
        format!(" ({malformed} machine lines could not be read)")
    } else if none_arrived {
        " (does this kernel have the demo mode, `mode=demo`?)".to_owned()
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::parse_line;
    use crate::run::canned_outcome;

    /// A `demo-row` line for `policy` at 100 MiB.
    fn row_line(policy: &str) -> String {
        format!(
            r#"@@PRISTINE {{"kind":"demo-row","policy":"{policy}","dirty":"hw","size":104857600,"rounds":2,"ticks_total":10,"ticks_first_round":6,"pages_zeroed":0,"faults":0,"cow_faults":0,"read_faults":0,"zero_page_mappings":0,"cache_hits":1,"cache_misses":1,"cache_bypasses":0}}"#
        )
    }

    fn expected() -> Vec<(Policy, AllocationSize)> {
        Policy::ALL
            .into_iter()
            .map(|policy| (policy, AllocationSize::HUNDRED_MIB))
            .collect()
    }

    #[test]
    fn collects_every_expected_row() {
        let lines: Vec<String> = ["nocache", "alwayszero", "dirty"]
            .into_iter()
            .map(row_line)
            .collect();
        let rows = collect_rows(&canned_outcome(GuestExit::Success, &lines), &expected())
            .expect("all rows arrived");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].policy, Policy::AlwaysZero);
    }

    #[test]
    fn a_kernel_without_the_demo_mode_is_an_error() {
        let lines = vec!["[INFO ] booted".to_owned()];
        let error = collect_rows(&canned_outcome(GuestExit::Success, &lines), &expected())
            .expect_err("no rows arrived");
        let text = error.to_string();
        assert!(text.starts_with("the kernel printed 0 of 3 demo rows; missing: nocache 100 MiB"));
        assert!(text.contains("mode=demo"));
    }

    #[test]
    fn cut_rows_and_failures_are_reported() {
        let mut lines = vec![row_line("nocache"), row_line("alwayszero")];
        lines.push(r#"@@PRISTINE {"kind":"demo-row","pol"#.to_owned());
        let error = collect_rows(&canned_outcome(GuestExit::Success, &lines), &expected())
            .expect_err("a row is cut");
        assert!(
            error
                .to_string()
                .contains("missing: dirty 100 MiB (1 machine lines")
        );
        let failed = collect_rows(&canned_outcome(GuestExit::Failure, &lines), &expected());
        assert!(matches!(failed, Err(DemoError::GuestFailed { .. })));
    }

    #[test]
    fn live_view_follows_progress_and_rows() {
        let mut live = LiveDemo::new(3, Console::new(true));
        live.on_line(&parse_line(
            r#"@@PRISTINE {"kind":"progress","label":"nocache 100 MiB","done":5,"total":20}"#,
        ));
        assert_eq!((live.bar.position(), live.bar.length()), (5, Some(20)));
        live.on_line(&parse_line(&row_line("nocache")));
        assert_eq!(live.rows_seen, 1);
        assert_eq!(live.bar.prefix(), "row 2/3");
    }

    #[test]
    fn only_the_kernel_banner_counts_as_the_banner() {
        assert!(is_banner(&parse_line(
            "Pristine 0.1.0: memory that was never written"
        )));
        assert!(!is_banner(&parse_line("[INFO ] frames: 10 usable")));
        assert!(!is_banner(&parse_line(&row_line("dirty"))));
    }
}
