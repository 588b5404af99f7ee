//! Knowing the drive: who it is (serial, model, firmware, WWN, each from a named
//! source), what bus it hangs on, what it hides (HPA, DCO) and its security state.
//!
//! Identity comes in layers, best first: the drive's own answer (ATA IDENTIFY DEVICE
//! through SAT pass-through, also behind USB bridges that pass it; NVMe Identify), then
//! what the kernel read (sysfs, SCSI VPD pages 0x80 and 0x83), and last, for a USB disk
//! that shows no serial of its own, the USB bridge's serial — marked as the bridge's,
//! never taken for the drive's. Every probe that fails says why; nothing is guessed.

pub mod hidden;
pub mod scsi;
#[cfg(any(test, feature = "sim"))]
pub mod sim;

use crate::device::passthrough::{AtaError, PROBE_TIMEOUT_MS};
use crate::device::transport::{NvmeAdmin, Transport};
use crate::device::Sys;
use crate::i18n::Said;

use crate::model::drive::ata::Identify;
pub use crate::model::drive::*;

/// Asks the drive behind `t` who it is. `disk` is its kernel name in `sys`.
pub fn identify(sys: &Sys, disk: &str, t: &mut dyn Transport) -> Drive {
    let transport = bus(sys, disk);
    let mut layers = Vec::new();

    // Pass-through goes to direct-access devices only (SCSI peripheral type 0): ATA
    // PASS-THROUGH (12)'s opcode A1h is BLANK to an MMC (CD/DVD) drive.
    let direct_access = sys.disk_attr(disk, "device/type").is_none_or(|t| t == "0");
    let ata = if transport.may_be_ata() && direct_access && !disk.starts_with("sr") {
        match ata_identify(t) {
            Ok(id) => Probe::Known(AtaFacts { identify: id }),
            Err(e) => Probe::unknown(e.to_string()),
        }
    } else if !direct_access || disk.starts_with("sr") {
        Probe::not_applicable(crate::said!("probe-not-direct-access"))
    } else {
        Probe::not_applicable(crate::said!("probe-not-ata-bus"))
    };
    if let Some(a) = ata.known() {
        let id = &a.identify;
        layers.push(Layer {
            source: source::ATA.into(),
            serial: Some(id.serial.clone()).filter(|s| !s.is_empty()),
            model: Some(id.model.clone()).filter(|s| !s.is_empty()),
            firmware: Some(id.firmware.clone()).filter(|s| !s.is_empty()),
            wwn: id.wwn.as_ref().map(|w| format!("naa.{w}")),
        });
    }
    let nvme = if transport == Bus::Nvme {
        nvme_identify(sys, disk, t)
    } else {
        Probe::not_applicable(crate::said!("probe-not-nvme"))
    };
    if let Some(n) = nvme.known() {
        let c = &n.controller;
        layers.push(Layer {
            source: source::NVME.into(),
            serial: Some(c.serial.clone()).filter(|s| !s.is_empty()),
            model: Some(c.model.clone()).filter(|s| !s.is_empty()),
            firmware: Some(c.firmware.clone()).filter(|s| !s.is_empty()),
            wwn: n
                .namespace
                .nguid
                .as_ref()
                .or(n.namespace.eui64.as_ref())
                .map(|w| format!("eui.{w}")),
        });
    }
    layers.extend(kernel_layers(sys, disk));
    let usb = (transport == Bus::Usb).then(|| usb_device(sys, disk)).flatten();
    if let Some(u) = &usb {
        layers.push(Layer {
            source: source::USB_BRIDGE.into(),
            serial: u.serial.clone(),
            model: u.product.clone(),
            ..Layer::default()
        });
    }

    // The first layer with a serial names the drive; the bridge's comes last.
    let chosen = layers.iter().find(|l| l.serial.is_some());
    let serial = chosen.and_then(|l| l.serial.clone());
    let serial_source = chosen.map(|l| l.source.clone());
    let serial_is_bridges = serial_source.as_deref() == Some(source::USB_BRIDGE);
    let first = |f: fn(&Layer) -> Option<&String>| {
        layers
            .iter()
            .filter(|l| l.source != source::USB_BRIDGE)
            .find_map(|l| f(l).cloned())
    };
    let model = first(|l| l.model.as_ref());
    let firmware = first(|l| l.firmware.as_ref());
    let wwn = first(|l| l.wwn.as_ref());

    // A SCSI disk that is not ATA (SAS; a bridge that answers as SCSI itself) says which
    // SANITIZE service actions it supports.
    let scsi = if ata.known().is_some() || nvme.known().is_some() || transport == Bus::Nvme {
        Probe::not_applicable(crate::said!("probe-own-commands"))
    } else if !direct_access || disk.starts_with("sr") || !matches!(transport, Bus::Scsi | Bus::Usb) {
        Probe::not_applicable(crate::said!("probe-not-scsi-disk"))
    } else {
        match scsi::report_sanitize(t) {
            Ok(sanitize) => Probe::Known(scsi::ScsiFacts { sanitize }),
            Err(e) => Probe::unknown(e.to_string()),
        }
    };

    // What the host shows, in bytes (sysfs counts 512-byte units whatever the sector).
    let kernel_bytes = sys
        .disk_attr(disk, "size")
        .and_then(|s| s.parse::<u64>().ok())
        .map(|s| s.saturating_mul(512));
    let hidden = match (&ata, &nvme) {
        (Probe::Known(a), _) => {
            let id = &a.identify;
            let h = hidden::ata(t, id);
            match kernel_bytes {
                Some(b) => h.with_host(b / u64::from(id.logical_sector.max(512)), id.sectors),
                None => h,
            }
        }
        (_, Probe::Known(n)) => {
            let h = HiddenAreas::not_applicable(crate::said!("hidden-nvme"));
            match kernel_bytes {
                Some(b) => h.with_host(b / u64::from(n.namespace.lba_size), n.namespace.size),
                None => h,
            }
        }
        (Probe::Unknown { .. }, _) if is_scsi_disk(sys, disk, transport) => {
            HiddenAreas::not_applicable(crate::said!("hidden-scsi"))
        }
        (Probe::Unknown { reason }, _) => HiddenAreas::unknown(Said::of(|| {
            crate::t!("hidden-ata-failed", reason = reason.to_string())
        })),
        _ if transport == Bus::Loop => HiddenAreas::not_applicable(crate::said!("hidden-loop")),
        _ if transport == Bus::Other => HiddenAreas::unknown(crate::said!("hidden-other-bus")),
        _ => HiddenAreas::not_applicable(crate::said!("hidden-no-such-bus")),
    };
    Drive {
        transport,
        usb_driver: usb.and_then(|u| u.driver),
        serial,
        serial_source,
        serial_is_bridges,
        model,
        firmware,
        wwn,
        layers,
        ata,
        nvme,
        scsi,
        hidden,
        exposed: None,
    }
}

/// IDENTIFY DEVICE through pass-through, with the page's own checks.
pub fn ata_identify(t: &mut dyn Transport) -> Result<Identify, AtaError> {
    let tf = crate::device::ata::Taskfile {
        command: crate::device::ata::op::IDENTIFY_DEVICE,
        count: 1,
        ..Default::default()
    };
    let page = crate::device::passthrough::read_page(t, &tf, "IDENTIFY DEVICE")?;
    let page = ata::Page::of(&page);
    if let ata::Checksum::Invalid { sum } = page.checksum() {
        return Err(AtaError::Failed(format!(
            "the IDENTIFY DEVICE page fails its checksum (byte sum {sum:#04x}): damaged on the way"
        )));
    }
    Ok(Identify::parse(&page))
}

fn nvme_identify(sys: &Sys, disk: &str, t: &mut dyn Transport) -> Probe<NvmeFacts> {
    let Some(nsid) = sys.disk_attr(disk, "nsid").and_then(|s| s.parse().ok()) else {
        return Probe::unknown(crate::said!("probe-no-nsid"));
    };
    let mut ask = |cns: u32, nsid: u32| -> Result<Vec<u8>, String> {
        let mut buf = vec![0u8; 4096];
        let cmd = NvmeAdmin {
            opcode: crate::device::nvme::IDENTIFY,
            nsid,
            cdw10: cns,
            timeout_ms: PROBE_TIMEOUT_MS,
            ..Default::default()
        };
        match t.nvme_admin(&cmd, &mut buf) {
            Ok(r) if r.status == 0 => Ok(buf),
            Ok(r) => Err(format!("NVMe status {:#06x}", r.status)),
            Err(e) => Err(format!("the NVMe admin ioctl failed: {e}")),
        }
    };
    let controller = match ask(crate::device::nvme::CNS_CONTROLLER, 0).map(|b| nvme::Controller::parse(&b)) {
        Ok(Some(c)) => c,
        Ok(None) => return Probe::unknown("Identify Controller: malformed page"),
        Err(e) => return Probe::unknown(format!("Identify Controller: {e}")),
    };
    match ask(crate::device::nvme::CNS_NAMESPACE, nsid).map(|b| nvme::Namespace::parse(&b)) {
        Ok(Some(namespace)) => Probe::Known(NvmeFacts {
            controller,
            nsid,
            namespace,
        }),
        Ok(None) => Probe::unknown("Identify Namespace: malformed page"),
        Err(e) => Probe::unknown(format!("Identify Namespace: {e}")),
    }
}

/// The device path in sysfs, e.g. `.../0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda`.
fn device_path(sys: &Sys, disk: &str) -> String {
    sys.resolve(&format!("sys/block/{disk}"))
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The bus, from the disk's name and its path in sysfs.
pub fn bus(sys: &Sys, disk: &str) -> Bus {
    let path = device_path(sys, disk);
    let has = |s: &str| path.split('/').any(|c| c.starts_with(s));
    if disk.starts_with("loop") {
        Bus::Loop
    } else if disk.starts_with("nvme") {
        Bus::Nvme
    } else if disk.starts_with("mmcblk") {
        Bus::Mmc
    } else if has("usb") {
        Bus::Usb
    } else if has("ata") {
        Bus::Sata
    } else if has("host") {
        Bus::Scsi
    } else if has("virtio") {
        Bus::Virtio
    } else {
        Bus::Other
    }
}

/// A SCSI disk that is no ATA drive: no SAT layer reports VPD page 0x89 for it and its
/// vendor is not "ATA". Its HPA/DCO question does not arise.
fn is_scsi_disk(sys: &Sys, disk: &str, transport: Bus) -> bool {
    transport == Bus::Scsi
        && sys.disk_attr_bytes(disk, "device/vpd_pg89").is_none()
        && sys.disk_attr(disk, "device/vendor").as_deref() != Some("ATA")
}

/// What the kernel knows: sysfs attributes and the VPD pages it read.
fn kernel_layers(sys: &Sys, disk: &str) -> Vec<Layer> {
    let mut out = Vec::new();
    let sysfs_serial = sys
        .disk_attr(disk, "device/serial")
        .or_else(|| sys.disk_attr(disk, "serial"));
    let model = sys.disk_attr(disk, "device/model");
    let firmware = sys
        .disk_attr(disk, "device/firmware_rev")
        .or_else(|| sys.disk_attr(disk, "device/rev"));
    let wwn = sys
        .disk_attr(disk, "device/wwid")
        .or_else(|| sys.disk_attr(disk, "wwid"));
    out.push(Layer {
        source: source::SYSFS.into(),
        serial: sysfs_serial.filter(|s| !s.is_empty()),
        model,
        firmware,
        wwn,
    });
    let vpd80 = sys
        .disk_attr_bytes(disk, "device/vpd_pg80")
        .and_then(|p| vpd_serial(&p));
    if vpd80.is_some() {
        out.push(Layer {
            source: source::VPD80.into(),
            serial: vpd80,
            ..Layer::default()
        });
    }
    if let Some(w) = sys
        .disk_attr_bytes(disk, "device/vpd_pg83")
        .and_then(|p| vpd_designator(&p))
    {
        out.push(Layer {
            source: source::VPD83.into(),
            wwn: Some(w),
            ..Layer::default()
        });
    }
    if let Some(b) = sys.disk_attr(disk, "loop/backing_file") {
        out.push(Layer {
            source: source::LOOP.into(),
            serial: Some(b),
            model: Some("loop device".into()),
            ..Layer::default()
        });
    }
    out
}

/// SCSI VPD page 0x80: a 4-byte header whose bytes 2..4 give the length, then the
/// unit serial number, padded with spaces or NULs on either side.
pub fn vpd_serial(page: &[u8]) -> Option<String> {
    if page.len() <= 4 || page[1] != 0x80 {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([page[2], page[3]]));
    let body = &page[4..page.len().min(4 + len)];
    let s = String::from_utf8_lossy(body)
        .trim_matches(|c: char| c == '\0' || c.is_whitespace())
        .to_string();
    (!s.is_empty()).then_some(s)
}

/// SCSI VPD page 0x83: the first NAA or EUI-64 designator of the logical unit, as
/// `naa.HEX` or `eui.HEX` (SPC-4 7.8.6).
pub fn vpd_designator(page: &[u8]) -> Option<String> {
    if page.len() < 4 || page[1] != 0x83 {
        return None;
    }
    let end = page
        .len()
        .min(4 + usize::from(u16::from_be_bytes([page[2], page[3]])));
    let mut i = 4;
    while i + 4 <= end {
        let kind = page[i + 1] & 0x0f;
        let association = page[i + 1] >> 4 & 3;
        let len = usize::from(page[i + 3]);
        let body = page.get(i + 4..(i + 4 + len).min(end))?;
        let hex = || body.iter().map(|b| format!("{b:02x}")).collect::<String>();
        if association == 0 && !body.is_empty() {
            match kind {
                3 => return Some(format!("naa.{}", hex())),
                2 => return Some(format!("eui.{}", hex())),
                _ => {}
            }
        }
        i += 4 + len;
    }
    None
}

/// The USB device a disk sits behind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UsbDevice {
    pub serial: Option<String>,
    pub product: Option<String>,
    pub vendor_id: Option<String>,
    pub product_id: Option<String>,
    pub driver: Option<String>,
}

/// Walks up from the disk to its USB interface (`1-2:1.0`) and device (`1-2`).
pub fn usb_device(sys: &Sys, disk: &str) -> Option<UsbDevice> {
    let path = sys.resolve(&format!("sys/block/{disk}"))?;
    let interface = path.ancestors().find(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.contains(':') && n.contains('-') && n.contains('.'))
    })?;
    let device = interface.parent()?;
    let read = |p: std::path::PathBuf| {
        std::fs::read_to_string(p)
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    Some(UsbDevice {
        serial: read(device.join("serial")),
        product: read(device.join("product")),
        vendor_id: read(device.join("idVendor")),
        product_id: read(device.join("idProduct")),
        driver: std::fs::read_link(interface.join("driver"))
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())),
    })
}

#[cfg(test)]
mod tests {
    use super::ata::Page;
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// What a drive or a bridge sends back is outside input: no parser panics on it.
        #[test]
        fn no_parser_panics_on_what_a_device_returns(b in proptest::collection::vec(any::<u8>(), 0..4200)) {
            let _ = crate::device::sense::Sense::parse(&b);
            let _ = vpd_serial(&b);
            let _ = vpd_designator(&b);
            let _ = nvme::Controller::parse(&b);
            let _ = nvme::Namespace::parse(&b);
            if let Some(p) = Page::from_bytes(&b) {
                let _ = Identify::parse(&p);
                let _ = ata::dco_max_lba(&p);
            }
        }

        /// Whole pages of noise, where the parsers read every field.
        #[test]
        fn no_page_parser_panics_on_noise(ata in proptest::collection::vec(any::<u8>(), 512), page in proptest::collection::vec(any::<u8>(), 4096)) {
            let _ = Identify::parse(&Page::from_bytes(&ata).unwrap());
            let _ = nvme::Controller::parse(&page);
            let _ = nvme::Namespace::parse(&page);
        }
    }

    #[test]
    fn placeholder_serials_are_named() {
        for s in [
            "",
            "   ",
            "00000000",
            "M0000000000000000000",
            "FFFFFFFF",
            "0123456789",
            "To be filled by O.E.M.",
        ] {
            assert!(serial_problem(s).is_some(), "{s:?}");
        }
        for s in [
            "S3Z1NB0K862928X",
            "WD-WCC6Y2RF681K",
            "M0001",
            "Y55L7382S",
            "MSSATA0001",
        ] {
            assert_eq!(serial_problem(s), None, "{s:?}");
        }
    }

    #[test]
    fn vpd_pages_decode() {
        let mut p = vec![0, 0x80, 0, 12];
        p.extend_from_slice(b"  MSUSB00001");
        assert_eq!(vpd_serial(&p).as_deref(), Some("MSUSB00001"));
        assert_eq!(vpd_serial(&[0, 0x80, 0, 4, 0, 0, 0, 0]), None);
        assert_eq!(vpd_serial(&[0, 0x83, 0, 1, b'x']), None);
        // A T10 vendor id designator, then an NAA one.
        let mut p = vec![0, 0x83, 0, 0];
        p.extend_from_slice(&[0x02, 0x01, 0, 4]);
        p.extend_from_slice(b"QEMU");
        p.extend_from_slice(&[0x01, 0x03, 0, 8, 0x50, 0x01, 0x4e, 0xe2, 0x11, 0xe8, 0xfd, 0x40]);
        p[3] = (p.len() - 4) as u8;
        assert_eq!(vpd_designator(&p).as_deref(), Some("naa.50014ee211e8fd40"));
        // Truncated: no panic, no designator.
        for n in 0..p.len() {
            let _ = vpd_designator(&p[..n]);
        }
    }
}
