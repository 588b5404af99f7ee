//! The files mediasan writes and the files it trusts.
//!
//! mediasan runs as root. A folder that another user can change is a folder where that
//! user can plant a link named like the file mediasan is about to write (`out.pdf ->
//! /etc/shadow`), or swap the folder itself for a link. So every output goes through
//! [`Folder`]: the folder is opened once and checked, with every folder above it, to be
//! changeable by root (or the user mediasan runs as) alone, unless it is sticky and owned
//! by root, as `/tmp` is; the file is written to a private temporary file created in that
//! folder (never following a link, never reusing a name), synced, and renamed over the
//! name (the rename replaces a planted link or file; it never writes through one). The
//! file is 0600 unless the configuration sets another mode ([`set_mode`]).
//!
//! The configuration is read only from such a folder, and only if root owns it and nobody
//! else may write it ([`trusted_file`]), as sshd's StrictModes does.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use nix::errno::Errno;
use nix::fcntl::{openat, renameat, renameat2, OFlag, RenameFlags};
use nix::sys::stat::{fchmod, fstat, mkdirat, Mode};
use nix::unistd::{unlinkat, UnlinkatFlags};

use crate::escape;

/// The mode of the files mediasan writes, unless the configuration says otherwise.
pub const DEFAULT_MODE: u32 = 0o600;

static MODE: AtomicU32 = AtomicU32::new(DEFAULT_MODE);

/// Sets the mode of every file written from now on (the configuration's `file_mode`).
/// Write permission for group or others is never given: `mode` is masked with 0o644.
pub fn set_mode(mode: u32) {
    MODE.store(allowed(mode), Ordering::Relaxed);
}

/// What of `mode` mediasan gives: reading for group and others at most.
fn allowed(mode: u32) -> u32 {
    mode & 0o644
}

/// The mode files are written with.
pub fn mode() -> u32 {
    MODE.load(Ordering::Relaxed)
}

/// Why a file could not be written or trusted.
#[derive(Debug)]
pub enum FileError {
    /// A folder (the file's, or one above it) that someone other than root can change.
    UntrustedFolder {
        path: PathBuf,
        folder: PathBuf,
        why: String,
    },
    /// A file to trust (the configuration) that someone other than root can change.
    UntrustedFile {
        path: PathBuf,
        why: String,
    },
    /// The file exists and is not to be replaced.
    Exists {
        path: PathBuf,
    },
    /// The path names no file in a folder (`/`, `..`, an empty path).
    NoName {
        path: PathBuf,
    },
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl FileError {
    /// Refused for safety (3), or a file that cannot be read or written (2 and 1).
    pub fn exit_code(&self) -> u8 {
        match self {
            FileError::UntrustedFolder { .. } | FileError::UntrustedFile { .. } => 3,
            FileError::Exists { .. } | FileError::NoName { .. } => 2,
            FileError::Io { .. } => 1,
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            FileError::UntrustedFolder { folder, .. } => Some(crate::t!(
                "files-untrusted-folder-hint",
                folder = escape::path(folder)
            )),
            FileError::UntrustedFile { path, .. } => {
                Some(crate::t!("files-untrusted-file-hint", path = escape::path(path)))
            }
            FileError::Exists { .. } => Some(crate::t!("files-exists-hint")),
            _ => None,
        }
    }
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            FileError::UntrustedFolder { path, folder, why } => crate::t!(
                "files-untrusted-folder",
                path = escape::path(path),
                folder = escape::path(folder),
                why = why.as_str()
            ),
            FileError::UntrustedFile { path, why } => crate::t!(
                "files-untrusted-file",
                path = escape::path(path),
                why = why.as_str()
            ),
            FileError::Exists { path } => crate::t!("files-exists", path = escape::path(path)),
            FileError::NoName { path } => crate::t!("files-no-name", path = escape::path(path)),
            FileError::Io { path, error } => format!("{}: {error}", escape::path(path)),
        };
        f.write_str(&text)
    }
}

impl std::error::Error for FileError {}

type Result<T> = std::result::Result<T, FileError>;

fn io(path: &Path) -> impl Fn(std::io::Error) -> FileError + '_ {
    move |error| FileError::Io {
        path: path.to_path_buf(),
        error,
    }
}

fn errno(path: &Path) -> impl Fn(Errno) -> FileError + '_ {
    move |e| FileError::Io {
        path: path.to_path_buf(),
        error: e.into(),
    }
}

/// Whether a file or folder owned by `uid` is changed only by whom mediasan trusts: root,
/// or the user it runs as.
fn trusted_owner(uid: u32) -> bool {
    uid == 0 || uid == nix::unistd::geteuid().as_raw()
}

fn owner_name(uid: u32) -> String {
    nix::unistd::User::from_uid(uid.into())
        .ok()
        .flatten()
        .map_or_else(|| format!("uid {uid}"), |u| format!("{} (uid {uid})", u.name))
}

/// Why a folder with this owner and mode lets someone else change what is in it, if it does.
fn folder_problem(uid: u32, mode: u32) -> Option<String> {
    let sticky = mode & 0o1000 != 0;
    if !trusted_owner(uid) {
        return Some(crate::t!("files-owned-by", owner = owner_name(uid)));
    }
    if mode & 0o022 != 0 && !(sticky && uid == 0) {
        return Some(crate::t!(
            "files-writable-by-others",
            mode = format!("{:04o}", mode & 0o7777)
        ));
    }
    None
}

/// Checks `folder` (reached as `fd`) and every folder above it.
fn check_folder(path: &Path, folder: &Path, fd: &OwnedFd) -> Result<()> {
    let untrusted = |at: &Path, why: String| FileError::UntrustedFolder {
        path: path.to_path_buf(),
        folder: at.to_path_buf(),
        why,
    };
    let st = fstat(fd.as_fd()).map_err(errno(folder))?;
    if let Some(why) = folder_problem(st.st_uid, st.st_mode) {
        return Err(untrusted(folder, why));
    }
    // Where the folder really is, whatever links its path went through.
    let real = std::fs::read_link(format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(fd)))
        .or_else(|_| std::fs::canonicalize(folder))
        .map_err(io(folder))?;
    for above in real.ancestors().skip(1) {
        let m = std::fs::metadata(above).map_err(io(above))?;
        if let Some(why) = folder_problem(m.uid(), m.mode()) {
            return Err(untrusted(above, why));
        }
    }
    Ok(())
}

/// Checks the path as it was given, component by component, without following links:
/// a link, or a folder, that someone else owns (a link planted in `/tmp` naming a
/// folder of root's) is refused, as is a folder others may write that is not sticky and
/// root's. The kernel's own guard (`fs.protected_symlinks`) is not relied on: it may be off.
fn check_given(path: &Path, target: &Path) -> Result<()> {
    let absolute = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map_err(io(path))?.join(path)
    };
    let mut prefix = PathBuf::new();
    for part in absolute.components() {
        prefix.push(part);
        let m = match std::fs::symlink_metadata(&prefix) {
            Ok(m) => m,
            // What is not there yet is created by mediasan, below a folder checked here.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io(&prefix)(e)),
        };
        let why = if m.file_type().is_symlink() {
            (!trusted_owner(m.uid())).then(|| crate::t!("files-link-owned-by", owner = owner_name(m.uid())))
        } else if m.is_dir() {
            folder_problem(m.uid(), m.mode())
        } else {
            None
        };
        if let Some(why) = why {
            return Err(FileError::UntrustedFolder {
                path: target.to_path_buf(),
                folder: prefix,
                why,
            });
        }
    }
    Ok(())
}

/// The folder a path's file is in, and its name there.
fn split(path: &Path) -> Result<(&Path, &OsStr)> {
    let name = path
        .file_name()
        .filter(|n| !n.is_empty())
        .ok_or_else(|| FileError::NoName {
            path: path.to_path_buf(),
        })?;
    let folder = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    Ok((folder, name))
}

/// Refuses a name that is not one file's name in a folder (`a/b`, `..`): a name made of
/// a register's or a certificate's text must not reach another folder.
fn one_name<'n>(folder: &Path, name: &'n OsStr) -> Result<&'n OsStr> {
    use std::os::unix::ffi::OsStrExt;
    let b = name.as_bytes();
    if b.is_empty() || b == b"." || b == b".." || b.contains(&b'/') || b.contains(&0) {
        return Err(FileError::NoName {
            path: folder.join(name),
        });
    }
    Ok(name)
}

/// A folder mediasan writes into, opened once and checked: every file is created and
/// renamed relative to it, so the folder written is the folder checked.
pub struct Folder {
    fd: OwnedFd,
    path: PathBuf,
}

impl Folder {
    /// Opens `path`, a folder only root (or this user) can change, as can every folder
    /// above it. `target` is the file about to be written there, for the message.
    fn open_for(path: &Path, target: &Path) -> Result<Folder> {
        check_given(path, target)?;
        let fd = nix::fcntl::open(
            path,
            OFlag::O_DIRECTORY | OFlag::O_RDONLY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(errno(path))?;
        check_folder(target, path, &fd)?;
        Ok(Folder {
            fd,
            path: path.to_path_buf(),
        })
    }

    /// Opens the folder `path` (see [`Folder::open_for`]).
    pub fn open(path: &Path) -> Result<Folder> {
        Folder::open_for(path, path)
    }

    /// Opens the folder `path`, creating it (0700) and the folders above it that are
    /// missing, each in a checked folder.
    pub fn create(path: &Path) -> Result<Folder> {
        if path.is_dir() {
            return Folder::open(path);
        }
        let (parent, name) = split(path)?;
        let above = Folder::create(parent)?;
        let name = one_name(parent, name)?;
        match mkdirat(above.fd.as_fd(), name, Mode::from_bits_truncate(0o700)) {
            Ok(()) | Err(Errno::EEXIST) => {}
            Err(e) => return Err(errno(path)(e)),
        }
        // Opened below the folder just checked, never through a link planted there.
        let fd = openat(
            above.fd.as_fd(),
            name,
            OFlag::O_DIRECTORY | OFlag::O_RDONLY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map_err(errno(path))?;
        check_folder(path, path, &fd)?;
        Ok(Folder {
            fd,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A private temporary file in the folder, to be written and then [`Staged::commit`]ted
    /// under `name`.
    pub fn stage(&self, name: &OsStr) -> Result<Staged> {
        self.stage_mode(name, mode())
    }

    /// [`Folder::stage`] of a file with `mode`.
    fn stage_mode(&self, name: &OsStr, mode: u32) -> Result<Staged> {
        let name = one_name(&self.path, name)?;
        let target = self.path.join(name);
        for _ in 0..16 {
            let mut random = [0u8; 8];
            getrandom::fill(&mut random).map_err(|e| io(&target)(std::io::Error::other(e.to_string())))?;
            let tmp = format!(
                ".mediasan-{}.tmp",
                random.iter().map(|b| format!("{b:02x}")).collect::<String>()
            );
            match openat(
                self.fd.as_fd(),
                tmp.as_str(),
                OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
                Mode::from_bits_truncate(0o600),
            ) {
                Ok(fd) => {
                    // The mode asked for, whatever the umask left of it.
                    fchmod(fd.as_fd(), Mode::from_bits_truncate(mode)).map_err(errno(&target))?;
                    return Ok(Staged {
                        folder: self.try_clone()?,
                        tmp: OsString::from(tmp),
                        name: name.to_os_string(),
                        file: File::from(fd),
                    });
                }
                Err(Errno::EEXIST) => continue,
                Err(e) => return Err(errno(&target)(e)),
            }
        }
        let error = std::io::Error::from(std::io::ErrorKind::AlreadyExists);
        Err(FileError::Io { path: target, error })
    }

    fn try_clone(&self) -> Result<Folder> {
        Ok(Folder {
            fd: self.fd.try_clone().map_err(io(&self.path))?,
            path: self.path.clone(),
        })
    }

    /// Writes `bytes` as the file `name`, whole or not at all; `replace`: over a file of
    /// that name (a link there is replaced, never followed).
    pub fn write(&self, name: &OsStr, bytes: &[u8], replace: bool) -> Result<()> {
        self.write_mode(name, bytes, replace, mode())
    }

    /// [`Folder::write`] with a mode of its own (a private key 0600, its public half 0644).
    pub fn write_mode(&self, name: &OsStr, bytes: &[u8], replace: bool, mode: u32) -> Result<()> {
        let mut staged = self.stage_mode(name, mode)?;
        let target = staged.target();
        staged.file().write_all(bytes).map_err(io(&target))?;
        staged.commit(replace)
    }

    /// Appends `bytes` to the file `name` (created if missing, never through a link), and
    /// syncs it: a log (the machine's index of registers).
    pub fn append(&self, name: &OsStr, bytes: &[u8]) -> Result<()> {
        let name = one_name(&self.path, name)?;
        let target = self.path.join(name);
        let fd = openat(
            self.fd.as_fd(),
            name,
            OFlag::O_WRONLY | OFlag::O_APPEND | OFlag::O_CREAT | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::from_bits_truncate(mode()),
        )
        .map_err(errno(&target))?;
        let mut f = File::from(fd);
        if !f.metadata().map_err(io(&target))?.is_file() {
            return Err(FileError::NoName { path: target });
        }
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(io(&target))?;
        self.sync()
    }

    /// Creates the empty file `name` (never over anything already there), for a program
    /// that opens it by path afterwards (SQLite).
    pub fn create_empty(&self, name: &OsStr) -> Result<()> {
        let name = one_name(&self.path, name)?;
        let target = self.path.join(name);
        let fd = openat(
            self.fd.as_fd(),
            name,
            OFlag::O_WRONLY | OFlag::O_CREAT | OFlag::O_EXCL | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC,
            Mode::from_bits_truncate(0o600),
        )
        .map_err(|e| match e {
            Errno::EEXIST => FileError::Exists { path: target.clone() },
            e => errno(&target)(e),
        })?;
        fchmod(fd.as_fd(), Mode::from_bits_truncate(mode())).map_err(errno(&target))?;
        File::from(fd).sync_all().map_err(io(&target))?;
        self.sync()
    }

    /// Makes the folder's entries (a rename) survive a power cut.
    pub fn sync(&self) -> Result<()> {
        nix::unistd::fsync(self.fd.as_fd()).map_err(errno(&self.path))
    }
}

/// A temporary file in a checked folder: written, then renamed into place by
/// [`Staged::commit`]; removed if dropped before.
pub struct Staged {
    folder: Folder,
    tmp: OsString,
    name: OsString,
    file: File,
}

impl Staged {
    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// The temporary file's path (for a program that writes it by path: SQLite's backup).
    pub fn temp_path(&self) -> PathBuf {
        self.folder.path.join(&self.tmp)
    }

    fn target(&self) -> PathBuf {
        self.folder.path.join(&self.name)
    }

    /// Syncs the file and renames it to its name; `replace`: over whatever is there (a
    /// link is replaced, not followed), else never over anything.
    pub fn commit(mut self, replace: bool) -> Result<()> {
        let target = self.target();
        self.file.sync_all().map_err(io(&target))?;
        let dir = self.folder.fd.as_fd();
        let renamed = if replace {
            renameat(dir, self.tmp.as_os_str(), dir, self.name.as_os_str())
        } else {
            match renameat2(
                dir,
                self.tmp.as_os_str(),
                dir,
                self.name.as_os_str(),
                RenameFlags::RENAME_NOREPLACE,
            ) {
                // A file system without RENAME_NOREPLACE: a hard link fails where a name exists.
                Err(Errno::EINVAL) => nix::unistd::linkat(
                    dir,
                    self.tmp.as_os_str(),
                    dir,
                    self.name.as_os_str(),
                    nix::fcntl::AtFlags::empty(),
                )
                .and_then(|()| unlinkat(dir, self.tmp.as_os_str(), UnlinkatFlags::NoRemoveDir)),
                other => other,
            }
        };
        match renamed {
            Ok(()) => {
                self.tmp.clear();
                self.folder.sync()
            }
            Err(Errno::EEXIST) => Err(FileError::Exists { path: target }),
            Err(e) => Err(errno(&target)(e)),
        }
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.tmp.is_empty() {
            let _ = unlinkat(
                self.folder.fd.as_fd(),
                self.tmp.as_os_str(),
                UnlinkatFlags::NoRemoveDir,
            );
        }
    }
}

/// Writes `bytes` to `path` atomically and durably, readable by its owner only (0600,
/// whatever the configuration's file mode: it holds keys), in a folder (created 0700)
/// that lists targets by serial: for root's eyes only. The folder is checked as every
/// output's is (see the module).
pub fn save_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    create_folder_of(path)
        .and_then(|(folder, name)| folder.write_mode(name, bytes, true, 0o600))
        .map_err(std::io::Error::other)
}

/// Writes `bytes` to `path` whole or not at all, replacing what is there (see the module).
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    let (folder, name) = split(path)?;
    Folder::open_for(folder, path)?.write(name, bytes, true)
}

/// Checks the folder `dir`, or where it does not exist yet the nearest folder above it
/// that does (where it will be created), before anything is written there.
pub fn check_folder_path(dir: &Path) -> Result<()> {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let existing = dir
        .ancestors()
        .map(|d| {
            if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            }
        })
        .find(|d| d.is_dir())
        .unwrap_or(Path::new("."));
    Folder::open_for(existing, dir).map(drop)
}

/// The checked folder of `path` and the file's name in it.
pub fn folder_of(path: &Path) -> Result<(Folder, &OsStr)> {
    let (folder, name) = split(path)?;
    Ok((Folder::open_for(folder, path)?, name))
}

/// [`folder_of`], the folder created (0700, in checked folders) where it is missing.
pub fn create_folder_of(path: &Path) -> Result<(Folder, &OsStr)> {
    let (folder, name) = split(path)?;
    Ok((Folder::create(folder)?, name))
}

/// Checks that `path` is a file only root (or this user) can change: owned by them,
/// writable by nobody else, in folders only they can change.
pub fn trusted_file(path: &Path) -> Result<()> {
    let (folder, _) = split(path)?;
    Folder::open_for(folder, path)?;
    check_given(path, path).map_err(|e| match e {
        FileError::UntrustedFolder { path, why, .. } => FileError::UntrustedFile { path, why },
        e => e,
    })?;
    let m = std::fs::metadata(path).map_err(io(path))?;
    let untrusted = |why| FileError::UntrustedFile {
        path: path.to_path_buf(),
        why,
    };
    if !m.is_file() {
        return Err(untrusted(crate::t!("files-not-regular")));
    }
    if !trusted_owner(m.uid()) {
        return Err(untrusted(crate::t!(
            "files-owned-by",
            owner = owner_name(m.uid())
        )));
    }
    if m.mode() & 0o022 != 0 {
        return Err(untrusted(crate::t!(
            "files-writable-by-others",
            mode = format!("{:04o}", m.mode() & 0o7777)
        )));
    }
    Ok(())
}

/// Reads at most `max` bytes of `path`: a longer file (or an endless one, `/dev/zero`) is
/// refused with the limit (`InvalidData`), never read whole.
pub fn read_limited(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    read_at_most(path, max)?.ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            crate::t!("files-too-long", max = crate::t!("files-bytes", bytes = max)),
        )
    })
}

/// The bytes of `path`, or `None` when it holds more than `max` (reading stops there),
/// for a reader that says so in words of its own.
pub fn read_at_most(path: &Path, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    let f = File::open(path)?;
    let mut bytes = Vec::new();
    f.take(max + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}

/// [`read_limited`] as text (UTF-8, else `InvalidData`).
pub fn read_text_limited(path: &Path, max: u64) -> std::io::Result<String> {
    String::from_utf8(read_limited(path, max)?)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// The mode bits of an existing file, tightened to [`mode`]: a register or a backup made
/// by an older mediasan with a wider mode becomes private when it is next written.
pub fn tighten(path: &Path) -> Result<()> {
    let m = std::fs::metadata(path).map_err(io(path))?;
    let bits = m.mode() & 0o777;
    if bits & !mode() != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(bits & mode())).map_err(io(path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn private_dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    #[test]
    fn a_file_is_written_whole_private_and_over_a_planted_link() {
        let d = private_dir();
        let decoy = d.path().join("decoy");
        std::fs::write(&decoy, "keep").unwrap();
        let out = d.path().join("out.pdf");
        std::os::unix::fs::symlink(&decoy, &out).unwrap();
        write(&out, b"new").unwrap();
        assert_eq!(std::fs::read(&decoy).unwrap(), b"keep");
        let m = std::fs::symlink_metadata(&out).unwrap();
        assert!(m.is_file());
        assert_eq!(m.mode() & 0o777, 0o600);
        assert_eq!(std::fs::read(&out).unwrap(), b"new");
        // Nothing left behind.
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 2);
    }

    #[test]
    fn a_new_file_is_never_written_over_anything() {
        let write_new = |p: &Path, b: &[u8]| folder_of(p).and_then(|(f, n)| f.write(n, b, false));
        let d = private_dir();
        let out = d.path().join("c.cert.json");
        write_new(&out, b"one").unwrap();
        assert!(matches!(write_new(&out, b"two"), Err(FileError::Exists { .. })));
        std::os::unix::fs::symlink("/nonexistent", d.path().join("l")).unwrap();
        assert!(matches!(
            write_new(&d.path().join("l"), b"x"),
            Err(FileError::Exists { .. })
        ));
        assert_eq!(std::fs::read(&out).unwrap(), b"one");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 2);
    }

    #[test]
    fn folders_others_can_change_are_refused() {
        assert!(folder_problem(0, 0o40755).is_none());
        assert!(folder_problem(0, 0o41777).is_none(), "/tmp");
        assert!(folder_problem(0, 0o40777).is_some());
        assert!(folder_problem(0, 0o40775).is_some());
        if nix::unistd::geteuid().is_root() {
            assert!(folder_problem(65534, 0o40755).is_some());
            assert!(folder_problem(65534, 0o41777).is_some(), "sticky but not root's");
        }
        let d = private_dir();
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let e = write(&d.path().join("x"), b"x").unwrap_err();
        assert!(matches!(e, FileError::UntrustedFolder { .. }), "{e}");
        assert_eq!(e.exit_code(), 3);
        assert!(!d.path().join("x").exists());
        // A folder below it is refused for the folder above.
        let below = d.path().join("below");
        std::fs::create_dir(&below).unwrap();
        std::fs::set_permissions(&below, std::fs::Permissions::from_mode(0o700)).unwrap();
        let e = write(&below.join("x"), b"x").unwrap_err();
        assert!(e.to_string().contains("0777"), "{e}");
    }

    #[test]
    fn a_name_is_one_name() {
        let d = private_dir();
        let f = Folder::open(d.path()).unwrap();
        for bad in ["../x", "a/b", "..", ".", ""] {
            assert!(matches!(
                f.write(OsStr::new(bad), b"x", true),
                Err(FileError::NoName { .. })
            ));
        }
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0);
    }

    #[test]
    fn folders_are_created_private() {
        let d = private_dir();
        let deep = d.path().join("a/b/c");
        let f = Folder::create(&deep).unwrap();
        f.write(OsStr::new("x"), b"1", false).unwrap();
        for p in [d.path().join("a"), d.path().join("a/b"), deep.clone()] {
            assert_eq!(std::fs::metadata(&p).unwrap().mode() & 0o777, 0o700);
        }
    }

    #[test]
    fn the_mode_can_be_widened_for_reading_only() {
        assert_eq!(allowed(0o666), 0o644);
        assert_eq!(allowed(0o640), 0o640);
        assert_eq!(allowed(0o4777), 0o644);
    }

    #[test]
    fn reading_stops_at_the_limit() {
        let e = read_limited(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert!(e.to_string().contains("longer than 1048576 bytes"), "{e}");
        let d = private_dir();
        std::fs::write(d.path().join("f"), b"12345").unwrap();
        assert_eq!(read_limited(&d.path().join("f"), 5).unwrap(), b"12345");
        assert!(read_limited(&d.path().join("f"), 4).is_err());
    }
}
