//! Pristine's benchmark sweep: `cargo bench -p pristine-bench`.
//!
//! The kernel measures (`mode=bench`, `mode=baseline`); this crate, built on
//! the runner library `pristine` (build the kernel, boot QEMU, read the
//! records), decides what to measure ([`plan`]), boots the guests
//! ([`execute`]), keeps the measurements ([`results`]), adds the host's libc
//! baselines ([`host`]), judges the targets ([`targets`]), and writes the
//! summary ([`summary`]), the data files ([`output`]) and the plots
//! ([`plot`], from the lines [`series`] picks); [`show`] prints the result;
//! [`run`] puts them in that order, and [`cli`] is the command line of the
//! `sweep` bench target (`benches/sweep.rs`), which `cargo bench` runs:
//!
//! ```text
//! cargo bench -p pristine-bench                # the full sweep, files in target/bench/
//! cargo bench -p pristine-bench -- --quick     # the short sweep
//! cargo bench -p pristine-bench -- --check     # the short sweep; fails when a target misses
//! ```
//!
//! It is a workspace member of its own so that the runner, `cargo run` and
//! `cargo test` never compile `plotters`.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod breakdown;
pub mod breakdown_plot;
pub mod cli;
pub mod error;
pub mod execute;
#[cfg(test)]
pub mod fixtures;
pub mod host;
pub mod never_worse;
pub mod output;
pub mod plan;
pub mod plot;
pub mod results;
pub mod run;
pub mod series;
pub mod sharing_targets;
pub mod show;
pub mod summary;
pub mod targets;

pub use cli::{BenchArgs, CliError, execute_args, execute_breakdown};
pub use error::BenchError;
pub use plan::BenchPlan;
pub use results::BenchResults;
pub use run::{BenchReport, BenchSettings, run_bench};
pub use targets::{TargetResult, Verdict};
