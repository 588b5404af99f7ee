//! Execute: the technique (an overwrite through the engine), with the register told
//! before the first byte, a checkpoint every few seconds, and every finished pass of
//! a carrier's wipe recorded.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use super::{JobError, Link, Named, Observer, Plan, Prepared};
use crate::checkpoint::{self, Checkpoint};
use crate::engine::{self, Progress};
use crate::escape;
use crate::medium::Identity;
use crate::model::report::{Outcome, PassReport, PassVerification, RegisterLink, Resumption, WipeReport};
use crate::pattern::Pattern;
use crate::register;
use crate::verify::Span;

/// A wipe that has run: its result, and what the record phase needs.
pub struct Executed<'p> {
    pub(super) plan: &'p Plan,
    pub report: WipeReport,
    /// The result file's temporary twin, created before the first byte was written.
    pub(super) result_file: Option<crate::files::Staged>,
    /// The checkpoint left for `--resume` (an interrupted wipe), if one was saved.
    pub checkpoint: Option<PathBuf>,
}

impl<'p> Prepared<'p> {
    /// Writes the target, reporting to `observer` under the target's name. `link` is
    /// the carrier's register, told before the first byte and after every pass; `stop`
    /// ends the wipe at a block boundary.
    pub fn execute(
        self,
        mut link: Option<&mut Link>,
        observer: &dyn Observer,
        stop: &AtomicBool,
    ) -> Result<Executed<'p>, JobError> {
        if self.technique.is_firmware() {
            return self.execute_firmware(link, observer, stop);
        }
        let Prepared {
            plan,
            mut target,
            work,
            ..
        } = self;
        let work = work.ok_or_else(|| JobError::usage("a dry run writes nothing"))?;
        let identity = target.identity.clone();
        let (result_file, started) = begin(plan, link.as_deref_mut(), &identity, plan.method(), None)?;
        let now = chrono::Utc::now();
        let prior = work.prior.as_ref();
        let mut resumed = prior.map(|c| c.resumed.clone()).unwrap_or_default();
        if let Some(f) = &work.from {
            resumed.push((now, f.pass + 1, f.offset));
        }
        // The register records each finished pass under the wipe's first wipe-started.
        let wipe = prior
            .and_then(|c| c.wipe)
            .or(started.as_ref().map(|s| s.wipe_started_seq));
        let state = Checkpoint {
            format: checkpoint::FORMAT.into(),
            target: identity.clone(),
            method: work.record.clone(),
            passes: work.patterns.iter().map(checkpoint::PassSpec::of).collect(),
            verify: work.options.verify.mode,
            coverage_ppm: work.options.verify.coverage_ppm,
            seed: work.options.verify.seed,
            block_size: work.options.block_size as u64,
            pass: 1,
            offset: 0,
            unwritten: Vec::new(),
            done: work.from.as_ref().map(|f| f.done.clone()).unwrap_or_default(),
            started: prior.map_or(now, |c| c.started),
            saved: now,
            resumed: resumed.clone(),
            carrier: link.as_deref().map(|l| l.carrier.id.clone()),
            wipe,
        };
        let keeper = Keeper {
            inner: Named {
                observer,
                target: &identity.path,
            },
            state: Mutex::new(state),
            path: work.checkpoint.clone(),
            unsaved: AtomicBool::new(false),
            unrecorded: AtomicBool::new(false),
            link: Mutex::new(link),
            patterns: &work.patterns,
        };
        let mut report = engine::resume(
            &mut target,
            work.record.clone(),
            &work.patterns,
            work.options,
            work.from.clone(),
            stop,
            &keeper,
        );
        drop(target);
        report.register = started;
        if let Some(c) = prior {
            report.started = c.started;
        }
        report.resumed = resumed
            .iter()
            .map(|(at, pass, offset)| Resumption {
                at: *at,
                pass: *pass as u32,
                offset: *offset,
            })
            .collect();
        report.account_hidden();
        let checkpoint = if report.outcome == Outcome::Interrupted {
            work.checkpoint.exists().then(|| work.checkpoint.clone())
        } else {
            let _ = std::fs::remove_file(&work.checkpoint);
            None
        };
        Ok(Executed {
            plan,
            report,
            result_file,
            checkpoint,
        })
    }
}

/// What a firmware erase reads back afterwards: the markers planted before a sanitize
/// it waits for (the journal's), or new ones for a command it sends (with the journal of
/// an interrupted one, if any).
enum Run {
    Wait(crate::purge::Journal),
    Send(crate::purge::Markers, Option<crate::purge::Journal>),
}

impl<'p> Prepared<'p> {
    /// A firmware erase: markers planted and synced, the drive's command sent and
    /// waited for, the markers read back past the caches. The outcome is `sanitised` only
    /// when the drive reported success and no marker is left or unreadable. Every wait is
    /// bounded and shown (`Observer::waiting`); `stop` ends it within a second, the journal
    /// kept for `--resume`: the drive goes on with a command it was sent, and a resume
    /// follows a sanitize, or sends the command again.
    fn execute_firmware(
        self,
        link: Option<&mut Link>,
        observer: &dyn Observer,
        stop: &AtomicBool,
    ) -> Result<Executed<'p>, JobError> {
        let Prepared {
            plan,
            mut target,
            technique,
            journal: prior,
            ..
        } = self;
        let identity = target.identity.clone();
        let drive = identity
            .drive
            .clone()
            .ok_or_else(|| JobError::refused(format!("{}: not a drive", identity.path)))?;
        let carrier = link.as_deref().map(|l| l.carrier.id.clone());
        let stopped = || stop.load(Ordering::SeqCst);
        // The markers' token and a security erase's password come from the kernel's
        // random number generator: waited for in sight (an unseeded one would block the
        // draw in silence), before anything is written or recorded.
        let mut random = |waited| {
            observer.waiting(
                &identity.path,
                &super::Waiting {
                    what: "random",
                    detail: crate::said!("wait-random"),
                    waited,
                    limit: Some(crate::entropy::LIMIT),
                },
            )
        };
        match crate::entropy::wait(&stopped, &mut random) {
            Ok(()) => {}
            Err(crate::entropy::Unseeded::Stopped) => {
                return Err(JobError::new(
                    130,
                    crate::said!("job-interrupted-unwritten", path = identity.path.as_str()),
                ))
            }
            Err(crate::entropy::Unseeded::TimedOut(d)) => {
                return Err(JobError::failed(crate::said!(
                    "job-random-unseeded",
                    path = identity.path.as_str(),
                    seconds = d.as_secs().to_string()
                ))
                .hint(crate::t!("random-unseeded-hint")))
            }
        }
        // A sanitize that was sent goes on inside the drive: waited for, not sent again,
        // and read back with the markers planted before it. Otherwise new markers, drawn
        // (and the content between them fingerprinted) before the register learns of the
        // erase, so that it records their digest.
        let waits = prior
            .as_ref()
            .is_some_and(|j| j.technique.is_sanitize() && j.sent.is_some());
        let now = chrono::Utc::now();
        let begun = prior.as_ref().map_or(now, |j| j.started);
        let resuming = prior.is_some();
        let run = match prior {
            Some(j) if waits => Run::Wait(j),
            prior => {
                let mut m = crate::purge::Markers::plan(&target, 32).map_err(|e| {
                    JobError::failed(format!("{}: cannot draw the markers' token: {e}", identity.path))
                })?;
                m.fingerprint(&mut target);
                Run::Send(m, prior)
            }
        };
        if stopped() {
            return Err(JobError::new(
                130,
                crate::said!("job-interrupted-unwritten", path = identity.path.as_str()),
            ));
        }
        let digest = match &run {
            Run::Wait(j) => j.markers.digest(),
            Run::Send(m, _) => m.digest(),
        };
        let (result_file, started) = begin(plan, link, &identity, technique.name(), Some(&digest))?;
        let journal_path = checkpoint::journal_path_for(plan.checkpoint_dir(), &identity);
        let t0 = std::time::Instant::now();
        observer.pass_started(&identity.path, 1, 1, technique.name(), identity.size);
        let failed = |why: String, recovery: Option<String>| crate::purge::ata::Failed { why, recovery };
        // Every wait for the drive: shown every few seconds, ended by a stop.
        let command = crate::said!("wait-drive", command = technique.describe().to_string());
        let mut shown = |waited, limit| {
            observer.waiting(
                &identity.path,
                &super::Waiting {
                    what: "drive",
                    detail: command.clone(),
                    waited,
                    limit,
                },
            )
        };
        let watch = crate::purge::Watch {
            stop: &stopped,
            waiting: &mut shown,
        };

        // A temporary password an interrupted security erase left set goes first.
        let left = match &run {
            Run::Wait(j) | Run::Send(_, Some(j)) => j.password.as_deref(),
            Run::Send(_, None) => None,
        };
        let cleared = match left {
            Some(text) => clear_left_password(&target, text, &identity.path),
            None => Ok(()),
        };
        // `Err` when a stop ended the wait (after so long, and whether the command was sent).
        let (markers, sent): (_, Result<Result<_, _>, (std::time::Duration, bool)>) = match (cleared, run) {
            (Err(f), Run::Wait(j) | Run::Send(_, Some(j))) => (j.markers, Ok(Err(f))),
            (Err(f), Run::Send(m, None)) => (m, Ok(Err(f))),
            (Ok(()), Run::Wait(j)) => (
                j.markers,
                crate::purge::wait(technique, &target, watch).map_err(|i| (i.after, true)),
            ),
            (Ok(()), Run::Send(markers, _)) => {
                let password = if technique.is_security_erase() {
                    Some(crate::purge::ata::Password::random().map_err(|e| {
                        JobError::failed(format!(
                            "{}: cannot draw a temporary password: {e}",
                            identity.path
                        ))
                    })?)
                } else {
                    None
                };
                // The journal first (nothing sent yet): a stop or a crash from here on
                // leaves it for --resume.
                let mut journal = crate::purge::Journal {
                    format: crate::purge::JOURNAL_FORMAT.into(),
                    target: identity.clone(),
                    technique,
                    markers: markers.clone(),
                    started: begun,
                    sent: None,
                    carrier: carrier.clone(),
                    password: password.as_ref().map(|p| p.text()),
                };
                let unsaved = |e: std::io::Error| {
                    observer.warning(
                        &identity.path,
                        &crate::t!(
                            "warn-journal-unsaved",
                            journal = escape::path(&journal_path),
                            error = e.to_string()
                        ),
                    )
                };
                let sent = match journal.save(&journal_path) {
                    // Without its journal a password set could not be found again
                    // after a crash: a security erase is not sent.
                    Err(e) if password.is_some() => Ok(Err(failed(
                        format!(
                            "cannot save the erase's journal {} ({e}): nothing was sent, so that no password is set that a crash would lose",
                            escape::path(&journal_path)
                        ),
                        None,
                    ))),
                    saved => {
                        let saved = saved.map_err(unsaved).is_ok();
                        match markers.plant(&target, &stopped) {
                            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                                Err((t0.elapsed(), false))
                            }
                            Err(e) => Ok(Err(failed(
                                format!("the markers could not be written before the erase ({e}): nothing was sent"),
                                None,
                            ))),
                            Ok(()) if stopped() => Err((t0.elapsed(), false)),
                            Ok(()) => {
                                // The command is about to be sent: a resume follows a
                                // sanitize from here on rather than sending it again.
                                journal.sent = Some(chrono::Utc::now());
                                if saved {
                                    let _ = journal.save(&journal_path).map_err(unsaved);
                                }
                                crate::purge::run(technique, &target, &drive, password.as_ref(), watch)
                                    .map_err(|i| (i.after, true))
                            }
                        }
                    }
                };
                (markers, sent)
            }
        };
        let interrupted = sent.as_ref().err().copied();
        let sent = sent.unwrap_or_else(|(after, was_sent)| {
            Err(failed(
                if was_sent {
                    format!(
                        "interrupted (SIGINT or SIGTERM) after {} s of waiting for the drive, which goes on with what it was sent",
                        after.as_secs()
                    )
                } else {
                    "interrupted (SIGINT or SIGTERM) before the command was sent".into()
                },
                None,
            ))
        });
        // Read back unless interrupted: the drive may still be at work.
        let (check, cache) = match interrupted {
            None => {
                let (c, cache) = markers.check(&mut target);
                (c, Some(cache))
            }
            Some(_) => (
                crate::purge::MarkerCheck {
                    planted: markers.count(),
                    ..Default::default()
                },
                None,
            ),
        };
        let ms = t0.elapsed().as_millis() as u64;
        let ok = sent.is_ok() && check.holds();
        // Kept after an interruption (a resume follows the sanitize, clears the password,
        // or sends the command again), and while the drive may still be working on a
        // sanitize or may still hold the temporary password; otherwise nothing is left
        // to follow.
        let keep = interrupted.is_some()
            || !ok
                && match &sent {
                    Err(f) => technique.is_sanitize() || f.recovery.is_some(),
                    Ok(_) => false,
                };
        let checkpoint = if keep && journal_path.exists() {
            Some(journal_path.clone())
        } else {
            let _ = std::fs::remove_file(&journal_path);
            None
        };
        let (command, drive_status, recovery) = match &sent {
            Ok(d) => (d.technique.clone(), d.status.clone(), None),
            Err(f) => (
                technique.describe().en().to_string(),
                f.why.clone(),
                f.recovery.clone(),
            ),
        };
        let errors = match (&sent, check.holds()) {
            // Interrupted: nothing failed; the record says where it stopped.
            (Err(_), _) if interrupted.is_some() => Vec::new(),
            (Err(f), _) => vec![crate::model::report::IoFault {
                operation: "firmware erase".into(),
                offset: None,
                length: identity.size,
                error: f.to_string(),
            }],
            (Ok(_), false) => vec![crate::model::report::IoFault {
                operation: "readback".into(),
                offset: None,
                length: identity.size,
                error: format!(
                    "the drive reported success, but {} of {} markers are still there, {} of {} blocks of the earlier content are unchanged, and {} places cannot be read{}",
                    check.found,
                    check.planted,
                    check.unchanged,
                    check.fingerprinted,
                    check.unreadable,
                    check.first_error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default()
                ),
            }],
            (Ok(_), true) => Vec::new(),
        };
        let pass = PassReport {
            index: 1,
            pattern: technique.name().into(),
            bytes: 0,
            size: identity.size,
            milliseconds: ms,
            // A rate only for an erase that ended: a failed one erased at no known speed.
            rate: if sent.is_ok() {
                identity.size.saturating_mul(1000).checked_div(ms).unwrap_or(0)
            } else {
                0
            },
            completed: sent.is_ok(),
            unwritten: Vec::new(),
            write_error: None,
            errors,
            random: None,
        };
        observer.pass_finished(&identity.path, &pass);
        let report = WipeReport {
            format: crate::model::report::FORMAT.into(),
            tool: crate::model::report::Tool::this(),
            target: identity.clone(),
            method: crate::model::report::MethodRecord {
                name: technique.name().into(),
                passes: vec![technique.name().into()],
                blank: false,
            },
            io: crate::model::report::IoRecord {
                direct: target.direct_align().is_some(),
                alignment: target.direct_align(),
                block_size: 0,
                generator_threads: 0,
                sync: "markers synced before the command".into(),
            },
            passes: vec![pass],
            outcome: if interrupted.is_some() {
                Outcome::Interrupted
            } else if ok {
                Outcome::Sanitised
            } else {
                Outcome::Failed
            },
            verification: crate::model::report::Verification {
                mode: crate::model::report::VerifyMode::Sample,
                result: if interrupted.is_some() {
                    crate::model::report::VerifyResult::NotRun
                } else if check.holds() {
                    crate::model::report::VerifyResult::Match
                } else if check.unreadable > 0 {
                    crate::model::report::VerifyResult::Incomplete
                } else {
                    crate::model::report::VerifyResult::Mismatch
                },
                cache,
                passes: Vec::new(),
                assurance: None,
            },
            unwritten: Vec::new(),
            resumed: if resuming {
                vec![Resumption {
                    at: now,
                    pass: 1,
                    offset: 0,
                }]
            } else {
                Vec::new()
            },
            register: started,
            firmware: Some(crate::model::report::FirmwareRecord {
                technique: technique.name().into(),
                category: technique.category().into(),
                command,
                drive_status,
                recovery,
                markers: check,
                milliseconds: ms,
                followed: waits,
            }),
            bytes_written: 0,
            started: begun,
            finished: chrono::Utc::now(),
        };
        Ok(Executed {
            plan,
            report,
            result_file,
            checkpoint,
        })
    }
}

/// Clears the temporary user password a security erase set before it was interrupted
/// (it is in the erase's journal), if the drive still has one.
fn clear_left_password(
    target: &crate::medium::Target,
    text: &str,
    node: &str,
) -> Result<(), crate::purge::ata::Failed> {
    use crate::purge::ata::{self, Failed};
    let p = ata::Password::from_text(text).ok_or_else(|| Failed {
        why: "the journal's temporary password is malformed".into(),
        recovery: None,
    })?;
    let mut dev = crate::device::transport::Device(target.file());
    if matches!(crate::identify::ata_identify(&mut dev), Ok(id) if !id.security.enabled) {
        return Ok(());
    }
    ata::clear_password(&mut dev, &p).map_err(|e| Failed {
        why: format!("the temporary password the interrupted erase left set could not be cleared ({e})"),
        recovery: Some(format!(
            "unlock the drive with: hdparm --user-master u --security-unlock {0:?} {node} && hdparm --user-master u --security-disable {0:?} {node}",
            p.text()
        )),
    })
}

/// Before the first byte: the result's file is created (beside its final place, renamed
/// into it at the end: a wipe must not end in a result that cannot be saved, nor leave a
/// half-written one), and the register learns of the wipe.
fn begin(
    plan: &Plan,
    link: Option<&mut Link>,
    identity: &Identity,
    method: &str,
    markers: Option<&str>,
) -> Result<(Option<crate::files::Staged>, Option<RegisterLink>), JobError> {
    let result_file = match plan.result() {
        Some(p) => Some(super::record::result_temp(p)?),
        None => None,
    };
    let started = match link {
        Some(l) => Some(wipe_started(l, identity, method, markers)?),
        None => None,
    };
    Ok((result_file, started))
}

/// The register learns of the wipe before the first byte is written.
fn wipe_started(
    l: &mut Link,
    identity: &Identity,
    method: &str,
    markers: Option<&str>,
) -> Result<RegisterLink, JobError> {
    let ev = l.reg.wipe_started(
        &l.signer,
        &l.carrier.id,
        &l.approval.id,
        &l.carrier.serial,
        &identity.path,
        method,
        markers,
    )?;
    let register_id = l.reg.meta()?.map(|m| m.register_id).unwrap_or_default();
    Ok(RegisterLink {
        register_id,
        carrier: l.carrier.id.clone(),
        approval: l.approval.id.clone(),
        wipe_started_seq: ev.seq,
        wipe_started_hash: ev.hash,
    })
}

/// Progress that also keeps the checkpoint (passes done, and where the wipe stands
/// each time the engine says the data is synced) and, for a carrier's wipe, has the
/// register record every finished pass.
struct Keeper<'a, 'l> {
    inner: Named<'a>,
    state: Mutex<Checkpoint>,
    path: PathBuf,
    /// Saving failed once (a folder that cannot be written): said once, not every 2 s.
    unsaved: AtomicBool,
    /// Recording a pass failed once: said once.
    unrecorded: AtomicBool,
    link: Mutex<Option<&'l mut Link>>,
    patterns: &'a [Pattern],
}

impl Progress for Keeper<'_, '_> {
    fn pass_started(&self, index: usize, count: usize, pattern: &str, bytes: u64) {
        self.inner.pass_started(index, count, pattern, bytes);
    }
    fn advanced(&self, done: u64) {
        self.inner.advanced(done);
    }
    fn pass_finished(&self, pass: &PassReport) {
        if pass.completed {
            self.record(pass);
            // The pass is synced and whole: the checkpoint moves to the next one.
            let mut s = self.state();
            s.done.push(pass.clone());
            s.pass = pass.index as usize + 1;
            s.offset = 0;
            s.unwritten = Vec::new();
            self.save(&mut s);
        }
        self.inner.pass_finished(pass);
    }
    fn synced(&self, index: usize, offset: u64, unwritten: &[Span]) {
        let mut s = self.state();
        if offset >= s.target.size {
            return; // the end of a pass: pass_finished records it with its report
        }
        s.pass = index;
        s.offset = offset;
        s.unwritten = unwritten.to_vec();
        self.save(&mut s);
    }
    fn verify_started(&self, index: usize, bytes: u64) {
        self.inner.verify_started(index, bytes);
    }
    fn verify_finished(&self, pass: &PassVerification) {
        self.inner.verify_finished(pass);
    }
    fn warning(&self, message: &str) {
        self.inner.warning(message);
    }
}

impl Keeper<'_, '_> {
    /// The checkpoint state; a poisoned lock (a panic elsewhere) still holds it.
    fn state(&self) -> MutexGuard<'_, Checkpoint> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a finished pass of a carrier's wipe in the register: what a resume
    /// may count without writing it again.
    fn record(&self, pass: &PassReport) {
        let wipe = self.state().wipe;
        let mut link = self.link.lock().unwrap_or_else(|e| e.into_inner());
        let (Some(l), Some(wipe)) = (link.as_deref_mut(), wipe) else {
            return;
        };
        let finished = register::rules::PassFinished {
            wipe,
            pass: pass.index,
            of: self.patterns.len() as u32,
            pattern: pass.pattern.clone(),
            key_sha256: (pass.index as usize)
                .checked_sub(1)
                .and_then(|i| self.patterns.get(i))
                .and_then(checkpoint::key_digest),
            bytes: pass.bytes,
        };
        if let Err(e) = l.reg.pass_finished(&l.signer, &l.carrier.id, &finished) {
            if !self.unrecorded.swap(true, Ordering::SeqCst) {
                self.inner.warning(&crate::t!(
                    "warn-pass-unrecorded",
                    pass = pass.index.to_string(),
                    error = e.to_string()
                ));
            }
        }
    }

    fn save(&self, s: &mut Checkpoint) {
        if self.unsaved.load(Ordering::SeqCst) {
            return;
        }
        s.saved = chrono::Utc::now();
        if let Err(e) = s.save(&self.path) {
            self.unsaved.store(true, Ordering::SeqCst);
            self.inner.warning(&crate::t!(
                "warn-checkpoint-unsaved",
                checkpoint = escape::path(&self.path),
                error = e.to_string()
            ));
        }
    }
}
