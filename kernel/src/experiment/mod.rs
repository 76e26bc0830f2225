//! The experiments `cargo run` shows: the seed's loop, the benchmark sweep,
//! the baselines and the stress test.
//!
//! Each is a kernel mode chosen on the command line (`mode=demo`,
//! `mode=bench`, `mode=baseline`, `mode=stress`); each prints `@@PRISTINE` records the host
//! runner turns into tables, CSV and plots, then ends the machine.

pub mod baseline;
pub mod bench;
pub mod demo;
pub mod round;
mod sharing_baseline;
pub mod stress;
