//! `mediasan batch run`: a manifest of carriers' drives → reconciled (every check of a
//! single wipe, for every row, before the first byte) → one confirmation → N jobs at a
//! time (`mediasan::batch`) → a summary, the batch record and an exit status.

use mediasan::escape::text as esc;
use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::sync::Mutex;

use anyhow::anyhow;
use serde_json::json;

use mediasan::batch::{self, state::State, Finished, Job, Mismatch};
use mediasan::escape;
use mediasan::job::{Observer, Request};
use mediasan::medium::Sys;
use mediasan::register::Register;

use crate::cli::{BatchCmd, BatchRunArgs, BatchSub, BatchWatchArgs};
use crate::ui::{above_bars, batch_bar, bytes, json_line, print_table, Failure, Reporter};

pub fn run(cmd: BatchCmd) -> Result<u8, Failure> {
    match cmd.command {
        BatchSub::Run(args) => run_batch(args),
        BatchSub::Watch(args) => run_watch(args),
    }
}

fn run_batch(args: BatchRunArgs) -> Result<u8, Failure> {
    let shown = escape::path(&args.manifest);
    let (raw, mut rows) = read_manifest(&args.manifest)?;
    // The key is unlocked first, never after hours of writing.
    let signer = super::register::acting(&args.common.acting)?;
    super::wipe::guard_signals();
    super::wipe::wait_for_random(args.common.json)?;
    let started = chrono::Utc::now();
    // A resumed batch runs only what the last record of this manifest left unfinished.
    let mut state = State::new(&args.manifest, &raw, &rows, started);
    let mut earlier = Vec::new();
    if args.resume {
        let (path, last) = State::latest(&args.common.cert_dir, &state.manifest_sha256).ok_or_else(|| {
            Failure::usage(anyhow!(
                "{}",
                mediasan::t!(
                    "batch-no-record",
                    manifest = shown.to_string(),
                    dir = escape::path(&args.common.cert_dir)
                )
            ))
            .hint(mediasan::t!("batch-no-record-hint"))
        })?;
        errln!("{}", mediasan::t!("batch-resuming", record = escape::path(&path)));
        // A row is done only where the register says so: the record is a note.
        let reg = Register::open_read_only(&args.common.register.path, false)?;
        let since = last.started;
        let mut last = last;
        for j in &mut last.jobs {
            if j.unfinished() {
                continue;
            }
            // The row of the manifest this line is: a record naming another carrier
            // there proves nothing of it.
            if !rows.iter().any(|r| r.line == j.line && r.carrier == j.carrier) {
                j.status = "pending".into();
                continue;
            }
            match batch::state::proven(&reg, &j.carrier, since)? {
                Some(outcome) => {
                    j.status = outcome;
                    earlier.push(j.line);
                }
                None => {
                    errln!(
                        "{}",
                        mediasan::t!(
                            "batch-claim-unproven",
                            line = j.line,
                            carrier = j.carrier.as_str(),
                            status = j.status.as_str()
                        )
                    );
                    j.status = "pending".into();
                }
            }
        }
        drop(reg);
        state = last;
        rows.retain(|r| !earlier.contains(&r.line));
        if rows.is_empty() {
            outln!("{}", mediasan::t!("batch-all-finished"));
            return Ok(u8::from(state.jobs.iter().any(|j| j.status != "sanitised")));
        }
    }
    let sys = Sys::host();
    let reg = Register::open_read_only(&args.common.register.path, false)?;
    let base = request(&args.common)?;
    let (fresh, resumed) = plans(&args, &rows, &base, &reg)?;
    drop(reg);
    // Rows with a checkpoint continue it; the others start afresh. The attached drives
    // are probed once for all rows.
    let attached = match &resumed {
        Some(_) => mediasan::medium::scan::attached(&sys),
        None => Vec::new(),
    };
    let chosen: Vec<&mediasan::job::Plan> = rows
        .iter()
        .enumerate()
        .map(|(i, _)| match &resumed {
            Some(r) if has_checkpoint(&fresh[i], &rows[i], &attached, &sys) => &r[i],
            _ => &fresh[i],
        })
        .collect();
    let jobs =
        batch::reconcile(&rows, &chosen, &sys, &args.common.register.path, &signer).map_err(mismatches)?;
    show_table(&jobs, args.common.json);
    confirm(&jobs, args.confirm_serials.as_deref())?;

    let record = first_record(&args.common.cert_dir, &state)?;
    let parallel = args.parallel.unwrap_or_else(|| default_parallel(&jobs)).max(1);
    if !args.common.json {
        errln!(
            "{} drive(s), {parallel} at a time; batch record {}",
            jobs.len(),
            escape::path(&record)
        );
    }
    let overall = batch_bar(jobs.len() as u64);
    let shared = Mutex::new(state);
    let json = args.common.json;
    let save_failed = Mutex::new(None);
    let done = |f: &Finished| {
        let mut s = shared.lock().unwrap_or_else(|e| e.into_inner());
        s.record(f);
        if let Err(e) = s.save(&record) {
            *save_failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(e.to_string());
        }
        if let Some(pb) = &overall {
            pb.inc(1);
        }
        say_done(f, json);
    };
    let observer = |_: &Job<'_>| -> Box<dyn Observer> { Box::new(Reporter::new(json)) };
    let finished = batch::run(jobs, &sys, parallel, &observer, super::wipe::arm_stop(), &done);
    if let Some(pb) = overall {
        pb.finish_and_clear();
    }
    let mut state = shared.into_inner().unwrap_or_else(|e| e.into_inner());
    state.finished = Some(chrono::Utc::now());
    let saved = state.save(&record);
    summary(&finished, &state, json);
    if let Some(e) = save_failed
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .or(saved.err().map(|e| e.to_string()))
    {
        record_not_written(&record, &e);
        return Ok(1);
    }
    let interrupted = finished.iter().any(|f| f.outcome() == "interrupted")
        || state.jobs.iter().any(|j| j.status == "pending");
    if interrupted {
        errln!(
            "{}",
            mediasan::t!(
                "batch-interrupted",
                command = format!(
                    "mediasan batch run --resume --cert-dir {} {}",
                    escape::path(&args.common.cert_dir),
                    shown
                )
            )
        );
        return Ok(130);
    }
    // Over the whole record: rows a resumed batch found ended count as they ended.
    Ok(u8::from(state.jobs.iter().any(|j| j.status != "sanitised")))
}

/// What every row's wipe starts from: the options of the batch's command line.
fn request(common: &crate::cli::BatchCommon) -> Result<Request, Failure> {
    let mut r = Request::new(&common.checkpoint_dir, &common.cert_dir);
    r.coverage_ppm = super::parse_coverage(&common.coverage)?;
    r.expose_hidden = common.expose_hidden;
    r.technique = common.technique;
    r.defaults = crate::settings::get().config.defaults();
    r.station = crate::settings::get().config.station();
    Ok(r)
}

type Plans = (Vec<mediasan::job::Plan>, Option<Vec<mediasan::job::Plan>>);

fn plans(args: &BatchRunArgs, rows: &[batch::Row], base: &Request, reg: &Register) -> Result<Plans, Failure> {
    let fresh = batch::plans(rows, base, reg).map_err(mismatches)?;
    let resumed = if args.resume {
        let mut r = base.clone();
        r.resume = true;
        Some(batch::plans(rows, &r, reg).map_err(mismatches)?)
    } else {
        None
    };
    Ok((fresh, resumed))
}

/// Whether the row's drive has a checkpoint to resume (the drive is opened to know
/// which one it is, and closed again).
fn has_checkpoint(
    fresh: &mediasan::job::Plan,
    row: &batch::Row,
    attached: &[mediasan::medium::scan::Attached],
    sys: &Sys,
) -> bool {
    let Ok(path) = batch::resolve(&row.device, attached, sys) else {
        return false;
    };
    let Ok(t) = mediasan::medium::Target::open(&path, sys, mediasan::medium::Access::Read) else {
        return false;
    };
    mediasan::checkpoint::path_for(fresh.checkpoint_dir(), &t.identity).exists()
}

/// The table of what is wrong, one row each: the batch does not start.
fn mismatches(bad: Vec<Mismatch>) -> Failure {
    let lines: Vec<String> = bad
        .iter()
        .map(|m| {
            let line = format!("line {}: {} ({}): {}", m.line, m.device, m.carrier, m.problem);
            mediasan::escape::text(&line).into_owned()
        })
        .collect();
    Failure::refused(anyhow!(
        "{}",
        mediasan::t!(
            "batch-mismatches",
            count = bad.len().to_string(),
            lines = mediasan::i18n::Lines(lines.join("\n  "))
        )
    ))
    .hint(mediasan::t!("batch-mismatches-hint"))
}

fn default_parallel(jobs: &[Job<'_>]) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut buses: Vec<&str> = jobs
        .iter()
        .filter_map(|j| j.prepared.identity().drive.as_ref().map(|d| d.transport.name()))
        .collect();
    buses.sort_unstable();
    buses.dedup();
    jobs.len().min(cores.max(buses.len()))
}

fn show_table(jobs: &[Job<'_>], json: bool) {
    if json {
        for j in jobs {
            let id = j.prepared.identity();
            json_line(&json!({
                "event": "batch-plan", "line": j.row.line, "target": id, "carrier": j.link.carrier.id,
                "classification": j.link.carrier.classification.name(),
                "method": j.prepared.method().map(|m| m.name.clone()), "passes": j.prepared.passes(),
                "technique": j.prepared.technique().0.name(),
            }));
        }
        return;
    }
    outln!("{}\n", mediasan::t!("batch-about-to-destroy"));
    let heads = mediasan::t!("batch-heads");
    let head: [&str; 10] = crate::ui::heads(&heads);
    let rows: Vec<[String; 10]> = jobs
        .iter()
        .map(|j| {
            let id = j.prepared.identity();
            let passes = j.prepared.passes() as u64;
            let rate: u64 = if id.rotational == Some(true) {
                150_000_000
            } else {
                400_000_000
            };
            let seconds = (id.size * (passes + 1)).div_ceil(rate);
            let parts = if id.partitions.is_empty() {
                "-".to_string()
            } else if id.labels.is_empty() {
                id.partitions.join(" ")
            } else {
                id.labels.join("; ")
            };
            [
                j.row.line.to_string(),
                id.path.clone(),
                id.model.clone().unwrap_or_else(|| "-".into()),
                id.serial.clone().unwrap_or_default(),
                bytes(id.size),
                parts,
                j.link.carrier.id.clone(),
                j.link.carrier.classification.name().to_string(),
                match j.prepared.technique().0 {
                    t if t.is_firmware() => t.name().to_string(),
                    _ => j.prepared.method().map_or("-".into(), |m| m.name.clone()),
                },
                format!("{} min", seconds.div_ceil(60)),
            ]
        })
        .collect();
    print_table(&head, &rows);
    for j in jobs {
        if let Some(r) = j.prepared.resume_point() {
            outln!(
                "{}",
                mediasan::t!(
                    "batch-row-resumes",
                    line = j.row.line.to_string(),
                    pass = r.pass.to_string(),
                    of = r.of.to_string(),
                    offset = r.offset.to_string()
                )
            );
        }
    }
    outln!();
}

/// One confirmation for the whole batch, before the first byte: each drive's serial,
/// from a file (one a line, every drive's and no other), or its last four characters
/// typed for each drive at the terminal.
fn confirm(jobs: &[Job<'_>], file: Option<&Path>) -> Result<(), Failure> {
    let serials: Vec<&str> = jobs
        .iter()
        .map(|j| j.prepared.identity().serial.as_deref().unwrap_or_default())
        .collect();
    if let Some(f) = file {
        return serials_file(&serials, f);
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Failure::refused(anyhow!(mediasan::t!("batch-needs-terminal")))
            .hint(mediasan::t!("batch-needs-terminal-hint")));
    }
    for (j, serial) in jobs.iter().zip(&serials) {
        let tail: String = serial
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        crate::ui::prompt(&mediasan::t!(
            "batch-prompt",
            line = j.row.line.to_string(),
            path = j.prepared.identity().path.as_str(),
            carrier = j.link.carrier.id.as_str()
        ));
        let mut typed = String::new();
        let _ = std::io::stdin().lock().read_line(&mut typed);
        if typed.trim() != tail {
            return Err(Failure::refused(anyhow!(mediasan::t!(
                "batch-not-confirmed",
                line = j.row.line.to_string()
            ))));
        }
    }
    Ok(())
}

fn say_done(f: &Finished, json: bool) {
    if json {
        json_line(&json!({
            "event": "batch-job-finished", "line": f.line, "carrier": f.carrier, "target": f.path,
            "outcome": f.outcome(), "exit_code": f.exit_code(),
            "error": f.reason(),
            "certificate": f.certificate.as_ref().map(|p| escape::path(p)),
        }));
        return;
    }
    above_bars(|| {
        errln!(
            "{} ({}): {}{}",
            esc(&f.path),
            esc(&f.carrier),
            f.outcome(),
            f.reason().map(|r| format!(": {}", esc(&r))).unwrap_or_default()
        )
    });
}

/// Creates the certificate folder and the batch's record in it (`batch-TIME.json`),
/// written once before any drive is touched.
fn first_record(cert_dir: &Path, state: &State) -> Result<std::path::PathBuf, Failure> {
    mediasan::files::Folder::create(cert_dir)?;
    let record = cert_dir.join(format!("batch-{}.json", state.started.format("%Y%m%dT%H%M%SZ")));
    state.save(&record).map_err(|e| {
        Failure::new(
            1,
            anyhow!(
                "{}",
                mediasan::t!(
                    "batch-record-unwritable",
                    record = escape::path(&record),
                    error = e.to_string()
                )
            ),
        )
    })?;
    Ok(record)
}

/// Says that the batch's record could not be brought up to date.
fn record_not_written(record: &Path, error: &dyn std::fmt::Display) {
    errln!(
        "{}",
        mediasan::t!(
            "batch-record-not-written",
            record = escape::path(record),
            error = error.to_string()
        )
    );
}

fn summary(finished: &[Finished], state: &State, json: bool) {
    if json {
        json_line(&json!({ "event": "batch-summary", "batch": state }));
        return;
    }
    outln!("\n{}", mediasan::t!("batch-summary-head"));
    for j in &state.jobs {
        let f = finished.iter().find(|f| f.line == j.line);
        let rate = j
            .result
            .as_ref()
            .zip(j.milliseconds)
            .filter(|(_, ms)| *ms > 0)
            .map(|(r, ms)| format!("{}/s", bytes(r.bytes_written.saturating_mul(1000) / ms)))
            .unwrap_or_else(|| "-".into());
        let time = j
            .milliseconds
            .map_or("-".into(), |ms| format!("{}.{:01} s", ms / 1000, ms % 1000 / 100));
        outln!(
            "{:<4}  {}  {}  {}  {}  {}  {}",
            j.line,
            esc(j.path.as_deref().unwrap_or(&j.device)),
            esc(&j.carrier),
            if f.is_none() && j.status != "pending" {
                format!("{} (earlier)", esc(&j.status))
            } else {
                esc(&j.status).into_owned()
            },
            rate,
            time,
            esc(j.certificate.as_deref().unwrap_or("-"))
        );
        if let Some(e) = &j.error {
            outln!("      {}", esc(e));
        }
    }
}

/// A drive the watch waits for: a manifest row (its serial) or an approved carrier.
struct Expected {
    row: batch::Row,
    /// What the drive must report: the row's serial, or the carrier's register identity.
    serial: String,
    /// The carrier's identity in the register (a drive's serial, an image's object).
    identity: String,
    classification: &'static str,
}

fn run_watch(args: BatchWatchArgs) -> Result<u8, Failure> {
    let signer = super::register::acting(&args.common.acting)?;
    super::wipe::guard_signals();
    super::wipe::wait_for_random(args.common.json)?;
    let reg = Register::open_read_only(&args.common.register.path, false)?;
    let (expected, manifest_bytes, manifest_path) = expectations(&args, &reg, &signer)?;
    let rows: Vec<batch::Row> = expected.iter().map(|e| e.row.clone()).collect();
    let base = request(&args.common)?;
    let plans = batch::plans(&rows, &base, &reg).map_err(mismatches)?;
    drop(reg);

    // The policy every wipe of the watch is confirmed by, given now.
    if !args.common.json {
        outln!("{}\n", mediasan::t!("watch-about-to-destroy"));
        for e in &expected {
            outln!(
                "  {} {:<4} {:<16} {:<14} {} {}",
                mediasan::t!("watch-line"),
                e.row.line,
                esc(&e.row.carrier),
                e.classification,
                mediasan::t!("watch-serial"),
                esc(&e.serial)
            );
        }
        outln!();
    }
    confirm_policy(&expected, args.confirm_serials.as_deref())?;

    let started = chrono::Utc::now();
    let state = State::new(&manifest_path, &manifest_bytes, &rows, started);
    let record = first_record(&args.common.cert_dir, &state)?;
    // Listen before looking, so that nothing attached in between is missed.
    let events = batch::watch::Uevents::open().map_err(|e| {
        Failure::new(
            1,
            anyhow!("{}", mediasan::t!("watch-no-netlink", error = e.to_string())),
        )
        .hint(mediasan::t!("watch-no-netlink-hint"))
    })?;
    let sys = Sys::host();
    let stop = super::wipe::arm_stop();
    let json = args.common.json;
    let shared = Mutex::new(state);
    let deadline = args
        .timeout
        .map(|s| std::time::Instant::now() + std::time::Duration::from_secs(s));
    let manifest_mode = args.manifest.is_some();
    // Row index → what became of it: running, or finished.
    let mut taken: Vec<bool> = vec![false; expected.len()];
    let mut seen_unknown: Vec<(String, Option<String>)> = Vec::new();
    // Drives refused by a check: not tried again until they are attached again (an
    // `add`), or a program's close would make udev send a `change` and try them forever.
    let mut refused: Vec<(String, Option<String>)> = Vec::new();
    // Disks a job of the watch is writing: never probed meanwhile.
    let mut busy: Vec<String> = Vec::new();
    let (tx, rx) = std::sync::mpsc::channel::<(String, Finished)>();
    let mut running = 0usize;
    // (disk, attached anew): every disk at the start counts as attached anew.
    let mut queue: Vec<(String, bool)> = mediasan::medium::scan::disks(&sys)
        .into_iter()
        .map(|d| (d, true))
        .collect();
    let sys = &sys;
    let mut finished = Vec::new();
    if !json {
        errln!(
            "{}",
            mediasan::t!("watch-watching", record = escape::path(&record))
        );
    }
    std::thread::scope(|s| {
        loop {
            // Jobs that ended.
            while let Ok((disk, f)) = rx.try_recv() {
                running -= 1;
                let mut st = shared.lock().unwrap_or_else(|e| e.into_inner());
                st.record(&f);
                if let Err(e) = st.save(&record) {
                    record_not_written(&record, &e);
                }
                drop(st);
                say_done(&f, json);
                busy.retain(|d| *d != disk);
                finished.push(f);
            }
            let all_done = manifest_mode && taken.iter().all(|t| *t) && running == 0;
            let stopping = stop.load(std::sync::atomic::Ordering::SeqCst)
                || deadline.is_some_and(|d| std::time::Instant::now() >= d);
            if all_done || (stopping && running == 0) {
                break;
            }
            // Drives to look at, as long as jobs may start.
            while !stopping && running < args.parallel.max(1) {
                let Some((disk, anew)) = queue.pop() else { break };
                if busy.contains(&disk) {
                    continue;
                }
                let path = sys.dev_node(&disk);
                let Ok(t) = mediasan::medium::Target::open(&path, sys, mediasan::medium::Access::Read) else {
                    continue;
                };
                let id = t.identity.clone();
                drop(t);
                let key = (disk.clone(), id.serial.clone());
                if anew {
                    refused.retain(|k| *k != key);
                } else if refused.contains(&key) {
                    continue;
                }
                // The rows this drive is: by the register's identity of the carrier;
                // a drive also by the serial the row names, but a file behind a loop
                // device never by the text of its name (another file may have it now).
                let is = |e: &Expected| {
                    id.is_carrier(&e.identity)
                        || (id.object.is_none() && id.serial.as_deref() == Some(e.serial.as_str()))
                };
                let which = (0..expected.len()).find(|&i| !taken[i] && is(&expected[i]));
                let Some(i) = which else {
                    let done_before = (0..expected.len()).any(|i| taken[i] && is(&expected[i]));
                    if !done_before && !seen_unknown.contains(&key) {
                        seen_unknown.push(key);
                        unknown(&id, json);
                    }
                    continue;
                };
                match batch::prepare(
                    &expected[i].row,
                    path,
                    &plans[i],
                    sys,
                    &args.common.register.path,
                    &signer,
                ) {
                    Ok(job) => {
                        taken[i] = true;
                        running += 1;
                        busy.push(disk.clone());
                        if json {
                            json_line(&json!({
                                "event": "batch-job-started", "line": job.row.line, "carrier": job.row.carrier,
                                "target": job.prepared.identity(),
                            }));
                        } else {
                            above_bars(|| {
                                errln!(
                                    "{}: carrier {} attached: wiping",
                                    esc(&job.prepared.identity().path),
                                    esc(&job.row.carrier)
                                )
                            });
                        }
                        let tx = tx.clone();
                        s.spawn(move || {
                            let obs = Reporter::new(json);
                            let f = batch::run_job(job, sys, &obs, stop);
                            let _ = tx.send((disk, f));
                        });
                    }
                    Err(why) => {
                        // Refused by a check: shown once; the drive may be attached again.
                        refused.push(key);
                        above_bars(|| {
                            errln!(
                                "{}: carrier {}: not wiped: {}",
                                esc(&id.path),
                                esc(&expected[i].row.carrier),
                                esc(&why.to_string())
                            )
                        });
                    }
                }
            }
            if stopping {
                std::thread::sleep(std::time::Duration::from_millis(200));
                continue;
            }
            match events.next(std::time::Duration::from_millis(500)) {
                Ok(Some(a)) if a.action == "overflow" => {
                    queue = mediasan::medium::scan::disks(sys)
                        .into_iter()
                        .map(|d| (d, false))
                        .collect()
                }
                Ok(Some(a)) => {
                    let anew = a.action == "add";
                    queue.retain(|(d, _)| *d != a.disk);
                    queue.insert(0, (a.disk, anew));
                }
                Ok(None) => {}
                Err(e) => {
                    errln!("{}", mediasan::t!("watch-events-stopped", error = e.to_string()));
                    stop.store(true, std::sync::atomic::Ordering::SeqCst);
                }
            }
        }
    });
    let mut state = shared.into_inner().unwrap_or_else(|e| e.into_inner());
    state.finished = Some(chrono::Utc::now());
    let saved = state.save(&record);
    finished.sort_by_key(|f| f.line);
    summary(&finished, &state, json);
    if let Err(e) = saved {
        record_not_written(&record, &e);
        return Ok(1);
    }
    let failed = finished.iter().map(Finished::exit_code).max().unwrap_or(0).min(1);
    let interrupted = stop.load(std::sync::atomic::Ordering::SeqCst);
    Ok(if interrupted {
        130
    } else if manifest_mode && state.jobs.iter().any(|j| j.status == "pending") {
        1
    } else {
        failed
    })
}

fn unknown(id: &mediasan::medium::Identity, json: bool) {
    if json {
        json_line(&json!({ "event": "batch-unknown-drive", "target": id }));
    } else {
        above_bars(|| {
            errln!(
                "{}",
                mediasan::t!(
                    "watch-not-in-batch",
                    path = id.path.as_str(),
                    model = id.model.as_deref().unwrap_or("unknown model"),
                    serial = id.serial.as_deref().unwrap_or("unreadable")
                )
            )
        });
    }
}

/// The rows a watch waits for, with the manifest's bytes and path for the record.
fn expectations(
    args: &BatchWatchArgs,
    reg: &Register,
    signer: &mediasan::keys::Signer,
) -> Result<(Vec<Expected>, Vec<u8>, std::path::PathBuf), Failure> {
    let class = |id: &str| -> Result<(&'static str, String), Failure> {
        Ok(reg
            .carrier(id)?
            .map_or(("?", String::new()), |c| (c.classification.name(), c.serial)))
    };
    if let Some(m) = &args.manifest {
        let shown = escape::path(m);
        let (raw, rows) = read_manifest(m)?;
        let mut out = Vec::new();
        for row in rows {
            let batch::Device::Serial(serial) = &row.device else {
                return Err(Failure::usage(anyhow!(
                    "{shown}: line {}: a watch knows drives by serial: write serial:SERIAL, not a path",
                    row.line
                )));
            };
            let (classification, identity) = class(&row.carrier)?;
            out.push(Expected {
                serial: serial.clone(),
                identity,
                classification,
                row,
            });
        }
        return Ok((out, raw, m.clone()));
    }
    // Every live carrier this operator may wipe now.
    let mut out = Vec::new();
    for (n, c) in reg.carriers(None, None, None)?.into_iter().enumerate() {
        if reg.usable_approval(signer, &c.id).is_err() {
            continue;
        }
        out.push(Expected {
            row: batch::Row {
                line: n as u64 + 2,
                device: batch::Device::Serial(c.serial.clone()),
                carrier: c.id.clone(),
                method: None,
                verify: None,
                technique: None,
            },
            serial: c.serial.clone(),
            identity: c.serial.clone(),
            classification: c.classification.name(),
        });
    }
    if out.is_empty() {
        return Err(Failure::refused(anyhow!(
            "{}",
            mediasan::t!("watch-nothing-approved")
        )));
    }
    let text: String = out
        .iter()
        .map(|e| format!("{},{}\n", e.row.carrier, e.serial))
        .collect();
    Ok((out, text.into_bytes(), args.common.register.path.clone()))
}

/// The watch's confirmation, given once when it starts: the serials of every expected
/// drive (a file, one a line), or their count typed at the terminal.
fn confirm_policy(expected: &[Expected], file: Option<&Path>) -> Result<(), Failure> {
    let serials: Vec<&str> = expected.iter().map(|e| e.serial.as_str()).collect();
    if let Some(f) = file {
        return serials_file(&serials, f);
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(
            Failure::refused(anyhow!("{}", mediasan::t!("watch-needs-terminal")))
                .hint(mediasan::t!("watch-needs-terminal-hint")),
        );
    }
    let n = expected.len();
    crate::ui::prompt(&mediasan::t!("watch-prompt", count = n.to_string()));
    let mut line = String::new();
    let _ = std::io::stdin().lock().read_line(&mut line);
    if line.trim() == n.to_string() {
        Ok(())
    } else {
        Err(Failure::refused(anyhow!(
            "{}",
            mediasan::t!("watch-not-confirmed")
        )))
    }
}

/// `--confirm-serials FILE`: one serial a line, exactly the drives' (none missing, none
/// other), or nothing is written.
fn serials_file(serials: &[&str], f: &Path) -> Result<(), Failure> {
    let text = mediasan::files::read_text_limited(f, 16 << 20)
        .map_err(|e| Failure::usage(anyhow!("--confirm-serials {}: {e}", escape::path(f))))?;
    let given: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let missing: Vec<&&str> = serials.iter().filter(|s| !given.contains(s)).collect();
    let extra: Vec<&&str> = given.iter().filter(|g| !serials.contains(g)).collect();
    if missing.is_empty() && extra.is_empty() {
        return Ok(());
    }
    let mut why = Vec::new();
    if !missing.is_empty() {
        why.push(format!("not confirmed: {missing:?}"));
    }
    if !extra.is_empty() {
        why.push(format!("not drives of this batch: {extra:?}"));
    }
    Err(Failure::refused(anyhow!(
        "--confirm-serials {}: {}; nothing was written",
        escape::path(f),
        why.join("; ")
    )))
}

/// Reads a manifest: its bytes (for the record's digest) and its rows, or every bad line.
fn read_manifest(path: &Path) -> Result<(Vec<u8>, Vec<batch::Row>), Failure> {
    let shown = escape::path(path);
    let raw = mediasan::files::read_limited(path, batch::manifest::MAX_BYTES)
        .map_err(|e| Failure::usage(anyhow!("{shown}: cannot read it: {e}")))?;
    let (text, _) =
        mediasan::register::csv::decode(&raw).map_err(|e| Failure::usage(anyhow!("{shown}: {e}")))?;
    let rows = batch::manifest::parse(&text).map_err(|errors| {
        Failure::usage(anyhow!(
            "{}",
            mediasan::t!(
                "manifest-bad-rows",
                path = shown.as_str(),
                count = errors.len().to_string(),
                lines = mediasan::i18n::Lines(
                    errors
                        .iter()
                        .map(|e| mediasan::escape::text(e))
                        .collect::<Vec<_>>()
                        .join("\n  ")
                )
            )
        ))
    })?;
    Ok((raw, rows))
}
