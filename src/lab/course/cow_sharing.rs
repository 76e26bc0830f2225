//! Lab 7, `cow-sharing`: fork-like duplicates that share written frames
//! copy-on-write, with exact reference counts.
//!
//! The classic copy-on-write of xv6's COW lab and of Unix `fork`, on one
//! large allocation: `duplicate` maps every written frame of the original
//! into the copy, read-only on both sides, and counts its mappings; the
//! first write on either side copies the frame, or takes it over when no
//! other mapping is left. The student writes both: sharing a page, and
//! the write fault that breaks the sharing. Freeing, the cache and dirty
//! tracking already respect the counts (a shared frame is never zeroed in
//! place nor freed before its last mapping goes).

use crate::lab::catalogue::{GradedTest, Lab, Region, Suite};

/// The lab.
pub const LAB: Lab = Lab {
    name: "cow-sharing",
    title: "copy-on-write sharing of written frames: duplicate, copy on write, take over",
    teaches: "fork-style copy-on-write: write-protect both sides before anyone can write, \
              count every mapping of a shared frame exactly, copy on the first write while \
              others still map the frame and take it over when none do, and why the cache \
              must unmap a shared page instead of zeroing its frame. Read \
              allocator/src/engine/duplicate.rs and allocator/src/shared_frames.rs.",
    regions: &[
        Region {
            path: "allocator/src/engine/duplicate.rs",
            stub: "\
// LAB cow-sharing: share the frame of `from` (described by `entry`) with
// `to`. First count one more mapping of it (`self.shared.share(entry.frame)`;
// a refusal is `Err(AllocError::SharingTableFull)`). Then, if `from` is
// writable, write-protect it (`self.mmu.protect(from, read_only)?` with
// `read_only = self.presets(Access::Read) | PageFlags::DIRTY`: the frame
// holds data, so the entry must keep saying \"written\") and flush its TLB
// entry. Then map `to` to the same frame with `read_only`
// (`self.map_entry`; if that fails, drop the reference again with
// `self.release_reference(entry.frame)?` and return the error), and count
// `self.sharing.pages_shared`. Until then every duplicate is refused.
let _ = (from, to, entry);
Err(AllocError::SharingTableFull)",
        },
        Region {
            path: "allocator/src/engine/duplicate.rs",
            stub: "\
// LAB cow-sharing: a write to the read-only `page`, whose frame
// `entry.frame` is shared. The new entry is writable and says \"written\":
// `PageFlags::WRITABLE | PageFlags::DIRTY | self.presets(Access::Write)`.
// If the page is the frame's last mapping (`self.shared.references(..) ==
// 1`), take it over: `self.shared.take_over`, protect the page with those
// flags, flush it, count `self.sharing.pages_taken_over` and answer
// `Ok(Resolution::SharedFrameTakenOver)`. Otherwise take a frame
// (`self.take_frame()?`), copy the shared one into it
// (`self.mmu.copy_frame`), count `self.stats.frames_in_use`, unmap the
// page and flush it, map the copy (`self.map_entry`; on failure give the
// new frame back and map the shared frame back read-only), drop the
// page's reference to the shared frame (`self.release_reference`), count
// `self.sharing.pages_copied` and answer
// `Ok(Resolution::SharedFrameCopied)`. Until then such writes are
// refused, which is fatal to the program.
let _ = entry;
Err(Shortfall::Refused(crate::mmu::AccessFault {
    addr: page.start(),
    access: Access::Write,
}))",
        },
    ],
    tests: &[
        GradedTest {
            suite: Suite::AllocatorUnit,
            name: "engine::duplicate::tests::duplicate_shares_written_frames_read_only_and_copies_nothing",
            points: 10,
        },
        GradedTest {
            suite: Suite::AllocatorUnit,
            name: "engine::duplicate::tests::a_write_to_a_shared_page_copies_it_and_the_other_side_keeps_its_data",
            points: 15,
        },
        GradedTest {
            suite: Suite::AllocatorUnit,
            name: "engine::duplicate::tests::the_last_mapping_takes_its_frame_over_without_a_copy",
            points: 10,
        },
        GradedTest {
            suite: Suite::AllocatorUnit,
            name: "engine::duplicate::tests::a_calloc_from_the_cache_never_zeroes_a_shared_frame_in_place",
            points: 10,
        },
        GradedTest {
            suite: Suite::AllocatorIntegration("cow_sharing"),
            name: "duplicates_read_their_own_writes_and_counts_stay_exact",
            points: 15,
        },
        GradedTest {
            suite: Suite::AllocatorIntegration("cow_sharing"),
            name: "sharing_stays_exact_under_memory_pressure",
            points: 10,
        },
        GradedTest {
            suite: Suite::Qemu,
            name: "duplicate_copy_on_write_dirty_hw",
            points: 15,
        },
        GradedTest {
            suite: Suite::Qemu,
            name: "duplicate_copy_on_write_dirty_sw",
            points: 15,
        },
    ],
};
