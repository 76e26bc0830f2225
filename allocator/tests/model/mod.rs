//! The reference model and its harness, shared by the model-based tests.
//!
//! `ops` generates random operation sequences, `reference` is the model of
//! what a correct allocator promises, `setup` builds the simulated engine,
//! and `harness` runs a sequence on it and checks one invariant after every
//! step.

pub mod harness;
pub mod ops;
pub mod reference;
pub mod setup;
