//! Kernel memory management: frames, the heap, large allocations, the
//! poison that lets tests see memory nobody zeroed, a ledger that checks
//! every frame came back, what happens when memory runs out, and the switch
//! that fails a frame request on purpose.

pub mod frames;
pub mod heap;
pub mod injection;
pub mod kalloc;
pub mod large;
pub mod ledger;
pub mod out_of_memory;
pub mod poison;

pub use frames::with_frames;
