//! Booting the kernel's stress test and judging it, with a live progress bar.
//!
//! The kernel prints `progress` records as it goes, one `stress-summary` per
//! setup it finished and, at the first failed check, one `stress-violation`
//! before it exits with failure. [`run_stress`] moves the bar with the
//! first; [`judge`] succeeds only when the guest exited with success, no
//! violation arrived and every setup of the plan has its summary (a kernel
//! without the stress mode boots and exits too, and must not pass for a
//! clean run). With `--json` each record goes to stdout as it arrives.

use std::time::Duration;

use indicatif::ProgressBar;
use pristine_records::{Record, StressSummary, StressViolation};

use crate::console::Console;
use crate::exit::GuestExit;
use crate::experiment::{Clock, Setup};
use crate::progress;
use crate::protocol::SerialLine;
use crate::run::{RunConfig, RunError, RunOutcome, run_kernel_with};
use crate::stress::plan::StressPlan;
use crate::stress::report::violation_text;
use crate::transcript::Transcript;

/// What a clean stress run found.
#[derive(Debug, Clone, PartialEq)]
pub struct StressOutcome {
    /// The plan that ran.
    pub plan: StressPlan,
    /// One summary per setup, in the kernel's order.
    pub summaries: Vec<StressSummary>,
    /// What the summaries' ticks count.
    pub clock: Clock,
    /// Wall-clock time of the whole boot.
    pub elapsed: Duration,
}

/// Why the stress run did not pass.
#[derive(Debug, thiserror::Error)]
pub enum StressError {
    /// The guest could not be run to its end.
    #[error(transparent)]
    Run(#[from] RunError),
    /// A check failed in the guest.
    #[error("{}\n  repeat it: {rerun}", violation_text(.violation))]
    Violation {
        /// The kernel's record of it (boxed: errors stay small).
        violation: Box<StressViolation>,
        /// The command that repeats the run.
        rerun: String,
    },
    /// The guest ended without success and without a violation record.
    #[error("the stress run did not finish: {exit}\n{transcript}")]
    GuestFailed {
        /// How the guest ended.
        exit: GuestExit,
        /// The command and the last serial lines (boxed: errors stay small).
        transcript: Box<Transcript>,
    },
    /// The guest exited with success but setups are missing.
    #[error(
        "the kernel printed {got} of {expected} stress summaries; missing: {missing} (does this \
         kernel have the stress mode, `mode=stress`?)\n{transcript}"
    )]
    MissingSummaries {
        /// Summaries the plan expects.
        expected: usize,
        /// Summaries that arrived.
        got: usize,
        /// The setups without one.
        missing: String,
        /// The command and the last serial lines (boxed: errors stay small).
        transcript: Box<Transcript>,
    },
}

impl StressError {
    /// The same error, with `option` added to the command that repeats a
    /// violation (the runner's global options that shaped the run).
    pub fn with_rerun_option(self, option: &str) -> StressError {
        match self {
            StressError::Violation { violation, rerun } => StressError::Violation {
                violation,
                rerun: format!("{rerun} {option}"),
            },
            other => other,
        }
    }
}

/// Boots the stress run `config` describes (its command line made from
/// `plan`), showing progress, and judges it.
pub fn run_stress(
    config: &RunConfig,
    plan: &StressPlan,
    console: Console,
) -> Result<StressOutcome, StressError> {
    let bar = progress::bar(plan.ops, console.is_json());
    bar.set_message("booting");
    let outcome = run_kernel_with(config, |line| on_line(&bar, console, line));
    bar.finish_and_clear();
    let outcome = outcome?;
    let summaries = judge(&outcome, plan).map_err(|error| {
        if config.machine.memory == StressPlan::DEFAULT_MEMORY {
            error
        } else {
            error.with_rerun_option(&format!("--memory {}", config.machine.memory))
        }
    })?;
    Ok(StressOutcome {
        plan: plan.clone(),
        summaries,
        clock: Clock::of_run(config.machine.accel, config.machine.icount),
        elapsed: outcome.elapsed,
    })
}

/// Moves the bar for a `progress` line; in `--json` mode prints the
/// stress records as they come.
fn on_line(bar: &ProgressBar, console: Console, line: &SerialLine) {
    match line.record() {
        Some(Record::Progress(progress)) => {
            bar.set_length(progress.total);
            bar.set_position(progress.done);
            bar.set_message(progress.label.clone());
        }
        Some(Record::StressSummary(_) | Record::StressViolation(_)) if console.is_json() => {
            console.serial_line(line);
        }
        _ => {}
    }
}

/// The summaries of a finished run, or why it did not pass.
pub fn judge(outcome: &RunOutcome, plan: &StressPlan) -> Result<Vec<StressSummary>, StressError> {
    let violation = outcome.records().find_map(|record| match record {
        Record::StressViolation(violation) => Some(violation.clone()),
        _ => None,
    });
    if let Some(violation) = violation {
        return Err(StressError::Violation {
            violation: Box::new(violation),
            rerun: plan.rerun_command(),
        });
    }
    if !outcome.exit.is_success() {
        return Err(StressError::GuestFailed {
            exit: outcome.exit,
            transcript: Box::new(outcome.transcript()),
        });
    }
    let summaries: Vec<StressSummary> = outcome
        .records()
        .filter_map(|record| match record {
            Record::StressSummary(summary) => Some(summary.clone()),
            _ => None,
        })
        .collect();
    let expected = plan.setups();
    let missing: Vec<String> = expected
        .iter()
        .filter(|&&(policy, dirty)| {
            !summaries
                .iter()
                .any(|summary| summary.policy == policy && summary.dirty == dirty)
        })
        .map(|&(policy, dirty)| Setup::new(policy, dirty).to_string())
        .collect();
    if missing.is_empty() {
        return Ok(summaries);
    }
    Err(StressError::MissingSummaries {
        expected: expected.len(),
        got: summaries.len(),
        missing: missing.join(", "),
        transcript: Box::new(outcome.transcript()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::canned_outcome;
    use pristine_allocator::Policy;

    fn plan() -> StressPlan {
        StressPlan {
            seed: 3,
            ops: 100,
            policies: vec![Policy::NoCache, Policy::AlwaysZero],
            strategies: Vec::new(),
        }
    }

    fn summary_line(policy: &str) -> String {
        format!(
            r#"@@PRISTINE {{"kind":"stress-summary","policy":"{policy}","dirty":"hw","seed":3,"first_op":0,"ops":50,"callocs":20,"mallocs":10,"reallocs":10,"frees":30,"heap_blocks":25,"cached_blocks":14,"bypass_blocks":1,"bytes_written":4096,"bytes_checked":8192,"pages_zeroed":3,"faults":4,"cache_hits":2,"cache_misses":5,"cache_bypasses":1,"cache_evictions":0,"peak_live_blocks":9,"peak_live_bytes":100000,"ticks":5000}}"#
        )
    }

    const VIOLATION: &str = r#"@@PRISTINE {"kind":"stress-violation","seed":3,"op":57,"policy":"alwayszero","dirty":"hw","operation":"free of block 4 (300 bytes)","problem":"byte 17 reads 0x5a","address":4660,"offset":17,"expected":0,"found":90}"#;

    #[test]
    fn a_clean_run_has_a_summary_per_setup() {
        let lines = [summary_line("nocache"), summary_line("alwayszero")];
        let summaries =
            judge(&canned_outcome(GuestExit::Success, &lines), &plan()).expect("clean run");
        assert_eq!(summaries.len(), 2);
        let short = judge(&canned_outcome(GuestExit::Success, &lines[..1]), &plan());
        let Err(StressError::MissingSummaries { missing, .. }) = short else {
            panic!("a setup is missing: {short:?}");
        };
        assert_eq!(missing, "alwayszero");
    }

    #[test]
    fn a_violation_names_seed_operation_and_the_rerun() {
        let lines = [summary_line("nocache"), VIOLATION.to_owned()];
        let error = judge(&canned_outcome(GuestExit::Failure, &lines), &plan())
            .expect_err("a violation fails the run");
        let text = error.to_string();
        assert!(text.contains("operation 57"), "{text}");
        assert!(text.contains("seed 3"), "{text}");
        assert!(text.contains("free of block 4 (300 bytes)"), "{text}");
        assert!(
            text.contains("repeat it: cargo run --release -- stress --seed 3 --ops 100"),
            "{text}"
        );
        let with_append = error.with_rerun_option("--append 'stress-inject=5'");
        assert!(
            with_append
                .to_string()
                .ends_with("--policy alwayszero --append 'stress-inject=5'"),
            "{with_append}"
        );
    }

    #[test]
    fn a_crash_without_a_violation_is_a_failure_too() {
        let lines = [summary_line("nocache"), "[PANIC] oops".to_owned()];
        let result = judge(&canned_outcome(GuestExit::Failure, &lines), &plan());
        assert!(matches!(result, Err(StressError::GuestFailed { .. })));
    }
}
