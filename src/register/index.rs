//! The machine's index of registers: every `register init` on this machine adds its
//! register (id and path) here, so that the guard "a registered carrier needs
//! `--carrier`" consults them all, not only the one a command names.
//!
//! One JSON object a line, appended and synced; the file is 0600 in a 0700 folder.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Where the index lives unless told otherwise (`--index`, `MEDIASAN_INDEX`).
pub const DEFAULT_INDEX: &str = "/var/lib/mediasan/registers";

/// One register of this machine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub register_id: String,
    /// Absolute path of the register's database.
    pub path: PathBuf,
    /// When it was added (UTC, RFC 3339).
    pub added: String,
}

/// The registers the index lists, and what was wrong with lines it could not read.
/// A missing index lists none.
pub fn read(index: &Path) -> io::Result<(Vec<Entry>, Vec<String>)> {
    let text = match crate::files::read_text_limited(index, 16 << 20) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        other => other?,
    };
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        match serde_json::from_str::<Entry>(line) {
            Ok(e) => entries.push(e),
            Err(e) => problems.push(crate::t!(
                "register-line",
                line = (n + 1).to_string(),
                error = e.to_string()
            )),
        }
    }
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(index)?;
    if meta.mode() & 0o022 != 0 {
        problems.push(crate::t!(
            "register-index-writable",
            mode = format!("{:o}", meta.mode() & 0o777)
        ));
    }
    Ok((entries, problems))
}

/// Checks that `index` can be added to, before a register is created.
pub fn check_writable(index: &Path) -> io::Result<()> {
    // The folder, or the nearest folder above it that add would create it in.
    let dir = folder(index)
        .ancestors()
        .find(|d| d.exists() || d.as_os_str().is_empty())
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(io::Error::from_raw_os_error(libc::ENOTDIR));
    }
    crate::files::check_folder_path(dir).map_err(io::Error::other)?;
    let probe = tempfile::Builder::new()
        .prefix(".mediasan-index-")
        .tempfile_in(dir)?;
    drop(probe);
    if index.exists() {
        std::fs::OpenOptions::new().append(true).open(index)?;
    }
    Ok(())
}

/// Adds a register to the index (appended in a checked folder, never through a link).
pub fn add(index: &Path, entry: &Entry) -> io::Result<()> {
    let mut line = serde_json::to_string(entry).map_err(io::Error::other)?;
    line.push('\n');
    crate::files::create_folder_of(index)
        .and_then(|(folder, name)| folder.append(name, line.as_bytes()))
        .map_err(io::Error::other)
}

fn folder(index: &Path) -> &Path {
    match index.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn entries_round_trip_and_bad_lines_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path().join("sub/registers");
        assert_eq!(read(&index).unwrap(), (vec![], vec![]));
        check_writable(&index).unwrap();
        let e = Entry {
            register_id: "ab".repeat(16),
            path: "/var/lib/mediasan/register.db".into(),
            added: "2026-12-01T00:00:00Z".into(),
        };
        add(&index, &e).unwrap();
        add(&index, &e).unwrap();
        assert_eq!(
            std::fs::metadata(&index).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let mut text = std::fs::read_to_string(&index).unwrap();
        text.push_str("not json\n");
        std::fs::write(&index, text).unwrap();
        let (entries, problems) = read(&index).unwrap();
        assert_eq!(entries, vec![e.clone(), e]);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("line 3:"), "{problems:?}");
    }
}
