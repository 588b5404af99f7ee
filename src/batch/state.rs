//! The batch's own record, `batch-<time>.json` beside the certificates: every row and
//! how it ended, rewritten whole (a temporary file renamed) as each job ends, so that a
//! crash at any moment leaves the last state, and `batch run --resume` knows which
//! rows are unfinished.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Finished, Row};
use crate::model::report::WipeReport;
use crate::register::{Register, RegisterError};

pub const FORMAT: &str = "mediasan-batch/1";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct State {
    pub format: String,
    pub manifest: String,
    /// SHA-256 of the manifest's bytes: a resume continues the same manifest only.
    pub manifest_sha256: String,
    pub started: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub finished: Option<DateTime<Utc>>,
    pub jobs: Vec<JobState>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct JobState {
    pub line: u64,
    pub device: String,
    pub carrier: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub serial: Option<String>,
    /// `pending` until the job ends; then its outcome (`sanitised`, `incomplete`,
    /// `failed`, `interrupted`), or `done-earlier` for a row a resumed batch found done.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub exit_code: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub certificate: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub milliseconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub result: Option<WipeReport>,
}

impl JobState {
    /// Whether a resumed batch still has to run this row.
    pub fn unfinished(&self) -> bool {
        matches!(self.status.as_str(), "pending" | "interrupted")
    }
}

pub fn digest(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

impl State {
    pub fn new(manifest: &Path, bytes: &[u8], rows: &[Row], started: DateTime<Utc>) -> State {
        State {
            format: FORMAT.into(),
            manifest: crate::escape::path(manifest),
            manifest_sha256: digest(bytes),
            started,
            finished: None,
            jobs: rows
                .iter()
                .map(|r| JobState {
                    line: r.line,
                    device: r.device.to_string(),
                    carrier: r.carrier.clone(),
                    path: None,
                    serial: None,
                    status: "pending".into(),
                    exit_code: None,
                    error: None,
                    certificate: None,
                    milliseconds: None,
                    result: None,
                })
                .collect(),
        }
    }

    /// Records how the job of `f.line` ended.
    pub fn record(&mut self, f: &Finished) {
        if let Some(j) = self.jobs.iter_mut().find(|j| j.line == f.line) {
            j.path = Some(f.path.clone());
            j.serial = f.serial.clone();
            j.status = f.outcome().into();
            j.exit_code = Some(f.exit_code());
            j.error = f.reason();
            j.certificate = f.certificate.as_ref().map(|p| crate::escape::path(p));
            j.milliseconds = Some(f.milliseconds);
            j.result = f.report.clone();
        }
    }

    /// Writes the state whole or not at all ([`crate::files::write`]).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)? + "\n";
        crate::files::write(path, text.as_bytes()).map_err(std::io::Error::other)
    }

    pub fn load(path: &Path) -> Result<State, String> {
        let text = crate::files::read_limited(path, 64 << 20).map_err(|e| e.to_string())?;
        let s: State = serde_json::from_slice(&text).map_err(|e| format!("not a batch record: {e}"))?;
        if s.format != FORMAT {
            return Err(format!("format {:?}, not {FORMAT}", s.format));
        }
        Ok(s)
    }

    /// The newest batch record in `dir` of the manifest with digest `sha256`.
    pub fn latest(dir: &Path, sha256: &str) -> Option<(PathBuf, State)> {
        let mut found: Vec<(PathBuf, State)> = std::fs::read_dir(dir)
            .ok()?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("batch-") && n.ends_with(".json"))
            })
            .filter_map(|p| State::load(&p).ok().map(|s| (p, s)))
            .filter(|(_, s)| s.manifest_sha256 == sha256)
            .collect();
        found.sort_by_key(|(_, s)| s.started);
        found.pop()
    }
}

/// What the register says of a carrier a batch record claims finished: the outcome of
/// its last wipe that ended after `since` (the batch's start) and after the carrier's
/// last approval; `None` when the register records none. The record is a note, written
/// by anyone who can write its folder; the register's events are signed: a resumed
/// batch skips a row only on the register's word.
pub fn proven(reg: &Register, carrier: &str, since: DateTime<Utc>) -> Result<Option<String>, RegisterError> {
    let events = reg.events_about(carrier)?;
    let approved = events
        .iter()
        .filter(|e| e.kind == crate::register::Kind::DestructionApproved.name())
        .map(|e| e.seq)
        .max()
        .unwrap_or(0);
    Ok(events
        .iter()
        .rev()
        .filter(|e| e.kind == crate::register::Kind::WipeFinished.name() && e.seq > approved)
        .filter(|e| crate::register::event::parse_time(&e.time).is_some_and(|t| t >= since))
        .find_map(|e| {
            serde_json::from_str::<crate::register::rules::WipeFinished>(&e.details)
                .ok()
                .map(|d| d.outcome)
        }))
}
