//! Virtual regions: page-granular blocks of the large-allocation range.
//!
//! This module only declares and re-exports: [`range`] is the range the port
//! sets aside, [`descriptor`] one region, [`span`] the pages a region ever
//! mapped and [`table`] the sorted table that is also the virtual-space
//! allocator.

pub mod descriptor;
pub mod range;
pub mod span;
pub mod table;

pub use descriptor::{Region, RegionState};
pub use range::VirtRange;
pub use span::PageSpan;
pub use table::{GUARD_PAGES, RegionTable};
