//! Drive identification on sysfs trees laid out as the kernel lays them out for each
//! bus, with a simulated drive answering the ATA commands (the states no emulator here
//! plays: HPA, DCO, locked security, bridges that refuse, lie or fail).

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

use mediasan::identify::sim::{Bridge, SimDrive};
use mediasan::identify::{identify, source, Area, Bus, Drive, Probe};
use mediasan::medium::safety::drive_refusals;
use mediasan::medium::{Refusal, Sys};

const SATA: &str = "devices/pci0000:00/0000:00:1f.2/ata2/host1/target1:0:0/1:0:0:0";
const USB_DEV: &str = "devices/pci0000:00/0000:00:14.0/usb2/2-1";
const USB: &str = "devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host3/target3:0:0/3:0:0:0";
const VSCSI: &str = "devices/pci0000:00/0000:00:03.0/virtio0/host0/target0:0:0/0:0:0:0";

/// A sysfs tree with one disk `name` whose SCSI device lives at `dev`.
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new(name: &str, dev: &str) -> Tree {
        let t = Tree {
            dir: tempfile::tempdir().unwrap(),
        };
        let block = format!("sys/{dev}/block/{name}");
        t.write(&format!("{block}/dev"), "8:0\n");
        t.write(&format!("{block}/size"), "2048\n");
        fs::create_dir_all(t.root().join("sys/block")).unwrap();
        symlink(
            format!("../{dev}/block/{name}"),
            t.root().join(format!("sys/block/{name}")),
        )
        .unwrap();
        symlink("../..", t.root().join(format!("{block}/device"))).unwrap();
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

    fn vpd80(&self, dev: &str, serial: &str) {
        let mut page = vec![0, 0x80, 0, serial.len() as u8];
        page.extend_from_slice(serial.as_bytes());
        self.write_bytes(&format!("sys/{dev}/vpd_pg80"), &page);
    }

    fn drive(&self, name: &str, sim: &mut SimDrive) -> Drive {
        identify(&Sys::at(self.root()), name, sim)
    }
}

fn rejecting() -> SimDrive {
    let mut s = SimDrive::new("unused", 1);
    s.bridge = Bridge::Rejects;
    s
}

#[test]
fn a_sata_disk_is_named_by_its_own_identify_before_sysfs() {
    let t = Tree::new("sda", SATA);
    t.vpd80(SATA, "  KERNELSERIAL");
    t.write(&format!("sys/{SATA}/model"), "KERNEL MODEL\n");
    let mut sim = SimDrive::new("DRIVESERIAL01", 2_000_000);
    let d = t.drive("sda", &mut sim);
    assert_eq!(d.transport, Bus::Sata);
    assert_eq!(d.serial.as_deref(), Some("DRIVESERIAL01"));
    assert_eq!(d.serial_source.as_deref(), Some(source::ATA));
    assert_eq!(d.model.as_deref(), Some("mediasan simulated disk"));
    // Every layer is kept with its source.
    let sources: Vec<&str> = d.layers.iter().map(|l| l.source.as_str()).collect();
    assert_eq!(sources, [source::ATA, source::SYSFS, source::VPD80]);
    assert_eq!(d.layers[2].serial.as_deref(), Some("KERNELSERIAL"));
    assert_eq!((&d.hidden.hpa, &d.hidden.dco), (&Area::None, &Area::None));
    assert!(drive_refusals(&d).is_empty());
}

#[test]
fn when_identify_fails_the_kernel_serial_stands_and_hidden_areas_are_unknown() {
    let t = Tree::new("sda", SATA);
    t.vpd80(SATA, "KERNELSERIAL");
    let d = t.drive("sda", &mut rejecting());
    assert_eq!(d.serial.as_deref(), Some("KERNELSERIAL"));
    assert!(matches!(d.ata, Probe::Unknown { .. }), "{:?}", d.ata);
    assert!(d.hidden.any_unknown());
    assert!(
        d.hidden.summary().en().starts_with("unknown"),
        "{}",
        d.hidden.summary()
    );
    assert!(d.security_summary().en().starts_with("unknown"));
}

#[test]
fn a_usb_disk_behind_a_refusing_bridge_gets_the_bridges_serial_marked_as_such() {
    let t = Tree::new("sdb", USB);
    t.write(&format!("sys/{USB_DEV}/serial"), "BRIDGE0042\n");
    t.write(&format!("sys/{USB_DEV}/product"), "USB3.0 dock\n");
    fs::create_dir_all(t.root().join("sys/bus/usb/drivers/usb-storage")).unwrap();
    symlink(
        t.root().join("sys/bus/usb/drivers/usb-storage"),
        t.root().join(format!("sys/{USB_DEV}/2-1:1.0/driver")),
    )
    .unwrap();
    let d = t.drive("sdb", &mut rejecting());
    assert_eq!(d.transport, Bus::Usb);
    assert_eq!(d.usb_driver.as_deref(), Some("usb-storage"));
    assert_eq!(d.serial.as_deref(), Some("BRIDGE0042"));
    assert_eq!(d.serial_source.as_deref(), Some(source::USB_BRIDGE));
    assert!(d.serial_is_bridges);
    // The bridge's product name is not the drive's model.
    assert_eq!(d.model, None);
    assert!(d.hidden.any_unknown());
}

#[test]
fn a_usb_bridge_that_passes_ata_shows_the_drive_itself() {
    let t = Tree::new("sdb", USB);
    t.write(&format!("sys/{USB_DEV}/serial"), "BRIDGE0042\n");
    let mut sim = SimDrive::new("WD-WX11A1234567", 1_000_000);
    sim.current = 999_000;
    let d = t.drive("sdb", &mut sim);
    assert_eq!(d.serial.as_deref(), Some("WD-WX11A1234567"));
    assert!(!d.serial_is_bridges);
    assert_eq!(d.layers.last().unwrap().serial.as_deref(), Some("BRIDGE0042"));
    assert_eq!(d.hidden.hpa.hidden_sectors(), 1000);
    assert!(
        d.hidden.summary().en().contains("HPA hides 1000 sectors"),
        "{}",
        d.hidden.summary()
    );
}

#[test]
fn locked_security_refuses_and_frozen_is_reported() {
    let t = Tree::new("sda", SATA);
    let mut sim = SimDrive::new("LOCKED0001", 1_000_000);
    sim.security = 0x0007;
    let d = t.drive("sda", &mut sim);
    assert_eq!(drive_refusals(&d), vec![Refusal::SecurityLocked]);
    assert!(
        d.security_summary().en().contains("locked"),
        "{}",
        d.security_summary()
    );
    let mut sim = SimDrive::new("FROZEN0001", 1_000_000);
    sim.security = 0x0029;
    let d = t.drive("sda", &mut sim);
    assert_eq!(d.security_summary().en(), "disabled, frozen");
    assert!(drive_refusals(&d).is_empty());
    assert!(d.erase_commands().contains(&"ata-secure-erase-enhanced"));
}

#[test]
fn a_scsi_disk_has_no_hidden_area_question_but_a_sat_one_does() {
    let t = Tree::new("sdc", VSCSI);
    t.vpd80(VSCSI, "MSSCSI0001");
    t.write(&format!("sys/{VSCSI}/vendor"), "QEMU\n");
    let d = t.drive("sdc", &mut rejecting());
    assert_eq!(d.transport, Bus::Scsi);
    assert_eq!(d.serial.as_deref(), Some("MSSCSI0001"));
    assert!(
        matches!(d.hidden.hpa, Area::NotApplicable { .. }),
        "{:?}",
        d.hidden
    );
    // A SAT layer (VPD page 0x89) says an ATA drive is behind: then not knowing is unknown.
    t.write_bytes(&format!("sys/{VSCSI}/vpd_pg89"), &[0, 0x89, 0, 0]);
    let d = t.drive("sdc", &mut rejecting());
    assert!(d.hidden.any_unknown(), "{:?}", d.hidden);
}

#[test]
fn a_dco_and_a_bad_checksum() {
    let t = Tree::new("sda", SATA);
    let mut sim = SimDrive::new("DCO0001", 390_721_968);
    sim.dco = Some(398_297_088);
    let d = t.drive("sda", &mut sim);
    assert_eq!(d.hidden.dco.hidden_sectors(), 7_575_120);
    let mut sim = SimDrive::new("BADSUM001", 1_000);
    sim.bad_checksum = true;
    t.vpd80(SATA, "BADSUM001");
    let d = t.drive("sda", &mut sim);
    // A damaged page is not trusted: the kernel's serial stands, the ATA facts are unknown.
    assert_eq!(d.serial_source.as_deref(), Some(source::VPD80));
    match &d.ata {
        Probe::Unknown { reason } => assert!(reason.en().contains("checksum"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

/// Bytes of a capture in `fixtures/sense/` (16 hex bytes a line).
fn capture(name: &str) -> Vec<u8> {
    let path = format!("{}/fixtures/sense/{name}", env!("CARGO_MANIFEST_DIR"));
    fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .split_whitespace()
        .map(|t| u8::from_str_radix(t, 16).unwrap())
        .collect()
}

#[test]
fn what_qemus_drives_answered_decodes() {
    use mediasan::device::sense::{key, Sense};
    use mediasan::identify::ata::{Checksum, Identify, Page};
    use mediasan::identify::nvme::{Controller, Namespace};

    // The AHCI disk's IDENTIFY: 48 MiB, LBA48, no HPA or DCO feature set, no security,
    // and no integrity word (QEMU leaves word 255 zero).
    let id = Identify::parse(&Page::from_bytes(&capture("ahci-ata-identify.hex")).unwrap());
    assert_eq!(
        (id.serial.as_str(), id.model.as_str()),
        ("MSNSATA0001", "MEDIASAN-SATA-DISK-0048")
    );
    assert_eq!((id.sectors, id.lba48), (48 * 2048, true));
    assert_eq!(id.checksum, Checksum::Absent);
    assert!(!id.hpa && !id.dco && !id.security.supported);
    // READ NATIVE MAX ADDRESS EXT: descriptor sense, max LBA 0x17fff = 48 MiB - 1 sector.
    let s = Sense::parse(&capture("ahci-read-native-max-ext.sense.hex")).unwrap();
    assert!(s.descriptor);
    let a = s.ata.unwrap();
    assert_eq!((a.lba + 1, a.status), (48 * 2048, 0x50));
    // SET MAX, DCO IDENTIFY, SECURITY SET PASSWORD: aborted, in the fixed layout of the
    // guest's kernel 6.1 (registers at bytes 8-11): error ABRT, status DRDY|ERR.
    for f in [
        "ahci-set-max-address-ext.sense.hex",
        "ahci-dco-identify.sense.hex",
        "ahci-security-set-password.sense.hex",
    ] {
        let s = Sense::parse(&capture(f)).unwrap();
        assert_eq!((s.descriptor, s.key), (false, key::ABORTED_COMMAND), "{f}");
        let a = s.ata.unwrap();
        assert_eq!((a.error, a.status), (0x04, 0x41), "{f}");
        assert!(!a.lba_complete, "{f}");
    }
    // ATA PASS-THROUGH to the USB and virtio-SCSI disks: ILLEGAL REQUEST, invalid opcode.
    for f in [
        "usb-bot-ata-identify.sense.hex",
        "usb-uas-ata-identify.sense.hex",
        "virtio-scsi-ata-identify.sense.hex",
    ] {
        let s = Sense::parse(&capture(f)).unwrap();
        assert_eq!(
            (s.key, s.asc, s.ascq, s.ata),
            (key::ILLEGAL_REQUEST, 0x20, 0, None),
            "{f}"
        );
    }
    // NVMe: Format NVM supported, no Sanitize; one 56 MiB namespace of 512-byte blocks.
    let c = Controller::parse(&capture("nvme-identify-ctrl.hex")).unwrap();
    assert_eq!(
        (c.serial.as_str(), c.model.as_str(), c.firmware.as_str()),
        ("MSNNVME0002", "QEMU NVMe Ctrl", "10.0.2")
    );
    assert!(c.capabilities.format);
    assert!(
        !c.capabilities.sanitize_crypto
            && !c.capabilities.sanitize_block
            && !c.capabilities.sanitize_overwrite
    );
    let n = Namespace::parse(&capture("nvme-identify-ns.hex")).unwrap();
    assert_eq!((n.size, n.lba_size), (56 * 2048, 512));
    // VPD 0x80 as the kernel and sg_vpd read it.
    assert_eq!(
        mediasan::identify::vpd_serial(&capture("ahci-vpd80.hex")).as_deref(),
        Some("MSNSATA0001")
    );
    assert_eq!(
        mediasan::identify::vpd_serial(&capture("usb-uas-vpd80.hex")).as_deref(),
        Some("MSNUAS0004")
    );
}

#[test]
fn sectors_the_drive_shows_and_the_host_does_not_are_hidden_too() {
    // A bridge with a 32-bit READ CAPACITY in front of a bigger drive, or a kernel that
    // did not read the size again: the drive says 2 000 000 sectors, the host shows half.
    let t = Tree::new("sdb", USB);
    t.write(&format!("sys/{USB}/block/sdb/size"), "1000000\n");
    let mut sim = SimDrive::new("BIGDRIVE01", 2_000_000);
    let d = t.drive("sdb", &mut sim);
    assert_eq!(
        d.hidden.host,
        Area::Hidden {
            visible: 1_000_000,
            native: 2_000_000
        }
    );
    assert_eq!(d.hidden.hidden_sectors(), 1_000_000);
    assert!(
        d.hidden.summary().en().contains("the host shows 1000000"),
        "{}",
        d.hidden.summary()
    );
    // The same sizes: nothing hidden.
    t.write(&format!("sys/{USB}/block/sdb/size"), "2000000\n");
    let d = t.drive("sdb", &mut SimDrive::new("BIGDRIVE01", 2_000_000));
    assert_eq!(
        (d.hidden.host.clone(), d.hidden.summary().en().to_string()),
        (Area::None, "none".to_string())
    );
}

#[test]
fn an_optical_drive_is_never_sent_ata_pass_through() {
    // ATA PASS-THROUGH (12) is opcode A1h, BLANK to a CD/DVD writer.
    let t = Tree::new("sdx", SATA);
    t.write(&format!("sys/{SATA}/type"), "5\n");
    let mut sim = SimDrive::new("DISC0001", 1000);
    let d = t.drive("sdx", &mut sim);
    assert!(sim.sent.is_empty(), "{:?}", sim.sent);
    assert!(matches!(d.ata, Probe::NotApplicable { .. }), "{:?}", d.ata);
}
