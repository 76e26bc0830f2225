//! The trait through which the large-allocation engine takes frames.

use super::FrameError;
use crate::addr::FrameNumber;

/// Anything that hands out and takes back single physical frames.
///
/// The large-allocation engine asks for frames through this trait, so a
/// kernel can pass the [`FrameAllocator`](super::FrameAllocator) itself, a
/// lock around it, or a test double.
///
/// A frame handed out must be free for the engine alone: nobody else reads
/// or writes it until it is given back. The trait is safe because it
/// writes no memory itself; the engine writes its frames only through its
/// [`Mmu`](crate::Mmu), and an MMU on real memory makes whoever builds it
/// promise, in `unsafe` code, that the engine's frame source keeps this
/// rule (see the safety contract of [`Mmu`](crate::Mmu)).
pub trait FrameSource {
    /// Takes one free frame. Its contents are unspecified (not zeroed).
    fn allocate_frame(&mut self) -> Result<FrameNumber, FrameError>;

    /// Gives a frame taken with [`FrameSource::allocate_frame`] back.
    fn free_frame(&mut self, frame: FrameNumber) -> Result<(), FrameError>;

    /// Takes 512 contiguous free frames whose first one is 2 MiB aligned
    /// (its number a multiple of 512) and returns that first one: the
    /// large zero page's frame, which the engine takes once, when it is
    /// built, and keeps. Contents unspecified.
    ///
    /// The default has none to give ([`FrameError::OutOfFrames`]): the
    /// engine then uses the 4 KiB zero page only.
    fn allocate_large_frame(&mut self) -> Result<FrameNumber, FrameError> {
        Err(FrameError::OutOfFrames)
    }
}
