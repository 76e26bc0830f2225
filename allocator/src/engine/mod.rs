//! The large-allocation engine, one concern per file.
//!
//! This module only declares and re-exports: `allocator` holds the state
//! and controls, `allocate`, `free` and `realloc` the allocation API,
//! `mapping` and `release` the page-level building blocks.

mod allocate;
mod allocator;
mod free;
mod mapping;
mod realloc;
mod release;

pub(crate) use allocate::Fill;
pub use allocator::{DEFAULT_SLOTS, LargeAllocator};
