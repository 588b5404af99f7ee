//! SCSI commands to a SCSI disk (SAS, or a USB bridge that speaks SCSI itself), read as
//! strictly as pass-through: the ioctl, the host and driver status, the SCSI status and
//! the sense must all agree before a command counts as done.

use std::fmt;

use crate::device::scsi::op;
pub use crate::model::drive::{ScsiFacts, ScsiSanitize};

use crate::device::passthrough::PROBE_TIMEOUT_MS;
use crate::device::sense::{key, Sense};
use crate::device::transport::{Data, ScsiReply, Transport};

/// Why a SCSI command did not complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScsiError {
    /// CHECK CONDITION with this sense: the device server's own answer.
    Check(Sense),
    /// Anything else: the ioctl, the host or driver status, a status without sense.
    Failed(String),
}

impl fmt::Display for ScsiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScsiError::Check(s) => write!(f, "{}", s.describe()),
            ScsiError::Failed(why) => write!(f, "{why}"),
        }
    }
}

/// Reads how a command ended: `Ok` only for GOOD with a clean host and driver status
/// (sense of NO SENSE or RECOVERED ERROR is still success).
pub fn classify(r: &ScsiReply) -> Result<(), ScsiError> {
    if r.host != 0 {
        return Err(ScsiError::Failed(format!(
            "the host adapter did not complete the command ({})",
            crate::device::passthrough::host_status(r.host)
        )));
    }
    // DRIVER_SENSE (8) only says sense is attached.
    if r.driver & !0x08 != 0 {
        return Err(ScsiError::Failed(format!("driver status {:#06x}", r.driver)));
    }
    match r.status {
        0 => match Sense::parse(&r.sense) {
            Some(s) if !matches!(s.key, key::NO_SENSE | key::RECOVERED_ERROR) => Err(ScsiError::Check(s)),
            _ => Ok(()),
        },
        2 => match Sense::parse(&r.sense) {
            Some(s) => Err(ScsiError::Check(s)),
            None => Err(ScsiError::Failed("CHECK CONDITION without sense data".into())),
        },
        0x08 => Err(ScsiError::Failed("the device is busy (SCSI status BUSY)".into())),
        0x18 => Err(ScsiError::Failed(
            "another initiator holds a reservation (SCSI status RESERVATION CONFLICT)".into(),
        )),
        s => Err(ScsiError::Failed(format!("SCSI status {s:#04x}"))),
    }
}

/// Sends `cdb` and checks how it ended.
pub fn command(t: &mut dyn Transport, cdb: &[u8], data: Data<'_>, timeout_ms: u32) -> Result<(), ScsiError> {
    let reply = t
        .scsi(cdb, data, timeout_ms)
        .map_err(|e| ScsiError::Failed(format!("SG_IO failed: {e}")))?;
    classify(&reply)
}

/// REPORT SUPPORTED OPERATION CODES for one opcode and service action (reporting
/// options 010b): whether the device server supports it as the standard says.
fn supports(t: &mut dyn Transport, opcode: u8, service_action: u16) -> Result<bool, ScsiError> {
    let mut buf = [0u8; 64];
    let [sa_hi, sa_lo] = service_action.to_be_bytes();
    let len = (buf.len() as u32).to_be_bytes();
    let cdb = [
        op::MAINTENANCE_IN,
        op::REPORT_SUPPORTED_OPCODES,
        0x02,
        opcode,
        sa_hi,
        sa_lo,
        len[0],
        len[1],
        len[2],
        len[3],
        0,
        0,
    ];
    command(t, &cdb, Data::In(&mut buf), PROBE_TIMEOUT_MS)?;
    // SUPPORT (byte 1, bits 2:0): 011b supported as the standard says, 101b in a vendor
    // specific way; 001b not supported; 000b no data.
    match buf[1] & 0x07 {
        0b011 | 0b101 => {
            // The CDB usage map must name the opcode asked about: a buffer left zero
            // by a bridge that transferred nothing is no answer.
            if buf[4] == opcode {
                Ok(true)
            } else {
                Err(ScsiError::Failed(
                    "REPORT SUPPORTED OPERATION CODES returned no usage data".into(),
                ))
            }
        }
        0b001 => Ok(false),
        s => Err(ScsiError::Failed(format!(
            "REPORT SUPPORTED OPERATION CODES gave no answer about SANITIZE (support {s:#05b})"
        ))),
    }
}

/// Asks which SANITIZE service actions the disk supports. An error means the disk did not
/// say (no REPORT SUPPORTED OPERATION CODES): mediasan sends no SANITIZE it did not claim.
pub fn report_sanitize(t: &mut dyn Transport) -> Result<ScsiSanitize, String> {
    let ask = |t: &mut dyn Transport, sa: u8| {
        supports(t, op::SANITIZE, u16::from(sa))
            .map_err(|e| format!("REPORT SUPPORTED OPERATION CODES for SANITIZE: {e}"))
    };
    Ok(ScsiSanitize {
        overwrite: ask(t, op::OVERWRITE)?,
        block_erase: ask(t, op::BLOCK_ERASE)?,
        crypto_erase: ask(t, op::CRYPTO_ERASE)?,
    })
}

/// REQUEST SENSE (fixed format): what the device server says about itself now.
pub fn request_sense(t: &mut dyn Transport) -> Result<Sense, ScsiError> {
    let mut buf = [0u8; 252];
    let cdb = [op::REQUEST_SENSE, 0, 0, 0, buf.len() as u8, 0];
    command(t, &cdb, Data::In(&mut buf), PROBE_TIMEOUT_MS)?;
    Ok(Sense::parse(&buf).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn only_good_with_clean_host_and_sense_is_success() {
        assert_eq!(classify(&reply(0, 0, &[])), Ok(()));
        // DID_ERROR with GOOD status: a command that never completed (seen with an
        // emulator's SANITIZE whose user-space tool exited 0).
        assert!(
            matches!(classify(&reply(0, 0x07, &[])), Err(ScsiError::Failed(m)) if m.contains("DID_ERROR"))
        );
        let illegal = [0x70, 0, 5, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0];
        assert!(
            matches!(classify(&reply(2, 0, &illegal)), Err(ScsiError::Check(s)) if s.key == key::ILLEGAL_REQUEST)
        );
        assert!(matches!(classify(&reply(2, 0, &[])), Err(ScsiError::Failed(_))));
        assert!(classify(&reply(0x18, 0, &[])).is_err());
        let mut bad_driver = reply(0, 0, &[]);
        bad_driver.driver = 0x06;
        assert!(classify(&bad_driver).is_err());
    }
}
