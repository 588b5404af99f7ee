//! `mediasan wipe`: arguments → a job's plan → for each target: prepare, confirm,
//! execute, record (`mediasan::job`), and what a person or a script sees of it.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use anyhow::anyhow;
use serde_json::json;

use mediasan::escape;
use mediasan::i18n::Said;
use mediasan::job::{self, JobError, Link, Plan, Prepared, Request};
use mediasan::keys::Signer;
use mediasan::medium::{Identity, Kind, Sys};
use mediasan::model::report::{VerifyMode, WipeReport};
use mediasan::register::Register;
use mediasan::verify::{percent_down, Assurance};

use crate::cli::WipeArgs;
use crate::ui::{bytes, json_line, Failure, Reporter};

impl From<JobError> for Failure {
    fn from(e: JobError) -> Failure {
        Failure {
            code: e.code,
            hint: e.hint,
            error: anyhow::Error::msg(e.message),
        }
    }
}

/// The checks every block device passed before it may be written.
fn block_checks() -> Vec<Said> {
    vec![
        mediasan::said!("check-exclusive"),
        mediasan::said!("check-mounted"),
        mediasan::said!("check-swap"),
        mediasan::said!("check-holders"),
        mediasan::said!("check-root"),
        mediasan::said!("check-writable"),
        mediasan::said!("check-serial"),
        mediasan::said!("check-writers"),
        mediasan::said!("check-loop"),
    ]
}

/// The job's request, from the command line.
fn request(args: &WipeArgs, targets: usize) -> Result<Request, Failure> {
    // A firmware erase writes no passes of the host's: options about them would be
    // silently ignored, so they are refused.
    if args.technique.is_firmware() {
        let passes_options = [
            ("--method", args.method.is_some()),
            ("--passes", args.passes.is_some()),
            ("--blank", args.blank),
            ("--expose-hidden", args.expose_hidden),
        ];
        if let Some((flag, _)) = passes_options.iter().find(|(_, given)| *given) {
            return Err(Failure::usage(anyhow!(
                "{}",
                mediasan::t!(
                    "wipe-option-firmware",
                    flag = flag.to_string(),
                    technique = args.technique.name()
                )
            ))
            .hint(mediasan::t!("wipe-option-firmware-hint")));
        }
    }
    Ok(Request {
        method: args.method.clone(),
        passes: if args.method.is_none() {
            args.passes.clone()
        } else {
            None
        },
        blank: args.blank,
        verify: args.verify,
        coverage_ppm: super::parse_coverage(&args.coverage)?,
        block_size: args.block_size,
        threads: args.threads,
        dry_run: args.dry_run,
        confirm: args.confirm.clone(),
        result: args.result.clone(),
        targets,
        cert_dir: args.cert_dir.clone(),
        resume: args.resume,
        checkpoint_dir: args.checkpoint_dir.clone(),
        allow_open_by: args.allow_open_by.clone(),
        backed_up: args.backed_up,
        backup_location: args.backup_location.clone(),
        classification: None,
        expose_hidden: args.expose_hidden,
        technique: args.technique,
        defaults: crate::settings::get().config.defaults(),
        station: crate::settings::get().config.station(),
    })
}

pub fn run(args: WipeArgs) -> Result<u8, Failure> {
    let json = args.json;
    let say_error = |f: &Failure| {
        if json {
            json_line(&json!({
                "event": "error", "target": null, "exit_code": f.code,
                "error": format!("{:#}", f.error), "hint": f.hint,
            }));
        }
    };
    let mut request = request(&args, args.targets.len()).inspect_err(say_error)?;
    let mut plan = Plan::new(request.clone())
        .map_err(Failure::from)
        .inspect_err(say_error)?;
    // A registered carrier without --method or --passes: its classification chooses.
    if let (Some(id), None, None) = (&args.carrier, &args.method, &args.passes) {
        let reg = Register::open_read_only(&args.register.path, false)?;
        if let Some(c) = reg.carrier(id)? {
            request.classification = Some(c.classification);
            plan = Plan::new(request)?;
        }
    }
    // From here a signal ends the wipe with exit 130: at once while nothing is written
    // (arm_stop changes that). The kernel's random number generator is waited for first,
    // in sight: every draw of the wipe would block on it in silence.
    if !plan.dry_run() {
        guard_signals();
        wait_for_random(json).inspect_err(say_error)?;
    }
    let sys = Sys::host();
    let targets = if args.recursive {
        expand_dirs(&args.targets, json)?
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
    let keyed = args.acting.key.is_some() || args.acting.agent.is_some();
    let mut link = match &args.carrier {
        Some(id) if !plan.dry_run() || keyed => {
            let signer = super::register::acting(&args.acting)?;
            let reg = Register::open(&args.register.path)?;
            Some(Link::new(reg, signer, id)?)
        }
        _ => None,
    };
    // A wipe of an unregistered target is signed too when a key is given; the key is
    // unlocked now, before any byte is written.
    let lone = match (&args.carrier, keyed, plan.dry_run()) {
        (None, true, false) => Some(super::register::acting(&args.acting)?),
        _ => None,
    };
    // Without --carrier, a device that is a registered carrier is refused: there is no
    // way round the approval.
    let guards = match &args.carrier {
        None => {
            let (guards, warnings) = job::guards(&args.register.path, &args.register.index)?;
            for w in warnings {
                errln!("{}", mediasan::t!("warning-line", what = w));
            }
            guards
        }
        Some(_) => Vec::new(),
    };
    let mut code = 0u8;
    for path in &targets {
        if stop_requested() {
            errln!("{}: skipped: the wipe was interrupted", escape::path(path));
            if json {
                json_line(
                    &json!({ "event": "skipped", "target": escape::path(path), "reason": "interrupted" }),
                );
            }
            continue;
        }
        let c = match wipe_target(path, &plan, json, &sys, link.as_mut(), &guards, lone.as_ref()) {
            Ok(Some(report)) => report.outcome.exit_code(),
            Ok(None) => 0,
            Err(f) => {
                if json {
                    json_line(&json!({
                        "event": "error", "target": escape::path(path), "exit_code": f.code,
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

/// `-r`: the regular files under each directory (a named file stays as it is), in
/// order, without following symbolic links, without leaving the directory's file
/// system, without device nodes, FIFOs or sockets.
fn expand_dirs(targets: &[PathBuf], json: bool) -> Result<Vec<PathBuf>, Failure> {
    use std::os::unix::fs::MetadataExt;
    let mut out = Vec::new();
    for top in targets {
        let meta = std::fs::symlink_metadata(top)
            .map_err(|e| Failure::usage(anyhow!("{}: {e}", escape::path(top))))?;
        if !meta.is_dir() {
            out.push(top.clone());
            continue;
        }
        let dev = meta.dev();
        let mut todo = vec![top.clone()];
        while let Some(dir) = todo.pop() {
            let mut entries: Vec<_> = std::fs::read_dir(&dir)
                .map_err(|e| Failure::usage(anyhow!("{}: cannot list it: {e}", escape::path(&dir))))?
                .filter_map(Result::ok)
                .map(|e| e.path())
                .collect();
            entries.sort();
            for path in entries.into_iter().rev() {
                let Ok(m) = std::fs::symlink_metadata(&path) else {
                    continue;
                };
                let skip = |why: Said| {
                    if json {
                        json_line(
                            &json!({ "event": "skipped", "target": escape::path(&path), "reason": why.en() }),
                        );
                    } else {
                        errln!(
                            "{}",
                            mediasan::t!("wipe-skipped", path = escape::path(&path), why = why.to_string())
                        );
                    }
                };
                if m.dev() != dev {
                    skip(mediasan::said!("skip-other-fs"));
                } else if m.file_type().is_symlink() {
                    skip(mediasan::said!("skip-symlink"));
                } else if m.is_dir() {
                    todo.push(path);
                } else if m.is_file() {
                    out.push(path);
                } else {
                    skip(mediasan::said!("skip-not-regular"));
                }
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Prepares, confirms, executes and records one target, printing as it goes.
/// `Ok(None)` for a dry run.
pub fn wipe_target(
    path: &Path,
    plan: &Plan,
    json: bool,
    sys: &Sys,
    mut link: Option<&mut Link>,
    guards: &[Register],
    lone: Option<&Signer>,
) -> Result<Option<WipeReport>, Failure> {
    let mut prepared = Prepared::new(plan, path, sys, link.as_deref(), guards)?;
    let mut identity = prepared.identity().clone();
    let (technique, chosen) = prepared.technique();
    let chosen = chosen.map(str::to_string);
    if plan.dry_run() {
        print_plan(&identity, plan, json, technique, chosen.as_deref());
        return Ok(None);
    }
    if identity.kind == Kind::BlockDevice {
        confirm(&identity, plan.confirm())?;
    }
    if plan.expose_hidden() {
        if let Some(e) = prepared.expose_hidden(sys)? {
            errln!(
                "{}",
                mediasan::t!(
                    "wipe-hidden-removed",
                    path = identity.path.as_str(),
                    how = if e.volatile {
                        mediasan::t!("wipe-hidden-removed-volatile")
                    } else {
                        mediasan::t!("wipe-hidden-removed-permanent")
                    },
                    native = e.native.to_string(),
                    visible = e.visible.to_string()
                )
            );
            identity = prepared.identity().clone();
        }
    }
    warn_hidden(&identity);
    if let Some(r) = prepared.resume_point() {
        if r.proven < r.claimed {
            errln!(
                "{}",
                mediasan::t!(
                    "wipe-resume-unproven",
                    path = identity.path.as_str(),
                    claimed = r.claimed.to_string(),
                    proven = r.proven.to_string(),
                    pass = r.pass.to_string()
                )
            );
        }
        errln!(
            "{}",
            mediasan::t!(
                "wipe-resuming",
                path = identity.path.as_str(),
                pass = r.pass.to_string(),
                of = r.of.to_string(),
                offset = r.offset.to_string()
            )
        );
    }
    if let Some(j) = prepared.journal() {
        errln!(
            "{}",
            mediasan::t!(
                "wipe-resuming-firmware",
                path = identity.path.as_str(),
                begun = j.started.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
                how = if j.technique.is_sanitize() && j.sent.is_some() {
                    mediasan::t!("wipe-resume-followed")
                } else {
                    mediasan::t!("wipe-resume-sent-again")
                }
            )
        );
    }
    if !json && technique.is_firmware() {
        errln!(
            "{}{}",
            mediasan::t!(
                "wipe-firmware-starting",
                path = identity.path.as_str(),
                technique = technique.describe().to_string()
            ),
            chosen
                .as_deref()
                .map(|w| format!(" {}", mediasan::t!("plan-auto", why = w)))
                .unwrap_or_default()
        );
    } else if !json {
        errln!(
            "{}",
            mediasan::t!(
                "wipe-starting",
                path = identity.path.as_str(),
                size = bytes(identity.size),
                method = prepared.method().map_or(plan.method(), |m| m.name.as_str()),
                passes = prepared.passes()
            )
        );
    }
    let reporter = Reporter::new(json);
    let executed = prepared.execute(link.as_deref_mut(), &reporter, arm_stop())?;
    if executed.checkpoint.is_some() {
        let carrier = link.as_deref().map(|l| l.carrier.id.as_str());
        if technique.is_firmware() && executed.report.outcome == mediasan::model::report::Outcome::Interrupted
        {
            errln!(
                "{}",
                mediasan::t!(
                    "wipe-firmware-interrupted",
                    path = identity.path.as_str(),
                    command = resume_command(plan, &identity, carrier, Some(technique))
                )
            );
        } else if technique.is_firmware() {
            errln!(
                "{}: the erase did not end here; when the drive is back (also after a power cycle), follow it with: {}",
                identity.path,
                resume_command(plan, &identity, carrier, Some(technique))
            );
        } else {
            errln!(
                "{}: interrupted; resume with: {}",
                identity.path,
                resume_command(plan, &identity, carrier, None)
            );
        }
    }
    let recorded = executed.record(link, lone);
    if let Some(path) = &recorded.certificate {
        if json {
            json_line(&json!({ "event": "certificate", "path": escape::path(path) }));
        } else {
            outln!("{}: {}", mediasan::t!("certificate"), escape::path(path));
        }
    }
    print_summary(
        &recorded.report,
        json,
        plan.result().filter(|_| recorded.result.is_some()),
    );
    // The wipe happened: failing to record it is a failure, whatever the cause.
    match recorded.failures.into_iter().next() {
        Some(f) => Err(f.into()),
        None => Ok(Some(recorded.report)),
    }
}

/// The verification in words: what was read, what it found, what it proves.
pub fn print_verification(v: &mediasan::model::report::Verification) {
    if v.mode == VerifyMode::None {
        outln!("  {}", mediasan::t!("verify-none"));
        return;
    }
    for p in &v.passes {
        let r = &p.readback;
        let what = match &p.sample {
            Some(s) => mediasan::t!(
                "readback-sample",
                coverage = percent_down(s.covered_ppm),
                locations = s.locations.to_string(),
                subsections = s.subsections.to_string(),
                seed = s.seed.to_string()
            ),
            None => mediasan::t!("readback-every-byte"),
        };
        let found = if p.matched {
            mediasan::t!("readback-match")
        } else if r.mismatched_bytes > 0 {
            let first: Vec<String> = r
                .mismatches
                .iter()
                .take(5)
                .map(|m| format!("{}+{}", m.offset, m.length))
                .collect();
            mediasan::t!(
                "readback-mismatch",
                bytes = r.mismatched_bytes.to_string(),
                first = first.join(", ")
            )
        } else if r.interrupted {
            mediasan::t!("readback-interrupted")
        } else {
            mediasan::t!("readback-incomplete", errors = r.read_errors.len().to_string())
        };
        outln!(
            "  {}",
            mediasan::t!(
                "verify-pass",
                pass = p.pass.to_string(),
                pattern = p.pattern.as_str(),
                what = what,
                read = bytes(r.bytes_read),
                seconds = format!("{}.{:03}", r.milliseconds / 1000, r.milliseconds % 1000),
                found = found
            )
        );
    }
    if v.passes.is_empty() {
        outln!("  {}", mediasan::t!("verify-not-run"));
    }
    if let Some(c) = &v.cache {
        outln!("  {}: {}", mediasan::t!("verify-page-cache"), c.page_cache);
        for n in &c.not_bypassed {
            outln!("  {}: {n}", mediasan::t!("verify-not-bypassed"));
        }
    }
    if let Some(Assurance { statement, .. }) = &v.assurance {
        outln!("  {}: {statement}", mediasan::t!("verify-assurance"));
    }
}

fn print_summary(report: &WipeReport, json: bool, result: Option<&Path>) {
    if json {
        json_line(&json!({ "event": "result", "result": report }));
        return;
    }
    let ms = report.passes.iter().map(|p| p.milliseconds).sum::<u64>();
    outln!(
        "{}",
        mediasan::t!(
            "wipe-summary",
            path = report.target.path.as_str(),
            outcome = report.outcome.word(),
            done = report.passes.iter().filter(|p| p.completed).count().to_string(),
            passes = report.method.passes.len().to_string(),
            written = bytes(report.bytes_written),
            seconds = format!("{}.{:03}", ms / 1000, ms % 1000)
        )
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
    if report.outcome != mediasan::model::report::Outcome::Sanitised {
        errln!(
            "{}: NOT sanitised: the medium may still hold data.\nhint: find the cause above, then wipe it again; a medium that cannot be written must be destroyed physically",
            report.target.path
        );
    }
    if let Some(r) = result {
        outln!("{}: {}", mediasan::t!("result"), escape::path(r));
    }
}

static STOP: OnceLock<Arc<AtomicBool>> = OnceLock::new();
/// Raised until the wipe is armed: a signal then ends mediasan at once.
static AT_ONCE: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// Installs the SIGINT/SIGTERM handlers (once). Until [`arm_stop`] a signal ends mediasan
/// at once with exit 130: nothing has been written. After it, a signal raises the stop
/// flag: the wipe stops after the current block (a firmware erase stops waiting for the
/// drive), keeps its checkpoint or journal and ends with exit 130; a second SIGINT ends
/// the process at once (exit 130) for a wipe stuck on a dying device.
fn handlers() -> (&'static AtomicBool, &'static AtomicBool) {
    let at_once = AT_ONCE.get_or_init(|| Arc::new(AtomicBool::new(true)));
    let stop = STOP.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        use signal_hook::consts::{SIGINT, SIGTERM};
        for sig in [SIGINT, SIGTERM] {
            let _ = signal_hook::flag::register_conditional_shutdown(sig, 130, Arc::clone(at_once));
        }
        let _ = signal_hook::flag::register_conditional_shutdown(SIGINT, 130, Arc::clone(&flag));
        for sig in [SIGINT, SIGTERM] {
            let _ = signal_hook::flag::register(sig, Arc::clone(&flag));
        }
        flag
    });
    (stop, at_once)
}

/// A signal ends mediasan at once, with exit 130 (before anything is written).
pub(super) fn guard_signals() {
    handlers();
}

/// Right before the first write: from now on a signal stops the wipe rather than the
/// process (see [`handlers`]).
pub(super) fn arm_stop() -> &'static AtomicBool {
    let (stop, at_once) = handlers();
    at_once.store(false, Ordering::SeqCst);
    stop
}

/// Waits, in sight, until the kernel's random number generator is seeded (the random
/// passes' keys, the sample's seed, a firmware erase's markers and password come from
/// it): a line every few seconds, or a `waiting` event under `--json`; gives up after
/// [`mediasan::entropy::LIMIT`] with nothing written.
pub(super) fn wait_for_random(json: bool) -> Result<(), Failure> {
    let limit = mediasan::entropy::LIMIT;
    let mut shown = |waited: std::time::Duration| {
        if json {
            let w = mediasan::job::Waiting {
                what: "random",
                detail: mediasan::said!("wait-random"),
                waited,
                limit: Some(limit),
            };
            json_line(&crate::ui::waiting_event(None, &w));
        } else {
            errln!(
                "{}",
                mediasan::t!(
                    "wait-random-start",
                    seconds = waited.as_secs().to_string(),
                    limit = limit.as_secs().to_string()
                )
            );
        }
    };
    match mediasan::entropy::wait(&stop_requested, &mut shown) {
        Ok(()) => Ok(()),
        Err(mediasan::entropy::Unseeded::Stopped) => Err(Failure::new(
            130,
            anyhow!("{}", mediasan::t!("outcome-interrupted")),
        )),
        Err(mediasan::entropy::Unseeded::TimedOut(d)) => Err(Failure::new(
            1,
            anyhow!(
                "{}",
                mediasan::t!("random-unseeded", seconds = d.as_secs().to_string())
            ),
        )
        .hint(mediasan::t!("random-unseeded-hint"))),
    }
}

fn stop_requested() -> bool {
    STOP.get().is_some_and(|f| f.load(Ordering::SeqCst))
}

/// Requires the device's serial: from `--confirm`, or typed at a prompt after a
/// screen that shows what is about to be destroyed.
fn confirm(id: &Identity, given: &[String]) -> Result<(), Failure> {
    use mediasan::t;
    let path = id.path.as_str();
    let Some(serial) = id.serial.as_deref() else {
        return Err(Failure::refused(anyhow!(t!("confirm-no-serial", path = path))));
    };
    if !given.is_empty() {
        if given.iter().any(|g| g == serial) {
            return Ok(());
        }
        let given = given
            .iter()
            .map(|g| format!("{g:?}"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(Failure::refused(anyhow!(t!(
            "confirm-mismatch",
            path = path,
            given = given,
            serial = format!("{serial:?}")
        )))
        .hint(t!("confirm-mismatch-hint")));
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(
            Failure::refused(anyhow!(t!("confirm-needs-terminal", path = path)))
                .hint(t!("confirm-needs-terminal-hint", serial = shell_quote(serial))),
        );
    }
    errln!("\n{}\n", t!("confirm-about-to-destroy"));
    crate::ui::prompt(&format!("{}\n{}", identity_screen(id), t!("confirm-prompt")));
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    if line.trim_end_matches(['\n', '\r']) == serial {
        Ok(())
    } else {
        Err(Failure::refused(anyhow!(t!(
            "confirm-not-confirmed",
            path = path
        ))))
    }
}

/// Says before the first byte what the wipe will not reach.
fn warn_hidden(id: &Identity) {
    let Some(d) = &id.drive else { return };
    let n = d.hidden.hidden_sectors();
    if n > 0 {
        errln!(
            "{}",
            mediasan::t!(
                "warn-hidden",
                path = id.path.as_str(),
                count = n.to_string(),
                summary = d.hidden.summary().to_string()
            )
        );
    } else if d.hidden.any_unknown() {
        errln!(
            "{}",
            mediasan::t!(
                "warn-hidden-unknown",
                path = id.path.as_str(),
                summary = d.hidden.summary().to_string()
            )
        );
    }
}

fn identity_screen(id: &Identity) -> String {
    use mediasan::t;
    use unicode_width::UnicodeWidthStr;
    let mut s = String::new();
    // Labels padded to ten terminal columns (a Chinese label's characters take two).
    // Each value on its own line, escaped: a label or a model cannot start another.
    let mut row = |k: String, v: String| {
        s.push_str(&format!(
            "  {k}{} {}\n",
            " ".repeat(10usize.saturating_sub(k.width())),
            mediasan::escape::text(&v)
        ))
    };
    row(
        t!("screen-device"),
        format!("{} ({})", id.path, id.device.as_deref().unwrap_or("?")),
    );
    if let Some(p) = &id.partition_of {
        row(
            t!("screen-partition"),
            t!("screen-partition-of", disk = p.as_str()),
        );
    }
    row(
        t!("screen-model"),
        id.model.clone().unwrap_or_else(|| t!("screen-unknown")),
    );
    let bridge = id.drive.as_ref().is_some_and(|d| d.serial_is_bridges);
    row(
        t!("screen-serial"),
        format!(
            "{} ({}{})",
            id.serial.clone().unwrap_or_else(|| t!("screen-unreadable")),
            id.serial_source
                .as_deref()
                .map_or("-".into(), mediasan::identify::source::shown),
            if bridge {
                format!(": {}", t!("screen-serial-bridges"))
            } else {
                String::new()
            }
        ),
    );
    if let Some(w) = &id.wwn {
        row(t!("screen-wwn"), w.clone());
    }
    if let Some(d) = &id.drive {
        row(
            t!("screen-bus"),
            match &d.usb_driver {
                Some(u) => format!("{} ({u})", d.transport.name()),
                None => d.transport.name().to_string(),
            },
        );
        if let Some(f) = &d.firmware {
            row(t!("screen-firmware"), f.clone());
        }
        row(t!("screen-hidden"), d.hidden.summary().to_string());
        if d.ata.known().is_some() {
            row(t!("screen-security"), d.security_summary().to_string());
        }
    }
    row(
        t!("screen-size"),
        t!(
            "screen-size-detail",
            size = bytes(id.size),
            bytes = id.size.to_string(),
            logical = id.logical_sector.unwrap_or(0).to_string(),
            physical = id.physical_sector.unwrap_or(0).to_string()
        ),
    );
    row(
        t!("screen-partitions"),
        if id.partitions.is_empty() {
            t!("screen-none")
        } else {
            id.partitions.join(", ")
        },
    );
    row(
        t!("screen-labels"),
        if id.labels.is_empty() {
            t!("screen-no-labels")
        } else {
            id.labels.join("; ")
        },
    );
    s
}

/// The command that resumes an interrupted wipe of `id`, with what it needs.
fn resume_command(
    plan: &Plan,
    id: &Identity,
    carrier: Option<&str>,
    technique: Option<mediasan::purge::Technique>,
) -> String {
    let mut words = vec!["mediasan".to_string(), "wipe".into(), "--resume".into()];
    if let Some(t) = technique {
        words.extend(["--technique".into(), t.name().into()]);
    }
    if let Some(c) = carrier {
        words.extend(["--carrier".into(), shell_quote(c)]);
    }
    if id.kind == Kind::BlockDevice {
        if let Some(serial) = &id.serial {
            words.extend(["--confirm".into(), shell_quote(serial)]);
        }
    }
    if plan.checkpoint_dir() != Path::new(mediasan::checkpoint::DEFAULT_DIR) {
        words.extend([
            "--checkpoint-dir".into(),
            shell_quote(&escape::path(plan.checkpoint_dir())),
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
fn assumed_rate(id: &Identity) -> (u64, String) {
    match (id.kind, id.rotational) {
        (Kind::BlockDevice, Some(true)) => (150_000_000, mediasan::t!("plan-rate-rotational")),
        (Kind::BlockDevice, _) => (400_000_000, mediasan::t!("plan-rate-ssd")),
        (Kind::File, _) => (400_000_000, mediasan::t!("plan-rate-file")),
    }
}

fn print_plan(
    id: &Identity,
    plan: &Plan,
    json: bool,
    technique: mediasan::purge::Technique,
    chosen: Option<&str>,
) {
    if technique.is_firmware() {
        if json {
            json_line(&json!({
                "event": "plan", "target": id, "confirm": id.serial, "technique": technique.name(),
                "category": technique.category(), "chosen": chosen,
            }));
            return;
        }
        outln!("{}\n", mediasan::t!("plan-dry-run-firmware"));
        outln!("{}", identity_screen(id).trim_end());
        outln!(
            "\n{}{}",
            mediasan::t!(
                "plan-technique",
                technique = technique.name(),
                about = technique.describe().to_string()
            ),
            chosen
                .map(|w| format!("\n  {}", mediasan::t!("plan-auto", why = w)))
                .unwrap_or_default()
        );
        outln!("{}", mediasan::t!("plan-markers"));
        if let Some(serial) = &id.serial {
            let command = format!(
                "mediasan wipe {} --technique {} --confirm {}",
                id.path,
                technique.name(),
                shell_quote(serial)
            );
            outln!("\n{}", mediasan::t!("plan-to-erase", command = command));
        }
        return;
    }
    let labels = plan.labels();
    let total = id.size.saturating_mul(labels.len() as u64);
    let (rate, why) = assumed_rate(id);
    let v = plan.options().verify;
    let unit = u64::from(id.logical_sector.unwrap_or(4096));
    let reads = match v.mode {
        VerifyMode::None => 0,
        VerifyMode::Sample => mediasan::verify::SamplePlan::new(id.size, unit, v.coverage_ppm, 0).bytes(),
        VerifyMode::Last => id.size,
        VerifyMode::All => total,
    };
    let seconds = (total + reads).div_ceil(rate);
    // Said: JSON takes their English.
    let checks = match id.kind {
        Kind::BlockDevice => block_checks(),
        Kind::File => vec![mediasan::said!("check-file")],
    };
    if json {
        json_line(&json!({
            "event": "plan", "target": id, "confirm": id.serial, "checks": checks,
            "method": plan.method(), "passes": labels, "bytes": total,
            "verify": v.mode, "coverage_ppm": v.coverage_ppm, "read_bytes": reads,
            "estimate_seconds": seconds, "assumed_rate": rate,
        }));
        return;
    }
    outln!("{}\n", mediasan::t!("plan-dry-run"));
    match id.kind {
        Kind::BlockDevice => outln!("{}", identity_screen(id).trim_end()),
        Kind::File => outln!(
            "  {:<10} {}",
            mediasan::t!("screen-file"),
            mediasan::t!("plan-file", path = id.path.as_str(), bytes = id.size.to_string())
        ),
    }
    outln!("\n{}", mediasan::t!("plan-checks-passed"));
    for c in &checks {
        outln!("  - {c}");
    }
    outln!(
        "\n{}",
        mediasan::t!("plan-method", method = plan.method(), passes = labels.join(", "))
    );
    outln!(
        "{}",
        mediasan::t!(
            "plan-writes",
            count = labels.len(),
            size = bytes(id.size),
            total = bytes(total)
        )
    );
    let verify = match v.mode {
        VerifyMode::None => mediasan::t!("plan-verify-none"),
        VerifyMode::Sample => mediasan::t!(
            "plan-verify-sample",
            coverage = percent_down(u64::from(v.coverage_ppm))
        ),
        VerifyMode::Last => mediasan::t!("plan-verify-last"),
        VerifyMode::All => mediasan::t!("plan-verify-all"),
    };
    outln!(
        "{}",
        mediasan::t!("plan-verify", verify = verify, read = bytes(reads))
    );
    outln!(
        "{}",
        mediasan::t!("plan-estimate", time = duration(seconds), rate = why)
    );
    if let (Kind::BlockDevice, Some(serial)) = (id.kind, &id.serial) {
        let command = format!("mediasan wipe {} --confirm {}", id.path, shell_quote(serial));
        outln!("\n{}", mediasan::t!("plan-to-wipe", command = command));
    }
    if id.kind == Kind::File {
        outln!("\n{}", mediasan::t!("plan-file-note"));
    }
}

fn duration(s: u64) -> String {
    match s {
        0..=59 => mediasan::t!("duration-s", s = s.to_string()),
        60..=3599 => mediasan::t!(
            "duration-min",
            min = (s / 60).to_string(),
            s = (s % 60).to_string()
        ),
        _ => mediasan::t!(
            "duration-h",
            h = (s / 3600).to_string(),
            min = (s % 3600 / 60).to_string()
        ),
    }
}
