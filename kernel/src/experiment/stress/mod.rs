//! The seeded stress test: a random mix of `calloc`, `malloc`, `realloc`
//! and `free` with every byte it reads checked, under every setup.
//!
//! `mode=stress seed=S ops=N` (the runner's `cargo run -- stress`). The
//! kernel tests check chosen cases; this checks the cases nobody chose:
//! heap, cached and bypassing blocks mixed, resized across the heap/engine
//! line, written in scattered pages, reused from the cache under each
//! policy. Every write fills its bytes with a pattern of its own, and every
//! read compares bytes with what they must hold (zero, a pattern, or
//! anything), so a stale byte, a page zeroed too little, a lost write or a
//! frame mapped twice shows up as a wrong byte at a known place.
//!
//! - [`plan`]: the words, the setups, the size mix and the bounds;
//! - [`random`]: seeded choices;
//! - [`pattern`]: what is written, and the raw reads and writes;
//! - [`block`]: a live block and its content model;
//! - [`driver`]: the loop;
//! - [`operation`] and [`summary`]: what goes into the records.

mod block;
mod driver;
mod operation;
mod pattern;
mod plan;
mod random;
mod summary;

use super::round::abort;
use crate::cmdline::CommandLine;
use crate::console::emit;
use driver::Stress;
use pristine_allocator::Policy;
use pristine_records::{Progress, Record, stress_share};

/// Runs the stress test the command line describes and ends the machine:
/// with success when every setup passed, with failure at the first
/// violation (after printing it).
pub fn run(command_line: &CommandLine) -> ! {
    let plan = plan::Plan::read(command_line).unwrap_or_else(|error| abort("stress", error));
    log::info!(
        "stress: seed {}, {} operations over {} setups",
        plan.seed,
        plan.ops,
        plan.setups.len()
    );
    let step = (plan.ops / 100).max(1);
    let mut first_op = 0;
    for (index, &setup) in plan.setups.iter().enumerate() {
        let ops = stress_share(plan.ops, index, plan.setups.len());
        let label = match setup.0 {
            Policy::DirtyTracking => alloc::format!("{}/{}", setup.0, setup.1),
            policy => alloc::format!("{policy}"),
        };
        let progress = |done: u64| {
            if done.is_multiple_of(step) || done == plan.ops {
                emit(&Record::Progress(Progress {
                    label: label.clone(),
                    done,
                    total: plan.ops,
                }));
            }
        };
        match Stress::new(&plan, index, first_op, setup).run(ops, progress) {
            Ok(summary) => emit(&Record::StressSummary(summary)),
            Err(violation) => {
                emit(&Record::StressViolation(*violation));
                crate::arch::exit_failure()
            }
        }
        first_op += ops;
    }
    crate::arch::exit_success()
}
