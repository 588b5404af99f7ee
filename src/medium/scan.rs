//! What is attached: every disk, identified as a wipe would identify it, with the
//! wipe's own verdict on it.

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;

use crate::i18n::Said;
use crate::medium::{Access, Identity, Policy, Refusal, Sys, Target, TargetError};
use crate::model::drive::{serial_problem, Drive};

/// One disk as scan sees it.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Kernel name (`sda`) and node (`/dev/sda`).
    pub name: String,
    pub path: String,
    pub by_id: Vec<String>,
    pub removable: bool,
    /// The identity a wipe would record; `None` with `error` when the disk cannot be
    /// opened even to read (no medium, a node missing).
    pub identity: Option<Identity>,
    pub error: Option<Said>,
    /// Whether `mediasan wipe` would write it (after confirmation), and if not why.
    pub refusals: Vec<Refusal>,
    pub refused: Option<Said>,
    /// Why its serial cannot stand for the drive in the register.
    pub serial_problems: Vec<Said>,
}

impl Entry {
    pub fn wipeable(&self) -> bool {
        self.identity.is_some() && self.refused.is_none()
    }

    pub fn drive(&self) -> Option<&Drive> {
        self.identity.as_ref().and_then(|i| i.drive.as_ref())
    }

    /// The device holds the running system.
    pub fn backs_system(&self) -> bool {
        self.refusals
            .iter()
            .any(|r| matches!(r, Refusal::BacksRoot { .. }))
    }

    /// What has it in use: mounts, swap, holders, processes.
    pub fn in_use(&self) -> Vec<String> {
        self.refusals
            .iter()
            .filter(|r| {
                matches!(
                    r,
                    Refusal::Mounted { .. }
                        | Refusal::Swap { .. }
                        | Refusal::Holders { .. }
                        | Refusal::InUse { .. }
                )
            })
            .map(ToString::to_string)
            .collect()
    }
}

/// The disks worth listing: not hidden (multipath paths), not unbound loop devices.
pub fn disks(sys: &Sys) -> Vec<String> {
    sys.disks()
        .into_iter()
        .filter(|d| sys.disk_attr(d, "hidden").as_deref() != Some("1"))
        .filter(|d| !sys.is_loop(d) || sys.disk_attr(d, "loop/backing_file").is_some())
        .collect()
}

/// Scans every disk.
pub fn scan(sys: &Sys) -> Vec<Entry> {
    let mut out: Vec<Entry> = disks(sys).into_iter().map(|d| entry(sys, &d)).collect();
    // A serial two attached drives share names neither.
    let mut seen: HashMap<String, Vec<String>> = HashMap::new();
    for e in &out {
        if let Some(s) = e.identity.as_ref().and_then(|i| i.serial.clone()) {
            seen.entry(s).or_default().push(e.name.clone());
        }
    }
    for e in &mut out {
        if let Some(s) = e.identity.as_ref().and_then(|i| i.serial.as_ref()) {
            let others: Vec<&String> = seen[s].iter().filter(|n| **n != e.name).collect();
            if !others.is_empty() {
                let names: Vec<&str> = others.iter().map(|s| s.as_str()).collect();
                e.serial_problems
                    .push(crate::said!("serial-shared-scan", names = names.join(", ")));
            }
        }
    }
    out
}

fn entry(sys: &Sys, name: &str) -> Entry {
    let node = sys.dev_node(name);
    let path = crate::escape::path(&node);
    // The wipe's own checks first (read-only and not exclusively: a scan claims nothing);
    // only a disk they refuse is opened again, to be identified — each drive is probed
    // once if it can be.
    let checked = Target::open_with(&node, sys, Access::Inspect, &Policy::default());
    let (refusals, refused, identity) = match checked {
        Ok(t) => (Vec::new(), None, Some(t.identity)),
        Err(TargetError::Refused { reasons, .. }) => {
            let text = Said::of(|| {
                let sep = crate::t!("sep-clauses");
                reasons
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(&sep)
            });
            (reasons, Some(text), None)
        }
        Err(e) => (Vec::new(), Some(Said::of(|| e.to_string())), None),
    };
    let (identity, error) = match identity {
        Some(i) => (Some(i), None),
        None => match Target::open(&node, sys, Access::Read) {
            Ok(t) => (Some(t.identity), None),
            Err(e) => (None, Some(Said::of(|| e.to_string()))),
        },
    };
    let serial_problems = identity.as_ref().map(own_serial_problems).unwrap_or_default();
    Entry {
        name: name.into(),
        path,
        by_id: sys.by_id(name),
        removable: sys.disk_attr(name, "removable").as_deref() == Some("1"),
        identity,
        error,
        refusals,
        refused,
        serial_problems,
    }
}

/// Why a device's own serial cannot identify it as a carrier (without looking at the
/// other drives): none read, a placeholder, or only the USB bridge's.
pub fn own_serial_problems(id: &Identity) -> Vec<Said> {
    let mut out = Vec::new();
    match id.serial.as_deref() {
        None => out.push(crate::said!("serial-none")),
        Some(s) => {
            if let Some(p) = serial_problem(s) {
                let serial = format!("{s:?}");
                out.push(Said::of(|| {
                    crate::t!("serial-weak", serial = serial.as_str(), problem = p.to_string())
                }));
            }
        }
    }
    if id.drive.as_ref().is_some_and(|d| d.serial_is_bridges) {
        out.push(crate::said!("serial-bridges"));
    }
    out
}

/// An attached disk's serial, and whether it is only its USB bridge's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attached {
    pub disk: String,
    pub serial: String,
    pub bridges: bool,
}

/// The serial of every attached disk that has one, each probed read-only and not
/// exclusively (a probe disturbs nothing); disks that cannot be opened are passed over.
pub fn attached(sys: &Sys) -> Vec<Attached> {
    disks(sys)
        .into_iter()
        .filter_map(|d| {
            let file = OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
                .open(sys.dev_node(&d))
                .ok()?;
            let drive = crate::identify::identify(sys, &d, &mut crate::device::transport::Device(&file));
            Some(Attached {
                serial: drive.serial?,
                bridges: drive.serial_is_bridges,
                disk: d,
            })
        })
        .collect()
}

/// The other attached disks whose drive reports `serial`.
pub fn sharing(sys: &Sys, serial: &str, except_disk: &str) -> Vec<String> {
    attached(sys)
        .into_iter()
        .filter(|a| a.disk != except_disk && a.serial == serial)
        .map(|a| a.disk)
        .collect()
}

/// Why `serial`, about to be registered, cannot identify a carrier, judged by what is
/// attached now: a USB bridge reports it, or two drives do.
pub fn registration_problem(attached: &[Attached], serial: &str) -> Option<String> {
    let with: Vec<&Attached> = attached.iter().filter(|a| a.serial == serial).collect();
    if let Some(a) = with.iter().find(|a| a.bridges) {
        return Some(crate::t!("serial-of-bridge", disk = a.disk.as_str()));
    }
    (with.len() > 1).then(|| {
        let names: Vec<&str> = with.iter().map(|a| a.disk.as_str()).collect();
        crate::t!("serial-all-report", names = names.join(", "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bridge_serial_or_a_shared_one_is_no_carrier_identity() {
        let a = |disk: &str, serial: &str, bridges| Attached {
            disk: disk.into(),
            serial: serial.into(),
            bridges,
        };
        let attached = [
            a("sda", "S3Z1NB0K862928X", false),
            a("sdb", "BRIDGE01", true),
            a("sdc", "TWIN", false),
            a("sdd", "TWIN", false),
        ];
        assert_eq!(registration_problem(&attached, "S3Z1NB0K862928X"), None);
        assert_eq!(registration_problem(&attached, "NOT-ATTACHED"), None);
        assert!(registration_problem(&attached, "BRIDGE01")
            .unwrap()
            .contains("USB bridge of sdb"));
        assert!(registration_problem(&attached, "TWIN")
            .unwrap()
            .contains("sdc, sdd"));
    }
}
