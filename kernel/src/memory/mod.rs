//! Kernel memory management: frames, the heap, and large allocations.

pub mod frames;
pub mod heap;
pub mod kalloc;
pub mod large;

pub use frames::with_frames;
