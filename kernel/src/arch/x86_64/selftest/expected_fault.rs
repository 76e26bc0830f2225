//! Faults a kernel test provokes on purpose, and the check that judges them.
//!
//! A test that must see the CPU raise an exception (a page fault with a
//! given `CR2` and error code, a double fault on its IST stack) first
//! [`arm`]s an [`ExpectedFault`], then does the faulting access. The
//! exception dispatcher asks [`armed`] on every exception: one atomic load
//! and no lock, so the ordinary page-fault path pays nothing for the tests.
//! If a test armed an expectation, the dispatcher hands the exception to
//! [`ExpectedFault::finish_test`], which compares what the CPU reported with
//! what the test expected and ends the test with that verdict.
//!
//! The runner boots the kernel once per test, so one expectation per boot is
//! all a test can arm.

use super::super::exception_entry::ExceptionFrame;
use super::super::stacks::StackBounds;
use crate::selftest::armed_once::ArmedOnce;
use crate::selftest::{TestResult, finish};
use alloc::format;

/// The expectation of the test that is running, once it has armed one.
static EXPECTED: ArmedOnce<ExpectedFault> = ArmedOnce::new();

/// A fault a kernel test provokes on purpose, and what it must look like.
#[derive(Clone, Copy, Debug)]
pub struct ExpectedFault {
    /// Name of the test that expects it.
    pub test: &'static str,
    /// The vector that must be raised.
    pub vector: u8,
    /// The faulting address (`CR2`) a page fault must report.
    pub address: Option<u64>,
    /// The error code the CPU must push.
    pub error_code: Option<u64>,
    /// The stack the handler must run on (to prove an IST switch).
    pub handler_stack: Option<StackBounds>,
}

/// What the dispatcher saw when the expected fault arrived.
#[derive(Clone, Copy, Debug)]
struct ObservedFault {
    /// The vector raised.
    vector: u8,
    /// `CR2` for page faults, otherwise 0.
    address: u64,
    /// The pushed error code (0 where the CPU pushes none).
    error_code: u64,
    /// Where the handler's stack was when it ran.
    handler_stack_pointer: u64,
}

/// Arms the check for the fault a test is about to provoke.
///
/// # Panics
/// If an expectation is already armed in this boot: each test arms one.
pub fn arm(expected: ExpectedFault) {
    EXPECTED.arm(expected, expected.test);
}

/// The expectation a test has armed, if any: the dispatcher's fast check,
/// one atomic load.
#[inline]
pub fn armed() -> Option<&'static ExpectedFault> {
    EXPECTED.armed()
}

impl ExpectedFault {
    /// Judges the exception in `frame` (with `address` = `CR2`, or 0) against
    /// this expectation and ends the test with the verdict.
    pub fn finish_test(&self, frame: &ExceptionFrame, address: u64) -> ! {
        let observed = ObservedFault {
            vector: frame.vector as u8,
            address,
            error_code: frame.error_code,
            handler_stack_pointer: frame as *const ExceptionFrame as u64,
        };
        finish(self.test, self.judge(&observed))
    }

    fn judge(&self, observed: &ObservedFault) -> TestResult {
        if observed.vector != self.vector {
            return Err(format!(
                "expected vector {}, got {observed:x?}",
                self.vector
            ));
        }
        if let Some(address) = self.address
            && address != observed.address
        {
            return Err(format!("expected CR2 {address:#x}, got {observed:x?}"));
        }
        if let Some(code) = self.error_code
            && code != observed.error_code
        {
            return Err(format!("expected error code {code:#x}, got {observed:x?}"));
        }
        if let Some(stack) = self.handler_stack
            && !stack.contains(observed.handler_stack_pointer)
        {
            return Err(format!("handler ran outside {stack:x?}: {observed:x?}"));
        }
        Ok(())
    }
}
