//! The large-allocation cache: its policies, its limits and its store.
//!
//! This module only declares and re-exports: `policy` names the three
//! policies, `limits` the libmalloc size limits, `store` how cached
//! regions are kept and chosen, and `adaptive` how the dirty-tracking
//! policy learns, per region, whether to re-zero whole. The engine's side (admitting, reusing,
//! evicting) lives in `engine/cache.rs` and `engine/reuse.rs`.

pub mod adaptive;
mod limits;
mod policy;
pub(crate) mod store;

pub use adaptive::{Adaptation, Rezero, WriteHistory};
pub use limits::CacheLimits;
pub use policy::Policy;
