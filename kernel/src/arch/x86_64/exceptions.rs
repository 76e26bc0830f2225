//! The IDT and the Rust side of CPU exceptions.
//!
//! Every one of the 32 exception vectors gets a stub from
//! [`super::exception_entry`]; all of them land in [`exception_dispatch`],
//! which decides:
//! - a **breakpoint** (`int3`, vector 3) is counted and execution resumes
//!   after it;
//! - a **page fault** (vector 14) in the large-allocation range goes to the
//!   allocator engine (zero page, copy-on-write, software dirty tracking);
//!   if it fixes the mapping, the faulting instruction runs again; if no
//!   frame is left for it even after the cache gave its frames back, the
//!   machine ends with an `[OUT OF MEMORY]` report, not a panic;
//! - a fault a **kernel test expects** ends the test with its verdict (see
//!   [`super::selftest::expected_fault`]; when no test armed one, the check
//!   is one atomic load, no lock);
//! - anything else is fatal: a report with the vector's name, the decoded
//!   error code, `rip`, and for page faults `CR2` (the faulting address),
//!   then the panic path ends QEMU with a failure status.
//!
//! The double fault runs on its own IST stack (see [`super::gdt`]).

use super::exception_entry::{EXCEPTION_VECTORS, ExceptionFrame, stub_address};
use super::gdt::DOUBLE_FAULT_IST_INDEX;
use super::selftest::expected_fault;
use crate::memory::large::{self, FaultVerdict, UnfixableFault};
use crate::memory::out_of_memory;
use core::sync::atomic::{AtomicU64, Ordering};
use pristine_allocator::Access;
use spin::Once;
use x86_64::VirtAddr;
use x86_64::registers::control::Cr2;
use x86_64::structures::idt::{InterruptDescriptorTable, PageFaultErrorCode};

/// Vector numbers used by name (Intel SDM Vol. 3A, Table 6-1).
pub mod vector {
    /// `#BP`, raised by `int3`.
    pub const BREAKPOINT: u8 = 3;
    /// `#DF`, a fault while delivering another fault.
    pub const DOUBLE_FAULT: u8 = 8;
    /// `#PF`.
    pub const PAGE_FAULT: u8 = 14;
}

static IDT: Once<InterruptDescriptorTable> = Once::new();
static BREAKPOINTS: AtomicU64 = AtomicU64::new(0);

/// Builds and loads the IDT.
pub fn init() {
    let idt = IDT.call_once(build_idt);
    idt.load();
}

fn build_idt() -> InterruptDescriptorTable {
    let mut idt = InterruptDescriptorTable::new();
    macro_rules! install {
        ($($field:ident = $vector:expr),* $(,)?) => {$(
            // SAFETY: the stub is a valid exception entry point that saves
            // all registers and returns with `iretq`.
            unsafe { idt.$field.set_handler_addr(VirtAddr::new(stub_address($vector))); }
        )*};
    }
    install!(
        divide_error = 0,
        debug = 1,
        non_maskable_interrupt = 2,
        breakpoint = 3,
        overflow = 4,
        bound_range_exceeded = 5,
        invalid_opcode = 6,
        device_not_available = 7,
        invalid_tss = 10,
        segment_not_present = 11,
        stack_segment_fault = 12,
        general_protection_fault = 13,
        page_fault = 14,
        x87_floating_point = 16,
        alignment_check = 17,
        machine_check = 18,
        simd_floating_point = 19,
        virtualization = 20,
        cp_protection_exception = 21,
        hv_injection_exception = 28,
        vmm_communication_exception = 29,
        security_exception = 30,
    );
    let double_fault_stub = VirtAddr::new(stub_address(vector::DOUBLE_FAULT as usize));
    // SAFETY: as above: a stub that saves all registers and ends in `iretq`.
    let options = unsafe { idt.double_fault.set_handler_addr(double_fault_stub) };
    // SAFETY: IST slot DOUBLE_FAULT_IST_INDEX holds a valid stack that
    // nothing else runs on (see gdt.rs and stacks.rs).
    unsafe { options.set_stack_index(DOUBLE_FAULT_IST_INDEX) };
    idt
}

/// How many breakpoints were handled since boot.
pub fn breakpoints_handled() -> u64 {
    BREAKPOINTS.load(Ordering::SeqCst)
}

/// Entered from the assembly stubs with the saved state of the interrupted code.
pub extern "C" fn exception_dispatch(frame: &mut ExceptionFrame) {
    let vector = frame.vector as u8;
    let address = if vector == vector::PAGE_FAULT {
        Cr2::read_raw()
    } else {
        0
    };
    if let Some(expected) = expected_fault::armed() {
        expected.finish_test(frame, address);
    }
    match vector {
        vector::BREAKPOINT => {
            BREAKPOINTS.fetch_add(1, Ordering::SeqCst);
            log::debug!("breakpoint at {:#x}, resuming", frame.rip);
        }
        vector::PAGE_FAULT => match large::resolve_fault(address, access_of(frame.error_code)) {
            FaultVerdict::Retry => {}
            FaultVerdict::NotOurs => fatal(frame, address),
            FaultVerdict::Fatal(UnfixableFault::OutOfMemory(report)) => {
                out_of_memory::end_machine(&report, frame.rip)
            }
            FaultVerdict::Fatal(reason) => {
                panic!(
                    "page fault at {address:#x} (rip {:#x}): {reason}",
                    frame.rip
                )
            }
        },
        _ => fatal(frame, address),
    }
}

/// The access a page-fault error code describes (SDM Vol. 3A, 4.7).
fn access_of(error_code: u64) -> Access {
    let code = PageFaultErrorCode::from_bits_truncate(error_code);
    if code.contains(PageFaultErrorCode::INSTRUCTION_FETCH) {
        Access::Execute
    } else if code.contains(PageFaultErrorCode::CAUSED_BY_WRITE) {
        Access::Write
    } else {
        Access::Read
    }
}

/// The mnemonic and name of an exception vector.
pub fn vector_name(vector: u8) -> &'static str {
    const NAMES: [&str; EXCEPTION_VECTORS] = [
        "#DE divide error",
        "#DB debug",
        "NMI",
        "#BP breakpoint",
        "#OF overflow",
        "#BR bound range exceeded",
        "#UD invalid opcode",
        "#NM device not available",
        "#DF double fault",
        "coprocessor segment overrun",
        "#TS invalid TSS",
        "#NP segment not present",
        "#SS stack-segment fault",
        "#GP general protection",
        "#PF page fault",
        "reserved (15)",
        "#MF x87 floating point",
        "#AC alignment check",
        "#MC machine check",
        "#XM SIMD floating point",
        "#VE virtualization",
        "#CP control protection",
        "reserved (22)",
        "reserved (23)",
        "reserved (24)",
        "reserved (25)",
        "reserved (26)",
        "reserved (27)",
        "#HV hypervisor injection",
        "#VC VMM communication",
        "#SX security",
        "reserved (31)",
    ];
    NAMES
        .get(vector as usize)
        .copied()
        .unwrap_or("unknown vector")
}

fn fatal(frame: &ExceptionFrame, address: u64) -> ! {
    let vector = frame.vector as u8;
    if vector == vector::PAGE_FAULT {
        let code = PageFaultErrorCode::from_bits_truncate(frame.error_code);
        panic!(
            "unhandled {} at rip {:#x}: address (CR2) {:#x}, error code {:#x} = {:?}",
            vector_name(vector),
            frame.rip,
            address,
            frame.error_code,
            code
        );
    }
    panic!(
        "unhandled {} (vector {}) at rip {:#x}, error code {:#x}, rsp {:#x}",
        vector_name(vector),
        vector,
        frame.rip,
        frame.error_code,
        frame.rsp
    );
}
