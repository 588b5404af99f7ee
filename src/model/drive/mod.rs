//! What a drive said of itself, layer by layer: its bus, where each identity came from,
//! its ATA, NVMe and SCSI facts, what it hides (HPA, DCO) and its security state. The
//! facts as results and certificates record them; identify asks the drive for them.

pub mod ata;
pub mod nvme;

use serde::{Deserialize, Serialize};

use crate::i18n::Said;
use ata::Identify;

/// The bus a disk hangs on, as the kernel's device path shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bus {
    Sata,
    Usb,
    Nvme,
    Scsi,
    Virtio,
    Loop,
    Mmc,
    Other,
}

impl Bus {
    pub fn name(self) -> &'static str {
        match self {
            Bus::Sata => "sata",
            Bus::Usb => "usb",
            Bus::Nvme => "nvme",
            Bus::Scsi => "scsi",
            Bus::Virtio => "virtio",
            Bus::Loop => "loop",
            Bus::Mmc => "mmc",
            Bus::Other => "other",
        }
    }

    /// Whether an ATA drive may answer behind it (directly or through a translator).
    pub fn may_be_ata(self) -> bool {
        matches!(self, Bus::Sata | Bus::Usb | Bus::Scsi)
    }
}

/// A fact a probe found, or why it could not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Probe<T> {
    Known(T),
    /// Asked, and no answer that can be trusted.
    Unknown {
        reason: Said,
    },
    /// Does not apply to this kind of device.
    NotApplicable {
        reason: Said,
    },
}

impl<T> Probe<T> {
    pub fn known(&self) -> Option<&T> {
        match self {
            Probe::Known(t) => Some(t),
            _ => None,
        }
    }
    pub fn unknown(reason: impl Into<Said>) -> Probe<T> {
        Probe::Unknown {
            reason: reason.into(),
        }
    }
    pub fn not_applicable(reason: impl Into<Said>) -> Probe<T> {
        Probe::NotApplicable {
            reason: reason.into(),
        }
    }
}

/// One source's account of who the drive is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layer {
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub serial: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub firmware: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub wwn: Option<String>,
}

/// Source names, as results and certificates record them.
pub mod source {
    pub const ATA: &str = "ATA IDENTIFY DEVICE";
    pub const NVME: &str = "NVMe Identify Controller";
    pub const SYSFS: &str = "sysfs";
    pub const VPD80: &str = "SCSI VPD page 0x80";
    pub const VPD83: &str = "SCSI VPD page 0x83";
    pub const USB_BRIDGE: &str = "USB bridge descriptor";
    pub const LOOP: &str = "loop backing file";

    /// A source in the operator's language (records keep the names above).
    pub fn shown(source: &str) -> String {
        match source {
            USB_BRIDGE => crate::t!("source-usb-bridge"),
            LOOP => crate::t!("source-loop"),
            other => other.to_string(),
        }
    }
}

/// The ATA side of a drive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AtaFacts {
    pub identify: Identify,
}

/// The NVMe side of a drive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NvmeFacts {
    pub controller: nvme::Controller,
    pub nsid: u32,
    pub namespace: nvme::Namespace,
}

/// Everything known about one disk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drive {
    pub transport: Bus,
    /// For a USB disk: the kernel driver of its interface (`usb-storage`, `uas`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub usb_driver: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub serial: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub serial_source: Option<String>,
    /// The serial is the USB bridge's, not the drive's: it names the enclosure, and a
    /// drive moved to another enclosure takes another.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub serial_is_bridges: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub firmware: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub wwn: Option<String>,
    pub layers: Vec<Layer>,
    pub ata: Probe<AtaFacts>,
    pub nvme: Probe<NvmeFacts>,
    /// A SCSI disk's SANITIZE support (REPORT SUPPORTED OPERATION CODES); results
    /// written before it was asked read as not applicable.
    #[serde(default = "not_asked")]
    pub scsi: Probe<ScsiFacts>,
    pub hidden: HiddenAreas,
    /// A Host Protected Area mediasan removed before the wipe (`--expose-hidden`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub exposed: Option<Exposed>,
}

/// A hidden area removed: the sectors shown before and after.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exposed {
    pub visible: u64,
    pub native: u64,
    /// Until the next power cycle (SET MAX ADDRESS), or for good (SET ACCESSIBLE MAX
    /// ADDRESS, which has no volatile form).
    pub volatile: bool,
}

impl Drive {
    /// ATA security, where the drive reported it and supports it.
    pub fn security(&self) -> Option<&ata::Security> {
        self.ata
            .known()
            .map(|a| &a.identify.security)
            .filter(|s| s.supported)
    }

    /// ATA security in words: `not supported`, `disabled`, `enabled, locked, frozen`,
    /// `unknown (why)`, or `not applicable`.
    pub fn security_summary(&self) -> Said {
        match &self.ata {
            Probe::Known(a) => {
                let s = &a.identify.security;
                if !s.supported {
                    return crate::said!("security-not-supported");
                }
                let mut words = vec![if s.enabled {
                    crate::said!("security-enabled")
                } else {
                    crate::said!("security-disabled")
                }];
                if s.locked {
                    words.push(crate::said!("security-locked"));
                }
                if s.frozen {
                    words.push(crate::said!("security-frozen"));
                }
                if s.count_expired {
                    words.push(crate::said!("security-exhausted"));
                }
                if s.enabled {
                    words.push(if s.level_max {
                        crate::said!("security-level-max")
                    } else {
                        crate::said!("security-level-high")
                    });
                }
                Said::join(&words, &crate::said!("sep-list"))
            }
            Probe::Unknown { reason } => {
                Said::of(|| crate::t!("security-unknown", reason = reason.to_string()))
            }
            Probe::NotApplicable { .. } => crate::said!("not-applicable"),
        }
    }
}

/// Why a serial cannot tell one drive from another, if it cannot.
pub fn serial_problem(serial: &str) -> Option<Said> {
    let s = serial.trim();
    if s.is_empty() {
        return Some(crate::said!("serial-blank"));
    }
    let mut chars: Vec<char> = s.chars().collect();
    chars.sort_unstable();
    chars.dedup();
    // All one character ("00000000", "FFFF"), or zeros after one letter
    // ("M0000000000000000000", seen on Maxtor drives, two units sharing it).
    let zeros_after_one = s.chars().skip(1).all(|c| c == '0') && s.len() > 4;
    if chars.len() == 1 || zeros_after_one {
        return Some(crate::said!("serial-placeholder"));
    }
    let placeholders = [
        "0123456789",
        "123456789",
        "To be filled by O.E.M.",
        "Default string",
        "None",
    ];
    if placeholders.iter().any(|p| s.eq_ignore_ascii_case(p)) {
        return Some(crate::said!("serial-placeholder-text"));
    }
    None
}

pub fn not_asked() -> Probe<ScsiFacts> {
    Probe::not_applicable(crate::said!("probe-not-asked"))
}

/// What SANITIZE service actions the device server reports it supports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScsiSanitize {
    pub overwrite: bool,
    pub block_erase: bool,
    pub crypto_erase: bool,
}

/// What a SCSI disk told about itself beyond INQUIRY and its VPD pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScsiFacts {
    pub sanitize: ScsiSanitize,
}

/// One kind of hidden area.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Area {
    /// Looked for, and none is there.
    None,
    /// `visible` sectors are shown of `native`.
    Hidden { visible: u64, native: u64 },
    /// Could not be read.
    Unknown { reason: Said },
    /// The question does not arise for this device (a file, a loop device, NVMe).
    NotApplicable { reason: Said },
}

impl Area {
    pub fn hidden_sectors(&self) -> u64 {
        match self {
            Area::Hidden { visible, native } => native.saturating_sub(*visible),
            _ => 0,
        }
    }
}

/// The hidden areas of one drive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HiddenAreas {
    pub hpa: Area,
    pub dco: Area,
    /// Sectors the drive shows but the host does not: a bridge that caps the capacity
    /// (a 32-bit READ CAPACITY), or a kernel that did not read a new size.
    #[serde(default = "no_area")]
    pub host: Area,
}

fn no_area() -> Area {
    Area::None
}

impl HiddenAreas {
    pub fn not_applicable(reason: impl Into<Said>) -> HiddenAreas {
        let a = Area::NotApplicable {
            reason: reason.into(),
        };
        HiddenAreas {
            hpa: a.clone(),
            dco: a,
            host: Area::None,
        }
    }

    pub fn unknown(reason: impl Into<Said>) -> HiddenAreas {
        let a = Area::Unknown {
            reason: reason.into(),
        };
        HiddenAreas {
            hpa: a.clone(),
            dco: a,
            host: Area::None,
        }
    }

    /// Sectors hidden by any, counted once (a DCO's sectors lie beyond the HPA's).
    pub fn hidden_sectors(&self) -> u64 {
        self.hpa.hidden_sectors() + self.dco.hidden_sectors() + self.host.hidden_sectors()
    }

    /// Compares what the host shows (`kernel` sectors of the drive's size) with what the
    /// drive says it shows (`drive`): a shortfall is hidden from every overwrite too.
    pub fn with_host(mut self, kernel: u64, drive: u64) -> HiddenAreas {
        self.host = if kernel < drive {
            Area::Hidden {
                visible: kernel,
                native: drive,
            }
        } else {
            Area::None
        };
        self
    }

    pub fn any_unknown(&self) -> bool {
        matches!(self.hpa, Area::Unknown { .. }) || matches!(self.dco, Area::Unknown { .. })
    }

    /// One line for a certificate or a table: `none`, `unknown: ...`,
    /// `HPA hides 2048 sectors (visible 100000 of 102048)`, `not applicable: ...`
    /// (the certificate takes its English).
    pub fn summary(&self) -> Said {
        let one = |name: &str, a: &Area| match a {
            Area::None => None,
            Area::Hidden { visible, native } => Some(crate::said!(
                "hidden-hides",
                name = name,
                count = (native - visible).to_string(),
                visible = visible.to_string(),
                native = native.to_string()
            )),
            Area::Unknown { reason } => Some(Said::of(|| {
                crate::t!("hidden-area-unknown", name = name, reason = reason.to_string())
            })),
            Area::NotApplicable { .. } => None,
        };
        if let (Area::NotApplicable { reason }, Area::NotApplicable { .. }) = (&self.hpa, &self.dco) {
            return Said::of(|| crate::t!("hidden-not-applicable", reason = reason.to_string()));
        }
        let host = match &self.host {
            Area::Hidden { visible, native } => Some(crate::said!(
                "hidden-host",
                visible = visible.to_string(),
                native = native.to_string(),
                count = (native - visible).to_string()
            )),
            _ => None,
        };
        if let (Some(h), Area::NotApplicable { .. }) = (&host, &self.hpa) {
            return h.clone();
        }
        let parts: Vec<Said> = [one("HPA", &self.hpa), one("DCO", &self.dco), host]
            .into_iter()
            .flatten()
            .collect();
        let parts = Said::join(&parts, &crate::said!("sep-clauses"));
        if parts.en().is_empty() {
            crate::said!("hidden-none")
        } else if self.any_unknown() && self.hidden_sectors() == 0 {
            Said::of(|| crate::t!("hidden-unknown", parts = parts.to_string()))
        } else {
            parts
        }
    }
}
