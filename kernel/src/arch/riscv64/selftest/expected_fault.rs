//! Faults a kernel test provokes on purpose, and the check that judges them.
//!
//! A test that must see the CPU trap (a page fault with a given `scause`
//! and `stval`, a stack overflow caught on the trap stack) first [`arm`]s
//! an [`ExpectedFault`], then does the faulting access. The trap dispatcher
//! asks [`armed`] on every trap: one atomic load and no lock, so the
//! ordinary page-fault path pays nothing for the tests. If a test armed an
//! expectation, the dispatcher hands the trap to
//! [`ExpectedFault::finish_test`], which compares what the CPU reported
//! with what the test expected and ends the test with that verdict.
//!
//! The runner boots the kernel once per test, so one expectation per boot is
//! all a test can arm.

use super::super::stacks::StackBounds;
use super::super::trap_entry::TrapFrame;
use crate::selftest::{TestResult, finish};
use alloc::format;
use spin::Once;

/// The expectation of the test that is running, once it has armed one.
static EXPECTED: Once<ExpectedFault> = Once::new();

/// Where the faulting address (`stval`) must be.
#[derive(Clone, Copy, Debug)]
pub enum ExpectedAddress {
    /// Exactly this address.
    Exactly(u64),
    /// Somewhere in this stack's guard page.
    InGuardPageOf(StackBounds),
}

/// A fault a kernel test provokes on purpose, and what it must look like.
#[derive(Clone, Copy, Debug)]
pub struct ExpectedFault {
    /// Name of the test that expects it.
    pub test: &'static str,
    /// The `scause` the CPU must report.
    pub scause: u64,
    /// Where `stval` must point.
    pub address: ExpectedAddress,
    /// The stack the handler must run on.
    pub handler_stack: Option<StackBounds>,
}

/// What the dispatcher saw when the expected fault arrived.
#[derive(Clone, Copy, Debug)]
struct ObservedFault {
    /// `scause`.
    scause: u64,
    /// `stval`.
    stval: u64,
    /// Where the handler's stack was when it ran.
    handler_stack_pointer: u64,
}

/// Arms the check for the fault a test is about to provoke.
///
/// # Panics
/// If an expectation is already armed in this boot: each test arms one.
pub fn arm(expected: ExpectedFault) {
    let mut stored = false;
    EXPECTED.call_once(|| {
        stored = true;
        expected
    });
    assert!(
        stored,
        "{} armed a second expected fault; one per boot",
        expected.test
    );
}

/// The expectation a test has armed, if any: the dispatcher's fast check,
/// one atomic load.
#[inline]
pub fn armed() -> Option<&'static ExpectedFault> {
    EXPECTED.get()
}

impl ExpectedFault {
    /// Judges the trap in `frame` against this expectation and ends the
    /// test with the verdict.
    pub fn finish_test(&self, frame: &TrapFrame) -> ! {
        let observed = ObservedFault {
            scause: frame.scause,
            stval: frame.stval,
            handler_stack_pointer: frame as *const TrapFrame as u64,
        };
        finish(self.test, self.judge(&observed))
    }

    fn judge(&self, observed: &ObservedFault) -> TestResult {
        if observed.scause != self.scause {
            return Err(format!(
                "expected scause {}, got {observed:x?}",
                self.scause
            ));
        }
        match self.address {
            ExpectedAddress::Exactly(address) if address != observed.stval => {
                return Err(format!("expected stval {address:#x}, got {observed:x?}"));
            }
            ExpectedAddress::InGuardPageOf(stack) if !stack.guard_contains(observed.stval) => {
                return Err(format!(
                    "expected stval in the guard page of {stack:x?}, got {observed:x?}"
                ));
            }
            _ => {}
        }
        if let Some(stack) = self.handler_stack
            && !stack.contains(observed.handler_stack_pointer)
        {
            return Err(format!("handler ran outside {stack:x?}: {observed:x?}"));
        }
        Ok(())
    }
}
