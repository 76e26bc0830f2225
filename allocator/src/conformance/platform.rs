//! What the conformance kit needs from the platform under test.

use crate::{Adaptation, AllocError, DirtyStrategy, Policy, Stats, VirtAddr};

/// The porter's glue: an engine running on the MMU under test, and memory
/// accesses as a program would make them.
///
/// Reads and writes must go through the MMU, with its faults handed to the
/// engine (`LargeAllocator::handle_fault`) and the access retried, exactly
/// as the kernel's fault handler does: that is what the kit checks. A
/// kernel implements them as plain loads and stores; the simulator with
/// its `read_bytes` and `write_byte`.
pub trait Platform {
    /// Allocates `bytes` zeroed bytes (`calloc(1, bytes)`).
    fn calloc(&mut self, bytes: u64) -> Result<VirtAddr, AllocError>;

    /// Frees a block from [`Platform::calloc`].
    fn free(&mut self, block: VirtAddr) -> Result<(), AllocError>;

    /// Drains the cache, switches to `policy` and `dirty`, and resets the
    /// counters (`set_policy`, `set_dirty_strategy`, `reset_counters`).
    fn switch(&mut self, policy: Policy, dirty: DirtyStrategy) -> Result<(), AllocError>;

    /// Turns the engine's adaptive re-zeroing on or off
    /// (`LargeAllocator::set_adaptation`).
    fn set_adaptation(&mut self, adaptation: Adaptation);

    /// Resets the engine's counters.
    fn reset_counters(&mut self);

    /// The engine's counters.
    fn stats(&mut self) -> Stats;

    /// Fills `buffer` with the bytes at `address` (within one page),
    /// through the MMU.
    fn read(&mut self, address: VirtAddr, buffer: &mut [u8]);

    /// Writes `len` bytes of `value` from `address` (within one page),
    /// through the MMU.
    fn fill(&mut self, address: VirtAddr, len: u64, value: u8);

    /// Fills every free frame with a non-zero byte, so a frame handed out
    /// without being zeroed shows it. A platform whose free memory already
    /// holds such bytes (the simulator's RAM starts as poison) may do
    /// nothing.
    fn poison_free_frames(&mut self);

    /// How many frames the frame source has free.
    fn free_frames(&mut self) -> u64;

    /// How many frames the MMU has taken for page tables (kept for reuse,
    /// so they do not come back when the cache is drained).
    fn page_table_frames(&mut self) -> u64;
}
