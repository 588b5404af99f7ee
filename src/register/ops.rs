//! The register's operations, one per command: each builds its event's details,
//! allocates ids inside the appending transaction, and appends.

use chrono::Duration;
use serde_json::json;

use super::event::{format_time, Event, Kind};
use super::rules::{self, Classification, Role};
use super::{to_value, Register, RegisterError};
use crate::keys::{self, Signer};

type Result<T> = std::result::Result<T, RegisterError>;

/// A carrier to register.
#[derive(Clone, Debug, Default)]
pub struct NewCarrier {
    pub kind: String,
    pub serial: String,
    pub make: String,
    pub model: String,
    pub capacity: u64,
    pub classification: String,
    pub unit: String,
    pub custodian: String,
    pub host_asset: Option<String>,
    pub label: Option<String>,
}

impl NewCarrier {
    /// Checks the fields a person typed (or a CSV row held); the rules check the rest.
    pub fn validate(&self) -> std::result::Result<(rules::CarrierKind, Classification), String> {
        let kind = rules::CarrierKind::parse(&self.kind).ok_or_else(|| {
            crate::t!(
                "register-kind-unknown",
                kind = format!("{:?}", self.kind),
                kinds = rules::CarrierKind::names()
            )
        })?;
        if self.serial.trim().is_empty() {
            return Err(crate::t!("register-serial-empty"));
        }
        if self.serial.chars().any(char::is_control) {
            return Err(crate::t!("register-serial-control"));
        }
        let texts: [(fn() -> String, _); 6] = [
            (|| crate::t!("register-field-make"), Some(&self.make)),
            (|| crate::t!("register-field-model"), Some(&self.model)),
            (|| crate::t!("register-field-unit"), Some(&self.unit)),
            (|| crate::t!("register-field-custodian"), Some(&self.custodian)),
            (
                || crate::t!("register-field-host-asset"),
                self.host_asset.as_ref(),
            ),
            (|| crate::t!("register-field-label"), self.label.as_ref()),
        ];
        for (what, text) in texts {
            check_length(what, text.map_or("", String::as_str), MAX_TEXT)?;
        }
        check_length(
            || crate::t!("register-field-serial"),
            &self.serial,
            if self.serial.starts_with('/') {
                MAX_PATH
            } else {
                MAX_SERIAL
            },
        )?;
        let classification = Classification::parse(&self.classification).ok_or_else(|| {
            let names: Vec<_> = Classification::ALL.iter().map(|c| c.name()).collect();
            crate::t!(
                "register-classification-unknown",
                classification = format!("{:?}", self.classification),
                classifications = names.join(", ")
            )
        })?;
        Ok((kind, classification))
    }
}

/// What `register migrate` did: the events appended, and the carriers whose path
/// reaches no regular file, with why.
pub struct Migration {
    pub events: Vec<Event>,
    pub lost: Vec<(rules::Carrier, String)>,
}

pub use super::rules::{MAX_PATH, MAX_SERIAL, MAX_TEXT};

/// Refuses a string longer than `max` bytes, saying how long it is; `what` names the
/// field in the language in use (asked only for a refusal).
pub fn check_length(what: fn() -> String, text: &str, max: usize) -> std::result::Result<(), String> {
    if text.len() > max {
        return Err(crate::t!(
            "register-too-long",
            what = what(),
            bytes = text.len().to_string(),
            max = max.to_string()
        ));
    }
    Ok(())
}

impl NewCarrier {
    /// The serial as the register keeps it: a device's serial as typed (trimmed), or
    /// for an image file named by its absolute path, the file as an object
    /// (`file:MAJ:MIN:INO`), so that a hard link, a bind mount or a new name of the
    /// image is the same carrier.
    pub fn register_serial(&self) -> std::result::Result<String, String> {
        let serial = self.serial.trim();
        if !serial.starts_with('/') {
            return Ok(serial.to_string());
        }
        crate::medium::Object::of_file(std::path::Path::new(serial))
            .map(|o| o.to_string())
            .map_err(|e| {
                crate::t!(
                    "register-image-missing",
                    serial = format!("{serial:?}"),
                    error = e.to_string()
                )
            })
    }
}

impl Register {
    /// Enrols a person, signed by an approver. `id` defaults to the next `P-NNNN`.
    pub fn enrol(
        &mut self,
        signer: &Signer,
        id: Option<&str>,
        name: &str,
        title: Option<&str>,
        role: Role,
        public_key: &keys::PublicKey,
    ) -> Result<Event> {
        if self.person_by_fingerprint(&public_key.fingerprint())?.is_some() {
            return Err(RegisterError::Rule(rules::RuleError(crate::t!(
                "register-key-enrolled",
                fingerprint = public_key.fingerprint()
            ))));
        }
        let details = rules::PersonEnrolled {
            name: name.into(),
            title: title.map(str::to_string),
            role,
            public_key: public_key.line(),
        };
        self.append(Kind::PersonEnrolled, signer, |ids| {
            let id = match id {
                Some(id) => id.to_string(),
                None => ids.next("people", "P-", 4)?,
            };
            Ok((id, to_value(&details)?))
        })
    }

    pub fn retire(&mut self, signer: &Signer, who: &str) -> Result<Event> {
        let id = self.person_id(who)?;
        self.append(Kind::PersonRetired, signer, |_| Ok((id, json!({}))))
    }

    /// The person a command names: by id, or by name when exactly one enrolled person
    /// has it (two people with one name: the error lists both ids). A name nobody has
    /// is given back as it is, for the rules to refuse with their reason.
    pub fn person_id(&self, who: &str) -> Result<String> {
        if self.person(who)?.is_some() {
            return Ok(who.to_string());
        }
        let named: Vec<_> = self.people()?.into_iter().filter(|p| p.name == who).collect();
        match named.as_slice() {
            [one] => Ok(one.id.clone()),
            [] => Ok(who.to_string()),
            many => Err(RegisterError::Usage(crate::t!(
                "register-name-ambiguous",
                count = many.len().to_string(),
                name = who,
                ids = many.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join(", ")
            ))),
        }
    }

    /// Registers a carrier; its id is the next `C-YEAR-NNNN`.
    pub fn add_carrier(&mut self, signer: &Signer, c: &NewCarrier) -> Result<Event> {
        let mut events = self.add_carriers(signer, std::slice::from_ref(c))?;
        Ok(events.remove(0))
    }

    /// Registers several carriers in one transaction: all of them, or none. When there
    /// are several, an error names the 0-based index of the carrier that caused it
    /// ([`RegisterError::Row`], said `carrier N: …`).
    pub fn add_carriers(&mut self, signer: &Signer, carriers: &[NewCarrier]) -> Result<Vec<Event>> {
        let many = carriers.len() > 1;
        let row = |index: usize, e: RegisterError| {
            if many {
                RegisterError::Row {
                    index,
                    error: Box::new(e),
                }
            } else {
                e
            }
        };
        let details = carriers
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let checked = c.validate().and_then(|k| Ok((k, c.register_serial()?)));
                let ((kind, classification), serial) =
                    checked.map_err(|e| row(i, RegisterError::Usage(e)))?;
                // A serial that cannot tell one drive from another identifies no carrier
                // (an image file's object id always can).
                if let Some(p) =
                    crate::identify::serial_problem(&serial).filter(|_| !serial.starts_with("file:"))
                {
                    return Err(row(
                        i,
                        RegisterError::Rule(rules::RuleError(crate::t!(
                            "register-serial-weak",
                            serial = format!("{serial:?}"),
                            problem = p.to_string()
                        ))),
                    ));
                }
                Ok(rules::CarrierRegistered {
                    custodian: self.person_id(&c.custodian)?,
                    kind,
                    serial,
                    make: c.make.clone(),
                    model: c.model.clone(),
                    capacity: c.capacity,
                    classification,
                    unit: c.unit.clone(),
                    host_asset: c.host_asset.clone(),
                    label: c.label.clone(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        self.transact(|t| {
            let year = t.now().format("%Y").to_string();
            details
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    t.append(Kind::CarrierRegistered, signer, |ids| {
                        Ok((ids.next("carriers", &format!("C-{year}-"), 4)?, to_value(d)?))
                    })
                    .map_err(|e| match e {
                        RegisterError::Rule(_) => row(i, e),
                        other => other,
                    })
                })
                .collect()
        })
    }

    /// Issue, return, transfer, repair out and in, hand over for destruction.
    pub fn move_carrier(
        &mut self,
        signer: &Signer,
        kind: Kind,
        carrier: &str,
        to: Option<&str>,
        note: Option<&str>,
    ) -> Result<Event> {
        let details = rules::Movement {
            to: to.map(|p| self.person_id(p)).transpose()?,
            note: note.map(str::to_string),
        };
        self.append(kind, signer, |_| Ok((carrier.to_string(), to_value(&details)?)))
    }

    pub fn destroy(
        &mut self,
        signer: &Signer,
        carrier: &str,
        method: &str,
        facility: &str,
        receipt: Option<&str>,
    ) -> Result<Event> {
        let details = rules::Destroyed {
            method: method.into(),
            facility: facility.into(),
            receipt: receipt.map(str::to_string),
        };
        self.append(Kind::Destroyed, signer, |_| {
            Ok((carrier.to_string(), to_value(&details)?))
        })
    }

    pub fn dispose(
        &mut self,
        signer: &Signer,
        carrier: &str,
        destination: &str,
        external_reuse: bool,
    ) -> Result<Event> {
        let details = rules::Disposed {
            destination: destination.into(),
            external_reuse,
        };
        self.append(Kind::Disposed, signer, |_| {
            Ok((carrier.to_string(), to_value(&details)?))
        })
    }

    /// Approves the destruction (wipe, then physical destruction) of a carrier, bound
    /// to this register, its serial and classification, a nonce and an expiry.
    pub fn approve(
        &mut self,
        signer: &Signer,
        carrier: &str,
        valid_for: Duration,
        paper_ref: Option<&str>,
    ) -> Result<Event> {
        let c = self.carrier(carrier)?.ok_or_else(|| {
            RegisterError::Rule(rules::RuleError(crate::t!(
                "register-no-carrier",
                carrier = carrier
            )))
        })?;
        let meta = self
            .meta()?
            .ok_or_else(|| RegisterError::Usage(crate::t!("register-no-facts")))?;
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce)
            .map_err(|e| RegisterError::Usage(crate::t!("register-no-entropy", error = e.to_string())))?;
        self.append(Kind::DestructionApproved, signer, |ids| {
            // The expiry counts from the approval's own time.
            let expires = format_time(ids.now() + valid_for);
            let year = ids.now().format("%Y").to_string();
            let details = rules::DestructionApproved {
                approval: ids.next("approvals", &format!("A-{year}-"), 4)?,
                register_id: meta.register_id.clone(),
                serial: c.serial.clone(),
                classification: c.classification,
                action: "sanitise-and-destroy".into(),
                nonce: super::event::hex(&nonce),
                expires,
                paper_ref: paper_ref.map(str::to_string),
            };
            Ok((c.id.clone(), to_value(&details)?))
        })
    }

    pub fn revoke(&mut self, signer: &Signer, approval: &str, reason: Option<&str>) -> Result<Event> {
        let a = self.approval(approval)?.ok_or_else(|| {
            RegisterError::Rule(rules::RuleError(crate::t!(
                "register-no-approval",
                approval = approval
            )))
        })?;
        let details = rules::ApprovalRevoked {
            approval: approval.into(),
            reason: reason.map(str::to_string),
        };
        self.append(Kind::ApprovalRevoked, signer, |_| {
            Ok((a.carrier.clone(), to_value(&details)?))
        })
    }

    /// The newest approval that lets the holder of `signer` wipe `carrier` now.
    pub fn usable_approval(&self, signer: &Signer, carrier: &str) -> Result<rules::Approval> {
        let c = self.carrier(carrier)?.ok_or_else(|| {
            RegisterError::Rule(rules::RuleError(crate::t!(
                "register-no-carrier",
                carrier = carrier
            )))
        })?;
        let operator =
            self.person_by_fingerprint(&signer.fingerprint())?
                .ok_or(RegisterError::NotEnrolled {
                    fingerprint: signer.fingerprint(),
                })?;
        let view = super::views::CheckedView::new(self.conn_ref());
        let mut last_err = rules::RuleError(crate::t!("carrier-no-approval", carrier = carrier));
        let mut found = None;
        for a in self.approvals_for(carrier)?.into_iter().rev() {
            match rules::valid_approval(&view, &a.id, &c, &operator.id, self.now()) {
                Ok(a) => {
                    found = Some(a);
                    break;
                }
                Err(e) => last_err = e,
            }
        }
        // A read that failed is not "no approval": it is said as what it is.
        if let Some(e) = view.failure() {
            return Err(super::sql(self.path(), || {
                crate::t!("register-sql-read-the-approvals")
            })(e));
        }
        found.ok_or(RegisterError::Rule(last_err))
    }

    /// A carrier's wipe begins, under `approval`; `markers_sha256` is a firmware erase's
    /// markers' digest (`Markers::digest`), which `wipe --resume` holds its journal to.
    #[allow(clippy::too_many_arguments)]
    pub fn wipe_started(
        &mut self,
        signer: &Signer,
        carrier: &str,
        approval: &str,
        serial: &str,
        target: &str,
        method: &str,
        markers_sha256: Option<&str>,
    ) -> Result<Event> {
        let details = rules::WipeStarted {
            approval: approval.into(),
            serial: serial.into(),
            target: target.into(),
            method: method.into(),
            markers_sha256: markers_sha256.map(str::to_string),
        };
        self.append(Kind::WipeStarted, signer, |_| {
            Ok((carrier.to_string(), to_value(&details)?))
        })
    }

    pub fn wipe_finished(
        &mut self,
        signer: &Signer,
        carrier: &str,
        finished: &rules::WipeFinished,
    ) -> Result<Event> {
        self.append(Kind::WipeFinished, signer, |_| {
            Ok((carrier.to_string(), to_value(finished)?))
        })
    }

    /// Identifies every live carrier registered by an image's path by the file that
    /// path reaches now, in one transaction. Returns the events, and the carriers
    /// whose path reaches no regular file (they stay guarded by path only).
    pub fn migrate_identities(&mut self, signer: &Signer) -> Result<Migration> {
        use crate::medium::Object;
        let mut todo = Vec::new();
        let mut lost = Vec::new();
        for c in self.carriers(None, None, None)? {
            if matches!(c.status, rules::Status::Destroyed | rules::Status::Disposed) {
                continue;
            }
            let found = if c.serial.starts_with('/') {
                Object::of_file(std::path::Path::new(&c.serial)).map_err(|e| e.to_string())
            } else if let Some(old) = Object::parse(&c.serial).filter(|o| o.birth.is_none()) {
                // Named before births: found again where its file system is mounted, by
                // a path the register once knew, else by its inode.
                let known = self.events_about(&c.id)?.into_iter().filter_map(|e| {
                    serde_json::from_str::<rules::CarrierIdentified>(&e.details)
                        .ok()
                        .map(|d| std::path::PathBuf::from(d.previous))
                });
                crate::medium::locate(&old, known)
                    .and_then(|p| Object::of_file(&p).ok())
                    .filter(|o| o.same_inode(&old) && o.birth.is_some())
                    .ok_or_else(|| crate::t!("register-migrate-object-not-found", object = c.serial.as_str()))
            } else {
                continue;
            };
            match found {
                Ok(o) => todo.push((
                    c.id.clone(),
                    rules::CarrierIdentified {
                        previous: c.serial.clone(),
                        serial: o.to_string(),
                    },
                )),
                Err(e) => lost.push((c, e)),
            }
        }
        let events = self.transact(|t| {
            todo.iter()
                .map(|(id, d)| {
                    t.append(Kind::CarrierIdentified, signer, |_| {
                        Ok((id.clone(), to_value(d)?))
                    })
                })
                .collect()
        })?;
        Ok(Migration { events, lost })
    }

    /// One pass of a carrier's wipe is written whole and synced.
    pub fn pass_finished(
        &mut self,
        signer: &Signer,
        carrier: &str,
        pass: &rules::PassFinished,
    ) -> Result<Event> {
        self.append(Kind::PassFinished, signer, |_| {
            Ok((carrier.to_string(), to_value(pass)?))
        })
    }

    /// The markers' digests the carrier's firmware erases recorded when they began.
    pub fn markers_recorded(&self, carrier: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for e in self.events_about(carrier)? {
            if e.kind == Kind::WipeStarted.name() {
                let d: rules::WipeStarted = serde_json::from_str(&e.details)
                    .map_err(|err| RegisterError::Rule(rules::RuleError(err.to_string())))?;
                out.extend(d.markers_sha256);
            }
        }
        Ok(out)
    }

    /// The passes of the wipe begun at event `wipe` that the register records as
    /// finished, while that wipe has not ended otherwise than interrupted: what a
    /// resumed wipe may count without writing them again.
    pub fn finished_passes(&self, carrier: &str, wipe: u64) -> Result<Vec<rules::PassFinished>> {
        let events = self.events_about(carrier)?;
        let began = events
            .iter()
            .any(|e| e.seq == wipe && e.kind == Kind::WipeStarted.name());
        if !began {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for e in events.iter().filter(|e| e.seq > wipe) {
            if e.kind == Kind::WipeFinished.name() {
                let d: rules::WipeFinished = serde_json::from_str(&e.details)
                    .map_err(|err| RegisterError::Rule(rules::RuleError(err.to_string())))?;
                if d.outcome != "interrupted" {
                    return Ok(Vec::new());
                }
            } else if e.kind == Kind::PassFinished.name() {
                let d: rules::PassFinished = serde_json::from_str(&e.details)
                    .map_err(|err| RegisterError::Rule(rules::RuleError(err.to_string())))?;
                if d.wipe == wipe {
                    out.push(d);
                }
            }
        }
        Ok(out)
    }

    /// A supervisor signs the chain's head, to be printed and filed on paper.
    pub fn checkpoint(&mut self, signer: &Signer) -> Result<Event> {
        let (head_seq, head_hash) = self.head()?;
        let details = rules::Checkpoint { head_seq, head_hash };
        self.append(Kind::Checkpoint, signer, |_| {
            Ok((String::new(), to_value(&details)?))
        })
    }
}

impl Register {
    /// Records that a certificate was signed (operator) or co-signed (supervisor).
    pub fn certificate_event(
        &mut self,
        signer: &Signer,
        kind: Kind,
        carrier: &str,
        certificate: &str,
        digest: &str,
    ) -> Result<Event> {
        let details = rules::CertificateEvent {
            certificate: certificate.into(),
            body_sha256: digest.into(),
        };
        self.append(kind, signer, |_| Ok((carrier.to_string(), to_value(&details)?)))
    }
}
