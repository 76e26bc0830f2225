//! The frame test: every usable frame is handed out exactly once, then all
//! come back.
//!
//! Meant for a small guest (the runner uses 64 MiB). Each frame handed out is
//! checked against the memory map and a seen-bitmap, and gets its own number
//! written into it through the direct map; at the end every frame must still
//! hold its number (no two allocations shared memory), and after freeing all
//! of them the counts must equal those at the start.

use super::TestResult;
use crate::arch::phys_to_virt;
use crate::memory::{frames, with_frames};
use alloc::format;
use alloc::vec;
use alloc::vec::Vec;
use pristine_allocator::FrameNumber;
use pristine_allocator::frame::FrameError;

/// See the module docs.
pub fn frame_allocator_hands_out_every_frame_once() -> TestResult {
    let limit = with_frames(|frames| frames.frame_limit()).0;
    // Both vectors are sized before counting, so growing the heap for them
    // cannot change the counts the test compares against.
    let mut seen = vec![0u64; limit.div_ceil(64) as usize];
    let mut handed_out = Vec::with_capacity(frames::stats().free.0 as usize);
    let start = frames::stats();
    loop {
        match with_frames(|frames| frames.allocate()) {
            Ok(frame) => {
                check_new_frame(frame, limit, &mut seen)?;
                handed_out.push(frame);
            }
            Err(FrameError::OutOfFrames) => break,
            Err(other) => return Err(format!("allocation failed with {other:?}")),
        }
    }
    if handed_out.len() as u64 != start.free.0 {
        return Err(format!(
            "{} frames handed out, {} were free",
            handed_out.len(),
            start.free.0
        ));
    }
    check_tags(&handed_out)?;
    for &frame in &handed_out {
        with_frames(|frames| frames.free(frame)).map_err(|e| format!("free {frame:?}: {e:?}"))?;
    }
    let end = frames::stats();
    if end != start {
        return Err(format!("counts before {start:?} and after {end:?} differ"));
    }
    log::info!(
        "{} frames handed out once each and returned",
        handed_out.len()
    );
    Ok(())
}

fn check_new_frame(frame: FrameNumber, limit: u64, seen: &mut [u64]) -> TestResult {
    let usable = crate::boot_info().usable_regions().any(|region| {
        region.start.0 <= frame.start_address().0 && frame.start_address().0 < region.end.0
    });
    if frame.0 >= limit || !usable {
        return Err(format!("{frame:?} is outside usable RAM"));
    }
    let (word, bit) = ((frame.0 / 64) as usize, frame.0 % 64);
    if seen[word] & (1 << bit) != 0 {
        return Err(format!("{frame:?} handed out twice"));
    }
    seen[word] |= 1 << bit;
    let tag = phys_to_virt(frame.start_address()) as *mut u64;
    // SAFETY: the frame was just allocated to this test and is direct-mapped.
    unsafe { tag.write_volatile(frame.0) };
    Ok(())
}

fn check_tags(handed_out: &[FrameNumber]) -> TestResult {
    for &frame in handed_out {
        let tag = phys_to_virt(frame.start_address()) as *const u64;
        // SAFETY: the frame is still allocated to this test and direct-mapped.
        let value = unsafe { tag.read_volatile() };
        if value != frame.0 {
            return Err(format!(
                "{frame:?} holds tag {value}: another allocation wrote it"
            ));
        }
    }
    Ok(())
}
