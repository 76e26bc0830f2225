//! Kernel memory management: frames, the heap, large allocations, the
//! poison that lets tests see memory nobody zeroed, a ledger that checks
//! every frame came back, what happens when memory runs out, the switch
//! that fails a frame request on purpose, the guard-paged stacks, and the
//! kernel image's sections and page-table errors both ports share.

pub mod frames;
pub mod guarded_stack;
pub mod heap;
pub mod injection;
pub mod kalloc;
pub mod kernel_image;
pub mod large;
pub mod ledger;
pub mod out_of_memory;
pub mod paging_error;
pub mod poison;

pub use frames::with_frames;
