//! Pristine's host side: build the kernel, boot it in QEMU, read its results.
//!
//! The kernel runs in a headless QEMU and talks only through its serial port
//! and its exit status. This library is the other end of that conversation,
//! shared by the `pristine` binary (`cargo run`) and the QEMU integration
//! tests in `tests/` (`cargo test`):
//!
//! - [`kernel_build`] builds the kernel ELF with a nested `cargo build`, once
//!   per process;
//! - [`qemu`] decides the QEMU command line, [`cmdline`] the kernel's;
//! - [`run`] boots it under a timeout ([`process`] owns the QEMU child) and
//!   collects the serial lines, which [`protocol`] classifies and [`exit`]
//!   explains;
//! - [`verdict`] decides whether a kernel test passed, and [`transcript`]
//!   carries the evidence every failure message shows;
//! - [`demo`] runs the seed's experiment as a table, and [`mod@bench`] the
//!   benchmark sweep with its targets, files and plots; [`experiment`],
//!   [`alloc_size`] and [`records`] are their vocabulary, [`stats`],
//!   [`table`] and [`progress`] their tools;
//! - [`cli`], [`commands`], [`console`] and [`render`] make up the binary.
//!
//! A typical use, as in the integration tests:
//!
//! ```no_run
//! use pristine::{KernelCmdline, Machine, RunConfig, build_kernel, judge_test, run_kernel};
//!
//! let mut machine = Machine::new(build_kernel()?);
//! machine.cmdline = KernelCmdline::for_test("boot")?;
//! let outcome = run_kernel(&RunConfig::new(machine))?;
//! if let Err(failure) = judge_test(&outcome, "boot") {
//!     panic!("{failure}\n{}", outcome.transcript());
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

pub mod alloc_size;
pub mod bench;
pub mod cli;
pub mod cmdline;
pub mod commands;
pub mod console;
pub mod demo;
pub mod exit;
pub mod experiment;
pub mod kernel_build;
pub mod process;
pub mod progress;
pub mod protocol;
pub mod qemu;
pub mod records;
pub mod render;
pub mod run;
pub mod size;
pub mod stats;
pub mod table;
pub mod transcript;
pub mod verdict;

pub use alloc_size::AllocationSize;
pub use cmdline::KernelCmdline;
pub use exit::GuestExit;
pub use experiment::{Clock, DirtyStrategy, Policy, Setup, Written};
pub use kernel_build::{BuildError, build_kernel, workspace_root};
pub use protocol::{MemorySummary, Outcome, Record, SerialLine, TestList, TestResult};
pub use qemu::{Accel, Machine};
pub use run::{RunConfig, RunError, RunOutcome, run_kernel, run_kernel_with};
pub use size::MemorySize;
pub use transcript::Transcript;
pub use verdict::{TestFailure, judge_test};
