//! The plan: what was asked, validated once.

use std::path::{Path, PathBuf};

use super::JobError;
use crate::cert::BackedUp;
use crate::engine::Options;
use crate::medium::Policy;
use crate::method::{self, PassTemplate};
use crate::model::report::VerifyMode;
use crate::register::Classification;

/// What a caller asks of a wipe: the command line's words, before they are checked.
#[derive(Clone, Debug)]
pub struct Request {
    /// A method from `mediasan methods`, or none for `passes` (or the default `random`).
    pub method: Option<String>,
    /// A custom pass list (`0x00,0xFF,random`).
    pub passes: Option<String>,
    pub blank: bool,
    /// `None`: what the configuration sets for the carrier's classification, else a sample.
    pub verify: Option<VerifyMode>,
    /// The least share a sample reads, parts per million.
    pub coverage_ppm: u32,
    pub block_size: Option<usize>,
    pub threads: Option<usize>,
    pub dry_run: bool,
    /// The serials confirmed for block devices (`--confirm`).
    pub confirm: Vec<String>,
    pub result: Option<PathBuf>,
    /// How many targets the command names (a result file takes one).
    pub targets: usize,
    pub cert_dir: PathBuf,
    pub resume: bool,
    pub checkpoint_dir: PathBuf,
    pub allow_open_by: Vec<u32>,
    pub backed_up: BackedUp,
    pub backup_location: Option<String>,
    /// The classification of the registered carrier wiped: without `method` or
    /// `passes`, it chooses the method ([`default_method`]).
    pub classification: Option<Classification>,
    /// Remove a Host Protected Area before writing (`--expose-hidden`).
    pub expose_hidden: bool,
    /// The host's overwrite, or a firmware erase (`--technique`).
    pub technique: crate::purge::Technique,
    /// The configuration's method and verification per classification, used where the
    /// request names none.
    pub defaults: std::collections::BTreeMap<Classification, (Option<String>, Option<VerifyMode>)>,
    /// The station, for the certificate (its contact phone; its organisation where no
    /// register vouches for the wipe).
    pub station: crate::config::Station,
}

/// The method a registered carrier is wiped with when none is named: BMB21 for the
/// three levels of state secret (绝密, 机密, 秘密: the national secrecy administration's
/// standard, as nwipe implements it), one random pass (NIST Clear) otherwise. A
/// built-in table until the configuration can set it.
pub fn default_method(classification: Option<Classification>) -> &'static str {
    match classification {
        Some(c) if c.is_classified() => "bmb21",
        _ => "random",
    }
}

impl Request {
    /// A request with the defaults of `mediasan wipe`: one random pass, sampled.
    pub fn new(checkpoint_dir: impl Into<PathBuf>, cert_dir: impl Into<PathBuf>) -> Request {
        Request {
            method: None,
            passes: None,
            blank: false,
            verify: None,
            coverage_ppm: 100_000,
            block_size: None,
            threads: None,
            dry_run: false,
            confirm: Vec::new(),
            result: None,
            targets: 1,
            cert_dir: cert_dir.into(),
            resume: false,
            checkpoint_dir: checkpoint_dir.into(),
            allow_open_by: Vec::new(),
            backed_up: BackedUp::Unknown,
            backup_location: None,
            classification: None,
            expose_hidden: false,
            technique: crate::purge::Technique::Overwrite,
            defaults: Default::default(),
            station: Default::default(),
        }
    }
}

/// A wipe, validated: the method's passes, the engine's options, the verification,
/// where the checkpoint, result and certificate go.
#[derive(Clone, Debug)]
pub struct Plan {
    method: String,
    passes: Vec<PassTemplate>,
    blank: bool,
    options: Options,
    dry_run: bool,
    confirm: Vec<String>,
    result: Option<PathBuf>,
    cert_dir: PathBuf,
    resume: bool,
    checkpoint_dir: PathBuf,
    policy: Policy,
    backed_up: BackedUp,
    backup_location: Option<String>,
    expose_hidden: bool,
    technique: crate::purge::Technique,
    station: crate::config::Station,
}

impl Plan {
    pub fn new(r: Request) -> Result<Plan, JobError> {
        let (name, mut passes) = match (&r.method, &r.passes) {
            (None, Some(list)) => {
                let passes = method::parse_passes(list).map_err(|e| {
                    JobError::usage(format!("--passes: {e}")).hint(crate::t!("job-passes-hint"))
                })?;
                ("custom".to_string(), passes)
            }
            (named, _) => {
                let configured = r
                    .classification
                    .and_then(|c| r.defaults.get(&c))
                    .and_then(|(m, _)| m.as_deref());
                let name = named
                    .as_deref()
                    .or(configured)
                    .unwrap_or(default_method(r.classification));
                let m = method::find(name).ok_or_else(|| {
                    JobError::usage(crate::said!("job-unknown-method", name = format!("{name:?}")))
                        .hint(crate::t!("job-unknown-method-hint"))
                })?;
                (m.name.to_string(), m.passes.to_vec())
            }
        };
        if r.blank {
            passes.push(method::blank_pass());
        }
        if r.result.is_some() && r.targets > 1 {
            return Err(JobError::usage(crate::said!(
                "job-result-one-target",
                count = r.targets.to_string()
            ))
            .hint(crate::t!("job-result-one-target-hint")));
        }
        let mut options = Options::default();
        if let Some(b) = r.block_size {
            if b == 0 || !b.is_multiple_of(4096) || b > (256 << 20) {
                return Err(JobError::usage(crate::said!("job-block-size")));
            }
            options.block_size = b;
        }
        if let Some(t) = r.threads {
            options.threads = t.clamp(1, 256);
        }
        let verify = r
            .verify
            .or_else(|| {
                r.classification
                    .and_then(|c| r.defaults.get(&c))
                    .and_then(|(_, v)| *v)
            })
            .unwrap_or(VerifyMode::Sample);
        options.verify.mode = verify;
        options.verify.coverage_ppm = r.coverage_ppm;
        if r.resume && verify == VerifyMode::None {
            return Err(JobError::usage(crate::said!("job-resume-verify-none"))
                .hint(crate::t!("job-resume-verify-none-hint")));
        }
        // A method whose standard requires its random pass verified gets it verified,
        // whatever passes follow (--blank), and never --verify none.
        let required = method::find(&name).and_then(|m| m.verified_pass);
        if required.is_some() && verify == VerifyMode::None {
            return Err(
                JobError::usage(crate::said!("job-verify-required", method = name.as_str()))
                    .hint(crate::t!("job-verify-required-hint")),
            );
        }
        options.verify.required = required;
        Ok(Plan {
            method: name,
            passes,
            blank: r.blank,
            options,
            dry_run: r.dry_run,
            confirm: r.confirm,
            result: r.result,
            cert_dir: r.cert_dir,
            resume: r.resume,
            checkpoint_dir: r.checkpoint_dir,
            policy: Policy {
                allow_open_by: r.allow_open_by,
                open_locked: r.resume && r.technique.is_firmware(),
            },
            backed_up: r.backed_up,
            backup_location: r.backup_location,
            expose_hidden: r.expose_hidden,
            technique: r.technique,
            station: r.station,
        })
    }

    /// The station the wipe runs on, for its certificate.
    pub fn station(&self) -> &crate::config::Station {
        &self.station
    }

    /// The method's name (`custom` for a pass list).
    pub fn method(&self) -> &str {
        &self.method
    }

    pub fn passes(&self) -> &[PassTemplate] {
        &self.passes
    }

    pub fn blank(&self) -> bool {
        self.blank
    }

    /// The passes in words, as results and listings show them.
    pub fn labels(&self) -> Vec<String> {
        self.passes.iter().map(method::describe).collect()
    }

    pub fn options(&self) -> Options {
        self.options
    }

    pub fn dry_run(&self) -> bool {
        self.dry_run
    }

    pub fn confirm(&self) -> &[String] {
        &self.confirm
    }

    pub fn result(&self) -> Option<&Path> {
        self.result.as_deref()
    }

    pub fn cert_dir(&self) -> &Path {
        &self.cert_dir
    }

    pub fn resume(&self) -> bool {
        self.resume
    }

    pub fn checkpoint_dir(&self) -> &Path {
        &self.checkpoint_dir
    }

    /// The technique asked for (`auto` is resolved against the drive in prepare).
    pub fn technique(&self) -> crate::purge::Technique {
        self.technique
    }

    /// Whether a Host Protected Area is to be removed before the wipe.
    pub fn expose_hidden(&self) -> bool {
        self.expose_hidden
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn backed_up(&self) -> BackedUp {
        self.backed_up
    }

    pub fn backup_location(&self) -> Option<&str> {
        self.backup_location.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request {
        Request::new("/nonexistent/checkpoints", ".")
    }

    #[test]
    fn a_plan_checks_what_was_asked() {
        let p = Plan::new(Request {
            method: Some("dod-3".into()),
            blank: true,
            ..request()
        })
        .unwrap();
        assert_eq!(p.labels(), ["0x00", "0xFF", "random", "0x00"]);
        assert_eq!(p.options().verify.required, Some(2));
        // Without a method: the carrier's classification chooses.
        for (c, m) in [
            (None, "random"),
            (Some(Classification::Secret), "bmb21"),
            (Some(Classification::Confidential), "bmb21"),
            (Some(Classification::Internal), "random"),
        ] {
            let p = Plan::new(Request {
                classification: c,
                ..request()
            })
            .unwrap();
            assert_eq!(p.method(), m, "{c:?}");
        }
        for (bad, says) in [
            (
                Request {
                    method: Some("dod-99".into()),
                    ..request()
                },
                "unknown method",
            ),
            (
                Request {
                    passes: Some("0x00,maybe".into()),
                    ..request()
                },
                "pass 2",
            ),
            (
                Request {
                    result: Some("r.json".into()),
                    targets: 2,
                    ..request()
                },
                "one target",
            ),
            (
                Request {
                    block_size: Some(1000),
                    ..request()
                },
                "--block-size",
            ),
            (
                Request {
                    resume: true,
                    verify: Some(VerifyMode::None),
                    ..request()
                },
                "cannot go with --resume",
            ),
            (
                Request {
                    method: Some("hmg-is5-enhanced".into()),
                    verify: Some(VerifyMode::None),
                    ..request()
                },
                "requires its random pass",
            ),
        ] {
            let e = Plan::new(bad).unwrap_err();
            assert_eq!(e.code, 2);
            assert!(e.message.en().contains(says), "{e}");
        }
    }
}
