//! What a person or a script sees: errors with hints, progress bars on a
//! terminal, or one JSON object a line.

use std::io::{IsTerminal, Write};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use indicatif::{BinaryBytes, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use serde_json::json;

use mediasan::job::{Observer, Waiting};
use mediasan::model::report::{PassReport, PassVerification};

/// An error for people: what failed, and what to do; and the exit code it means.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub error: anyhow::Error,
    pub hint: Option<String>,
}

impl Failure {
    pub fn new(code: u8, error: impl Into<anyhow::Error>) -> Failure {
        Failure {
            code,
            error: error.into(),
            hint: None,
        }
    }

    /// Bad usage or unreadable input (exit 2).
    pub fn usage(error: impl Into<anyhow::Error>) -> Failure {
        Failure::new(2, error)
    }

    /// Refused for safety or policy (exit 3).
    pub fn refused(error: impl Into<anyhow::Error>) -> Failure {
        Failure::new(3, error)
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Failure {
        self.hint = Some(hint.into());
        self
    }

    pub fn print(&self) {
        let mut err = std::io::stderr().lock();
        let text = format!("mediasan: {:#}", self.error);
        let _ = writeln!(err, "{}", mediasan::escape::line(&text));
        if let Some(h) = &self.hint {
            let _ = writeln!(err, "{}: {}", mediasan::t!("hint"), mediasan::escape::line(h));
        }
    }
}

impl From<mediasan::files::FileError> for Failure {
    fn from(e: mediasan::files::FileError) -> Failure {
        let hint = e.hint();
        Failure {
            code: e.exit_code(),
            error: e.into(),
            hint,
        }
    }
}

/// `println!` that never panics: a closed stdout (a pipe into `head`) must not
/// abort a wipe or print a backtrace. What it prints passes `escape::line`: no control
/// character but its own line breaks reaches the terminal.
macro_rules! outln {
    () => {
        outln!("")
    };
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($arg)*);
        let _ = writeln!(std::io::stdout().lock(), "{}", mediasan::escape::line(&text));
    }};
}

/// `eprintln!` that never panics, escaped as `outln!` is.
macro_rules! errln {
    () => {
        errln!("")
    };
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let text = format!($($arg)*);
        let _ = writeln!(std::io::stderr().lock(), "{}", mediasan::escape::line(&text));
    }};
}

/// A prompt on stderr, without a line break, escaped as `outln!` is.
pub fn prompt(text: &str) {
    let mut e = std::io::stderr().lock();
    let _ = write!(e, "{}", mediasan::escape::line(text));
    let _ = e.flush();
}

/// Prints one JSON object on its own line on stdout.
pub fn json_line(value: &impl Serialize) {
    let mut out = std::io::stdout().lock();
    if let Ok(s) = serde_json::to_string(value) {
        let _ = writeln!(out, "{}", mediasan::escape::json(&s));
        let _ = out.flush();
    }
}

/// A table's heads from one translated message (`"DEVICE, BUS, …"`): its first `N`
/// comma-separated words.
pub fn heads<const N: usize>(list: &str) -> [&str; N] {
    let mut words = list.split(',').map(str::trim);
    std::array::from_fn(|_| words.next().unwrap_or("-"))
}

/// A table for people: the heads, then each row, columns as wide as their widest cell
/// (in terminal columns: a Chinese character takes two), two spaces apart.
/// Every cell is shown escaped (`escape::text`): an outside string cannot break the table.
pub fn print_table<const N: usize>(head: &[&str; N], rows: &[[String; N]]) {
    use unicode_width::UnicodeWidthStr;
    let rows: Vec<[String; N]> = rows
        .iter()
        .map(|r| r.clone().map(|c| mediasan::escape::text(&c).into_owned()))
        .collect();
    let mut width = head.map(|h| h.width());
    for r in &rows {
        for (w, v) in width.iter_mut().zip(r) {
            *w = (*w).max(v.width());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        cells
            .zip(width)
            .map(|(v, w)| format!("{v}{}", " ".repeat(w.saturating_sub(v.width()))))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    outln!("{}", line(&mut head.iter().copied()));
    for r in &rows {
        outln!("{}", line(&mut r.iter().map(String::as_str)));
    }
}

/// Human byte counts: `64.00 MiB`.
pub fn bytes(n: u64) -> String {
    BinaryBytes(n).to_string()
}

/// How progress is shown: one per job (its bar and pass), told the target with each
/// report; `Sync`, so that jobs on several threads each report through their own,
/// into one `MultiProgress`.
pub enum Reporter {
    /// indicatif bars on a terminal's stderr; a line per pass elsewhere.
    Human {
        bar: Mutex<Option<ProgressBar>>,
        terminal: bool,
        pass: Mutex<(usize, usize)>,
    },
    /// One JSON object a line on stdout.
    Json {
        pass: Mutex<(usize, u64)>,
        last: Mutex<Instant>,
    },
}

/// A lock whose holder panicked still holds what it guards: progress is shown on.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Every bar of the process, drawn together on stderr: bars of several targets, and
/// lines printed between them, never tear one another.
fn bars() -> &'static MultiProgress {
    static BARS: OnceLock<MultiProgress> = OnceLock::new();
    BARS.get_or_init(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
}

impl Reporter {
    pub fn new(json: bool) -> Reporter {
        if json {
            Reporter::Json {
                pass: Mutex::new((0, 0)),
                last: Mutex::new(Instant::now()),
            }
        } else {
            Reporter::Human {
                bar: Mutex::new(None),
                terminal: std::io::stderr().is_terminal(),
                pass: Mutex::new((0, 0)),
            }
        }
    }
}

/// The bar of a whole batch: drives done of all, on a terminal only.
pub fn batch_bar(jobs: u64) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let pb = bars().add(ProgressBar::new(jobs));
    let template = format!(
        "{} [{{bar:32}}] {{pos}}/{{len}} {}, {{elapsed}}",
        mediasan::t!("bar-batch"),
        mediasan::t!("bar-drives-done")
    );
    let style = ProgressStyle::with_template(&template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    pb.set_style(style);
    Some(pb)
}

/// Prints with the bars out of the way (they are drawn again below).
pub fn above_bars(f: impl FnOnce()) {
    bars().suspend(f);
}

const JSON_PROGRESS_EVERY: Duration = Duration::from_secs(1);

/// One bar: bytes, rate, ETA.
fn new_bar(size: u64, prefix: String) -> ProgressBar {
    let pb = bars().add(ProgressBar::new(size));
    let template = format!(
        "{{prefix}} [{{bar:32}}] {{binary_bytes}}/{{binary_total_bytes}} {{binary_bytes_per_sec}} {} {{eta}}",
        mediasan::t!("bar-eta")
    );
    let style = ProgressStyle::with_template(&template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    pb.set_style(style);
    pb.set_prefix(mediasan::escape::text(&prefix).into_owned());
    pb
}

/// Ends a bar and takes it out of the drawing.
fn finish(pb: ProgressBar) {
    pb.finish_and_clear();
    bars().remove(&pb);
}

impl Observer for Reporter {
    fn pass_started(&self, target: &str, index: usize, count: usize, pattern: &str, size: u64) {
        match self {
            Reporter::Human { bar, terminal, pass } => {
                *lock(pass) = (index, count);
                if *terminal {
                    let pb = new_bar(size, format!("{target} pass {index}/{count} {pattern:>8}"));
                    if let Some(old) = lock(bar).replace(pb) {
                        finish(old);
                    }
                }
            }
            Reporter::Json { pass, last } => {
                *lock(pass) = (index, size);
                *lock(last) = Instant::now();
                json_line(&json!({
                    "event": "pass-started", "target": target, "pass": index, "of": count,
                    "pattern": pattern, "bytes": size,
                }));
            }
        }
    }

    fn advanced(&self, target: &str, done: u64) {
        match self {
            Reporter::Human { bar, .. } => {
                if let Some(pb) = lock(bar).as_ref() {
                    pb.set_position(done);
                }
            }
            Reporter::Json { pass, last } => {
                let mut last = lock(last);
                if last.elapsed() >= JSON_PROGRESS_EVERY {
                    *last = Instant::now();
                    let (index, size) = *lock(pass);
                    json_line(&json!({
                        "event": "progress", "target": target, "pass": index,
                        "bytes_done": done, "bytes": size,
                    }));
                }
            }
        }
    }

    fn verify_started(&self, target: &str, index: usize, size: u64) {
        match self {
            Reporter::Human { bar, terminal, .. } => {
                if *terminal {
                    *lock(bar) = Some(new_bar(size, format!("{target} verify pass {index}")));
                }
            }
            Reporter::Json { pass, last } => {
                *lock(pass) = (index, size);
                *lock(last) = Instant::now();
                json_line(&json!({
                    "event": "verify-started", "target": target, "pass": index, "bytes": size,
                }));
            }
        }
    }

    fn verify_finished(&self, target: &str, v: &PassVerification) {
        match self {
            Reporter::Human { bar, .. } => {
                if let Some(pb) = lock(bar).take() {
                    finish(pb);
                }
            }
            Reporter::Json { .. } => json_line(&json!({
                "event": "verify-finished", "target": target, "verification": v,
            })),
        }
    }

    fn waiting(&self, target: &str, w: &Waiting) {
        match self {
            Reporter::Human { bar, terminal, .. } => {
                let line = wait_line(target, w);
                if *terminal {
                    // In place, on the line of the job's bar (a firmware erase's bar counts
                    // no bytes): the wait and how long it has lasted.
                    let mut b = lock(bar);
                    let pb = b.get_or_insert_with(|| bars().add(ProgressBar::new_spinner()));
                    pb.set_style(
                        ProgressStyle::with_template("{msg}")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    pb.set_message(line);
                } else {
                    errln!("{line}");
                }
            }
            Reporter::Json { .. } => json_line(&waiting_event(Some(target), w)),
        }
    }

    fn warning(&self, target: &str, message: &str) {
        // Printed above the bars, which are drawn again below it.
        bars().suspend(|| errln!("{}: {target}: {message}", mediasan::t!("warning")));
    }

    fn pass_finished(&self, target: &str, p: &PassReport) {
        match self {
            Reporter::Human { bar, pass, .. } => {
                if let Some(pb) = lock(bar).take() {
                    finish(pb);
                }
                let (index, count) = *lock(pass);
                let line = mediasan::t!(
                    "progress-pass-finished",
                    target = target,
                    index = index.to_string(),
                    count = count.to_string(),
                    pattern = p.pattern.as_str(),
                    written = bytes(p.bytes),
                    seconds = format!("{}.{:03}", p.milliseconds / 1000, p.milliseconds % 1000),
                    rate = bytes(p.rate)
                );
                let state = if p.completed {
                    String::new()
                } else {
                    format!(" ({})", mediasan::t!("progress-stopped"))
                };
                bars().suspend(|| errln!("{line}{state}"));
            }
            Reporter::Json { .. } => json_line(&json!({
                "event": "pass-finished", "target": target, "pass": p.index, "pattern": p.pattern,
                "bytes": p.bytes, "milliseconds": p.milliseconds, "rate": p.rate,
                "completed": p.completed, "errors": p.errors,
            })),
        }
    }
}

/// A wait as a person reads it: what, for how long, and when mediasan gives up.
pub fn wait_line(target: &str, w: &Waiting) -> String {
    let seconds = w.waited.as_secs().to_string();
    let what = w.detail.to_string();
    match w.limit {
        Some(l) => mediasan::t!(
            "wait-line-limit",
            target = target,
            what = what,
            seconds = seconds,
            limit = l.as_secs().to_string()
        ),
        None => mediasan::t!("wait-line", target = target, what = what, seconds = seconds),
    }
}

/// A wait as `--json` says it: `{"event":"waiting","target":…,"for":"drive"|"random",…}`.
pub fn waiting_event(target: Option<&str>, w: &Waiting) -> serde_json::Value {
    json!({
        "event": "waiting", "target": target, "for": w.what, "detail": w.detail.en(),
        "seconds": w.waited.as_secs(), "limit_seconds": w.limit.map(|l| l.as_secs()),
    })
}
