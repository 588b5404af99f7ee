//! Who a target is: a block device by its device number and what its drive says, a
//! file by its object (file system, inode, birth). Recorded in every result, shown
//! before every confirmation, compared by the register and the checkpoint.

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// A block device number, `major:minor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DevNo {
    pub major: u32,
    pub minor: u32,
}

impl DevNo {
    pub fn from_raw(rdev: u64) -> DevNo {
        DevNo {
            major: libc::major(rdev),
            minor: libc::minor(rdev),
        }
    }

    pub fn parse(s: &str) -> Option<DevNo> {
        let (a, b) = s.trim().split_once(':')?;
        Some(DevNo {
            major: a.parse().ok()?,
            minor: b.parse().ok()?,
        })
    }
}

impl std::fmt::Display for DevNo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.major, self.minor)
    }
}

/// A file as an object: the device number of its file system, its inode, and the
/// inode's birth time. A hard link, a bind mount or a new name reaches the same object;
/// a copy is another. The birth time tells apart the files of two file systems that
/// were mounted, one after the other, from the same device (a loop device attached to
/// another image): their inode numbers can be the same, their births are not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Object {
    pub dev: DevNo,
    pub ino: u64,
    /// Where the file system keeps it (statx's `stx_btime`: ext4, xfs, btrfs, tmpfs).
    pub birth: Option<Birth>,
}

/// An inode's birth time, to the nanosecond.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Birth {
    pub secs: i64,
    pub nanos: u32,
}

impl Birth {
    fn of(meta: &std::fs::Metadata) -> Option<Birth> {
        let t = meta.created().ok()?;
        let (secs, nanos) = match t.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => (i64::try_from(d.as_secs()).ok()?, d.subsec_nanos()),
            Err(e) => {
                let d = e.duration();
                let whole = i64::try_from(d.as_secs()).ok()?;
                match d.subsec_nanos() {
                    0 => (-whole, 0),
                    n => (-whole - 1, 1_000_000_000 - n),
                }
            }
        };
        Some(Birth { secs, nanos })
    }
}

impl Object {
    pub fn of(meta: &std::fs::Metadata) -> Object {
        Object {
            dev: DevNo::from_raw(meta.dev()),
            ino: meta.ino(),
            birth: Birth::of(meta),
        }
    }

    /// The object a path names now (following links), if it names a regular file.
    pub fn of_file(path: &Path) -> io::Result<Object> {
        let meta = std::fs::metadata(path)?;
        if !meta.is_file() {
            return Err(io::Error::other("not a regular file"));
        }
        Ok(Object::of(&meta))
    }

    /// Reads `file:MAJ:MIN:INO` or `file:MAJ:MIN:INO:bSECS.NANOS`.
    pub fn parse(s: &str) -> Option<Object> {
        let mut parts = s.strip_prefix("file:")?.split(':');
        let dev = DevNo {
            major: parts.next()?.parse().ok()?,
            minor: parts.next()?.parse().ok()?,
        };
        let ino = parts.next()?.parse().ok()?;
        let birth = match parts.next() {
            None => None,
            Some(b) => {
                let (secs, nanos) = b.strip_prefix('b')?.split_once('.')?;
                let nanos: u32 = nanos.parse().ok().filter(|n| *n < 1_000_000_000)?;
                Some(Birth {
                    secs: secs.parse().ok()?,
                    nanos,
                })
            }
        };
        if parts.next().is_some() {
            return None;
        }
        Some(Object { dev, ino, birth })
    }

    /// Whether both are the same inode of the same file system (whatever their births
    /// say: for the kernel's own answers, which name no birth).
    pub fn same_inode(&self, other: &Object) -> bool {
        self.dev == other.dev && self.ino == other.ino
    }

    /// The object without its birth: `file:MAJ:MIN:INO`, as registers before births
    /// named image carriers.
    pub fn base(&self) -> String {
        format!("file:{}:{}", self.dev, self.ino)
    }

    /// Whether this object, seen now, is the `registered` one: the same file system and
    /// inode, and the same birth where the register knows one (a birth this side does
    /// not know proves nothing).
    pub fn is(&self, registered: &Object) -> bool {
        self.dev == registered.dev
            && self.ino == registered.ino
            && (registered.birth.is_none() || self.birth == registered.birth)
    }

    /// Whether this object could be `other`: the same file system and inode, and births
    /// that do not differ where both are known. For guards, which refuse what may be a
    /// registered carrier.
    pub fn may_be(&self, other: &Object) -> bool {
        self.dev == other.dev
            && self.ino == other.ino
            && match (self.birth, other.birth) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }
}

impl std::fmt::Display for Object {
    /// `file:MAJ:MIN:INO:bSECS.NANOS` (without the birth where the file system keeps
    /// none): how the register names an image file carrier.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "file:{}:{}", self.dev, self.ino)?;
        if let Some(b) = self.birth {
            write!(f, ":b{}.{:09}", b.secs, b.nanos)?;
        }
        Ok(())
    }
}

/// Whether the target is a block device or a regular file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    BlockDevice,
    File,
}

/// Who the target is: recorded in every result, shown before confirmation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub kind: Kind,
    /// The path as given (non-UTF-8 bytes escaped as `\xNN`).
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Kernel name (`sda`, `loop3`) for block devices.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub device: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub devno: Option<String>,
    /// For a partition: its disk.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub partition_of: Option<String>,
    /// The serial `--confirm` expects. For a loop device: its backing file's path.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub serial: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub serial_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub wwn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub logical_sector: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub physical_sector: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rotational: Option<bool>,
    /// Partitions of a whole disk.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub partitions: Vec<String>,
    /// File-system labels udev knows, `node: label (type)`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub labels: Vec<String>,
    /// For a file: the file system's device and the inode.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub inode: Option<u64>,
    /// The object written, `file:MAJ:MIN:INO`: a file itself, or the file behind a
    /// loop device (asked of the loop device, LOOP_GET_STATUS64).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub object: Option<String>,
    /// What the drive said of itself, layer by layer: bus, identity sources, ATA and
    /// NVMe facts, hidden areas. Block devices only.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub drive: Option<crate::model::drive::Drive>,
}

impl Identity {
    /// Whether `other` names the same carrier: same kind and size, the same object
    /// (a file, or the file behind a loop device), and for a device the same serial.
    pub fn is_same_target(&self, other: &Identity) -> bool {
        self.kind == other.kind
            && self.size == other.size
            && self.object == other.object
            && match self.kind {
                Kind::BlockDevice => self.serial == other.serial,
                Kind::File => self.inode == other.inode && self.devno == other.devno,
            }
    }

    /// What identifies the target to the register: the object for a file or a loop
    /// device's file (`file:MAJ:MIN:INO`), else the device's serial.
    pub fn register_identity(&self) -> Option<&str> {
        self.object.as_deref().or(match self.kind {
            Kind::BlockDevice => self.serial.as_deref(),
            Kind::File => None,
        })
    }

    /// Whether the register's `serial` names this target: its register identity (for a
    /// file, the same object: [`Object::is`]), or (a carrier registered by an image's
    /// path, before objects were the rule) a path that reaches the same object now.
    pub fn is_carrier(&self, serial: &str) -> bool {
        let mine = self.object.as_deref().and_then(Object::parse);
        match (mine, Object::parse(serial)) {
            (Some(m), Some(registered)) => m.is(&registered),
            (Some(m), None) if serial.starts_with('/') => {
                Object::of_file(Path::new(serial)).is_ok_and(|o| m.is(&o))
            }
            (Some(_), None) => false,
            (None, _) => self.register_identity() == Some(serial),
        }
    }

    /// Whether the register's `serial` may name this target: [`Identity::is_carrier`],
    /// or the same file's object where one side does not know its birth. A guard refuses
    /// what may be a registered carrier.
    pub fn may_be_carrier(&self, serial: &str) -> bool {
        let mine = self.object.as_deref().and_then(Object::parse);
        match (mine, Object::parse(serial)) {
            (Some(m), Some(registered)) => m.may_be(&registered),
            _ => self.is_carrier(serial),
        }
    }
}
