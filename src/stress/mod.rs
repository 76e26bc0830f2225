//! `cargo run -- stress`: the kernel's seeded stress test, judged and shown.
//!
//! The kernel runs a random mix of `calloc`, `malloc`, `realloc` and `free`
//! under each setup and checks every byte it reads (`mode=stress`); the
//! runner plans the run ([`plan`]), boots it with a progress bar and judges
//! it ([`run`]: any violation, a crash, or a missing setup fails it), and
//! shows the result ([`mod@report`]).

pub mod plan;
pub mod report;
pub mod run;

pub use plan::StressPlan;
pub use report::{report, summary_line, table, violation_text};
pub use run::{StressError, StressOutcome, judge, run_stress};
