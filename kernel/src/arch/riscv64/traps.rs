//! The Rust side of traps: what each cause means and who handles it.
//!
//! Every trap lands in [`trap_dispatch`] (from [`super::trap_entry`]),
//! which decides by `scause` (RISC-V Privileged Architecture, 4.1.8,
//! Table 4.2):
//! - a **breakpoint** (`ebreak`, cause 3) is counted and execution resumes
//!   after it: `sepc` still points at the `ebreak`, so the handler moves it
//!   on by the instruction's length (2 bytes for the compressed
//!   `c.ebreak`, else 4);
//! - a **page fault** (12 instruction, 13 load, 15 store) in the
//!   large-allocation range goes to the allocator engine (zero page,
//!   copy-on-write, software dirty tracking); if it fixes the mapping,
//!   `sret` runs the faulting instruction again; if no frame is left even
//!   after the cache gave its frames back, the machine ends with the
//!   out-of-memory report (`memory::out_of_memory`, status 39);
//! - a fault a **kernel test expects** ends the test with its verdict (see
//!   [`super::selftest::expected_fault`]; one atomic load when none is
//!   armed);
//! - anything else is fatal: a report with the cause's name, `sepc`,
//!   `stval` and, when `stval` lies in a stack's guard page, the words
//!   "stack overflow", then the panic path ends QEMU with a failure status.

use super::selftest::expected_fault;
use super::stacks;
use super::trap_entry::{SP, TrapFrame};
use crate::memory::large::{self, FaultVerdict, UnfixableFault};
use crate::memory::out_of_memory;
use core::sync::atomic::{AtomicU64, Ordering};
use pristine_allocator::Access;

/// Exception codes used by name (`scause` with bit 63 clear).
pub mod cause {
    /// `ebreak`.
    pub const BREAKPOINT: u64 = 3;
    /// A fetch through an entry that is invalid or lacks X (or A).
    pub const INSTRUCTION_PAGE_FAULT: u64 = 12;
    /// A load through an entry that is invalid or lacks R (or A).
    pub const LOAD_PAGE_FAULT: u64 = 13;
    /// A store through an entry that is invalid or lacks W (or A, or D).
    pub const STORE_PAGE_FAULT: u64 = 15;
}

/// `scause` bit 63: the trap is an interrupt, not an exception.
const INTERRUPT: u64 = 1 << 63;

static BREAKPOINTS: AtomicU64 = AtomicU64::new(0);

/// How many breakpoints were handled since boot.
pub fn breakpoints_handled() -> u64 {
    BREAKPOINTS.load(Ordering::SeqCst)
}

/// Entered from the trap vector with the saved state of the interrupted code.
pub extern "C" fn trap_dispatch(frame: &mut TrapFrame) {
    if let Some(expected) = expected_fault::armed() {
        expected.finish_test(frame);
    }
    match frame.scause {
        cause::BREAKPOINT => {
            BREAKPOINTS.fetch_add(1, Ordering::SeqCst);
            log::debug!("breakpoint at {:#x}, resuming", frame.sepc);
            frame.sepc += instruction_length(frame.sepc);
        }
        code @ (cause::INSTRUCTION_PAGE_FAULT
        | cause::LOAD_PAGE_FAULT
        | cause::STORE_PAGE_FAULT) => match large::resolve_fault(frame.stval, access_of(code)) {
            FaultVerdict::Retry => {}
            FaultVerdict::NotOurs => fatal(frame),
            FaultVerdict::Fatal(UnfixableFault::OutOfMemory(report)) => {
                out_of_memory::end_machine(&report, frame.sepc)
            }
            FaultVerdict::Fatal(reason) => panic!(
                "page fault at {:#x} (sepc {:#x}): {reason}",
                frame.stval, frame.sepc
            ),
        },
        _ => fatal(frame),
    }
}

/// The access a page-fault cause describes.
fn access_of(code: u64) -> Access {
    match code {
        cause::INSTRUCTION_PAGE_FAULT => Access::Execute,
        cause::STORE_PAGE_FAULT => Access::Write,
        _ => Access::Read,
    }
}

/// The length of the instruction at `address`: 4 when its lowest two bits
/// are `11`, else 2 (a compressed instruction; Unprivileged ISA, 1.5).
fn instruction_length(address: u64) -> u64 {
    // SAFETY: `address` is the sepc of an ebreak the kernel just executed,
    // in the kernel's text, which is mapped readable; a halfword read is
    // aligned (instructions are at least 2-byte aligned with C).
    let low = unsafe { (address as *const u16).read_volatile() };
    if low & 0b11 == 0b11 { 4 } else { 2 }
}

/// The name of an `scause` value.
pub fn cause_name(scause: u64) -> &'static str {
    if scause & INTERRUPT != 0 {
        return "interrupt";
    }
    const NAMES: [&str; 16] = [
        "instruction address misaligned",
        "instruction access fault",
        "illegal instruction",
        "breakpoint",
        "load address misaligned",
        "load access fault",
        "store/AMO address misaligned",
        "store/AMO access fault",
        "environment call from U-mode",
        "environment call from S-mode",
        "reserved (10)",
        "environment call from M-mode",
        "instruction page fault",
        "load page fault",
        "reserved (14)",
        "store/AMO page fault",
    ];
    NAMES
        .get(scause as usize)
        .copied()
        .unwrap_or("unknown exception")
}

/// The stack whose guard page holds `address`, if any.
pub fn overflowed_stack(address: u64) -> Option<&'static str> {
    stacks::all()
        .into_iter()
        .find(|(_, bounds)| bounds.guard_contains(address))
        .map(|(name, _)| name)
}

fn fatal(frame: &TrapFrame) -> ! {
    if let Some(stack) = overflowed_stack(frame.stval) {
        panic!(
            "kernel stack overflow: {} at sepc {:#x} touched {:#x} in the {stack} stack's \
             guard page (scause {}, sp {:#x})",
            cause_name(frame.scause),
            frame.sepc,
            frame.stval,
            frame.scause,
            frame.registers[SP]
        );
    }
    panic!(
        "unhandled {} (scause {:#x}) at sepc {:#x}: stval {:#x}, sp {:#x}",
        cause_name(frame.scause),
        frame.scause,
        frame.sepc,
        frame.stval,
        frame.registers[SP]
    );
}
