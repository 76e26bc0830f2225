//! Booting every guest of a benchmark plan and gathering their records.
//!
//! Under `-icount` a guest's instruction counts do not depend on how busy
//! the host is, so those boots run side by side, as many at once as there
//! are host CPUs (`--jobs`). The plain-TCG reference boots measure wall-clock
//! ticks, so they run afterwards, one at a time. Each boot must exit with
//! success and print exactly the records its command line asks for;
//! anything else stops the benchmark with the boot's transcript, because a
//! sweep with holes would quietly turn targets into "n/a".

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use indicatif::ProgressBar;

use crate::error::BenchError;
use crate::plan::{BenchPlan, BenchRun};
use crate::results::{BenchResults, GuestBaseline, MeasuredPoint};
use pristine::Clock;
use pristine::SerialLine;
use pristine::qemu::Machine;
use pristine::run::{RunConfig, RunError, RunOutcome};
use pristine_records::Record;

/// How to boot one guest: [`pristine::run::run_kernel_with`], or a stand-in
/// in tests.
pub type Boot<'a> =
    dyn Fn(&RunConfig, &mut dyn FnMut(&SerialLine)) -> Result<RunOutcome, RunError> + Sync + 'a;

/// What the boots share: the machine, the limits, the bar.
pub struct Executor<'a> {
    /// The machine every boot starts from (kernel, memory, accelerator,
    /// the user's `--append` already on its command line).
    pub machine: Machine,
    /// `--timeout`, replacing every boot's own estimate when given.
    pub timeout: Option<Duration>,
    /// Boots to run at once under `-icount`.
    pub jobs: usize,
    /// Advanced by one per record.
    pub bar: ProgressBar,
    /// How to boot.
    pub boot: &'a Boot<'a>,
}

impl Executor<'_> {
    /// Runs every boot of `plan` and returns what they measured.
    pub fn execute(&self, plan: &BenchPlan) -> Result<BenchResults, BenchError> {
        let (icount, plain): (Vec<&BenchRun>, Vec<&BenchRun>) =
            plan.runs.iter().partition(|run| run.icount);
        let mut outcomes = self.run_all(&icount, self.jobs)?;
        outcomes.extend(self.run_all(&plain, 1)?);
        let mut results = BenchResults::default();
        for (run, outcome) in icount.iter().chain(&plain).zip(outcomes) {
            let clock = Clock::of_run(self.machine.accel, run.icount);
            gather(clock, &outcome, &mut results);
        }
        Ok(results)
    }

    /// Runs `runs`, `jobs` at a time; the outcomes come back in `runs` order.
    fn run_all(&self, runs: &[&BenchRun], jobs: usize) -> Result<Vec<RunOutcome>, BenchError> {
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let slots: Vec<Mutex<Option<Result<RunOutcome, BenchError>>>> =
            runs.iter().map(|_| Mutex::new(None)).collect();
        std::thread::scope(|scope| {
            for _ in 0..jobs.clamp(1, runs.len().max(1)) {
                scope.spawn(|| {
                    while !failed.load(Ordering::Relaxed) {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(run) = runs.get(index) else { break };
                        let result = self.run_one(run);
                        failed.fetch_or(result.is_err(), Ordering::Relaxed);
                        if let Ok(mut slot) = slots[index].lock() {
                            *slot = Some(result);
                        }
                    }
                });
            }
        });
        let mut finished = Vec::with_capacity(runs.len());
        let mut never_ran = None;
        for (slot, run) in slots.into_iter().zip(runs) {
            match slot.into_inner().ok().flatten() {
                Some(result) => finished.push(result),
                None => never_ran = never_ran.or_else(|| Some(run.label())),
            }
        }
        // The first failure explains any boot that never ran after it.
        let outcomes = finished.into_iter().collect::<Result<Vec<_>, _>>()?;
        match never_ran {
            Some(label) => Err(BenchError::Lost { label }),
            None => Ok(outcomes),
        }
    }

    /// Boots `run` once and checks it printed what it should.
    fn run_one(&self, run: &BenchRun) -> Result<RunOutcome, BenchError> {
        let mut machine = self.machine.clone();
        let mut cmdline = run.cmdline()?;
        // The user's `--append` words come last and may not override the
        // words the sweep sets for this run.
        cmdline.append_user(&self.machine.cmdline.to_string())?;
        machine.cmdline = cmdline;
        machine.icount = run.icount;
        let config = RunConfig {
            machine,
            timeout: self.timeout.unwrap_or_else(|| run.default_timeout()),
        };
        self.bar.set_message(run.label());
        let outcome = (self.boot)(&config, &mut |line| {
            if line.record().is_some_and(|record| run.counts(record)) {
                self.bar.inc(1);
            }
        })
        .map_err(|error| BenchError::Boot {
            label: run.label(),
            error: Box::new(error),
        })?;
        check(run, outcome)
    }
}

/// `outcome` if the guest succeeded and printed every record `run` asks for.
fn check(run: &BenchRun, outcome: RunOutcome) -> Result<RunOutcome, BenchError> {
    if !outcome.exit.is_success() {
        return Err(BenchError::GuestFailed {
            label: run.label(),
            exit: outcome.exit,
            transcript: Box::new(outcome.transcript()),
        });
    }
    let got = outcome
        .records()
        .filter(|record| run.counts(record))
        .count() as u64;
    let malformed = outcome
        .lines
        .iter()
        .filter(|line| matches!(line, SerialLine::Malformed(_)))
        .count();
    if got != run.expected_records() {
        return Err(BenchError::WrongRecordCount {
            label: run.label(),
            expected: run.expected_records(),
            got,
            malformed,
            transcript: Box::new(outcome.transcript()),
        });
    }
    Ok(outcome)
}

/// Adds the records of `outcome`, measured on `clock`, to `results`.
fn gather(clock: Clock, outcome: &RunOutcome, results: &mut BenchResults) {
    for record in outcome.records() {
        match record {
            Record::BenchPoint(point) => results
                .points
                .push(MeasuredPoint::new(clock, point.clone())),
            Record::BenchBaseline(baseline) => results
                .guest_baselines
                .push(GuestBaseline::new(clock, baseline.clone())),
            Record::CacheLimits(limits) => results.cache_limits = Some(*limits),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::fake_boot;
    use pristine::exit::GuestExit;

    fn executor<'a>(boot: &'a Boot<'a>, jobs: usize) -> Executor<'a> {
        Executor {
            machine: Machine::new("kernel"),
            timeout: None,
            jobs,
            bar: ProgressBar::hidden(),
            boot,
        }
    }

    #[test]
    fn parallel_boots_keep_the_plan_order_and_count_on_the_bar() {
        let plan = BenchPlan::new(true, Some(1));
        let executor = executor(&fake_boot, 3);
        let results = executor.execute(&plan).expect("every boot answers");
        let first = &results.points[0];
        assert_eq!(
            (first.setup.as_str(), first.clock),
            ("nocache", Clock::Instructions)
        );
        let last = results.points.last().expect("points");
        assert_eq!(
            (last.setup.as_str(), last.clock),
            ("dirty/sw", Clock::TcgTicks)
        );
        assert_eq!(executor.bar.position(), plan.expected_records());
    }

    #[test]
    fn the_user_append_text_follows_the_run_words() {
        let seen = Mutex::new(Vec::new());
        let recording: &Boot = &|config, on_line| {
            if let Ok(mut seen) = seen.lock() {
                seen.push(config.machine.cmdline.to_string());
            }
            fake_boot(config, on_line)
        };
        let mut executor = executor(recording, 1);
        executor.machine.cmdline.append_raw("log=debug");
        executor
            .execute(&BenchPlan::new(true, Some(1)))
            .expect("every boot answers");
        let seen = seen.into_inner().expect("not poisoned");
        assert_eq!(seen[8], "mode=baseline log=debug");
        assert!(
            seen[0].starts_with("mode=bench policy=nocache")
                && seen[0].ends_with("rounds=1 log=debug")
        );
    }

    #[test]
    fn a_failing_guest_stops_the_benchmark() {
        let failing: &Boot = &|config, on_line| {
            let mut outcome = fake_boot(config, on_line)?;
            if config
                .machine
                .cmdline
                .to_string()
                .contains("policy=alwayszero")
            {
                outcome.exit = GuestExit::Failure;
            }
            Ok(outcome)
        };
        let error = executor(failing, 2)
            .execute(&BenchPlan::new(true, Some(1)))
            .expect_err("a guest failed");
        let BenchError::GuestFailed { label, exit, .. } = error else {
            panic!("expected a guest failure, got {error}");
        };
        assert!(label.starts_with("alwayszero"));
        assert_eq!(exit, GuestExit::Failure);
    }
}
