//! Pristine's architecture-neutral memory management.
//!
//! (Crate-level story: see the module docs; completed by the allocator-core work.)

#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

pub mod addr;
pub mod frame;

pub use addr::{FrameCount, FrameNumber, PAGE_SIZE, PhysAddr, VirtAddr};
