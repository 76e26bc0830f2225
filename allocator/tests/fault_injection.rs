//! Fault injection: one request for a frame, or for a page-table entry,
//! fails, at every point of a random sequence in turn.
//!
//! Each case runs its sequence once to count the requests it makes, then
//! once more for every n up to that count with the n-th request failing
//! (as a frame source with no frame left, or an MMU with no frame for a
//! page table). Whatever n: every call returns `Ok` or a shortage error and
//! never panics, an access that ran short changed nothing, a shortage comes
//! only once the cache has given back everything it could, every `calloc`
//! reads zero, every stored byte stays, frame accounting is exact after
//! every step, and once everything is freed every frame is back. That holds
//! under every policy, dirty detection and accessed/dirty-update model, with
//! lazy and eager zero-page mapping.

mod shortage;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use shortage::driver::{Driver, Shortage};
use shortage::ops::{Op, ops};
use shortage::setup::{Combo, Engine, engine, every_combo};

/// Frames of the machine, the zero page included: enough that most
/// sequences run short only where a failure is injected.
const FRAMES: u64 = 40;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 128,
        ..ProptestConfig::default()
    }
}

/// Which request fails.
#[derive(Clone, Copy, Debug)]
enum Target {
    /// A frame from the frame source.
    Frame,
    /// A page-table entry from the MMU.
    Map,
}

/// Requests of `target`'s kind made so far.
fn requests(engine: &Engine, target: Target) -> u64 {
    match target {
        Target::Frame => engine.frames().requests(),
        Target::Map => engine.mmu().map_requests(),
    }
}

/// Failures of `target`'s kind injected so far.
fn injected(engine: &Engine, target: Target) -> u64 {
    match target {
        Target::Frame => engine.frames().injected_failures(),
        Target::Map => engine.mmu().injected_map_failures(),
    }
}

/// Runs `ops` with the request `fail_at` requests after setup failing
/// (never, if `None`); returns how many requests the run made.
fn run(
    combo: Combo,
    ops: &[Op],
    eager: bool,
    target: Target,
    fail_at: Option<u64>,
) -> Result<u64, String> {
    let mut driver = Driver::new(engine(combo, FRAMES, eager), Shortage::OnlyWithEmptyCache);
    let before = requests(&driver.engine, target);
    if let Some(n) = fail_at {
        match target {
            Target::Frame => driver.engine.frames_mut().fail_allocation(n),
            Target::Map => driver.engine.mmu_mut().fail_map(n),
        }
    }
    for (index, op) in ops.iter().enumerate() {
        driver
            .step(op)
            .map_err(|err| format!("step {index} {op:?}: {err}"))?;
    }
    let made = requests(&driver.engine, target) - before;
    let fired = injected(&driver.engine, target);
    driver
        .finish()
        .map_err(|err| format!("at the end: {err}"))?;
    let expected = u64::from(fail_at.is_some_and(|n| n < made));
    if fired != expected {
        return Err(format!(
            "{fired} failures injected, expected {expected} ({made} requests)"
        ));
    }
    Ok(made)
}

/// Runs `ops` on every combination with each of its `target` requests
/// failing in turn.
fn fail_each_request(ops: &[Op], eager: bool, target: Target) -> Result<(), TestCaseError> {
    for combo in every_combo() {
        let made = run(combo, ops, eager, target, None)
            .map_err(|err| TestCaseError::fail(format!("{combo:?}, no failure: {err}")))?;
        for n in 0..=made {
            run(combo, ops, eager, target, Some(n)).map_err(|err| {
                TestCaseError::fail(format!("{combo:?}, {target:?} request {n} failing: {err}"))
            })?;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// For every n, the n-th request for a frame failing: every call gives
    /// `Ok` or a shortage, nothing panics or leaks, zeros and stored bytes
    /// hold, and accounting stays exact.
    #[test]
    fn a_failed_frame_request_leaks_nothing_and_breaks_no_invariant(
        ops in ops(1, 14),
        eager in any::<bool>(),
    ) {
        fail_each_request(&ops, eager, Target::Frame)?;
    }

    /// The same for the n-th page-table entry the MMU cannot make (no frame
    /// for a page table).
    #[test]
    fn a_refused_page_table_entry_leaks_nothing_and_breaks_no_invariant(
        ops in ops(1, 14),
        eager in any::<bool>(),
    ) {
        fail_each_request(&ops, eager, Target::Map)?;
    }
}
