//! What the kernel says about a block device, and why mediasan must not write it.
//!
//! Pure functions over [`Sys`]: given a device number (taken from `fstat` of the
//! descriptor mediasan already holds), find the device's place in sysfs and every
//! reason to refuse it.

use std::collections::HashSet;
use std::fmt;

use super::sys::{BlockNode, DevNo, Partition, Sys};
use crate::identify::Drive;
use crate::t;

/// What sysfs says about a block device.
#[derive(Clone, Debug)]
pub struct BlockFacts {
    pub devno: DevNo,
    pub node: BlockNode,
    /// Partitions of the whole disk (empty when the target is itself a partition).
    pub partitions: Vec<Partition>,
    pub model: Option<String>,
    pub wwn: Option<String>,
    pub rotational: Option<bool>,
    pub read_only: bool,
    /// `(node, label, fs type)` for the device and each partition udev knows.
    pub labels: Vec<(String, Option<String>, Option<String>)>,
}

/// A reason not to write a block device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    NotInSysfs {
        devno: DevNo,
    },
    Mounted {
        node: String,
        mount_point: String,
    },
    Swap {
        node: String,
        area: String,
    },
    Holders {
        node: String,
        holders: Vec<String>,
    },
    BacksRoot {
        node: String,
    },
    ReadOnly,
    NoSerial,
    /// ATA security is enabled and locked: the drive aborts reads and writes.
    SecurityLocked,
    /// A loop device whose backing file is itself a block device: wipe that device instead.
    LoopOverDevice {
        backing: String,
    },
    /// A file that backs a loop device.
    BacksLoop {
        node: String,
    },
    /// A loop device whose backing file also backs another loop device.
    SharesBacking {
        node: String,
    },
    /// A file on overlayfs: writing it writes a copied-up copy.
    Overlay,
    /// Another process holds it open for writing.
    InUse {
        what: String,
        pid: u32,
        command: String,
    },
    /// A check whose facts could not be read: not knowing is not passing.
    Unverifiable {
        check: &'static str,
        error: String,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Refusal::NotInSysfs { devno } => t!("refusal-not-in-sysfs", devno = devno.to_string()),
            Refusal::Mounted { node, mount_point } => {
                t!(
                    "refusal-mounted",
                    node = node.as_str(),
                    mount = mount_point.as_str()
                )
            }
            Refusal::Swap { node, area } => t!("refusal-swap", node = node.as_str(), area = area.as_str()),
            Refusal::Holders { node, holders } => {
                t!(
                    "refusal-holders",
                    node = node.as_str(),
                    holders = holders.join(", ")
                )
            }
            Refusal::BacksRoot { node } => t!("refusal-backs-root", node = node.as_str()),
            Refusal::ReadOnly => t!("refusal-read-only"),
            Refusal::NoSerial => t!("refusal-no-serial"),
            Refusal::SecurityLocked => t!("refusal-security-locked"),
            Refusal::LoopOverDevice { backing } => t!("refusal-loop-over-device", backing = backing.as_str()),
            Refusal::BacksLoop { node } => t!("refusal-backs-loop", node = node.as_str()),
            Refusal::SharesBacking { node } => t!("refusal-shares-backing", node = node.as_str()),
            Refusal::Overlay => t!("refusal-overlay"),
            Refusal::InUse { what, pid, command } => {
                t!(
                    "refusal-in-use",
                    what = what.as_str(),
                    pid = pid.to_string(),
                    command = command.as_str()
                )
            }
            Refusal::Unverifiable { check, error } => t!(
                "refusal-unverifiable",
                check = check.to_string(),
                error = error.as_str()
            ),
        };
        f.write_str(&text)
    }
}

impl Refusal {
    /// What the operator can do about it.
    pub fn hint(&self) -> String {
        match self {
            Refusal::NotInSysfs { .. } => t!("refusal-not-in-sysfs-hint"),
            Refusal::Mounted { .. } => t!("refusal-mounted-hint"),
            Refusal::Swap { .. } => t!("refusal-swap-hint"),
            Refusal::Holders { .. } => t!("refusal-holders-hint"),
            Refusal::BacksRoot { .. } => t!("refusal-backs-root-hint"),
            Refusal::ReadOnly => t!("refusal-read-only-hint"),
            Refusal::NoSerial => t!("refusal-no-serial-hint"),
            Refusal::SecurityLocked => t!("refusal-security-locked-hint"),
            Refusal::LoopOverDevice { .. } => t!("refusal-loop-over-device-hint"),
            Refusal::BacksLoop { .. } => t!("refusal-backs-loop-hint"),
            Refusal::SharesBacking { .. } => t!("refusal-shares-backing-hint"),
            Refusal::Overlay => t!("refusal-overlay-hint"),
            Refusal::InUse { .. } => t!("refusal-in-use-hint"),
            Refusal::Unverifiable { .. } => t!("refusal-unverifiable-hint"),
        }
    }
}

/// Reads what sysfs knows about `devno`.
pub fn inspect(sys: &Sys, devno: DevNo) -> Result<BlockFacts, Refusal> {
    let node = sys.block_node(devno).ok_or(Refusal::NotInSysfs { devno })?;
    let partitions = match node.partition {
        Some(_) => Vec::new(),
        None => sys.partitions(&node.disk),
    };
    let disk = node.disk.as_str();
    let read_only =
        sys.attr(&node, "ro").as_deref() == Some("1") || sys.disk_attr(disk, "ro").as_deref() == Some("1");
    let mut labels = Vec::new();
    let named = std::iter::once((node.name.clone(), Some(devno)))
        .chain(partitions.iter().map(|p| (p.name.clone(), p.devno)));
    for (name, dn) in named {
        if let Some(dn) = dn {
            let label = sys.udev_property(dn, "ID_FS_LABEL");
            let fstype = sys.udev_property(dn, "ID_FS_TYPE");
            if label.is_some() || fstype.is_some() {
                labels.push((name, label, fstype));
            }
        }
    }
    Ok(BlockFacts {
        devno,
        model: sys.disk_attr(disk, "device/model").or_else(|| {
            sys.disk_attr(disk, "loop/backing_file")
                .map(|_| "loop device".into())
        }),
        wwn: sys
            .disk_attr(disk, "device/wwid")
            .or_else(|| sys.disk_attr(disk, "wwid")),
        rotational: sys.disk_attr(disk, "queue/rotational").map(|v| v == "1"),
        read_only,
        labels,
        partitions,
        node,
    })
}

/// Every reason to refuse writing the device described by `facts`.
pub fn refusals(sys: &Sys, facts: &BlockFacts) -> Vec<Refusal> {
    let mut out = Vec::new();
    // The device and, for a whole disk, each of its partitions.
    let mut members: Vec<(String, Option<DevNo>)> = vec![(facts.node.name.clone(), Some(facts.devno))];
    members.extend(facts.partitions.iter().map(|p| (p.name.clone(), p.devno)));

    let mounts = match sys.mounts() {
        Ok(m) => m,
        Err(e) => {
            out.push(Refusal::Unverifiable {
                check: "mounts (/proc/self/mountinfo)",
                error: e.to_string(),
            });
            Vec::new()
        }
    };
    for (name, devno) in &members {
        let dev_path = format!("/dev/{name}");
        for m in &mounts {
            if (devno.is_some() && m.devno == *devno) || m.source == dev_path {
                out.push(Refusal::Mounted {
                    node: name.clone(),
                    mount_point: m.mount_point.clone(),
                });
            }
        }
    }

    // Members of a mounted btrfs: its other devices show no mount of their own.
    for (fs, dev) in sys.btrfs_devices() {
        if let Some((name, _)) = members.iter().find(|(n, _)| *n == dev) {
            out.push(Refusal::Mounted {
                node: name.clone(),
                mount_point: format!("a btrfs file system ({fs})"),
            });
        }
    }

    let swaps = sys.swaps().unwrap_or_else(|e| {
        out.push(Refusal::Unverifiable {
            check: "swap (/proc/swaps)",
            error: e.to_string(),
        });
        Vec::new()
    });
    for area in swaps {
        let base = area.rsplit('/').next().unwrap_or(&area);
        if let Some((name, _)) = members
            .iter()
            .find(|(n, _)| n == base && area.starts_with("/dev/"))
        {
            out.push(Refusal::Swap {
                node: name.clone(),
                area: area.clone(),
            });
        }
    }

    let disk = facts.node.disk.as_str();
    let own = facts.node.partition.map(|_| facts.node.name.as_str());
    let mut holder_sets = vec![(facts.node.name.clone(), sys.holders(disk, own))];
    holder_sets.extend(
        facts
            .partitions
            .iter()
            .map(|p| (p.name.clone(), sys.holders(disk, Some(&p.name)))),
    );
    for (node, holders) in holder_sets {
        if !holders.is_empty() {
            out.push(Refusal::Holders { node, holders });
        }
    }

    let root = root_devices(sys, &mounts);
    // Roots on btrfs, ZFS or overlay report an anonymous device number; their source
    // names the device where there is one.
    let root_sources: Vec<&str> = mounts
        .iter()
        .filter(|m| m.mount_point == "/")
        .filter_map(|m| m.source.strip_prefix("/dev/"))
        .collect();
    for (name, devno) in &members {
        if devno.is_some_and(|d| root.contains(&d)) || root_sources.contains(&name.as_str()) {
            out.push(Refusal::BacksRoot { node: name.clone() });
        }
    }

    if facts.read_only {
        out.push(Refusal::ReadOnly);
    }
    out
}

/// The reasons the drive itself gives: no serial to confirm it by, or ATA security
/// locked (every read and write aborts until a password unlocks it).
pub fn drive_refusals(drive: &Drive) -> Vec<Refusal> {
    let mut out = Vec::new();
    if drive.serial.is_none() {
        out.push(Refusal::NoSerial);
    }
    if drive.security().is_some_and(|s| s.locked) {
        out.push(Refusal::SecurityLocked);
    }
    out
}

/// The device holding `/` and, through `slaves`, every device it is built from.
fn root_devices(sys: &Sys, mounts: &[super::sys::Mount]) -> HashSet<DevNo> {
    let mut seen = HashSet::new();
    let mut todo: Vec<DevNo> = mounts
        .iter()
        .filter(|m| m.mount_point == "/")
        .filter_map(|m| m.devno)
        .collect();
    while let Some(d) = todo.pop() {
        if seen.insert(d) {
            todo.extend(sys.slaves(d));
        }
    }
    seen
}
