//! What can be wiped: block devices and regular files — opening them safely,
//! identifying them, and writing them with or without the page cache.
//!
//! A block device is opened `O_EXCL` first; every check is then made on that
//! descriptor (fstat → `/sys/dev/block/MAJ:MIN`), never on the path, so the
//! device checked is the device written.

pub mod safety;
pub mod scan;

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::{FileExt, FileTypeExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use nix::fcntl::{fcntl, FcntlArg, OFlag};

use crate::i18n::Said;
use crate::identify;
use crate::said;

pub use crate::device::sys::Sys;
use crate::device::{block, loopdev, sys};
pub use crate::model::identity::{Birth, DevNo, Identity, Kind, Object};
pub use safety::{BlockFacts, Refusal};

/// The alignment mediasan uses for `O_DIRECT` on files (offsets, lengths, buffers).
pub const FILE_DIRECT_ALIGN: u64 = 4096;

/// Why a target cannot be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("{}", crate::t!("target-not-found", path = path.as_str()))]
    NotFound { path: String },
    #[error("{}", crate::t!("target-permission", path = path.as_str(), error = error.to_string()))]
    PermissionDenied { path: String, error: io::Error },
    #[error("{}", crate::t!("target-directory", path = path.as_str()))]
    Directory { path: String },
    #[error("{}", crate::t!("target-not-wipeable", path = path.as_str(), kind = kind.to_string()))]
    NotWipeable { path: String, kind: NodeKind },
    #[error("{}", crate::t!("target-empty", path = path.as_str()))]
    Empty { path: String },
    #[error("{path}: {}: {}", crate::t!("refused"), .reasons.iter().map(ToString::to_string).collect::<Vec<_>>().join(&crate::t!("sep-clauses")))]
    Refused { path: String, reasons: Vec<Refusal> },
    #[error("{}", crate::t!("target-busy", path = path.as_str()))]
    Busy { path: String },
    #[error("{path}: {what}")]
    Io {
        path: String,
        what: Said,
        #[source]
        source: io::Error,
    },
}

impl TargetError {
    /// The exit code (README.md, *Exit codes*): 3 for refusals, 2 for unusable input.
    pub fn exit_code(&self) -> u8 {
        match self {
            TargetError::Refused { .. } | TargetError::Busy { .. } => 3,
            _ => 2,
        }
    }

    /// What the operator can do, if there is an obvious next step.
    pub fn hint(&self) -> Option<String> {
        match self {
            TargetError::PermissionDenied { .. } if !nix::unistd::geteuid().is_root() => {
                Some(crate::t!("target-permission-hint-root"))
            }
            TargetError::PermissionDenied { .. } => Some(crate::t!("target-permission-hint")),
            TargetError::Directory { .. } => Some(crate::t!("target-directory-hint")),
            TargetError::Refused { reasons, .. } => Some(
                reasons
                    .iter()
                    .map(Refusal::hint)
                    .collect::<Vec<_>>()
                    .join("\n      "),
            ),
            TargetError::Busy { .. } => Some(crate::t!("target-busy-hint")),
            _ => None,
        }
    }
}

/// A kind of file mediasan does not write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeKind {
    CharDevice,
    Fifo,
    Socket,
    Special,
    /// Replaced between its check and its opening.
    Changed,
}

impl std::fmt::Display for NodeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&match self {
            NodeKind::CharDevice => crate::t!("kind-character-device"),
            NodeKind::Fifo => "FIFO".into(),
            NodeKind::Socket => crate::t!("kind-socket"),
            NodeKind::Special => crate::t!("kind-special-file"),
            NodeKind::Changed => crate::t!("kind-changed-node"),
        })
    }
}

/// Where the file `object` is now: the first of `known` paths that reaches its inode,
/// else a search of every mount of its file system (one file system, no links
/// followed, at most a million entries). For carriers named before births, so that
/// `register migrate` can read the birth of the very file the register named.
pub fn locate(object: &Object, known: impl IntoIterator<Item = PathBuf>) -> Option<PathBuf> {
    if let Some(p) = known
        .into_iter()
        .find(|p| Object::of_file(p).is_ok_and(|o| o.same_inode(object)))
    {
        return Some(p);
    }
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let mut budget = 1_000_000u32;
    for line in mounts.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let (Some(dev), Some(at)) = (fields.get(2), fields.get(4)) else {
            continue;
        };
        if DevNo::parse(dev) != Some(object.dev) {
            continue;
        }
        let mut todo = vec![PathBuf::from(unescape_octal(at))];
        while let Some(dir) = todo.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                budget = budget.checked_sub(1)?;
                let Ok(m) = e.metadata() else { continue };
                if DevNo::from_raw(m.dev()) != object.dev {
                    continue;
                }
                if m.is_file() && m.ino() == object.ino {
                    return Some(e.path());
                }
                if m.is_dir() {
                    todo.push(e.path());
                }
            }
        }
    }
    None
}

/// Undoes mountinfo's `\NNN` escaping (a space is `\040`).
fn unescape_octal(s: &str) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStringExt;
    std::ffi::OsString::from_vec(unescape(s, b"\\", 3, 8))
}

/// The birth of the file behind loop device `disk`, read through the name sysfs gives
/// it, if that name still reaches the object the loop device says backs it.
fn backing_birth(sys: &Sys, disk: &str, object: &Object) -> Option<Birth> {
    let name = sys.disk_attr(disk, "loop/backing_file")?;
    let seen = Object::of_file(Path::new(&name)).ok()?;
    (seen.dev == object.dev && seen.ino == object.ino)
        .then_some(seen.birth)
        .flatten()
}

/// What the checks allow beyond their defaults.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// Processes that may hold the target open for writing (`--allow-open-by`).
    pub allow_open_by: Vec<u32>,
    /// A drive locked by ATA security is opened rather than refused: a resumed firmware
    /// erase may hold, in its journal, the temporary password that locked it (the job
    /// refuses again if it does not).
    pub open_locked: bool,
}

/// An open target, checked and identified.
#[derive(Debug)]
pub struct Target {
    file: File,
    pub identity: Identity,
    /// Alignment required for `O_DIRECT` writes, when the target is open with it.
    direct_align: Option<u64>,
    direct_on: bool,
    /// For a loop device: its backing file, and whether the loop does direct I/O.
    loop_backing: Option<String>,
    loop_direct: Option<bool>,
}

/// How to open a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// To wipe it: exclusively, with `O_DIRECT`, after every safety check.
    Write,
    /// For a dry run: read-only, but exclusively and with every check a wipe makes.
    Check,
    /// To read it back (`mediasan verify`): read-only with `O_DIRECT`, not exclusively
    /// and without the write checks, since nothing is written.
    Read,
    /// To look (`mediasan scan`): every check a wipe makes, but read-only and never
    /// exclusively, so that looking disturbs no wipe or mount that is starting.
    Inspect,
}

impl Access {
    fn writes(self) -> bool {
        self == Access::Write
    }
    fn checks(self) -> bool {
        self != Access::Read
    }
    fn exclusive(self) -> bool {
        matches!(self, Access::Write | Access::Check)
    }
    fn direct(self) -> bool {
        matches!(self, Access::Write | Access::Read)
    }
}

impl Target {
    /// Opens, checks and identifies `path`. Nothing is written.
    pub fn open(path: &Path, sys: &Sys, access: Access) -> Result<Target, TargetError> {
        Target::open_with(path, sys, access, &Policy::default())
    }

    /// [`Target::open`] with what `policy` allows.
    pub fn open_with(path: &Path, sys: &Sys, access: Access, policy: &Policy) -> Result<Target, TargetError> {
        let shown = crate::escape::path(path);
        let meta = std::fs::metadata(path).map_err(|e| open_error(&shown, said!("io-cannot-examine"), e))?;
        let ft = meta.file_type();
        if ft.is_dir() {
            return Err(TargetError::Directory { path: shown });
        }
        if ft.is_block_device() {
            Target::open_block(path, shown, sys, access, policy, meta.rdev())
        } else if ft.is_file() {
            Target::open_file(path, shown, sys, access, policy)
        } else {
            let kind = if ft.is_char_device() {
                NodeKind::CharDevice
            } else if ft.is_fifo() {
                NodeKind::Fifo
            } else if ft.is_socket() {
                NodeKind::Socket
            } else {
                NodeKind::Special
            };
            Err(TargetError::NotWipeable { path: shown, kind })
        }
    }

    fn open_block(
        path: &Path,
        shown: String,
        sys: &Sys,
        access: Access,
        policy: &Policy,
        path_rdev: u64,
    ) -> Result<Target, TargetError> {
        let mut opts = OpenOptions::new();
        opts.read(true).write(access.writes());
        // O_EXCL on a block device claims it: the open fails while it is mounted, swap,
        // or held by RAID/LVM/dm or another exclusive opener.
        let excl = if access.exclusive() { libc::O_EXCL } else { 0 };
        let direct = if access.direct() { libc::O_DIRECT } else { 0 };
        opts.custom_flags(excl | direct | libc::O_CLOEXEC);
        let file = match opts.open(path) {
            Ok(f) => f,
            Err(e) => {
                // No descriptor could be had: say why from sysfs if it knows a reason
                // to refuse (the device number comes from the path here, and nothing
                // can be written without a descriptor).
                let reasons: Vec<_> = safety::inspect(sys, DevNo::from_raw(path_rdev))
                    .map(|facts| safety::refusals(sys, &facts))
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|r| !matches!(r, Refusal::ReadOnly))
                    .collect();
                return Err(match e.raw_os_error() {
                    _ if !reasons.is_empty() => TargetError::Refused { path: shown, reasons },
                    Some(libc::EBUSY) => TargetError::Busy { path: shown },
                    _ => open_error(&shown, said!("io-cannot-open-device"), e),
                });
            }
        };
        let meta = file.metadata().map_err(|source| TargetError::Io {
            path: shown.clone(),
            what: "fstat failed".into(),
            source,
        })?;
        if !meta.file_type().is_block_device() {
            return Err(TargetError::NotWipeable {
                path: shown,
                kind: NodeKind::Changed,
            });
        }
        let devno = DevNo::from_raw(meta.rdev());
        let facts = safety::inspect(sys, devno).map_err(|r| TargetError::Refused {
            path: shown.clone(),
            reasons: vec![r],
        })?;
        let mut reasons = safety::refusals(sys, &facts);
        // Ask the drive who it is: its own IDENTIFY where it answers, sysfs and VPD
        // pages, the USB bridge last.
        let drive = identify::identify(
            sys,
            &facts.node.disk,
            &mut crate::device::transport::Device(&file),
        );
        reasons.extend(
            safety::drive_refusals(&drive)
                .into_iter()
                .filter(|r| !(policy.open_locked && *r == Refusal::SecurityLocked)),
        );
        let ro_ioctl = block::read_only(&file).map_err(|source| TargetError::Io {
            path: shown.clone(),
            what: "BLKROGET failed".into(),
            source,
        })?;
        if ro_ioctl && !reasons.contains(&Refusal::ReadOnly) {
            reasons.push(Refusal::ReadOnly);
        }
        // A loop device is only a window on its backing object: follow it down.
        let mut object = None;
        let mut held = vec![devno];
        held.extend(facts.partitions.iter().filter_map(|p| p.devno));
        let mut objects = Vec::new();
        if sys.is_loop(&facts.node.disk) {
            match loopdev::backing(&file) {
                Ok(mut b) => {
                    reasons.extend(loop_refusals(sys, &facts.node.disk, &b));
                    b.object.birth = backing_birth(sys, &facts.node.disk, &b.object);
                    object = Some(b.object.to_string());
                    objects.push(b.object);
                }
                // Unbound: BLKGETSIZE64 says 0 below.
                Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {}
                Err(e) => reasons.push(Refusal::Unverifiable {
                    check: "what backs the loop device (LOOP_GET_STATUS64)",
                    error: e.to_string(),
                }),
            }
        }
        if access.checks() {
            reasons.extend(in_use(sys, &held, &objects, policy));
        }
        let ioctl_err = |what: &str| {
            let shown = shown.clone();
            let what = Said::from(what);
            move |source| TargetError::Io {
                path: shown,
                what,
                source,
            }
        };
        // A device without a medium (an empty card reader, an unbound loop) is unusable
        // input, whatever else sysfs says about it.
        let size = block::size(&file).map_err(ioctl_err("BLKGETSIZE64 failed"))?;
        if size == 0 {
            return Err(TargetError::Empty { path: shown });
        }
        if !reasons.is_empty() && access.checks() {
            return Err(TargetError::Refused { path: shown, reasons });
        }
        let logical = block::logical_sector(&file).map_err(ioctl_err("BLKSSZGET failed"))?;
        let physical = block::physical_sector(&file).map_err(ioctl_err("BLKPBSZGET failed"))?;
        let identity = Identity {
            kind: Kind::BlockDevice,
            path: shown,
            size,
            device: Some(facts.node.name.clone()),
            devno: Some(devno.to_string()),
            partition_of: facts.node.partition.map(|_| facts.node.disk.clone()),
            serial: drive.serial.clone(),
            serial_source: drive.serial_source.clone(),
            model: drive.model.clone().or(facts.model.clone()),
            wwn: drive.wwn.clone(),
            logical_sector: Some(logical),
            physical_sector: Some(physical),
            rotational: facts.rotational,
            partitions: facts.partitions.iter().map(|p| p.name.clone()).collect(),
            labels: if facts.labels.is_empty() {
                probe_labels(&facts)
            } else {
                facts.labels.clone()
            }
            .iter()
            .map(|(n, l, t)| {
                format!(
                    "{n}: {} ({})",
                    l.as_deref().unwrap_or("no label"),
                    t.as_deref().unwrap_or("unknown type")
                )
            })
            .collect(),
            inode: None,
            object,
            drive: Some(drive),
        };
        let align = u64::from(logical.max(512));
        Ok(Target {
            file,
            identity,
            direct_align: access.direct().then_some(align),
            direct_on: access.direct(),
            loop_backing: sys.disk_attr(&facts.node.disk, "loop/backing_file"),
            loop_direct: sys.disk_attr(&facts.node.disk, "loop/dio").map(|v| v == "1"),
        })
    }

    /// Removes the drive's Host Protected Area ([`identify::hidden::expose_hpa`]), has
    /// the kernel read the capacity again, and checks that the device now shows every
    /// native sector. `Ok(None)` when there is no HPA to remove.
    pub fn expose_hidden(&mut self, sys: &Sys) -> Result<Option<identify::Exposed>, Said> {
        let id = &mut self.identity;
        let Some(drive) = id.drive.as_mut() else {
            return Ok(None);
        };
        let identify::Area::Hidden { visible, native } = drive.hidden.hpa else {
            return Ok(None);
        };
        if id.partition_of.is_some() {
            return Err(said!("expose-partition"));
        }
        let Some(ata) = drive.ata.known().map(|a| a.identify.clone()) else {
            return Ok(None);
        };
        let mut t = crate::device::transport::Device(&self.file);
        let sectors = identify::hidden::expose_hpa(&mut t, &ata)
            .map_err(|e| said!("expose-refused", error = e.to_string()))?;
        let disk = id.device.clone().unwrap_or_default();
        sys.rescan(&disk).map_err(|e| {
            crate::t!(
                "expose-no-rescan",
                sectors = sectors.to_string(),
                error = e.to_string()
            )
        })?;
        let size = block::size(&self.file).map_err(|e| Said::from(format!("BLKGETSIZE64 failed: {e}")))?;
        let want = sectors * u64::from(ata.logical_sector);
        if size != want {
            return Err(said!(
                "expose-kernel-size",
                sectors = sectors.to_string(),
                want = want.to_string(),
                size = size.to_string()
            ));
        }
        let now =
            identify::ata_identify(&mut t).map_err(|e| Said::from(format!("IDENTIFY after SET MAX: {e}")))?;
        drive.hidden = identify::hidden::ata(&mut t, &now);
        drive.ata = identify::Probe::Known(identify::AtaFacts { identify: now });
        let exposed = identify::Exposed {
            visible,
            native,
            volatile: !ata.amac,
        };
        drive.exposed = Some(exposed);
        id.size = size;
        Ok(Some(exposed))
    }

    fn open_file(
        path: &Path,
        shown: String,
        sys: &Sys,
        access: Access,
        policy: &Policy,
    ) -> Result<Target, TargetError> {
        let open = |direct: bool| {
            let mut opts = OpenOptions::new();
            opts.read(true).write(access.writes());
            opts.custom_flags(libc::O_CLOEXEC | if direct { libc::O_DIRECT } else { 0 });
            opts.open(path)
        };
        let map = |e| open_error(&shown, said!("io-cannot-open-file"), e);
        // On overlayfs an open for writing copies the file up: the copy would be
        // overwritten, the file below never. Asked before the open, which copies.
        if access.checks() {
            use nix::sys::statfs::{statfs, OVERLAYFS_SUPER_MAGIC};
            if statfs(path).is_ok_and(|s| s.filesystem_type() == OVERLAYFS_SUPER_MAGIC) {
                return Err(TargetError::Refused {
                    path: shown,
                    reasons: vec![Refusal::Overlay],
                });
            }
        }
        // O_DIRECT where the file system allows it (tmpfs before 6.6 and some FUSE
        // file systems refuse it with EINVAL), else buffered writes plus fdatasync.
        let (file, direct) = match open(access.direct()) {
            Ok(f) => (f, access.direct()),
            Err(e) if access.direct() && e.raw_os_error() == Some(libc::EINVAL) => {
                (open(false).map_err(map)?, false)
            }
            Err(e) => return Err(map(e)),
        };
        let meta = file.metadata().map_err(|source| TargetError::Io {
            path: shown.clone(),
            what: "fstat failed".into(),
            source,
        })?;
        if !meta.file_type().is_file() {
            return Err(TargetError::NotWipeable {
                path: shown,
                kind: NodeKind::Changed,
            });
        }
        let reasons = if access.checks() {
            let mut r = file_refusals(sys, Object::of(&meta));
            r.extend(in_use(sys, &[], &[Object::of(&meta)], policy));
            r
        } else {
            Vec::new()
        };
        if !reasons.is_empty() {
            return Err(TargetError::Refused { path: shown, reasons });
        }
        let identity = Identity {
            kind: Kind::File,
            path: shown,
            size: meta.len(),
            device: None,
            devno: Some(DevNo::from_raw(meta.dev()).to_string()),
            partition_of: None,
            serial: None,
            serial_source: None,
            model: None,
            wwn: None,
            logical_sector: None,
            physical_sector: None,
            rotational: None,
            partitions: Vec::new(),
            labels: Vec::new(),
            inode: Some(meta.ino()),
            object: Some(Object::of(&meta).to_string()),
            drive: None,
        };
        Ok(Target {
            file,
            identity,
            direct_align: direct.then_some(FILE_DIRECT_ALIGN),
            direct_on: direct,
            loop_backing: None,
            loop_direct: None,
        })
    }

    pub fn file(&self) -> &File {
        &self.file
    }

    /// The alignment of `O_DIRECT` writes, or `None` when the target is written buffered.
    pub fn direct_align(&self) -> Option<u64> {
        self.direct_align
    }

    /// Turns `O_DIRECT` on or off on the open descriptor (for a file's unaligned tail).
    pub fn set_direct(&mut self, on: bool) -> io::Result<()> {
        if self.direct_align.is_none() || self.direct_on == on {
            return Ok(());
        }
        let flags = OFlag::from_bits_truncate(fcntl(&self.file, FcntlArg::F_GETFL)?);
        let flags = if on {
            flags | OFlag::O_DIRECT
        } else {
            flags - OFlag::O_DIRECT
        };
        fcntl(&self.file, FcntlArg::F_SETFL(flags))?;
        self.direct_on = on;
        Ok(())
    }

    /// Gives up `O_DIRECT` for good (a file system that accepted the flag but refuses the I/O).
    pub fn drop_direct(&mut self) -> io::Result<()> {
        self.set_direct(false)?;
        self.direct_align = None;
        Ok(())
    }

    pub fn write_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        self.file.write_all_at(buf, offset)
    }

    /// The size now: BLKGETSIZE64 for a device, fstat for a file.
    pub fn current_size(&self) -> io::Result<u64> {
        match self.identity.kind {
            Kind::BlockDevice => block::size(&self.file),
            Kind::File => Ok(self.file.metadata()?.len()),
        }
    }

    /// Reads at `offset` (with `O_DIRECT` when the target has it: aligned offset,
    /// length and buffer).
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.file.read_at(buf, offset)
    }

    /// Syncs, drops what the host caches of the target, turns `O_DIRECT` on for the
    /// reads where it can, and says what stands between the reads and the medium.
    pub fn prepare_readback(&mut self) -> crate::model::report::CacheReport {
        use nix::fcntl::{posix_fadvise, PosixFadviseAdvice};
        use nix::sys::statfs::{fstatfs, statfs, TMPFS_MAGIC};
        let synced = self.sync().is_ok();
        let direct = self.direct_align.is_some() && self.set_direct(true).is_ok();
        let dropped = posix_fadvise(&self.file, 0, 0, PosixFadviseAdvice::POSIX_FADV_DONTNEED).is_ok();
        let mut how = vec![if direct {
            said!("cache-direct")
        } else {
            said!("cache-buffered")
        }];
        match (synced, dropped) {
            (true, true) => how.push(said!("cache-dropped")),
            (false, true) => how.push(said!("cache-dropped-unsynced")),
            (true, false) => how.push(said!("cache-synced-kept")),
            (false, false) => how.push(said!("cache-neither")),
        }
        let mut not_bypassed = Vec::new();
        let on_tmpfs = |path: &str| statfs(path).is_ok_and(|s| s.filesystem_type() == TMPFS_MAGIC);
        let from_medium = match (self.identity.kind, &self.loop_backing) {
            (Kind::BlockDevice, None) => {
                if block::flush_buffers(&self.file).is_ok() {
                    how.push(said!("cache-flushed"));
                }
                not_bypassed.push(said!("cache-drive"));
                true
            }
            (Kind::BlockDevice, Some(backing)) => {
                if block::flush_buffers(&self.file).is_ok() {
                    how.push(said!("cache-flushed"));
                }
                if self.loop_direct == Some(true) {
                    not_bypassed.push(said!("cache-loop-direct", backing = backing.as_str()));
                } else {
                    not_bypassed.push(said!("cache-loop-buffered", backing = backing.as_str()));
                }
                if on_tmpfs(backing) {
                    not_bypassed.push(said!("cache-backing-tmpfs", backing = backing.as_str()));
                } else {
                    not_bypassed.push(said!("cache-backing-drive"));
                }
                false
            }
            (Kind::File, _) => {
                if fstatfs(&self.file).is_ok_and(|s| s.filesystem_type() == TMPFS_MAGIC) {
                    not_bypassed.push(said!("cache-file-tmpfs"));
                }
                not_bypassed.push(said!("cache-file-system"));
                false
            }
        };
        crate::model::report::CacheReport {
            page_cache: Said::join(&how, &said!("sep-clauses")),
            not_bypassed,
            from_medium,
        }
    }

    pub fn sync(&self) -> io::Result<()> {
        self.file.sync_data()
    }
}

/// Maps an error from opening or examining a target to what the operator needs to hear.
fn open_error(shown: &str, what: Said, source: io::Error) -> TargetError {
    let path = shown.to_string();
    match source.kind() {
        io::ErrorKind::NotFound => TargetError::NotFound { path },
        io::ErrorKind::PermissionDenied => TargetError::PermissionDenied { path, error: source },
        _ => TargetError::Io { path, what, source },
    }
}

/// Why a regular file must not be written: it is active swap, or it backs a loop
/// device (whose users would see their disk change underneath them). Compared as
/// objects (device and inode), never by name.
fn file_refusals(sys: &Sys, object: Object) -> Vec<Refusal> {
    let mut out = swap_refusals(sys, object);
    for found in attached_loops(sys) {
        match found {
            Ok((node, b)) if b.object.same_inode(&object) => out.push(Refusal::BacksLoop { node }),
            Ok(_) => {}
            Err(r) => out.push(r),
        }
    }
    out
}

/// Whether `object` is an active swap file.
fn swap_refusals(sys: &Sys, object: Object) -> Vec<Refusal> {
    match sys.swaps() {
        Ok(areas) => areas
            .into_iter()
            .filter(|a| Object::of_file(Path::new(a)).is_ok_and(|o| o.same_inode(&object)))
            .map(|area| Refusal::Swap {
                node: area.clone(),
                area,
            })
            .collect(),
        Err(e) => vec![Refusal::Unverifiable {
            check: "swap (/proc/swaps)",
            error: e.to_string(),
        }],
    }
}

/// Why the loop device `disk`, backed by `b`, must not be written: what backs it is
/// a block device (whose own checks the loop would hide), backs another loop device
/// too, or is swap.
fn loop_refusals(sys: &Sys, disk: &str, b: &loopdev::Backing) -> Vec<Refusal> {
    if let Some(dev) = b.device {
        let name = sys
            .block_node(dev)
            .map_or_else(|| "no node".to_string(), |n| format!("/dev/{}", n.name));
        return vec![Refusal::LoopOverDevice {
            backing: format!("{dev} ({name})"),
        }];
    }
    let mut out = swap_refusals(sys, b.object);
    for found in attached_loops(sys) {
        match found {
            Ok((node, other)) if node != disk && other.object.same_inode(&b.object) => {
                out.push(Refusal::SharesBacking { node })
            }
            Ok(_) => {}
            Err(r) => out.push(r),
        }
    }
    out
}

/// Every bound loop device with what backs it, asked of each loop device itself:
/// sysfs's `loop/backing_file` is only a name.
fn attached_loops(sys: &Sys) -> Vec<Result<(String, loopdev::Backing), Refusal>> {
    let unverifiable = |node: &str, error: String| Refusal::Unverifiable {
        check: "what backs each loop device (LOOP_GET_STATUS64)",
        error: format!("/dev/{node}: {error}"),
    };
    sys.loop_backings()
        .into_iter()
        .filter_map(|(node, _)| {
            let ask = || -> Result<loopdev::Backing, String> {
                let want = sys.disk_devno(&node).ok_or("no device number in sysfs")?;
                let file = OpenOptions::new()
                    .read(true)
                    .custom_flags(libc::O_CLOEXEC | libc::O_NONBLOCK)
                    .open(sys.dev_node(&node))
                    .map_err(|e| e.to_string())?;
                let meta = file.metadata().map_err(|e| e.to_string())?;
                if !meta.file_type().is_block_device() || DevNo::from_raw(meta.rdev()) != want {
                    return Err(format!("the node is not device {want}"));
                }
                loopdev::backing(&file).map_err(|e| e.to_string())
            };
            match ask() {
                Ok(b) => Some(Ok((node, b))),
                // Detached between the listing and the question: it backs nothing.
                Err(_) if sys.disk_attr(&node, "loop/backing_file").is_none() => None,
                Err(e) => Some(Err(unverifiable(&node, e))),
            }
        })
        .collect()
}

/// Other processes that hold one of `devices` (block devices) or `objects` (files)
/// open for writing, unless `policy` allows them.
fn in_use(sys: &Sys, devices: &[DevNo], objects: &[Object], policy: &Policy) -> Vec<Refusal> {
    match sys.open_for_writing() {
        Ok(open) => {
            let mut out: Vec<Refusal> = open
                .into_iter()
                .filter(|o| !policy.allow_open_by.contains(&o.pid))
                .filter_map(|o| {
                    let what = match o.device {
                        Some(d) if devices.contains(&d) => sys
                            .block_node(d)
                            .map_or_else(|| d.to_string(), |n| format!("/dev/{}", n.name)),
                        _ if objects.iter().any(|b| b.dev == o.dev && b.ino == o.ino) => {
                            format!("file:{}:{}", o.dev, o.ino)
                        }
                        _ => return None,
                    };
                    Some(Refusal::InUse {
                        what,
                        pid: o.pid,
                        command: o.command,
                    })
                })
                .collect();
            out.dedup();
            out
        }
        Err(e) => vec![Refusal::Unverifiable {
            check: "processes holding it open (/proc/*/fd)",
            error: e.to_string(),
        }],
    }
}

/// File-system labels read by `blkid -p` when udev's database has none (udev is
/// often absent on rescue systems and in containers). Best effort: the labels
/// are shown to the operator, never used to decide anything.
fn probe_labels(facts: &BlockFacts) -> Vec<(String, Option<String>, Option<String>)> {
    let names =
        std::iter::once(facts.node.name.as_str()).chain(facts.partitions.iter().map(|p| p.name.as_str()));
    names
        .filter_map(|name| {
            let mut cmd = std::process::Command::new("blkid");
            cmd.args(["-p", "-o", "udev"]).arg(format!("/dev/{name}"));
            let out = output_within(cmd, BLKID_TIME)?;
            let text = String::from_utf8_lossy(&out);
            let get = |key: &str| text.lines().find_map(|l| l.strip_prefix(key)).map(str::to_string);
            let label = get("ID_FS_LABEL_ENC=")
                .map(|l| unescape_hex(&l))
                .or_else(|| get("ID_FS_LABEL="));
            let fstype = get("ID_FS_TYPE=");
            (label.is_some() || fstype.is_some()).then(|| (name.to_string(), label, fstype))
        })
        .collect()
}

/// How long `blkid` may read a device that does not answer before it is given up.
const BLKID_TIME: std::time::Duration = std::time::Duration::from_secs(10);

/// What `cmd` prints on stdout, if it ends (with any status) within `time`; killed
/// otherwise. Its stdin is /dev/null and its stderr is dropped.
fn output_within(mut cmd: std::process::Command, time: std::time::Duration) -> Option<Vec<u8>> {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    // Read on a thread: a child that fills the pipe must not block its own end.
    let reader = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = stdout.read_to_end(&mut b);
        b
    });
    let deadline = std::time::Instant::now() + time;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                // A child in uninterruptible sleep on the device dies when the kernel
                // lets it: its pipe is not waited for.
                return None;
            }
        }
    }
    reader.join().ok()
}

/// Undoes blkid's and udev's `\xNN` escaping.
fn unescape_hex(s: &str) -> String {
    String::from_utf8_lossy(&unescape(s, b"\\x", 2, 16)).into_owned()
}

/// The bytes of `s` with every `lead` followed by `digits` digits of `radix` replaced by
/// the byte they name; anything else as it is.
fn unescape(s: &str, lead: &[u8], digits: usize, radix: u32) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let at = i + lead.len();
        let byte = b[i..]
            .starts_with(lead)
            .then(|| std::str::from_utf8(b.get(at..at + digits)?).ok())
            .flatten()
            .and_then(|d| u8::from_str_radix(d, radix).ok());
        match byte {
            Some(v) => {
                out.push(v);
                i = at + digits;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    out
}

/// The canonical form of a path for display, when it can be resolved.
pub fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_print_and_parse() {
        let mut o = Object {
            dev: DevNo { major: 259, minor: 3 },
            ino: 1_234_567,
            birth: None,
        };
        assert_eq!(o.to_string(), "file:259:3:1234567");
        assert_eq!(Object::parse(&o.to_string()), Some(o));
        let old = o;
        o.birth = Some(Birth {
            secs: 1_796_000_000,
            nanos: 5,
        });
        assert_eq!(o.to_string(), "file:259:3:1234567:b1796000000.000000005");
        assert_eq!(Object::parse(&o.to_string()), Some(o));
        for bad in [
            "259:3:1",
            "file:259:3",
            "file:a:3:1",
            "file:259:3:-1",
            "/tmp/x",
            "file:259:3:1:1796000000.5",
            "file:259:3:1:b1796000000.1000000000",
            "file:259:3:1:b1.2:x",
        ] {
            assert_eq!(Object::parse(bad), None, "{bad}");
        }
        // Another file system's file on the same device, with the same inode: another object.
        let other = Object {
            birth: Some(Birth {
                secs: 1_797_000_000,
                nanos: 0,
            }),
            ..o
        };
        assert!(o.is(&o) && !other.is(&o) && !other.may_be(&o));
        // A register that knows no birth: the same inode is all it can ask; a side that
        // knows none may be either.
        assert!(other.is(&old) && old.may_be(&o) && !old.is(&o));
    }

    #[test]
    fn a_probe_that_does_not_end_is_given_up() {
        let mut cmd = std::process::Command::new("sh");
        cmd.args(["-c", "echo ID_FS_TYPE=ext4"]);
        assert_eq!(
            output_within(cmd, std::time::Duration::from_secs(10)).as_deref(),
            Some(&b"ID_FS_TYPE=ext4\n"[..])
        );
        let mut cmd = std::process::Command::new("sleep");
        cmd.arg("30");
        let t = std::time::Instant::now();
        assert_eq!(output_within(cmd, std::time::Duration::from_millis(300)), None);
        assert!(
            t.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            t.elapsed()
        );
    }

    #[test]
    fn mountinfo_escapes_are_undone() {
        assert_eq!(unescape_octal("/mnt/a\\040b"), "/mnt/a b");
        assert_eq!(unescape_octal("/mnt/\\134x\\9"), "/mnt/\\x\\9");
    }

    #[test]
    fn udev_escapes_are_undone() {
        assert_eq!(unescape_hex("机密\\x20a"), "机密 a");
        assert_eq!(unescape_hex("\\xe6\\x9c\\xba"), "机");
        assert_eq!(unescape_hex("a\\xZZ\\x"), "a\\xZZ\\x");
    }
}
