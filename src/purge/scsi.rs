//! SCSI SANITIZE (SBC-4 5.30): overwrite, block erase, cryptographic erase — sent with
//! IMMED set, then followed by REQUEST SENSE until the device server stops reporting
//! "sanitize in progress", and a TEST UNIT READY that must find it ready.
//!
//! AUSE (allow unrestricted sanitize exit) is left clear: a sanitize that fails leaves the
//! disk refusing media access until a sanitize completes — it cannot be taken back into
//! use with its data half erased by an EXIT FAILURE MODE.

use std::time::Duration;

use super::ata::{Done, Failed, Refused};
use crate::device::scsi::op;
use crate::device::sense::key;
use crate::device::transport::{Data, Transport};
use crate::identify::scsi::{self, ScsiError, ScsiSanitize};

/// The three SANITIZE service actions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Overwrite,
    BlockErase,
    CryptoErase,
}

impl Action {
    pub fn name(self) -> &'static str {
        match self {
            Action::Overwrite => "OVERWRITE",
            Action::BlockErase => "BLOCK ERASE",
            Action::CryptoErase => "CRYPTOGRAPHIC ERASE",
        }
    }

    fn service_action(self) -> u8 {
        match self {
            Action::Overwrite => op::OVERWRITE,
            Action::BlockErase => op::BLOCK_ERASE,
            Action::CryptoErase => op::CRYPTO_ERASE,
        }
    }
}

/// Whether the disk claimed the service action (REPORT SUPPORTED OPERATION CODES).
pub fn check(s: &ScsiSanitize, action: Action) -> Result<(), Refused> {
    let offered = match action {
        Action::Overwrite => s.overwrite,
        Action::BlockErase => s.block_erase,
        Action::CryptoErase => s.crypto_erase,
    };
    if offered {
        Ok(())
    } else {
        Err(Refused {
            why: crate::said!("erase-disk-no-sanitize", action = action.name()),
            what_to_do: crate::t!("erase-scan-lists"),
        })
    }
}

/// The SANITIZE CDB and its parameter list: IMMED set, AUSE clear; an overwrite writes
/// one pass (OWCOUNT 1) of a four-byte zero pattern, not inverted, no test mode.
pub fn command(action: Action) -> ([u8; 10], Vec<u8>) {
    let params = match action {
        Action::Overwrite => vec![0x01, 0, 0, 4, 0, 0, 0, 0],
        _ => Vec::new(),
    };
    let [len_hi, len_lo] = (params.len() as u16).to_be_bytes();
    let cdb = [
        op::SANITIZE,
        0x80 | action.service_action(),
        0,
        0,
        0,
        0,
        0,
        len_hi,
        len_lo,
        0,
    ];
    (cdb, params)
}

/// What the device server says about a sanitize now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// NOT READY, 04h/1Bh, with the progress in 65536ths where it gives one.
    InProgress(Option<u16>),
    /// SANITIZE COMMAND FAILED (31h/03h): the disk is in the sanitize failure mode.
    Failed,
    /// None in progress, none failed.
    Idle,
}

/// REQUEST SENSE, read for a sanitize's state.
pub fn state(t: &mut dyn Transport) -> Result<State, String> {
    let s = scsi::request_sense(t).map_err(|e| format!("REQUEST SENSE: {e}"))?;
    Ok(match (s.key, s.asc, s.ascq) {
        (key::NOT_READY, 0x04, 0x1b) => State::InProgress(s.progress),
        (_, 0x31, 0x03) => State::Failed,
        _ => State::Idle,
    })
}

fn recovery(node: &str, action: Action) -> String {
    let flag = match action {
        Action::Overwrite => "--overwrite --zero",
        Action::BlockErase => "--block",
        Action::CryptoErase => "--crypto",
    };
    format!(
        "the disk is in the sanitize failure mode and refuses reads and writes until a sanitize completes: \
         run it again (mediasan wipe, or sg_sanitize {flag} {node}); if it fails again, destroy the disk physically"
    )
}

/// Sends SANITIZE `action` and follows it to its end (or `give_up`).
pub fn sanitize(
    t: &mut dyn Transport,
    action: Action,
    poll: Duration,
    give_up: Duration,
    node: &str,
) -> Result<Done, Failed> {
    let (cdb, params) = command(action);
    let data = if params.is_empty() {
        Data::None
    } else {
        Data::Out(&params)
    };
    scsi::command(t, &cdb, data, crate::device::passthrough::PROBE_TIMEOUT_MS).map_err(|e| Failed {
        why: format!("SANITIZE {}: {e}", action.name()),
        recovery: None,
    })?;
    wait(t, action, poll, give_up, node)
}

/// Follows a sanitize already sent (by this run, or before an interruption) to its end.
pub fn wait(
    t: &mut dyn Transport,
    action: Action,
    poll: Duration,
    give_up: Duration,
    node: &str,
) -> Result<Done, Failed> {
    // Followed until no sanitize is in progress; how it ended is the unit's readiness.
    super::follow(poll, give_up, node, || {
        match state(t) {
        Err(why) => super::Step::Ended(Err(Failed {
            why,
            recovery: Some(format!(
                "the sanitize may still be running inside the disk: mediasan wipe {node} --resume waits for it"
            )),
        })),
        Ok(State::InProgress(_)) => super::Step::Running,
        Ok(State::Failed) => super::Step::Ended(Err(Failed {
            why: format!("SANITIZE {}: the disk reports SANITIZE COMMAND FAILED", action.name()),
            recovery: Some(recovery(node, action)),
        })),
        Ok(State::Idle) => super::Step::Ended(Ok(())),
    }
    })?;
    // The disk must be ready again: a medium error here is a failed sanitize.
    match scsi::command(t, &[op::TEST_UNIT_READY, 0, 0, 0, 0, 0], Data::None, 15_000) {
        Ok(()) => Ok(Done {
            technique: format!("SCSI SANITIZE {} (IMMED, AUSE clear)", action.name()),
            status: "completed: no sanitize in progress, none failed, the unit ready".into(),
        }),
        Err(ScsiError::Check(s)) if (s.asc, s.ascq) == (0x31, 0x03) => Err(Failed {
            why: format!(
                "SANITIZE {}: the disk reports SANITIZE COMMAND FAILED",
                action.name()
            ),
            recovery: Some(recovery(node, action)),
        }),
        Err(e) => Err(Failed {
            why: format!("after SANITIZE {}: TEST UNIT READY: {e}", action.name()),
            recovery: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identify::sim::{ScsiBehaviour, SimScsi};

    #[test]
    fn the_cdb_and_parameters_are_where_sbc_puts_them() {
        let (cdb, p) = command(Action::Overwrite);
        assert_eq!(cdb, [0x48, 0x81, 0, 0, 0, 0, 0, 0, 8, 0]);
        // OWCOUNT 1, pattern length 4, four zero bytes.
        assert_eq!(p, [0x01, 0, 0, 4, 0, 0, 0, 0]);
        let (cdb, p) = command(Action::CryptoErase);
        assert_eq!(&cdb[..2], &[0x48, 0x83]);
        assert_eq!(cdb[7..9], [0, 0]);
        assert!(p.is_empty());
        // IMMED set, AUSE (bit 5) clear.
        assert_eq!(command(Action::BlockErase).0[1] & 0xe0, 0x80);
    }

    #[test]
    fn support_comes_from_report_supported_operation_codes() {
        let mut d = SimScsi::new(ScsiSanitize {
            overwrite: true,
            block_erase: true,
            crypto_erase: false,
        });
        let s = scsi::report_sanitize(&mut d).unwrap();
        assert!(check(&s, Action::BlockErase).is_ok());
        assert!(check(&s, Action::CryptoErase)
            .unwrap_err()
            .why
            .en()
            .contains("does not offer"));
        // A disk without the command (QEMU's scsi-hd) says nothing: not "none".
        d.behaviour = ScsiBehaviour::NoReportOpcodes;
        assert!(scsi::report_sanitize(&mut d).is_err());
    }

    /// Answers every command with the sense QEMU's scsi-hd gave REPORT SUPPORTED
    /// OPERATION CODES for SANITIZE in the test guest (fixtures/sense/README.md).
    struct Replay(Vec<u8>);
    impl Transport for Replay {
        fn scsi(
            &mut self,
            _: &[u8],
            _: Data<'_>,
            _: u32,
        ) -> std::io::Result<crate::device::transport::ScsiReply> {
            Ok(crate::device::transport::ScsiReply {
                status: 2,
                driver: 8,
                sense: self.0.clone(),
                ..Default::default()
            })
        }
        fn nvme_admin(
            &mut self,
            _: &crate::device::transport::NvmeAdmin,
            _: &mut [u8],
        ) -> std::io::Result<crate::device::transport::NvmeReply> {
            Err(std::io::Error::from_raw_os_error(libc::ENOTTY))
        }
    }

    #[test]
    fn qemus_scsi_disk_claims_no_sanitize() {
        let path = format!(
            "{}/fixtures/sense/virtio-scsi-rsoc-sanitize.sense.hex",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(path).unwrap();
        let sense: Vec<u8> = text
            .split_whitespace()
            .map(|h| u8::from_str_radix(h, 16).unwrap())
            .collect();
        let e = scsi::report_sanitize(&mut Replay(sense)).unwrap_err();
        assert!(e.contains("invalid command operation code"), "{e}");
    }

    #[test]
    fn a_sanitize_is_followed_to_its_end_failure_and_a_lying_host() {
        let caps = ScsiSanitize {
            overwrite: true,
            block_erase: true,
            crypto_erase: true,
        };
        let quick = Duration::from_millis(1);
        let send = |d: &mut SimScsi, action| sanitize(d, action, quick, Duration::from_secs(5), "/dev/sdz");
        let mut d = SimScsi::new(caps);
        let done = send(&mut d, Action::BlockErase).unwrap();
        assert!(done.technique.contains("BLOCK ERASE"));
        assert_eq!((d.erased, d.polls_seen > 0), (1, true));

        let mut d = SimScsi::new(caps);
        d.behaviour = ScsiBehaviour::Fails;
        let f = send(&mut d, Action::Overwrite).unwrap_err();
        assert!(f.why.contains("SANITIZE COMMAND FAILED"), "{f}");
        assert!(f
            .recovery
            .unwrap()
            .contains("sg_sanitize --overwrite --zero /dev/sdz"));
        assert_eq!(d.erased, 0);

        // The host adapter fails the command (DID_ERROR) but the status byte is GOOD.
        let mut d = SimScsi::new(caps);
        d.behaviour = ScsiBehaviour::HostError;
        let f = send(&mut d, Action::Overwrite).unwrap_err();
        assert!(f.why.contains("DID_ERROR"), "{f}");

        // Still running when mediasan gives up: said, with the way to wait for it.
        let mut d = SimScsi::new(caps);
        d.polls = 1_000_000;
        let f = sanitize(
            &mut d,
            Action::CryptoErase,
            quick,
            Duration::from_millis(20),
            "/dev/sdz",
        )
        .unwrap_err();
        assert!(f.recovery.unwrap().contains("--resume"));
        // ... and a later wait follows it to its end.
        d.in_progress = Some(2);
        assert!(wait(
            &mut d,
            Action::CryptoErase,
            quick,
            Duration::from_secs(5),
            "/dev/sdz"
        )
        .is_ok());
    }
}
