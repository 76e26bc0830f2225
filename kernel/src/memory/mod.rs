//! Kernel memory management: frames, the heap, large allocations, the
//! poison that lets tests see memory nobody zeroed, and a ledger that
//! checks every frame came back.

pub mod frames;
pub mod heap;
pub mod kalloc;
pub mod large;
pub mod ledger;
pub mod poison;

pub use frames::with_frames;
