//! Kernel tests that need RISC-V hardware behaviour: traps and paging rights.
//!
//! The riscv64 counterparts of the x86_64 tests: a breakpoint resumes, a
//! page fault reports its address in `stval` and its kind in `scause`, a
//! stack overflow lands on the guard page and is reported from the trap
//! stack, text is not writable and data not executable; and, with
//! `svade=on`, a store to a clean page faults once and is recorded (see
//! [`svade`]). Each test that
//! provokes a fault first arms an [`ExpectedFault`] with what the CPU must
//! report (see [`expected_fault`]); the trap dispatcher then ends the test
//! with the verdict. Reaching the line after the faulting access is a
//! failure: the protection did not hold.

pub mod expected_fault;
mod svade;

use super::traps::{breakpoints_handled, cause};
use super::{cpu, paging, stacks};
use crate::selftest::{KernelTest, TestResult};
use alloc::format;
use core::hint::black_box;
use expected_fault::{ExpectedAddress, ExpectedFault};

/// The riscv64-specific kernel tests.
pub const KERNEL_TESTS: &[KernelTest] = &[
    KernelTest {
        name: "breakpoint_resumes",
        run: breakpoint_resumes,
    },
    KernelTest {
        name: "page_fault_reports_stval_and_scause",
        run: page_fault_reports_stval_and_scause,
    },
    KernelTest {
        name: "stack_overflow_hits_guard_page",
        run: stack_overflow_hits_guard_page,
    },
    KernelTest {
        name: "kernel_text_is_not_writable",
        run: kernel_text_is_not_writable,
    },
    KernelTest {
        name: "kernel_data_is_not_executable",
        run: kernel_data_is_not_executable,
    },
    KernelTest {
        name: "svade_dirty_fault_is_fixed_once",
        run: svade::svade_dirty_fault_is_fixed_once,
    },
];

/// An `ebreak` is handled, counted, and execution continues after it.
fn breakpoint_resumes() -> TestResult {
    let before = breakpoints_handled();
    cpu::breakpoint();
    cpu::breakpoint();
    let handled = breakpoints_handled() - before;
    if handled == 2 {
        Ok(())
    } else {
        Err(format!("expected 2 breakpoints handled, saw {handled}"))
    }
}

/// A store to an unmapped address raises a store page fault (`scause` 15)
/// with `stval` = that address.
fn page_fault_reports_stval_and_scause() -> TestResult {
    let address: u64 = 0x0000_0012_5a5a_1238;
    expected_fault::arm(ExpectedFault {
        test: "page_fault_reports_stval_and_scause",
        scause: cause::STORE_PAGE_FAULT,
        address: ExpectedAddress::Exactly(address),
        handler_stack: None,
    });
    // SAFETY: deliberately invalid: the address is unmapped, and the fault it
    // raises ends the test before execution could continue.
    unsafe { (address as *mut u64).write_volatile(0x5a) };
    Err(format!("writing to unmapped {address:#x} did not fault"))
}

/// Unbounded recursion runs into the boot stack's guard page: a store page
/// fault there, handled on the trap stack (the only place a handler can
/// run once the stack is gone).
fn stack_overflow_hits_guard_page() -> TestResult {
    expected_fault::arm(ExpectedFault {
        test: "stack_overflow_hits_guard_page",
        scause: cause::STORE_PAGE_FAULT,
        address: ExpectedAddress::InGuardPageOf(stacks::boot_stack()),
        handler_stack: Some(stacks::trap_stack()),
    });
    let depth = recurse_forever(0);
    Err(format!(
        "recursion returned at depth {depth} without a fault"
    ))
}

#[allow(unconditional_recursion)]
fn recurse_forever(depth: u64) -> u64 {
    let frame = black_box([depth; 32]);
    black_box(recurse_forever(black_box(depth + 1))) + frame[0]
}

/// A store into the kernel's own code faults (W is clear on text).
fn kernel_text_is_not_writable() -> TestResult {
    let address = kernel_text_is_not_writable as *const () as u64;
    expected_fault::arm(ExpectedFault {
        test: "kernel_text_is_not_writable",
        scause: cause::STORE_PAGE_FAULT,
        address: ExpectedAddress::Exactly(address),
        handler_stack: None,
    });
    if address < paging::text_start() {
        return Err(format!(
            "function at {address:#x} lies below the text section"
        ));
    }
    // SAFETY: deliberately invalid: text is mapped without W, so this store
    // faults and the test ends before the byte could change.
    unsafe { (address as *mut u8).write_volatile(0) };
    Err(format!(
        "writing to kernel text at {address:#x} did not fault"
    ))
}

/// A `ret` (`jalr x0, 0(ra)`) placed in writable data; a `u32` is 4-byte
/// aligned, as an uncompressed instruction must be.
static mut RETURN_INSTRUCTION: u32 = 0x0000_8067;

/// Jumping into data faults as an instruction page fault (X is clear).
fn kernel_data_is_not_executable() -> TestResult {
    let address = &raw const RETURN_INSTRUCTION as u64;
    expected_fault::arm(ExpectedFault {
        test: "kernel_data_is_not_executable",
        scause: cause::INSTRUCTION_PAGE_FAULT,
        address: ExpectedAddress::Exactly(address),
        handler_stack: None,
    });
    // SAFETY: deliberately invalid: the call faults on the page without X
    // before the `ret` could run, and the fault ends the test.
    unsafe {
        let function: extern "C" fn() = core::mem::transmute(address as *const ());
        function();
    }
    Err(format!("executing data at {address:#x} did not fault"))
}
