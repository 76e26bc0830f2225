//! Virtual regions: page-granular blocks of the large-allocation range.
//!
//! This module only declares and re-exports: `range` is the range the
//! kernel sets aside (the one item a port needs, re-exported at the crate
//! root), `descriptor` one region, `span` the pages a region ever mapped and
//! `table` the sorted table that is also the virtual-space allocator.

mod descriptor;
mod range;
mod span;
mod table;

pub(crate) use descriptor::{Region, RegionState};
pub use range::VirtRange;
pub(crate) use span::PageSpan;
pub(crate) use table::{GUARD_PAGES, RegionTable};
