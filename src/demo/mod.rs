//! `cargo run -- demo`: the seed's experiment, run by the kernel, as a table.
//!
//! The kernel repeats `calloc(size)` + `free` without touching the memory for
//! each policy and size (`mode=demo`, issue 4); the runner plans the run
//! ([`plan`]), boots it with a progress bar and checks every row arrived
//! ([`run`]), and prints the table with a plain-language reading ([`mod@report`];
//! rows a small guest ran out of memory for: [`small_guest`]).

pub mod plan;
pub mod report;
pub mod run;
pub mod small_guest;

pub use plan::DemoPlan;
pub use report::{reading, report, table};
pub use run::{DemoError, DemoOutcome, collect_rows, run_demo};
