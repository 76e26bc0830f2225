//! Physical frames: who owns which 4 KiB of RAM.
//!
//! This module only declares and re-exports; see [`bitmap`] for the allocator
//! itself and [`error`] for what can go wrong. `summary` (a bitmap with
//! summary levels) and `words` (frame ranges as word masks) are its private
//! building blocks.

pub mod bitmap;
pub mod error;
mod summary;
mod words;

pub use bitmap::{FrameAllocator, FrameStats};
pub use error::FrameError;

use crate::addr::FrameNumber;

/// Anything that hands out and takes back single physical frames.
///
/// The large-allocation engine asks for frames through this trait, so a port
/// can pass the [`FrameAllocator`] itself, a lock around it, or a test double.
pub trait FrameSource {
    /// Takes one free frame. Its contents are unspecified (not zeroed).
    fn allocate_frame(&mut self) -> Result<FrameNumber, FrameError>;

    /// Gives a frame taken with [`FrameSource::allocate_frame`] back.
    fn free_frame(&mut self, frame: FrameNumber) -> Result<(), FrameError>;
}
