//! ATA commands through SCSI/ATA Translation: ATA PASS-THROUGH (16), and (12) where
//! a translator refuses the 16-byte form — and a strict reading of how each ended.
//!
//! A command counts as done only when every layer says so: the ioctl, the host and
//! driver status, the SCSI status, the sense data and the ATA status register. Anything
//! else is an [`AtaError`], never a guess.

use std::fmt;

use super::ata::{Taskfile, ERROR_ABRT, STATUS_ERR};
use super::sense::{key, Sense};
use super::transport::{Data, ScsiReply, Transport};

/// SAT protocol field values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    NonData = 3,
    PioIn = 4,
    PioOut = 5,
}

/// Why an ATA command did not complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AtaError {
    /// The SCSI layer or a bridge does not pass the command to an ATA drive.
    NotPassed(String),
    /// The drive aborted it (ATA status ERR with error ABRT): it does not support the
    /// command, or refuses it in its current state.
    Aborted { status: u8, error: u8 },
    /// Anything else: the ioctl, the host or driver status, unexpected sense.
    Failed(String),
}

impl fmt::Display for AtaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AtaError::NotPassed(why) => write!(f, "ATA pass-through not available: {why}"),
            AtaError::Aborted { status, error } => {
                write!(
                    f,
                    "the drive aborted the command (ATA status {status:#04x}, error {error:#04x})"
                )
            }
            AtaError::Failed(why) => write!(f, "{why}"),
        }
    }
}

/// The longest a probe may take: a drive that does not answer an IDENTIFY in this time
/// is not one to trust with a wipe.
pub const PROBE_TIMEOUT_MS: u32 = 15_000;

fn cdb16(tf: &Taskfile, proto: Protocol, flags: u8, extend: bool) -> [u8; 16] {
    let l = tf.lba.to_le_bytes();
    let [f_lo, f_hi] = tf.features.to_le_bytes();
    let [c_lo, c_hi] = tf.count.to_le_bytes();
    [
        0x85,
        (proto as u8) << 1 | u8::from(extend),
        flags,
        f_hi,
        f_lo,
        c_hi,
        c_lo,
        l[3],
        l[0],
        l[4],
        l[1],
        l[5],
        l[2],
        tf.device,
        tf.command,
        0,
    ]
}

fn cdb12(tf: &Taskfile, proto: Protocol, flags: u8) -> [u8; 12] {
    let l = tf.lba.to_le_bytes();
    [
        0xa1,
        (proto as u8) << 1,
        flags,
        tf.features as u8,
        tf.count as u8,
        l[0],
        l[1],
        l[2],
        tf.device,
        tf.command,
        0,
        0,
    ]
}

/// Names of the host statuses seen in practice (scsi/scsi_status.h).
pub(crate) fn host_status(h: u16) -> String {
    let name = match h {
        0x01 => "DID_NO_CONNECT",
        0x02 => "DID_BUS_BUSY",
        0x03 => "DID_TIME_OUT",
        0x04 => "DID_BAD_TARGET",
        0x05 => "DID_ABORT",
        0x06 => "DID_PARITY",
        0x07 => "DID_ERROR",
        0x08 => "DID_RESET",
        0x0b => "DID_SOFT_ERROR",
        _ => "",
    };
    format!("host status {h:#06x} {name}").trim_end().to_string()
}

/// Sends `tf` and reads how it ended. With `registers`, the drive's registers are asked
/// back (CK_COND) and returned; a data-in command fills `data`.
pub fn ata(
    t: &mut dyn Transport,
    tf: &Taskfile,
    proto: Protocol,
    data: Data<'_>,
    registers: bool,
    timeout_ms: u32,
) -> Result<Option<Taskfile>, AtaError> {
    let extend = tf.lba > 0x0fff_ffff || tf.count > 0xff || tf.features > 0xff || is_ext(tf.command);
    // T_DIR (bit 3), BYT_BLOK (bit 2) and T_LENGTH = 2 (the count field) for data;
    // CK_COND (bit 5) to have the registers returned.
    let flags = match &data {
        Data::None => 0,
        Data::In(_) => 0x0e,
        Data::Out(_) => 0x06,
    } | if registers { 0x20 } else { 0 };
    let want = match &data {
        Data::In(b) => b.len(),
        _ => 0,
    };
    let (reply, data) = send(t, &cdb16(tf, proto, flags, extend), data, timeout_ms)?;
    let reply = match classify(&reply, registers, want) {
        // Some translators know only the 12-byte form; it cannot carry a 48-bit command.
        Err(AtaError::NotPassed(_)) if !extend => {
            let (r, _) = send(t, &cdb12(tf, proto, flags), data, timeout_ms)?;
            r
        }
        _ => reply,
    };
    classify(&reply, registers, want)
}

/// A PIO data-in command that returns one 512-byte page (IDENTIFY DEVICE, DEVICE
/// CONFIGURATION IDENTIFY): a page of zeros is no answer.
pub fn read_page(t: &mut dyn Transport, tf: &Taskfile, what: &str) -> Result<[u8; 512], AtaError> {
    let mut buf = [0u8; 512];
    ata(
        t,
        tf,
        Protocol::PioIn,
        Data::In(&mut buf),
        false,
        PROBE_TIMEOUT_MS,
    )?;
    if buf.iter().all(|b| *b == 0) {
        return Err(AtaError::Failed(format!("{what} returned only zeros")));
    }
    Ok(buf)
}

fn send<'a>(
    t: &mut dyn Transport,
    cdb: &[u8],
    data: Data<'a>,
    timeout_ms: u32,
) -> Result<(ScsiReply, Data<'a>), AtaError> {
    // Keep the buffer for a second try: reborrow it for this one.
    let r = match data {
        Data::None => (t.scsi(cdb, Data::None, timeout_ms), Data::None),
        Data::In(b) => (t.scsi(cdb, Data::In(&mut *b), timeout_ms), Data::In(b)),
        Data::Out(b) => (t.scsi(cdb, Data::Out(b), timeout_ms), Data::Out(b)),
    };
    match r {
        (Ok(reply), d) => Ok((reply, d)),
        (Err(e), _) if matches!(e.raw_os_error(), Some(libc::ENOTTY | libc::EINVAL | libc::ENOSYS)) => Err(
            AtaError::NotPassed(format!("the device takes no SCSI commands ({e})")),
        ),
        (Err(e), _) => Err(AtaError::Failed(format!("SG_IO failed: {e}"))),
    }
}

fn is_ext(command: u8) -> bool {
    use super::ata::op;
    // SANITIZE (B4h) is a 48-bit command: its status comes back in the count's high byte.
    matches!(
        command,
        op::READ_NATIVE_MAX_ADDRESS_EXT
            | op::SET_MAX_ADDRESS_EXT
            | op::AMAC
            | crate::device::ata::op::SANITIZE
    )
}

fn classify(r: &ScsiReply, registers: bool, want: usize) -> Result<Option<Taskfile>, AtaError> {
    if r.host != 0 {
        return Err(AtaError::Failed(format!(
            "the command did not complete: {}",
            host_status(r.host)
        )));
    }
    // DRIVER_SENSE (8) only flags attached sense; anything else in the low bits is an error.
    if !matches!(r.driver & 0x0f, 0 | 8) {
        return Err(AtaError::Failed(format!("driver status {:#06x}", r.driver)));
    }
    let sense = Sense::parse(&r.sense);
    match r.status {
        0 => {}
        2 => {}
        s => return Err(AtaError::Failed(format!("SCSI status {s:#04x}"))),
    }
    if let Some(s) = &sense {
        if let Some(a) = s.ata {
            if a.status & STATUS_ERR != 0 {
                return if a.error & ERROR_ABRT != 0 {
                    Err(AtaError::Aborted {
                        status: a.status,
                        error: a.error,
                    })
                } else {
                    Err(AtaError::Failed(format!(
                        "ATA error (status {:#04x}, error {:#04x})",
                        a.status, a.error
                    )))
                };
            }
        }
        match (s.key, s.asc, s.ascq) {
            (key::NO_SENSE, ..) | (key::RECOVERED_ERROR, 0x00, 0x1d) => {}
            (key::ILLEGAL_REQUEST, ..) => return Err(AtaError::NotPassed(s.describe())),
            // The drive's own abort is ERR with ABRT, taken above; anything else aborted
            // was refused on the way (a bridge, the host) and says nothing of the drive.
            (key::ABORTED_COMMAND, ..) => {
                return Err(AtaError::Failed(format!(
                    "command aborted without the drive's error registers: {}",
                    s.describe()
                )))
            }
            _ => return Err(AtaError::Failed(s.describe())),
        }
    } else if r.status == 2 {
        return Err(AtaError::Failed("CHECK CONDITION without sense data".into()));
    }
    if want > 0 && r.resid != 0 {
        return Err(AtaError::Failed(format!(
            "short transfer: {} of {want} bytes",
            want as i64 - i64::from(r.resid)
        )));
    }
    if !registers {
        return Ok(None);
    }
    match sense.and_then(|s| s.ata) {
        Some(a) if a.lba_complete => Ok(Some(a.taskfile())),
        Some(_) => Err(AtaError::Failed(
            "the returned LBA was cut to 24 bits (fixed-format sense)".into(),
        )),
        None => Err(AtaError::Failed(
            "the drive's registers were not returned (a translator answered GOOD without them)".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdb16_places_every_register() {
        let tf = Taskfile {
            command: 0x27,
            features: 0x0102,
            count: 0x0304,
            lba: 0x0000_a1b2_c3d4_e5f6,
            device: 0x40,
        };
        let c = cdb16(&tf, Protocol::NonData, 0x20, true);
        assert_eq!(
            c,
            [0x85, 0x07, 0x20, 0x01, 0x02, 0x03, 0x04, 0xc3, 0xf6, 0xb2, 0xe5, 0xa1, 0xd4, 0x40, 0x27, 0]
        );
        let c = cdb12(&tf, Protocol::PioIn, 0x0e);
        assert_eq!(
            c,
            [0xa1, 0x08, 0x0e, 0x02, 0x04, 0xf6, 0xe5, 0xd4, 0x40, 0x27, 0, 0]
        );
    }

    fn reply(status: u8, host: u16, sense: &[u8]) -> ScsiReply {
        ScsiReply {
            status,
            host,
            driver: if sense.is_empty() { 0 } else { 8 },
            sense: sense.to_vec(),
            resid: 0,
        }
    }

    #[test]
    fn every_layer_must_agree() {
        // GOOD but the host failed: DID_ERROR (seen with a SANITIZE that did nothing).
        let e = classify(&reply(0, 0x07, &[]), false, 0).unwrap_err();
        assert!(e.to_string().contains("DID_ERROR"), "{e}");
        // GOOD without the registers asked for.
        assert!(matches!(
            classify(&reply(0, 0, &[]), true, 0),
            Err(AtaError::Failed(_))
        ));
        // CHECK CONDITION without sense.
        assert!(matches!(
            classify(&reply(2, 0, &[]), false, 0),
            Err(AtaError::Failed(_))
        ));
        // A short IDENTIFY.
        let mut r = reply(0, 0, &[]);
        r.resid = 512;
        assert!(classify(&r, false, 512)
            .unwrap_err()
            .to_string()
            .contains("0 of 512"));
        // Plain GOOD for a data command.
        assert_eq!(classify(&reply(0, 0, &[]), false, 512), Ok(None));
        // Driver timeout.
        let mut r = reply(0, 0, &[]);
        r.driver = 6;
        assert!(classify(&r, false, 0).is_err());
    }

    #[test]
    fn an_abort_without_the_drives_registers_is_no_answer_of_the_drive() {
        // Fixed format, ABORTED COMMAND, every register byte zero: a bridge's own abort.
        let bridge = [
            0x70, 0, 0x0b, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x00, 0x00, 0, 0, 0, 0,
        ];
        let e = classify(&reply(2, 0, &bridge), true, 0).unwrap_err();
        assert!(matches!(e, AtaError::Failed(_)), "{e:?}");
        // Registers present but no ABRT: not the drive refusing the command either.
        let odd = [
            0x72, 0x0b, 0, 0, 0, 0, 0, 0x0e, 0x09, 0x0c, 0, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x50,
        ];
        assert!(matches!(
            classify(&reply(2, 0, &odd), true, 0),
            Err(AtaError::Failed(_))
        ));
    }

    #[test]
    fn sense_decides_between_refused_aborted_and_done() {
        let illegal = [0x70, 0, 0x05, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0];
        assert!(matches!(
            classify(&reply(2, 0, &illegal), false, 0),
            Err(AtaError::NotPassed(_))
        ));
        let aborted = [
            0x72, 0x0b, 0, 0, 0, 0, 0, 0x0e, 0x09, 0x0c, 0, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x51,
        ];
        assert_eq!(
            classify(&reply(2, 0, &aborted), true, 0),
            Err(AtaError::Aborted {
                status: 0x51,
                error: 0x04
            })
        );
        let done = [
            0x72, 0x01, 0, 0x1d, 0, 0, 0, 0x0e, 0x09, 0x0c, 1, 0, 0, 0, 0, 0xff, 0, 0xff, 0, 0x01, 0x40, 0x50,
        ];
        let tf = classify(&reply(2, 0, &done), true, 0).unwrap().unwrap();
        assert_eq!(tf.lba, 0x01_ffff);
    }
}
