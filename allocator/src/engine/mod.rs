//! The large-allocation engine, one concern per file.
//!
//! This module only declares and re-exports. Every `impl LargeAllocator`
//! lives here: `allocator` holds the state and controls; `allocate`, `free`
//! and `realloc` the allocation API; `fault` the fault entry point; `cache`
//! and `reuse` moving regions in and out of the cache and what a cache hit
//! costs; `duplicate` copy-on-write sharing of written frames; `mapping`
//! and `release` the page-level building blocks; `large_zero` the large
//! zero page's read and split faults.
//!
//! The engine drives the [`crate::Mmu`] with safe calls only, keeping the
//! guarantees its safety contract lists; it forbids unsafe code outright.

#![forbid(unsafe_code)]

mod allocate;
mod allocator;
mod cache;
mod duplicate;
mod fault;
mod free;
mod large_zero;
mod mapping;
mod realloc;
mod release;
mod reuse;
mod rezero;

pub use allocator::{DEFAULT_SLOTS, LargeAllocator};
