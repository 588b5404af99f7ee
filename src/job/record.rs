//! Record: the result file first (so that it exists whatever fails after it), then
//! the register's wipe-finished event, then the certificate. What could not be
//! recorded is said, never silently dropped.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Executed, JobError, Link};
use crate::cert::{self, Certificate, SignerRef, WipeContext};
use crate::escape;
use crate::keys::Signer;
use crate::model::report::WipeReport;
use crate::register::{self, Kind};

/// A wipe recorded: its result, where it was saved, its certificate, and what could
/// not be recorded (each a failure of the command: the wipe happened, its record is
/// incomplete).
pub struct Recorded {
    pub report: WipeReport,
    pub result: Option<PathBuf>,
    pub certificate: Option<PathBuf>,
    pub failures: Vec<JobError>,
}

impl Executed<'_> {
    /// Saves the result, has the register record the end of a carrier's wipe, and
    /// writes the certificate, signed by the carrier's operator or by `lone` for a
    /// target outside any register.
    pub fn record(self, link: Option<&mut Link>, lone: Option<&Signer>) -> Recorded {
        let Executed {
            plan,
            report,
            result_file,
            ..
        } = self;
        let mut failures = Vec::new();
        let outcome = report.outcome.name();
        let word = report.outcome.word();
        let text = match serde_json::to_string_pretty(&report) {
            Ok(t) => t + "\n",
            Err(e) => {
                failures.push(JobError::failed(crate::said!(
                    "job-result-unwritable",
                    outcome = word.as_str(),
                    error = e.to_string()
                )));
                String::new()
            }
        };
        let mut result = None;
        if let (Some(tmp), Some(path)) = (result_file, plan.result()) {
            match save_result(tmp, &text) {
                Ok(()) => result = Some(path.to_path_buf()),
                Err(e) => failures.push(JobError::failed(crate::said!(
                    "job-result-unsaved",
                    outcome = word.as_str(),
                    path = escape::path(path),
                    error = e.to_string()
                ))),
            }
        }
        let signing = match link {
            Some(l) => {
                let finished = register::rules::WipeFinished {
                    outcome: outcome.into(),
                    result_sha256: sha256_hex(text.as_bytes()),
                    bytes_written: report.bytes_written,
                    verification: report.verification.result.name().into(),
                    unwritten: report.unwritten.clone(),
                };
                match l.reg.wipe_finished(&l.signer, &l.carrier.id, &finished) {
                    Ok(event) => Some(issue(
                        &report,
                        Signed::Linked {
                            link: l,
                            event: &event,
                        },
                        plan,
                    )),
                    Err(e) => {
                        failures.push(JobError::failed(crate::said!(
                            "job-register-unrecorded",
                            outcome = word.as_str(),
                            error = e.to_string()
                        )));
                        None
                    }
                }
            }
            None => lone.map(|s| issue(&report, Signed::Lone(s), plan)),
        };
        let certificate = match signing {
            Some(Ok(path)) => Some(path),
            Some(Err(e)) => {
                failures.push(JobError {
                    code: 1,
                    message: crate::said!(
                        "job-certificate-unwritten",
                        outcome = word.as_str(),
                        error = e.to_string()
                    ),
                    hint: e.hint,
                });
                None
            }
            None => None,
        };
        Recorded {
            report,
            result,
            certificate,
            failures,
        }
    }
}

/// Who signs a certificate: a carrier's operator, linked to the wipe-finished event,
/// or a key alone for a target outside any register.
enum Signed<'a> {
    Linked {
        link: &'a mut Link,
        event: &'a register::Event,
    },
    Lone(&'a Signer),
}

/// Builds, signs and writes the certificate of a finished wipe; records it in the
/// register when the wipe was of a registered carrier.
fn issue(report: &WipeReport, signed: Signed, plan: &super::Plan) -> Result<PathBuf, JobError> {
    let dir = plan.cert_dir();
    let identity = &report.target;
    let (signer, reg, carrier, approval, event) = match signed {
        Signed::Linked { link, event } => {
            let Link {
                reg,
                signer,
                carrier,
                approval,
            } = link;
            (
                &*signer,
                Some(reg),
                Some(&*carrier),
                Some(approval.id.as_str()),
                Some(event),
            )
        }
        Signed::Lone(s) => (s, None, None, None, None),
    };
    let fingerprint = signer.fingerprint();
    let (meta, person) = match &reg {
        Some(r) => (r.meta()?, r.person_by_fingerprint(&fingerprint)?),
        None => (None, None),
    };
    let now = chrono::Utc::now();
    let issued = register::event::format_time(now);
    let id = cert::free_id(dir, carrier, identity, &now.format("%Y%m%dT%H%M%SZ").to_string());
    let body = cert::Body::of_wipe(
        report,
        identity,
        WipeContext {
            id: &id,
            issued: &issued,
            register: meta.as_ref(),
            person: person.as_ref(),
            fingerprint: &fingerprint,
            carrier,
            approval,
            event,
            backed_up: plan.backed_up(),
            backup_location: plan.backup_location(),
            station: Some(plan.station()),
        },
    );
    let who = SignerRef {
        id: person.as_ref().map_or("unregistered", |p| p.id.as_str()),
        name: person.as_ref().map(|p| p.name.as_str()),
        title: person.as_ref().and_then(|p| p.title.as_deref()),
    };
    let c = Certificate::issue(&body, signer, who, &issued)?;
    let name = format!("{id}.cert.json");
    crate::files::Folder::create(dir)
        .and_then(|f| f.write(name.as_ref(), c.to_file().as_bytes(), false))
        .map_err(|e| JobError::failed(e.to_string()))?;
    let path = dir.join(name);
    if let (Some(reg), Some(carrier)) = (reg, carrier) {
        reg.certificate_event(signer, Kind::CertificateSigned, &carrier.id, &id, &c.digest()?)?;
    }
    Ok(path)
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    register::event::hex(&sha2::Sha256::digest(data))
}

pub(super) fn result_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

pub(super) fn result_temp(path: &Path) -> Result<crate::files::Staged, JobError> {
    crate::files::folder_of(path)
        .and_then(|(folder, name)| folder.stage(name))
        .map_err(|e| {
            JobError::usage(format!(
                "--result {}: cannot create the result file: {e}",
                escape::path(path)
            ))
        })
}

fn save_result(mut tmp: crate::files::Staged, text: &str) -> Result<(), crate::files::FileError> {
    // Private like every output, unless the configuration says otherwise (files::mode).
    tmp.file()
        .write_all(text.as_bytes())
        .map_err(|error| crate::files::FileError::Io {
            path: tmp.temp_path(),
            error,
        })?;
    tmp.commit(true)
}
