//! The large-allocation cache: its policies, its limits and its store.
//!
//! This module only declares and re-exports: `policy` names the three
//! policies, `limits` the libmalloc size limits and `store` how cached
//! regions are kept and chosen. The engine's side (admitting, reusing,
//! evicting) lives in `engine/cache.rs` and `engine/reuse.rs`.

mod limits;
mod policy;
pub(crate) mod store;

pub use limits::CacheLimits;
pub use policy::Policy;
