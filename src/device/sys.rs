//! The one layer through which mediasan reads /proc, /sys and udev's database.
//!
//! Everything the safety checks know about the host comes through [`Sys`], whose
//! root is `/` in production and a fixture tree in tests (partitions, holders
//! and swap cannot be created on loop devices here, so those refusals are tested
//! on copies of real trees).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use crate::model::identity::DevNo;

/// The block major of loop devices.
pub const LOOP_MAJOR: u32 = 7;

/// A descriptor another process holds open for writing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenFile {
    pub pid: u32,
    /// `/proc/PID/comm`.
    pub command: String,
    /// For a block device node: the device it opens.
    pub device: Option<DevNo>,
    /// The object itself: its file system and inode.
    pub dev: DevNo,
    pub ino: u64,
}

/// One line of /proc/self/mountinfo, reduced to what the checks need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    pub devno: Option<DevNo>,
    pub mount_point: String,
    pub source: String,
}

/// Where a block device sits in the kernel's tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockNode {
    /// Kernel name: `sda`, `sda1`, `loop3`, `nvme0n1p2`.
    pub name: String,
    /// The whole disk: the node itself, or its parent for a partition.
    pub disk: String,
    /// `Some(n)` for partition number n.
    pub partition: Option<u32>,
}

/// A partition of a disk, as sysfs lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partition {
    pub name: String,
    pub devno: Option<DevNo>,
}

/// A view of /proc, /sys and /run/udev below a root directory.
#[derive(Clone, Debug)]
pub struct Sys {
    root: PathBuf,
}

impl Sys {
    /// The running system.
    pub fn host() -> Sys {
        Sys::at("/")
    }

    /// A tree laid out like `/` (tests point this at `fixtures/sys/...`).
    pub fn at(root: impl Into<PathBuf>) -> Sys {
        Sys { root: root.into() }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel.trim_start_matches('/'))
    }

    fn read(&self, rel: &str) -> io::Result<String> {
        fs::read_to_string(self.path(rel))
    }

    /// Every mount of this process's namespace.
    pub fn mounts(&self) -> io::Result<Vec<Mount>> {
        Ok(self
            .read("proc/self/mountinfo")?
            .lines()
            .filter_map(parse_mountinfo)
            .collect())
    }

    /// The file names of active swap areas. A kernel without swap support has no
    /// /proc/swaps, and no swap.
    pub fn swaps(&self) -> io::Result<Vec<String>> {
        let text = match self.read("proc/swaps") {
            Err(e) if e.kind() == io::ErrorKind::NotFound && self.path("proc/self").is_dir() => {
                return Ok(Vec::new())
            }
            other => other?,
        };
        Ok(text
            .lines()
            .skip(1)
            .filter_map(|l| l.split_whitespace().next())
            .map(unescape_octal)
            .collect())
    }

    /// Resolves a device number through /sys/dev/block.
    pub fn block_node(&self, devno: DevNo) -> Option<BlockNode> {
        let link = self.path(&format!("sys/dev/block/{devno}"));
        let target = fs::read_link(&link).ok()?;
        let name = file_name(&target)?;
        let partition = fs::read_to_string(link.join("partition"))
            .ok()
            .and_then(|s| s.trim().parse().ok());
        let disk = match partition {
            Some(_) => file_name(target.parent()?)?,
            None => name.clone(),
        };
        Some(BlockNode {
            name,
            disk,
            partition,
        })
    }

    /// A sysfs attribute of a block node, `/sys/block/DISK[/PART]/ATTR`, trimmed; `None` if
    /// missing or empty.
    pub fn attr(&self, node: &BlockNode, attr: &str) -> Option<String> {
        let rel = match node.partition {
            Some(_) => format!("sys/block/{}/{}/{attr}", node.disk, node.name),
            None => format!("sys/block/{}/{attr}", node.disk),
        };
        read_trimmed(&self.path(&rel))
    }

    /// An attribute of the whole disk, `/sys/block/DISK/ATTR`.
    pub fn disk_attr(&self, disk: &str, attr: &str) -> Option<String> {
        read_trimmed(&self.path(&format!("sys/block/{disk}/{attr}")))
    }

    /// Where a sysfs path leads, all links followed.
    pub fn resolve(&self, rel: &str) -> Option<PathBuf> {
        fs::canonicalize(self.path(rel)).ok()
    }

    /// A binary attribute of the whole disk (SCSI VPD pages).
    pub fn disk_attr_bytes(&self, disk: &str, attr: &str) -> Option<Vec<u8>> {
        fs::read(self.path(&format!("sys/block/{disk}/{attr}"))).ok()
    }

    /// The partitions of a whole disk.
    pub fn partitions(&self, disk: &str) -> Vec<Partition> {
        let dir = self.path(&format!("sys/block/{disk}"));
        let mut parts: Vec<Partition> = list_dir(&dir)
            .into_iter()
            .filter(|name| dir.join(name).join("partition").is_file())
            .map(|name| Partition {
                devno: read_trimmed(&dir.join(&name).join("dev")).and_then(|s| DevNo::parse(&s)),
                name,
            })
            .collect();
        parts.sort_by(|a, b| a.name.cmp(&b.name));
        parts
    }

    /// The devices stacked on a node (LVM, md, dm-crypt...).
    pub fn holders(&self, disk: &str, partition: Option<&str>) -> Vec<String> {
        let rel = match partition {
            Some(p) => format!("sys/block/{disk}/{p}/holders"),
            None => format!("sys/block/{disk}/holders"),
        };
        list_dir(&self.path(&rel))
    }

    /// Devices a (virtual) device is built from, by device number.
    pub fn slaves(&self, devno: DevNo) -> Vec<DevNo> {
        let dir = self.path(&format!("sys/dev/block/{devno}/slaves"));
        list_dir(&dir)
            .into_iter()
            .filter_map(|name| read_trimmed(&dir.join(name).join("dev")))
            .filter_map(|s| DevNo::parse(&s))
            .collect()
    }

    /// `(file system uuid, device name)` for every device of every btrfs the kernel has mounted.
    pub fn btrfs_devices(&self) -> Vec<(String, String)> {
        let dir = self.path("sys/fs/btrfs");
        list_dir(&dir)
            .into_iter()
            .flat_map(|fs| {
                list_dir(&dir.join(&fs).join("devices"))
                    .into_iter()
                    .map(move |dev| (fs.clone(), dev))
            })
            .collect()
    }

    /// `(loop device, backing file)` for every attached loop device.
    pub fn loop_backings(&self) -> Vec<(String, String)> {
        list_dir(&self.path("sys/block"))
            .into_iter()
            .filter(|n| n.starts_with("loop"))
            .filter_map(|n| {
                let backing = read_trimmed(&self.path(&format!("sys/block/{n}/loop/backing_file")))?;
                Some((n, backing))
            })
            .collect()
    }

    /// Whether the whole disk `disk` is a loop device (bound or not).
    pub fn is_loop(&self, disk: &str) -> bool {
        self.path(&format!("sys/block/{disk}/loop")).is_dir()
            || self
                .disk_attr(disk, "dev")
                .and_then(|d| DevNo::parse(&d))
                .is_some_and(|d| d.major == LOOP_MAJOR)
    }

    /// Has the kernel read a SCSI disk's capacity again (`device/rescan`).
    pub fn rescan(&self, disk: &str) -> io::Result<()> {
        fs::write(self.path(&format!("sys/block/{disk}/device/rescan")), "1")
    }

    /// Every whole disk sysfs lists, by kernel name, sorted.
    pub fn disks(&self) -> Vec<String> {
        list_dir(&self.path("sys/block"))
    }

    /// The `/dev/disk/by-id` names that lead to the node `name`.
    pub fn by_id(&self, name: &str) -> Vec<String> {
        let dir = self.path("dev/disk/by-id");
        let node = fs::canonicalize(self.dev_node(name)).ok();
        list_dir(&dir)
            .into_iter()
            .filter(|n| node.is_some() && fs::canonicalize(dir.join(n)).ok() == node)
            .map(|n| format!("/dev/disk/by-id/{n}"))
            .collect()
    }

    /// The device number sysfs gives a whole disk.
    pub fn disk_devno(&self, disk: &str) -> Option<DevNo> {
        self.disk_attr(disk, "dev").and_then(|d| DevNo::parse(&d))
    }

    /// The node of a kernel device name under this root's `/dev`.
    pub fn dev_node(&self, name: &str) -> PathBuf {
        self.path(&format!("dev/{name}"))
    }

    /// Every descriptor of every other process that is open for writing, with what
    /// it points at. A process that ends during the scan is passed over; a /proc that
    /// cannot be listed is an error (not knowing is not passing).
    pub fn open_for_writing(&self) -> io::Result<Vec<OpenFile>> {
        let me = std::process::id();
        let mut out = Vec::new();
        for entry in fs::read_dir(self.path("proc"))? {
            let Some(pid) = entry?.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            if pid == me {
                continue;
            }
            let fds = self.path(&format!("proc/{pid}/fd"));
            let list = match fs::read_dir(&fds) {
                Ok(list) => list,
                // The process ended during the scan.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                // Another user's process, for a user who is not root: it reaches the
                // file only as its permissions allow, as for shred (devices need root).
                Err(e)
                    if e.kind() == io::ErrorKind::PermissionDenied && !nix::unistd::geteuid().is_root() =>
                {
                    continue
                }
                // Root not allowed to look (a restricted /proc): not knowing is not passing.
                Err(e) => return Err(io::Error::new(e.kind(), format!("/proc/{pid}/fd: {e}"))),
            };
            let mut command = None;
            for fd in list.filter_map(Result::ok) {
                let name = fd.file_name();
                let info = self.path(&format!("proc/{pid}/fdinfo/{}", name.to_string_lossy()));
                let writes = fs::read_to_string(info).ok().is_some_and(|t| {
                    t.lines()
                        .find_map(|l| l.strip_prefix("flags:"))
                        .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
                        .is_some_and(|f| f & 3 != 0)
                });
                if !writes {
                    continue;
                }
                let Ok(meta) = fs::metadata(fd.path()) else {
                    continue;
                };
                use std::os::unix::fs::{FileTypeExt, MetadataExt};
                let command = command
                    .get_or_insert_with(|| {
                        self.read(&format!("proc/{pid}/comm"))
                            .map(|c| c.trim().to_string())
                            .unwrap_or_else(|_| "?".into())
                    })
                    .clone();
                out.push(OpenFile {
                    pid,
                    command,
                    device: meta
                        .file_type()
                        .is_block_device()
                        .then(|| DevNo::from_raw(meta.rdev())),
                    dev: DevNo::from_raw(meta.dev()),
                    ino: meta.ino(),
                });
            }
        }
        Ok(out)
    }

    /// A property from udev's database for a device (`ID_FS_LABEL`, `ID_FS_TYPE`, ...).
    pub fn udev_property(&self, devno: DevNo, key: &str) -> Option<String> {
        let text = self.read(&format!("run/udev/data/b{devno}")).ok()?;
        let prefix = format!("E:{key}=");
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .map(str::to_string)
            .filter(|v| !v.is_empty())
    }
}

fn parse_mountinfo(line: &str) -> Option<Mount> {
    // id parent maj:min root mount-point options [optional...] - fstype source super-options
    let mut fields = line.split(' ');
    let devno = DevNo::parse(fields.nth(2)?);
    let mount_point = unescape_octal(fields.nth(1)?);
    let (_, after) = line.split_once(" - ")?;
    let source = unescape_octal(after.split(' ').nth(1)?);
    Some(Mount {
        devno,
        mount_point,
        source,
    })
}

/// Undoes the kernel's `\040`-style escaping in /proc files.
fn unescape_octal(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 4 <= bytes.len() {
            let oct = std::str::from_utf8(&bytes[i + 1..i + 4]).ok();
            if let Some(v) = oct.and_then(|o| u8::from_str_radix(o, 8).ok()) {
                out.push(v);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn read_trimmed(path: &Path) -> Option<String> {
    let s = fs::read_to_string(path).ok()?;
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn list_dir(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|it| {
            it.filter_map(Result::ok)
                .filter_map(|e| e.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn file_name(p: &Path) -> Option<String> {
    p.file_name()?.to_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_lines_parse_with_escapes() {
        let m = parse_mountinfo(
            "36 35 8:17 / /mnt/my\\040disk rw,noatime shared:1 - ext4 /dev/sdb1 rw,errors=remount-ro",
        )
        .unwrap();
        assert_eq!(m.devno, Some(DevNo { major: 8, minor: 17 }));
        assert_eq!(m.mount_point, "/mnt/my disk");
        assert_eq!(m.source, "/dev/sdb1");
        assert_eq!(parse_mountinfo("garbage"), None);
    }

    #[test]
    fn devno_parses_and_prints() {
        let d = DevNo::parse("259:3\n").unwrap();
        assert_eq!(d.to_string(), "259:3");
        assert_eq!(DevNo::parse("x:1"), None);
    }
}
