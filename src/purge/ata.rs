//! ATA firmware erase: SECURITY ERASE UNIT (normal and enhanced) and SANITIZE (crypto
//! scramble, block erase, overwrite), as command sequences over a [`Transport`], each
//! step checked; refusals decided from IDENTIFY before anything is sent.
//!
//! A security erase needs a user password set first. mediasan sets a random temporary
//! one and clears it again whatever happens after; if it cannot, the error says the
//! password and the command that unlocks the drive. A drive is never left locked by
//! mediasan without the operator knowing how to open it.

use std::fmt;
use std::time::Duration;

use crate::device::ata::{op, Taskfile};
use crate::device::passthrough::{self, AtaError, Protocol, PROBE_TIMEOUT_MS};
use crate::device::transport::{Data, Transport};
use crate::identify::ata::Identify;

/// Why a firmware erase is not even tried, with what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// Why, English for a record and in the operator's language to show.
    pub why: crate::i18n::Said,
    pub what_to_do: String,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.why, self.what_to_do)
    }
}

fn refused(why: crate::i18n::Said, what_to_do: impl Into<String>) -> Refused {
    Refused {
        why,
        what_to_do: what_to_do.into(),
    }
}

/// Whether SECURITY ERASE UNIT can be sent to the drive `id` describes.
pub fn check_security_erase(id: &Identify, enhanced: bool) -> Result<(), Refused> {
    let s = &id.security;
    if !s.supported {
        return Err(refused(
            crate::said!("erase-no-security"),
            crate::t!("erase-use-another"),
        ));
    }
    if s.locked {
        return Err(refused(
            crate::said!("erase-locked"),
            crate::t!("erase-locked-hint"),
        ));
    }
    if s.frozen {
        return Err(refused(
            crate::said!("erase-frozen"),
            crate::t!("erase-power-cycle"),
        ));
    }
    if s.enabled {
        return Err(refused(
            crate::said!("erase-password-set"),
            crate::t!("erase-password-set-hint"),
        ));
    }
    if s.count_expired {
        return Err(refused(
            crate::said!("erase-attempts-exhausted"),
            crate::t!("erase-attempts-exhausted-hint"),
        ));
    }
    if enhanced && !s.enhanced_erase {
        return Err(refused(
            crate::said!("erase-no-enhanced"),
            crate::t!("erase-no-enhanced-hint"),
        ));
    }
    Ok(())
}

/// Whether a SANITIZE of `kind` can be sent.
pub fn check_sanitize(id: &Identify, kind: SanitizeKind) -> Result<(), Refused> {
    let s = &id.sanitize;
    let offered = match kind {
        SanitizeKind::Crypto => s.crypto_scramble,
        SanitizeKind::Block => s.block_erase,
        SanitizeKind::Overwrite => s.overwrite,
    };
    if !s.supported || !offered {
        return Err(refused(
            crate::said!("erase-no-sanitize", kind = kind.name()),
            crate::t!("erase-scan-lists"),
        ));
    }
    if id.security.locked {
        return Err(refused(
            crate::said!("erase-locked"),
            crate::t!("erase-locked-hint"),
        ));
    }
    Ok(())
}

/// The three SANITIZE operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SanitizeKind {
    Crypto,
    Block,
    Overwrite,
}

impl SanitizeKind {
    pub fn name(self) -> &'static str {
        match self {
            SanitizeKind::Crypto => "CRYPTO SCRAMBLE",
            SanitizeKind::Block => "BLOCK ERASE",
            SanitizeKind::Overwrite => "OVERWRITE",
        }
    }
}

/// A user password of 32 bytes: printable, so that a person can type it to unlock.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(pub [u8; 32]);

impl Password {
    /// `mediasan-` and 16 random hex digits, NUL-padded.
    pub fn random() -> std::io::Result<Password> {
        let mut r = [0u8; 8];
        crate::entropy::fill(&mut r)?;
        let text = format!(
            "mediasan-{}",
            r.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let mut p = [0u8; 32];
        p[..text.len()].copy_from_slice(text.as_bytes());
        Ok(Password(p))
    }

    /// The password as a person types it (and as a journal keeps it).
    pub fn from_text(text: &str) -> Option<Password> {
        let b = text.as_bytes();
        (b.len() <= 32).then(|| {
            let mut p = [0u8; 32];
            p[..b.len()].copy_from_slice(b);
            Password(p)
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0)
            .trim_end_matches('\0')
            .to_string()
    }
}

impl fmt::Debug for Password {
    // A password is never printed by accident.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Password(…)")
    }
}

/// The 512-byte data block of the security commands: word 0 control bits, words 1-16
/// the password.
fn security_block(control: u16, p: &Password) -> [u8; 512] {
    let mut b = [0u8; 512];
    b[..2].copy_from_slice(&control.to_le_bytes());
    b[2..34].copy_from_slice(&p.0);
    b
}

fn out(t: &mut dyn Transport, command: u8, block: &[u8; 512], timeout_ms: u32) -> Result<(), AtaError> {
    let tf = Taskfile {
        command,
        count: 1,
        device: 0x40,
        ..Default::default()
    };
    passthrough::ata(t, &tf, Protocol::PioOut, Data::Out(block), false, timeout_ms).map(|_| ())
}

fn non_data(t: &mut dyn Transport, tf: &Taskfile, timeout_ms: u32) -> Result<Option<Taskfile>, AtaError> {
    passthrough::ata(t, tf, Protocol::NonData, Data::None, true, timeout_ms)
}

/// What a firmware erase did, as the drive reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Done {
    /// The command with its parameters, for the certificate.
    pub technique: String,
    /// The drive's completion status in words.
    pub status: String,
}

/// Why a firmware erase failed after something was sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failed {
    pub why: String,
    /// How to get the drive back, when mediasan could not (a password left set).
    pub recovery: Option<String>,
}

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.recovery {
            Some(r) => write!(f, "{}; {r}", self.why),
            None => write!(f, "{}", self.why),
        }
    }
}

/// The time SECURITY ERASE UNIT is given: the drive's own estimate (IDENTIFY words 89/90),
/// doubled, at least 10 minutes; 12 hours when it gives none.
pub fn erase_timeout_ms(id: &Identify, enhanced: bool) -> u32 {
    let minutes = if enhanced {
        id.security.enhanced_erase_minutes
    } else {
        id.security.erase_minutes
    };
    minutes.map_or(12 * 3600 * 1000, |m| (m.max(5) * 2 * 60 * 1000).min(u32::MAX / 2))
}

/// SECURITY ERASE UNIT with a temporary user password, cleared again after.
/// `id` must have passed [`check_security_erase`]; `node` names the device in the
/// recovery command.
pub fn security_erase(
    t: &mut dyn Transport,
    id: &Identify,
    enhanced: bool,
    password: &Password,
    node: &str,
) -> Result<Done, Failed> {
    let fail = |why: String| Failed { why, recovery: None };
    // SET PASSWORD: user password (bit 0 = 0), security level high (bit 8 = 0).
    out(
        t,
        op::SECURITY_SET_PASSWORD,
        &security_block(0, password),
        PROBE_TIMEOUT_MS,
    )
    .map_err(|e| fail(format!("SECURITY SET PASSWORD: {e}")))?;
    let now = crate::identify::ata_identify(t);
    if !now.as_ref().is_ok_and(|n| n.security.enabled) {
        // The drive did not take it (or cannot say): clear it in case it did.
        let _ = out(
            t,
            op::SECURITY_DISABLE_PASSWORD,
            &security_block(0, password),
            PROBE_TIMEOUT_MS,
        );
        return Err(fail(
            "the drive did not take the temporary password: nothing was erased".into(),
        ));
    }
    // From here a password is set: every way out clears it.
    let timeout = erase_timeout_ms(id, enhanced);
    let erased = non_data(
        t,
        &Taskfile {
            command: op::SECURITY_ERASE_PREPARE,
            device: 0x40,
            ..Default::default()
        },
        PROBE_TIMEOUT_MS,
    )
    .map_err(|e| format!("SECURITY ERASE PREPARE: {e}"))
    .and_then(|_| {
        out(
            t,
            op::SECURITY_ERASE_UNIT,
            &security_block(u16::from(enhanced) << 1, password),
            timeout,
        )
        .map_err(|e| format!("SECURITY ERASE UNIT: {e}"))
    });
    // A successful erase disables security; whatever happened, the password must go.
    let after = crate::identify::ata_identify(t).map(|n| n.security);
    let cleared = match after {
        Ok(s) if !s.enabled => Ok(()),
        _ => clear_password(t, password),
    };
    let recovery = cleared.err().map(|e| {
        format!(
            "the drive may still be locked with mediasan's temporary user password {:?} ({e}); unlock it with: \
             hdparm --user-master u --security-unlock {0} {node} && hdparm --user-master u --security-disable {0} {node}",
            password.text()
        )
    });
    match (erased, recovery) {
        (Ok(()), None) => Ok(Done {
            technique: format!(
                "ATA SECURITY ERASE UNIT ({}), temporary user password set and cleared",
                if enhanced { "enhanced" } else { "normal" }
            ),
            status: "completed without error; security disabled again".into(),
        }),
        (Ok(()), Some(r)) => Err(Failed {
            why: "the erase completed, but the temporary password could not be cleared".into(),
            recovery: Some(r),
        }),
        (Err(why), recovery) => Err(Failed { why, recovery }),
    }
}

/// Clears the temporary user password: UNLOCK first if the drive locked itself (a
/// power cycle mid-erase), then DISABLE PASSWORD, then IDENTIFY must show it gone.
pub fn clear_password(t: &mut dyn Transport, p: &Password) -> Result<(), String> {
    let locked = crate::identify::ata_identify(t)
        .map(|n| n.security.locked)
        .unwrap_or(true);
    if locked {
        out(t, op::SECURITY_UNLOCK, &security_block(0, p), PROBE_TIMEOUT_MS)
            .map_err(|e| format!("SECURITY UNLOCK: {e}"))?;
    }
    out(
        t,
        op::SECURITY_DISABLE_PASSWORD,
        &security_block(0, p),
        PROBE_TIMEOUT_MS,
    )
    .map_err(|e| format!("SECURITY DISABLE PASSWORD: {e}"))?;
    match crate::identify::ata_identify(t) {
        Ok(n) if !n.security.enabled => Ok(()),
        Ok(_) => Err("the drive still reports security enabled".into()),
        Err(e) => Err(format!("IDENTIFY after DISABLE PASSWORD: {e}")),
    }
}

/// SANITIZE STATUS EXT, decoded (ACS-3 7.43.7, count register bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SanitizeStatus {
    pub completed: bool,
    pub in_progress: bool,
    pub frozen: bool,
    /// Progress in 1/65536ths while in progress.
    pub progress: u16,
}

impl SanitizeStatus {
    pub fn from_registers(r: &Taskfile) -> SanitizeStatus {
        SanitizeStatus {
            completed: r.count & 0x8000 != 0,
            in_progress: r.count & 0x4000 != 0,
            frozen: r.count & 0x2000 != 0,
            progress: (r.lba & 0xffff) as u16,
        }
    }
}

/// Asks SANITIZE STATUS EXT; `clear` also clears a failure (leaving sanitize-failure mode).
pub fn sanitize_status(t: &mut dyn Transport, clear: bool) -> Result<SanitizeStatus, Failed> {
    let tf = Taskfile {
        command: op::SANITIZE,
        features: op::SANITIZE_STATUS,
        count: u16::from(clear),
        device: 0x40,
        ..Default::default()
    };
    match non_data(t, &tf, PROBE_TIMEOUT_MS) {
        Ok(Some(r)) => Ok(SanitizeStatus::from_registers(&r)),
        Ok(None) => Err(Failed {
            why: "SANITIZE STATUS EXT returned no registers".into(),
            recovery: None,
        }),
        // The drive answers the status of a failed sanitize with an abort.
        Err(AtaError::Aborted { .. }) => Err(Failed {
            why: "the drive reports the sanitize failed (SANITIZE STATUS EXT aborted): the drive is in the sanitize failure mode".into(),
            recovery: None,
        }),
        Err(e) => Err(Failed {
            why: format!("SANITIZE STATUS EXT: {e}"),
            recovery: None,
        }),
    }
}

/// Starts a SANITIZE of `kind` and polls its status until it ends (or `give_up`), as the
/// standard asks: the command returns at once and the drive works on.
pub fn sanitize(
    t: &mut dyn Transport,
    kind: SanitizeKind,
    poll: Duration,
    give_up: Duration,
    progress: impl FnMut(u16),
    node: &str,
) -> Result<Done, Failed> {
    let (features, lba) = match kind {
        SanitizeKind::Crypto => (op::CRYPTO_SCRAMBLE, op::CRYPTO_SIGNATURE),
        SanitizeKind::Block => (op::BLOCK_ERASE, op::BLOCK_SIGNATURE),
        // One pass of zeros (the pattern in LBA 31:0), no invert.
        SanitizeKind::Overwrite => (op::OVERWRITE, op::OVERWRITE_SIGNATURE),
    };
    let tf = Taskfile {
        command: op::SANITIZE,
        features,
        // FAILURE MODE (bit 4) clear: a failed sanitize must be seen and cleared by hand,
        // never passed over. Overwrite: count bits 3:0 = 1 pass.
        count: if kind == SanitizeKind::Overwrite { 1 } else { 0 },
        lba,
        device: 0x40,
    };
    if let Err(e) = non_data(t, &tf, PROBE_TIMEOUT_MS) {
        // An abort may be a SANITIZE FREEZE LOCK (the BIOS or the dock sets it at power-up):
        // the status says so, and what to do is to power-cycle.
        let frozen =
            matches!(e, AtaError::Aborted { .. }) && sanitize_status(t, false).is_ok_and(|s| s.frozen);
        return Err(if frozen {
            Failed {
                why: format!("SANITIZE {}: sanitize is frozen (SANITIZE FREEZE LOCK): nothing was erased", kind.name()),
                recovery: Some("power-cycle the dock (unplug its power, not only USB) with the drive in it, then try again before anything else touches it".into()),
            }
        } else {
            Failed {
                why: format!("SANITIZE {}: {e}", kind.name()),
                recovery: None,
            }
        });
    }
    wait_sanitize(t, kind, poll, give_up, progress, node)
}

/// Polls SANITIZE STATUS EXT until the sanitize ends (or `give_up`): one this run sent,
/// or one that went on inside the drive across an interruption (`wipe --resume`).
pub fn wait_sanitize(
    t: &mut dyn Transport,
    kind: SanitizeKind,
    poll: Duration,
    give_up: Duration,
    mut progress: impl FnMut(u16),
    node: &str,
) -> Result<Done, Failed> {
    let recovery = format!(
        "if the drive is left in the sanitize failure mode, leave it with: hdparm --sanitize-status {node} \
         (and run the sanitize again); mediasan wipe --resume re-reads the status"
    );
    super::follow(poll, give_up, node, || match sanitize_status(t, false) {
        Err(f) => super::Step::Ended(Err(Failed {
            why: f.why,
            recovery: Some(recovery.clone()),
        })),
        Ok(s) if s.in_progress => {
            progress(s.progress);
            super::Step::Running
        }
        Ok(s) if s.completed => super::Step::Ended(Ok(Done {
            technique: format!("ATA SANITIZE {} EXT", kind.name()),
            status: "completed without error (SANITIZE STATUS EXT)".into(),
        })),
        Ok(_) => super::Step::Ended(Err(Failed {
            why: "the drive reports the sanitize neither in progress nor completed without error".into(),
            recovery: Some(recovery.clone()),
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identify::ata_identify;
    use crate::identify::sim::SimDrive;

    fn drive(security: u16) -> SimDrive {
        let mut d = SimDrive::new("SEC0001", 1_000_000);
        d.security = security;
        d
    }

    fn pw() -> Password {
        Password::random().unwrap()
    }

    #[test]
    fn refusals_come_from_identify_before_anything_is_sent() {
        let cases = [
            (0x0000, false, "no ATA security"),
            (0x0007, false, "locked"),
            (0x0009, false, "frozen"),
            (0x0003, false, "already set"),
            (0x0011, false, "exhausted"),
            (0x0001, true, "enhanced"),
        ];
        for (w128, enhanced, want) in cases {
            let d = drive(w128);
            let id = crate::identify::ata::Identify::parse(&d.identify_page());
            let e = check_security_erase(&id, enhanced).unwrap_err();
            assert!(e.why.en().contains(want), "{w128:#x}: {e}");
        }
        let frozen = crate::identify::ata::Identify::parse(&drive(0x0009).identify_page());
        assert!(check_security_erase(&frozen, false)
            .unwrap_err()
            .what_to_do
            .contains("power-cycle the dock"));
        let ok = crate::identify::ata::Identify::parse(&drive(0x0021).identify_page());
        assert!(check_security_erase(&ok, true).is_ok());
    }

    #[test]
    fn a_security_erase_sets_a_password_erases_and_leaves_none() {
        let mut d = drive(0x0021);
        let id = ata_identify(&mut d).unwrap();
        let done = security_erase(&mut d, &id, true, &pw(), "/dev/sdz").unwrap();
        assert!(done.technique.contains("enhanced"), "{done:?}");
        assert_eq!(d.erased, 1);
        assert_eq!(d.password, None);
        assert!(!ata_identify(&mut d).unwrap().security.enabled);
        // Every command went with a bound; the erase with the drive's estimate doubled.
        assert!(d.timeouts.iter().all(|t| *t > 0), "{:?}", d.timeouts);
        assert_eq!(d.timeouts.iter().max(), Some(&erase_timeout_ms(&id, true)));
    }

    #[test]
    fn the_time_an_erase_is_given_comes_from_the_drives_estimate() {
        let mut id = crate::identify::ata::Identify::parse(&drive(0x0021).identify_page());
        id.security.erase_minutes = Some(30);
        id.security.enhanced_erase_minutes = None;
        assert_eq!(erase_timeout_ms(&id, false), 60 * 60 * 1000);
        assert_eq!(erase_timeout_ms(&id, true), 12 * 3600 * 1000);
        id.security.erase_minutes = Some(1);
        assert_eq!(erase_timeout_ms(&id, false), 10 * 60 * 1000);
    }

    #[test]
    fn a_drive_that_answers_success_and_keeps_the_password_has_it_cleared() {
        let mut d = drive(0x0001);
        d.lies = true;
        let id = ata_identify(&mut d).unwrap();
        // The sequence itself succeeds (the readback after it is what catches the lie),
        // and the password the drive kept is cleared.
        security_erase(&mut d, &id, false, &pw(), "/dev/sdz").unwrap();
        assert_eq!(d.erased, 0);
        assert_eq!(d.password, None, "the temporary password was cleared");
    }

    #[test]
    fn an_erase_that_fails_midway_clears_the_password_or_says_how() {
        let mut d = drive(0x0001);
        d.erase_fails = true;
        let id = ata_identify(&mut d).unwrap();
        let e = security_erase(&mut d, &id, false, &pw(), "/dev/sdz").unwrap_err();
        assert!(e.why.contains("SECURITY ERASE UNIT"), "{e}");
        assert_eq!(e.recovery, None, "cleared: nothing to recover");
        assert_eq!(d.password, None);
        // A drive left locked with a password mediasan does not hold (a power cycle
        // between the erase and the clean-up, a password of another run): clearing it
        // fails at the unlock, and says so.
        let mut d = drive(0x0001);
        let p = pw();
        out(
            &mut d,
            op::SECURITY_SET_PASSWORD,
            &security_block(0, &p),
            PROBE_TIMEOUT_MS,
        )
        .unwrap();
        d.power_cycle();
        let e = clear_password(&mut d, &pw()).unwrap_err();
        assert!(e.contains("UNLOCK"), "{e}");
        assert!(d.password.is_some(), "nothing cleared without the password");
    }

    #[test]
    fn the_recovery_command_names_the_password_when_the_clean_up_fails() {
        let mut d = drive(0x0001);
        let id = ata_identify(&mut d).unwrap();
        let p = pw();
        // Set by an earlier, interrupted run of ours: SET PASSWORD is refused now, and
        // nothing is erased or left behind by this run.
        out(
            &mut d,
            op::SECURITY_SET_PASSWORD,
            &security_block(0, &p),
            PROBE_TIMEOUT_MS,
        )
        .unwrap();
        let e = security_erase(&mut d, &id, false, &pw(), "/dev/sdz").unwrap_err();
        assert!(e.why.contains("SECURITY SET PASSWORD"), "{e}");
        assert_eq!(d.erased, 0);
        // With the password known (as the erase's journal keeps it, in text), the drive
        // that locked itself at the power cycle is opened again: `wipe --resume`.
        d.power_cycle();
        assert!(ata_identify(&mut d).unwrap().security.locked);
        let kept = Password::from_text(&p.text()).unwrap();
        clear_password(&mut d, &kept).unwrap();
        assert!(!ata_identify(&mut d).unwrap().security.enabled);
        assert!(format!("{p:?}").contains('…'), "never printed by accident");
    }

    #[test]
    fn a_sanitize_is_polled_to_its_end_and_a_failure_is_said() {
        let send = |d: &mut SimDrive, kind| {
            sanitize(
                d,
                kind,
                Duration::ZERO,
                Duration::from_secs(5),
                |_| {},
                "/dev/sdz",
            )
        };
        let follow = |d: &mut SimDrive, kind| {
            wait_sanitize(
                d,
                kind,
                Duration::ZERO,
                Duration::from_secs(5),
                |_| {},
                "/dev/sdz",
            )
        };
        let mut d = SimDrive::new("SAN0001", 1_000_000);
        d.sanitize = 0xb000; // supported, crypto scramble, block erase
        let id = ata_identify(&mut d).unwrap();
        assert!(check_sanitize(&id, SanitizeKind::Overwrite).is_err());
        check_sanitize(&id, SanitizeKind::Crypto).unwrap();
        let mut seen = Vec::new();
        let done = sanitize(
            &mut d,
            SanitizeKind::Crypto,
            Duration::ZERO,
            Duration::from_secs(5),
            |p| seen.push(p),
            "/dev/sdz",
        )
        .unwrap();
        assert!(done.technique.contains("CRYPTO SCRAMBLE"), "{done:?}");
        assert_eq!(d.erased, 1);
        assert_eq!(seen.len(), 3, "progress while in progress: {seen:?}");
        // A sanitize that fails leaves the drive in failure mode, which is reported with
        // the way out, and cleared by asking the status with CLEAR set.
        d.sanitize_fails = true;
        let e = send(&mut d, SanitizeKind::Block).unwrap_err();
        assert!(e.why.contains("failure mode"), "{e}");
        assert!(
            e.recovery
                .as_deref()
                .unwrap_or_default()
                .contains("--sanitize-status"),
            "{e}"
        );
        assert!(sanitize_status(&mut d, false).is_err());
        sanitize_status(&mut d, true).unwrap();
        // Frozen by the BIOS: said, with the power cycle to do, and nothing erased.
        let mut d = SimDrive::new("SAN0003", 1_000_000);
        d.sanitize = 0xb000;
        d.sanitize_frozen = true;
        let e = send(&mut d, SanitizeKind::Block).unwrap_err();
        assert!(
            e.why.contains("frozen") && e.recovery.unwrap().contains("power-cycle"),
            "{}",
            e.why
        );
        assert_eq!(d.erased, 0);
        // A sanitize that went on across an interruption (and a power cycle) is waited for,
        // not sent again: `wipe --resume`.
        let mut d = SimDrive::new("SAN0004", 1_000_000);
        d.sanitize = 0xb000;
        d.sanitizing = Some(2);
        d.power_cycle();
        let sent = d.sent.len();
        follow(&mut d, SanitizeKind::Block).unwrap();
        assert_eq!(d.erased, 1);
        assert!(
            d.sent[sent..].iter().all(|tf| tf.features == op::SANITIZE_STATUS),
            "only status was asked"
        );
        // Nothing in progress, nothing completed: not a success.
        let mut d = SimDrive::new("SAN0005", 1_000_000);
        d.sanitize = 0xb000;
        assert!(follow(&mut d, SanitizeKind::Block).is_err());
        // A bridge that passes nothing: refused before anything is erased.
        let mut d = SimDrive::new("SAN0002", 1_000_000);
        d.sanitize = 0xb000;
        d.bridge = crate::identify::sim::Bridge::Rejects;
        assert!(send(&mut d, SanitizeKind::Block).is_err());
        assert_eq!(d.erased, 0);
    }
}
