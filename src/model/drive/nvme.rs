//! NVMe: the Identify Controller and Identify Namespace data structures (NVM Express
//! Base Specification 2.0, figures 275 and NVM Command Set 1.0 figure 97), decoded.

use serde::{Deserialize, Serialize};

/// What the controller can erase by itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    /// Format NVM supported (OACS bit 1).
    pub format: bool,
    /// FNA bit 0: a format applies to every namespace; bit 1: so does a secure erase;
    /// bit 2: cryptographic erase is supported as a format's secure erase setting.
    pub format_all_namespaces: bool,
    pub erase_all_namespaces: bool,
    pub format_crypto_erase: bool,
    /// SANICAP bits 0-2: the Sanitize command's crypto erase, block erase, overwrite.
    pub sanitize_crypto: bool,
    pub sanitize_block: bool,
    pub sanitize_overwrite: bool,
}

/// Identify Controller (CNS 01h).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Controller {
    pub vendor_id: u16,
    pub serial: String,
    pub model: String,
    pub firmware: String,
    pub namespaces: u32,
    pub capabilities: Capabilities,
}

/// Identify Namespace (CNS 00h).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Namespace {
    /// Namespace size, capacity and utilisation, in logical blocks.
    pub size: u64,
    pub capacity: u64,
    /// The LBA format in use (FLBAS), kept by a Format.
    pub lba_format: u8,
    pub lba_size: u32,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub nguid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub eui64: Option<String>,
}

fn le(b: &[u8], at: usize, n: usize) -> u64 {
    b[at..at + n].iter().rev().fold(0, |a, x| a << 8 | u64::from(*x))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .trim_matches(|c: char| c == '\0' || c.is_whitespace())
        .to_string()
}

fn id_hex(b: &[u8]) -> Option<String> {
    b.iter()
        .any(|x| *x != 0)
        .then(|| b.iter().map(|x| format!("{x:02x}")).collect())
}

impl Controller {
    pub fn parse(b: &[u8]) -> Option<Controller> {
        if b.len() < 4096 {
            return None;
        }
        let oacs = le(b, 256, 2);
        let fna = b[524];
        let sanicap = le(b, 328, 4);
        Some(Controller {
            vendor_id: le(b, 0, 2) as u16,
            serial: text(&b[4..24]),
            model: text(&b[24..64]),
            firmware: text(&b[64..72]),
            namespaces: le(b, 516, 4) as u32,
            capabilities: Capabilities {
                format: oacs & 2 != 0,
                format_all_namespaces: fna & 1 != 0,
                erase_all_namespaces: fna & 2 != 0,
                format_crypto_erase: fna & 4 != 0,
                sanitize_crypto: sanicap & 1 != 0,
                sanitize_block: sanicap & 2 != 0,
                sanitize_overwrite: sanicap & 4 != 0,
            },
        })
    }
}

impl Namespace {
    pub fn parse(b: &[u8]) -> Option<Namespace> {
        if b.len() < 4096 {
            return None;
        }
        let nlbaf = usize::from(b[25]);
        let flbas = b[26];
        // The format in use: bits 3:0, with bits 6:5 as its upper bits when there
        // are more than 16 formats.
        let index = usize::from(flbas & 0x0f) | usize::from(flbas >> 5 & 3) << 4;
        if index > nlbaf {
            return None;
        }
        let lbads = b[128 + 4 * index + 2];
        // An LBA data size below 512 bytes (2^9) is not a valid format.
        let lba_size = if (9..32).contains(&lbads) {
            1u32 << lbads
        } else {
            return None;
        };
        Some(Namespace {
            size: le(b, 0, 8),
            capacity: le(b, 8, 8),
            lba_format: index as u8,
            lba_size,
            nguid: id_hex(&b[104..120]),
            eui64: id_hex(&b[120..128]),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex_file(name: &str) -> Vec<u8> {
        let path = format!("{}/fixtures/nvme/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path)
            .unwrap()
            .split_whitespace()
            .map(|t| u8::from_str_radix(t, 16).unwrap())
            .collect()
    }

    #[test]
    fn short_pages_are_refused() {
        assert_eq!(Controller::parse(&[0; 100]), None);
        assert_eq!(Namespace::parse(&[0; 4095]), None);
    }

    #[test]
    fn a_namespace_with_an_invalid_format_is_none() {
        let mut b = vec![0u8; 4096];
        b[128 + 2] = 3; // 8-byte blocks: not a format
        assert_eq!(Namespace::parse(&b), None);
        b[128 + 2] = 12;
        b[0] = 0x10;
        let ns = Namespace::parse(&b).unwrap();
        assert_eq!((ns.size, ns.lba_size, ns.eui64), (16, 4096, None));
    }

    #[test]
    fn synthetic_controller_page_decodes() {
        let b = hex_file("synthetic_ctrl_sanitize.hex");
        let c = Controller::parse(&b).unwrap();
        assert_eq!(c.serial, "MSNVMESYN0001");
        assert_eq!(c.model, "mediasan synthetic NVMe");
        assert_eq!(c.firmware, "1.0");
        let caps = c.capabilities;
        assert!(caps.format && caps.format_crypto_erase && caps.erase_all_namespaces);
        assert!(caps.sanitize_crypto && caps.sanitize_block && !caps.sanitize_overwrite);
    }
}
