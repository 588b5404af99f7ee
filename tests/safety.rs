//! The refusals that cannot be staged on loop devices here (partitions,
//! holders, swap, the root device's stack), tested on fixture trees laid out
//! like /proc, /sys and /run/udev; and the real root device, refused read-only.

mod common;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use mediasan::identify::sim::{Bridge, SimDrive};
use mediasan::identify::{identify, Drive};
use mediasan::medium::safety::{drive_refusals, inspect, refusals};
use mediasan::medium::{DevNo, Refusal, Sys};

/// A fixture tree: one SATA disk `sdb` (8:16) with partitions sdb1 (8:17) and sdb2 (8:18).
struct Tree {
    dir: tempfile::TempDir,
}

const DISK_DIR: &str = "sys/devices/pci0000:00/0000:00:1f.2/ata2/host1/target1:0:0/1:0:0:0/block";

impl Tree {
    fn new() -> Tree {
        let t = Tree {
            dir: tempfile::tempdir().unwrap(),
        };
        t.disk("sdb", 8, 16, &[("sdb1", 17), ("sdb2", 18)]);
        // A SATA disk behind libata: the serial is in VPD page 0x80, not device/serial.
        let serial = b"      WD-WCC4N1234567";
        let mut vpd = vec![0x00, 0x80, 0x00, serial.len() as u8];
        vpd.extend_from_slice(serial);
        t.write_bytes(&format!("{DISK_DIR}/sdb/device/vpd_pg80"), &vpd);
        t.write(&format!("{DISK_DIR}/sdb/device/model"), "WDC WD10EZEX-08W\n");
        t.write("proc/swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
        t.write(
            "proc/self/mountinfo",
            "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n",
        );
        t.write(
            "run/udev/data/b8:17",
            "E:ID_FS_TYPE=ext4\nE:ID_FS_LABEL=机密档案\n",
        );
        t
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, text: &str) {
        self.write_bytes(rel, text.as_bytes());
    }

    fn write_bytes(&self, rel: &str, data: &[u8]) {
        let p = self.root().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, data).unwrap();
    }

    fn mkdir(&self, rel: &str) -> PathBuf {
        let p = self.root().join(rel);
        fs::create_dir_all(&p).unwrap();
        p
    }

    /// A whole disk and its partitions, with the /sys/dev/block and /sys/block links.
    fn disk(&self, name: &str, major: u32, minor: u32, parts: &[(&str, u32)]) {
        let base = format!("{DISK_DIR}/{name}");
        self.write(&format!("{base}/dev"), &format!("{major}:{minor}\n"));
        self.write(&format!("{base}/ro"), "0\n");
        self.mkdir(&format!("{base}/holders"));
        self.mkdir("sys/dev/block");
        self.mkdir("sys/block");
        symlink(
            format!("../../{}", &base["sys/".len()..]),
            self.root().join(format!("sys/dev/block/{major}:{minor}")),
        )
        .unwrap();
        symlink(
            format!("../{}", &base["sys/".len()..]),
            self.root().join(format!("sys/block/{name}")),
        )
        .unwrap();
        for (i, (p, pminor)) in parts.iter().enumerate() {
            self.write(&format!("{base}/{p}/dev"), &format!("{major}:{pminor}\n"));
            self.write(&format!("{base}/{p}/partition"), &format!("{}\n", i + 1));
            self.write(&format!("{base}/{p}/ro"), "0\n");
            self.mkdir(&format!("{base}/{p}/holders"));
            symlink(
                format!("../../{}/{p}", &base["sys/".len()..]),
                self.root().join(format!("sys/dev/block/{major}:{pminor}")),
            )
            .unwrap();
        }
    }

    fn check(&self, minor: u32) -> Vec<Refusal> {
        let sys = Sys::at(self.root());
        let facts = inspect(&sys, DevNo { major: 8, minor }).expect("the fixture device is in sysfs");
        let mut r = refusals(&sys, &facts);
        r.extend(drive_refusals(&self.drive()));
        r
    }

    /// What the disk says of itself, its ATA drive answering nothing (the serial then
    /// comes from sysfs).
    fn drive(&self) -> Drive {
        let mut sim = SimDrive::new("unused", 1);
        sim.bridge = Bridge::Rejects;
        identify(&Sys::at(self.root()), "sdb", &mut sim)
    }
}

#[test]
fn a_clean_disk_passes_and_is_identified() {
    let t = Tree::new();
    assert_eq!(t.check(16), vec![]);
    let sys = Sys::at(t.root());
    let facts = inspect(&sys, DevNo { major: 8, minor: 16 }).unwrap();
    let drive = t.drive();
    assert_eq!(drive.serial.as_deref(), Some("WD-WCC4N1234567"));
    assert_eq!(drive.serial_source.as_deref(), Some("SCSI VPD page 0x80"));
    assert_eq!(facts.model.as_deref(), Some("WDC WD10EZEX-08W"));
    let parts: Vec<_> = facts.partitions.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(parts, ["sdb1", "sdb2"]);
    assert_eq!(
        facts.labels,
        vec![("sdb1".into(), Some("机密档案".into()), Some("ext4".into()))]
    );
}

#[test]
fn a_disk_with_a_mounted_partition_is_refused() {
    let t = Tree::new();
    t.write(
        "proc/self/mountinfo",
        "27 1 254:0 / / rw - ext4 /dev/vda rw\n90 27 8:17 / /media/usb\\040stick rw - ext4 /dev/sdb1 rw\n",
    );
    assert_eq!(
        t.check(16),
        vec![Refusal::Mounted {
            node: "sdb1".into(),
            mount_point: "/media/usb stick".into()
        }]
    );
    // The other partition is not mounted and may be wiped on its own.
    assert_eq!(t.check(18), vec![]);
    // A partition is identified by its disk's serial.
    let sys = Sys::at(t.root());
    let facts = inspect(&sys, DevNo { major: 8, minor: 18 }).unwrap();
    assert_eq!((facts.node.disk.as_str(), facts.node.partition), ("sdb", Some(2)));
    assert_eq!(t.drive().serial.as_deref(), Some("WD-WCC4N1234567"));
}

#[test]
fn a_mount_known_only_by_its_source_is_found() {
    // btrfs reports an anonymous 0:NN device number in mountinfo.
    let t = Tree::new();
    t.write(
        "proc/self/mountinfo",
        "27 1 254:0 / / rw - ext4 /dev/vda rw\n91 27 0:52 / /data rw - btrfs /dev/sdb2 rw\n",
    );
    assert_eq!(
        t.check(16),
        vec![Refusal::Mounted {
            node: "sdb2".into(),
            mount_point: "/data".into()
        }]
    );
}

#[test]
fn active_swap_on_a_partition_is_refused() {
    let t = Tree::new();
    t.write(
        "proc/swaps",
        "Filename\tType\tSize\tUsed\tPriority\n/dev/sdb2  partition\t4194300\t0\t-2\n",
    );
    assert_eq!(
        t.check(16),
        vec![Refusal::Swap {
            node: "sdb2".into(),
            area: "/dev/sdb2".into()
        }]
    );
    assert_eq!(
        t.check(18),
        vec![Refusal::Swap {
            node: "sdb2".into(),
            area: "/dev/sdb2".into()
        }]
    );
    assert_eq!(t.check(17), vec![]);
}

#[test]
fn holders_on_the_disk_or_a_partition_are_refused() {
    let t = Tree::new();
    t.mkdir(&format!("{DISK_DIR}/sdb/sdb1/holders/dm-0"));
    assert_eq!(
        t.check(16),
        vec![Refusal::Holders {
            node: "sdb1".into(),
            holders: vec!["dm-0".into()]
        }]
    );
    t.mkdir(&format!("{DISK_DIR}/sdb/holders/md127"));
    let r = t.check(16);
    assert!(
        r.contains(&Refusal::Holders {
            node: "sdb".into(),
            holders: vec!["md127".into()]
        }),
        "{r:?}"
    );
}

#[test]
fn the_disk_under_the_root_file_system_is_refused_also_through_dm() {
    let t = Tree::new();
    // / on sdb1 directly.
    t.write("proc/self/mountinfo", "27 1 8:17 / / rw - ext4 /dev/sdb1 rw\n");
    let r = t.check(16);
    assert!(r.contains(&Refusal::BacksRoot { node: "sdb1".into() }), "{r:?}");
    // / on dm-0 (253:0), built from sdb2.
    t.write(
        "proc/self/mountinfo",
        "27 1 253:0 / / rw - ext4 /dev/mapper/root rw\n",
    );
    t.write("sys/dev/block/253:0/slaves/sdb2/dev", "8:18\n");
    let r = t.check(16);
    assert!(r.contains(&Refusal::BacksRoot { node: "sdb2".into() }), "{r:?}");
}

#[test]
fn read_only_and_serial_less_devices_are_refused() {
    let t = Tree::new();
    t.write(&format!("{DISK_DIR}/sdb/ro"), "1\n");
    assert_eq!(t.check(16), vec![Refusal::ReadOnly]);
    t.write(&format!("{DISK_DIR}/sdb/ro"), "0\n");
    fs::remove_file(t.root().join(format!("{DISK_DIR}/sdb/device/vpd_pg80"))).unwrap();
    assert_eq!(t.check(16), vec![Refusal::NoSerial]);
    // An empty serial is no serial.
    t.write(&format!("{DISK_DIR}/sdb/device/serial"), "   \n");
    assert_eq!(t.check(16), vec![Refusal::NoSerial]);
    t.write(&format!("{DISK_DIR}/sdb/device/serial"), "S3Z1NB0K123456A\n");
    assert_eq!(t.check(16), vec![]);
}

#[test]
fn vpd_serials_are_cut_at_their_length_and_unpadded() {
    let t = Tree::new();
    let mut vpd = vec![0x00, 0x80, 0x00, 0x08];
    vpd.extend_from_slice(b"ABC  \0\0\0GARBAGE");
    t.write_bytes(&format!("{DISK_DIR}/sdb/device/vpd_pg80"), &vpd);
    assert_eq!(t.drive().serial.as_deref(), Some("ABC"));
}

#[test]
fn checks_that_cannot_be_made_refuse() {
    let t = Tree::new();
    fs::remove_file(t.root().join("proc/self/mountinfo")).unwrap();
    let r = t.check(16);
    assert!(matches!(r.as_slice(), [Refusal::Unverifiable { .. }]), "{r:?}");
    // No /proc/swaps at all, with /proc mounted: a kernel without swap.
    let t = Tree::new();
    fs::remove_file(t.root().join("proc/swaps")).unwrap();
    assert_eq!(t.check(16), vec![]);
}

#[test]
fn a_member_of_a_mounted_btrfs_is_refused() {
    let t = Tree::new();
    t.mkdir("sys/fs/btrfs/0b1e5c1a-1111-2222-3333-444455556666/devices/sdb2");
    let r = t.check(16);
    assert!(
        matches!(r.as_slice(), [Refusal::Mounted { node, .. }] if node == "sdb2"),
        "{r:?}"
    );
}

#[test]
fn a_root_known_only_by_its_source_is_refused() {
    // An overlay or btrfs root: anonymous device number, real source.
    let t = Tree::new();
    t.write("proc/self/mountinfo", "27 1 0:31 / / rw - btrfs /dev/sdb1 rw\n");
    let r = t.check(16);
    assert!(r.contains(&Refusal::BacksRoot { node: "sdb1".into() }), "{r:?}");
}

#[test]
fn a_device_missing_from_sysfs_is_refused() {
    let t = Tree::new();
    let sys = Sys::at(t.root());
    assert!(matches!(
        inspect(&sys, DevNo { major: 8, minor: 99 }),
        Err(Refusal::NotInSysfs { .. })
    ));
}

/// The checks run on the descriptor mediasan holds: a real, unmounted loop device,
/// opened for writing, is refused when the tree its device number leads to says it
/// is mounted (a mount cannot be faked on the real /proc, so a fixture tree does it).
#[test]
fn refusals_come_from_the_open_descriptors_device_number() {
    use std::os::unix::fs::MetadataExt;
    let test = "refusals_come_from_the_open_descriptors_device_number";
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("d.img");
    common::plant_markers(&img, 1 << 20);
    let lp = match common::Loop::attach(&img, None, false) {
        Ok(l) => l,
        Err(e) => return common::skip(test, &e),
    };
    let rdev = fs::metadata(&lp.dev).unwrap().rdev();
    let (major, minor) = (libc::major(rdev), libc::minor(rdev));
    let name = lp.dev.file_name().unwrap().to_str().unwrap().to_string();
    let t = Tree {
        dir: tempfile::tempdir().unwrap(),
    };
    let base = format!("sys/devices/virtual/block/{name}");
    t.write(&format!("{base}/ro"), "0\n");
    t.write(
        &format!("{base}/loop/backing_file"),
        &format!("{}\n", lp.serial()),
    );
    t.write(&format!("{base}/dev"), &format!("{major}:{minor}\n"));
    t.mkdir(&format!("{base}/holders"));
    t.mkdir("sys/dev/block");
    t.mkdir("sys/block");
    // The loop device is asked what backs it through the tree's /dev.
    t.mkdir("dev");
    symlink(&lp.dev, t.root().join(format!("dev/{name}"))).unwrap();
    symlink(
        format!("../../devices/virtual/block/{name}"),
        t.root().join(format!("sys/dev/block/{major}:{minor}")),
    )
    .unwrap();
    symlink(
        format!("../devices/virtual/block/{name}"),
        t.root().join(format!("sys/block/{name}")),
    )
    .unwrap();
    t.write("proc/swaps", "Filename\tType\tSize\tUsed\tPriority\n");
    t.write("proc/self/mountinfo", &format!("27 1 254:0 / / rw - ext4 /dev/vda rw\n95 27 {major}:{minor} / /mnt/secret rw - ext4 /dev/{name} rw\n"));

    let before = fs::read(&img).unwrap();
    let write = mediasan::medium::Access::Write;
    match mediasan::medium::Target::open(&lp.dev, &Sys::at(t.root()), write) {
        Err(mediasan::medium::TargetError::Refused { reasons, .. }) => {
            assert_eq!(
                reasons,
                vec![Refusal::Mounted {
                    node: name.clone(),
                    mount_point: "/mnt/secret".into()
                }]
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // The same device through a tree without the mount opens fine.
    t.write("proc/self/mountinfo", "27 1 254:0 / / rw - ext4 /dev/vda rw\n");
    let opened = mediasan::medium::Target::open(&lp.dev, &Sys::at(t.root()), write).unwrap();
    assert_eq!(opened.identity.serial.as_deref(), Some(lp.serial().as_str()));
    drop(opened);
    assert_eq!(fs::read(&img).unwrap(), before);
}

/// The machine's own root device, found through the real /proc: refused even for a
/// dry run (which opens read-only, so a mistake here cannot write).
#[test]
fn the_running_systems_root_device_is_refused() {
    let info = fs::read_to_string("/proc/self/mountinfo").unwrap();
    let Some(source) = info
        .lines()
        .find_map(|l| {
            let f: Vec<_> = l.split(' ').collect();
            (f.get(4) == Some(&"/")).then(|| l.split(" - ").nth(1)?.split(' ').nth(1).map(str::to_string))
        })
        .flatten()
        .filter(|s| s.starts_with("/dev/") && Path::new(s).exists())
    else {
        return common::skip(
            "the_running_systems_root_device_is_refused",
            "/ is not on a block device here",
        );
    };
    if !common::is_root() {
        return common::skip(
            "the_running_systems_root_device_is_refused",
            "needs root to open block devices",
        );
    }
    let out = common::bin()
        .args(["wipe", "--dry-run", &source])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("mounted at /") || err.contains("root file system") || err.contains("busy"),
        "{err}"
    );
}
