//! Poisoning free memory, so kernel tests can see a byte nobody zeroed.
//!
//! QEMU gives the guest RAM that reads zero, so a frame handed out without
//! being zeroed looks zeroed all the same, and a test cannot tell a correct
//! `calloc` from one that forgot to clear. With `poison=on` on the command
//! line the kernel fills every free frame with [`POISON_BYTE`] once memory
//! is up, before the large-allocation engine takes its first frame (its
//! zero page) and before any test runs. From then on, a frame that reaches
//! an allocation without being zeroed shows `0xa5` bytes, which the tests
//! look for in every byte they read. The runner turns poisoning on for every
//! kernel test (`test=NAME`).
//!
//! The fill goes through the direct map, one `rep stosq` per run of
//! contiguous free frames ([`fill_pages`]), with the frame-allocator lock
//! held, so no frame can be handed out while it is being poisoned.

use crate::arch::{fill_pages, phys_to_virt, read_timestamp};
use crate::memory::with_frames;
use pristine_allocator::FrameNumber;

/// The byte every free frame holds after [`poison_free_frames`]: not zero,
/// and not a value the tests write (they write patterns that skip it).
pub const POISON_BYTE: u8 = 0xa5;

/// What [`poison_free_frames`] did.
#[derive(Clone, Copy, Debug)]
pub struct PoisonReport {
    /// Free frames filled.
    pub frames: u64,
    /// Runs of contiguous free frames (one `rep stosq` each).
    pub runs: u64,
    /// Timestamp ticks the fill took (guest instructions under `-icount`).
    pub ticks: u64,
}

/// Fills every free frame with [`POISON_BYTE`].
pub fn poison_free_frames() -> PoisonReport {
    let start = read_timestamp();
    let (frames, runs) = with_frames(|allocator| {
        let limit = allocator.frame_limit().0;
        let (mut frames, mut runs) = (0, 0);
        let mut frame = 0;
        while frame < limit {
            if !allocator.is_free(FrameNumber(frame)) {
                frame += 1;
                continue;
            }
            let first = frame;
            while frame < limit && allocator.is_free(FrameNumber(frame)) {
                frame += 1;
            }
            let address = phys_to_virt(FrameNumber(first).start_address());
            // SAFETY: frames first..frame are free, so no one uses them, and
            // none can be handed out while the frame-allocator lock is held;
            // the direct map covers all RAM and is page aligned.
            unsafe { fill_pages(address, frame - first, POISON_BYTE) };
            frames += frame - first;
            runs += 1;
        }
        (frames, runs)
    });
    PoisonReport {
        frames,
        runs,
        ticks: read_timestamp() - start,
    }
}
