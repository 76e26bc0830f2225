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
}
