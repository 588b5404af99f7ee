//! Checkpoints: where an interrupted wipe stands, so that `wipe --resume` continues
//! with the same method, the same random keys and the same passes. A checkpoint is
//! written (0600, whole or not at all) only after the data it vouches for is synced.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::pattern::{Pattern, StreamKey};
use crate::report::{MethodRecord, PassReport, VerifyMode};
use crate::target::{Identity, Kind};
use crate::verify::Span;

pub const FORMAT: &str = "mediasan-checkpoint/1";

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

impl Checkpoint {
    /// Writes the checkpoint atomically, readable by its owner only.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let dir = path.parent().unwrap_or(Path::new("."));
        if !dir.exists() {
            // The folder lists targets by serial: for root's eyes only, like the files.
            std::fs::create_dir_all(dir)?;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
        let mut tmp = tempfile::Builder::new().prefix(".checkpoint-").tempfile_in(dir)?;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
        tmp.write_all(serde_json::to_string_pretty(self)?.as_bytes())?;
        tmp.as_file().sync_all()?;
        tmp.persist(path).map_err(|e| e.error)?;
        // The rename itself must survive a power cut.
        std::fs::File::open(dir)?.sync_all()
    }

    pub fn load(path: &Path) -> Result<Checkpoint, String> {
        let text = std::fs::read(path).map_err(|e| e.to_string())?;
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
