//! The certificate of a wipe: its body, made from what was done (the category and
//! technique follow the outcome), its id, and writing it whole or not at all.

use std::path::Path;

use super::{
    Body, Certificate, Media, Organisation, PersonRef, RegisterRef, Sanitisation, VerificationSummary,
};
use crate::config::Station;
use crate::medium::{Identity, Kind};
use crate::model::report::{Outcome, WipeReport};
use crate::register::{Carrier, Event, Meta, Person};

/// Whether the medium's data was backed up before the wipe (NIST SP 800-88 r1
/// Appendix G).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum BackedUp {
    Yes,
    No,
    #[default]
    Unknown,
}

impl BackedUp {
    pub fn name(self) -> &'static str {
        match self {
            BackedUp::Yes => "yes",
            BackedUp::No => "no",
            BackedUp::Unknown => "unknown",
        }
    }
}

/// What the certificate of a wipe says besides the wipe's result: who, for which
/// register and carrier, linked to which event.
#[derive(Clone, Copy, Debug)]
pub struct WipeContext<'a> {
    pub id: &'a str,
    pub issued: &'a str,
    pub register: Option<&'a Meta>,
    /// The operator as the register knows them, and their key's fingerprint.
    pub person: Option<&'a Person>,
    pub fingerprint: &'a str,
    pub carrier: Option<&'a Carrier>,
    pub approval: Option<&'a str>,
    /// The wipe-finished event.
    pub event: Option<&'a Event>,
    pub backed_up: BackedUp,
    pub backup_location: Option<&'a str>,
    /// The station's configuration: its contact phone, and its organisation where no
    /// register vouches for the wipe.
    pub station: Option<&'a crate::config::Station>,
}

impl Body {
    /// The body of the certificate of an overwrite whose result is `report`.
    pub fn of_wipe(report: &WipeReport, identity: &Identity, c: WipeContext) -> Body {
        let carrier = c.carrier;
        let classified = carrier.is_some_and(|c| c.ever_classified);
        let sanitised = report.outcome == Outcome::Sanitised;
        let mut notes = Vec::new();
        let hidden_areas = match &identity.drive {
            None if identity.kind == Kind::File => "not applicable: a file".to_string(),
            None => "not examined".to_string(),
            Some(d) => {
                let n = d.hidden.hidden_sectors();
                if let Some(e) = d.exposed {
                    notes.push(format!(
                        "a Host Protected Area was removed before the wipe ({}): {} of {} sectors were shown before, all were written",
                        if e.volatile { "SET MAX ADDRESS, volatile" } else { "SET ACCESSIBLE MAX ADDRESS, permanent" },
                        e.visible,
                        e.native
                    ));
                }
                if n > 0 {
                    notes.push(format!(
                        "{n} sectors hidden by HPA/DCO were not written: the medium must be destroyed physically"
                    ));
                } else if d.hidden.any_unknown() {
                    notes.push(format!(
                        "hidden areas (HPA/DCO) could not be examined: {}; sectors there, if any, were not written",
                        d.hidden.summary().en()
                    ));
                }
                d.hidden.summary().en().to_string()
            }
        };
        if let Some(f) = &report.firmware {
            notes.push(format!(
                "firmware erase: {}; the drive reported: {}; {} markers planted before it, {} found after it, {} unreadable",
                f.command, f.drive_status, f.markers.planted, f.markers.found, f.markers.unreadable
            ));
            if f.followed {
                let held = if report.register.is_some() {
                    "the register's wipe-started event recorded their digest before the erase, and the journal's markers matched it"
                } else {
                    "the readback proves the erase as far as that journal is genuine"
                };
                notes.push(format!(
                    "resumed after an interruption ({}): the sanitize the interrupted run sent was followed to its end; the markers read back were planted by that run and kept in its journal in the checkpoint folder; {held}",
                    report.resumed.iter().map(|r| r.at.format("%Y-%m-%d %H:%M:%S UTC").to_string()).collect::<Vec<_>>().join(", ")
                ));
            }
            if f.category == "clear" {
                notes.push("SECURITY ERASE UNIT's reach (reallocated sectors, spare flash) is the vendor's: counted as Clear, not Purge".into());
            }
        }
        if identity.kind == Kind::File {
            notes.push("a file was overwritten through its file system; copies kept by copy-on-write, journals, snapshots or flash are not reached".into());
        }
        // The category a carrier of this kind of medium needs to be released, by the
        // rules of docs/purge.md: flash (or a medium not known to spin) needs Purge, since
        // an overwrite cannot reach its spare blocks; a magnetic disk is released by Clear.
        let category = match (&report.firmware, sanitised) {
            (_, false) => "none",
            (Some(f), true) => f.category.as_str(),
            (None, true) => "clear",
        };
        let flash = identity.kind == Kind::BlockDevice && identity.rotational != Some(true);
        let below = carrier.is_some() && flash && sanitised && category != "purge";
        if below {
            notes.push(format!(
                "a registered carrier on flash (or a medium not known to be magnetic) needs Purge to be released; {category} reaches less (spare blocks, over-provisioning): the medium must be destroyed physically"
            ));
        }
        if !sanitised {
            notes.push(
                format!(
                    "the wipe ended {:?}: the medium may still hold data",
                    report.outcome
                )
                .to_lowercase(),
            );
        }
        let v = &report.verification;
        Body {
            format: super::FORMAT.into(),
            id: c.id.into(),
            issued: c.issued.into(),
            tool: crate::model::report::Tool::this(),
            // The register's, which its founder signed; else the station's own word.
            organisation: match (c.register, c.station) {
                (Some(m), _) => Some(Organisation {
                    name: m.org.clone(),
                    location: m.location.clone(),
                }),
                (
                    None,
                    Some(Station {
                        organisation: Some(name),
                        location,
                        ..
                    }),
                ) => Some(Organisation {
                    name: name.clone(),
                    location: location.clone(),
                }),
                _ => None,
            },
            person: PersonRef {
                id: c.person.map_or("unregistered".into(), |p| p.id.clone()),
                name: c.person.map(|p| p.name.clone()),
                title: c.person.and_then(|p| p.title.clone()),
                // The station's contact phone (its configuration's `contact`).
                phone: c.station.and_then(|s| s.contact.clone()),
                fingerprint: c.fingerprint.into(),
            },
            media: Media {
                carrier: carrier.map(|c| c.id.clone()),
                kind: carrier.map(|c| c.kind.name().to_string()),
                make: carrier.map(|c| c.make.clone()),
                model: carrier
                    .map(|c| c.model.clone())
                    .or_else(|| identity.model.clone()),
                serial: carrier
                    .map(|c| c.serial.clone())
                    .or_else(|| identity.serial.clone()),
                capacity: identity.size,
                classification: carrier.map(|c| c.classification.name().to_string()),
                host_asset: carrier.and_then(|c| c.host_asset.clone()),
                label: carrier.and_then(|c| c.label.clone()),
                source: carrier.map(|c| match &c.host_asset {
                    Some(asset) => format!("host asset {asset}"),
                    None => format!("custodian {}", c.custodian),
                }),
                backed_up: c.backed_up.name().into(),
                backup_location: c.backup_location.map(str::to_string),
                hidden_areas,
                target: identity.clone(),
            },
            sanitisation: Sanitisation {
                // NIST SP 800-88 Clear is what a finished, verified overwrite achieves;
                // a wipe that did not end sanitised achieved no category.
                category: category.to_string(),
                technique: report
                    .firmware
                    .as_ref()
                    .map_or("overwrite".to_string(), |f| f.technique.clone()),
                method: report.method.name.clone(),
                outcome: report.outcome.name().into(),
                result: report.clone(),
            },
            verification: VerificationSummary {
                method: v.mode.name().into(),
                result: v.result.name().into(),
                assurance: v.assurance.as_ref().map(|a| a.statement.en().to_string()),
            },
            post_sanitisation_classification: carrier.map(|c| c.classification.name().to_string()),
            destination: if classified {
                "physical destruction as a classified carrier (seed art. 29)".into()
            } else if !sanitised {
                "physical destruction: the overwrite did not complete".into()
            } else if below {
                "physical destruction: flash needs Purge to be released".into()
            } else {
                "reuse within the unit, or disposal".into()
            },
            destination_category: Some(
                if classified || !sanitised || below {
                    "other"
                } else {
                    "internal-reuse"
                }
                .into(),
            ),
            must_destroy_physically: classified || !sanitised || below,
            notes,
            register: RegisterRef {
                linked: carrier.is_some(),
                register_id: carrier.and(c.register.map(|m| m.register_id.clone())),
                approval: c.approval.map(str::to_string),
                event_seq: c.event.map(|e| e.seq),
                event_hash: c.event.map(|e| e.hash.clone()),
            },
        }
    }
}

/// A certificate id not yet taken in `dir`: `<carrier or target>-<UTC time>`, then
/// `-2`, `-3` … — two targets of one name wiped in one second (`a/disk.img`,
/// `b/disk.img`), or one carrier wiped twice, each get their own certificate.
pub fn free_id(dir: &Path, carrier: Option<&Carrier>, identity: &Identity, stamp: &str) -> String {
    let subject = carrier.map(|c| c.id.clone()).unwrap_or_else(|| {
        let name = identity.device.clone().unwrap_or_else(|| {
            Path::new(&identity.path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        name.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    });
    (1..)
        .map(|n| match n {
            1 => format!("{subject}-{stamp}"),
            n => format!("{subject}-{stamp}-{n}"),
        })
        .find(|id| !dir.join(format!("{id}.cert.json")).exists())
        .unwrap_or_default()
}

/// Writes a certificate file whole or not at all (a temporary file renamed, in a folder
/// only root can change: [`crate::files`]); never over an existing file unless `replace`.
pub fn write(path: &Path, c: &Certificate, replace: bool) -> Result<(), crate::files::FileError> {
    let (folder, name) = crate::files::folder_of(path)?;
    folder.write(name, c.to_file().as_bytes(), replace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identify::{Area, Bus, Drive, HiddenAreas, Probe};

    /// The wipe result inside the committed sample certificate.
    fn report() -> WipeReport {
        let c: serde_json::Value =
            serde_json::from_str(include_str!("../../fixtures/certs/sample-linked.cert.json")).unwrap();
        serde_json::from_value(c["body"]["sanitisation"]["result"].clone()).unwrap()
    }

    fn drive(hpa: Area) -> Drive {
        Drive {
            transport: Bus::Sata,
            usb_driver: None,
            serial: Some("SIM0001".into()),
            serial_source: Some("ATA IDENTIFY DEVICE".into()),
            serial_is_bridges: false,
            model: None,
            firmware: None,
            wwn: None,
            layers: Vec::new(),
            ata: Probe::NotApplicable {
                reason: "test".into(),
            },
            nvme: Probe::NotApplicable {
                reason: "test".into(),
            },
            scsi: Probe::not_applicable("test"),
            hidden: HiddenAreas {
                hpa,
                dco: Area::None,
                host: Area::None,
            },
            exposed: None,
        }
    }

    fn body(report: &WipeReport) -> Body {
        let c = WipeContext {
            id: "t",
            issued: "2026-12-01T00:00:00Z",
            register: None,
            person: None,
            fingerprint: "SHA256:x",
            carrier: None,
            approval: None,
            event: None,
            backed_up: BackedUp::Unknown,
            backup_location: None,
            station: None,
        };
        Body::of_wipe(report, &report.target, c)
    }

    #[test]
    fn sectors_left_hidden_make_the_wipe_incomplete_and_the_medium_destroyed() {
        let mut r = report();
        assert_eq!(r.outcome, Outcome::Sanitised);
        r.target.kind = Kind::BlockDevice;
        r.target.drive = Some(drive(Area::Hidden {
            visible: 1_000_000,
            native: 1_002_048,
        }));
        r.account_hidden();
        assert_eq!(r.outcome, Outcome::Incomplete);
        let b = body(&r);
        assert_eq!(
            b.media.hidden_areas,
            "HPA hides 2048 sectors (visible 1000000 of 1002048)"
        );
        assert!(b.must_destroy_physically);
        assert_eq!(b.sanitisation.category, "none");
        assert!(
            b.notes.iter().any(|n| n.contains("2048 sectors hidden")),
            "{:?}",
            b.notes
        );
    }

    #[test]
    fn hidden_areas_not_examined_are_said_so() {
        let mut r = report();
        r.target.kind = Kind::BlockDevice;
        r.target.drive = Some(drive(Area::Unknown {
            reason: "READ NATIVE MAX ADDRESS: ATA pass-through not available".into(),
        }));
        r.account_hidden();
        assert_eq!(r.outcome, Outcome::Sanitised);
        let b = body(&r);
        assert!(
            b.media.hidden_areas.starts_with("unknown (HPA unknown"),
            "{}",
            b.media.hidden_areas
        );
        assert!(
            b.notes.iter().any(|n| n.contains("could not be examined")),
            "{:?}",
            b.notes
        );
        // Nothing hidden, nothing unknown: `none`, and no note about it.
        r.target.drive = Some(drive(Area::None));
        let b = body(&r);
        assert_eq!(b.media.hidden_areas, "none");
        assert!(!b.notes.iter().any(|n| n.contains("hidden")), "{:?}", b.notes);
    }
}
