//! SCSI sense data (SPC-4 4.5) in both formats, and the ATA registers SAT returns in it.

use super::ata::Taskfile;

/// Sense keys mediasan tells apart.
pub mod key {
    pub const NO_SENSE: u8 = 0x0;
    pub const RECOVERED_ERROR: u8 = 0x1;
    pub const NOT_READY: u8 = 0x2;
    pub const MEDIUM_ERROR: u8 = 0x3;
    pub const ILLEGAL_REQUEST: u8 = 0x5;
    pub const UNIT_ATTENTION: u8 = 0x6;
    pub const ABORTED_COMMAND: u8 = 0xb;
}

/// ATA registers returned by pass-through (SAT-4 12.2.2.6, 12.2.2.7).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AtaReturn {
    pub error: u8,
    pub status: u8,
    pub device: u8,
    pub count: u16,
    /// The LBA registers. In fixed format only bits 23:0 come back; `lba_complete`
    /// says whether they are the whole value.
    pub lba: u64,
    pub lba_complete: bool,
}

impl AtaReturn {
    /// As a taskfile (the command byte is not returned).
    pub fn taskfile(&self) -> Taskfile {
        Taskfile {
            command: 0,
            features: u16::from(self.error),
            count: self.count,
            lba: self.lba,
            device: self.device,
        }
    }
}

/// Decoded sense data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sense {
    pub descriptor: bool,
    pub key: u8,
    pub asc: u8,
    pub ascq: u8,
    pub ata: Option<AtaReturn>,
    /// The progress indication of a long operation (a sanitize, a format), in 65536ths,
    /// where the sense-key specific field carries one (SPC-4 4.4.2.4.4).
    pub progress: Option<u16>,
}

impl Sense {
    /// Parses sense bytes; `None` when there are none or the response code is unknown.
    pub fn parse(b: &[u8]) -> Option<Sense> {
        let code = *b.first()? & 0x7f;
        match code {
            0x70 | 0x71 => Some(Sense::fixed(b)),
            0x72 | 0x73 => Some(Sense::descriptor(b)),
            _ => None,
        }
    }

    fn fixed(b: &[u8]) -> Sense {
        let at = |i: usize| b.get(i).copied().unwrap_or(0);
        let key = at(2) & 0x0f;
        let (asc, ascq) = (at(12), at(13));
        // SAT: ATA PASS-THROUGH INFORMATION AVAILABLE (00h/1Dh) puts the registers in
        // the INFORMATION (bytes 3-6) and COMMAND-SPECIFIC INFORMATION (8-11) fields.
        // A failed pass-through command carries them the same way; an ABORTED COMMAND
        // from a bridge that never asked the drive carries none, so only a status with
        // DRDY (bit 6) or ERR (bit 0) set, where either layout puts it, is taken for one.
        let plausible = |status: u8| status & 0x41 != 0;
        let registers = (asc, ascq) == (0x00, 0x1d)
            || key == key::ABORTED_COMMAND && (plausible(at(4)) || plausible(at(9)));
        let ata = (b.len() >= 12 && registers).then(|| {
            // Older kernels (6.1 here; libata before its 2024 fix of the offsets) put
            // error, status, device and count at bytes 8-11, leaving 3-6 zero. A live
            // drive's status has DRDY (bit 6) set: where byte 4 lacks it and byte 9
            // has it, that is the layout, and the LBA is not there at all.
            if (3..7).all(|i| at(i) == 0) && at(9) & 0x40 != 0 {
                return AtaReturn {
                    error: at(8),
                    status: at(9),
                    device: at(10),
                    count: u16::from(at(11)),
                    lba: 0,
                    lba_complete: false,
                };
            }
            let flags = at(8);
            let extend = flags & 0x80 != 0;
            let upper_nonzero = flags & 0x20 != 0;
            AtaReturn {
                error: at(3),
                status: at(4),
                device: at(5),
                count: u16::from(at(6)),
                lba: u64::from(at(9)) | u64::from(at(10)) << 8 | u64::from(at(11)) << 16,
                lba_complete: !(extend && upper_nonzero),
            }
        });
        // Sense-key specific bytes 15-17: SKSV (bit 7 of byte 15), then the progress
        // indication for NOT READY and NO SENSE.
        let progress = (b.len() >= 18 && at(15) & 0x80 != 0 && matches!(key, key::NOT_READY | key::NO_SENSE))
            .then(|| u16::from_be_bytes([at(16), at(17)]));
        Sense {
            descriptor: false,
            key,
            asc,
            ascq,
            ata,
            progress,
        }
    }

    fn descriptor(b: &[u8]) -> Sense {
        let at = |i: usize| b.get(i).copied().unwrap_or(0);
        let mut s = Sense {
            descriptor: true,
            key: at(1) & 0x0f,
            asc: at(2),
            ascq: at(3),
            ata: None,
            progress: None,
        };
        let end = b.len().min(8 + usize::from(at(7)));
        let mut i = 8;
        while i + 2 <= end {
            let (kind, len) = (b[i], usize::from(b[i + 1]));
            let d = &b[i..end.min(i + 2 + len)];
            // ATA Status Return descriptor (09h), 14 bytes.
            if kind == 0x09 && d.len() >= 14 {
                let extend = d[2] & 1 != 0;
                let hi = |v: u8| if extend { u64::from(v) } else { 0 };
                s.ata = Some(AtaReturn {
                    error: d[3],
                    count: (hi(d[4]) as u16) << 8 | u16::from(d[5]),
                    lba: u64::from(d[7])
                        | u64::from(d[9]) << 8
                        | u64::from(d[11]) << 16
                        | hi(d[6]) << 24
                        | hi(d[8]) << 32
                        | hi(d[10]) << 40,
                    lba_complete: true,
                    device: d[12],
                    status: d[13],
                });
            }
            // Sense-key specific descriptor (02h): SKSV, then the progress indication.
            if kind == 0x02
                && d.len() >= 7
                && d[4] & 0x80 != 0
                && matches!(s.key, key::NOT_READY | key::NO_SENSE)
            {
                s.progress = Some(u16::from_be_bytes([d[5], d[6]]));
            }
            i += 2 + len;
        }
        s
    }

    /// `key/asc/ascq` as sg3_utils and the kernel log print them.
    pub fn code(&self) -> String {
        format!("{:x}/{:02x}/{:02x}", self.key, self.asc, self.ascq)
    }

    /// What the sense says, in words.
    pub fn describe(&self) -> String {
        let what = match (self.key, self.asc, self.ascq) {
            (_, 0x20, 0x00) => "invalid command operation code",
            (_, 0x24, 0x00) => "invalid field in CDB",
            (_, 0x00, 0x1d) => "ATA pass-through information available",
            (_, 0x3a, _) => "medium not present",
            (_, 0x04, 0x1b) => "logical unit not ready, sanitize in progress",
            (_, 0x31, 0x03) => "sanitize command failed",
            (_, 0x04, _) => "logical unit not ready",
            (key::ILLEGAL_REQUEST, ..) => "illegal request",
            (key::ABORTED_COMMAND, ..) => "aborted command",
            (key::MEDIUM_ERROR, ..) => "medium error",
            (key::UNIT_ATTENTION, ..) => "unit attention",
            (key::NOT_READY, ..) => "not ready",
            _ => "check condition",
        };
        format!("{what} (sense {})", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|t| u8::from_str_radix(t, 16).unwrap())
            .collect()
    }

    #[test]
    fn descriptor_sense_with_the_ata_status_return() {
        // RECOVERED ERROR, 00/1D, one ATA Status Return descriptor: extend set,
        // LBA 0x0000_0001_2a19_7fff (READ NATIVE MAX EXT of a 5 TB drive), status 0x50.
        let b = hex("72 01 00 1d 00 00 00 0e 09 0c 01 00 00 00 2a ff 01 7f 00 19 40 50");
        let s = Sense::parse(&b).unwrap();
        assert!(s.descriptor);
        assert_eq!(s.code(), "1/00/1d");
        let a = s.ata.unwrap();
        assert_eq!((a.status, a.error, a.device), (0x50, 0, 0x40));
        assert_eq!(a.lba, 0x0001_2a19_7fff);
        assert!(a.lba_complete);
    }

    #[test]
    fn descriptor_without_extend_keeps_28_bits() {
        let b = hex("72 01 00 1d 00 00 00 0e 09 0c 00 00 00 07 ff ff ee ff ff 0f 4f 50");
        let a = Sense::parse(&b).unwrap().ata.unwrap();
        assert_eq!(a.lba, 0x0f_ffff);
        assert_eq!(a.count, 7);
    }

    #[test]
    fn fixed_sense_carries_24_bits_and_says_when_more_were_cut() {
        // Fixed, RECOVERED ERROR 00/1D: error 0, status 0x50, device 0x40, count 0;
        // flags 0xa0 (extend, LBA upper bytes non-zero), LBA 23:0 = 0x19_7fff.
        let b = hex("70 00 01 00 50 40 00 0a a0 ff 7f 19 00 1d 00 00 00 00");
        let s = Sense::parse(&b).unwrap();
        assert!(!s.descriptor);
        let a = s.ata.unwrap();
        assert_eq!((a.status, a.lba), (0x50, 0x19_7fff));
        assert!(!a.lba_complete);
        let b = hex("70 00 01 00 50 40 00 0a 80 ff 7f 01 00 1d 00 00 00 00");
        let a = Sense::parse(&b).unwrap().ata.unwrap();
        assert!(a.lba_complete);
        assert_eq!(a.lba, 0x01_7fff);
    }

    #[test]
    fn a_rejecting_bridge_and_an_aborting_drive() {
        // ILLEGAL REQUEST, invalid command operation code: no registers.
        let s = Sense::parse(&hex("70 00 05 00 00 00 00 0a 00 00 00 00 20 00 00 00 00 00")).unwrap();
        assert_eq!(s.key, key::ILLEGAL_REQUEST);
        assert_eq!(s.ata, None);
        assert!(s.describe().contains("invalid command operation code"));
        // ABORTED COMMAND with the ATA error ABRT and status ERR in the descriptor.
        let s = Sense::parse(&hex(
            "72 0b 00 00 00 00 00 0e 09 0c 00 04 00 00 00 00 00 00 00 00 40 51",
        ))
        .unwrap();
        let a = s.ata.unwrap();
        assert_eq!((a.error, a.status), (0x04, 0x51));
    }

    #[test]
    fn a_sanitize_in_progress_carries_its_progress() {
        // Fixed: NOT READY, 04/1B, SKSV set, progress 0x4000 (a quarter).
        let s = Sense::parse(&hex("70 00 02 00 00 00 00 0a 00 00 00 00 04 1b 00 80 40 00")).unwrap();
        assert_eq!(
            (s.key, s.asc, s.ascq, s.progress),
            (key::NOT_READY, 0x04, 0x1b, Some(0x4000))
        );
        assert!(s.describe().contains("sanitize in progress"));
        // Descriptor: the same in a sense-key specific descriptor.
        let s = Sense::parse(&hex("72 02 04 1b 00 00 00 08 02 06 00 00 80 80 00 00")).unwrap();
        assert_eq!(s.progress, Some(0x8000));
        // SKSV clear: no progress; a failed sanitize is a medium error 31/03.
        let s = Sense::parse(&hex("70 00 03 00 00 00 00 0a 00 00 00 00 31 03 00 00 40 00")).unwrap();
        assert_eq!(
            (s.progress, s.describe().contains("sanitize command failed")),
            (None, true)
        );
    }

    #[test]
    fn garbage_is_no_sense_and_never_a_panic() {
        assert_eq!(Sense::parse(&[]), None);
        assert_eq!(Sense::parse(&[0x00, 1, 2]), None);
        // Truncated in every way: parses without reading past the end.
        for n in 0..22 {
            let b = hex("72 01 00 1d 00 00 00 ff 09 0c 01 00 00 00 2a ff 01 7f 00 19 40 50");
            let _ = Sense::parse(&b[..n]);
            let f = hex("70 00 01 00 50 40 00 0a a0 ff 7f 19 00 1d 00 00 00 00");
            let _ = Sense::parse(&f[..n.min(f.len())]);
        }
    }
}
