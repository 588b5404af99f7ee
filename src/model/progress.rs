//! How a wipe's passes and readbacks report as they go: the engine's seam to whoever
//! shows them.

use super::report::{PassReport, PassVerification};
use super::sample::Span;

/// Receives the engine's progress; the library itself never prints. `Send + Sync`,
/// so that several wipes can run on threads at once, each with its own.
pub trait Progress: Send + Sync {
    fn pass_started(&self, _index: usize, _count: usize, _pattern: &str, _bytes: u64) {}
    /// `done` bytes of the current pass are written (or, during a readback, read).
    fn advanced(&self, _done: u64) {}
    fn pass_finished(&self, _pass: &PassReport) {}
    /// Everything of pass `index` up to `offset` is written and synced (`unwritten`
    /// excepted): the moment to record a checkpoint.
    fn synced(&self, _index: usize, _offset: u64, _unwritten: &[Span]) {}
    /// A readback of pass `index` starts, `bytes` to read.
    fn verify_started(&self, _index: usize, _bytes: u64) {}
    fn verify_finished(&self, _pass: &PassVerification) {}
    /// Something went wrong beside the wipe itself (a checkpoint that cannot be saved),
    /// to be said once, now, without stopping the wipe.
    fn warning(&self, _message: &str) {}
}

/// Progress that goes nowhere.
pub struct Silent;
impl Progress for Silent {}
