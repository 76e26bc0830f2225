//! In-kernel tests, chosen by the command line and reported over serial.
//!
//! Stable Rust has no custom test frameworks for `no_std` kernels, so the
//! tests are a plain list of named functions (`runner.rs`), the
//! architecture-neutral ones here with the architecture's own. The runner
//! boots the kernel once per test with `test=NAME`; the kernel runs that one
//! test, prints exactly one result record
//! (`@@PRISTINE {"kind":"test","name":…,"outcome":"pass"|"fail","detail":…}`)
//! and exits QEMU with the matching status. `test=list` prints the names, so
//! the host can check it has a `#[test]` for every kernel test.
//!
//! A test that provokes a CPU fault on purpose arms an expectation first
//! ([`armed_once`]); the exception handler then delivers the verdict
//! through [`finish`].

pub mod armed_once;
mod boot;
mod bytes;
mod conformance;
mod dirty;
mod frames;
mod heap;
mod injection;
mod large;
mod large_zero;
mod page_walk;
mod pressure;
mod runner;
mod sharing;

pub use runner::{KernelTest, TestResult, finish, print_list, run};
