//! `mediasan batch run`: a manifest of carriers' drives → reconciled (every check of a
//! single wipe, for every row, before the first byte) → one confirmation → N jobs at a
//! time (`mediasan::batch`) → a summary, the batch record and an exit status.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::Mutex;

use anyhow::anyhow;
use serde_json::json;

use mediasan::batch::{self, state::State, Finished, Job, Mismatch};
use mediasan::job::{Observer, Request};
use mediasan::register::Register;
use mediasan::target::{escape_path, Sys};

use crate::cli::{BatchCmd, BatchRunArgs, BatchSub};
use crate::ui::{above_bars, batch_bar, bytes, json_line, Failure, Reporter};

pub fn run(cmd: BatchCmd) -> Result<u8, Failure> {
    match cmd.command {
        BatchSub::Run(args) => run_batch(args),
    }
}

fn run_batch(args: BatchRunArgs) -> Result<u8, Failure> {
    let shown = escape_path(&args.manifest);
    let raw =
        std::fs::read(&args.manifest).map_err(|e| Failure::usage(anyhow!("{shown}: cannot read it: {e}")))?;
    let (text, _) =
        mediasan::register::csv::decode(&raw).map_err(|e| Failure::usage(anyhow!("{shown}: {e}")))?;
    let mut rows = batch::manifest::parse(&text).map_err(|errors| {
        Failure::usage(anyhow!(
            "{shown}: {} bad row(s); nothing was opened:\n  {}",
            errors.len(),
            errors.join("\n  ")
        ))
    })?;
    // The key is unlocked first, never after hours of writing.
    let signer = super::register::acting(&args.acting)?;
    let started = chrono::Utc::now();
    // A resumed batch runs only what the last record of this manifest left unfinished.
    let mut state = State::new(&args.manifest, &raw, &rows, started);
    let mut earlier = Vec::new();
    if args.resume {
        let (path, last) = State::latest(&args.cert_dir, &state.manifest_sha256).ok_or_else(|| {
            Failure::usage(anyhow!(
                "--resume: no batch record of {shown} in {}",
                escape_path(&args.cert_dir)
            ))
            .hint("name the --cert-dir the batch wrote to, or run the batch without --resume")
        })?;
        errln!("resuming the batch recorded in {}", escape_path(&path));
        for j in &last.jobs {
            if !j.unfinished() {
                earlier.push(j.line);
            }
        }
        state = last;
        rows.retain(|r| !earlier.contains(&r.line));
        if rows.is_empty() {
            outln!("every row of the batch is finished; nothing to do");
            return Ok(0);
        }
    }
    let sys = Sys::host();
    let reg = Register::open_read_only(&args.register.path, false)?;
    let base = request(&args)?;
    let (fresh, resumed) = plans(&args, &rows, &base, &reg)?;
    drop(reg);
    // Rows with a checkpoint continue it; the others start afresh.
    let chosen: Vec<&mediasan::job::Plan> = rows
        .iter()
        .enumerate()
        .map(|(i, _)| match &resumed {
            Some(r) if has_checkpoint(&fresh[i], &rows[i], &sys) => &r[i],
            _ => &fresh[i],
        })
        .collect();
    let jobs = reconcile_all(&rows, &chosen, &sys, &args, &signer)?;
    show_table(&jobs, args.json);
    confirm(&jobs, args.confirm_serials.as_deref())?;

    std::fs::create_dir_all(&args.cert_dir)
        .map_err(|e| Failure::usage(anyhow!("--cert-dir {}: {e}", escape_path(&args.cert_dir))))?;
    let record = args
        .cert_dir
        .join(format!("batch-{}.json", state.started.format("%Y%m%dT%H%M%SZ")));
    state.save(&record).map_err(|e| {
        Failure::new(
            1,
            anyhow!("cannot write the batch record {}: {e}", escape_path(&record)),
        )
    })?;
    let parallel = args.parallel.unwrap_or_else(|| default_parallel(&jobs)).max(1);
    if !args.json {
        errln!(
            "{} drive(s), {parallel} at a time; batch record {}",
            jobs.len(),
            escape_path(&record)
        );
    }
    let overall = batch_bar(jobs.len() as u64);
    let shared = Mutex::new(state);
    let json = args.json;
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
    let finished = batch::run(jobs, parallel, &observer, super::wipe::arm_stop(), &done);
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
        errln!(
            "error: the batch record {} could not be written: {e}",
            escape_path(&record)
        );
        return Ok(1);
    }
    let interrupted = finished.iter().any(|f| f.outcome() == "interrupted")
        || state.jobs.iter().any(|j| j.status == "pending");
    if interrupted {
        errln!(
            "the batch was interrupted; continue it with: mediasan batch run --resume --cert-dir {} {}",
            escape_path(&args.cert_dir),
            shown
        );
        return Ok(130);
    }
    Ok(finished.iter().map(Finished::exit_code).max().unwrap_or(0).min(1))
}

fn request(args: &BatchRunArgs) -> Result<Request, Failure> {
    let mut r = Request::new(&args.checkpoint_dir, &args.cert_dir);
    r.coverage_ppm = super::parse_coverage(&args.coverage)?;
    r.expose_hidden = args.expose_hidden;
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
fn has_checkpoint(fresh: &mediasan::job::Plan, row: &batch::Row, sys: &Sys) -> bool {
    let attached = mediasan::identify::scan::attached(sys);
    let Ok(path) = batch::resolve(&row.device, &attached, sys) else {
        return false;
    };
    let Ok(t) = mediasan::target::Target::open(&path, sys, mediasan::target::Access::Read) else {
        return false;
    };
    mediasan::checkpoint::path_for(fresh.checkpoint_dir(), &t.identity).exists()
}

fn reconcile_all<'p>(
    rows: &[batch::Row],
    chosen: &[&'p mediasan::job::Plan],
    sys: &Sys,
    args: &BatchRunArgs,
    signer: &mediasan::keys::Signer,
) -> Result<Vec<Job<'p>>, Failure> {
    batch::reconcile(rows, chosen, sys, &args.register.path, signer).map_err(mismatches)
}

/// The table of what is wrong, one row each: the batch does not start.
fn mismatches(bad: Vec<Mismatch>) -> Failure {
    let lines: Vec<String> = bad
        .iter()
        .map(|m| format!("line {}: {} ({}): {}", m.line, m.device, m.carrier, m.problem))
        .collect();
    Failure::refused(anyhow!(
        "{} row(s) of the manifest do not match; nothing was written:\n  {}",
        bad.len(),
        lines.join("\n  ")
    ))
    .hint("fix the manifest or the drives attached, then run the batch again")
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
            }));
        }
        return;
    }
    outln!("the batch will DESTROY every byte of these drives:\n");
    let head = [
        "LINE",
        "DEVICE",
        "MODEL",
        "SERIAL",
        "SIZE",
        "PARTITIONS",
        "CARRIER",
        "CLASS",
        "METHOD",
        "ESTIMATE",
    ];
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
                j.prepared.method().map_or("-".into(), |m| m.name.clone()),
                format!("{} min", seconds.div_ceil(60)),
            ]
        })
        .collect();
    let mut width = head.map(str::len);
    for r in &rows {
        for (w, v) in width.iter_mut().zip(r) {
            *w = (*w).max(v.chars().count());
        }
    }
    let line = |c: &[String]| {
        c.iter()
            .zip(width)
            .map(|(v, w)| format!("{v:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    outln!("{}", line(&head.map(String::from)));
    for r in &rows {
        outln!("{}", line(r));
    }
    for j in jobs {
        if let Some(r) = j.prepared.resume_point() {
            outln!(
                "line {}: resumes pass {} of {} at byte {}",
                j.row.line,
                r.pass,
                r.of,
                r.offset
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
        let text = std::fs::read_to_string(f)
            .map_err(|e| Failure::usage(anyhow!("--confirm-serials {}: {e}", escape_path(f))))?;
        let given: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        let missing: Vec<&&str> = serials.iter().filter(|s| !given.contains(s)).collect();
        let extra: Vec<&&str> = given.iter().filter(|g| !serials.contains(g)).collect();
        if missing.is_empty() && extra.is_empty() {
            return Ok(());
        }
        return Err(Failure::refused(anyhow!(
            "--confirm-serials {}: {}{}; nothing was written",
            escape_path(f),
            if missing.is_empty() {
                String::new()
            } else {
                format!("not confirmed: {missing:?}")
            },
            if extra.is_empty() {
                String::new()
            } else {
                format!(
                    "{}not in the batch: {extra:?}",
                    if missing.is_empty() { "" } else { "; " }
                )
            },
        )));
    }
    if !(std::io::stdin().is_terminal() && std::io::stderr().is_terminal()) {
        return Err(Failure::refused(anyhow!(
            "the batch needs its drives confirmed, and there is no terminal to ask at"
        ))
        .hint("write the serials to a file, one a line, and pass --confirm-serials FILE"));
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
        {
            let mut e = std::io::stderr().lock();
            let _ = write!(
                e,
                "line {} {} ({}): type the last four characters of its serial: ",
                j.row.line,
                j.prepared.identity().path,
                j.link.carrier.id
            );
            let _ = e.flush();
        }
        let mut typed = String::new();
        let _ = std::io::stdin().lock().read_line(&mut typed);
        if typed.trim() != tail {
            return Err(Failure::refused(anyhow!(
                "line {}: not confirmed; nothing was written",
                j.row.line
            )));
        }
    }
    Ok(())
}

fn say_done(f: &Finished, json: bool) {
    if json {
        json_line(&json!({
            "event": "batch-job-finished", "line": f.line, "carrier": f.carrier, "target": f.path,
            "outcome": f.outcome(), "exit_code": f.exit_code(),
            "error": f.error.as_ref().map(|e| e.message.clone()),
            "certificate": f.certificate.as_ref().map(|p| escape_path(p)),
        }));
        return;
    }
    above_bars(|| {
        errln!(
            "{} ({}): {}{}",
            f.path,
            f.carrier,
            f.outcome(),
            f.error
                .as_ref()
                .map(|e| format!(": {}", e.message))
                .unwrap_or_default()
        )
    });
}

fn summary(finished: &[Finished], state: &State, json: bool) {
    if json {
        json_line(&json!({ "event": "batch-summary", "batch": state }));
        return;
    }
    outln!("\nLINE  DEVICE / CARRIER / OUTCOME / RATE / TIME / CERTIFICATE");
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
            j.path.as_deref().unwrap_or(&j.device),
            j.carrier,
            if f.is_none() && j.status != "pending" {
                format!("{} (earlier)", j.status)
            } else {
                j.status.clone()
            },
            rate,
            time,
            j.certificate.as_deref().unwrap_or("-")
        );
        if let Some(e) = &j.error {
            outln!("      {e}");
        }
    }
}
