//! Kernel memory management: the global frame allocator and the kernel heap.

pub mod frames;
pub mod heap;

pub use frames::with_frames;
