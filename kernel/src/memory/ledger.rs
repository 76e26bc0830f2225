//! A frame ledger: where every frame the kernel manages is, at one moment.
//!
//! An experiment that ends early (a round out of memory) or a stress run
//! must give back every frame it took. Free frames alone do not say so: the
//! MMU keeps the page-table frames it created for the large-allocation range
//! (for reuse), and the heap keeps the pages it grew by. A [`FrameLedger`]
//! counts free frames plus those two, so two snapshots taken with nothing
//! allocated and the cache drained must agree; the difference is frames
//! still held somewhere, that is, a leak.

use crate::arch::PageTableMmu;
use crate::memory::{frames, heap};
use pristine_allocator::PAGE_SIZE;

/// Free frames, page-table frames and heap frames at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameLedger {
    /// Frames the frame allocator has free.
    pub free: u64,
    /// Frames the MMU took for page tables (kept for reuse).
    pub page_tables: u64,
    /// Frames mapped for the kernel heap (never given back).
    pub heap: u64,
}

impl FrameLedger {
    /// The ledger now.
    pub fn now() -> FrameLedger {
        FrameLedger {
            free: frames::stats().free.0,
            page_tables: PageTableMmu::page_table_frames(),
            heap: heap::mapped_bytes() / PAGE_SIZE,
        }
    }

    /// Frames accounted for: free, or kept by the MMU or the heap.
    pub const fn accounted(&self) -> u64 {
        self.free + self.page_tables + self.heap
    }

    /// Frames `self` accounts for fewer than `baseline` did: frames taken
    /// since and still held elsewhere. Zero means every frame came back.
    pub const fn missing_since(&self, baseline: &FrameLedger) -> u64 {
        baseline.accounted().saturating_sub(self.accounted())
    }
}
