//! Lab 5, `dirty-hw`: re-zero only written pages, told by the dirty bit.
//!
//! The dirty-tracking cache re-zeroes on reuse only the pages written
//! since they were last zeroed. With the hardware strategy the CPU says
//! which: it sets an entry's dirty bit on the first write through it. The
//! student writes the engine's side (read and clear D, zero, then flush:
//! in that order) and the x86 MMU's side (clear D in the live entry).

use crate::lab::catalogue::{GradedTest, Lab, Region, Suite};

/// The lab.
pub const LAB: Lab = Lab {
    name: "dirty-hw",
    title: "dirty tracking with the hardware dirty bit, and the TLB flush that re-arms it",
    teaches: "the D bit (Intel SDM Vol. 3A, 4.8), why a cleared D bit needs a TLB flush \
              (a translation cached with D set lets the next write through unseen, \
              4.10.2.3), zeroing through the direct map so no D bit is set, and the \
              invariant: an entry that does not say written holds only zeroes. Read \
              allocator/src/dirty.rs, allocator/src/engine/reuse.rs and take_dirty in \
              kernel/src/arch/x86_64/mmu.rs.",
    regions: &[
        Region {
            path: "allocator/src/engine/reuse.rs",
            stub: "\
// LAB dirty-hw: read the page's entry and clear its dirty bit in one walk
// (`self.mmu.take_dirty(page)`; `None` when the page is unmapped). If the
// entry was dirty, zero its frame (`self.zero_cached_frame(entry.frame)`)
// and then flush the page's TLB entry (`self.mmu.flush_tlb(page)`), so
// that no translation cached with D set survives the re-arming. Until
// then no page is re-zeroed: a calloc from the cache returns old data.
let _ = page;",
        },
        Region {
            path: "kernel/src/arch/x86_64/mmu.rs",
            stub: "\
// LAB dirty-hw: in one walk (`self.with_leaf(page, false, |entry| ..)`),
// read the entry (`info_of(entry)`, `None` when not present) and, if the
// CPU has set its dirty bit, clear it
// (`entry.set_flags(entry.flags() - F::DIRTY)`); return the entry as it
// was. Until then the dirty bit is reported but never cleared, so a page
// written once is re-zeroed on every later reuse.
self.query(page)",
        },
    ],
    tests: &[
        GradedTest {
            suite: Suite::AllocatorUnit,
            name: "engine::reuse::tests::dirty_tracking_zeroes_only_written_pages",
            points: 15,
        },
        GradedTest {
            suite: Suite::AllocatorIntegration("model_invariants"),
            name: "dirty_tracking_zeroes_exactly_the_written_pages",
            points: 15,
        },
        GradedTest {
            suite: Suite::AllocatorIntegration("model_invariants"),
            name: "no_written_byte_leaks_into_a_later_calloc",
            points: 10,
        },
        GradedTest {
            suite: Suite::AllocatorIntegration("cache_cliff"),
            name: "dirty_tracking_pays_only_for_written_pages",
            points: 10,
        },
        GradedTest {
            suite: Suite::AllocatorIntegration("svade"),
            name: "hardware_strategy_sees_each_rearmed_write_through_one_dirty_bit_fault",
            points: 10,
        },
        GradedTest {
            suite: Suite::Qemu,
            name: "calloc_reads_zero_dirty_hw",
            points: 10,
        },
        GradedTest {
            suite: Suite::Qemu,
            name: "dirty_zeroes_exactly_written_pages_hw",
            points: 10,
        },
        GradedTest {
            suite: Suite::Qemu,
            name: "dirty_page_left_alone_is_rezeroed_once_hw",
            points: 10,
        },
        GradedTest {
            suite: Suite::Qemu,
            name: "hardware_dirty_bit_catches_silent_write",
            points: 10,
        },
    ],
};
