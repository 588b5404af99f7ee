//! A simulated drive behind a SAT translator: it decodes the pass-through CDBs
//! mediasan sends and answers as a drive and libata would — with hidden areas, security
//! states and the faults of real bridges that no emulator here plays.

use std::io;

use super::ata::Page;
use crate::device::ata::{op, Taskfile};
use crate::device::transport::{Data, NvmeAdmin, NvmeReply, ScsiReply, Transport};

/// How the translator in front of the drive behaves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Bridge {
    /// Passes everything, returns registers in descriptor-format sense.
    #[default]
    Descriptor,
    /// Returns registers in fixed-format sense (24 LBA bits).
    Fixed,
    /// Knows only ATA PASS-THROUGH (12).
    Only12,
    /// Rejects pass-through: ILLEGAL REQUEST, invalid operation code.
    Rejects,
    /// Answers GOOD without doing anything or returning registers.
    Lies,
    /// Fails every command with host status DID_ERROR.
    HostError,
}

/// A simulated ATA drive.
#[derive(Clone, Debug)]
pub struct SimDrive {
    pub serial: String,
    pub model: String,
    pub firmware: String,
    /// Sectors the drive has.
    pub native: u64,
    /// Sectors shown now (less than `native` with an HPA).
    pub current: u64,
    /// With a DCO: the sectors it would restore (more than `native`).
    pub dco: Option<u64>,
    pub lba48: bool,
    pub amac: bool,
    /// Word 128.
    pub security: u16,
    /// Word 59.
    pub sanitize: u16,
    /// SET MAX commands are aborted (as QEMU does, or after SET MAX FREEZE LOCK).
    pub abort_set_max: bool,
    /// A corrupt IDENTIFY page (an interposer that rewrites words).
    pub bad_checksum: bool,
    pub bridge: Bridge,
    /// Every command that reached the drive.
    pub sent: Vec<Taskfile>,
    /// The time limit each command was sent with, in order.
    pub timeouts: Vec<u32>,
    /// Whether the last SET MAX asked for a non-volatile change.
    pub set_max_nonvolatile: Option<bool>,
    read_native_last: bool,
    /// ATA security: the user password set, whether ERASE PREPARE came just before.
    pub password: Option<[u8; 32]>,
    prepared: bool,
    /// How many times the medium was really erased (by security erase or sanitize).
    pub erased: u32,
    /// SECURITY ERASE UNIT answers success but erases nothing and keeps the password.
    pub lies: bool,
    /// SECURITY ERASE UNIT aborts (a fault mid-erase): the password stays set.
    pub erase_fails: bool,
    /// A sanitize started: status polls left until it completes, or `None` once done.
    pub sanitizing: Option<u32>,
    /// The sanitize ends in failure (sanitize failure mode) instead of completing.
    pub sanitize_fails: bool,
    /// SANITIZE FREEZE LOCK is set (by the BIOS): every SANITIZE but the status aborts.
    pub sanitize_frozen: bool,
    sanitize_failed: bool,
    sanitize_done: bool,
}

impl SimDrive {
    pub fn new(serial: &str, sectors: u64) -> SimDrive {
        SimDrive {
            serial: serial.into(),
            model: "mediasan simulated disk".into(),
            firmware: "SIM1".into(),
            native: sectors,
            current: sectors,
            dco: None,
            lba48: true,
            amac: false,
            security: 0x0001,
            sanitize: 0,
            abort_set_max: false,
            bad_checksum: false,
            bridge: Bridge::Descriptor,
            sent: Vec::new(),
            timeouts: Vec::new(),
            set_max_nonvolatile: None,
            read_native_last: false,
            password: None,
            prepared: false,
            erased: 0,
            lies: false,
            erase_fails: false,
            sanitizing: None,
            sanitize_fails: false,
            sanitize_frozen: false,
            sanitize_failed: false,
            sanitize_done: false,
        }
    }

    /// Power off and on: a drive with a user password comes up locked, and a sanitize in
    /// progress goes on (ACS-3: it survives a power cycle).
    pub fn power_cycle(&mut self) {
        if self.password.is_some() {
            self.security |= 4;
        }
        self.security &= !8;
        self.prepared = false;
    }

    /// The IDENTIFY DEVICE page the drive shows now.
    pub fn identify_page(&self) -> Page {
        let mut p = Page::from_bytes(&[0u8; 512]).expect("512 bytes");
        p.set_string(10, 10, &self.serial);
        p.set_string(23, 4, &self.firmware);
        p.set_string(27, 20, &self.model);
        p.set(49, 1 << 9);
        p.set(59, self.sanitize);
        let c28 = self.current.min(0x0fff_ffff);
        p.set(60, c28 as u16);
        p.set(61, (c28 >> 16) as u16);
        p.set(80, 1 << 10);
        p.set(82, 0x4000 | 1 << 10 | u16::from(self.security & 1 != 0) << 1);
        p.set(
            83,
            0x4000 | u16::from(self.lba48) << 10 | u16::from(self.dco.is_some()) << 11,
        );
        p.set(84, 0x4000);
        p.set(85, 0x4000 | 1 << 10);
        p.set(86, u16::from(self.lba48) << 10);
        p.set(87, 0x4000);
        if self.lba48 {
            for i in 0..4 {
                p.set(100 + i, (self.current >> (16 * i)) as u16);
            }
        }
        p.set(106, 0x4000);
        p.set(119, 0x4000 | u16::from(self.amac) << 8);
        p.set(128, self.security);
        p.seal();
        if self.bad_checksum {
            p.set(10, p.word(10) ^ 0x0001);
        }
        p
    }

    fn locked(&self) -> bool {
        self.security & 4 != 0
    }

    /// Runs one command: `Ok(Some(registers))`, `Ok(None)` for done without
    /// registers to return, `Err(())` for aborted.
    fn run(&mut self, tf: &Taskfile, data: &mut Data<'_>) -> Result<Option<Taskfile>, ()> {
        self.sent.push(*tf);
        let after_read_native = std::mem::take(&mut self.read_native_last);
        let after_prepare = std::mem::take(&mut self.prepared);
        let sent_password = match data {
            Data::Out(b) if b.len() >= 34 => {
                let mut p = [0u8; 32];
                p.copy_from_slice(&b[2..34]);
                Some(p)
            }
            _ => None,
        };
        let frozen = self.security & 8 != 0;
        let matches = sent_password.is_some() && sent_password == self.password;
        let regs = |lba: u64| {
            Some(Taskfile {
                lba,
                device: 0x40,
                ..Default::default()
            })
        };
        match (tf.command, tf.features) {
            (op::IDENTIFY_DEVICE, _) => {
                if let Data::In(b) = data {
                    b[..512].copy_from_slice(&self.identify_page().to_bytes());
                }
                Ok(None)
            }
            (op::READ_NATIVE_MAX_ADDRESS_EXT, _) if self.lba48 && !self.amac => {
                self.read_native_last = true;
                Ok(regs(self.native - 1))
            }
            (op::READ_NATIVE_MAX_ADDRESS, _) if !self.amac => {
                self.read_native_last = true;
                let lba = (self.native - 1).min(0x0fff_ffff);
                Ok(Some(Taskfile {
                    lba: lba & 0xff_ffff,
                    device: 0x40 | (lba >> 24) as u8,
                    ..Default::default()
                }))
            }
            (op::AMAC, 0) if self.amac => Ok(regs(self.native - 1)),
            (op::SET_MAX_ADDRESS_EXT | op::SET_MAX_ADDRESS, _)
                if !self.abort_set_max && !self.locked() && after_read_native =>
            {
                let lba = if tf.command == op::SET_MAX_ADDRESS {
                    tf.lba & 0xff_ffff | u64::from(tf.device & 0x0f) << 24
                } else {
                    tf.lba
                };
                if lba >= self.native {
                    return Err(());
                }
                self.current = lba + 1;
                self.set_max_nonvolatile = Some(tf.count & 1 != 0);
                Ok(None)
            }
            (op::AMAC, 1) if self.amac && !self.abort_set_max && !self.locked() => {
                self.current = tf.lba + 1;
                self.set_max_nonvolatile = Some(true);
                Ok(None)
            }
            (crate::device::ata::op::SECURITY_SET_PASSWORD, _)
                if !frozen && !self.locked() && self.password.is_none() && sent_password.is_some() =>
            {
                self.password = sent_password;
                self.security |= 2;
                Ok(None)
            }
            (crate::device::ata::op::SECURITY_UNLOCK, _) if matches => {
                self.security &= !4;
                Ok(None)
            }
            (crate::device::ata::op::SECURITY_ERASE_PREPARE, _) if !frozen => {
                self.prepared = true;
                Ok(None)
            }
            (crate::device::ata::op::SECURITY_ERASE_UNIT, _)
                if after_prepare && matches && !self.locked() && !self.erase_fails =>
            {
                if !self.lies {
                    self.erased += 1;
                    self.password = None;
                    self.security &= !2;
                }
                Ok(None)
            }
            (crate::device::ata::op::SECURITY_DISABLE_PASSWORD, _) if matches && !self.locked() => {
                self.password = None;
                self.security &= !2;
                Ok(None)
            }
            (crate::device::ata::op::SANITIZE, crate::device::ata::op::SANITIZE_STATUS) => {
                if self.sanitize_failed {
                    if tf.count & 1 != 0 {
                        self.sanitize_failed = false;
                        return Ok(Some(Taskfile::default()));
                    }
                    return Err(());
                }
                let (count, progress) = match self.sanitizing {
                    Some(0) => {
                        self.sanitizing = None;
                        if self.sanitize_fails {
                            self.sanitize_failed = true;
                            return Err(());
                        }
                        self.erased += 1;
                        self.sanitize_done = true;
                        (0x8000, 0)
                    }
                    Some(n) => {
                        self.sanitizing = Some(n - 1);
                        (0x4000, 0x8000 / (n as u64 + 1))
                    }
                    None if self.sanitize_done => (0x8000, 0),
                    None => (0, 0),
                };
                let count = if self.sanitize_frozen {
                    count | 0x2000
                } else {
                    count
                };
                Ok(Some(Taskfile {
                    count,
                    lba: progress,
                    device: 0x40,
                    ..Default::default()
                }))
            }
            (crate::device::ata::op::SANITIZE, f)
                if self.sanitize & (1 << 12) != 0 && !self.locked() && !self.sanitize_frozen =>
            {
                use crate::device::ata::op as s;
                let ok = match f {
                    s::CRYPTO_SCRAMBLE => self.sanitize & (1 << 13) != 0 && tf.lba == s::CRYPTO_SIGNATURE,
                    s::BLOCK_ERASE => self.sanitize & (1 << 15) != 0 && tf.lba == s::BLOCK_SIGNATURE,
                    s::OVERWRITE => self.sanitize & (1 << 14) != 0 && tf.lba >> 32 == 0x4f57,
                    _ => false,
                };
                if !ok {
                    return Err(());
                }
                self.sanitizing = Some(3);
                self.sanitize_done = false;
                Ok(Some(Taskfile::default()))
            }
            (op::DCO, op::DCO_IDENTIFY) if !self.locked() => match (self.dco, data) {
                (Some(max), Data::In(b)) => {
                    let mut p = Page::from_bytes(&[0u8; 512]).expect("512 bytes");
                    p.set(0, 2);
                    for i in 0..4 {
                        p.set(3 + i, ((max - 1) >> (16 * i)) as u16);
                    }
                    p.seal();
                    b[..512].copy_from_slice(&p.to_bytes());
                    Ok(None)
                }
                _ => Err(()),
            },
            _ => Err(()),
        }
    }
}

fn decode(cdb: &[u8]) -> Option<(Taskfile, bool)> {
    match cdb.first()? {
        0x85 if cdb.len() == 16 => Some((
            Taskfile {
                features: u16::from(cdb[3]) << 8 | u16::from(cdb[4]),
                count: u16::from(cdb[5]) << 8 | u16::from(cdb[6]),
                lba: u64::from(cdb[8])
                    | u64::from(cdb[10]) << 8
                    | u64::from(cdb[12]) << 16
                    | u64::from(cdb[7]) << 24
                    | u64::from(cdb[9]) << 32
                    | u64::from(cdb[11]) << 40,
                device: cdb[13],
                command: cdb[14],
            },
            cdb[2] & 0x20 != 0,
        )),
        0xa1 if cdb.len() == 12 => Some((
            Taskfile {
                features: u16::from(cdb[3]),
                count: u16::from(cdb[4]),
                lba: u64::from(cdb[5]) | u64::from(cdb[6]) << 8 | u64::from(cdb[7]) << 16,
                device: cdb[8],
                command: cdb[9],
            },
            cdb[2] & 0x20 != 0,
        )),
        _ => None,
    }
}

fn check(sense: Vec<u8>) -> ScsiReply {
    ScsiReply {
        status: 2,
        host: 0,
        driver: 8,
        sense,
        resid: 0,
    }
}

/// Sense with the ATA registers, as libata builds it.
fn ata_sense(fixed: bool, key: u8, asc: u8, ascq: u8, tf: &Taskfile, error: u8, status: u8) -> Vec<u8> {
    let l = tf.lba.to_le_bytes();
    if fixed {
        let upper = tf.lba >> 24 != 0;
        vec![
            0x70,
            0,
            key,
            error,
            status,
            tf.device,
            tf.count as u8,
            10,
            0x80 | u8::from(upper) << 5,
            l[0],
            l[1],
            l[2],
            asc,
            ascq,
            0,
            0,
            0,
            0,
        ]
    } else {
        vec![
            0x72,
            key,
            asc,
            ascq,
            0,
            0,
            0,
            14,
            0x09,
            0x0c,
            1,
            error,
            (tf.count >> 8) as u8,
            tf.count as u8,
            l[3],
            l[0],
            l[4],
            l[1],
            l[5],
            l[2],
            tf.device,
            status,
        ]
    }
}

impl Transport for SimDrive {
    fn scsi(&mut self, cdb: &[u8], mut data: Data<'_>, timeout_ms: u32) -> io::Result<ScsiReply> {
        self.timeouts.push(timeout_ms);
        let illegal = || {
            check(vec![
                0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x20, 0, 0, 0, 0, 0,
            ])
        };
        let Some((tf, ck_cond)) = decode(cdb) else {
            return Ok(illegal());
        };
        match self.bridge {
            Bridge::Rejects => return Ok(illegal()),
            Bridge::Only12 if cdb[0] == 0x85 => return Ok(illegal()),
            Bridge::Lies => return Ok(ScsiReply::default()),
            Bridge::HostError => {
                return Ok(ScsiReply {
                    host: 0x07,
                    ..ScsiReply::default()
                })
            }
            _ => {}
        }
        let fixed = self.bridge == Bridge::Fixed;
        Ok(match self.run(&tf, &mut data) {
            Ok(regs) if ck_cond => {
                let regs = regs.unwrap_or(Taskfile {
                    device: 0x40,
                    ..Default::default()
                });
                check(ata_sense(fixed, 0x01, 0x00, 0x1d, &regs, 0, 0x50))
            }
            Ok(_) => ScsiReply::default(),
            Err(()) => check(ata_sense(fixed, 0x0b, 0x00, 0x00, &tf, 0x04, 0x51)),
        })
    }

    fn nvme_admin(&mut self, _cmd: &NvmeAdmin, _data: &mut [u8]) -> io::Result<NvmeReply> {
        Err(io::Error::from_raw_os_error(libc::ENOTTY))
    }
}

/// A simulated NVMe controller with one namespace: Identify (controller and namespace),
/// Format NVM with a secure erase, which it can be slow to answer (a drive that does not
/// answer for a while), and the Sanitize Status log (never sanitized).
#[derive(Clone, Debug)]
pub struct SimNvme {
    pub serial: String,
    /// Logical blocks of 512 bytes.
    pub blocks: u64,
    /// How long a Format NVM takes before the controller answers.
    pub format_takes: std::time::Duration,
    /// Every admin command that reached the controller.
    pub sent: Vec<NvmeAdmin>,
    /// Formats that completed.
    pub formatted: u32,
}

impl SimNvme {
    pub fn new(serial: &str, blocks: u64) -> SimNvme {
        SimNvme {
            serial: serial.into(),
            blocks,
            format_takes: std::time::Duration::ZERO,
            sent: Vec::new(),
            formatted: 0,
        }
    }

    /// The Identify Controller page: serial, model, OACS Format, no Sanitize.
    pub fn controller_page(&self) -> Vec<u8> {
        let mut b = vec![0u8; 4096];
        let text = |b: &mut [u8], s: &str| {
            b.fill(b' ');
            let n = s.len().min(b.len());
            b[..n].copy_from_slice(&s.as_bytes()[..n]);
        };
        b[0..2].copy_from_slice(&0x1b36u16.to_le_bytes());
        text(&mut b[4..24], &self.serial);
        text(&mut b[24..64], "mediasan simulated NVMe");
        text(&mut b[64..72], "SIM1");
        b[256] = 2; // OACS: Format NVM
        b[516..520].copy_from_slice(&1u32.to_le_bytes());
        b
    }

    /// The Identify Namespace page: its size, LBA format 0 of 512 bytes.
    pub fn namespace_page(&self) -> Vec<u8> {
        let mut b = vec![0u8; 4096];
        b[0..8].copy_from_slice(&self.blocks.to_le_bytes());
        b[8..16].copy_from_slice(&self.blocks.to_le_bytes());
        b[128 + 2] = 9;
        b
    }
}

impl Transport for SimNvme {
    fn scsi(&mut self, _cdb: &[u8], _data: Data<'_>, _timeout_ms: u32) -> io::Result<ScsiReply> {
        Err(io::Error::from_raw_os_error(libc::ENOTTY))
    }

    fn nvme_admin(&mut self, cmd: &NvmeAdmin, data: &mut [u8]) -> io::Result<NvmeReply> {
        self.sent.push(*cmd);
        let page = |data: &mut [u8], p: Vec<u8>| {
            let n = data.len().min(p.len());
            data[..n].copy_from_slice(&p[..n]);
        };
        let status = match cmd.opcode {
            crate::device::nvme::IDENTIFY if cmd.cdw10 == crate::device::nvme::CNS_CONTROLLER => {
                page(data, self.controller_page());
                0
            }
            crate::device::nvme::IDENTIFY
                if cmd.cdw10 == crate::device::nvme::CNS_NAMESPACE && cmd.nsid == 1 =>
            {
                page(data, self.namespace_page());
                0
            }
            crate::device::nvme::FORMAT_NVM if cmd.nsid == 1 => {
                std::thread::sleep(self.format_takes);
                self.formatted += 1;
                0
            }
            crate::device::nvme::GET_LOG_PAGE => {
                data.fill(0);
                0
            }
            // Invalid Command Opcode, or Invalid Field.
            _ => 0x0001,
        };
        Ok(NvmeReply { status, result: 0 })
    }
}

/// How a simulated SCSI disk answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ScsiBehaviour {
    /// As SBC-4 says.
    #[default]
    Conforms,
    /// REPORT SUPPORTED OPERATION CODES is an invalid opcode (QEMU's scsi-hd).
    NoReportOpcodes,
    /// The sanitize ends in SANITIZE COMMAND FAILED.
    Fails,
    /// The host adapter fails SANITIZE with DID_ERROR, the status byte GOOD.
    HostError,
}

/// A simulated SCSI disk (SAS) for SANITIZE: REPORT SUPPORTED OPERATION CODES, SANITIZE
/// with IMMED, REQUEST SENSE with the progress, TEST UNIT READY.
#[derive(Clone, Debug)]
pub struct SimScsi {
    pub supports: super::scsi::ScsiSanitize,
    pub behaviour: ScsiBehaviour,
    /// Polls a sanitize takes from its start.
    pub polls: u32,
    /// A sanitize under way: the polls left until it ends (it survives a power cycle).
    pub in_progress: Option<u32>,
    failed: bool,
    /// Sanitizes that completed, and the REQUEST SENSE polls that saw one running.
    pub erased: u32,
    pub polls_seen: u32,
}

impl SimScsi {
    pub fn new(supports: super::scsi::ScsiSanitize) -> SimScsi {
        SimScsi {
            supports,
            behaviour: ScsiBehaviour::Conforms,
            polls: 3,
            in_progress: None,
            failed: false,
            erased: 0,
            polls_seen: 0,
        }
    }
}

fn fixed_sense(key: u8, asc: u8, ascq: u8, progress: Option<u16>) -> Vec<u8> {
    let mut b = vec![0u8; 18];
    b[0] = 0x70;
    b[2] = key;
    b[7] = 10;
    b[12] = asc;
    b[13] = ascq;
    if let Some(p) = progress {
        b[15] = 0x80;
        b[16..18].copy_from_slice(&p.to_be_bytes());
    }
    b
}

impl Transport for SimScsi {
    fn scsi(&mut self, cdb: &[u8], data: Data<'_>, _timeout_ms: u32) -> io::Result<ScsiReply> {
        let illegal = || check(fixed_sense(0x05, 0x20, 0, None));
        let sanitizing = |s: &SimScsi| s.in_progress.map(|left| 0xffff - (left.min(0xffff) as u16));
        match cdb.first() {
            Some(0xa3) if cdb.get(1) == Some(&0x0c) => {
                if self.behaviour == ScsiBehaviour::NoReportOpcodes {
                    return Ok(illegal());
                }
                let Data::In(buf) = data else { return Ok(illegal()) };
                let sa = cdb[5];
                let ok = cdb[3] == 0x48
                    && match sa {
                        1 => self.supports.overwrite,
                        2 => self.supports.block_erase,
                        3 => self.supports.crypto_erase,
                        _ => false,
                    };
                buf.fill(0);
                buf[1] = if ok { 0b011 } else { 0b001 };
                buf[3] = 10;
                buf[4] = cdb[3];
                Ok(ScsiReply::default())
            }
            Some(0x48) => {
                if self.behaviour == ScsiBehaviour::HostError {
                    return Ok(ScsiReply {
                        host: 0x07,
                        ..Default::default()
                    });
                }
                if self.in_progress.is_some() {
                    return Ok(check(fixed_sense(0x02, 0x04, 0x1b, sanitizing(self))));
                }
                self.failed = false;
                self.in_progress = Some(self.polls);
                Ok(ScsiReply::default())
            }
            Some(0x03) => {
                let Data::In(buf) = data else { return Ok(illegal()) };
                let sense = match self.in_progress {
                    Some(0) => {
                        self.in_progress = None;
                        if self.behaviour == ScsiBehaviour::Fails {
                            self.failed = true;
                        } else {
                            self.erased += 1;
                        }
                        if self.failed {
                            fixed_sense(0x03, 0x31, 0x03, None)
                        } else {
                            fixed_sense(0, 0, 0, None)
                        }
                    }
                    Some(left) => {
                        self.polls_seen += 1;
                        let s = fixed_sense(0x02, 0x04, 0x1b, sanitizing(self));
                        self.in_progress = Some(left - 1);
                        s
                    }
                    None if self.failed => fixed_sense(0x03, 0x31, 0x03, None),
                    None => fixed_sense(0, 0, 0, None),
                };
                let n = buf.len().min(sense.len());
                buf[..n].copy_from_slice(&sense[..n]);
                Ok(ScsiReply::default())
            }
            Some(0x00) if self.in_progress.is_some() => {
                Ok(check(fixed_sense(0x02, 0x04, 0x1b, sanitizing(self))))
            }
            Some(0x00) if self.failed => Ok(check(fixed_sense(0x03, 0x31, 0x03, None))),
            Some(0x00) => Ok(ScsiReply::default()),
            _ => Ok(illegal()),
        }
    }

    fn nvme_admin(&mut self, _cmd: &NvmeAdmin, _data: &mut [u8]) -> io::Result<NvmeReply> {
        Err(io::Error::from_raw_os_error(libc::ENOTTY))
    }
}

#[cfg(test)]
mod tests {
    use super::super::ata::{Checksum, Identify};
    use super::super::ata_identify;
    use super::super::hidden;
    use super::*;
    use crate::device::passthrough::AtaError;
    use crate::device::sense::Sense;
    use crate::model::drive::Area;

    #[test]
    fn a_plain_drive_shows_everything() {
        let mut d = SimDrive::new("SIM0001", 1_000_000);
        let id = ata_identify(&mut d).unwrap();
        assert_eq!((id.serial.as_str(), id.sectors), ("SIM0001", 1_000_000));
        assert_eq!(id.checksum, Checksum::Valid);
        let h = hidden::ata(&mut d, &id);
        assert_eq!((&h.hpa, &h.dco), (&Area::None, &Area::None));
        assert_eq!(h.summary().en(), "none");
    }

    #[test]
    fn an_hpa_is_found_in_both_sense_formats_and_exposed_volatile() {
        for bridge in [Bridge::Descriptor, Bridge::Fixed] {
            let mut d = SimDrive::new("SIM0002", 2_000_000);
            d.current = 1_900_000;
            d.bridge = bridge;
            let id = ata_identify(&mut d).unwrap();
            let h = hidden::ata(&mut d, &id);
            assert_eq!(
                h.hpa,
                Area::Hidden {
                    visible: 1_900_000,
                    native: 2_000_000
                },
                "{bridge:?}"
            );
            assert_eq!(h.hidden_sectors(), 100_000);
            assert_eq!(hidden::expose_hpa(&mut d, &id), Ok(2_000_000));
            assert_eq!(d.set_max_nonvolatile, Some(false), "volatile");
            assert_eq!(d.current, 2_000_000);
        }
    }

    #[test]
    fn fixed_sense_cannot_carry_a_large_drive_and_says_unknown() {
        let mut d = SimDrive::new("SIM0003", 40_000_000_000);
        d.bridge = Bridge::Fixed;
        let id = ata_identify(&mut d).unwrap();
        let h = hidden::ata(&mut d, &id);
        assert!(matches!(h.hpa, Area::Unknown { .. }), "{h:?}");
        assert!(h.summary().en().starts_with("unknown"), "{}", h.summary());
    }

    #[test]
    fn a_28_bit_drive_through_a_12_byte_translator() {
        let mut d = SimDrive::new("SIM0004", 78_140_160);
        d.lba48 = false;
        d.current = 78_000_000;
        d.bridge = Bridge::Only12;
        let id = ata_identify(&mut d).unwrap();
        assert!(!id.lba48);
        let h = hidden::ata(&mut d, &id);
        assert_eq!(h.hpa.hidden_sectors(), 140_160, "{h:?}");
        assert_eq!(hidden::expose_hpa(&mut d, &id), Ok(78_140_160));
        assert!(d.sent.iter().any(|t| t.command == op::SET_MAX_ADDRESS));
    }

    #[test]
    fn a_dco_beyond_the_native_max() {
        let mut d = SimDrive::new("SIM0005", 390_721_968);
        d.dco = Some(398_297_088);
        let id = ata_identify(&mut d).unwrap();
        let h = hidden::ata(&mut d, &id);
        assert_eq!(h.hpa, Area::None);
        assert_eq!(h.dco.hidden_sectors(), 398_297_088 - 390_721_968);
    }

    #[test]
    fn set_max_aborted_leaves_the_area_hidden() {
        let mut d = SimDrive::new("SIM0006", 2_000_000);
        d.current = 1_000_000;
        d.abort_set_max = true;
        let id = ata_identify(&mut d).unwrap();
        assert!(matches!(
            hidden::expose_hpa(&mut d, &id),
            Err(AtaError::Aborted { .. })
        ));
        assert_eq!(d.current, 1_000_000);
    }

    #[test]
    fn an_acs3_drive_uses_accessible_max_address() {
        let mut d = SimDrive::new("SIM0007", 5_000_000);
        d.current = 4_000_000;
        d.amac = true;
        let id = ata_identify(&mut d).unwrap();
        assert!(id.amac);
        let h = hidden::ata(&mut d, &id);
        assert_eq!(h.hpa.hidden_sectors(), 1_000_000);
        assert_eq!(hidden::expose_hpa(&mut d, &id), Ok(5_000_000));
        assert!(d.sent.iter().all(|t| t.command != op::SET_MAX_ADDRESS_EXT));
    }

    #[test]
    fn a_locked_drive_is_seen_locked_and_its_dco_unknown() {
        let mut d = SimDrive::new("SIM0008", 1_000_000);
        d.security = 0x0007;
        d.dco = Some(1_000_000);
        let id = ata_identify(&mut d).unwrap();
        assert!(id.security.locked && id.security.enabled);
        let h = hidden::ata(&mut d, &id);
        assert!(matches!(h.dco, Area::Unknown { .. }), "{h:?}");
    }

    #[test]
    fn bridges_that_refuse_lie_or_fail_give_unknown_never_none() {
        for bridge in [Bridge::Rejects, Bridge::Lies, Bridge::HostError] {
            let mut d = SimDrive::new("SIM0009", 1_000_000);
            d.bridge = bridge;
            let e = ata_identify(&mut d);
            assert!(e.is_err(), "{bridge:?}: {e:?}");
            // With a page known from elsewhere, the hidden-area probe fails too.
            let id = Identify::parse(&d.identify_page());
            let h = hidden::ata(&mut d, &id);
            assert!(matches!(h.hpa, Area::Unknown { .. }), "{bridge:?}: {h:?}");
        }
        let mut d = SimDrive::new("SIM0010", 1_000_000);
        d.bad_checksum = true;
        let e = ata_identify(&mut d).unwrap_err();
        assert!(e.to_string().contains("checksum"), "{e}");
    }

    #[test]
    fn sense_of_the_simulator_parses() {
        let tf = Taskfile {
            lba: 0x0001_2a19_7fff,
            device: 0x40,
            ..Default::default()
        };
        let s = Sense::parse(&ata_sense(false, 1, 0, 0x1d, &tf, 0, 0x50)).unwrap();
        assert_eq!(s.ata.unwrap().lba, tf.lba);
    }
}
