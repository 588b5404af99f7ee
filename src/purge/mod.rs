//! Firmware erase (NIST SP 800-88 *Purge* where the interface allows it): the drive's own
//! commands, for what overwriting cannot reach — as a wipe technique: checked against
//! what the drive offers before anything is sent, and never trusted on its word.
//!
//! Before the command, markers (a token of this run in each) are written at places
//! spread over the medium and synced; after it, those places are read back past the
//! caches. A marker still there, or a read that fails, makes the outcome `failed`,
//! whatever the drive answered.

pub mod ata;
pub mod nvme;
pub mod scsi;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::engine::AlignedBuf;
use crate::i18n::Said;
use crate::identify::{Bus, Drive, Probe};
use crate::medium::Target;

pub use crate::model::technique::Technique;
use crate::model::technique::{Command, Sanitize};

/// The ATA SANITIZE a technique sends, if it sends one.
fn ata_kind(t: Technique) -> Option<ata::SanitizeKind> {
    match t.command() {
        Command::AtaSanitize(k) => Some(match k {
            Sanitize::Crypto => ata::SanitizeKind::Crypto,
            Sanitize::Block => ata::SanitizeKind::Block,
            Sanitize::Overwrite => ata::SanitizeKind::Overwrite,
        }),
        _ => None,
    }
}

/// The NVMe Sanitize action a technique sends, if it sends one.
fn nvme_action(t: Technique) -> Option<nvme::SanitizeAction> {
    match t.command() {
        Command::NvmeSanitize(k) => Some(match k {
            Sanitize::Crypto => nvme::SanitizeAction::CryptoErase,
            Sanitize::Block => nvme::SanitizeAction::BlockErase,
            Sanitize::Overwrite => nvme::SanitizeAction::Overwrite,
        }),
        _ => None,
    }
}

/// The SCSI SANITIZE service action a technique sends, if it sends one.
fn scsi_action(t: Technique) -> Option<scsi::Action> {
    match t.command() {
        Command::ScsiSanitize(k) => Some(match k {
            Sanitize::Crypto => scsi::Action::CryptoErase,
            Sanitize::Block => scsi::Action::BlockErase,
            Sanitize::Overwrite => scsi::Action::Overwrite,
        }),
        _ => None,
    }
}

/// How often a running firmware erase is asked how far it is.
const POLL: Duration = Duration::from_secs(2);
/// How long mediasan follows an erase whose drive gives no estimate of its own.
const LONGEST: Duration = Duration::from_secs(48 * 3600);
/// How long mediasan waits for a Format NVM: the kernel's timeout of the admin command
/// (the standard gives no estimate of a format's time).
pub const FORMAT_TIMEOUT: Duration = Duration::from_secs(3600);
/// How often a wait for the drive is shown.
pub const WAIT_EVERY: Duration = Duration::from_secs(2);
/// How often a wait looks at the stop flag.
const NAP: Duration = Duration::from_millis(100);

/// One look at a firmware erase under way: still running, or how it ended.
pub enum Step<T> {
    Running,
    Ended(Result<T, ata::Failed>),
}

thread_local! {
    /// Raised when nobody waits any more for the erase this thread follows (see
    /// [`watched`]): a status poll ends at the next look.
    static ABANDONED: std::cell::RefCell<Option<std::sync::Arc<std::sync::atomic::AtomicBool>>> =
        const { std::cell::RefCell::new(None) };
}

fn abandoned() -> bool {
    ABANDONED.with(|a| {
        a.borrow()
            .as_ref()
            .is_some_and(|f| f.load(std::sync::atomic::Ordering::SeqCst))
    })
}

/// Asks `look` every `poll` until the erase ends, or gives up after `give_up` with the
/// way to follow it later: the timing of every interface's polling, in one place.
pub fn follow<T>(
    poll: Duration,
    give_up: Duration,
    node: &str,
    mut look: impl FnMut() -> Step<T>,
) -> Result<T, ata::Failed> {
    let started = std::time::Instant::now();
    loop {
        let nap = std::time::Instant::now();
        while nap.elapsed() < poll {
            if abandoned() {
                return Err(ata::Failed {
                    why: "no longer followed (interrupted)".into(),
                    recovery: Some(format!(
                        "it goes on inside the drive: mediasan wipe {node} --resume follows it"
                    )),
                });
            }
            std::thread::sleep(NAP.min(poll.saturating_sub(nap.elapsed())));
        }
        match look() {
            Step::Ended(r) => return r,
            Step::Running if started.elapsed() > give_up => {
                return Err(ata::Failed {
                    why: format!("the sanitize was still in progress after {} s", give_up.as_secs()),
                    recovery: Some(format!(
                        "it goes on inside the drive, also across a power cycle: mediasan wipe {node} --resume waits for it"
                    )),
                })
            }
            Step::Running => {}
        }
    }
}

/// A wait for the drive that ended before the drive did: SIGINT or SIGTERM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interrupted {
    /// How long the drive had been waited for.
    pub after: Duration,
}

/// Runs `work` (a command the drive carries out, and for a sanitize the polling of its
/// status) on a thread of its own and waits for it here, where `waiting` is told the time
/// waited every `every` (the first time after `every`) and `stop` is looked at ten times
/// a second. On a stop the wait ends
/// at once: the drive goes on with what it was sent, the thread's status polls end at
/// their next look, and an ioctl in flight ends in the kernel at its timeout at the latest
/// (each command has one), with nobody waiting for its answer.
pub fn watched(
    work: impl FnOnce() -> Result<ata::Done, ata::Failed> + Send + 'static,
    every: Duration,
    stop: &dyn Fn() -> bool,
    waiting: &mut dyn FnMut(Duration),
) -> Result<Result<ata::Done, ata::Failed>, Interrupted> {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{mpsc, Arc};
    let (tx, rx) = mpsc::channel();
    let abandon = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&abandon);
    let spawned = std::thread::Builder::new()
        .name("mediasan-drive".into())
        .spawn(move || {
            ABANDONED.with(|a| *a.borrow_mut() = Some(flag));
            let _ = tx.send(work());
        });
    if let Err(e) = spawned {
        return Ok(Err(ata::Failed {
            why: format!("cannot start the thread that waits for the drive ({e}): nothing was sent"),
            recovery: None,
        }));
    }
    let started = std::time::Instant::now();
    // A command that answers within `every` is not shown waiting.
    let mut shown = every;
    loop {
        match rx.recv_timeout(NAP) {
            Ok(r) => return Ok(r),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Ok(Err(ata::Failed {
                    why: "the thread that carried the command to the drive ended without an answer".into(),
                    recovery: Some(
                        "the command may have been sent: mediasan wipe --resume follows it".into(),
                    ),
                }))
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        let elapsed = started.elapsed();
        if stop() {
            abandon.store(true, Ordering::SeqCst);
            return Err(Interrupted { after: elapsed });
        }
        if elapsed >= shown {
            waiting(elapsed);
            shown = elapsed + every;
        }
    }
}

/// Whether `drive` can take `technique` now (its capability bits, its security state,
/// a bridge that passes the command), or why not with what to do.
pub fn check(t: Technique, drive: &Drive) -> Result<(), ata::Refused> {
    let unreachable = |what: &str, reason: &Said| ata::Refused {
        why: crate::said!("erase-unreadable", what = what, reason = reason.to_string()),
        what_to_do: crate::t!("erase-unreadable-hint"),
    };
    if let Some(action) = scsi_action(t) {
        return match &drive.scsi {
            Probe::Known(s) => scsi::check(&s.sanitize, action),
            Probe::Unknown { reason } => Err(ata::Refused {
                why: crate::said!("erase-scsi-unknown", reason = reason.to_string()),
                what_to_do: crate::t!("erase-scsi-unknown-hint"),
            }),
            Probe::NotApplicable { .. } => Err(ata::Refused {
                why: crate::said!("erase-not-scsi"),
                what_to_do: crate::t!("erase-scan-lists-drive"),
            }),
        };
    }
    match t {
        Technique::Overwrite | Technique::Auto => Ok(()),
        Technique::NvmeFormatUser
        | Technique::NvmeFormatCrypto
        | Technique::NvmeSanitizeCrypto
        | Technique::NvmeSanitizeBlock
        | Technique::NvmeSanitizeOverwrite => match &drive.nvme {
            Probe::Known(n) => match (t, nvme_action(t)) {
                (_, Some(action)) => nvme::check_sanitize(&n.controller, action),
                (Technique::NvmeFormatCrypto, _) => {
                    nvme::check_format(&n.controller, nvme::SecureErase::Crypto)
                }
                _ => nvme::check_format(&n.controller, nvme::SecureErase::UserData),
            },
            Probe::Unknown { reason } => Err(unreachable("NVMe Identify", reason)),
            Probe::NotApplicable { .. } => Err(ata::Refused {
                why: crate::said!("erase-not-nvme"),
                what_to_do: crate::t!("erase-scan-lists-drive"),
            }),
        },
        _ => match &drive.ata {
            Probe::Known(a) => match ata_kind(t) {
                Some(kind) => ata::check_sanitize(&a.identify, kind),
                None => ata::check_security_erase(&a.identify, t == Technique::AtaSecureEraseEnhanced),
            },
            Probe::Unknown { reason } => Err(unreachable("ATA IDENTIFY", reason)),
            Probe::NotApplicable { .. } => Err(ata::Refused {
                why: crate::said!("erase-not-ata"),
                what_to_do: crate::t!("erase-scan-lists-drive"),
            }),
        },
    }
}

/// What `auto` chooses: the first firmware technique the drive can take now, and why.
pub fn choose(drive: &Drive) -> Result<(Technique, String), ata::Refused> {
    for t in Technique::firmware() {
        if check(t, drive).is_ok() {
            return Ok((
                t,
                crate::t!("erase-auto-chose", technique = t.describe().to_string()),
            ));
        }
    }
    Err(ata::Refused {
        why: crate::said!("erase-none-offered"),
        what_to_do: crate::t!("erase-none-offered-hint"),
    })
}

/// The readback's markers: where, and what.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Markers {
    token: String,
    offsets: Vec<u64>,
    unit: usize,
    /// Places between the markers whose earlier content is kept as a digest, to show
    /// after the erase that none of it is left.
    sampled: Vec<(u64, [u8; 32])>,
}

/// What a firmware erase leaves on disk while it runs (`<checkpoint dir>/device-SERIAL.
/// firmware.json`, 0600), so that `wipe --resume` after an interruption or a power cycle
/// can wait for a sanitize the drive goes on with, read back the same markers, and
/// clear a temporary ATA password left set. Removed when the erase ends, unless the drive
/// may still be working or still holds the password.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Journal {
    pub format: String,
    pub target: crate::medium::Identity,
    pub technique: Technique,
    pub markers: Markers,
    pub started: chrono::DateTime<chrono::Utc>,
    /// When the command was (about to be) sent; `None`: nothing was sent.
    pub sent: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub carrier: Option<String>,
    /// The temporary user password of a security erase, kept until it is cleared: a
    /// drive is never left locked with a password nobody can find. It unlocks this drive
    /// only, and only while mediasan's erase is unfinished.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub password: Option<String>,
}

pub const JOURNAL_FORMAT: &str = "mediasan-firmware-journal/1";

impl Journal {
    pub fn save(&self, path: &std::path::Path) -> std::io::Result<()> {
        crate::files::save_private(path, serde_json::to_string_pretty(self)?.as_bytes())
    }

    pub fn load(path: &std::path::Path) -> Result<Journal, String> {
        let text = crate::files::read_limited(path, 1 << 20).map_err(|e| e.to_string())?;
        let j: Journal =
            serde_json::from_slice(&text).map_err(|e| format!("not a firmware erase's journal: {e}"))?;
        if j.format != JOURNAL_FORMAT {
            return Err(format!(
                "format {:?}, this mediasan reads {JOURNAL_FORMAT}",
                j.format
            ));
        }
        if j.markers.offsets.is_empty() || j.markers.unit < 512 {
            return Err("its markers are malformed".into());
        }
        Ok(j)
    }
}

pub use crate::model::report::MarkerCheck;

impl Markers {
    /// SHA-256 (hex) of the markers' canonical JSON (RFC 8785): what the register's
    /// wipe-started event of a carrier's firmware erase records.
    pub fn digest(&self) -> String {
        use sha2::{Digest, Sha256};
        // Serialising numbers, strings and arrays of them cannot fail.
        let bytes = serde_jcs::to_vec(self).unwrap_or_default();
        crate::pattern::hex(&Sha256::digest(bytes))
    }

    /// `count` places spread over the target (the first and last sectors among them),
    /// each one logical sector.
    pub fn plan(target: &Target, count: u64) -> std::io::Result<Markers> {
        let size = target.identity.size;
        let unit = u64::from(target.identity.logical_sector.unwrap_or(512)).max(512);
        let sectors = size / unit;
        if sectors == 0 {
            return Err(std::io::Error::other("the device holds no whole sector"));
        }
        let mut offsets: Vec<u64> = (0..count).map(|i| i * sectors / count * unit).collect();
        offsets.push((sectors - 1) * unit);
        offsets.dedup();
        let mut r = [0u8; 8];
        crate::entropy::fill(&mut r)?;
        Ok(Markers {
            token: r.iter().map(|b| format!("{b:02x}")).collect(),
            offsets,
            unit: unit as usize,
            sampled: Vec::new(),
        })
    }

    /// Reads the earlier content halfway between the markers and keeps the digest of
    /// each block that holds something (a block of one repeated byte — zeros, say —
    /// says nothing after an erase that may write the same). Blocks that cannot be read
    /// now are passed over: the readback after the erase reads the markers in any case.
    pub fn fingerprint(&mut self, target: &mut Target) {
        use sha2::{Digest, Sha256};
        let _ = target.prepare_readback();
        let unit = self.unit as u64;
        let places: Vec<u64> = self
            .offsets
            .windows(2)
            .map(|w| (w[0] + w[1]) / 2 / unit * unit)
            .filter(|o| !self.offsets.contains(o))
            .collect();
        for o in places {
            let mut buf = AlignedBuf::new(self.unit);
            if matches!(target.read_at(buf.as_mut(), o), Ok(n) if n == self.unit) && !uniform(buf.as_ref()) {
                self.sampled.push((o, Sha256::digest(buf.as_ref()).into()));
            }
        }
    }

    fn block(&self, i: usize) -> Vec<u8> {
        let mut b = format!("MEDIASAN-PURGE-MARKER:{}:{i}:", self.token).into_bytes();
        b.resize(self.unit, 0x5a);
        b
    }

    /// How many places hold a marker.
    pub fn count(&self) -> u64 {
        self.offsets.len() as u64
    }

    /// Writes every marker and syncs them to the medium; `stop` is looked at before each
    /// (`ErrorKind::Interrupted` when it is raised: the markers written so far are left
    /// to the erase a resume sends).
    pub fn plant(&self, target: &Target, stop: &dyn Fn() -> bool) -> std::io::Result<()> {
        for (i, &o) in self.offsets.iter().enumerate() {
            if stop() {
                return Err(std::io::ErrorKind::Interrupted.into());
            }
            let b = aligned(&self.block(i));
            target.write_at(b.as_ref(), o)?;
        }
        target.sync()
    }

    /// Reads every place back past the caches: which still hold their marker, which
    /// cannot be read.
    pub fn check(&self, target: &mut Target) -> (MarkerCheck, crate::model::report::CacheReport) {
        let cache = target.prepare_readback();
        let mut c = MarkerCheck {
            planted: self.offsets.len() as u64,
            ..Default::default()
        };
        use sha2::{Digest, Sha256};
        c.fingerprinted = self.sampled.len() as u64;
        for &(o, before) in &self.sampled {
            let mut buf = AlignedBuf::new(self.unit);
            match target.read_at(buf.as_mut(), o) {
                Ok(n) if n == self.unit => {
                    if <[u8; 32]>::from(Sha256::digest(buf.as_ref())) == before {
                        c.unchanged += 1;
                    }
                }
                _ => {
                    c.unreadable += 1;
                    c.first_error
                        .get_or_insert(format!("reading byte {o} after the erase"));
                }
            }
        }
        for (i, &o) in self.offsets.iter().enumerate() {
            let mut buf = AlignedBuf::new(self.unit);
            match target.read_at(buf.as_mut(), o) {
                Ok(n) if n == self.unit => {
                    if buf.as_ref() == &self.block(i)[..] {
                        c.found += 1;
                    }
                }
                Ok(n) => {
                    c.unreadable += 1;
                    c.first_error
                        .get_or_insert(format!("a short read at byte {o}: {n} bytes"));
                }
                Err(e) => {
                    c.unreadable += 1;
                    c.first_error.get_or_insert(format!("reading byte {o}: {e}"));
                }
            }
        }
        (c, cache)
    }
}

/// Whether a block is one byte repeated.
fn uniform(b: &[u8]) -> bool {
    b.iter().all(|x| *x == b[0])
}

/// A buffer aligned for O_DIRECT, holding `data`.
fn aligned(data: &[u8]) -> AlignedBuf {
    let mut b = AlignedBuf::new(data.len());
    b.as_mut().copy_from_slice(data);
    b
}

/// The drive's side of a firmware erase as the wipe waits for it.
pub struct Watch<'a> {
    /// Raised by SIGINT or SIGTERM: the wait ends at once.
    pub stop: &'a dyn Fn() -> bool,
    /// Told every [`WAIT_EVERY`] how long the drive has been waited for, and the limit
    /// mediasan gives it, when one is known before the drive answers.
    pub waiting: &'a mut dyn FnMut(Duration, Option<Duration>),
}

/// A command sent to the drive: what is waited for, on a thread of its own ([`watched`]).
fn watch(
    work: impl FnOnce() -> Result<ata::Done, ata::Failed> + Send + 'static,
    limit: Option<Duration>,
    w: Watch<'_>,
) -> Result<Result<ata::Done, ata::Failed>, Interrupted> {
    watched(work, WAIT_EVERY, w.stop, &mut |d| (w.waiting)(d, limit))
}

/// A transport of its own over the target's device (a duplicate of its descriptor), for
/// the thread that waits for the drive.
fn device(target: &Target) -> Result<crate::device::transport::OwnedDevice, ata::Failed> {
    target
        .file()
        .try_clone()
        .map(crate::device::transport::OwnedDevice)
        .map_err(|e| ata::Failed {
            why: format!("cannot duplicate the device's descriptor ({e}): nothing was sent"),
            recovery: None,
        })
}

/// Follows a sanitize sent before an interruption (`wipe --resume`): the drive's status
/// re-read and polled to its end, nothing sent again.
pub fn wait(
    t: Technique,
    target: &Target,
    w: Watch<'_>,
) -> Result<Result<ata::Done, ata::Failed>, Interrupted> {
    let mut dev = match device(target) {
        Ok(d) => d,
        Err(f) => return Ok(Err(f)),
    };
    let node = target.identity.path.clone();
    watch(move || follow_sanitize(t, &mut dev, &node), None, w)
}

fn follow_sanitize(
    t: Technique,
    dev: &mut dyn crate::device::transport::Transport,
    node: &str,
) -> Result<ata::Done, ata::Failed> {
    if let Some(action) = scsi_action(t) {
        scsi::wait(dev, action, POLL, LONGEST, node)
    } else if let Some(action) = nvme_action(t) {
        let give_up = nvme_give_up(dev, action);
        nvme::wait_sanitize(dev, action, POLL, give_up, node)
    } else if let Some(kind) = ata_kind(t) {
        ata::wait_sanitize(dev, kind, POLL, LONGEST, |_| {}, node)
    } else {
        Err(ata::Failed {
            why: format!("{} is not a sanitize: it is not waited for", t.name()),
            recovery: None,
        })
    }
}

/// How long an NVMe Sanitize is followed: from the controller's estimate for the action,
/// in its Sanitize Status log.
fn nvme_give_up(dev: &mut dyn crate::device::transport::Transport, action: nvme::SanitizeAction) -> Duration {
    let estimates = nvme::sanitize_log(dev).ok();
    nvme::give_up(estimates.as_ref(), action)
}

/// The time mediasan gives the drive for `t` where it is known before the drive is asked
/// (a sanitize's comes from its status log, read on the way).
pub fn time_limit(t: Technique, drive: &Drive) -> Option<Duration> {
    match t {
        Technique::NvmeFormatUser | Technique::NvmeFormatCrypto => Some(FORMAT_TIMEOUT),
        Technique::AtaSecureErase | Technique::AtaSecureEraseEnhanced => drive.ata.known().map(|a| {
            Duration::from_millis(u64::from(ata::erase_timeout_ms(
                &a.identify,
                t == Technique::AtaSecureEraseEnhanced,
            )))
        }),
        _ if scsi_action(t).is_some() || ata_kind(t).is_some() => Some(LONGEST),
        _ => None,
    }
}

/// Sends the firmware erase `t` to the drive behind `target` and waits for its end, on a
/// thread of its own, shown and stopped as `w` says. A security erase uses `password`
/// (kept in the journal before it is set).
pub fn run(
    t: Technique,
    target: &Target,
    drive: &Drive,
    password: Option<&ata::Password>,
    w: Watch<'_>,
) -> Result<Result<ata::Done, ata::Failed>, Interrupted> {
    let dev = match device(target) {
        Ok(d) => d,
        Err(f) => return Ok(Err(f)),
    };
    run_on(
        Box::new(dev),
        t,
        drive.clone(),
        password.cloned(),
        target.identity.path.clone(),
        w,
    )
}

/// [`run`] over any transport (a simulated drive in the tests).
pub fn run_on(
    mut dev: Box<dyn crate::device::transport::Transport + Send>,
    t: Technique,
    drive: Drive,
    password: Option<ata::Password>,
    node: String,
    w: Watch<'_>,
) -> Result<Result<ata::Done, ata::Failed>, Interrupted> {
    let limit = time_limit(t, &drive);
    watch(
        move || send(&mut *dev, t, &drive, password.as_ref(), &node),
        limit,
        w,
    )
}

/// The command sequence of `t`, on the thread that carries it.
fn send(
    dev: &mut dyn crate::device::transport::Transport,
    t: Technique,
    drive: &Drive,
    password: Option<&ata::Password>,
    node: &str,
) -> Result<ata::Done, ata::Failed> {
    let fail = |why: &str| ata::Failed {
        why: why.into(),
        recovery: None,
    };
    if let Some(action) = scsi_action(t) {
        return scsi::sanitize(dev, action, POLL, LONGEST, node);
    }
    if let Some(action) = nvme_action(t) {
        let give_up = nvme_give_up(dev, action);
        return nvme::sanitize(dev, action, POLL, give_up, node);
    }
    match t {
        Technique::NvmeFormatUser | Technique::NvmeFormatCrypto => {
            let Probe::Known(n) = &drive.nvme else {
                return Err(fail("the NVMe Identify data is missing"));
            };
            let ses = if t == Technique::NvmeFormatCrypto {
                nvme::SecureErase::Crypto
            } else {
                nvme::SecureErase::UserData
            };
            // The namespace's current format, kept.
            nvme::format(
                dev,
                n.nsid,
                n.namespace.lba_format,
                ses,
                FORMAT_TIMEOUT.as_millis() as u32,
            )
        }
        _ if drive.transport == Bus::Nvme => Err(fail("not an ATA drive")),
        _ => {
            let Probe::Known(a) = &drive.ata else {
                return Err(fail("the ATA IDENTIFY data is missing"));
            };
            match ata_kind(t) {
                Some(kind) => ata::sanitize(dev, kind, POLL, LONGEST, |_| {}, node),
                None => {
                    let p = password.ok_or_else(|| fail("no temporary password was drawn"))?;
                    ata::security_erase(dev, &a.identify, t == Technique::AtaSecureEraseEnhanced, p, node)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drive(ata: Probe<crate::identify::AtaFacts>, scsi: Probe<crate::identify::scsi::ScsiFacts>) -> Drive {
        Drive {
            transport: Bus::Scsi,
            usb_driver: None,
            serial: Some("S1".into()),
            serial_source: None,
            serial_is_bridges: false,
            model: None,
            firmware: None,
            wwn: None,
            layers: Vec::new(),
            ata,
            nvme: Probe::not_applicable("not an NVMe namespace"),
            scsi,
            hidden: crate::identify::HiddenAreas::not_applicable("test"),
            exposed: None,
        }
    }

    #[test]
    fn each_technique_goes_to_its_interface_and_auto_takes_the_strongest() {
        let none = || Probe::not_applicable("test");
        let sas = drive(
            none(),
            Probe::Known(crate::identify::scsi::ScsiFacts {
                sanitize: crate::identify::scsi::ScsiSanitize {
                    overwrite: true,
                    block_erase: true,
                    crypto_erase: false,
                },
            }),
        );
        assert!(check(Technique::ScsiSanitizeBlock, &sas).is_ok());
        assert!(check(Technique::ScsiSanitizeCrypto, &sas)
            .unwrap_err()
            .why
            .en()
            .contains("does not offer"));
        assert!(check(Technique::NvmeFormatUser, &sas)
            .unwrap_err()
            .why
            .en()
            .contains("not an NVMe drive"));
        assert!(check(Technique::AtaSanitizeBlock, &sas)
            .unwrap_err()
            .why
            .en()
            .contains("not an ATA drive"));
        assert_eq!(choose(&sas).unwrap().0, Technique::ScsiSanitizeBlock);
        // A disk that did not say (QEMU's scsi-hd): nothing is sent, and auto finds nothing.
        let mute = drive(
            none(),
            Probe::Unknown {
                reason: "REPORT SUPPORTED OPERATION CODES: invalid command operation code".into(),
            },
        );
        assert!(check(Technique::ScsiSanitizeOverwrite, &mute)
            .unwrap_err()
            .why
            .en()
            .contains("did not say"));
        assert!(choose(&mute)
            .unwrap_err()
            .why
            .en()
            .contains("offers no firmware erase"));
        // An ATA drive behind a bridge that passes nothing.
        let bridged = drive(
            Probe::Unknown {
                reason: "ATA pass-through not available".into(),
            },
            Probe::not_applicable("test"),
        );
        assert!(check(Technique::AtaSecureErase, &bridged)
            .unwrap_err()
            .why
            .en()
            .contains("could not be read"));
        assert!(check(Technique::ScsiSanitizeBlock, &bridged)
            .unwrap_err()
            .why
            .en()
            .contains("not a SCSI disk"));
        assert!(Technique::firmware()
            .iter()
            .all(|t| t.is_firmware() && t.category() != "clear" || t.is_security_erase()));
    }

    /// A simulated controller shared with the test, behind the transport the thread gets.
    struct Shared(std::sync::Arc<std::sync::Mutex<crate::identify::sim::SimNvme>>);

    impl crate::device::transport::Transport for Shared {
        fn scsi(
            &mut self,
            cdb: &[u8],
            data: crate::device::transport::Data<'_>,
            timeout_ms: u32,
        ) -> std::io::Result<crate::device::transport::ScsiReply> {
            self.0.lock().unwrap().scsi(cdb, data, timeout_ms)
        }
        fn nvme_admin(
            &mut self,
            cmd: &crate::device::transport::NvmeAdmin,
            data: &mut [u8],
        ) -> std::io::Result<crate::device::transport::NvmeReply> {
            self.0.lock().unwrap().nvme_admin(cmd, data)
        }
    }

    fn nvme_drive(sim: &crate::identify::sim::SimNvme) -> Drive {
        let mut d = drive(Probe::not_applicable("test"), Probe::not_applicable("test"));
        d.transport = Bus::Nvme;
        d.nvme = Probe::Known(crate::identify::NvmeFacts {
            controller: crate::identify::nvme::Controller::parse(&sim.controller_page()).unwrap(),
            nsid: 1,
            namespace: crate::identify::nvme::Namespace::parse(&sim.namespace_page()).unwrap(),
        });
        d
    }

    #[test]
    fn a_format_the_drive_is_slow_to_answer_is_waited_for_in_sight() {
        let mut sim = crate::identify::sim::SimNvme::new("NVMESIM1", 131_072);
        sim.format_takes = Duration::from_millis(2500);
        let drive = nvme_drive(&sim);
        assert_eq!(choose(&drive).unwrap().0, Technique::NvmeFormatUser);
        let sim = std::sync::Arc::new(std::sync::Mutex::new(sim));
        let mut shown = Vec::new();
        let done = run_on(
            Box::new(Shared(sim.clone())),
            Technique::NvmeFormatUser,
            drive,
            None,
            "/dev/nvme9n1".into(),
            Watch {
                stop: &|| false,
                waiting: &mut |waited, limit| shown.push((waited, limit)),
            },
        )
        .unwrap()
        .unwrap();
        assert!(done.technique.contains("Format NVM"), "{done:?}");
        // Shown after two seconds and every two seconds after, with the limit the drive
        // is given.
        assert!(!shown.is_empty() && shown[0].0 >= WAIT_EVERY, "{shown:?}");
        assert!(shown.iter().all(|(_, l)| *l == Some(FORMAT_TIMEOUT)), "{shown:?}");
        assert!(
            shown.windows(2).all(|w| w[1].0 - w[0].0 >= WAIT_EVERY),
            "{shown:?}"
        );
        let sim = sim.lock().unwrap();
        assert_eq!(sim.formatted, 1);
        // The command went with its bound: the kernel aborts it after an hour.
        assert_eq!(
            sim.sent.last().map(|c| (c.opcode, c.timeout_ms)),
            Some((0x80, 3_600_000))
        );
    }

    #[test]
    fn a_stop_ends_the_wait_for_a_drive_that_does_not_answer_at_once() {
        let mut sim = crate::identify::sim::SimNvme::new("NVMESIM2", 131_072);
        sim.format_takes = Duration::from_secs(20);
        let drive = nvme_drive(&sim);
        let t = std::time::Instant::now();
        let stop = || t.elapsed() > Duration::from_millis(300);
        let r = run_on(
            Box::new(Shared(std::sync::Arc::new(std::sync::Mutex::new(sim)))),
            Technique::NvmeFormatUser,
            drive,
            None,
            "/dev/nvme9n1".into(),
            Watch {
                stop: &stop,
                waiting: &mut |_, _| {},
            },
        );
        assert!(
            matches!(r, Err(Interrupted { after }) if after >= Duration::from_millis(300)),
            "{:?}",
            r.err()
        );
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    }

    /// A controller whose sanitize never ends: its log says "in progress", counted.
    struct Endless(std::sync::Arc<std::sync::atomic::AtomicU32>);

    impl crate::device::transport::Transport for Endless {
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
            cmd: &crate::device::transport::NvmeAdmin,
            data: &mut [u8],
        ) -> std::io::Result<crate::device::transport::NvmeReply> {
            assert!(cmd.timeout_ms > 0, "a command without a bound: {cmd:?}");
            if cmd.opcode == crate::device::nvme::GET_LOG_PAGE {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                data[2] = 2;
            }
            Ok(Default::default())
        }
    }

    #[test]
    fn a_sanitize_no_longer_waited_for_is_no_longer_polled() {
        use std::sync::atomic::Ordering;
        let polls = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let counted = polls.clone();
        let t = std::time::Instant::now();
        let mut shown = 0;
        let r = watched(
            move || {
                let poll = Duration::from_millis(50);
                nvme::wait_sanitize(
                    &mut Endless(counted),
                    nvme::SanitizeAction::BlockErase,
                    poll,
                    LONGEST,
                    "/dev/nvme9n1",
                )
            },
            Duration::from_millis(100),
            &|| t.elapsed() > Duration::from_millis(500),
            &mut |_| shown += 1,
        );
        assert!(r.is_err(), "interrupted");
        assert!(shown >= 2, "shown {shown} times");
        std::thread::sleep(Duration::from_millis(300));
        let n = polls.load(Ordering::SeqCst);
        assert!(n >= 3, "polled {n} times");
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(
            polls.load(Ordering::SeqCst),
            n,
            "still polled after the wait ended"
        );
    }

    #[test]
    fn the_markers_digest_covers_token_places_and_fingerprints() {
        let m = |token: &str, offset: u64, print: u8| Markers {
            token: token.into(),
            offsets: vec![0, offset],
            unit: 512,
            sampled: vec![(2048, [print; 32])],
        };
        let d = m("00112233", 4096, 7).digest();
        assert_eq!(d.len(), 64);
        assert_eq!(
            d,
            m("00112233", 4096, 7).digest(),
            "the same markers, the same digest"
        );
        for other in [
            m("00112234", 4096, 7),
            m("00112233", 8192, 7),
            m("00112233", 4096, 8),
        ] {
            assert_ne!(other.digest(), d);
        }
    }

    #[test]
    fn the_journal_is_private_and_a_forged_one_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cp/device-S1.firmware.json");
        let j = Journal {
            format: JOURNAL_FORMAT.into(),
            target: serde_json::from_str(
                r#"{"kind":"block-device","path":"/dev/sdz","size":1048576,"serial":"S1"}"#,
            )
            .unwrap(),
            technique: Technique::AtaSecureErase,
            markers: Markers {
                token: "00".into(),
                offsets: vec![0, 4096],
                unit: 512,
                sampled: vec![(2048, [7; 32])],
            },
            started: chrono::Utc::now(),
            sent: None,
            carrier: None,
            password: Some("mediasan-0011223344556677".into()),
        };
        j.save(&path).unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!((mode(&path), mode(path.parent().unwrap())), (0o600, 0o700));
        let back = Journal::load(&path).unwrap();
        assert_eq!(
            (back.technique, back.markers.sampled.len()),
            (Technique::AtaSecureErase, 1)
        );
        assert_eq!(
            ata::Password::from_text(back.password.as_deref().unwrap())
                .unwrap()
                .text(),
            "mediasan-0011223344556677"
        );
        for (from, to) in [
            (JOURNAL_FORMAT, "mediasan-firmware-journal/0"),
            ("\"unit\": 512", "\"unit\": 7"),
        ] {
            let text = std::fs::read_to_string(&path).unwrap().replace(from, to);
            let forged = dir.path().join("forged.json");
            std::fs::write(&forged, text).unwrap();
            assert!(Journal::load(&forged).is_err(), "{to}");
        }
    }

    #[test]
    fn only_blocks_that_hold_something_are_fingerprinted() {
        assert!(uniform(&[0u8; 512]));
        assert!(uniform(&[0xffu8; 512]));
        let mut b = [0u8; 512];
        b[17] = 1;
        assert!(!uniform(&b));
    }

    #[test]
    fn old_content_left_unchanged_fails_the_check() {
        let c = MarkerCheck {
            planted: 33,
            fingerprinted: 20,
            unchanged: 1,
            ..Default::default()
        };
        assert!(!c.holds());
        let c = MarkerCheck {
            planted: 33,
            fingerprinted: 20,
            ..Default::default()
        };
        assert!(c.holds());
    }
}
