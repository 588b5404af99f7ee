//! Batch: many carriers' drives wiped at once, each its own job (the library job of
//! [`crate::job`]), each with its own register connection, bar and certificate.
//!
//! Everything that can refuse happens before the first byte: every row is resolved
//! to a drive, opened exclusively and checked as a single wipe checks it (approval,
//! the carrier's serial, safety, in use, locked security, hidden areas); any mismatch
//! stops the batch with the list of what is wrong. Then the jobs run, N at a time; a
//! job that fails is recorded and the others go on.

pub mod manifest;
pub mod state;
pub mod watch;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;
use std::time::Instant;

use crate::escape;
use crate::job::{JobError, Link, Observer, Plan, Prepared, Request};
use crate::keys::Signer;
use crate::medium::scan::{self, Attached};
use crate::medium::Sys;
use crate::model::report::WipeReport;
use crate::register::Register;
pub use manifest::{Device, Row};

/// What is wrong with one row: the batch does not start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub line: u64,
    pub device: String,
    pub carrier: String,
    pub problem: String,
}

/// A row ready to run: its drive open and checked, its register connection, its plan.
pub struct Job<'p> {
    pub row: Row,
    pub path: PathBuf,
    pub prepared: Prepared<'p>,
    pub link: Link,
}

/// The drive a row names: a path as given (a by-id link is followed by the open), or
/// the one attached drive that reports the serial.
pub fn resolve(device: &Device, attached: &[Attached], sys: &Sys) -> Result<PathBuf, String> {
    match device {
        Device::Path(p) => Ok(p.clone()),
        Device::Serial(s) => {
            let found: Vec<&Attached> = attached.iter().filter(|a| a.serial == *s).collect();
            match found.as_slice() {
                [a] => Ok(sys.dev_node(&a.disk)),
                [] => Err(crate::t!("batch-serial-absent", serial = format!("{s:?}"))),
                many => Err(crate::t!(
                    "batch-serial-shared",
                    count = many.len().to_string(),
                    serial = format!("{s:?}"),
                    disks = many
                        .iter()
                        .map(|a| a.disk.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
    }
}

/// The plan of each row: the row's method and verification, else what the carrier's
/// classification chooses, on top of `base` (checkpoint and certificate folders, …).
pub fn plans(rows: &[Row], base: &Request, reg: &Register) -> Result<Vec<Plan>, Vec<Mismatch>> {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for row in rows {
        let mismatch = |problem: String| Mismatch {
            line: row.line,
            device: row.device.to_string(),
            carrier: row.carrier.clone(),
            problem,
        };
        let carrier = match reg.carrier(&row.carrier) {
            Ok(Some(c)) => c,
            Ok(None) => {
                bad.push(mismatch(crate::t!(
                    "batch-no-carrier",
                    carrier = row.carrier.as_str()
                )));
                continue;
            }
            Err(e) => {
                bad.push(mismatch(e.to_string()));
                continue;
            }
        };
        let mut r = base.clone();
        r.technique = row.technique.unwrap_or(base.technique);
        r.method = row.method.clone().filter(|_| !r.technique.is_firmware());
        r.passes = None;
        r.classification = Some(carrier.classification);
        if let Some(v) = row.verify {
            r.verify = Some(v);
        }
        match Plan::new(r) {
            Ok(p) => out.push(p),
            Err(e) => bad.push(mismatch(e.message.to_string())),
        }
    }
    if bad.is_empty() {
        Ok(out)
    } else {
        Err(bad)
    }
}

/// Opens and checks the drive at `path` for `row` with `plan`, with a connection of its
/// own to the register: a job ready to run, or why not.
pub fn prepare<'p>(
    row: &Row,
    path: PathBuf,
    plan: &'p Plan,
    sys: &Sys,
    register: &Path,
    signer: &Signer,
) -> Result<Job<'p>, String> {
    let reg = Register::open(register).map_err(|e| e.to_string())?;
    let link = Link::new(reg, signer.clone(), &row.carrier).map_err(|e| e.message.to_string())?;
    let prepared = Prepared::new(plan, &path, sys, Some(&link), &[]).map_err(|e| e.message.to_string())?;
    // A batch asks nothing once it runs: a drive whose wipe would end incomplete for
    // sectors it hides is refused now. --expose-hidden removes an HPA, nothing else.
    if let Some(d) = &prepared.identity().drive {
        let removable = if plan.expose_hidden() {
            d.hidden.hpa.hidden_sectors()
        } else {
            0
        };
        let n = d.hidden.hidden_sectors() - removable;
        if n > 0 {
            let what = if d.hidden.hpa.hidden_sectors() > removable {
                crate::t!("batch-hidden-expose")
            } else {
                crate::t!("batch-hidden-alone")
            };
            return Err(crate::t!(
                "batch-hidden",
                count = n.to_string(),
                summary = d.hidden.summary().to_string(),
                what = what
            ));
        }
    }
    Ok(Job {
        row: row.clone(),
        path,
        prepared,
        link,
    })
}

/// Opens and checks every row's drive with its plan, each with its own connection to
/// the register at `register`. All rows are checked; any mismatch returns them all and
/// nothing stays open.
pub fn reconcile<'p>(
    rows: &[Row],
    plans: &[&'p Plan],
    sys: &Sys,
    register: &Path,
    signer: &Signer,
) -> Result<Vec<Job<'p>>, Vec<Mismatch>> {
    let attached = scan::attached(sys);
    let mut jobs = Vec::new();
    let mut bad = Vec::new();
    for (row, &plan) in rows.iter().zip(plans) {
        let mismatch = |problem: String| Mismatch {
            line: row.line,
            device: row.device.to_string(),
            carrier: row.carrier.clone(),
            problem,
        };
        let job = resolve(&row.device, &attached, sys)
            .and_then(|path| prepare(row, path, plan, sys, register, signer));
        match job {
            Ok(j) => jobs.push(j),
            Err(problem) => bad.push(mismatch(problem)),
        }
    }
    // Two rows that reach one drive (a path and a serial, a by-id link and its node).
    for (i, a) in jobs.iter().enumerate() {
        for b in &jobs[i + 1..] {
            if a.prepared.identity().devno == b.prepared.identity().devno {
                bad.push(Mismatch {
                    line: b.row.line,
                    device: b.row.device.to_string(),
                    carrier: b.row.carrier.clone(),
                    problem: crate::t!("batch-same-drive", line = a.row.line.to_string()),
                });
            }
        }
    }
    if bad.is_empty() {
        Ok(jobs)
    } else {
        bad.sort_by_key(|m| m.line);
        Err(bad)
    }
}

/// How one job ended.
#[derive(Debug)]
pub struct Finished {
    pub line: u64,
    pub carrier: String,
    pub path: String,
    pub serial: Option<String>,
    pub report: Option<WipeReport>,
    pub certificate: Option<PathBuf>,
    pub checkpoint: Option<PathBuf>,
    /// What went wrong: the job could not run, or what it did could not be recorded.
    pub error: Option<JobError>,
    pub milliseconds: u64,
}

impl Finished {
    /// `sanitised`, `incomplete`, `failed`, `interrupted`, or `failed` for a job that
    /// never wrote.
    pub fn outcome(&self) -> &'static str {
        match (&self.report, &self.error) {
            (Some(r), _) => r.outcome.name(),
            (None, _) => "failed",
        }
    }

    /// Why a job did not end sanitised, in a line: its error, or what stopped its wipe
    /// (the first I/O fault of a pass, unwritten regions, a failed readback).
    pub fn reason(&self) -> Option<String> {
        if let Some(e) = &self.error {
            return Some(e.message.en().to_string());
        }
        let r = self.report.as_ref()?;
        if r.outcome == crate::model::report::Outcome::Sanitised {
            return None;
        }
        if let Some(f) = r.passes.iter().flat_map(|p| &p.errors).next() {
            return Some(match f.offset {
                Some(o) => format!("{} failed at byte {o}: {}", f.operation, f.error),
                None => format!("{} failed: {}", f.operation, f.error),
            });
        }
        if !r.unwritten.is_empty() {
            let bytes: u64 = r.unwritten.iter().map(|s| s.length).sum();
            return Some(format!(
                "{} region(s), {bytes} bytes, could not be written",
                r.unwritten.len()
            ));
        }
        Some(format!("the wipe ended {}; see its result", r.outcome.name()))
    }

    /// The job's exit status as a single wipe would have it.
    pub fn exit_code(&self) -> u8 {
        match (&self.report, &self.error) {
            (_, Some(e)) => e.code.max(1),
            (Some(r), None) => r.outcome.exit_code(),
            (None, None) => 1,
        }
    }
}

/// Runs the jobs, `parallel` at a time. `observer` makes each job's observer; `done`
/// hears of each job as it ends (to save the batch's state). `stop` ends every running
/// job at a block boundary with its checkpoint; jobs not started then are not started.
pub fn run(
    jobs: Vec<Job<'_>>,
    sys: &Sys,
    parallel: usize,
    observer: &(dyn Fn(&Job<'_>) -> Box<dyn Observer> + Sync),
    stop: &AtomicBool,
    done: &(dyn Fn(&Finished) + Sync),
) -> Vec<Finished> {
    let queue = Mutex::new(jobs.into_iter().rev().collect::<Vec<_>>());
    let finished = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..parallel.max(1) {
            s.spawn(|| loop {
                if stop.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let Some(job) = queue.lock().unwrap_or_else(|e| e.into_inner()).pop() else {
                    break;
                };
                let obs = observer(&job);
                let f = run_job(job, sys, &*obs, stop);
                done(&f);
                finished.lock().unwrap_or_else(|e| e.into_inner()).push(f);
            });
        }
    });
    let mut out = finished.into_inner().unwrap_or_else(|e| e.into_inner());
    out.sort_by_key(|f| f.line);
    out
}

/// Runs one job to its end and records it: the register's events, the result and the
/// certificate. Whatever happens is in the `Finished`, never a panic out of here.
pub fn run_job(job: Job<'_>, sys: &Sys, obs: &dyn Observer, stop: &AtomicBool) -> Finished {
    let started = Instant::now();
    let Job {
        row,
        mut prepared,
        mut link,
        ..
    } = job;
    let id = prepared.identity().clone();
    let mut f = Finished {
        line: row.line,
        carrier: row.carrier.clone(),
        path: id.path.clone(),
        serial: id.serial.clone(),
        report: None,
        certificate: None,
        checkpoint: None,
        error: None,
        milliseconds: 0,
    };
    // A job that panics is that job's failure, never the batch's end.
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // Confirmed with the batch: an HPA is removed just before the first byte.
        if prepared.plan_expose_hidden() {
            prepared.expose_hidden(sys)?;
        }
        let executed = prepared.execute(Some(&mut link), obs, stop)?;
        let checkpoint = executed.checkpoint.clone();
        let recorded = executed.record(Some(&mut link), None);
        Ok::<_, JobError>((recorded, checkpoint))
    }));
    match ran {
        Ok(Ok((recorded, checkpoint))) => {
            f.report = Some(recorded.report);
            f.certificate = recorded.certificate;
            f.checkpoint = checkpoint;
            f.error = recorded.failures.into_iter().next();
        }
        Ok(Err(e)) => f.error = Some(e),
        Err(_) => {
            f.error = Some(JobError::failed(format!(
                "{}: the job stopped on an internal error; the other drives went on",
                escape::path(Path::new(&id.path))
            )))
        }
    }
    f.milliseconds = started.elapsed().as_millis() as u64;
    f
}
