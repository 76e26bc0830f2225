//! The labs of the course, one file each, in course order.
//!
//! Each file defines one [`Lab`](super::catalogue::Lab) constant, `LAB`:
//! the regions it stubs, the stub text, and the tests that grade it.
//! [`LABS`](super::catalogue::LABS) lists them.

pub mod cache_store;
pub mod cow_sharing;
pub mod dirty_hw;
pub mod dirty_sw;
pub mod frame_bitmap;
pub mod page_table_walk;
pub mod zero_page;
