//! Checkpoints: where an interrupted wipe stands, so that `wipe --resume` continues
//! with the same method, the same random keys and the same passes. A checkpoint is
//! written (0600, whole or not at all) only after the data it vouches for is synced.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::engine::Resume;
use crate::medium::{Identity, Kind};
use crate::model::report::{MethodRecord, PassReport, VerifyMode};
use crate::pattern::{Pattern, StreamKey};
use crate::register::rules::PassFinished;
use crate::verify::Span;

pub const FORMAT: &str = "mediasan-checkpoint/1";

/// Where checkpoints are kept unless told otherwise.
pub const DEFAULT_DIR: &str = "/var/lib/mediasan/checkpoints";

/// One pass as the checkpoint keeps it: its label and, for a random pass, its key.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PassSpec {
    pub pattern: String,
    pub key: Option<String>,
}

impl PassSpec {
    pub fn of(p: &Pattern) -> PassSpec {
        PassSpec {
            pattern: p.label(),
            key: match p {
                Pattern::Random(k) => Some(k.to_hex()),
                Pattern::Fixed(_) => None,
            },
        }
    }

    pub fn pattern(&self) -> Option<Pattern> {
        match (self.pattern.as_str(), &self.key) {
            ("random", Some(k)) => StreamKey::from_hex(k).map(Pattern::Random),
            (label, None) => label
                .strip_prefix("0x")
                .and_then(crate::pattern::parse_hex)
                .filter(|b| !b.is_empty())
                .map(Pattern::Fixed),
            _ => None,
        }
    }
}

/// The SHA-256 of a random pass's key (hex), as the register records a finished pass.
pub fn key_digest(p: &Pattern) -> Option<String> {
    use sha2::Digest;
    match p {
        Pattern::Random(k) => Some(crate::pattern::hex(&sha2::Sha256::digest(k.0))),
        Pattern::Fixed(_) => None,
    }
}

/// Where a wipe stands.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Checkpoint {
    pub format: String,
    pub target: Identity,
    pub method: MethodRecord,
    pub passes: Vec<PassSpec>,
    pub verify: VerifyMode,
    pub coverage_ppm: u32,
    pub seed: u64,
    pub block_size: u64,
    /// 1-based pass in progress, and how far it is (written and synced).
    pub pass: usize,
    pub offset: u64,
    pub unwritten: Vec<Span>,
    /// Reports of the passes already done.
    pub done: Vec<PassReport>,
    pub started: DateTime<Utc>,
    pub saved: DateTime<Utc>,
    /// When the wipe was resumed before: (time, pass, offset).
    pub resumed: Vec<(DateTime<Utc>, usize, u64)>,
    /// A carrier's wipe: the carrier, and the wipe-started event of the wipe's first
    /// run, under which the register records each finished pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wipe: Option<u64>,
}

/// The checkpoint file of a target in `dir`: a device by its serial, a file by its
/// device and inode.
pub fn path_for(dir: &Path, id: &Identity) -> PathBuf {
    let name = match id.kind {
        Kind::BlockDevice => format!("device-{}", id.serial.as_deref().unwrap_or("unknown")),
        Kind::File => format!(
            "file-{}-{}",
            id.devno.as_deref().unwrap_or("0:0"),
            id.inode.unwrap_or(0)
        ),
    };
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("{safe}.checkpoint.json"))
}

/// The journal of a firmware erase of the target in `dir` (beside its checkpoint).
pub fn journal_path_for(dir: &Path, id: &Identity) -> PathBuf {
    path_for(dir, id)
        .with_extension("")
        .with_extension("firmware.json")
}

impl Checkpoint {
    /// Writes the checkpoint atomically, readable by its owner only.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        crate::files::save_private(path, serde_json::to_string_pretty(self)?.as_bytes())
    }

    pub fn load(path: &Path) -> Result<Checkpoint, String> {
        let text = crate::files::read_limited(path, 64 << 20).map_err(|e| e.to_string())?;
        let c: Checkpoint = serde_json::from_slice(&text).map_err(|e| format!("not a checkpoint: {e}"))?;
        if c.format != FORMAT {
            return Err(format!("format {:?}, this mediasan reads {FORMAT}", c.format));
        }
        Ok(c)
    }

    /// The patterns, as they were drawn.
    pub fn patterns(&self) -> Option<Vec<Pattern>> {
        self.passes.iter().map(PassSpec::pattern).collect()
    }

    /// Checks the checkpoint against the plan rebuilt from it and against the target
    /// as it is now, and returns its patterns. A checkpoint is evidence, not proof:
    /// whatever does not fit is refused with the reason.
    pub fn check(&self, now: &Identity) -> Result<Vec<Pattern>, crate::i18n::Said> {
        if !self.same_target(now) {
            return Err(crate::said!(
                "checkpoint-other-target",
                path = self.target.path.as_str(),
                identity = self.target.register_identity().unwrap_or("no identity")
            ));
        }
        let templates = crate::method::templates_of(&self.method).ok_or_else(|| {
            crate::said!(
                "checkpoint-method-disagrees",
                method = format!("{:?}", self.method.name)
            )
        })?;
        let patterns = self
            .patterns()
            .ok_or_else(|| crate::said!("checkpoint-malformed"))?;
        if patterns.len() != templates.len() {
            return Err(crate::said!(
                "checkpoint-pass-count",
                listed = patterns.len().to_string(),
                method = self.method.name.as_str(),
                has = templates.len().to_string()
            ));
        }
        for (i, (t, p)) in templates.iter().zip(&patterns).enumerate() {
            let previous = i.checked_sub(1).map(|j| &patterns[j]);
            if !crate::method::fits(t, p, previous) {
                return Err(crate::said!(
                    "checkpoint-pass-differs",
                    pass = (i + 1).to_string(),
                    label = p.label(),
                    method = self.method.name.as_str(),
                    want = crate::method::describe(t)
                ));
            }
        }
        let block = self.block_size;
        if block == 0 || !block.is_multiple_of(4096) || block > 256 << 20 {
            return Err(crate::said!("checkpoint-block-size", block = block.to_string()));
        }
        if !(1..=patterns.len() + 1).contains(&self.pass) || self.offset > self.target.size {
            return Err(crate::said!(
                "checkpoint-outside",
                pass = self.pass.to_string(),
                offset = self.offset.to_string(),
                passes = patterns.len().to_string(),
                size = self.target.size.to_string()
            ));
        }
        if self.coverage_ppm == 0 || self.coverage_ppm > 1_000_000 {
            return Err(crate::said!(
                "checkpoint-coverage",
                ppm = self.coverage_ppm.to_string()
            ));
        }
        if self.done.len() + 1 != self.pass {
            return Err(crate::said!(
                "checkpoint-done",
                pass = self.pass.to_string(),
                done = self.done.len().to_string()
            ));
        }
        for (i, d) in self.done.iter().enumerate() {
            let whole = d.completed && d.size == self.target.size && d.index as usize == i + 1;
            if !whole || d.pattern != patterns[i].label() {
                return Err(crate::said!(
                    "checkpoint-report-misfit",
                    pass = (i + 1).to_string()
                ));
            }
        }
        Ok(patterns)
    }

    /// Where a resumed wipe starts: after the leading passes that the register
    /// records as finished (`proven`, for a carrier's wipe), never past the start of
    /// the last pass (a resumed wipe always writes, and its last pass is verified), and
    /// inside a pass only when that pass is the one the checkpoint stands in. Passes
    /// the checkpoint alone vouches for are written again.
    pub fn resume_point(&self, patterns: &[Pattern], proven: &[PassFinished]) -> Resume {
        let of = patterns.len() as u32;
        let recorded = |i: usize| {
            let p = &patterns[i];
            let report = self.done.get(i)?;
            proven.iter().find(|d| {
                d.pass as usize == i + 1
                    && d.of == of
                    && d.pattern == p.label()
                    && d.key_sha256 == key_digest(p)
                    && d.bytes == report.bytes
            })?;
            Some(report.clone())
        };
        let done: Vec<PassReport> = (0..patterns.len().saturating_sub(1))
            .map_while(recorded)
            .collect();
        let pass = done.len();
        let in_progress = self.pass == pass + 1 && self.pass <= patterns.len();
        Resume {
            pass,
            offset: if in_progress { self.offset } else { 0 },
            unwritten: if in_progress {
                self.unwritten.clone()
            } else {
                Vec::new()
            },
            done,
        }
    }

    /// Whether `now` is the target this checkpoint was made for.
    pub fn same_target(&self, now: &Identity) -> bool {
        self.target.is_same_target(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_specs_round_trip() {
        for p in [
            Pattern::Fixed(vec![0x92, 0x49, 0x24]),
            Pattern::Random(StreamKey([3; 32])),
            Pattern::Fixed(vec![0]),
        ] {
            assert_eq!(PassSpec::of(&p).pattern(), Some(p));
        }
        assert_eq!(
            PassSpec {
                pattern: "random".into(),
                key: None
            }
            .pattern(),
            None
        );
    }
}
