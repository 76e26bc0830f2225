//! The `@@PRISTINE` records: what the Pristine kernel tells the host, as types.
//!
//! The kernel talks to the host runner through its serial port. Besides log
//! text for people it prints **records**: one line each, the prefix
//! [`PREFIX`] and one JSON object whose `"kind"` field names the record,
//! for example
//!
//! ```text
//! @@PRISTINE {"kind":"test","name":"boot","outcome":"pass","detail":""}
//! ```
//!
//! This crate defines every record once, as the [`Record`] enum and one
//! struct per kind, so the two ends cannot drift apart: the kernel
//! serialises them with `serde-json-core` into a fixed buffer, and the host
//! runner reads the same types back with `serde_json`. It also holds the
//! words the records are written in: [`Written`] (how much of a block a
//! benchmark round writes) and [`AllocationSize`] (a block size in bytes,
//! written `100M` by people), and the setups a stress run goes through
//! ([`stress_setups`], [`stress_share`]), which the kernel runs and the
//! runner expects summaries for. Policies and dirty strategies are the
//! allocator's own [`pristine_allocator::Policy`] and
//! [`pristine_allocator::DirtyStrategy`], which travel as their names
//! (`nocache`, `dirty`, `hw`, ...).
//!
//! The crate is `no_std` with `alloc`: the kernel builds a record on its
//! heap, prints it and drops it.
//!
//! # Example
//!
//! ```
//! use pristine_records::{Outcome, Record, TestResult};
//!
//! let record = Record::Test(TestResult {
//!     name: "boot".into(),
//!     outcome: Outcome::Pass,
//!     detail: "".into(),
//! });
//! let mut buffer = [0u8; 128];
//! let length = serde_json_core::to_slice(&record, &mut buffer)?;
//! let text = core::str::from_utf8(&buffer[..length])?;
//! assert_eq!(text, r#"{"kind":"test","name":"boot","outcome":"pass","detail":""}"#);
//! assert_eq!(serde_json::from_str::<Record>(text)?, record);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

mod boot;
mod breakdown;
mod by_name;
mod measure;
mod record;
mod size;
mod stress;
mod written;

pub use boot::{MemorySummary, Outcome, TestList, TestResult};
pub use breakdown::{Breakdown, RoundParts};
pub use measure::{BenchBaseline, BenchPoint, DemoRow, OutOfMemory, Progress};
pub use record::{PREFIX, Record};
pub use size::{AllocationSize, Quantity, QuantityError, SizeError, Unit};
pub use stress::{StressSummary, StressViolation, stress_setups, stress_share};
pub use written::{ParseWrittenError, Written};
