//! Graded labs: Pristine as a course, with a grader in the runner.
//!
//! `cargo run -- lab list` shows the labs; `lab start NAME` takes one
//! lab's solution out of the tree and leaves stubs that compile and say
//! what to write; `lab grade [NAME]` runs the lab's host and QEMU tests
//! and prints a score table, exiting non-zero below full marks; `lab
//! check` proves every lab is worth taking (the full tree earns full
//! marks, and every graded test fails on every stub). Solutions are marked
//! in the source with `// LAB(name): begin` and `// LAB(name): end`
//! comment lines. How to take the course: `docs/labs.md`.
//!
//! - [`catalogue`]: the lab, region and graded-test types and the list;
//!   [`course`] holds the labs, one file each;
//! - [`markers`] finds marked regions, [`stub`] replaces them,
//!   [`start`] does so in the tree, refusing to overwrite uncommitted work
//!   ([`git`]);
//! - [`grade`] runs the tests, [`libtest`] reads their verdicts, [`score`]
//!   totals them;
//! - [`check`] tests the labs on a [`scratch`] copy;
//! - [`execute`] is the subcommands, [`error`] why they fail.

pub mod catalogue;
pub mod check;
pub mod course;
pub mod error;
pub mod execute;
pub mod git;
pub mod grade;
pub mod libtest;
pub mod markers;
pub mod score;
pub mod scratch;
pub mod start;
pub mod stub;

pub use catalogue::{GradedTest, LABS, Lab, Region, Suite};
pub use error::LabError;
pub use execute::execute;
