//! ATA: the IDENTIFY DEVICE page and DEVICE CONFIGURATION IDENTIFY, decoded, and the
//! commands mediasan sends through SCSI/ATA Translation (SAT) pass-through.
//!
//! Word numbers follow ATA/ATAPI-8 and ACS-3/4. Parsing is pure: a 512-byte page in,
//! facts out; nothing here touches a device.

use serde::{Deserialize, Serialize};

/// A 512-byte ATA data page as 256 little-endian words.
#[derive(Clone)]
pub struct Page([u16; 256]);

impl Page {
    /// Reads the raw bytes of an SG_IO transfer (word N = bytes 2N, 2N+1, little-endian).
    pub fn from_bytes(b: &[u8]) -> Option<Page> {
        Some(Page::of(b.get(..512)?.try_into().ok()?))
    }

    /// The page a pass-through read returned.
    pub fn of(b: &[u8; 512]) -> Page {
        let mut w = [0u16; 256];
        for (i, w) in w.iter_mut().enumerate() {
            *w = u16::from_le_bytes([b[2 * i], b[2 * i + 1]]);
        }
        Page(w)
    }

    /// Reads `hdparm --Istdout`'s layout: 256 four-digit hex words.
    pub fn from_hex_words(text: &str) -> Option<Page> {
        let words: Vec<u16> = text
            .split_whitespace()
            .map(|t| u16::from_str_radix(t, 16).ok())
            .collect::<Option<_>>()?;
        Some(Page(words.try_into().ok()?))
    }

    pub fn to_bytes(&self) -> [u8; 512] {
        let mut b = [0u8; 512];
        for (i, w) in self.0.iter().enumerate() {
            b[2 * i..2 * i + 2].copy_from_slice(&w.to_le_bytes());
        }
        b
    }

    pub fn word(&self, n: usize) -> u16 {
        self.0[n]
    }

    pub fn set(&mut self, n: usize, v: u16) {
        self.0[n] = v;
    }

    fn bit(&self, n: usize, bit: u16) -> bool {
        self.0[n] & (1 << bit) != 0
    }

    /// Words `from..from+count` as a number, least significant word first.
    fn number(&self, from: usize, count: usize) -> u64 {
        (0..count).fold(0, |acc, i| acc | u64::from(self.0[from + i]) << (16 * i))
    }

    /// An ATA string: each word holds two characters, the first in its high byte.
    /// Trailing and leading spaces (and NULs) are padding.
    fn string(&self, from: usize, words: usize) -> String {
        let bytes: Vec<u8> = self.0[from..from + words]
            .iter()
            .flat_map(|w| w.to_be_bytes())
            .collect();
        String::from_utf8_lossy(&bytes)
            .trim_matches(|c: char| c == '\0' || c.is_whitespace())
            .to_string()
    }

    /// Writes an ATA string (for simulated drives), padded with spaces.
    pub fn set_string(&mut self, from: usize, words: usize, s: &str) {
        let mut bytes = s.as_bytes().to_vec();
        bytes.resize(words * 2, b' ');
        for i in 0..words {
            self.0[from + i] = u16::from_be_bytes([bytes[2 * i], bytes[2 * i + 1]]);
        }
    }

    /// Word 255: signature 0xA5 in the low byte and a checksum that makes the byte sum
    /// of the page 0 mod 256 (ATA8-ACS 7.16.7.91).
    pub fn checksum(&self) -> Checksum {
        if self.0[255] & 0xff != 0xa5 {
            return Checksum::Absent;
        }
        let sum = self.to_bytes().iter().fold(0u8, |a, b| a.wrapping_add(*b));
        if sum == 0 {
            Checksum::Valid
        } else {
            Checksum::Invalid { sum }
        }
    }

    /// Sets word 255 to a valid signature and checksum.
    pub fn seal(&mut self) {
        self.0[255] = 0x00a5;
        let sum = self.to_bytes().iter().fold(0u8, |a, b| a.wrapping_add(*b));
        self.0[255] |= u16::from(0u8.wrapping_sub(sum)) << 8;
    }
}

/// Whether a page's integrity word holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum Checksum {
    Valid,
    /// The signature is there but the byte sum is `sum`, not 0: the page was damaged on
    /// the way (a bridge or interposer rewrote it) or the drive is broken.
    Invalid {
        sum: u8,
    },
    /// No signature: old drives need not have one.
    Absent,
}

/// ATA security (word 128; ATA8-ACS 7.16.7.69).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Security {
    pub supported: bool,
    pub enabled: bool,
    pub locked: bool,
    pub frozen: bool,
    pub count_expired: bool,
    pub enhanced_erase: bool,
    /// The password level is Maximum (only the master password with a full erase unlocks).
    pub level_max: bool,
    /// SECURITY ERASE UNIT time estimates, in minutes (words 89 and 90).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub erase_minutes: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub enhanced_erase_minutes: Option<u32>,
}

/// The SANITIZE feature set (word 59; ACS-2 and later).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sanitize {
    pub supported: bool,
    pub crypto_scramble: bool,
    pub overwrite: bool,
    pub block_erase: bool,
}

/// What an IDENTIFY DEVICE page says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identify {
    pub model: String,
    pub serial: String,
    pub firmware: String,
    /// User-addressable sectors: words 100-103 for a 48-bit drive, else 60-61.
    pub sectors: u64,
    pub lba48: bool,
    pub logical_sector: u32,
    pub physical_sector: u32,
    pub checksum: Checksum,
    pub security: Security,
    pub sanitize: Sanitize,
    /// Host Protected Area feature set supported (word 82 bit 10).
    pub hpa: bool,
    /// Device Configuration Overlay supported (word 83 bit 11).
    pub dco: bool,
    /// Accessible Max Address Configuration supported (ACS-3, word 119 bit 8): the
    /// successor of HPA, asked with GET NATIVE MAX ADDRESS EXT.
    pub amac: bool,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub wwn: Option<String>,
    /// Word 217: `Some(1)` for a non-rotating medium, else revolutions per minute.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rotation: Option<u16>,
    pub trim: bool,
}

/// Whether bits 15:14 of a word say it holds valid data (01b).
fn valid(w: u16) -> bool {
    w & 0xc000 == 0x4000
}

/// Words 89/90: erase time in minutes. Bit 15 set: bits 14:0 × 2 minutes (ACS-3);
/// else bits 7:0 × 2 minutes (ATA8), 255 meaning "more than 508".
fn erase_time(w: u16) -> Option<u32> {
    let units = if w & 0x8000 != 0 { w & 0x7fff } else { w & 0x00ff };
    (units != 0).then(|| u32::from(units) * 2)
}

impl Identify {
    pub fn parse(p: &Page) -> Identify {
        let lba48 = valid(p.word(83)) && p.bit(83, 10);
        let sectors = if lba48 { p.number(100, 4) } else { p.number(60, 2) };
        let w106 = p.word(106);
        let (logical_sector, physical_sector) = if valid(w106) {
            // Words 117-118 count 16-bit words; a size outside 512 B..64 KiB is no
            // sector size (a damaged page), and 512 is assumed as without bit 12.
            let logical = Some(p.number(117, 2) * 2)
                .filter(|_| w106 & (1 << 12) != 0)
                .and_then(|b| u32::try_from(b).ok())
                .filter(|b| (512..=65536).contains(b))
                .unwrap_or(512);
            let per = if w106 & (1 << 13) != 0 {
                1u32 << (w106 & 0xf)
            } else {
                1
            };
            (logical, logical.checked_mul(per).unwrap_or(logical))
        } else {
            (512, 512)
        };
        let w128 = p.word(128);
        let security = Security {
            supported: w128 & 1 != 0,
            enabled: w128 & 2 != 0,
            locked: w128 & 4 != 0,
            frozen: w128 & 8 != 0,
            count_expired: w128 & 16 != 0,
            enhanced_erase: w128 & 32 != 0,
            level_max: w128 & 0x100 != 0,
            erase_minutes: erase_time(p.word(89)),
            enhanced_erase_minutes: erase_time(p.word(90)),
        };
        let w59 = p.word(59);
        let sanitize = Sanitize {
            supported: w59 & (1 << 12) != 0,
            crypto_scramble: w59 & (1 << 13) != 0,
            overwrite: w59 & (1 << 14) != 0,
            block_erase: w59 & (1 << 15) != 0,
        };
        let wwn_supported = valid(p.word(84)) && p.bit(84, 8) || valid(p.word(87)) && p.bit(87, 8);
        let wwn = (wwn_supported && (108..112).any(|n| p.word(n) != 0)).then(|| {
            (108..112)
                .map(|n| format!("{:04x}", p.word(n)))
                .collect::<String>()
        });
        let rotation = match p.word(217) {
            0 | 0xffff => None,
            r => Some(r),
        };
        Identify {
            model: p.string(27, 20),
            serial: p.string(10, 10),
            firmware: p.string(23, 4),
            sectors,
            lba48,
            logical_sector,
            physical_sector,
            checksum: p.checksum(),
            security,
            sanitize,
            hpa: valid(p.word(83)) && p.bit(82, 10),
            dco: valid(p.word(83)) && p.bit(83, 11),
            amac: valid(p.word(119)) && p.bit(119, 8),
            wwn,
            rotation,
            trim: p.bit(169, 0),
        }
    }
}

/// DEVICE CONFIGURATION IDENTIFY (ATA8-ACS 7.9.4): the largest LBA the drive could be
/// configured to show, words 3-6. `None` when its checksum fails.
pub fn dco_max_lba(p: &Page) -> Option<u64> {
    match p.checksum() {
        Checksum::Invalid { .. } => None,
        _ => Some(p.number(3, 4)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Identify {
        let path = format!("{}/fixtures/identify/{name}.hex", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        Identify::parse(&Page::from_hex_words(&text).unwrap())
    }

    /// The ground truth of fixtures/identify/README.md, one row a drive:
    /// (file, model, serial, firmware, sectors, lba48, logical, physical, word 128).
    type Row = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        u64,
        bool,
        u32,
        u32,
        u16,
    );
    const TRUTH: &[Row] = &[
        (
            "toshiba_mk4025gas",
            "TOSHIBA MK4025GAS",
            "Y55L7382S",
            "KA100A",
            78_140_160,
            false,
            512,
            512,
            0x0001,
        ),
        (
            "maxtor_4r120l0",
            "Maxtor 4R120L0",
            "M0000000000000000000",
            "RAMB1TU0",
            240_121_728,
            false,
            512,
            512,
            0x0001,
        ),
        (
            "seagate_st3160023as",
            "ST3160023AS",
            "3JS2KSL3",
            "3.18",
            312_581_808,
            true,
            512,
            512,
            0x0001,
        ),
        (
            "maxtor_6b200m0_banc1980",
            "Maxtor 6B200M0",
            "B4038RRH",
            "BANC1980",
            390_721_968,
            true,
            512,
            512,
            0x0000,
        ),
        (
            "maxtor_6b200m0_banc1by0",
            "Maxtor 6B200M0",
            "B41RVA1H",
            "BANC1BY0",
            398_297_088,
            true,
            512,
            512,
            0x0001,
        ),
        (
            "wdc_wd4000kd",
            "WDC WD4000KD-00NAB0",
            "WD-WMAMY1113566",
            "01.06A01",
            781_422_768,
            true,
            512,
            512,
            0x0001,
        ),
        (
            "seagate_st3400633as",
            "ST3400633AS",
            "3NF1QJ3E",
            "3.AAH",
            781_422_768,
            true,
            512,
            512,
            0x0001,
        ),
        (
            "hitachi_hde721010sla330",
            "Hitachi HDE721010SLA330",
            "STR607MS2APNLS",
            "ST6OA3AA",
            1_953_525_168,
            true,
            512,
            512,
            0x0009,
        ),
        (
            "hitachi_hua722010cla330_badsum",
            "Hitachi HUA722010CLA330",
            "JPW9K0HD26WMHL",
            "JP4OA3EA",
            1_953_525_168,
            true,
            512,
            512,
            0x0001,
        ),
        (
            "wdc_wd10ezex_512e",
            "WDC WD10EZEX-08WN4A0",
            "WD-WCC6Y2RF681K",
            "02.01A02",
            1_953_525_168,
            true,
            512,
            4096,
            0x0029,
        ),
        (
            "intel_ssdsa2cw120g3",
            "INTEL SSDSA2CW120G3",
            "CVPR109301UZ120LGN",
            "4PC10302",
            234_441_648,
            true,
            512,
            512,
            0x012b,
        ),
        (
            "samsung_860evo_500gb",
            "Samsung SSD 860 EVO 500GB",
            "S3Z1NB0K862928X",
            "RVT01B6Q",
            976_773_168,
            true,
            512,
            512,
            0x0029,
        ),
        (
            "samsung_870evo_2tb",
            "Samsung SSD 870 EVO 2TB",
            "S6PPNX0W203715P",
            "SVT02B6Q",
            3_907_029_168,
            true,
            512,
            512,
            0x0021,
        ),
        (
            "samsung_870qvo_4tb",
            "Samsung SSD 870 QVO 4TB",
            "S5STNF0W706332M",
            "SVQ02B6Q",
            7_814_037_168,
            true,
            512,
            512,
            0x0029,
        ),
        (
            "stardrive_sata_ssd",
            "SATA SSD",
            "A45A078A198600476509",
            "SBFM61.2",
            468_862_128,
            true,
            512,
            512,
            0x0029,
        ),
    ];

    #[test]
    fn real_drives_decode_as_their_ground_truth() {
        for &(file, model, serial, fw, sectors, lba48, logical, physical, w128) in TRUTH {
            let id = fixture(file);
            assert_eq!(
                (id.model.as_str(), id.serial.as_str(), id.firmware.as_str()),
                (model, serial, fw),
                "{file}"
            );
            assert_eq!((id.sectors, id.lba48), (sectors, lba48), "{file}");
            assert_eq!(
                (id.logical_sector, id.physical_sector),
                (logical, physical),
                "{file}"
            );
            let s = id.security;
            let bits = [
                s.supported,
                s.enabled,
                s.locked,
                s.frozen,
                s.count_expired,
                s.enhanced_erase,
            ];
            let want: Vec<bool> = (0..6).map(|b| w128 & (1 << b) != 0).collect();
            assert_eq!(bits.to_vec(), want, "{file}: security");
            assert_eq!(s.level_max, w128 & 0x100 != 0, "{file}");
            assert!(!id.sanitize.supported, "{file}: no dump reports SANITIZE");
            let sum_ok = !file.ends_with("badsum");
            assert_eq!(
                id.checksum == Checksum::Valid,
                sum_ok,
                "{file}: {:?}",
                id.checksum
            );
            assert!(id.dco, "{file}: every dump reports DCO");
            assert_eq!(id.hpa, file != "maxtor_6b200m0_banc1980", "{file}: HPA");
        }
    }

    #[test]
    fn wwn_rotation_and_erase_times() {
        assert_eq!(
            fixture("hitachi_hde721010sla330").wwn.as_deref(),
            Some("5000cca35ee10c0b")
        );
        assert_eq!(
            fixture("wdc_wd10ezex_512e").wwn.as_deref(),
            Some("50014ee211e8fd40")
        );
        // Supported but all zero: no WWN, not a WWN of zeros.
        assert_eq!(fixture("stardrive_sata_ssd").wwn, None);
        assert_eq!(fixture("toshiba_mk4025gas").wwn, None);
        assert_eq!(fixture("wdc_wd10ezex_512e").rotation, Some(7200));
        assert_eq!(fixture("samsung_860evo_500gb").rotation, Some(1));
        assert_eq!(fixture("maxtor_4r120l0").rotation, None);
        // 0x803d: the extended format, 61 × 2 minutes.
        let wd = fixture("wdc_wd10ezex_512e").security;
        assert_eq!(
            (wd.erase_minutes, wd.enhanced_erase_minutes),
            (Some(122), Some(122))
        );
        assert!(fixture("samsung_870evo_2tb").trim);
        assert!(!fixture("wdc_wd4000kd").trim);
    }

    #[test]
    fn seal_makes_a_valid_checksum_and_damage_breaks_it() {
        let text = std::fs::read_to_string(format!(
            "{}/fixtures/identify/samsung_870evo_2tb.hex",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let mut p = Page::from_hex_words(&text).unwrap();
        p.set(10, 0x4141);
        assert!(matches!(p.checksum(), Checksum::Invalid { .. }));
        p.seal();
        assert_eq!(p.checksum(), Checksum::Valid);
        assert_eq!(Identify::parse(&p).serial, "AAPPNX0W203715P");
        p.set(255, 0);
        assert_eq!(p.checksum(), Checksum::Absent);
    }

    #[test]
    fn short_or_malformed_input_is_no_page() {
        assert!(Page::from_bytes(&[0; 511]).is_none());
        assert!(Page::from_hex_words("0040 zz").is_none());
        assert!(Page::from_hex_words("0040 3fff").is_none());
    }
}
