//! mediasan: secure media sanitisation.
//!
//! The library owns the work; the `mediasan` binary parses the command line,
//! calls in here and prints. Modules are named after what they own, on floors that
//! import only downward (docs/architecture.md; `tests/layers.rs` keeps them so): the
//! vocabulary [`model`] (identity, drive facts, sampling, the result format) and
//! [`device`] (what the kernel and the drive are asked) at the bottom; [`identify`],
//! [`medium`] (what can be wiped and whether it may be), [`verify`], [`engine`] (the
//! write pipeline), [`register`], [`purge`] and [`cert`] above them; [`job`] (one
//! target's wipe in phases: plan, prepare, execute, record) and [`batch`] on top.

pub mod batch;
pub mod budget;
pub mod cert;
pub mod checkpoint;
pub mod config;
pub mod device;
pub mod engine;
pub mod entropy;
pub mod escape;
pub mod files;
pub mod i18n;
pub mod identify;
pub mod job;
pub mod keys;
pub mod medium;
pub mod method;
pub mod model;
pub mod narrow;
pub mod pattern;
pub mod purge;
pub mod register;
pub mod verify;
