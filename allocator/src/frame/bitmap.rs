//! Placeholder, to be replaced by the bitmap frame allocator.

/// Placeholder.
pub struct FrameAllocator;
/// Placeholder.
pub struct FrameStats;
