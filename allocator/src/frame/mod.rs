//! Physical frames: who owns which 4 KiB of RAM.
//!
//! This module only declares and re-exports; see [`bitmap`] for the allocator
//! itself, [`error`] for what can go wrong and [`source`] for the trait the
//! large-allocation engine takes frames through. `summary` (a bitmap with
//! summary levels) and `words` (frame ranges as word masks) are its private
//! building blocks.

pub mod bitmap;
pub mod error;
pub mod source;
mod summary;
mod words;

pub use bitmap::{FrameAllocator, FrameStats};
pub use error::FrameError;
pub use source::FrameSource;
