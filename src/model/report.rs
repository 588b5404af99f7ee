//! The wipe result: what was written where, how fast, with which keys, and the
//! outcome. Format `mediasan-result/1`, specified in `docs/result-format.md`.
//! No floating-point numbers: rates are whole bytes per second.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::i18n::Said;
use crate::model::identity::Identity;

/// The format tag every result carries.
pub const FORMAT: &str = "mediasan-result/1";

/// How a wipe ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every pass wrote every byte and was synced.
    Sanitised,
    /// Some regions could not be written (listed); reserved for the fault-handling engine.
    Incomplete,
    /// A write or sync failed and the wipe stopped.
    Failed,
    /// Stopped by SIGINT or SIGTERM after the current block.
    Interrupted,
}

impl Outcome {
    /// The name the result format uses: `sanitised`, `incomplete`, `failed`, `interrupted`.
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Sanitised => "sanitised",
            Outcome::Incomplete => "incomplete",
            Outcome::Failed => "failed",
            Outcome::Interrupted => "interrupted",
        }
    }

    /// The outcome the result format names `name`, if any.
    pub fn named(name: &str) -> Option<Outcome> {
        [
            Outcome::Sanitised,
            Outcome::Incomplete,
            Outcome::Failed,
            Outcome::Interrupted,
        ]
        .into_iter()
        .find(|o| o.name() == name)
    }

    /// The outcome in the operator's language (results and JSON keep [`name`](Self::name)).
    pub fn word(self) -> String {
        match self {
            Outcome::Sanitised => crate::t!("outcome-sanitised"),
            Outcome::Incomplete => crate::t!("outcome-incomplete"),
            Outcome::Failed => crate::t!("outcome-failed"),
            Outcome::Interrupted => crate::t!("outcome-interrupted"),
        }
    }

    /// The exit code (README.md, *Exit codes*).
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Sanitised => 0,
            Outcome::Incomplete | Outcome::Failed => 1,
            Outcome::Interrupted => 130,
        }
    }
}

/// The whole result of wiping one target.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WipeReport {
    pub format: String,
    pub tool: Tool,
    pub target: Identity,
    pub method: MethodRecord,
    pub io: IoRecord,
    pub passes: Vec<PassReport>,
    pub outcome: Outcome,
    pub verification: Verification,
    /// Every region some pass could not write (merged): the medium must be destroyed.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub unwritten: Vec<crate::model::sample::Span>,
    /// Times the wipe was resumed after an interruption: when, and where it went on.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub resumed: Vec<Resumption>,
    /// The register entry this wipe belongs to (`wipe --carrier`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub register: Option<RegisterLink>,
    /// A firmware erase: the command, what the drive answered, what the readback found.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub firmware: Option<FirmwareRecord>,
    pub bytes_written: u64,
    pub started: DateTime<Utc>,
    pub finished: DateTime<Utc>,
}

impl WipeReport {
    /// Sectors a hidden area (HPA, DCO) keeps were never written: a wipe that wrote
    /// everything else is `incomplete`, never `sanitised`.
    pub fn account_hidden(&mut self) {
        let hidden = self
            .target
            .drive
            .as_ref()
            .map_or(0, |d| d.hidden.hidden_sectors());
        if hidden > 0 && self.outcome == Outcome::Sanitised {
            self.outcome = Outcome::Incomplete;
        }
    }
}

/// What a firmware erase did (`wipe --technique`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FirmwareRecord {
    /// The technique's name (`nvme-format-user`, …).
    pub technique: String,
    /// The sanitization category it reaches when it holds: `purge` or `clear`.
    pub category: String,
    /// The command with its parameters.
    pub command: String,
    /// What the drive reported, or why the command failed.
    pub drive_status: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub recovery: Option<String>,
    /// Markers planted before the erase and read back past the caches after it.
    pub markers: MarkerCheck,
    pub milliseconds: u64,
    /// A sanitize an interrupted run sent, followed to its end by `--resume`: the markers
    /// read back are the ones that run planted (kept in its journal).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub followed: bool,
}

/// The program that wrote the result.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    pub fn this() -> Tool {
        Tool {
            name: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// The method as planned: its name and every pass in order.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MethodRecord {
    /// A name from `mediasan methods`, or `custom`.
    pub name: String,
    /// Pattern labels of every planned pass (`0xFF`, `random`, ...), the `--blank` pass included.
    pub passes: Vec<String>,
    pub blank: bool,
}

/// How the target was written.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IoRecord {
    /// Whether writes bypassed the page cache with `O_DIRECT` (a file's unaligned tail never does).
    pub direct: bool,
    /// Alignment of direct writes in bytes.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub alignment: Option<u64>,
    pub block_size: u64,
    /// Threads generating the random stream ahead of the writer.
    pub generator_threads: u32,
    /// Each pass ends with `fdatasync`.
    pub sync: String,
}

/// One pass as it happened.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PassReport {
    /// 1-based.
    pub index: u32,
    pub pattern: String,
    /// Bytes written and synced by this pass.
    pub bytes: u64,
    /// Bytes the pass had to write (the target's size).
    pub size: u64,
    pub milliseconds: u64,
    /// Bytes per second.
    pub rate: u64,
    /// The pass went over the whole target (regions it could not write are below).
    pub completed: bool,
    /// Regions this pass could not write, narrowed down to the sector.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub unwritten: Vec<crate::model::sample::Span>,
    /// The first write error behind `unwritten`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub write_error: Option<String>,
    /// Errors that ended the pass.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub errors: Vec<IoFault>,
    /// For a random pass: the key and how the stream is built from it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub random: Option<RandomRecord>,
}

pub use super::sample::IoFault;

/// What anyone needs to regenerate a random pass.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RandomRecord {
    /// 64 hex digits.
    pub key: String,
    pub construction: String,
    #[serde(rename = "crate")]
    pub generator_crate: String,
}

/// Whole bytes per second, without floating point.
pub fn rate(bytes: u64, milliseconds: u64) -> u64 {
    (u128::from(bytes) * 1000 / u128::from(milliseconds.max(1))) as u64
}

/// What a verification found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerifyResult {
    /// Every readback the mode asks for ran and matched, and every pass was written.
    Match,
    /// A byte read back was not the one written.
    Mismatch,
    /// Read errors, a pass not written whole, or a readback interrupted.
    Incomplete,
    /// Mode none, or the wipe stopped before there was anything to verify.
    NotRun,
}

impl VerifyResult {
    pub fn name(self) -> &'static str {
        match self {
            VerifyResult::Match => "match",
            VerifyResult::Mismatch => "mismatch",
            VerifyResult::Incomplete => "incomplete",
            VerifyResult::NotRun => "not-run",
        }
    }
}

impl Verification {
    /// The one place a verification's verdict and assurance are decided. `match` only
    /// when every pass was written (`all_written`) and every readback ran and
    /// matched: a readback of an early pass vouches for nothing once a later pass
    /// failed half-way. The assurance, of a match only, is the last readback's: its
    /// sample's (`last_plan`), or a full read's.
    pub fn decide(
        mode: VerifyMode,
        cache: Option<CacheReport>,
        passes: Vec<PassVerification>,
        last_plan: Option<&crate::model::sample::SamplePlan>,
        all_written: bool,
    ) -> Verification {
        let result = if mode == VerifyMode::None || passes.is_empty() {
            VerifyResult::NotRun
        } else if passes.iter().any(|p| p.readback.mismatched_bytes > 0) {
            VerifyResult::Mismatch
        } else if !all_written || passes.iter().any(|p| !p.matched) {
            VerifyResult::Incomplete
        } else {
            VerifyResult::Match
        };
        let assurance = (result == VerifyResult::Match).then(|| match last_plan {
            Some(plan) => crate::model::sample::Assurance::sampled(plan),
            None => crate::model::sample::Assurance::full(),
        });
        Verification {
            mode,
            result,
            cache,
            passes,
            assurance,
        }
    }
}

/// Which readback `--verify` asks for, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum VerifyMode {
    /// No readback.
    #[default]
    None,
    /// The last pass, at sampled locations (NIST SP 800-88 r1 §4.7 style).
    Sample,
    /// The last pass, every byte.
    Last,
    /// Every pass, every byte.
    All,
}

impl VerifyMode {
    /// The name the result format and `--verify` use.
    pub fn name(self) -> &'static str {
        match self {
            VerifyMode::None => "none",
            VerifyMode::Sample => "sample",
            VerifyMode::Last => "last",
            VerifyMode::All => "all",
        }
    }
}

impl std::str::FromStr for VerifyMode {
    type Err = String;
    fn from_str(s: &str) -> Result<VerifyMode, String> {
        match s {
            "none" => Ok(VerifyMode::None),
            "sample" => Ok(VerifyMode::Sample),
            "last" => Ok(VerifyMode::Last),
            "all" => Ok(VerifyMode::All),
            _ => Err(format!(
                "unknown verification {s:?}: use none, sample, last or all"
            )),
        }
    }
}

/// What stood between the host and the medium during a readback.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct CacheReport {
    /// How the host's page cache was bypassed or dropped.
    pub page_cache: Said,
    /// What could not be bypassed, each in words.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub not_bypassed: Vec<Said>,
    /// Whether the bytes read can be said to come from the medium (never for a file).
    pub from_medium: bool,
}

/// The verification of a wipe.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Verification {
    pub mode: VerifyMode,
    pub result: VerifyResult,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cache: Option<CacheReport>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub passes: Vec<PassVerification>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub assurance: Option<crate::model::sample::Assurance>,
}

/// The readback of one pass.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PassVerification {
    /// 1-based pass index.
    pub pass: u32,
    pub pattern: String,
    /// `sample` or `full`.
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sample: Option<SampleRecord>,
    #[serde(flatten)]
    pub readback: crate::model::sample::Readback,
    pub matched: bool,
}

/// Everything needed to rebuild a sampling plan: `SamplePlan::new(size, unit,
/// coverage_ppm, seed)` with the target's size.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SampleRecord {
    /// 16 hex digits.
    pub seed: String,
    pub coverage_ppm: u32,
    pub unit: u64,
    pub subsections: u64,
    /// Independently placed locations (k).
    pub locations: u64,
    /// Share of the target actually read, parts per million.
    pub covered_ppm: u64,
}

/// Where a wipe of a registered carrier is recorded.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RegisterLink {
    pub register_id: String,
    pub carrier: String,
    pub approval: String,
    /// The wipe-started event: its sequence number and hash.
    pub wipe_started_seq: u64,
    pub wipe_started_hash: String,
}

/// A resumption of an interrupted wipe.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Resumption {
    pub at: DateTime<Utc>,
    /// 1-based pass it went on with, and the byte it went on from.
    pub pass: u32,
    pub offset: u64,
}

/// How the readback after the erase found the markers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkerCheck {
    pub planted: u64,
    pub found: u64,
    pub unreadable: u64,
    /// Blocks of the earlier content (not uniform: not one byte repeated) fingerprinted
    /// before the erase, and how many of them read back unchanged after it.
    #[serde(default)]
    pub fingerprinted: u64,
    #[serde(default)]
    pub unchanged: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub first_error: Option<String>,
}

impl MarkerCheck {
    pub fn holds(&self) -> bool {
        self.planted > 0 && self.found == 0 && self.unreadable == 0 && self.unchanged == 0
    }
}
