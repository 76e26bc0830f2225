//! `cargo run --release -- bench`: the sweep, the targets, the files, the plots.
//!
//! The kernel measures (`mode=bench`, `mode=baseline`, issue 5); this module
//! decides what to measure ([`plan`]), boots the guests ([`execute`]), keeps
//! the measurements ([`results`]), adds the host's libc baselines
//! ([`host`]), judges the targets ([`targets`]), and writes the summary
//! ([`summary`]), the data files ([`output`]) and the plots ([`plot`], from
//! the lines [`series`] picks); [`show`] prints the result;
//! [`run`] puts them in that order.

pub mod error;
pub mod execute;
#[cfg(test)]
pub mod fixtures;
pub mod host;
pub mod output;
pub mod plan;
pub mod plot;
pub mod results;
pub mod run;
pub mod series;
pub mod show;
pub mod summary;
pub mod targets;

pub use error::BenchError;
pub use plan::BenchPlan;
pub use results::BenchResults;
pub use run::{BenchReport, BenchSettings, run_bench};
pub use targets::{TargetResult, Verdict};
