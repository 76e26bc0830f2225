//! Errors of the frame allocator.

use crate::addr::FrameNumber;

/// Why a frame operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// No free frame is left.
    OutOfFrames,
    /// The frame was already free: a double free.
    DoubleFree(FrameNumber),
}
