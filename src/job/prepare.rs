//! Prepare: open the target, identify it, make every safety and register check, and
//! settle what will be written (fresh keys, or a checkpoint checked against the
//! plan). Nothing is written; everything a confirmation screen needs is here.

use std::path::{Path, PathBuf};

use super::{JobError, Link, Plan};
use crate::checkpoint::{self, Checkpoint};
use crate::engine::{Options, Resume};
use crate::escape;
use crate::i18n::Said;
use crate::identify;
use crate::medium::{Access, Identity, Sys, Target};
use crate::method;
use crate::model::report::{MethodRecord, VerifyMode};
use crate::pattern::Pattern;
use crate::register::{self, Register};
use crate::t;

/// A target opened and checked, and what the wipe will write to it.
pub struct Prepared<'p> {
    pub(super) plan: &'p Plan,
    pub(super) target: Target,
    /// The technique, `auto` resolved against the drive, and why it was chosen.
    pub(super) technique: crate::purge::Technique,
    pub(super) chosen: Option<String>,
    /// `None` for a dry run, which only looks, and for a firmware erase.
    pub(super) work: Option<Work>,
    /// A firmware erase resumed: the journal it left.
    pub(super) journal: Option<crate::purge::Journal>,
}

/// What will be written: the patterns with their keys, the method as recorded, the
/// engine's options, and for a resumed wipe where it starts and the checkpoint.
pub(super) struct Work {
    pub patterns: Vec<Pattern>,
    pub record: MethodRecord,
    pub options: Options,
    pub from: Option<Resume>,
    pub prior: Option<Checkpoint>,
    pub checkpoint: PathBuf,
    pub resume: Option<ResumePoint>,
}

/// Where a resumed wipe starts, and how much of what the checkpoint claimed counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResumePoint {
    /// 1-based pass, of how many, and the byte in it.
    pub pass: usize,
    pub of: usize,
    pub offset: u64,
    /// Passes the checkpoint said were done, and those the register proves.
    pub claimed: usize,
    pub proven: usize,
}

impl<'p> Prepared<'p> {
    /// Opens and checks `path` for `plan`. `link` is the registered carrier this
    /// wipe is of; without one, every register in `guards` must not know the target.
    pub fn new(
        plan: &'p Plan,
        path: &Path,
        sys: &Sys,
        link: Option<&Link>,
        guards: &[Register],
    ) -> Result<Prepared<'p>, JobError> {
        let access = if plan.dry_run() {
            Access::Check
        } else {
            Access::Write
        };
        let target = Target::open_with(path, sys, access, plan.policy())?;
        let identity = &target.identity;
        match link {
            Some(l) if !identity.is_carrier(&l.carrier.serial) => {
                return Err(JobError::refused(crate::said!(
                    "job-not-the-carrier",
                    path = identity.path.as_str(),
                    carrier = l.carrier.id.as_str(),
                    reports = format!("{:?}", identity.register_identity().unwrap_or("no serial")),
                    serial = format!("{:?}", l.carrier.serial)
                ))
                .hint(t!("job-not-the-carrier-hint")));
            }
            Some(l) if identity.partition_of.is_some() => {
                return Err(JobError::refused(crate::said!(
                    "job-partition-not-carrier",
                    path = identity.path.as_str(),
                    carrier = l.carrier.id.as_str()
                ))
                .hint(t!(
                    "job-whole-disk-hint",
                    disk = identity.partition_of.as_deref().unwrap_or("…")
                )))
            }
            Some(_) => refuse_weak_serial(identity, sys)?,
            None => refuse_registered(identity, guards)?,
        }
        let (technique, chosen, journal) = firmware_technique(plan, identity, link)?;
        if plan.dry_run() {
            return Ok(Prepared {
                plan,
                target,
                technique,
                chosen,
                work: None,
                journal,
            });
        }
        if let Some(p) = plan.result() {
            check_result_path(p, identity)?;
        }
        // The folders the wipe will write into are checked before it starts, not after
        // hours of writing: only root may be able to change them.
        for dir in [plan.checkpoint_dir(), plan.cert_dir()] {
            crate::files::check_folder_path(dir)?;
        }
        let work = if technique.is_firmware() {
            None
        } else {
            Some(work(plan, identity, link)?)
        };
        Ok(Prepared {
            plan,
            target,
            technique,
            chosen,
            work,
            journal,
        })
    }

    pub fn identity(&self) -> &Identity {
        &self.target.identity
    }

    /// The technique the wipe uses (`auto` resolved), and why it was chosen.
    pub fn technique(&self) -> (crate::purge::Technique, Option<&str>) {
        (self.technique, self.chosen.as_deref())
    }

    /// Whether the plan asks for hidden areas to be removed (`--expose-hidden`).
    pub fn plan_expose_hidden(&self) -> bool {
        self.plan.expose_hidden()
    }

    /// Removes the target's Host Protected Area, after the confirmation and before the
    /// first byte (`--expose-hidden`). A drive that refuses is not wiped: the operator
    /// asked for every sector.
    pub fn expose_hidden(&mut self, sys: &Sys) -> Result<Option<identify::Exposed>, JobError> {
        let path = self.target.identity.path.clone();
        self.target.expose_hidden(sys).map_err(|e| {
            JobError::refused(crate::said!(
                "job-expose-failed",
                path = path.as_str(),
                error = e.to_string()
            ))
            .hint(t!("job-expose-failed-hint"))
        })
    }

    /// The method as it will be recorded, and how many passes it writes.
    pub fn method(&self) -> Option<&MethodRecord> {
        self.work.as_ref().map(|w| &w.record)
    }

    pub fn passes(&self) -> usize {
        self.work
            .as_ref()
            .map_or(self.plan.passes().len(), |w| w.patterns.len())
    }

    /// Where a resumed wipe starts.
    pub fn resume_point(&self) -> Option<ResumePoint> {
        self.work.as_ref().and_then(|w| w.resume)
    }

    /// A resumed firmware erase: the journal it left (its technique, its markers, whether
    /// the command was sent).
    pub fn journal(&self) -> Option<&crate::purge::Journal> {
        self.journal.as_ref()
    }
}

/// The firmware technique a wipe uses, checked against what the drive offers now (its
/// capability bits, its security state, a bridge that passes commands); `auto` chooses
/// the strongest. Refused (exit 3) before anything is sent.
fn firmware_technique(plan: &Plan, identity: &Identity, link: Option<&Link>) -> Result<Resolved, JobError> {
    use crate::purge::{self, Technique};
    let t = plan.technique();
    if !t.is_firmware() {
        return Ok((t, None, None));
    }
    let refuse = |why: Said, hint: String| {
        Err(JobError::refused(crate::said!(
            "job-technique-refused",
            path = identity.path.as_str(),
            technique = t.name(),
            why = why.to_string()
        ))
        .hint(hint))
    };
    let Some(drive) = identity.drive.as_ref().filter(|d| {
        identity.kind == crate::medium::Kind::BlockDevice && d.transport != crate::identify::Bus::Loop
    }) else {
        return refuse(
            crate::said!("job-firmware-not-a-drive"),
            t!("job-firmware-not-a-drive-hint"),
        );
    };
    if identity.partition_of.is_some() {
        return refuse(
            crate::said!("job-firmware-partition"),
            t!(
                "job-firmware-whole-disk-hint",
                disk = identity.partition_of.as_deref().unwrap_or("…")
            ),
        );
    }
    if plan.resume() {
        // The drive's state now is the interrupted erase's (a sanitize running, a
        // password set): what it offers is not asked again; the journal says what ran.
        let path = crate::checkpoint::journal_path_for(plan.checkpoint_dir(), identity);
        let j = purge::Journal::load(&path).map_err(|e| {
            JobError::usage(crate::said!(
                "job-no-journal",
                path = identity.path.as_str(),
                journal = escape::path(&path),
                error = e.to_string()
            ))
            .hint(t!("job-start-again"))
        })?;
        let recorded = match link {
            Some(l) => Some((l.carrier.id.as_str(), l.reg.markers_recorded(&l.carrier.id)?)),
            None => None,
        };
        let problem = journal_problem(
            &j,
            identity,
            t,
            recorded.as_ref().map(|(c, r)| (*c, r.as_slice())),
        );
        if let Some(why) = problem {
            return Err(JobError::refused(crate::said!(
                "job-journal-refused",
                path = identity.path.as_str(),
                journal = escape::path(&path),
                why = why.to_string()
            ))
            .hint(t!("job-start-again")));
        }
        // Opened although locked only so that the journal's password can unlock it.
        if drive.security().is_some_and(|s| s.locked) && j.password.is_none() {
            return Err(JobError::refused(Said::of(|| {
                format!("{}: {}", identity.path, crate::medium::Refusal::SecurityLocked)
            }))
            .hint(crate::medium::Refusal::SecurityLocked.hint()));
        }
        return Ok((j.technique, None, Some(j)));
    }
    let resolved = if t == Technique::Auto {
        purge::choose(drive).map(|(t, why)| (t, Some(why), None))
    } else {
        purge::check(t, drive).map(|()| (t, None, None))
    };
    match resolved {
        Ok(r) => Ok(r),
        Err(r) => refuse(r.why, r.what_to_do),
    }
}

/// Why a firmware erase's journal cannot be resumed on `identity` with technique `t`, if
/// it cannot. `carrier` is the carrier's id and the markers' digests its register recorded
/// when its firmware erases began, for a carrier's wipe.
fn journal_problem(
    j: &crate::purge::Journal,
    identity: &Identity,
    t: crate::purge::Technique,
    carrier: Option<(&str, &[String])>,
) -> Option<Said> {
    if !j.target.is_same_target(identity) {
        return Some(crate::said!(
            "job-journal-other-drive",
            path = j.target.path.as_str(),
            identity = j.target.register_identity().unwrap_or("no identity")
        ));
    }
    if t != crate::purge::Technique::Auto && t != j.technique {
        return Some(crate::said!(
            "job-journal-other-technique",
            technique = j.technique.name()
        ));
    }
    if j.carrier.as_deref() != carrier.map(|(c, _)| c) {
        return Some(match &j.carrier {
            Some(c) => crate::said!("job-resume-carrier", carrier = c.as_str()),
            None => crate::said!("job-journal-no-carrier"),
        });
    }
    // Markers a forged journal invented would read back as "none left" from any drive
    // that erased once: a carrier's are those its register recorded, signed, when the
    // erase began. (A wipe outside the register has no such record: its certificate says
    // a resumed erase is proven as far as the journal is genuine.)
    let (c, recorded) = carrier?;
    (!recorded.contains(&j.markers.digest()))
        .then(|| crate::said!("job-journal-markers-unrecorded", carrier = c))
}

/// A technique, why `auto` chose it, and the journal of a resumed firmware erase.
type Resolved = (
    crate::purge::Technique,
    Option<String>,
    Option<crate::purge::Journal>,
);

/// A carrier's wipe names the drive by its serial: one that cannot tell this drive
/// from another (a placeholder, the USB bridge's, one another attached drive reports)
/// would let the wrong drive stand in for the carrier.
fn refuse_weak_serial(identity: &Identity, sys: &Sys) -> Result<(), JobError> {
    let Some(drive) = identity
        .drive
        .as_ref()
        .filter(|d| d.transport != identify::Bus::Loop)
    else {
        return Ok(());
    };
    let mut problems = crate::medium::scan::own_serial_problems(identity);
    if let (Some(serial), Some(disk)) = (
        &identity.serial,
        identity.partition_of.as_ref().or(identity.device.as_ref()),
    ) {
        let others = crate::medium::scan::sharing(sys, serial, disk);
        if !others.is_empty() {
            problems.push(crate::said!(
                "serial-shared-job",
                names = others.join(", "),
                serial = format!("{serial:?}")
            ));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let bridge = drive.serial_is_bridges;
    Err(JobError::refused(crate::said!(
        "job-weak-serial",
        path = identity.path.as_str(),
        problems = crate::i18n::Said::join(&problems, &crate::said!("sep-clauses")).to_string()
    ))
    .hint(if bridge {
        t!("job-weak-serial-bridge-hint")
    } else {
        t!("job-weak-serial-hint")
    }))
}

/// A target any register knows as a live carrier is wiped only with `--carrier`.
fn refuse_registered(identity: &Identity, guards: &[Register]) -> Result<(), JobError> {
    for g in guards {
        let known = g.carriers_naming(identity)?;
        if let Some(c) = known.iter().find(|c| c.status != register::Status::Disposed) {
            return Err(JobError::refused(crate::said!(
                "job-registered-carrier",
                path = identity.path.as_str(),
                carrier = c.id.as_str(),
                classification = c.classification.name()
            ))
            .hint(format!(
                "mediasan wipe {} --carrier {} --key YOUR_KEY …",
                identity.path, c.id
            )));
        }
    }
    Ok(())
}

/// A new wipe draws its randomness; a resumed one takes the checkpoint's, once the
/// checkpoint has been checked against the plan rebuilt from it and the target.
fn work(plan: &Plan, identity: &Identity, link: Option<&Link>) -> Result<Work, JobError> {
    let checkpoint = checkpoint::path_for(plan.checkpoint_dir(), identity);
    let mut options = plan.options();
    if !plan.resume() {
        let patterns = method::expand(plan.passes())
            .map_err(|e| JobError::failed(crate::said!("job-no-entropy-keys", error = e.to_string())))?;
        // A fresh sampling plan for every wipe; the seed goes into the result.
        options.verify.seed = crate::verify::fresh_seed()
            .map_err(|e| JobError::failed(crate::said!("job-no-entropy-seed", error = e.to_string())))?;
        let record = MethodRecord {
            name: plan.method().to_string(),
            passes: plan.labels(),
            blank: plan.blank(),
        };
        return Ok(Work {
            patterns,
            record,
            options,
            from: None,
            prior: None,
            checkpoint,
            resume: None,
        });
    }
    let cp = Checkpoint::load(&checkpoint).map_err(|e| {
        JobError::usage(crate::said!(
            "job-no-checkpoint",
            path = identity.path.as_str(),
            checkpoint = escape::path(&checkpoint),
            error = e.to_string()
        ))
        .hint(t!("job-start-again"))
    })?;
    let refused = |why: Said| {
        JobError::refused(crate::said!(
            "job-checkpoint-refused",
            path = identity.path.as_str(),
            checkpoint = escape::path(&checkpoint),
            why = why.to_string()
        ))
        .hint(t!("job-start-again-nothing-written"))
    };
    let patterns = cp.check(identity).map_err(refused)?;
    let carrier = link.map(|l| l.carrier.id.as_str());
    if cp.carrier.is_some() && cp.carrier.as_deref() != carrier {
        return Err(refused(crate::said!(
            "job-resume-carrier",
            carrier = cp.carrier.as_deref().unwrap_or_default()
        )));
    }
    // Passes count only where the register records them; the checkpoint alone
    // vouches for nothing that is not written again.
    let proven = match (link, cp.wipe) {
        (Some(l), Some(wipe)) => l.reg.finished_passes(&l.carrier.id, wipe)?,
        _ => Vec::new(),
    };
    let from = cp.resume_point(&patterns, &proven);
    // Never less verification than asked for now, and never none: a resumed wipe
    // proves its last pass by reading it back.
    let asked = plan.options().verify;
    options.verify.mode = cp.verify.max(asked.mode).max(VerifyMode::Sample);
    options.verify.coverage_ppm = cp.coverage_ppm.max(asked.coverage_ppm);
    options.verify.seed = cp.seed;
    options.verify.required = method::find(&cp.method.name).and_then(|m| m.verified_pass);
    options.block_size = cp.block_size as usize;
    let resume = ResumePoint {
        pass: from.pass + 1,
        of: patterns.len(),
        offset: from.offset,
        claimed: cp.pass - 1,
        proven: from.pass,
    };
    Ok(Work {
        patterns,
        record: cp.method.clone(),
        options,
        from: Some(from),
        prior: Some(cp),
        checkpoint,
        resume: Some(resume),
    })
}

/// Refuses a `--result` path that would destroy something: an existing node that is
/// not a regular file (`/dev/sdc` by a slip of the finger), or the target itself.
fn check_result_path(path: &Path, target: &Identity) -> Result<(), JobError> {
    let shown = escape::path(path);
    if let Ok(meta) = std::fs::metadata(path) {
        if !meta.is_file() {
            return Err(JobError::usage(format!(
                "--result {shown}: exists and is not a regular file"
            )));
        }
        let result = crate::medium::Object::of(&meta);
        let target_object = target.object.as_deref().and_then(crate::medium::Object::parse);
        if target_object.is_some_and(|t| t.same_inode(&result)) {
            return Err(JobError::usage(format!("--result {shown}: is the target itself")));
        }
    }
    let dir = super::record::result_dir(path);
    if !dir.is_dir() {
        return Err(JobError::usage(format!(
            "--result {shown}: cannot create the result file: no folder {}",
            escape::path(dir)
        )));
    }
    crate::files::check_folder_path(dir)?;
    Ok(())
}

/// Every register that may hold the target: the one named (--register,
/// MEDIASAN_REGISTER), which must exist, the default one, and every register in the
/// machine's index, so that naming another register hides no carrier. Returns them
/// with warnings: an indexed register that cannot be read is not checked, and said.
pub fn guards(named: &Path, index: &Path) -> Result<(Vec<Register>, Vec<String>), JobError> {
    let default = Path::new(register::DEFAULT_PATH);
    let mut paths = Vec::new();
    if named.exists() {
        paths.push(named.to_path_buf());
    } else if named != default {
        return Err(
            JobError::usage(crate::said!("job-no-register", path = escape::path(named)))
                .hint(t!("job-no-register-hint")),
        );
    }
    if named != default && default.exists() {
        paths.push(default.to_path_buf());
    }
    let mut out = Vec::new();
    let mut seen = Vec::new();
    for p in &paths {
        let reg = Register::open_read_only(p, false)?;
        seen.push(std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()));
        out.push(reg);
    }
    let mut warnings = Vec::new();
    let mut warn = |what: String| {
        warnings.push(t!("index-warning", index = escape::path(index), what = what));
    };
    match register::index::read(index) {
        Ok((entries, problems)) => {
            problems.into_iter().for_each(&mut warn);
            for e in entries {
                let real = std::fs::canonicalize(&e.path).unwrap_or_else(|_| e.path.clone());
                if seen.contains(&real) {
                    continue;
                }
                match Register::open_read_only(&e.path, false) {
                    Ok(reg) => {
                        let found = reg.meta().ok().flatten().map(|m| m.register_id);
                        if found.as_deref() != Some(e.register_id.as_str()) {
                            warn(t!(
                                "index-replaced",
                                path = escape::path(&e.path),
                                found = found.as_deref().unwrap_or("(unknown)"),
                                id = e.register_id.as_str()
                            ));
                        }
                        seen.push(real);
                        out.push(reg);
                    }
                    Err(err) => warn(t!(
                        "index-unreadable",
                        id = e.register_id.as_str(),
                        path = escape::path(&e.path),
                        error = err.to_string()
                    )),
                }
            }
        }
        Err(e) => warn(t!("index-cannot-read", error = e.to_string())),
    }
    Ok((out, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identify::{Area, Bus, Drive, HiddenAreas, Probe};
    use crate::medium::Kind;

    #[test]
    fn a_carriers_journal_resumes_only_with_markers_its_register_recorded() {
        use crate::purge::Technique;
        let id = identity("S3Z1NB0K862928X", "ATA IDENTIFY DEVICE", false);
        let journal = |carrier: Option<&str>| -> crate::purge::Journal {
            let mut j = serde_json::json!({
                "format": crate::purge::JOURNAL_FORMAT,
                "target": id,
                "technique": "nvme-sanitize-block",
                "markers": { "token": "00112233", "offsets": [0, 1048576], "unit": 512, "sampled": [] },
                "started": "2026-12-01T00:00:00Z",
                "sent": "2026-12-01T00:00:01Z",
            });
            if let Some(c) = carrier {
                j["carrier"] = c.into();
            }
            serde_json::from_value(j).unwrap()
        };
        let t = Technique::NvmeSanitizeBlock;
        let j = journal(Some("C-2026-0001"));
        let genuine = vec!["0f".repeat(32), j.markers.digest()];
        assert_eq!(journal_problem(&j, &id, t, Some(("C-2026-0001", &genuine))), None);
        let why = journal_problem(&j, &id, t, Some(("C-2026-0001", &genuine[..1]))).unwrap();
        assert!(why.en().contains("its markers are not those"), "{why}");
        let why = journal_problem(&j, &id, t, None).unwrap();
        assert!(
            why.en().contains("resumed only with --carrier C-2026-0001"),
            "{why}"
        );
        // Outside the register there is no record to hold the journal to.
        assert_eq!(journal_problem(&journal(None), &id, t, None), None);
        let why = journal_problem(
            &j,
            &id,
            Technique::NvmeFormatUser,
            Some(("C-2026-0001", &genuine)),
        )
        .unwrap();
        assert!(
            why.en().contains("it is of --technique nvme-sanitize-block"),
            "{why}"
        );
    }

    fn identity(serial: &str, source: &str, bridges: bool) -> Identity {
        Identity {
            kind: Kind::BlockDevice,
            path: "/dev/sdz".into(),
            size: 1 << 30,
            device: Some("sdz".into()),
            devno: Some("8:240".into()),
            partition_of: None,
            serial: Some(serial.into()),
            serial_source: Some(source.into()),
            model: None,
            wwn: None,
            logical_sector: Some(512),
            physical_sector: Some(512),
            rotational: None,
            partitions: Vec::new(),
            labels: Vec::new(),
            inode: None,
            object: None,
            drive: Some(Drive {
                transport: Bus::Usb,
                usb_driver: Some("usb-storage".into()),
                serial: Some(serial.into()),
                serial_source: Some(source.into()),
                serial_is_bridges: bridges,
                model: None,
                firmware: None,
                wwn: None,
                layers: Vec::new(),
                ata: Probe::not_applicable("test"),
                nvme: Probe::not_applicable("test"),
                scsi: Probe::not_applicable("test"),
                hidden: HiddenAreas {
                    hpa: Area::None,
                    dco: Area::None,
                    host: Area::None,
                },
                exposed: None,
            }),
        }
    }

    #[test]
    fn a_carrier_is_not_named_by_a_bridge_or_a_placeholder() {
        // An empty sysfs: no other drive to share a serial with.
        let root = tempfile::tempdir().unwrap();
        let sys = Sys::at(root.path());
        let e = refuse_weak_serial(&identity("BRIDGE0042", "USB bridge descriptor", true), &sys).unwrap_err();
        assert_eq!(e.code, 3);
        assert!(e.message.en().contains("USB bridge's"), "{}", e.message);
        assert!(
            e.hint.as_deref().unwrap_or_default().contains("passes ATA"),
            "{e:?}"
        );
        let e = refuse_weak_serial(&identity("00000000", "ATA IDENTIFY DEVICE", false), &sys).unwrap_err();
        assert!(e.message.en().contains("placeholder"), "{}", e.message);
        assert!(refuse_weak_serial(&identity("WD-WX11A1234567", "ATA IDENTIFY DEVICE", false), &sys).is_ok());
    }
}
