//! Pristine's host side: build the kernel, boot it in QEMU, read its results.
//!
//! The kernel runs in a headless QEMU and talks only through its serial port
//! and its exit status. This library is the other end of that conversation,
//! shared by the `pristine` binary (`cargo run`) and the QEMU integration
//! tests in `tests/` (`cargo test`):
//!
//! - [`arch`] names the guest architectures (x86_64, riscv64);
//!   [`kernel_build`] builds the kernel ELF for one with a nested `cargo
//!   build`, once per process;
//! - [`qemu`] decides the QEMU command line, [`cmdline`] the kernel's;
//! - [`run`] boots it under a timeout ([`process`] owns the QEMU child) and
//!   collects the serial lines, which [`protocol`] classifies and [`exit`]
//!   explains;
//! - [`verdict`] decides whether a kernel test passed, and [`transcript`]
//!   carries the evidence every failure message shows;
//! - [`demo`] runs the seed's experiment as a table, [`stress`] the kernel's
//!   seeded stress test; [`experiment`] is their
//!   vocabulary beyond the records (setups, clocks), [`stats`], [`table`]
//!   and [`progress`] their tools;
//! - [`cli`], [`commands`], [`console`] and [`render`] make up the binary;
//! - [`size`] reads guest memory sizes the way QEMU writes them;
//! - [`lab`] is the course: graded labs (`cargo run -- lab list`).
//!
//! The records the kernel prints are defined once, in the `pristine-records`
//! crate the kernel serialises them from; policies and dirty strategies are
//! the allocator's own types. The benchmark sweep (plots, CSV, targets) is a
//! crate of its own, `pristine-bench`, run with `cargo bench -p
//! pristine-bench`; it builds on this library.
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

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod arch;
pub mod cli;
pub mod cmdline;
pub mod commands;
pub mod console;
pub mod demo;
pub mod exit;
pub mod experiment;
pub mod kernel_build;
pub mod lab;
pub mod process;
pub mod progress;
pub mod protocol;
pub mod qemu;
pub mod render;
pub mod run;
pub mod size;
pub mod stats;
pub mod stress;
pub mod table;
pub mod transcript;
pub mod verdict;

pub use arch::Arch;
pub use cmdline::KernelCmdline;
pub use exit::GuestExit;
pub use experiment::{Clock, Setup};
pub use kernel_build::{BuildError, build_kernel, build_kernel_for, workspace_root};
pub use protocol::SerialLine;
pub use qemu::{Accel, Machine};
pub use run::{RunConfig, RunError, RunOutcome, run_kernel, run_kernel_with};
pub use size::MemorySize;
pub use transcript::Transcript;
pub use verdict::{TestFailure, judge_test};
