//! `mediasan verify`: read a target back without writing — against a pattern
//! with a fresh sample (a second tool, a second person), or replaying the check
//! of an earlier wipe from its result.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use anyhow::anyhow;
use serde_json::json;

use mediasan::escape;
use mediasan::medium::{Access, Identity, Sys, Target};
use mediasan::model::report::{SampleRecord, Verification, VerifyMode, VerifyResult, WipeReport, FORMAT};
use mediasan::pattern::{Pattern, StreamKey};
use mediasan::verify::{fresh_seed, verify_pass, SamplePlan, SampleSpec};

use super::wipe::print_verification;
use crate::cli::VerifyArgs;
use crate::ui::{json_line, Failure, Reporter};

/// The format tag of what `mediasan verify --json` prints last.
pub const VERIFY_FORMAT: &str = "mediasan-verify/1";

/// What the target must hold, and how to sample it.
struct Expectation {
    pattern: Pattern,
    /// 1-based pass index in the replayed result, 0 for `--expect`.
    pass: u32,
    sample: Option<Sample>,
    replayed: Option<WipeReport>,
}

/// A sample fixed by a replayed result, or drawn fresh once the target's alignment is known.
enum Sample {
    Fixed(SampleSpec, SampleRecord),
    Fresh(u32),
}

pub fn run(args: VerifyArgs) -> Result<u8, Failure> {
    let exp = match &args.replay {
        Some(path) => from_result(path, args.full)?,
        None => {
            let text = args.expect.as_deref().unwrap_or_default();
            Expectation {
                pattern: parse_expect(text)?,
                pass: 0,
                sample: (!args.full).then_some(Sample::Fresh(super::parse_coverage(&args.coverage)?)),
                replayed: None,
            }
        }
    };
    let mut target = Target::open(&args.target, &Sys::host(), Access::Read).map_err(|e| {
        let code = e.exit_code();
        let hint = e.hint();
        let f = Failure::new(code, e);
        match hint {
            Some(h) => f.hint(h),
            None => f,
        }
    })?;
    if let Some(r) = &exp.replayed {
        same_target(&target.identity, &r.target)?;
    }
    let sample = match exp.sample {
        Some(Sample::Fixed(spec, record)) => {
            same_plan(&spec, &record, target.identity.size)?;
            Some(spec)
        }
        Some(Sample::Fresh(coverage)) => {
            let seed = fresh_seed().map_err(|e| {
                Failure::new(
                    1,
                    anyhow!("{}", mediasan::t!("verify-no-entropy", error = e.to_string())),
                )
            })?;
            Some(SampleSpec::for_medium(&target, coverage, seed))
        }
        None => None,
    };
    let cache = target.prepare_readback();
    let path = target.identity.path.clone();
    let reporter = Reporter::new(args.json);
    let reporter = mediasan::job::Named {
        observer: &reporter,
        target: &path,
    };
    let (pass, plan) = verify_pass(
        &mut target,
        &exp.pattern,
        exp.pass,
        sample,
        &[],
        &AtomicBool::new(false),
        &reporter,
    );
    let mode = if plan.is_some() {
        VerifyMode::Sample
    } else {
        VerifyMode::Last
    };
    // Nothing was written here: the pass checked is taken as written whole.
    let verification = Verification::decide(mode, Some(cache), vec![pass], plan.as_ref(), true);
    let result = verification.result.name();
    if args.json {
        json_line(&json!({
            "event": "result", "format": VERIFY_FORMAT, "target": target.identity,
            "expected": exp.pattern.label(),
            "replayed": args.replay.as_deref().map(escape::path),
            "verification": verification,
        }));
    } else {
        outln!(
            "{}: expected {} — {result}",
            mediasan::escape::text(&path),
            exp.pattern.label()
        );
        print_verification(&verification);
    }
    Ok(if verification.result == VerifyResult::Match {
        0
    } else {
        1
    })
}

/// `zero`, `one`, or a hex pattern.
fn parse_expect(text: &str) -> Result<Pattern, Failure> {
    let bytes = match text {
        "zero" => vec![0x00],
        "one" => vec![0xFF],
        "random" => {
            return Err(
                Failure::usage(anyhow!("{}", mediasan::t!("verify-expect-random")))
                    .hint(mediasan::t!("verify-expect-random-hint")),
            )
        }
        hex => match mediasan::method::parse_passes(hex) {
            Ok(passes) if passes.len() == 1 => match mediasan::method::expand(&passes) {
                Ok(mut p) => return Ok(p.remove(0)),
                Err(e) => return Err(Failure::new(1, anyhow!("{e}"))),
            },
            _ => {
                return Err(Failure::usage(anyhow!(
                    "--expect {text:?}: expected zero, one, or one hex pattern such as 0xAA or 0x924924"
                )))
            }
        },
    };
    Ok(Pattern::Fixed(bytes))
}

/// The expectation a wipe result leaves: its last pass, its key, its sample.
fn from_result(path: &Path, full: bool) -> Result<Expectation, Failure> {
    let shown = escape::path(path);
    let data = mediasan::files::read_limited(path, 64 << 20)
        .map_err(|e| Failure::usage(anyhow!("{shown}: cannot read the result: {e}")))?;
    let report: WipeReport = serde_json::from_slice(&data)
        .map_err(|e| Failure::usage(anyhow!("{shown}: not a mediasan result ({e})")))?;
    if report.format != FORMAT {
        return Err(Failure::usage(anyhow!(
            "{shown}: format {:?}, this mediasan reads {FORMAT}",
            report.format
        )));
    }
    let last = report
        .passes
        .last()
        .ok_or_else(|| Failure::usage(anyhow!("{shown}: the result records no pass")))?;
    if !last.completed {
        return Err(Failure::usage(anyhow!(
            "{shown}: the last pass of that wipe did not complete, so the target holds no single pattern to check"
        )));
    }
    let pattern = match &last.random {
        Some(r) => Pattern::Random(
            StreamKey::from_hex(&r.key)
                .ok_or_else(|| Failure::usage(anyhow!("{shown}: pass {} has a malformed key", last.index)))?,
        ),
        None => parse_expect(&last.pattern)?,
    };
    if let Some(r) = &last.random {
        if r.generator_crate != mediasan::pattern::STREAM_CRATE
            || r.construction != mediasan::pattern::STREAM_CONSTRUCTION
        {
            return Err(Failure::usage(anyhow!(
                "{shown}: its random stream ({}, {}) is not the one this mediasan generates",
                r.construction,
                r.generator_crate
            )));
        }
    }
    let sample = if full {
        None
    } else {
        let record = report
            .verification
            .passes
            .iter()
            .rev()
            .find_map(|p| p.sample.as_ref())
            .ok_or_else(|| {
                Failure::usage(anyhow!(
                    "{}",
                    mediasan::t!("verify-no-sample", result = shown.to_string())
                ))
                .hint(mediasan::t!("verify-no-sample-hint"))
            })?;
        let spec = SampleSpec::from_record(record).ok_or_else(|| {
            Failure::usage(anyhow!(
                "{}",
                mediasan::t!("verify-sample-malformed", result = shown.to_string())
            ))
        })?;
        Some(Sample::Fixed(spec, record.clone()))
    };
    Ok(Expectation {
        pattern,
        pass: last.index,
        sample,
        replayed: Some(report),
    })
}

/// A replay reads the same target: same kind, size and serial (or inode).
fn same_target(now: &Identity, then: &Identity) -> Result<(), Failure> {
    if now.is_same_target(then) {
        return Ok(());
    }
    Err(Failure::refused(anyhow!(
        "{}",
        mediasan::t!(
            "verify-not-the-target",
            path = now.path.as_str(),
            then = then.path.as_str(),
            then_size = then.size.to_string(),
            then_serial = format!("{:?}", then.serial.as_deref().unwrap_or("-")),
            size = now.size.to_string(),
            serial = format!("{:?}", now.serial.as_deref().unwrap_or("-"))
        )
    ))
    .hint(mediasan::t!("verify-not-the-target-hint")))
}

/// A replay must read the places the wipe read: the plan rebuilt from the record has
/// to have the recorded shape, or this mediasan plans differently from the one that
/// wrote the result.
fn same_plan(spec: &SampleSpec, record: &SampleRecord, size: u64) -> Result<(), Failure> {
    let plan = SamplePlan::new(size, spec.unit, spec.coverage_ppm, spec.seed);
    let same = plan.subsections == record.subsections
        && plan.locations.len() as u64 == record.locations
        && plan.covered_ppm() == record.covered_ppm;
    if same {
        return Ok(());
    }
    Err(Failure::usage(anyhow!(
        "{}",
        mediasan::t!(
            "verify-cannot-rebuild",
            locations = plan.locations.len().to_string(),
            subsections = plan.subsections.to_string(),
            ppm = plan.covered_ppm().to_string(),
            recorded_locations = record.locations.to_string(),
            recorded_subsections = record.subsections.to_string(),
            recorded_ppm = record.covered_ppm.to_string()
        )
    ))
    .hint(mediasan::t!("verify-cannot-rebuild-hint")))
}
