//! `mediasan wipe`: arguments → a validated plan → for each target: open and
//! check, confirm, write every pass, report.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use anyhow::anyhow;
use serde_json::json;

use mediasan::checkpoint::{self, Checkpoint};
use mediasan::engine::{self, Options};
use mediasan::keys::Signer;
use mediasan::method::{self, PassTemplate};
use mediasan::register::{self, Register};
use mediasan::report::{MethodRecord, VerifyMode, WipeReport};
use mediasan::target::{escape_path, Access, Identity, Kind, Policy, Sys, Target};
use mediasan::verify::{fresh_seed, percent_down, Assurance};

use crate::cli::{BackedUp, WipeArgs};
use crate::ui::{bytes, json_line, Failure, Reporter};

/// The checks every block device passed before it may be written.
pub const BLOCK_CHECKS: &[&str] = &[
    "opened exclusively (O_EXCL): no mount, swap, RAID/LVM/dm or other wipe holds it",
    "neither it nor any partition is mounted (/proc/self/mountinfo)",
    "neither it nor any partition is active swap (/proc/swaps)",
    "no holders on it or its partitions (/sys/block/*/holders)",
    "it does not back the root file system",
    "writable (sysfs ro and BLKROGET)",
    "serial number readable",
    "no other process holds it or a partition open for writing (/proc/*/fd)",
    "a loop device: its backing object (LOOP_GET_STATUS64) is a file, backs no other loop device and is not swap",
];

/// A wipe, validated once from the command line.
pub struct Plan {
    pub method: String,
    pub passes: Vec<PassTemplate>,
    pub blank: bool,
    pub options: Options,
    pub dry_run: bool,
    pub json: bool,
    pub confirm: Vec<String>,
    pub result: Option<PathBuf>,
    /// Where a signed wipe's certificate goes.
    pub cert_dir: PathBuf,
    /// Continue from the target's checkpoint.
    pub resume: bool,
    pub checkpoint_dir: PathBuf,
    /// What the target checks allow (`--allow-open-by`).
    pub policy: Policy,
    /// For the certificate (NIST SP 800-88 r1 Appendix G): was the data backed up, where.
    pub backed_up: BackedUp,
    pub backup_location: Option<String>,
}

impl Plan {
    pub fn from_args(args: &WipeArgs) -> Result<Plan, Failure> {
        let (name, mut passes) = match (&args.method, &args.passes) {
            (Some(name), _) => {
                let m = method::find(name).ok_or_else(|| {
                    Failure::usage(anyhow!("unknown method {name:?}"))
                        .hint("`mediasan methods` lists them; --passes takes a custom sequence")
                })?;
                (m.name.to_string(), m.passes.to_vec())
            }
            (None, Some(list)) => {
                let passes = method::parse_passes(list).map_err(|e| {
                    Failure::usage(anyhow!("--passes: {e}")).hint("example: --passes 0x00,0xFF,0x55AA,random")
                })?;
                ("custom".to_string(), passes)
            }
            (None, None) => ("random".to_string(), vec![PassTemplate::Random]),
        };
        if args.blank {
            passes.push(method::blank_pass());
        }
        if args.result.is_some() && args.targets.len() > 1 {
            return Err(Failure::usage(anyhow!(
                "--result takes one target; {} were named",
                args.targets.len()
            ))
            .hint("wipe the targets one by one, each with its own --result, or use --json"));
        }
        let mut options = Options::default();
        if let Some(b) = args.block_size {
            if b == 0 || b % 4096 != 0 || b > (256 << 20) {
                return Err(Failure::usage(anyhow!(
                    "--block-size must be a multiple of 4096 up to 256 MiB"
                )));
            }
            options.block_size = b;
        }
        if let Some(t) = args.threads {
            options.threads = t.clamp(1, 256);
        }
        options.verify.mode = args.verify;
        options.verify.coverage_ppm = super::parse_coverage(&args.coverage)?;
        if args.resume && args.verify == VerifyMode::None {
            return Err(Failure::usage(anyhow!(
                "--verify none cannot go with --resume: a resumed wipe proves its last pass by reading it back"
            ))
            .hint("leave --verify out (a sample), or ask for last or all"));
        }
        // A method whose standard requires its random pass verified gets it verified,
        // whatever passes follow (--blank), and never --verify none.
        let required = method::find(&name).and_then(|m| m.verified_pass);
        if required.is_some() && args.verify == VerifyMode::None {
            return Err(
                Failure::usage(anyhow!("{name} requires its random pass to be verified"))
                    .hint("use --verify sample (the default), last or all"),
            );
        }
        options.verify.required = required;
        Ok(Plan {
            method: name,
            passes,
            blank: args.blank,
            options,
            dry_run: args.dry_run,
            json: args.json,
            confirm: args.confirm.clone(),
            result: args.result.clone(),
            cert_dir: args.cert_dir.clone(),
            resume: args.resume,
            checkpoint_dir: args.checkpoint_dir.clone(),
            policy: Policy {
                allow_open_by: args.allow_open_by.clone(),
            },
            backed_up: args.backed_up,
            backup_location: args.backup_location.clone(),
        })
    }

    fn labels(&self) -> Vec<String> {
        self.passes.iter().map(method::describe).collect()
    }
}

pub fn run(args: WipeArgs) -> Result<u8, Failure> {
    let plan = Plan::from_args(&args).inspect_err(|f| {
        if args.json {
            json_line(&json!({
                "event": "error", "target": null, "exit_code": f.code,
                "error": format!("{:#}", f.error), "hint": f.hint,
            }));
        }
    })?;
    let sys = Sys::host();
    let targets = if args.recursive {
        expand_dirs(&args.targets, plan.json)?
    } else {
        args.targets.clone()
    };
    if args.carrier.is_some() && targets.len() != 1 {
        return Err(Failure::usage(anyhow!(
            "--carrier names one carrier: give one target"
        )));
    }
    // A registered carrier's wipe: the register, the key and the approval come first
    // (the key is unlocked before any byte is written, never after hours of writing).
    let mut link = match &args.carrier {
        Some(id) if !plan.dry_run || args.acting.key.is_some() || args.acting.agent.is_some() => {
            Some(Link::open(&args, id)?)
        }
        _ => None,
    };
    // A wipe of an unregistered target is signed too when a key is given; the key is
    // unlocked now, before any byte is written.
    let keyed = args.acting.key.is_some() || args.acting.agent.is_some();
    let lone = match (&args.carrier, keyed, plan.dry_run) {
        (None, true, false) => Some(super::register::acting(&args.acting)?),
        _ => None,
    };
    // Without --carrier, a device that is a registered carrier is refused: there is no
    // way round the approval.
    let guards = if args.carrier.is_none() {
        guards(&args.register.path, &args.register.index)?
    } else {
        Vec::new()
    };
    let mut code = 0u8;
    for path in &targets {
        if stop_requested() {
            errln!("{}: skipped: the wipe was interrupted", escape_path(path));
            if plan.json {
                json_line(
                    &json!({ "event": "skipped", "target": escape_path(path), "reason": "interrupted" }),
                );
            }
            continue;
        }
        let c = match wipe_target(path, &plan, &sys, link.as_mut(), &guards, lone.as_ref()) {
            Ok(Some(report)) => report.outcome.exit_code(),
            Ok(None) => 0,
            Err(f) => {
                if plan.json {
                    json_line(&json!({
                        "event": "error", "target": escape_path(path), "exit_code": f.code,
                        "error": format!("{:#}", f.error), "hint": f.hint,
                    }));
                }
                f.print();
                f.code
            }
        };
        code = code.max(c);
    }
    Ok(code)
}

/// Every register that may hold the target: the one named (--register,
/// MEDIASAN_REGISTER), which must exist, the default one, and every register in the
/// machine's index, so that naming another register hides no carrier. An indexed
/// register that cannot be read is a warning: its carriers are not checked.
fn guards(named: &Path, index: &Path) -> Result<Vec<Register>, Failure> {
    let default = Path::new(register::DEFAULT_PATH);
    let mut paths = Vec::new();
    if named.exists() {
        paths.push(named.to_path_buf());
    } else if named != default {
        return Err(
            Failure::usage(anyhow!("--register {}: no register there", escape_path(named)))
                .hint("name the register that holds the carriers, or leave --register out"),
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
    let warn = |what: String| errln!("warning: the register index {}: {what}", escape_path(index));
    match register::index::read(index) {
        Ok((entries, problems)) => {
            problems.into_iter().for_each(warn);
            for e in entries {
                let real = std::fs::canonicalize(&e.path).unwrap_or_else(|_| e.path.clone());
                if seen.contains(&real) {
                    continue;
                }
                match Register::open_read_only(&e.path, false) {
                    Ok(reg) => {
                        let found = reg.meta().ok().flatten().map(|m| m.register_id);
                        if found.as_deref() != Some(e.register_id.as_str()) {
                            warn(format!(
                                "{} holds register {}, not {} as indexed: the register there was replaced",
                                escape_path(&e.path),
                                found.as_deref().unwrap_or("(unknown)"),
                                e.register_id
                            ));
                        }
                        seen.push(real);
                        out.push(reg);
                    }
                    Err(err) => warn(format!(
                        "register {} at {} cannot be read, so its carriers are not checked: {err}",
                        e.register_id,
                        escape_path(&e.path)
                    )),
                }
            }
        }
        Err(e) => warn(format!("cannot be read, so its registers are not checked: {e}")),
    }
    Ok(out)
}

/// `-r`: the regular files under each directory (a named file stays as it is), in
/// order, without following symbolic links, without leaving the directory's file
/// system, without device nodes, FIFOs or sockets.
fn expand_dirs(targets: &[PathBuf], json: bool) -> Result<Vec<PathBuf>, Failure> {
    use std::os::unix::fs::MetadataExt;
    let mut out = Vec::new();
    for top in targets {
        let meta = std::fs::symlink_metadata(top)
            .map_err(|e| Failure::usage(anyhow!("{}: {e}", escape_path(top))))?;
        if !meta.is_dir() {
            out.push(top.clone());
            continue;
        }
        let dev = meta.dev();
        let mut todo = vec![top.clone()];
        while let Some(dir) = todo.pop() {
            let mut entries: Vec<_> = std::fs::read_dir(&dir)
                .map_err(|e| Failure::usage(anyhow!("{}: cannot list it: {e}", escape_path(&dir))))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .collect();
            entries.sort();
            for path in entries.into_iter().rev() {
                let Ok(m) = std::fs::symlink_metadata(&path) else {
                    continue;
                };
                let skip = |why: &str| {
                    if json {
                        json_line(
                            &json!({ "event": "skipped", "target": escape_path(&path), "reason": why }),
                        );
                    } else {
                        errln!("{}: skipped: {why}", escape_path(&path));
                    }
                };
                if m.dev() != dev {
                    skip("on another file system");
                } else if m.file_type().is_symlink() {
                    skip("a symbolic link (never followed)");
                } else if m.is_dir() {
                    todo.push(path);
                } else if m.is_file() {
                    out.push(path);
                } else {
                    skip("not a regular file");
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Progress that also keeps the checkpoint: passes done, and where the wipe stands
/// each time the engine says the data is synced.
struct Keeper<'a> {
    inner: &'a Reporter,
    state: std::cell::RefCell<Checkpoint>,
    path: PathBuf,
    /// Saving failed once (a folder that cannot be written): said once, not every 2 s.
    failed: std::cell::Cell<bool>,
    /// A carrier's wipe: the register records each finished pass, signed.
    link: std::cell::RefCell<Option<&'a mut Link>>,
    patterns: &'a [mediasan::pattern::Pattern],
    /// Recording a pass failed once: said once.
    unrecorded: std::cell::Cell<bool>,
}

impl engine::Progress for Keeper<'_> {
    fn pass_started(&self, index: usize, count: usize, pattern: &str, bytes: u64) {
        self.inner.pass_started(index, count, pattern, bytes);
    }
    fn advanced(&self, done: u64) {
        self.inner.advanced(done);
    }
    fn pass_finished(&self, pass: &mediasan::report::PassReport) {
        if pass.completed {
            self.record(pass);
            // The pass is synced and whole: the checkpoint moves to the next one.
            let mut s = self.state.borrow_mut();
            s.done.push(pass.clone());
            s.pass = pass.index as usize + 1;
            s.offset = 0;
            s.unwritten = Vec::new();
            self.save(&mut s);
        }
        self.inner.pass_finished(pass);
    }
    fn synced(&self, index: usize, offset: u64, unwritten: &[mediasan::verify::Span]) {
        let mut s = self.state.borrow_mut();
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
    fn verify_finished(&self, pass: &mediasan::report::PassVerification) {
        self.inner.verify_finished(pass);
    }
}

impl Keeper<'_> {
    /// Records a finished pass of a carrier's wipe in the register: what a resume
    /// may count without writing it again.
    fn record(&self, pass: &mediasan::report::PassReport) {
        let mut link = self.link.borrow_mut();
        let (Some(l), Some(wipe)) = (link.as_deref_mut(), self.state.borrow().wipe) else {
            return;
        };
        let index = pass.index as usize;
        let finished = register::rules::PassFinished {
            wipe,
            pass: pass.index,
            of: self.patterns.len() as u32,
            pattern: pass.pattern.clone(),
            key_sha256: self
                .patterns
                .get(index.wrapping_sub(1))
                .and_then(checkpoint::key_digest),
            bytes: pass.bytes,
        };
        if let Err(e) = l.reg.pass_finished(&l.signer, &l.carrier.id, &finished) {
            if !self.unrecorded.replace(true) {
                errln!(
                    "warning: the register could not record pass {}: {e}; a resumed wipe will write it again",
                    pass.index
                );
            }
        }
    }

    fn save(&self, s: &mut Checkpoint) {
        if self.failed.get() {
            return;
        }
        s.saved = chrono::Utc::now();
        if let Err(e) = s.save(&self.path) {
            self.failed.set(true);
            errln!(
                "warning: cannot save the checkpoint {}: {e}; this wipe cannot be resumed (see --checkpoint-dir)",
                escape_path(&self.path)
            );
        }
    }
}

/// A wipe of a registered carrier: the register, the operator's unlocked key, the
/// carrier and the approval the wipe uses.
pub struct Link {
    pub reg: Register,
    pub signer: Signer,
    pub carrier: register::Carrier,
    pub approval: register::Approval,
}

impl Link {
    fn open(args: &WipeArgs, carrier: &str) -> Result<Link, Failure> {
        let signer = super::register::acting(&args.acting)?;
        let reg = Register::open(&args.register.path)?;
        Link::new(reg, signer, carrier)
    }

    /// Checks the carrier and finds the approval that lets this operator wipe it now.
    pub fn new(reg: Register, signer: Signer, carrier: &str) -> Result<Link, Failure> {
        let c = reg.carrier(carrier)?.ok_or_else(|| {
            Failure::refused(anyhow!(
                "no carrier {carrier} in the register {}",
                escape_path(reg.path())
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

/// Opens, checks, confirms and wipes one target. `Ok(None)` for a dry run.
pub fn wipe_target(
    path: &Path,
    plan: &Plan,
    sys: &Sys,
    mut link: Option<&mut Link>,
    guards: &[Register],
    lone: Option<&Signer>,
) -> Result<Option<WipeReport>, Failure> {
    let access = if plan.dry_run {
        Access::Check
    } else {
        Access::Write
    };
    let mut target = Target::open_with(path, sys, access, &plan.policy).map_err(|e| {
        let code = e.exit_code();
        let hint = e.hint();
        let f = Failure::new(code, e);
        match hint {
            Some(h) => f.hint(h),
            None => f,
        }
    })?;
    let identity = target.identity.clone();
    if let Some(l) = link.as_deref() {
        if !identity.is_carrier(&l.carrier.serial) {
            return Err(Failure::refused(anyhow!(
                "{}: this is not carrier {}: it reports {:?}, the register has serial {:?}",
                identity.path,
                l.carrier.id,
                identity.register_identity().unwrap_or("no serial"),
                l.carrier.serial
            ))
            .hint("check the device you attached against the carrier's label"));
        }
    } else {
        let mut registered = Vec::new();
        for g in guards {
            registered.extend(
                g.carriers_naming(&identity)?
                    .into_iter()
                    .filter(|c| c.status != register::Status::Disposed),
            );
        }
        if let Some(c) = registered.first() {
            return Err(Failure::refused(anyhow!(
                "{}: this device is the registered carrier {} ({}): it is wiped only with --carrier {} and an approval",
                identity.path,
                c.id,
                c.classification.name(),
                c.id
            ))
            .hint(format!("mediasan wipe {} --carrier {} --key YOUR_KEY …", identity.path, c.id)));
        }
    }
    if plan.dry_run {
        print_plan(&identity, plan);
        return Ok(None);
    }
    if let Some(p) = &plan.result {
        check_result_path(p, &identity)?;
    }
    if identity.kind == Kind::BlockDevice {
        confirm(&identity, &plan.confirm)?;
    }
    // The result's file is created before any byte is written (beside its final
    // place, renamed into it at the end): a wipe must not end in a result that
    // cannot be saved, nor leave a half-written one.
    let mut result_file = match &plan.result {
        Some(p) => Some(result_temp(p)?),
        None => None,
    };
    // A new wipe draws its randomness; a resumed one takes the checkpoint's, so that
    // it goes on with the same keys, passes and sample.
    let cp_path = checkpoint::path_for(&plan.checkpoint_dir, &identity);
    let mut options = plan.options;
    let (patterns, record, from, prior) = if plan.resume {
        let cp = Checkpoint::load(&cp_path).map_err(|e| {
            Failure::usage(anyhow!(
                "{}: no checkpoint to resume from ({}): {e}",
                identity.path,
                escape_path(&cp_path)
            ))
            .hint("start the wipe again without --resume")
        })?;
        let refused = |why: String| {
            Failure::refused(anyhow!(
                "{}: the checkpoint {} is refused: {why}",
                identity.path,
                escape_path(&cp_path)
            ))
            .hint("start the wipe again without --resume; nothing was written")
        };
        let patterns = cp.check(&identity).map_err(refused)?;
        let carrier = link.as_deref().map(|l| l.carrier.id.as_str());
        if cp.carrier.is_some() && cp.carrier.as_deref() != carrier {
            return Err(refused(format!(
                "it is the wipe of carrier {}, resumed only with --carrier {0}",
                cp.carrier.as_deref().unwrap_or_default()
            )));
        }
        // Passes count only where the register records them; the checkpoint alone
        // vouches for nothing that is not written again.
        let proven = match (link.as_deref(), cp.wipe) {
            (Some(l), Some(wipe)) => l.reg.finished_passes(&l.carrier.id, wipe)?,
            _ => Vec::new(),
        };
        let from = cp.resume_point(&patterns, &proven);
        // Never less verification than asked for now, and never none: a resumed
        // wipe proves its last pass by reading it back.
        let asked = plan.options.verify;
        options.verify.mode = cp.verify.max(asked.mode).max(VerifyMode::Sample);
        options.verify.coverage_ppm = cp.coverage_ppm.max(asked.coverage_ppm);
        options.verify.seed = cp.seed;
        options.verify.required = method::find(&cp.method.name).and_then(|m| m.verified_pass);
        options.block_size = cp.block_size as usize;
        if from.pass + 1 < cp.pass {
            errln!(
                "{}: the checkpoint says {} pass(es) are done; the register records {}: from pass {} on, every pass is written again",
                identity.path,
                cp.pass - 1,
                from.pass,
                from.pass + 1
            );
        }
        errln!(
            "{}: resuming pass {} of {} at byte {}",
            identity.path,
            from.pass + 1,
            patterns.len(),
            from.offset
        );
        (patterns, cp.method.clone(), Some(from), Some(cp))
    } else {
        let patterns = method::expand(&plan.passes).map_err(|e| {
            Failure::new(
                1,
                anyhow!("cannot read the OS entropy source for the random keys: {e}"),
            )
        })?;
        let record = MethodRecord {
            name: plan.method.clone(),
            passes: plan.labels(),
            blank: plan.blank,
        };
        // A fresh sampling plan for every wipe; the seed goes into the result.
        options.verify.seed = fresh_seed().map_err(|e| {
            Failure::new(
                1,
                anyhow!("cannot read the OS entropy source for the sample seed: {e}"),
            )
        })?;
        (patterns, record, None, None)
    };
    if !plan.json {
        errln!(
            "{}: wiping {} with {} ({} pass{})",
            identity.path,
            bytes(identity.size),
            record.name,
            patterns.len(),
            if patterns.len() == 1 { "" } else { "es" }
        );
    }
    // The register learns of the wipe before the first byte is written.
    let started = match link.as_deref_mut() {
        Some(l) => {
            let ev = l.reg.wipe_started(
                &l.signer,
                &l.carrier.id,
                &l.approval.id,
                &l.carrier.serial,
                &identity.path,
                &plan.method,
            )?;
            let register_id = l.reg.meta()?.map(|m| m.register_id).unwrap_or_default();
            Some(mediasan::report::RegisterLink {
                register_id,
                carrier: l.carrier.id.clone(),
                approval: l.approval.id.clone(),
                wipe_started_seq: ev.seq,
                wipe_started_hash: ev.hash,
            })
        }
        None => None,
    };
    let reporter = Reporter::new(&identity.path, plan.json);
    let now = chrono::Utc::now();
    let mut resumed = prior.as_ref().map(|c| c.resumed.clone()).unwrap_or_default();
    if let Some(f) = &from {
        resumed.push((now, f.pass + 1, f.offset));
    }
    // The register records each finished pass under the wipe's first wipe-started.
    let wipe = prior
        .as_ref()
        .and_then(|c| c.wipe)
        .or(started.as_ref().map(|s| s.wipe_started_seq));
    let state = Checkpoint {
        format: checkpoint::FORMAT.into(),
        target: identity.clone(),
        method: record.clone(),
        passes: patterns.iter().map(checkpoint::PassSpec::of).collect(),
        verify: options.verify.mode,
        coverage_ppm: options.verify.coverage_ppm,
        seed: options.verify.seed,
        block_size: options.block_size as u64,
        pass: 1,
        offset: 0,
        unwritten: Vec::new(),
        done: from.as_ref().map(|f| f.done.clone()).unwrap_or_default(),
        started: prior.as_ref().map_or(now, |c| c.started),
        saved: now,
        resumed: resumed.clone(),
        carrier: link.as_deref().map(|l| l.carrier.id.clone()),
        wipe,
    };
    let keeper = Keeper {
        inner: &reporter,
        state: std::cell::RefCell::new(state),
        path: cp_path.clone(),
        failed: std::cell::Cell::new(false),
        link: std::cell::RefCell::new(link),
        patterns: &patterns,
        unrecorded: std::cell::Cell::new(false),
    };
    let mut report = engine::resume(&mut target, record, &patterns, options, from, arm_stop(), &keeper);
    let link = keeper.link.into_inner();
    drop(target);
    report.register = started;
    if let Some(c) = &prior {
        report.started = c.started;
    }
    report.resumed = resumed
        .iter()
        .map(|(at, pass, offset)| mediasan::report::Resumption {
            at: *at,
            pass: *pass as u32,
            offset: *offset,
        })
        .collect();
    if report.outcome == mediasan::report::Outcome::Interrupted {
        if cp_path.exists() {
            errln!(
                "{}: interrupted; resume with: {}",
                identity.path,
                resume_command(plan, &identity, link.as_deref().map(|l| l.carrier.id.as_str()))
            );
        }
    } else {
        let _ = std::fs::remove_file(&cp_path);
    }
    let text = serde_json::to_string_pretty(&report)
        .map(|t| t + "\n")
        .unwrap_or_default();
    let mut certificate = None;
    if let Some(l) = link {
        let digest = sha256_hex(text.as_bytes());
        let finished = l.reg.wipe_finished(
            &l.signer,
            &l.carrier.id,
            &register::rules::WipeFinished {
                outcome: report.outcome.name().into(),
                result_sha256: digest,
                bytes_written: report.bytes_written,
                verification: report.verification.result.clone(),
                unwritten: report.unwritten.clone(),
            },
        );
        let event = match finished {
            Ok(ev) => ev,
            Err(e) => {
                print_summary(&report, plan);
                return Err(Failure::new(
                    1,
                    anyhow!(
                        "the wipe ended {} but the register could not record it: {e}",
                        report.outcome.name()
                    ),
                ));
            }
        };
        let signing = super::cert::Signing {
            signer: &l.signer,
            register: Some(&mut l.reg),
            carrier: Some(&l.carrier),
            approval: Some(&l.approval.id),
            event: Some(&event),
            backed_up: plan.backed_up.name(),
            backup_location: plan.backup_location.as_deref(),
        };
        certificate = Some(super::cert::issue(&plan.cert_dir, &report, &identity, signing));
    } else if let Some(signer) = lone {
        let signing = super::cert::Signing {
            signer,
            register: None,
            carrier: None,
            approval: None,
            event: None,
            backed_up: plan.backed_up.name(),
            backup_location: plan.backup_location.as_deref(),
        };
        certificate = Some(super::cert::issue(&plan.cert_dir, &report, &identity, signing));
    }
    if let (Some(tmp), Some(path)) = (result_file.take(), &plan.result) {
        if let Err(e) = save_result(tmp, path, &text) {
            // The wipe happened; say so, and fail loudly about the record.
            print_summary(&report, plan);
            return Err(Failure::new(
                1,
                anyhow!(
                    "the wipe ended {:?} but its result could not be saved to {}: {e}",
                    report.outcome,
                    escape_path(path)
                ),
            ));
        }
    }
    match certificate {
        Some(Ok(path)) if plan.json => {
            json_line(&json!({ "event": "certificate", "path": escape_path(&path) }))
        }
        Some(Ok(path)) => outln!("certificate: {}", escape_path(&path)),
        Some(Err(f)) => {
            print_summary(&report, plan);
            let error = anyhow!(
                "the wipe ended {} but its certificate could not be written: {:#}",
                report.outcome.name(),
                f.error
            );
            // The wipe happened: failing to certify it is a failure, whatever the cause.
            return Err(Failure { error, code: 1, ..f });
        }
        None => {}
    }
    print_summary(&report, plan);
    Ok(Some(report))
}

/// The verification in words: what was read, what it found, what it proves.
pub fn print_verification(v: &mediasan::report::Verification) {
    if v.mode == VerifyMode::None {
        outln!("  verification: none (--verify none)");
        return;
    }
    for p in &v.passes {
        let r = &p.readback;
        let what = match &p.sample {
            Some(s) => format!(
                "sample of {} ({} locations in {} subsections, seed {})",
                percent_down(s.covered_ppm),
                s.locations,
                s.subsections,
                s.seed
            ),
            None => "every byte".into(),
        };
        let found = if p.matched {
            "match".to_string()
        } else if r.mismatched_bytes > 0 {
            let first: Vec<String> = r
                .mismatches
                .iter()
                .take(5)
                .map(|m| format!("{}+{}", m.offset, m.length))
                .collect();
            format!(
                "MISMATCH: {} byte(s) differ, first at {}",
                r.mismatched_bytes,
                first.join(", ")
            )
        } else if r.interrupted {
            "interrupted".into()
        } else {
            format!("INCOMPLETE: {} read error(s)", r.read_errors.len())
        };
        outln!(
            "  verified pass {} ({}): {what}, {} read in {}.{:03} s: {found}",
            p.pass,
            p.pattern,
            bytes(r.bytes_read),
            r.milliseconds / 1000,
            r.milliseconds % 1000
        );
    }
    if v.passes.is_empty() {
        outln!("  verification: not run (the wipe did not finish)");
    }
    if let Some(c) = &v.cache {
        outln!("  page cache: {}", c.page_cache);
        for n in &c.not_bypassed {
            outln!("  not bypassed: {n}");
        }
    }
    if let Some(Assurance { statement, .. }) = &v.assurance {
        outln!("  assurance: {statement}");
    }
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    mediasan::register::event::hex(&sha2::Sha256::digest(data))
}

fn print_summary(report: &WipeReport, plan: &Plan) {
    if plan.json {
        json_line(&json!({ "event": "result", "result": report }));
        return;
    }
    let ms = report.passes.iter().map(|p| p.milliseconds).sum::<u64>();
    outln!(
        "{}: {} — {} of {} passes, {} written in {}.{:03} s",
        report.target.path,
        report.outcome.name(),
        report.passes.iter().filter(|p| p.completed).count(),
        report.method.passes.len(),
        bytes(report.bytes_written),
        ms / 1000,
        ms % 1000,
    );
    for p in &report.passes {
        for e in &p.errors {
            match e.offset {
                Some(o) => errln!(
                    "  pass {}: {} failed at offset {o} ({} bytes): {}",
                    p.index,
                    e.operation,
                    e.length,
                    e.error
                ),
                None => errln!("  pass {}: {} failed: {}", p.index, e.operation, e.error),
            }
        }
    }
    if !report.unwritten.is_empty() {
        let lost: u64 = report.unwritten.iter().map(|s| s.length).sum();
        let first: Vec<String> = report
            .unwritten
            .iter()
            .take(5)
            .map(|s| format!("{}+{}", s.offset, s.length))
            .collect();
        errln!(
            "  UNWRITTEN: {} region(s), {} ({} bytes) could not be written: {}{}",
            report.unwritten.len(),
            bytes(lost),
            lost,
            first.join(", "),
            if report.unwritten.len() > 5 { ", …" } else { "" }
        );
        if let Some(e) = report.passes.iter().find_map(|p| p.write_error.as_deref()) {
            errln!("  first write error: {e}");
        }
    }
    print_verification(&report.verification);
    if report.outcome != mediasan::report::Outcome::Sanitised {
        errln!(
            "{}: NOT sanitised: the medium may still hold data.\nhint: find the cause above, then wipe it again; a medium that cannot be written must be destroyed physically",
            report.target.path
        );
    }
    if let Some(r) = &plan.result {
        outln!("result: {}", escape_path(r));
    }
}

static STOP: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Installs the SIGINT/SIGTERM handlers, right before the first write: until then a
/// signal ends mediasan at once (nothing has been written). After it, a signal stops
/// the wipe after the current block; a second SIGINT ends the process at once
/// (exit 130) for a wipe stuck on a dying device.
fn arm_stop() -> &'static AtomicBool {
    STOP.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        use signal_hook::consts::{SIGINT, SIGTERM};
        let _ = signal_hook::flag::register_conditional_shutdown(SIGINT, 130, Arc::clone(&flag));
        for sig in [SIGINT, SIGTERM] {
            let _ = signal_hook::flag::register(sig, Arc::clone(&flag));
        }
        flag
    })
}

fn stop_requested() -> bool {
    STOP.get().is_some_and(|f| f.load(Ordering::SeqCst))
}

/// Refuses a `--result` path that would destroy something: an existing node that is
/// not a regular file (`/dev/sdc` by a slip of the finger), or the target itself.
fn check_result_path(path: &Path, target: &Identity) -> Result<(), Failure> {
    use std::os::unix::fs::MetadataExt;
    let shown = escape_path(path);
    if let Ok(meta) = std::fs::metadata(path) {
        if !meta.is_file() {
            return Err(Failure::usage(anyhow!(
                "--result {shown}: exists and is not a regular file"
            )));
        }
        let same = target.inode == Some(meta.ino())
            && target.devno.as_deref()
                == Some(&*format!(
                    "{}:{}",
                    libc::major(meta.dev()),
                    libc::minor(meta.dev())
                ));
        if same {
            return Err(Failure::usage(anyhow!("--result {shown}: is the target itself")));
        }
    }
    let dir = result_dir(path);
    if !dir.is_dir() {
        return Err(Failure::usage(anyhow!(
            "--result {shown}: cannot create the result file: no folder {}",
            escape_path(dir)
        )));
    }
    Ok(())
}

fn result_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

fn result_temp(path: &Path) -> Result<tempfile::NamedTempFile, Failure> {
    tempfile::Builder::new()
        .prefix(".mediasan-result-")
        .tempfile_in(result_dir(path))
        .map_err(|e| {
            Failure::usage(anyhow!(
                "--result {}: cannot create the result file: {e}",
                escape_path(path)
            ))
        })
}

fn save_result(mut tmp: tempfile::NamedTempFile, path: &Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    tmp.write_all(text.as_bytes())?;
    // A record for auditors, readable by all (its keys protect nothing any more).
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Requires the device's serial: from `--confirm`, or typed at a prompt after a
/// screen that shows what is about to be destroyed.
fn confirm(id: &Identity, given: &[String]) -> Result<(), Failure> {
    let Some(serial) = id.serial.as_deref() else {
        return Err(Failure::refused(anyhow!(
            "{}: the device's serial number cannot be read",
            id.path
        )));
    };
    if !given.is_empty() {
        if given.iter().any(|g| g == serial) {
            return Ok(());
        }
        return Err(Failure::refused(anyhow!(
            "{}: --confirm {} does not match the device's serial {serial:?}",
            id.path,
            given
                .iter()
                .map(|g| format!("{g:?}"))
                .collect::<Vec<_>>()
                .join(", "),
        ))
        .hint("check that this is the device you mean (mediasan wipe --dry-run shows its identity)"));
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Failure::refused(anyhow!(
            "{}: writing a block device needs its serial number confirmed",
            id.path
        ))
        .hint(format!(
            "check the device with --dry-run, then pass --confirm {}",
            shell_quote(serial)
        )));
    }
    errln!("\nmediasan is about to DESTROY every byte of this device:\n");
    {
        let mut e = std::io::stderr().lock();
        let _ = write!(
            e,
            "{}\nType the serial number to confirm, or press Enter to cancel: ",
            identity_screen(id)
        );
        let _ = e.flush();
    }
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    if line.trim_end_matches(['\n', '\r']) == serial {
        Ok(())
    } else {
        Err(Failure::refused(anyhow!(
            "{}: not confirmed; nothing was written",
            id.path
        )))
    }
}

fn identity_screen(id: &Identity) -> String {
    let mut s = String::new();
    let mut row = |k: &str, v: String| s.push_str(&format!("  {k:<10} {v}\n"));
    row(
        "device",
        format!("{} ({})", id.path, id.device.as_deref().unwrap_or("?")),
    );
    if let Some(p) = &id.partition_of {
        row("partition", format!("of {p}"));
    }
    row("model", id.model.clone().unwrap_or_else(|| "unknown".into()));
    row(
        "serial",
        format!(
            "{} ({})",
            id.serial.as_deref().unwrap_or("unreadable"),
            id.serial_source.as_deref().unwrap_or("-")
        ),
    );
    if let Some(w) = &id.wwn {
        row("wwn", w.clone());
    }
    row(
        "size",
        format!(
            "{} ({} bytes), logical sector {}, physical {}",
            bytes(id.size),
            id.size,
            id.logical_sector.unwrap_or(0),
            id.physical_sector.unwrap_or(0)
        ),
    );
    row(
        "partitions",
        if id.partitions.is_empty() {
            "none".into()
        } else {
            id.partitions.join(", ")
        },
    );
    row(
        "labels",
        if id.labels.is_empty() {
            "none known to udev".into()
        } else {
            id.labels.join("; ")
        },
    );
    s
}

/// The command that resumes an interrupted wipe of `id`, with what it needs.
fn resume_command(plan: &Plan, id: &Identity, carrier: Option<&str>) -> String {
    let mut words = vec!["mediasan".to_string(), "wipe".into(), "--resume".into()];
    if let Some(c) = carrier {
        words.extend(["--carrier".into(), shell_quote(c)]);
    }
    if id.kind == Kind::BlockDevice {
        if let Some(serial) = &id.serial {
            words.extend(["--confirm".into(), shell_quote(serial)]);
        }
    }
    if plan.checkpoint_dir != Path::new(checkpoint::DEFAULT_DIR) {
        words.extend([
            "--checkpoint-dir".into(),
            shell_quote(&escape_path(&plan.checkpoint_dir)),
        ]);
    }
    words.push(shell_quote(&id.path));
    words.join(" ")
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./:".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// An assumed sustained write rate for the estimate, stated with it.
fn assumed_rate(id: &Identity) -> (u64, &'static str) {
    match (id.kind, id.rotational) {
        (Kind::BlockDevice, Some(true)) => (150_000_000, "150 MB/s, a typical rotational disk"),
        (Kind::BlockDevice, _) => (400_000_000, "400 MB/s, a typical SATA SSD"),
        (Kind::File, _) => (400_000_000, "400 MB/s"),
    }
}

fn print_plan(id: &Identity, plan: &Plan) {
    let labels = plan.labels();
    let total = id.size.saturating_mul(labels.len() as u64);
    let (rate, why) = assumed_rate(id);
    let v = plan.options.verify;
    let unit = u64::from(id.logical_sector.unwrap_or(4096));
    let reads = match v.mode {
        VerifyMode::None => 0,
        VerifyMode::Sample => mediasan::verify::SamplePlan::new(id.size, unit, v.coverage_ppm, 0).bytes(),
        VerifyMode::Last => id.size,
        VerifyMode::All => total,
    };
    let seconds = (total + reads).div_ceil(rate);
    let checks: &[&str] = match id.kind {
        Kind::BlockDevice => BLOCK_CHECKS,
        Kind::File => &["regular file, opened for reading; nothing else is checked for files"],
    };
    if plan.json {
        json_line(&json!({
            "event": "plan", "target": id, "confirm": id.serial, "checks": checks,
            "method": plan.method, "passes": labels, "bytes": total,
            "verify": v.mode, "coverage_ppm": v.coverage_ppm, "read_bytes": reads,
            "estimate_seconds": seconds, "assumed_rate": rate,
        }));
        return;
    }
    outln!("dry run: nothing will be written\n");
    match id.kind {
        Kind::BlockDevice => outln!("{}", identity_screen(id).trim_end()),
        Kind::File => outln!("  {:<10} {} (file, {} bytes)", "file", id.path, id.size),
    }
    outln!("\nchecks passed:");
    for c in checks {
        outln!("  - {c}");
    }
    outln!("\nmethod: {} — {}", plan.method, labels.join(", "));
    outln!(
        "writes: {} pass{} × {} = {}",
        labels.len(),
        if labels.len() == 1 { "" } else { "es" },
        bytes(id.size),
        bytes(total)
    );
    let verify = match v.mode {
        VerifyMode::None => "none".to_string(),
        VerifyMode::Sample => format!(
            "the last pass, sampled (at least {})",
            percent_down(u64::from(v.coverage_ppm))
        ),
        VerifyMode::Last => "the last pass, every byte".into(),
        VerifyMode::All => "every pass, every byte".into(),
    };
    outln!("verify: {verify}: reads {}", bytes(reads));
    outln!("estimate: about {} at an assumed {why}", duration(seconds));
    if let (Kind::BlockDevice, Some(serial)) = (id.kind, &id.serial) {
        outln!(
            "\nto wipe it: mediasan wipe {} --confirm {}",
            id.path,
            shell_quote(serial)
        );
    }
    if id.kind == Kind::File {
        outln!("\nnote: copy-on-write and journalling file systems and flash media may keep old copies of a file's data that overwriting it cannot reach.");
    }
}

fn duration(s: u64) -> String {
    match s {
        0..=59 => format!("{s} s"),
        60..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, s % 3600 / 60),
    }
}
