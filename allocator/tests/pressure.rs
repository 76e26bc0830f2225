//! Memory pressure: a machine of a few frames, and sequences that write many
//! times that much.
//!
//! A cached region keeps its frames, so the cache can hold more than the
//! whole machine. When a frame is needed and none is free, the engine
//! reclaims cached regions, oldest first, and retries; only with the cache
//! empty is it out of memory. These tests hold that to account under every
//! policy, dirty detection and accessed/dirty-update model, with lazy and
//! eager zero-page mapping: while the live allocations fit the machine,
//! nothing ever runs short; when they do not, running short happens only
//! with the cache empty; and either way every `calloc` reads zero, every
//! stored byte stays, frame accounting is exact after every step, and every
//! frame comes back at the end.

mod shortage;

use pristine_allocator::Policy;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use shortage::driver::{Driver, Shortage};
use shortage::ops::{Op, PAGE, ops};
use shortage::setup::{Combo, engine, every_combo};

/// Frames of the machine, the zero page included.
const BUDGET: u64 = 24;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

/// Runs `ops` on every combination with `shortage`, then frees everything.
fn run_everywhere(ops: &[Op], eager: bool, shortage: Shortage) -> Result<(), TestCaseError> {
    for combo in every_combo() {
        let mut driver = Driver::new(engine(combo, BUDGET, eager), shortage);
        for (index, op) in ops.iter().enumerate() {
            driver.step(op).map_err(|err| {
                TestCaseError::fail(format!("{combo:?}, step {index} {op:?}: {err}"))
            })?;
        }
        driver
            .finish()
            .map_err(|err| TestCaseError::fail(format!("{combo:?} at the end: {err}")))?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// While the live allocations fit the machine, no call and no access
    /// ever runs short, however much the sequence writes: the cache gives
    /// its frames back first. Zeros and stored bytes hold, accounting is
    /// exact, and every frame comes back.
    #[test]
    fn nothing_runs_short_while_the_cache_can_give_frames_back(
        ops in ops(30, 80),
        eager in any::<bool>(),
    ) {
        run_everywhere(&ops, eager, Shortage::Forbidden { live_pages: BUDGET - 1 })?;
    }

    /// With live allocations beyond the machine, a call or an access may
    /// run short, but only once the cache has given back everything (it is
    /// empty afterwards); a store that ran short changed nothing, and no
    /// frame leaks.
    #[test]
    fn running_short_happens_only_with_an_empty_cache(
        ops in ops(10, 60),
        eager in any::<bool>(),
    ) {
        run_everywhere(&ops, eager, Shortage::OnlyWithEmptyCache)?;
    }
}

/// The sizes of [`cycles_writing_twenty_times_the_budget_end_with_every_frame_back`],
/// in pages: each differs enough from the last that best fit refuses some
/// cached regions, so fresh blocks need frames the cache holds.
const CYCLE_PAGES: [u64; 5] = [9, 5, 10, 3, 7];

/// `calloc`, fill every page, `free`, round after round, beside one block
/// that stays live throughout: the pages written come to twenty times the
/// machine's frames. Under every caching policy the cache must be
/// reclaimed, counted in `frames_reclaimed`; under NoCache it never is. No
/// call runs short, and every frame comes back.
#[test]
fn cycles_writing_twenty_times_the_budget_end_with_every_frame_back() {
    for combo in every_combo() {
        let mut driver = Driver::new(
            engine(combo, BUDGET, false),
            Shortage::Forbidden {
                live_pages: BUDGET - 1,
            },
        );
        let step = |driver: &mut Driver, op: Op| {
            driver
                .step(&op)
                .unwrap_or_else(|err| panic!("{combo:?}: {op:?}: {err}"));
        };
        step(&mut driver, Op::Calloc { bytes: 4 * PAGE });
        step(&mut driver, Op::Fill { slot: 0, value: 1 });
        let mut round = 0;
        while driver.engine.stats().cow_faults < 20 * BUDGET {
            let pages = CYCLE_PAGES[round % CYCLE_PAGES.len()];
            step(
                &mut driver,
                Op::Calloc {
                    bytes: pages * PAGE,
                },
            );
            let value = (round % 250) as u8 + 2;
            step(&mut driver, Op::Fill { slot: 1, value });
            step(&mut driver, Op::Read { slot: 1, offset: 0 });
            step(&mut driver, Op::Free { slot: 1 });
            round += 1;
        }
        step(&mut driver, Op::Read { slot: 0, offset: 0 });
        expect_reclaim(combo, &driver);
        driver
            .finish()
            .unwrap_or_else(|err| panic!("{combo:?} at the end: {err}"));
    }
}

fn expect_reclaim(combo: Combo, driver: &Driver) {
    let stats = driver.engine.stats();
    let reclaimed = stats.frames_reclaimed;
    match combo.policy {
        Policy::NoCache => assert_eq!(reclaimed, 0, "{combo:?}: {stats:?}"),
        _ => assert!(
            reclaimed >= BUDGET && stats.cache_evictions > 0,
            "{combo:?}: the cache was not reclaimed: {stats:?}"
        ),
    }
    assert_eq!(driver.shortages, 0, "{combo:?}");
}
