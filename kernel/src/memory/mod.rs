//! Kernel memory management: frames, the heap, large allocations, and the
//! poison that lets tests see memory nobody zeroed.

pub mod frames;
pub mod heap;
pub mod kalloc;
pub mod large;
pub mod poison;

pub use frames::with_frames;
