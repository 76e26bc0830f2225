//! Lab 3, `zero-page`: a read maps the shared zero page, a write a fresh frame.
//!
//! Fresh anonymous memory costs nothing until it is touched: a read fault
//! maps the one shared, read-only zero page, and the first write
//! (copy-on-write from the zero page, or a write to a page never mapped)
//! maps a frame zeroed through the direct map, never a copy of the zero
//! page. The student writes both arms of the fault handler and the
//! frame's mapping, host-tested against the simulated MMU and in QEMU.

use crate::lab::catalogue::{GradedTest, Lab, Region, Suite};

/// The lab.
pub const LAB: Lab = Lab {
    name: "zero-page",
    title: "the zero page on a read fault, a fresh zeroed frame on the first write",
    teaches: "demand paging: what a read fault and a write fault on untouched memory do, \
              copy-on-write from the shared zero page, why the old mapping is flushed \
              before the new one is used, and what eager mapping costs. Read \
              allocator/src/engine/fault.rs, mapping.rs and allocator/src/zero_page.rs.",
    regions: &[
        Region {
            path: "allocator/src/engine/fault.rs",
            stub: "\
// LAB zero-page: the page is unmapped, or mapped to the shared zero page.
// A read of an unmapped page maps the zero page read-only
// (`self.map_zero_page(page)?`), counts `self.stats.read_faults` and
// answers `Ok(Resolution::ZeroPageMapped)`. A write to an unmapped page,
// or to the zero page, maps a fresh zeroed frame
// (`self.map_fresh_frame(page, Previous::Unmapped)?` or
// `Previous::ZeroPage`), counts `self.stats.cow_faults` and answers
// `Ok(Resolution::FreshFrameMapped)`. Until then these faults are
// refused, which is fatal to the program.
None => Err(Shortfall::Refused(AccessFault {
    addr: page.start(),
    access,
})),
Some(entry) if self.zero_page.is(entry.frame) => Err(Shortfall::Refused(AccessFault {
    addr: page.start(),
    access,
})),",
        },
        Region {
            path: "allocator/src/engine/mapping.rs",
            stub: "\
// LAB zero-page: map a freshly zeroed frame writable at `page`. Take the
// frame first (`self.take_frame()?`), so running out of frames leaves the
// page as it was; zero it through the direct map (`self.mmu.zero_frame`),
// never by copying the zero page; count `self.stats.pages_zeroed_on_fault`
// and `self.stats.frames_in_use`. If `previous` is `Previous::ZeroPage`,
// unmap the zero page and flush its TLB entry. Then map the frame
// (`self.map_entry(page, frame, PageFlags::WRITABLE |
// self.presets(Access::Write))`; if that fails, the frame is yours alone:
// `self.give_frame` it back) and record `self.note_touched(page)`. Until
// then every such write is refused.
let _ = previous;
Err(Shortfall::Refused(crate::mmu::AccessFault {
    addr: page.start(),
    access: Access::Write,
}))",
        },
    ],
    tests: &[
        GradedTest {
            suite: Suite::AllocatorUnit,
            name: "engine::fault::tests::read_of_untouched_page_maps_the_zero_page",
            points: 15,
        },
        GradedTest {
            suite: Suite::AllocatorUnit,
            name: "engine::fault::tests::first_write_maps_a_fresh_zeroed_frame_never_the_zero_page",
            points: 15,
        },
        GradedTest {
            suite: Suite::AllocatorUnit,
            name: "engine::mapping::tests::copy_on_write_replaces_the_zero_page_and_flushes_it",
            points: 10,
        },
        GradedTest {
            suite: Suite::AllocatorIntegration("zero_page_mapping"),
            name: "read_only_use_trades_n_faults_for_nothing",
            points: 10,
        },
        GradedTest {
            suite: Suite::AllocatorIntegration("zero_page_mapping"),
            name: "read_then_written_region_costs_the_same_ops_either_way",
            points: 10,
        },
        GradedTest {
            suite: Suite::AllocatorIntegration("model_invariants"),
            name: "every_calloc_byte_reads_zero",
            points: 20,
        },
        GradedTest {
            suite: Suite::Qemu,
            name: "calloc_reads_zero_nocache",
            points: 20,
        },
    ],
};
