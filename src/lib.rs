//! mediasan: secure media sanitisation.
//!
//! The library owns the work; the `mediasan` binary parses the command line,
//! calls in here and prints. Modules are named after what they own:
//! [`pattern`] (what a pass writes), [`method`] (named pass sequences),
//! [`target`] (what can be wiped and whether it may be), [`engine`] (the write
//! pipeline), [`report`] (the result format), [`job`] (one target's wipe in phases:
//! plan, prepare, execute, record), [`verify`], [`register`], [`cert`], [`keys`].

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
