//! Hidden areas: sectors an ATA drive keeps from every plain overwrite.
//!
//! - Host Protected Area: READ NATIVE MAX ADDRESS (EXT) against the current maximum of
//!   IDENTIFY, or GET NATIVE MAX ADDRESS EXT on drives with Accessible Max Address
//!   Configuration (ACS-3, where HPA became that feature set).
//! - Device Configuration Overlay: DEVICE CONFIGURATION IDENTIFY's largest LBA against
//!   the native maximum.
//!
//! An answer mediasan cannot trust is `unknown`, never `none`.

use crate::device::ata::{op, Taskfile};
use crate::device::passthrough::{AtaError, Protocol, PROBE_TIMEOUT_MS};
use crate::device::transport::{Data, Transport};
use crate::model::drive::ata::{self, Identify};
use crate::model::drive::{Area, HiddenAreas};

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
