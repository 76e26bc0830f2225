//! The GDT and TSS: flat segments, and a known-good stack for double faults.
//!
//! In long mode segmentation is mostly gone, but the CPU still needs a code
//! segment descriptor, and the TSS still matters for one thing Pristine uses:
//! the Interrupt Stack Table. Entry [`DOUBLE_FAULT_IST_INDEX`] points at a
//! dedicated stack, so a double fault caused by a kernel stack overflow runs
//! on memory that is known to be good (Intel SDM Vol. 3A, 7.14.5 "Interrupt
//! Stack Table").

use super::stacks;
use spin::Once;
use x86_64::VirtAddr;
use x86_64::instructions::segmentation::{CS, DS, ES, SS, Segment};
use x86_64::instructions::tables::load_tss;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable, SegmentSelector};
use x86_64::structures::tss::TaskStateSegment;

/// Index in the TSS interrupt stack table of the double-fault stack
/// (IDT entries count IST slots from 1; this is slot 0 of the array).
pub const DOUBLE_FAULT_IST_INDEX: u16 = 0;

static TSS: Once<TaskStateSegment> = Once::new();
static GDT: Once<(GlobalDescriptorTable, Selectors)> = Once::new();

struct Selectors {
    code: SegmentSelector,
    data: SegmentSelector,
    tss: SegmentSelector,
}

fn task_state_segment() -> &'static TaskStateSegment {
    TSS.call_once(|| {
        let mut tss = TaskStateSegment::new();
        let top = stacks::double_fault_stack().top;
        tss.interrupt_stack_table[DOUBLE_FAULT_IST_INDEX as usize] = VirtAddr::new(top);
        tss
    })
}

/// Loads the GDT, reloads the segment registers and loads the TSS.
pub fn init() {
    let (gdt, selectors) = GDT.call_once(|| {
        let mut gdt = GlobalDescriptorTable::new();
        let code = gdt.append(Descriptor::kernel_code_segment());
        let data = gdt.append(Descriptor::kernel_data_segment());
        let tss = gdt.append(Descriptor::tss_segment(task_state_segment()));
        (gdt, Selectors { code, data, tss })
    });
    gdt.load();
    // SAFETY: `code` indexes the 64-bit kernel code descriptor of the GDT
    // just loaded, which lives forever in a static; the running code is
    // kernel code, so reloading CS changes nothing it depends on.
    unsafe { CS::set_reg(selectors.code) };
    // SAFETY: `data` indexes the kernel data descriptor of that GDT; a flat
    // writable segment is what SS must be in ring 0.
    unsafe { SS::set_reg(selectors.data) };
    // SAFETY: as for SS: a flat data segment of the loaded GDT.
    unsafe { DS::set_reg(selectors.data) };
    // SAFETY: as for SS: a flat data segment of the loaded GDT.
    unsafe { ES::set_reg(selectors.data) };
    // SAFETY: `tss` indexes the TSS descriptor of the loaded GDT, built from
    // a TaskStateSegment that lives forever in a static, and is loaded once.
    unsafe { load_tss(selectors.tss) };
}
