//! Physical frames: who owns which 4 KiB of RAM.
//!
//! The physical frame allocator is a component of its own, used by a
//! kernel before and beside the large-allocation engine, so it keeps its
//! own namespace: everything here is reached as `frame::Item`. This module
//! only declares and re-exports: `bitmap` is the allocator itself, `error`
//! says what can go wrong and `source` is the trait the large-allocation
//! engine takes frames through. `summary` (a bitmap with summary levels)
//! and `words` (frame ranges as word masks) are its private building blocks.

mod bitmap;
mod error;
mod source;
mod summary;
mod words;

pub use bitmap::{FrameAllocator, FrameStats};
pub use error::FrameError;
pub use source::FrameSource;
