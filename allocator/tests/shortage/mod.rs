//! A harness for tests that starve the engine of frames: a small frame
//! budget, or one chosen request made to fail.
//!
//! `ops` generates random operation sequences whose writes touch every page
//! they can, `setup` builds a simulated engine with a frame budget for every
//! policy, dirty detection and accessed/dirty-update model, and `driver`
//! runs a sequence on it beside a small reference model, checking zeros,
//! written bytes and frame accounting after every step. `tests/pressure.rs`
//! and `tests/fault_injection.rs` share it; each uses part of it.

#![allow(dead_code)]

pub mod driver;
pub mod ops;
pub mod setup;
