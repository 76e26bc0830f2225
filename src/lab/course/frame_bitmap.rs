//! Lab 1, `frame-bitmap`: the lowest free frame, through summary levels.
//!
//! The frame allocator keeps one bit per frame and a 64-ary tree of "any
//! bit set" words on top, so the lowest free frame is a climb and a
//! descent of a few words, not a scan of 32,768 (8 GiB). The student
//! writes the search (`SummaryBitmap::next_set`) and the allocator's fast
//! path, which looks in the word of `search_start` before asking the tree.
//! Without them no frame is ever found, so the kernel does not even boot.

use crate::lab::catalogue::{GradedTest, Lab, Region, Suite};

/// The lab.
pub const LAB: Lab = Lab {
    name: "frame-bitmap",
    title: "the frame bitmap: find the lowest free frame through summary levels",
    teaches: "a bitmap with a 64-ary summary tree: a search climbs from the leaf word \
              until a level has a set bit at or after the position, then descends with \
              trailing_zeros; the allocation fast path; why the kernel relies on \
              lowest-first. Read allocator/src/frame/bitmap.rs, then summary.rs.",
    regions: &[
        Region {
            path: "allocator/src/frame/bitmap/single.rs",
            stub: "\
// LAB frame-bitmap: the word and one-bit mask of the lowest free frame.
// No frame below `self.search_start` is free, so look in its word of
// `self.free` first (`leaf_word`), at the bits at or after it; if none is
// set, the summary tree finds the next one (`self.free.next_set`), and
// `split` turns a frame number into its (word, mask). Until then no frame
// is ever found: every allocation fails with `OutOfFrames`, and the
// kernel cannot build its page tables.
None",
        },
        Region {
            path: "allocator/src/frame/summary.rs",
            stub: "\
/// The lowest set bit at or after `from`, if any.
pub(super) fn next_set(&self, from: u64) -> Option<u64> {
    // LAB frame-bitmap: the lowest set bit at or after `from`, reading at
    // most two words per level. Climb: in the leaf word holding `from`,
    // look at the bits at or after it; if none is set, go on with the next
    // word, which is the next bit one level up, until some level has a
    // set bit at or after the position (none anywhere: `None`). Descend:
    // a set summary bit promises a nonzero word below it, whose lowest set
    // bit (`trailing_zeros`) is the position one level down.
    // `self.levels[0]` holds the bits themselves, `self.levels[level]`
    // the summaries, `self.used_levels` says how many levels there are,
    // and `self.word(level, index)` reads a word (0 beyond the end).
    // Until then nothing is ever found.
    let _ = from;
    None
}",
        },
    ],
    tests: &[
        GradedTest {
            suite: Suite::AllocatorUnit,
            name: "frame::summary::tests::next_set_finds_the_lowest_bit_across_levels",
            points: 15,
        },
        GradedTest {
            suite: Suite::AllocatorUnit,
            name: "frame::summary::tests::clearing_the_last_bit_of_a_word_clears_its_summary",
            points: 10,
        },
        GradedTest {
            suite: Suite::AllocatorUnit,
            name: "frame::bitmap::single::tests::allocate_returns_the_lowest_free_frame",
            points: 15,
        },
        GradedTest {
            suite: Suite::AllocatorUnit,
            name: "frame::bitmap::single::tests::every_way_of_freeing_lowers_the_search_start",
            points: 10,
        },
        GradedTest {
            suite: Suite::AllocatorIntegration("frame_model"),
            name: "no_frame_is_handed_out_twice",
            points: 15,
        },
        GradedTest {
            suite: Suite::AllocatorIntegration("frame_model"),
            name: "runs_are_aligned_and_lowest_first",
            points: 10,
        },
        GradedTest {
            suite: Suite::Qemu,
            name: "boot",
            points: 10,
        },
        GradedTest {
            suite: Suite::Qemu,
            name: "frame_allocator_hands_out_every_frame_once",
            points: 15,
        },
    ],
};
