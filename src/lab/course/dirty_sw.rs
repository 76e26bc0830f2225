//! Lab 6, `dirty-sw`: dirty tracking without a dirty bit, by write faults.
//!
//! Hardware without a dirty bit (or a port that does not trust it) can
//! still tell written pages from clean ones: map a zeroed frame
//! read-only, and the first write faults. The engine records the write by
//! making the page writable, so "writable" means "written since zeroed".
//! The student writes both ends: the write-protect fault that records a
//! write, and the re-zeroing that zeroes and write-protects again.

use crate::lab::catalogue::{GradedTest, Lab, Region, Suite};

/// The lab.
pub const LAB: Lab = Lab {
    name: "dirty-sw",
    title: "dirty tracking with write-protect faults, for hardware without a dirty bit",
    teaches: "write protection as a dirty bit: a tracked write fault, re-arming by \
              write-protecting then flushing (a cached writable translation lets the \
              next write through unseen), and what each write then costs: one fault per \
              written page per round. Read allocator/src/dirty.rs, \
              allocator/src/engine/fault.rs and reuse.rs.",
    regions: &[
        Region {
            path: "allocator/src/engine/fault.rs",
            stub: "\
// LAB dirty-sw: a write to a page mapped read-only to a frame of its own
// (not the zero page) is a write-protect fault the software strategy set
// up. Record the write by making the page writable again
// (`self.mmu.protect(page, PageFlags::WRITABLE | self.presets(Access::Write))?`),
// flush its TLB entry, count `self.stats.tracked_write_faults` and answer
// `Ok(Resolution::WriteTracked)`. Until then such writes are refused,
// which is fatal to the program.
Some(entry) if write && !entry.writable => Err(Shortfall::Refused(AccessFault {
    addr: page.start(),
    access,
})),",
        },
        Region {
            path: "allocator/src/engine/reuse.rs",
            stub: "\
// LAB dirty-sw: a cached page whose entry is writable was written since
// it was last zeroed (`self.mmu.query(page)`; `None` when unmapped). Zero
// its frame (`self.zero_cached_frame(entry.frame)`), write-protect it
// (`self.mmu.protect(page, PageFlags::empty())?`), then flush its TLB
// entry. Until then nothing is re-zeroed or re-armed: a calloc from the
// cache returns old data.
let _ = page;
Ok(())",
        },
    ],
    tests: &[
        GradedTest {
            suite: Suite::AllocatorUnit,
            name: "engine::reuse::tests::software_rearm_write_protects_and_tracks_the_next_write",
            points: 15,
        },
        GradedTest {
            suite: Suite::AllocatorUnit,
            name: "engine::reuse::tests::dirty_tracking_zeroes_only_written_pages",
            points: 10,
        },
        GradedTest {
            suite: Suite::AllocatorIntegration("model_invariants"),
            name: "dirty_tracking_zeroes_exactly_the_written_pages",
            points: 15,
        },
        GradedTest {
            suite: Suite::AllocatorIntegration("svade"),
            name: "software_strategy_presets_dirty_when_it_tracks_a_write",
            points: 10,
        },
        GradedTest {
            suite: Suite::AllocatorIntegration("svade"),
            name: "every_policy_and_strategy_makes_progress_on_svade",
            points: 10,
        },
        GradedTest {
            suite: Suite::Qemu,
            name: "calloc_reads_zero_dirty_sw",
            points: 15,
        },
        GradedTest {
            suite: Suite::Qemu,
            name: "dirty_zeroes_exactly_written_pages_sw",
            points: 15,
        },
        GradedTest {
            suite: Suite::Qemu,
            name: "dirty_page_left_alone_is_rezeroed_once_sw",
            points: 10,
        },
    ],
};
