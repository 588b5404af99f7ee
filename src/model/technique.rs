//! How a wipe erases: the host's overwrite, or one of the drive's own commands. One
//! table, [`TECHNIQUES`], says of each its name, what the drive is sent, the category it
//! reaches, how strong `auto` takes it to be and whether a drive offers it; `wipe
//! --technique`, `methods`, `scan`'s erase commands, the checks and `auto` all read it.
//! Adding a technique is a variant, a row, its two messages and, in purge, its command.

use serde::{Deserialize, Serialize};

use super::drive::Drive;
use crate::i18n::Said;

/// How a wipe erases.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Technique {
    /// Overwrite through the host with the method's passes (NIST Clear).
    #[default]
    Overwrite,
    /// The strongest firmware erase the drive offers (said before confirmation).
    Auto,
    /// NVMe Format NVM, secure erase setting 1 (user data erase).
    NvmeFormatUser,
    /// NVMe Format NVM, secure erase setting 2 (cryptographic erase).
    NvmeFormatCrypto,
    /// NVMe Sanitize, crypto erase.
    NvmeSanitizeCrypto,
    /// NVMe Sanitize, block erase.
    NvmeSanitizeBlock,
    /// NVMe Sanitize, overwrite (one pass of zeros).
    NvmeSanitizeOverwrite,
    /// ATA SECURITY ERASE UNIT, normal.
    AtaSecureErase,
    /// ATA SECURITY ERASE UNIT, enhanced.
    AtaSecureEraseEnhanced,
    /// ATA SANITIZE CRYPTO SCRAMBLE EXT.
    AtaSanitizeCrypto,
    /// ATA SANITIZE BLOCK ERASE EXT.
    AtaSanitizeBlock,
    /// ATA SANITIZE OVERWRITE EXT (one pass of zeros).
    AtaSanitizeOverwrite,
    /// SCSI SANITIZE, cryptographic erase.
    ScsiSanitizeCrypto,
    /// SCSI SANITIZE, block erase.
    ScsiSanitizeBlock,
    /// SCSI SANITIZE, overwrite (one pass of zeros).
    ScsiSanitizeOverwrite,
}

/// The three kinds of sanitize every command set has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sanitize {
    Crypto,
    Block,
    Overwrite,
}

/// What the drive is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Nothing: the host writes the method's passes.
    Overwrite,
    /// Nothing yet: the strongest row a drive offers is chosen.
    Auto,
    AtaSecurityErase {
        enhanced: bool,
    },
    AtaSanitize(Sanitize),
    NvmeFormat {
        crypto: bool,
    },
    NvmeSanitize(Sanitize),
    ScsiSanitize(Sanitize),
}

/// One row of the table.
pub struct Spec {
    pub technique: Technique,
    /// As `--technique` takes it and records keep it.
    pub name: &'static str,
    pub command: Command,
    /// Rank for `auto`: 1 is tried first; 0 for the two that are not firmware commands.
    pub strength: u8,
    /// Whether a drive says it can (its capability bits, not its state now).
    pub offered: fn(&Drive) -> bool,
    /// What the operator reads about it (records keep its English).
    pub describe: fn() -> Said,
}

fn never(_: &Drive) -> bool {
    false
}

fn ata(d: &Drive, f: fn(&super::drive::ata::Identify) -> bool) -> bool {
    d.ata.known().is_some_and(|a| f(&a.identify))
}

fn nvme(d: &Drive, f: fn(&super::drive::nvme::Capabilities) -> bool) -> bool {
    d.nvme.known().is_some_and(|n| f(&n.controller.capabilities))
}

fn scsi(d: &Drive, f: fn(&super::drive::ScsiSanitize) -> bool) -> bool {
    d.scsi.known().is_some_and(|s| f(&s.sanitize))
}

/// Every technique, in the order `scan` lists what a drive offers; `auto` tries the
/// firmware ones by [`Spec::strength`].
pub const TECHNIQUES: [Spec; 15] = [
    Spec {
        technique: Technique::Overwrite,
        name: "overwrite",
        command: Command::Overwrite,
        strength: 0,
        offered: never,
        describe: || crate::said!("technique-overwrite"),
    },
    Spec {
        technique: Technique::Auto,
        name: "auto",
        command: Command::Auto,
        strength: 0,
        offered: never,
        describe: || crate::said!("technique-auto"),
    },
    Spec {
        technique: Technique::AtaSanitizeCrypto,
        name: "ata-sanitize-crypto",
        command: Command::AtaSanitize(Sanitize::Crypto),
        strength: 1,
        offered: |d| ata(d, |i| i.sanitize.supported && i.sanitize.crypto_scramble),
        describe: || crate::said!("technique-ata-sanitize-crypto"),
    },
    Spec {
        technique: Technique::AtaSanitizeBlock,
        name: "ata-sanitize-block",
        command: Command::AtaSanitize(Sanitize::Block),
        strength: 5,
        offered: |d| ata(d, |i| i.sanitize.supported && i.sanitize.block_erase),
        describe: || crate::said!("technique-ata-sanitize-block"),
    },
    Spec {
        technique: Technique::AtaSanitizeOverwrite,
        name: "ata-sanitize-overwrite",
        command: Command::AtaSanitize(Sanitize::Overwrite),
        strength: 10,
        offered: |d| ata(d, |i| i.sanitize.supported && i.sanitize.overwrite),
        describe: || crate::said!("technique-ata-sanitize-overwrite"),
    },
    Spec {
        technique: Technique::AtaSecureErase,
        name: "ata-secure-erase",
        command: Command::AtaSecurityErase { enhanced: false },
        strength: 13,
        offered: |d| ata(d, |i| i.security.supported),
        describe: || crate::said!("technique-ata-secure-erase"),
    },
    Spec {
        technique: Technique::AtaSecureEraseEnhanced,
        name: "ata-secure-erase-enhanced",
        command: Command::AtaSecurityErase { enhanced: true },
        strength: 12,
        offered: |d| ata(d, |i| i.security.supported && i.security.enhanced_erase),
        describe: || crate::said!("technique-ata-secure-erase-enhanced"),
    },
    Spec {
        technique: Technique::NvmeSanitizeCrypto,
        name: "nvme-sanitize-crypto",
        command: Command::NvmeSanitize(Sanitize::Crypto),
        strength: 2,
        offered: |d| nvme(d, |c| c.sanitize_crypto),
        describe: || crate::said!("technique-nvme-sanitize-crypto"),
    },
    Spec {
        technique: Technique::NvmeSanitizeBlock,
        name: "nvme-sanitize-block",
        command: Command::NvmeSanitize(Sanitize::Block),
        strength: 6,
        offered: |d| nvme(d, |c| c.sanitize_block),
        describe: || crate::said!("technique-nvme-sanitize-block"),
    },
    Spec {
        technique: Technique::NvmeSanitizeOverwrite,
        name: "nvme-sanitize-overwrite",
        command: Command::NvmeSanitize(Sanitize::Overwrite),
        strength: 9,
        offered: |d| nvme(d, |c| c.sanitize_overwrite),
        describe: || crate::said!("technique-nvme-sanitize-overwrite"),
    },
    Spec {
        technique: Technique::NvmeFormatUser,
        name: "nvme-format-user",
        command: Command::NvmeFormat { crypto: false },
        strength: 8,
        offered: |d| nvme(d, |c| c.format),
        describe: || crate::said!("technique-nvme-format-user"),
    },
    Spec {
        technique: Technique::NvmeFormatCrypto,
        name: "nvme-format-crypto",
        command: Command::NvmeFormat { crypto: true },
        strength: 4,
        offered: |d| nvme(d, |c| c.format && c.format_crypto_erase),
        describe: || crate::said!("technique-nvme-format-crypto"),
    },
    Spec {
        technique: Technique::ScsiSanitizeCrypto,
        name: "scsi-sanitize-crypto",
        command: Command::ScsiSanitize(Sanitize::Crypto),
        strength: 3,
        offered: |d| scsi(d, |s| s.crypto_erase),
        describe: || crate::said!("technique-scsi-sanitize-crypto"),
    },
    Spec {
        technique: Technique::ScsiSanitizeBlock,
        name: "scsi-sanitize-block",
        command: Command::ScsiSanitize(Sanitize::Block),
        strength: 7,
        offered: |d| scsi(d, |s| s.block_erase),
        describe: || crate::said!("technique-scsi-sanitize-block"),
    },
    Spec {
        technique: Technique::ScsiSanitizeOverwrite,
        name: "scsi-sanitize-overwrite",
        command: Command::ScsiSanitize(Sanitize::Overwrite),
        strength: 11,
        offered: |d| scsi(d, |s| s.overwrite),
        describe: || crate::said!("technique-scsi-sanitize-overwrite"),
    },
];

impl Technique {
    /// Its row of [`TECHNIQUES`].
    pub fn spec(self) -> &'static Spec {
        // Every variant has its row (a test holds the table to it).
        TECHNIQUES
            .iter()
            .find(|s| s.technique == self)
            .unwrap_or(&TECHNIQUES[0])
    }

    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn command(self) -> Command {
        self.spec().command
    }

    /// Every firmware technique, strongest first (the order `auto` tries them in).
    pub fn firmware() -> Vec<Technique> {
        let mut rows: Vec<&Spec> = TECHNIQUES.iter().filter(|s| s.strength > 0).collect();
        rows.sort_by_key(|s| s.strength);
        rows.into_iter().map(|s| s.technique).collect()
    }

    pub fn is_firmware(self) -> bool {
        !matches!(self.command(), Command::Overwrite)
    }

    pub fn is_security_erase(self) -> bool {
        matches!(self.command(), Command::AtaSecurityErase { .. })
    }

    /// Whether the drive goes on with it by itself after an interruption of mediasan
    /// or a power cycle, so that `wipe --resume` waits for it rather than sending it again.
    pub fn is_sanitize(self) -> bool {
        matches!(
            self.command(),
            Command::AtaSanitize(_) | Command::NvmeSanitize(_) | Command::ScsiSanitize(_)
        )
    }

    /// The sanitization category the technique reaches when it completes and its
    /// readback holds: `purge` for SANITIZE and Format with secure erase, whose effect the
    /// standards define over all user data; `clear` for SECURITY ERASE UNIT, whose reach
    /// (reallocated sectors, over-provisioning) each vendor decides (docs/purge.md).
    pub fn category(self) -> &'static str {
        match self.command() {
            Command::Overwrite | Command::AtaSecurityErase { .. } => "clear",
            Command::Auto => "that of the technique chosen",
            _ => "purge",
        }
    }

    /// What the operator reads about each, for `mediasan methods` (records keep its English).
    pub fn describe(self) -> Said {
        (self.spec().describe)()
    }
}

impl Drive {
    /// The firmware erase commands the drive offers, by the names `--technique` takes.
    pub fn erase_commands(&self) -> Vec<&'static str> {
        TECHNIQUES
            .iter()
            .filter(|s| (s.offered)(self))
            .map(|s| s.name)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_technique_has_one_row_and_names_are_unique() {
        use clap::ValueEnum;
        for t in Technique::value_variants() {
            assert_eq!(
                TECHNIQUES.iter().filter(|s| s.technique == *t).count(),
                1,
                "{t:?}"
            );
            // The name is clap's: what --technique takes.
            assert_eq!(t.to_possible_value().unwrap().get_name(), t.name());
        }
        let mut strengths: Vec<u8> = TECHNIQUES.iter().map(|s| s.strength).filter(|s| *s > 0).collect();
        strengths.sort_unstable();
        assert_eq!(strengths, (1..=13).collect::<Vec<u8>>());
    }

    #[test]
    fn auto_tries_the_strongest_first() {
        assert_eq!(
            Technique::firmware(),
            [
                Technique::AtaSanitizeCrypto,
                Technique::NvmeSanitizeCrypto,
                Technique::ScsiSanitizeCrypto,
                Technique::NvmeFormatCrypto,
                Technique::AtaSanitizeBlock,
                Technique::NvmeSanitizeBlock,
                Technique::ScsiSanitizeBlock,
                Technique::NvmeFormatUser,
                Technique::NvmeSanitizeOverwrite,
                Technique::AtaSanitizeOverwrite,
                Technique::ScsiSanitizeOverwrite,
                Technique::AtaSecureEraseEnhanced,
                Technique::AtaSecureErase,
            ]
        );
    }
}
