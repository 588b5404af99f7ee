//! Hidden areas: sectors an ATA drive keeps from every plain overwrite.
//!
//! - Host Protected Area: READ NATIVE MAX ADDRESS (EXT) against the current maximum of
//!   IDENTIFY, or GET NATIVE MAX ADDRESS EXT on drives with Accessible Max Address
//!   Configuration (ACS-3, where HPA became that feature set).
//! - Device Configuration Overlay: DEVICE CONFIGURATION IDENTIFY's largest LBA against
//!   the native maximum.
//!
//! An answer mediasan cannot trust is `unknown`, never `none`.

use serde::{Deserialize, Serialize};

use crate::i18n::Said;

use super::ata::{self, Identify};
use crate::device::ata::{op, Taskfile};
use crate::device::passthrough::{AtaError, Protocol, PROBE_TIMEOUT_MS};
use crate::device::transport::{Data, Transport};

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

fn registers(t: &mut dyn Transport, tf: &Taskfile) -> Result<Taskfile, AtaError> {
    crate::device::passthrough::ata(t, tf, Protocol::NonData, Data::None, true, PROBE_TIMEOUT_MS)?
        .ok_or_else(|| AtaError::Failed("no registers returned".into()))
}

/// The drive's native maximum LBA (the last sector it has, hidden or not).
pub fn native_max(t: &mut dyn Transport, id: &Identify) -> Result<u64, AtaError> {
    let tf = if id.amac {
        Taskfile {
            command: op::AMAC,
            features: 0x0000,
            device: 0x40,
            ..Default::default()
        }
    } else if id.lba48 {
        Taskfile {
            command: op::READ_NATIVE_MAX_ADDRESS_EXT,
            device: 0x40,
            ..Default::default()
        }
    } else {
        Taskfile {
            command: op::READ_NATIVE_MAX_ADDRESS,
            device: 0x40,
            ..Default::default()
        }
    };
    let r = registers(t, &tf)?;
    Ok(if id.lba48 || id.amac {
        r.lba & 0xffff_ffff_ffff
    } else {
        r.lba & 0xff_ffff | u64::from(r.device & 0x0f) << 24
    })
}

/// Looks for both kinds of hidden area on an ATA drive.
pub fn ata(t: &mut dyn Transport, id: &Identify) -> HiddenAreas {
    let visible = id.sectors;
    let native = native_max(t, id).map(|lba| lba + 1);
    let hpa = match &native {
        Ok(n) if *n > visible => Area::Hidden { visible, native: *n },
        Ok(n) if *n == visible => Area::None,
        Ok(n) => Area::Unknown {
            reason: crate::said!(
                "hidden-native-below",
                native = n.to_string(),
                visible = visible.to_string()
            ),
        },
        // Aborted by a drive that says it has no HPA: it has none.
        Err(AtaError::Aborted { .. }) if !id.hpa && !id.amac => Area::None,
        Err(e) => Area::Unknown {
            reason: format!(
                "{}: {e}",
                if id.amac {
                    "GET NATIVE MAX ADDRESS EXT"
                } else {
                    "READ NATIVE MAX ADDRESS"
                }
            )
            .into(),
        },
    };
    let dco = if !id.dco || id.amac {
        Area::None
    } else {
        let base = native.as_ref().copied().unwrap_or(visible);
        match dco_identify(t) {
            Ok(max) if max + 1 > base => Area::Hidden {
                visible: base,
                native: max + 1,
            },
            Ok(max) if max + 1 == base => Area::None,
            Ok(max) => Area::Unknown {
                reason: crate::said!(
                    "hidden-dco-below",
                    max = (max + 1).to_string(),
                    base = base.to_string()
                ),
            },
            Err(e) => Area::Unknown {
                reason: format!("DEVICE CONFIGURATION IDENTIFY: {e}").into(),
            },
        }
    };
    HiddenAreas {
        hpa,
        dco,
        host: Area::None,
    }
}

/// DEVICE CONFIGURATION IDENTIFY: the largest LBA a DCO could restore.
pub fn dco_identify(t: &mut dyn Transport) -> Result<u64, AtaError> {
    let tf = Taskfile {
        command: op::DCO,
        features: op::DCO_IDENTIFY,
        count: 1,
        device: 0x40,
        ..Default::default()
    };
    let page = crate::device::passthrough::read_page(t, &tf, "DEVICE CONFIGURATION IDENTIFY")?;
    let page = ata::Page::of(&page);
    ata::dco_max_lba(&page)
        .map(|lba| lba & 0xffff_ffff_ffff)
        .ok_or_else(|| AtaError::Failed("the DCO page fails its checksum".into()))
}

/// Removes a Host Protected Area until the next power cycle (SET MAX ADDRESS with the
/// volatile bit clear), then asks the drive again: `Ok(sectors)` only when IDENTIFY
/// shows every native sector. On ACS-3 drives with Accessible Max Address
/// Configuration the standard has no volatile form: SET ACCESSIBLE MAX ADDRESS EXT
/// restores the native capacity for good.
pub fn expose_hpa(t: &mut dyn Transport, id: &Identify) -> Result<u64, AtaError> {
    // SET MAX must follow READ NATIVE MAX immediately (ATA8-ACS 7.51.1).
    let native_lba = native_max(t, id)?;
    let tf = if id.amac {
        Taskfile {
            command: op::AMAC,
            features: 0x0001,
            lba: native_lba,
            device: 0x40,
            ..Default::default()
        }
    } else if id.lba48 {
        Taskfile {
            command: op::SET_MAX_ADDRESS_EXT,
            lba: native_lba,
            count: 0,
            device: 0x40,
            ..Default::default()
        }
    } else {
        Taskfile {
            command: op::SET_MAX_ADDRESS,
            lba: native_lba & 0xff_ffff,
            count: 0,
            device: 0x40 | (native_lba >> 24) as u8 & 0x0f,
            ..Default::default()
        }
    };
    crate::device::passthrough::ata(t, &tf, Protocol::NonData, Data::None, false, PROBE_TIMEOUT_MS)?;
    let now = super::ata_identify(t)?;
    if now.sectors != native_lba + 1 {
        return Err(AtaError::Failed(format!(
            "the drive answered SET MAX but still shows {} of {} sectors",
            now.sectors,
            native_lba + 1
        )));
    }
    Ok(now.sectors)
}
