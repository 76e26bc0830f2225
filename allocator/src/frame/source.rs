//! The trait through which the large-allocation engine takes frames.

use super::FrameError;
use crate::addr::FrameNumber;

/// Anything that hands out and takes back single physical frames.
///
/// The large-allocation engine asks for frames through this trait, so a port
/// can pass the [`FrameAllocator`](super::FrameAllocator) itself, a lock around it, or a test double.
pub trait FrameSource {
    /// Takes one free frame. Its contents are unspecified (not zeroed).
    fn allocate_frame(&mut self) -> Result<FrameNumber, FrameError>;

    /// Gives a frame taken with [`FrameSource::allocate_frame`] back.
    fn free_frame(&mut self, frame: FrameNumber) -> Result<(), FrameError>;
}
