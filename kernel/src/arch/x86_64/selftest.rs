//! Kernel tests that need x86 hardware behaviour: exceptions and paging rights.
//!
//! Each test that provokes a fault first arms an [`ExpectedFault`] with what
//! the CPU must report (see [`expected_fault`]); the exception dispatcher
//! then ends the test with the verdict. Reaching the line after the faulting
//! access is a failure: the protection did not hold.

pub mod expected_fault;

use super::exceptions::{breakpoints_handled, vector};
use super::layout::{LARGE_ALLOCATION_SIZE, LARGE_ALLOCATION_START};
use super::mmu::{in_range, leaf_flags};
use super::{cpu, stacks};
use crate::memory::kernel_image;
use crate::selftest::{KernelTest, TestResult};
use alloc::format;
use core::hint::black_box;
use expected_fault::ExpectedFault;
use pristine_allocator::{Page, PageFlags, VirtAddr};
use x86_64::structures::idt::PageFaultErrorCode;
use x86_64::structures::paging::PageTableFlags;

/// The x86_64-specific kernel tests.
pub const KERNEL_TESTS: &[KernelTest] = &[
    KernelTest {
        name: "breakpoint_resumes",
        run: breakpoint_resumes,
    },
    KernelTest {
        name: "page_fault_reports_cr2_and_error_code",
        run: page_fault_reports_cr2_and_error_code,
    },
    KernelTest {
        name: "stack_overflow_hits_double_fault_ist",
        run: stack_overflow_hits_double_fault_ist,
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
        name: "mmu_entries_get_the_flags_asked_inside_the_range_only",
        run: mmu_entries_get_the_flags_asked_inside_the_range_only,
    },
];

/// An `int3` is handled, counted, and execution continues after it.
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

/// A write to an unmapped address raises #PF with CR2 = that address and
/// error code "not present, write, supervisor" (only bit 1 set).
fn page_fault_reports_cr2_and_error_code() -> TestResult {
    let address: u64 = 0x0000_5a5a_0000_1238;
    expected_fault::arm(ExpectedFault {
        test: "page_fault_reports_cr2_and_error_code",
        vector: vector::PAGE_FAULT,
        address: Some(address),
        error_code: Some(PageFaultErrorCode::CAUSED_BY_WRITE.bits()),
        handler_stack: None,
    });
    // SAFETY: deliberately invalid: the address is unmapped, and the fault it
    // raises ends the test before execution could continue.
    unsafe { (address as *mut u64).write_volatile(0x5a) };
    Err(format!("writing to unmapped {address:#x} did not fault"))
}

/// Unbounded recursion runs into the boot stack's guard page; the CPU cannot
/// push the page-fault frame there, so it raises a double fault, whose handler
/// runs on its own IST stack.
fn stack_overflow_hits_double_fault_ist() -> TestResult {
    expected_fault::arm(ExpectedFault {
        test: "stack_overflow_hits_double_fault_ist",
        vector: vector::DOUBLE_FAULT,
        address: None,
        error_code: Some(0),
        handler_stack: Some(stacks::double_fault_stack()),
    });
    let depth = recurse_forever(0);
    Err(format!(
        "recursion returned at depth {depth} without a double fault"
    ))
}

#[allow(unconditional_recursion)]
fn recurse_forever(depth: u64) -> u64 {
    let frame = black_box([depth; 32]);
    black_box(recurse_forever(black_box(depth + 1))) + frame[0]
}

/// A write into the kernel's own code faults as a protection violation.
fn kernel_text_is_not_writable() -> TestResult {
    let address = kernel_text_is_not_writable as *const () as u64;
    let code = PageFaultErrorCode::PROTECTION_VIOLATION | PageFaultErrorCode::CAUSED_BY_WRITE;
    expected_fault::arm(ExpectedFault {
        test: "kernel_text_is_not_writable",
        vector: vector::PAGE_FAULT,
        address: Some(address),
        error_code: Some(code.bits()),
        handler_stack: None,
    });
    if address < kernel_image::text_start() {
        return Err(format!(
            "function at {address:#x} lies below the text section"
        ));
    }
    // SAFETY: deliberately invalid: text is mapped read-only, so this write
    // faults and the test ends before the byte could change.
    unsafe { (address as *mut u8).write_volatile(0xcc) };
    Err(format!(
        "writing to kernel text at {address:#x} did not fault"
    ))
}

/// A `ret` instruction placed in writable data cannot be executed.
static mut RETURN_INSTRUCTION: [u8; 1] = [0xc3];

/// Jumping into data faults as an instruction fetch from a no-execute page.
fn kernel_data_is_not_executable() -> TestResult {
    let address = &raw const RETURN_INSTRUCTION as u64;
    let code = PageFaultErrorCode::PROTECTION_VIOLATION | PageFaultErrorCode::INSTRUCTION_FETCH;
    expected_fault::arm(ExpectedFault {
        test: "kernel_data_is_not_executable",
        vector: vector::PAGE_FAULT,
        address: Some(address),
        error_code: Some(code.bits()),
        handler_stack: None,
    });
    // SAFETY: deliberately invalid: the call faults on the no-execute page
    // before the `ret` could run, and the fault ends the test.
    unsafe {
        let function: extern "C" fn() = core::mem::transmute(address as *const ());
        function();
    }
    Err(format!("executing data at {address:#x} did not fault"))
}

/// The page-table MMU writes a leaf entry with exactly the bits the engine
/// asks for (present and no-execute always; writable, accessed and dirty
/// only when asked: the accessed and dirty presets are for an MMU whose
/// hardware does not set them, so the engine never sends them here and no
/// other test reaches them), and it touches the pages of the
/// large-allocation range only, down to the first and last page.
fn mmu_entries_get_the_flags_asked_inside_the_range_only() -> TestResult {
    let asked = [PageFlags::WRITABLE, PageFlags::ACCESSED, PageFlags::DIRTY];
    let written = [
        PageTableFlags::WRITABLE,
        PageTableFlags::ACCESSED,
        PageTableFlags::DIRTY,
    ];
    for choice in 0..8_u32 {
        let mut flags = PageFlags::empty();
        let mut expected = PageTableFlags::PRESENT | PageTableFlags::NO_EXECUTE;
        for bit in 0..3 {
            if choice & (1 << bit) != 0 {
                flags |= asked[bit];
                expected |= written[bit];
            }
        }
        let entry = leaf_flags(flags);
        if entry != expected {
            return Err(format!(
                "asked for {flags:?}, the entry got {entry:?}, not {expected:?}"
            ));
        }
    }
    let end = LARGE_ALLOCATION_START + LARGE_ALLOCATION_SIZE;
    let page_size = pristine_allocator::PAGE_SIZE;
    for (address, inside) in [
        (LARGE_ALLOCATION_START - page_size, false),
        (LARGE_ALLOCATION_START, true),
        (end - page_size, true),
        (end, false),
    ] {
        if in_range(Page::containing(VirtAddr(address))) != inside {
            return Err(format!(
                "the page at {address:#x} should be {} the large-allocation range",
                if inside { "in" } else { "outside" }
            ));
        }
    }
    Ok(())
}
