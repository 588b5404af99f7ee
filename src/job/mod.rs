//! One target's wipe, in phases that can be called apart:
//!
//! ```text
//! Request ──plan──▶ Plan ──prepare──▶ Prepared ──execute──▶ Executed ──record──▶ Recorded
//!  (what was asked)  (validated)  (open, identify, every    (result file ready,  (result saved,
//!                                  check, the guard, the    wipe-started, the     wipe-finished,
//!                                  checkpoint: writes       engine, checkpoints,  certificate)
//!                                  nothing)                 pass-finished)
//! ```
//!
//! The binary turns arguments into a [`Request`], asks for confirmation between
//! prepare and execute, and prints; `wipe` and `demo` call the same phases.

mod execute;
mod plan;
mod prepare;
mod record;

pub use execute::Executed;
pub use plan::{default_method, Plan, Request};
pub use prepare::{guards, Prepared, ResumePoint};
pub use record::Recorded;

use crate::engine::Progress;
use crate::escape;
use crate::keys::{KeyError, Signer};
use crate::medium::TargetError;
use crate::model::report::{PassReport, PassVerification};
use crate::register::{self, Register, RegisterError};

/// Why a phase could not go on: what failed, the exit code it means (README.md, *Exit codes*:
/// 1 failed, 2 unusable input, 3 refused) and what to do.
/// The message is a [`Said`](crate::i18n::Said): a batch keeps it in its record in
/// English, the operator reads it in their language.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct JobError {
    pub code: u8,
    pub message: crate::i18n::Said,
    pub hint: Option<String>,
}

impl JobError {
    pub fn new(code: u8, message: impl Into<crate::i18n::Said>) -> JobError {
        JobError {
            code,
            message: message.into(),
            hint: None,
        }
    }

    /// The operation failed (exit 1).
    pub fn failed(message: impl Into<crate::i18n::Said>) -> JobError {
        JobError::new(1, message)
    }

    /// Bad usage or unusable input (exit 2).
    pub fn usage(message: impl Into<crate::i18n::Said>) -> JobError {
        JobError::new(2, message)
    }

    /// Refused for safety or policy (exit 3).
    pub fn refused(message: impl Into<crate::i18n::Said>) -> JobError {
        JobError::new(3, message)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> JobError {
        self.hint = Some(hint.into());
        self
    }
}

impl From<crate::files::FileError> for JobError {
    fn from(e: crate::files::FileError) -> JobError {
        JobError {
            code: e.exit_code(),
            hint: e.hint(),
            message: crate::i18n::Said::of(|| e.to_string()),
        }
    }
}

impl From<TargetError> for JobError {
    fn from(e: TargetError) -> JobError {
        JobError {
            code: e.exit_code(),
            hint: e.hint(),
            message: crate::i18n::Said::of(|| e.to_string()),
        }
    }
}

impl From<RegisterError> for JobError {
    fn from(e: RegisterError) -> JobError {
        JobError {
            code: e.exit_code(),
            hint: e.hint(),
            message: crate::i18n::Said::of(|| e.to_string()),
        }
    }
}

impl From<KeyError> for JobError {
    fn from(e: KeyError) -> JobError {
        JobError::new(e.exit_code(), crate::i18n::Said::of(|| e.to_string()))
    }
}

impl From<crate::cert::CertError> for JobError {
    fn from(e: crate::cert::CertError) -> JobError {
        JobError::new(e.exit_code(), crate::i18n::Said::of(|| e.to_string()))
    }
}

/// What jobs report as they go, each report naming its target: `Send + Sync`, so
/// that one observer can follow several jobs running on threads at once. The
/// library never prints; the binary's observer draws bars or writes JSON lines.
pub trait Observer: Send + Sync {
    fn pass_started(&self, _target: &str, _index: usize, _count: usize, _pattern: &str, _bytes: u64) {}
    /// `done` bytes of the current pass are written (or, during a readback, read).
    fn advanced(&self, _target: &str, _done: u64) {}
    fn pass_finished(&self, _target: &str, _pass: &PassReport) {}
    fn verify_started(&self, _target: &str, _index: usize, _bytes: u64) {}
    fn verify_finished(&self, _target: &str, _pass: &PassVerification) {}
    /// Something went wrong beside the wipe (a checkpoint that cannot be saved).
    fn warning(&self, _target: &str, _message: &str) {}
    /// The wipe waits for something outside mediasan (the drive's command, the kernel's
    /// random number generator): told again every few seconds while it lasts.
    fn waiting(&self, _target: &str, _wait: &Waiting) {}
}

/// A wait for something outside mediasan, as it is shown while it lasts.
#[derive(Clone, Debug)]
pub struct Waiting {
    /// What is waited for, as `--json` names it: `random` (the kernel's random number
    /// generator) or `drive` (a command the drive carries out).
    pub what: &'static str,
    /// The same in words.
    pub detail: crate::i18n::Said,
    /// How long it has been waited for.
    pub waited: std::time::Duration,
    /// When mediasan gives up, if that is known.
    pub limit: Option<std::time::Duration>,
}

/// An observer as the engine sees it, for one target.
#[derive(Clone, Copy)]
pub struct Named<'a> {
    pub observer: &'a dyn Observer,
    pub target: &'a str,
}

impl Progress for Named<'_> {
    fn pass_started(&self, index: usize, count: usize, pattern: &str, bytes: u64) {
        self.observer
            .pass_started(self.target, index, count, pattern, bytes);
    }
    fn advanced(&self, done: u64) {
        self.observer.advanced(self.target, done);
    }
    fn pass_finished(&self, pass: &PassReport) {
        self.observer.pass_finished(self.target, pass);
    }
    fn verify_started(&self, index: usize, bytes: u64) {
        self.observer.verify_started(self.target, index, bytes);
    }
    fn verify_finished(&self, pass: &PassVerification) {
        self.observer.verify_finished(self.target, pass);
    }
    fn warning(&self, message: &str) {
        self.observer.warning(self.target, message);
    }
}

/// An observer that looks away.
pub struct Unobserved;
impl Observer for Unobserved {}

/// A wipe of a registered carrier: the register, the operator's unlocked key, the
/// carrier and the approval the wipe uses.
pub struct Link {
    pub reg: Register,
    pub signer: Signer,
    pub carrier: register::Carrier,
    pub approval: register::Approval,
}

impl Link {
    /// Checks the carrier and finds the approval that lets this operator wipe it now.
    pub fn new(reg: Register, signer: Signer, carrier: &str) -> Result<Link, JobError> {
        let c = reg.carrier(carrier)?.ok_or_else(|| {
            JobError::refused(crate::said!(
                "job-no-carrier",
                carrier = carrier,
                register = escape::path(reg.path())
            ))
        })?;
        let approval = reg.usable_approval(&signer, carrier)?;
        Ok(Link {
            reg,
            signer,
            carrier: c,
            approval,
        })
    }
}
