//! The large-allocation cache: keep freed regions, hand them out again.
//!
//! This module only declares and re-exports: [`policy`] names the three
//! policies, [`limits`] the libmalloc size limits, `store` admission,
//! lookup and eviction, and `reuse` what a cache hit costs under each policy.

pub mod limits;
pub mod policy;
mod reuse;
mod store;

pub use limits::CacheLimits;
pub use policy::Policy;
