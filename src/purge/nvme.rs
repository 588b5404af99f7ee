//! NVMe firmware erase: Format NVM with a secure erase setting, and Sanitize with its
//! status log, over the admin ioctl (NVM Express Base Specification 2.0, 5.23, 5.24 and
//! the Sanitize Status log, 5.16.1.25).

use super::ata::{Done, Failed, Refused};
use crate::device::nvme::{FORMAT_NVM, GET_LOG_PAGE, SANITIZE, SANITIZE_STATUS_LOG};
use crate::device::transport::{NvmeAdmin, Transport};
use crate::identify::nvme::Controller;

/// Format NVM's Secure Erase Settings (CDW10 bits 11:9).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecureErase {
    UserData = 1,
    Crypto = 2,
}

/// The Sanitize actions (CDW10 bits 2:0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SanitizeAction {
    ExitFailureMode = 1,
    BlockErase = 2,
    Overwrite = 3,
    CryptoErase = 4,
}

/// Whether the controller offers what is asked (Identify Controller's OACS, FNA, SANICAP).
pub fn check_format(c: &Controller, ses: SecureErase) -> Result<(), Refused> {
    let caps = c.capabilities;
    if !caps.format {
        return Err(Refused {
            why: crate::said!("erase-no-format"),
            what_to_do: crate::t!("erase-use-another"),
        });
    }
    if ses == SecureErase::Crypto && !caps.format_crypto_erase {
        return Err(Refused {
            why: crate::said!("erase-no-format-crypto"),
            what_to_do: crate::t!("erase-no-format-crypto-hint"),
        });
    }
    Ok(())
}

pub fn check_sanitize(c: &Controller, action: SanitizeAction) -> Result<(), Refused> {
    let caps = c.capabilities;
    let offered = match action {
        SanitizeAction::BlockErase => caps.sanitize_block,
        SanitizeAction::Overwrite => caps.sanitize_overwrite,
        SanitizeAction::CryptoErase => caps.sanitize_crypto,
        SanitizeAction::ExitFailureMode => true,
    };
    if offered {
        Ok(())
    } else {
        Err(Refused {
            why: crate::said!("erase-no-nvme-sanitize", action = format!("{action:?}")),
            what_to_do: crate::t!("erase-scan-lists"),
        })
    }
}

/// Format NVM of namespace `nsid` in its current LBA format `lbaf`, with `ses`.
pub fn format_command(nsid: u32, lbaf: u8, ses: SecureErase, timeout_ms: u32) -> NvmeAdmin {
    let lbaf = u32::from(lbaf);
    NvmeAdmin {
        opcode: FORMAT_NVM,
        nsid,
        // LBAF bits 3:0 and its upper bits 13:12; no metadata, no protection.
        cdw10: (lbaf & 0xf) | (ses as u32) << 9 | (lbaf >> 4 & 3) << 12,
        cdw11: 0,
        timeout_ms,
    }
}

/// Sanitize (it applies to the whole NVM subsystem: NSID 0); overwrite: one pass of
/// zeros (CDW11), no inverting.
pub fn sanitize_command(action: SanitizeAction) -> NvmeAdmin {
    let owpass = if action == SanitizeAction::Overwrite { 1 } else { 0 };
    NvmeAdmin {
        opcode: SANITIZE,
        nsid: 0,
        cdw10: action as u32 | owpass << 4,
        cdw11: 0,
        timeout_ms: 30_000,
    }
}

/// The Sanitize Status log (512 bytes), decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SanitizeLog {
    /// Progress in 1/65536ths.
    pub progress: u16,
    /// SSTAT bits 2:0: 0 never sanitized, 1 completed, 2 in progress, 3 failed,
    /// 4 completed without deallocation.
    pub status: u8,
    /// The controller's estimates in seconds (`None`: no estimate, FFFFFFFFh).
    pub overwrite_seconds: Option<u32>,
    pub block_erase_seconds: Option<u32>,
    pub crypto_erase_seconds: Option<u32>,
}

impl SanitizeLog {
    pub fn parse(b: &[u8]) -> Option<SanitizeLog> {
        if b.len() < 20 {
            return None;
        }
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let estimate = |i: usize| Some(u32_at(i)).filter(|v| *v != u32::MAX);
        Some(SanitizeLog {
            progress: u16::from_le_bytes([b[0], b[1]]),
            status: b[2] & 7,
            overwrite_seconds: estimate(8),
            block_erase_seconds: estimate(12),
            crypto_erase_seconds: estimate(16),
        })
    }

    pub fn describe(&self) -> &'static str {
        match self.status {
            0 => "never sanitized",
            1 => "completed successfully",
            2 => "in progress",
            3 => "failed",
            4 => "completed without deallocation",
            _ => "a status the standard does not name",
        }
    }
}

/// Get Log Page for the Sanitize Status log (512 bytes: NUMDL = 127 dwords - 1).
pub fn sanitize_log_command() -> NvmeAdmin {
    NvmeAdmin {
        opcode: GET_LOG_PAGE,
        nsid: 0xffff_ffff,
        cdw10: SANITIZE_STATUS_LOG | 127 << 16,
        cdw11: 0,
        timeout_ms: 15_000,
    }
}

/// Sends Format NVM and reads how it ended: the NVMe status must be 0.
pub fn format(
    t: &mut dyn Transport,
    nsid: u32,
    lbaf: u8,
    ses: SecureErase,
    timeout_ms: u32,
) -> Result<Done, Failed> {
    let cmd = format_command(nsid, lbaf, ses, timeout_ms);
    match t.nvme_admin(&cmd, &mut []) {
        Ok(r) if r.status == 0 => Ok(Done {
            technique: format!(
                "NVMe Format NVM, namespace {nsid}, LBA format {lbaf}, secure erase setting {} ({})",
                ses as u8,
                if ses == SecureErase::Crypto {
                    "cryptographic erase"
                } else {
                    "user data erase"
                }
            ),
            status: "completed, NVMe status 0".into(),
        }),
        Ok(r) => Err(Failed {
            why: format!("Format NVM: NVMe status {:#06x}", r.status),
            recovery: None,
        }),
        Err(e) => Err(Failed {
            why: format!("Format NVM: the admin ioctl failed: {e}"),
            recovery: None,
        }),
    }
}

/// Reads the Sanitize Status log.
pub fn sanitize_log(t: &mut dyn Transport) -> Result<SanitizeLog, String> {
    let mut buf = vec![0u8; 512];
    match t.nvme_admin(&sanitize_log_command(), &mut buf) {
        Ok(r) if r.status == 0 => SanitizeLog::parse(&buf).ok_or_else(|| "a short sanitize log".to_string()),
        Ok(r) => Err(format!(
            "Get Log Page (sanitize status): NVMe status {:#06x}",
            r.status
        )),
        Err(e) => Err(format!("Get Log Page (sanitize status): {e}")),
    }
}

/// Starts a Sanitize and polls the Sanitize Status log until it ends (or `give_up`).
pub fn sanitize(
    t: &mut dyn Transport,
    action: SanitizeAction,
    poll: std::time::Duration,
    give_up: std::time::Duration,
    node: &str,
) -> Result<Done, Failed> {
    match t.nvme_admin(&sanitize_command(action), &mut []) {
        Ok(r) if r.status == 0 => {}
        Ok(r) => {
            return Err(Failed {
                why: format!("Sanitize: NVMe status {:#06x}", r.status),
                recovery: None,
            })
        }
        Err(e) => {
            return Err(Failed {
                why: format!("Sanitize: the admin ioctl failed: {e}"),
                recovery: None,
            })
        }
    }
    wait_sanitize(t, action, poll, give_up, node)
}

/// How long to follow a sanitize: three times the controller's estimate for the action,
/// at least ten minutes; 48 hours when it gives none.
pub fn give_up(log: Option<&SanitizeLog>, action: SanitizeAction) -> std::time::Duration {
    let estimate = log.and_then(|l| match action {
        SanitizeAction::Overwrite => l.overwrite_seconds,
        SanitizeAction::BlockErase => l.block_erase_seconds,
        SanitizeAction::CryptoErase => l.crypto_erase_seconds,
        _ => None,
    });
    std::time::Duration::from_secs(estimate.map_or(48 * 3600, |s| (u64::from(s) * 3).max(600)))
}

/// Polls the Sanitize Status log until the sanitize ends (or `give_up`): one this run
/// sent, or one that went on across an interruption (`wipe --resume`).
pub fn wait_sanitize(
    t: &mut dyn Transport,
    action: SanitizeAction,
    poll: std::time::Duration,
    give_up: std::time::Duration,
    node: &str,
) -> Result<Done, Failed> {
    let recovery = format!(
        "a failed sanitize leaves the controller in the sanitize failure mode; leave it with: nvme sanitize {node} --sanact=1 \
         (then run the sanitize again); it survives a power cycle by design"
    );
    super::follow(poll, give_up, node, || match sanitize_log(t) {
        Err(why) => super::Step::Ended(Err(Failed {
            why,
            recovery: Some(recovery.clone()),
        })),
        Ok(log) => match log.status {
            1 | 4 => super::Step::Ended(Ok(Done {
                technique: format!("NVMe Sanitize, action {action:?}"),
                status: format!("sanitize status: {}", log.describe()),
            })),
            2 => super::Step::Running,
            _ => super::Step::Ended(Err(Failed {
                why: format!("sanitize status: {}", log.describe()),
                recovery: Some(recovery.clone()),
            })),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_carry_their_fields_where_the_specification_puts_them() {
        let f = format_command(1, 0, SecureErase::UserData, 60_000);
        assert_eq!((f.opcode, f.nsid, f.cdw10), (0x80, 1, 1 << 9));
        // LBA format 18: bits 3:0 = 2, bits 13:12 = 1; crypto erase: SES = 2.
        assert_eq!(
            format_command(1, 18, SecureErase::Crypto, 0).cdw10,
            2 | 2 << 9 | 1 << 12
        );
        assert_eq!(sanitize_command(SanitizeAction::CryptoErase).cdw10, 4);
        assert_eq!(sanitize_command(SanitizeAction::Overwrite).cdw10, 3 | 1 << 4);
        assert_eq!(sanitize_command(SanitizeAction::BlockErase).nsid, 0);
        let l = sanitize_log_command();
        assert_eq!((l.opcode, l.cdw10 & 0xff, l.cdw10 >> 16), (0x02, 0x81, 127));
    }

    #[test]
    fn the_sanitize_log_decodes_and_says_no_estimate_as_none() {
        let mut b = [0u8; 512];
        b[0..2].copy_from_slice(&0x8000u16.to_le_bytes());
        b[2] = 2;
        b[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        b[12..16].copy_from_slice(&120u32.to_le_bytes());
        let l = SanitizeLog::parse(&b).unwrap();
        assert_eq!((l.progress, l.describe()), (0x8000, "in progress"));
        assert_eq!((l.overwrite_seconds, l.block_erase_seconds), (None, Some(120)));
        assert_eq!(SanitizeLog::parse(&b[..19]), None);
    }

    /// A controller that answers Sanitize, then its log: in progress twice, then `end`.
    struct Controller2 {
        end: u8,
        polls: u32,
        sent: Vec<u8>,
    }

    impl Transport for Controller2 {
        fn scsi(
            &mut self,
            _: &[u8],
            _: crate::device::transport::Data<'_>,
            _: u32,
        ) -> std::io::Result<crate::device::transport::ScsiReply> {
            Err(std::io::Error::from_raw_os_error(libc::ENOTTY))
        }
        fn nvme_admin(
            &mut self,
            cmd: &NvmeAdmin,
            data: &mut [u8],
        ) -> std::io::Result<crate::device::transport::NvmeReply> {
            self.sent.push(cmd.opcode);
            if cmd.opcode == GET_LOG_PAGE {
                self.polls += 1;
                data[2] = if self.polls < 3 { 2 } else { self.end };
            }
            Ok(Default::default())
        }
    }

    #[test]
    fn a_sanitize_is_polled_through_its_log_to_its_end() {
        let (zero, give_up) = (std::time::Duration::ZERO, std::time::Duration::from_secs(5));
        // A controller whose log says `end` after its first polls.
        let controller = |end| Controller2 {
            end,
            polls: 0,
            sent: Vec::new(),
        };
        let mut c = controller(1);
        let d = sanitize(&mut c, SanitizeAction::BlockErase, zero, give_up, "/dev/nvme0n1").unwrap();
        assert!(d.status.contains("completed successfully"), "{d:?}");
        assert_eq!(c.sent, [SANITIZE, GET_LOG_PAGE, GET_LOG_PAGE, GET_LOG_PAGE]);
        let mut c = controller(3);
        let e = sanitize(&mut c, SanitizeAction::CryptoErase, zero, give_up, "/dev/nvme0n1").unwrap_err();
        assert!(e.why.contains("failed"), "{e}");
        assert!(e.recovery.unwrap().contains("--sanact=1"));
        // Resumed: the log is followed, no Sanitize sent again.
        let mut c = controller(1);
        wait_sanitize(&mut c, SanitizeAction::BlockErase, zero, give_up, "/dev/nvme0n1").unwrap();
        assert!(!c.sent.contains(&SANITIZE), "{:?}", c.sent);
    }

    #[test]
    fn the_time_followed_comes_from_the_controllers_estimate() {
        let mut b = vec![0u8; 512];
        b[12..16].copy_from_slice(&1000u32.to_le_bytes()); // block erase: 1000 s
        b[8..12].copy_from_slice(&u32::MAX.to_le_bytes()); // overwrite: no estimate
        b[16..20].copy_from_slice(&10u32.to_le_bytes()); // crypto erase: 10 s
        let log = SanitizeLog::parse(&b).unwrap();
        let secs = |a| give_up(Some(&log), a).as_secs();
        assert_eq!(secs(SanitizeAction::BlockErase), 3000);
        assert_eq!(secs(SanitizeAction::Overwrite), 48 * 3600);
        assert_eq!(secs(SanitizeAction::CryptoErase), 600);
        assert_eq!(give_up(None, SanitizeAction::BlockErase).as_secs(), 48 * 3600);
    }

    #[test]
    fn qemus_controller_offers_format_and_no_sanitize() {
        let text = std::fs::read_to_string(format!(
            "{}/fixtures/sense/nvme-identify-ctrl.hex",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let b: Vec<u8> = text
            .split_whitespace()
            .map(|t| u8::from_str_radix(t, 16).unwrap())
            .collect();
        let c = Controller::parse(&b).unwrap();
        check_format(&c, SecureErase::UserData).unwrap();
        assert!(check_format(&c, SecureErase::Crypto).is_err());
        assert!(check_sanitize(&c, SanitizeAction::BlockErase)
            .unwrap_err()
            .why
            .en()
            .contains("does not offer"));
    }
}
