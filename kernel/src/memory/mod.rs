//! Kernel memory management: frames, the heap, and large allocations, and a
//! ledger that checks every frame came back.

pub mod frames;
pub mod heap;
pub mod kalloc;
pub mod large;
pub mod ledger;

pub use frames::with_frames;
