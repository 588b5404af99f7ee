//! The register's state (people, carriers, approvals) and the rules every event
//! must obey. [`apply`] is the one place the rules live: appending an event runs
//! it against the SQLite tables, `register verify` against a state rebuilt from
//! the events alone, and the two must agree.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::event::{parse_time, Event, Kind};

/// A person's role (docs/register.md: operator, supervisor, approver).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Operator,
    Supervisor,
    Approver,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Supervisor => "supervisor",
            Role::Approver => "approver",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        [Role::Operator, Role::Supervisor, Role::Approver]
            .into_iter()
            .find(|r| r.name() == s)
    }
    /// The role as a word of a sentence, in the language in use.
    pub fn word(self) -> String {
        match self {
            Role::Operator => crate::t!("role-operator"),
            Role::Supervisor => crate::t!("role-supervisor"),
            Role::Approver => crate::t!("role-approver"),
        }
    }
}

/// Classification levels (seed art. 21), highest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Classification {
    TopSecret,
    Secret,
    Confidential,
    Internal,
    Unclassified,
}

impl Classification {
    pub const ALL: [Classification; 5] = [
        Classification::TopSecret,
        Classification::Secret,
        Classification::Confidential,
        Classification::Internal,
        Classification::Unclassified,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Classification::TopSecret => "top-secret",
            Classification::Secret => "secret",
            Classification::Confidential => "confidential",
            Classification::Internal => "internal",
            Classification::Unclassified => "unclassified",
        }
    }
    pub fn parse(s: &str) -> Option<Classification> {
        Classification::ALL.into_iter().find(|c| c.name() == s)
    }
    /// 绝密, 机密, 秘密: a state secret.
    pub fn is_classified(self) -> bool {
        matches!(
            self,
            Classification::TopSecret | Classification::Secret | Classification::Confidential
        )
    }
    pub fn chinese(self) -> &'static str {
        match self {
            Classification::TopSecret => "绝密",
            Classification::Secret => "机密",
            Classification::Confidential => "秘密",
            Classification::Internal => "内部",
            Classification::Unclassified => "非密",
        }
    }
}

/// What a carrier is (disks, USB drives, laptops, optical discs, tapes,
/// printer hard drives).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum CarrierKind {
    Hdd,
    Ssd,
    Usb,
    Laptop,
    Optical,
    Tape,
    PrinterHdd,
    Other,
}

impl CarrierKind {
    pub const ALL: [CarrierKind; 8] = [
        CarrierKind::Hdd,
        CarrierKind::Ssd,
        CarrierKind::Usb,
        CarrierKind::Laptop,
        CarrierKind::Optical,
        CarrierKind::Tape,
        CarrierKind::PrinterHdd,
        CarrierKind::Other,
    ];
    pub fn name(self) -> &'static str {
        match self {
            CarrierKind::Hdd => "hdd",
            CarrierKind::Ssd => "ssd",
            CarrierKind::Usb => "usb",
            CarrierKind::Laptop => "laptop",
            CarrierKind::Optical => "optical",
            CarrierKind::Tape => "tape",
            CarrierKind::PrinterHdd => "printer-hdd",
            CarrierKind::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<CarrierKind> {
        CarrierKind::ALL.into_iter().find(|k| k.name() == s)
    }
    /// The names, for messages.
    pub fn names() -> String {
        CarrierKind::ALL.map(CarrierKind::name).join(", ")
    }
}

impl std::fmt::Display for CarrierKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}
pub const DESTRUCTION_METHODS: [&str; 4] = ["degauss", "shred", "incinerate", "other"];

/// Where a carrier is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    InStore,
    Issued,
    InRepair,
    Approved,
    Wiping,
    Wiped,
    HandedOver,
    Destroyed,
    Disposed,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::InStore,
        Status::Issued,
        Status::InRepair,
        Status::Approved,
        Status::Wiping,
        Status::Wiped,
        Status::HandedOver,
        Status::Destroyed,
        Status::Disposed,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Status::InStore => "in-store",
            Status::Issued => "issued",
            Status::InRepair => "in-repair",
            Status::Approved => "approved",
            Status::Wiping => "wiping",
            Status::Wiped => "wiped",
            Status::HandedOver => "handed-over",
            Status::Destroyed => "destroyed",
            Status::Disposed => "disposed",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.name() == s)
    }
    /// The status as a word of a sentence, in the language in use.
    pub fn word(self) -> String {
        match self {
            Status::InStore => crate::t!("status-in-store"),
            Status::Issued => crate::t!("status-issued"),
            Status::InRepair => crate::t!("status-in-repair"),
            Status::Approved => crate::t!("status-approved"),
            Status::Wiping => crate::t!("status-wiping"),
            Status::Wiped => crate::t!("status-wiped"),
            Status::HandedOver => crate::t!("status-handed-over"),
            Status::Destroyed => crate::t!("status-destroyed"),
            Status::Disposed => crate::t!("status-disposed"),
        }
    }
}

/// Words joined as alternatives: "a or b or c" in English, "a、b或c" in Chinese.
pub fn alternatives(words: &[String]) -> String {
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push_str(&if i + 1 == words.len() {
                crate::t!("rule-list-last")
            } else {
                crate::t!("rule-list-sep")
            });
        }
        out.push_str(w);
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub title: Option<String>,
    pub role: Role,
    /// One OpenSSH line, without comment.
    pub public_key: String,
    pub fingerprint: String,
    pub enrolled_seq: u64,
    pub retired_seq: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Carrier {
    pub id: String,
    pub kind: CarrierKind,
    pub serial: String,
    pub make: String,
    pub model: String,
    pub capacity: u64,
    pub classification: Classification,
    pub unit: String,
    /// The person accountable for it.
    pub custodian: String,
    /// Who has it now, when issued.
    pub holder: Option<String>,
    pub host_asset: Option<String>,
    pub label: Option<String>,
    pub status: Status,
    /// Ever held top-secret, secret or confidential data (seed art. 30).
    pub ever_classified: bool,
    pub registered_seq: u64,
    pub updated_seq: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approval {
    pub id: String,
    pub carrier: String,
    pub serial: String,
    pub classification: Classification,
    pub action: String,
    pub nonce: String,
    /// Who recorded it: an approver, or a supervisor recording a paper form.
    pub approver: String,
    pub paper_ref: Option<String>,
    pub issued: String,
    pub expires: String,
    pub revoked_seq: Option<u64>,
    pub seq: u64,
}

/// The register's own facts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub register_id: String,
    pub org: String,
    pub location: Option<String>,
    pub founder: String,
    pub founder_key: String,
    /// How many supervisors must co-sign a certificate.
    pub supervisors_required: u32,
    /// The suite every event of this register is signed in (`sshsig` for a register
    /// made before suites were recorded).
    #[serde(default)]
    pub suite: crate::keys::Suite,
}

/// What an event's rules need to read.
pub trait View {
    fn meta(&self) -> Option<Meta>;
    fn person(&self, id: &str) -> Option<Person>;
    fn person_by_fingerprint(&self, fingerprint: &str) -> Option<Person>;
    fn carrier(&self, id: &str) -> Option<Carrier>;
    /// Every carrier ever registered with this serial.
    fn carriers_by_serial(&self, serial: &str) -> Vec<Carrier>;
    fn approval(&self, id: &str) -> Option<Approval>;
    fn approvals_for(&self, carrier: &str) -> Vec<Approval>;
}

/// A change an event makes to the derived state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Meta(Meta),
    Person(Person),
    Carrier(Carrier),
    Approval(Approval),
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// An event the rules refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RuleError(pub String);

fn refuse<T>(msg: impl Into<String>) -> Result<T, RuleError> {
    Err(RuleError(msg.into()))
}

// Details of each event kind, as stored in `details`.

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterCreated {
    pub register_id: String,
    pub org: String,
    pub location: Option<String>,
    pub founder: String,
    pub founder_key: String,
    pub supervisors_required: u32,
    /// Absent in registers made before suites were recorded: `sshsig`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite: Option<crate::keys::Suite>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonEnrolled {
    pub name: String,
    pub title: Option<String>,
    pub role: Role,
    pub public_key: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarrierRegistered {
    pub kind: CarrierKind,
    pub serial: String,
    pub make: String,
    pub model: String,
    pub capacity: u64,
    pub classification: Classification,
    pub unit: String,
    pub custodian: String,
    pub host_asset: Option<String>,
    pub label: Option<String>,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Movement {
    /// The person who receives it (issue, transfer).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub to: Option<String>,
    /// Repair vendor, destruction facility, disposal destination...
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub note: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DestructionApproved {
    pub approval: String,
    pub register_id: String,
    pub serial: String,
    pub classification: Classification,
    pub action: String,
    pub nonce: String,
    pub expires: String,
    pub paper_ref: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRevoked {
    pub approval: String,
    pub reason: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WipeStarted {
    pub approval: String,
    pub serial: String,
    pub target: String,
    pub method: String,
    /// A firmware erase's markers (SHA-256 of their canonical JSON: token, places and
    /// fingerprints), recorded before anything is written, so that `wipe --resume` can
    /// tell the journal's markers from invented ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub markers_sha256: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WipeFinished {
    pub outcome: String,
    /// SHA-256 of the result document as saved.
    pub result_sha256: String,
    pub bytes_written: u64,
    pub verification: String,
    /// Regions the wipe could not write (the medium must be destroyed).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub unwritten: Vec<crate::verify::Span>,
}

/// One pass of a carrier's wipe, written whole and synced: what a resumed wipe may
/// count without writing it again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassFinished {
    /// The sequence number of the wipe-started event that began this wipe (its
    /// first run, when it was resumed).
    pub wipe: u64,
    /// 1-based pass, of how many.
    pub pass: u32,
    pub of: u32,
    /// The pass's pattern label, and for a random pass the SHA-256 of its key.
    pub pattern: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub key_sha256: Option<String>,
    pub bytes: u64,
}

/// An image carrier registered by its path (or by its file's object without the birth
/// time), identified from now on by the file itself, birth included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarrierIdentified {
    /// The serial it had: the image's absolute path, or `file:MAJ:MIN:INO`.
    pub previous: String,
    /// `file:MAJ:MIN:INO:bSECS.NANOS`, the object the image was when this was signed.
    pub serial: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Destroyed {
    pub method: String,
    pub facility: String,
    pub receipt: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Disposed {
    pub destination: String,
    /// Reused outside the unit (donated, sold, returned to a lessor).
    pub external_reuse: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateEvent {
    pub certificate: String,
    /// SHA-256 of the certificate's canonical body.
    pub body_sha256: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    pub head_seq: u64,
    pub head_hash: String,
}

fn details<T: serde::de::DeserializeOwned>(ev: &Event) -> Result<T, RuleError> {
    serde_json::from_str(&ev.details).map_err(|e| {
        RuleError(crate::t!(
            "rule-malformed-details",
            seq = ev.seq.to_string(),
            kind = ev.kind.as_str(),
            error = e.to_string()
        ))
    })
}

/// The longest serial number the register takes (SCSI's unit serial page holds up
/// to 251 bytes; ATA's is 20, NVMe's 20).
pub const MAX_SERIAL: usize = 256;
/// The longest image path taken as a serial (PATH_MAX), and any other text field.
pub const MAX_PATH: usize = 4096;
pub const MAX_TEXT: usize = 1024;

/// Checks `ev` against the state `view` shows and returns the changes it makes: who may
/// act at all here, then the rule of the event's kind (one function each, below).
pub fn apply(view: &dyn View, ev: &Event) -> Result<Vec<Change>, RuleError> {
    let kind = Kind::parse(&ev.kind)
        .ok_or_else(|| RuleError(crate::t!("rule-unknown-kind", kind = format!("{:?}", ev.kind))))?;
    if kind == Kind::RegisterCreated {
        if ev.seq != 1 || view.meta().is_some() {
            return refuse(crate::t!("rule-created-not-first"));
        }
        let d: RegisterCreated = details(ev)?;
        if d.founder != ev.actor {
            return refuse(crate::t!("rule-founder-signs"));
        }
        return Ok(vec![Change::Meta(Meta {
            register_id: d.register_id,
            org: d.org,
            location: d.location,
            founder: d.founder,
            founder_key: d.founder_key,
            supervisors_required: d.supervisors_required.max(1),
            suite: d.suite.unwrap_or_default(),
        })]);
    }
    let meta = view
        .meta()
        .ok_or_else(|| RuleError(crate::t!("rule-no-created")))?;

    // The founder's self-enrolment is the one event signed by someone not yet enrolled.
    if kind == Kind::PersonEnrolled && ev.actor == meta.founder && view.person(&meta.founder).is_none() {
        let d: PersonEnrolled = details(ev)?;
        if ev.subject != meta.founder || d.role != Role::Approver || d.public_key != meta.founder_key {
            return refuse(crate::t!("rule-founder-first"));
        }
        return Ok(vec![Change::Person(person(ev, d)?)]);
    }

    let actor = view
        .person(&ev.actor)
        .ok_or_else(|| RuleError(crate::t!("rule-not-enrolled", actor = ev.actor.as_str())))?;
    if actor.retired_seq.is_some() {
        return refuse(crate::t!(
            "rule-actor-retired",
            actor = actor.id.as_str(),
            name = actor.name.as_str()
        ));
    }
    let time = parse_time(&ev.time)
        .ok_or_else(|| RuleError(crate::t!("rule-malformed-time", seq = ev.seq.to_string())))?;
    let act = Act {
        view,
        ev,
        meta: &meta,
        actor: &actor,
        time,
        kind,
    };
    match kind {
        Kind::RegisterCreated => unreachable!("handled above"),
        Kind::PersonEnrolled => person_enrolled(&act),
        Kind::PersonRetired => person_retired(&act),
        Kind::CarrierRegistered => carrier_registered(&act),
        Kind::DestructionApproved => destruction_approved(&act),
        Kind::ApprovalRevoked => approval_revoked(&act),
        Kind::WipeStarted => wipe_started(&act),
        Kind::WipeFinished => wipe_finished(&act),
        Kind::CarrierIdentified => carrier_identified(&act),
        Kind::PassFinished => pass_finished(&act),
        Kind::CertificateSigned | Kind::CertificateCosigned => certificate_recorded(&act),
        Kind::Checkpoint => checkpoint(&act),
        Kind::CarrierIssued
        | Kind::CarrierReturned
        | Kind::CarrierTransferred
        | Kind::RemovedForRepair
        | Kind::ReturnedFromRepair
        | Kind::HandedOverForDestruction => moved(&act),
        Kind::Destroyed => destroyed(&act),
        Kind::Disposed => disposed(&act),
    }
}

/// An event to check, with what every rule asks of it: the register's facts, the acting
/// person (enrolled, not retired) and the event's time.
struct Act<'a> {
    view: &'a dyn View,
    ev: &'a Event,
    meta: &'a Meta,
    actor: &'a Person,
    time: DateTime<Utc>,
    kind: Kind,
}

impl Act<'_> {
    /// Refuses an actor whose role is not one of `roles`.
    fn need(&self, roles: &[Role]) -> Result<(), RuleError> {
        let actor = self.actor;
        if roles.contains(&actor.role) {
            return Ok(());
        }
        let words: Vec<_> = roles.iter().map(|r| r.word()).collect();
        refuse(crate::t!(
            "rule-wrong-role",
            actor = actor.id.as_str(),
            name = actor.name.as_str(),
            role = actor.role.name(),
            kind = self.ev.kind.as_str(),
            roles = alternatives(&words)
        ))
    }
}

/// The rule of `Kind::PersonEnrolled`.
fn person_enrolled(a: &Act<'_>) -> Result<Vec<Change>, RuleError> {
    let view = a.view;
    let ev = a.ev;
    let need = |roles: &[Role]| a.need(roles);
    need(&[Role::Approver])?;
    if view.person(&ev.subject).is_some() {
        return refuse(crate::t!("rule-person-exists", person = ev.subject.as_str()));
    }
    let d: PersonEnrolled = details(ev)?;
    let p = person(ev, d)?;
    if let Some(other) = view.person_by_fingerprint(&p.fingerprint) {
        return refuse(crate::t!(
            "rule-key-enrolled-as",
            fingerprint = p.fingerprint.as_str(),
            person = other.id.as_str()
        ));
    }
    Ok(vec![Change::Person(p)])
}

/// The rule of `Kind::PersonRetired`.
fn person_retired(a: &Act<'_>) -> Result<Vec<Change>, RuleError> {
    let view = a.view;
    let ev = a.ev;
    let need = |roles: &[Role]| a.need(roles);
    need(&[Role::Approver])?;
    let mut p = view
        .person(&ev.subject)
        .ok_or_else(|| RuleError(crate::t!("rule-no-person", person = ev.subject.as_str())))?;
    if p.retired_seq.is_some() {
        return refuse(crate::t!("rule-already-retired", person = p.id.as_str()));
    }
    p.retired_seq = Some(ev.seq);
    Ok(vec![Change::Person(p)])
}

/// The rule of `Kind::CarrierRegistered`.
fn carrier_registered(a: &Act<'_>) -> Result<Vec<Change>, RuleError> {
    let view = a.view;
    let ev = a.ev;
    let need = |roles: &[Role]| a.need(roles);
    need(&[Role::Operator, Role::Supervisor])?;
    if view.carrier(&ev.subject).is_some() {
        return refuse(crate::t!("rule-carrier-exists", carrier = ev.subject.as_str()));
    }
    let d: CarrierRegistered = details(ev)?;
    // One live carrier per serial; a serial that was ever classified stays so.
    let same = view.carriers_by_serial(d.serial.trim());
    if let Some(live) = same
        .iter()
        .find(|c| !matches!(c.status, Status::Destroyed | Status::Disposed))
    {
        return refuse(crate::t!(
            "rule-serial-taken",
            serial = format!("{:?}", d.serial),
            carrier = live.id.as_str(),
            status = live.status.word()
        ));
    }
    let ever_classified = d.classification.is_classified() || same.iter().any(|c| c.ever_classified);
    if d.serial.trim().is_empty() {
        return refuse(crate::t!("rule-no-serial"));
    }
    if d.serial.len() > MAX_PATH {
        return refuse(crate::t!(
            "rule-serial-too-long",
            bytes = d.serial.len().to_string()
        ));
    }
    active_person(view, &d.custodian, || crate::t!("rule-who-custodian"))?;
    Ok(vec![Change::Carrier(Carrier {
        id: ev.subject.clone(),
        kind: d.kind,
        serial: d.serial,
        make: d.make,
        model: d.model,
        capacity: d.capacity,
        classification: d.classification,
        unit: d.unit,
        custodian: d.custodian,
        holder: None,
        host_asset: d.host_asset,
        label: d.label,
        status: Status::InStore,
        ever_classified,
        registered_seq: ev.seq,
        updated_seq: ev.seq,
    })])
}

/// The rule of `Kind::DestructionApproved`.
fn destruction_approved(a: &Act<'_>) -> Result<Vec<Change>, RuleError> {
    let view = a.view;
    let ev = a.ev;
    let meta = a.meta;
    let time = a.time;
    let need = |roles: &[Role]| a.need(roles);
    let d: DestructionApproved = details(ev)?;
    match d.paper_ref {
        Some(_) => need(&[Role::Supervisor, Role::Approver])?,
        None => need(&[Role::Approver])?,
    }
    let mut c = carrier(view, ev)?;
    if d.register_id != meta.register_id {
        return refuse(crate::t!("rule-approval-other-register"));
    }
    if d.serial != c.serial || d.classification != c.classification {
        return refuse(crate::t!("rule-approval-mismatch", carrier = c.id.as_str()));
    }
    if view.approval(&d.approval).is_some() {
        return refuse(crate::t!("rule-approval-exists", approval = d.approval.as_str()));
    }
    let expires = parse_time(&d.expires).ok_or_else(|| RuleError(crate::t!("rule-malformed-expiry")))?;
    if expires <= time {
        return refuse(crate::t!("rule-approval-expires-early"));
    }
    allowed(
        &c,
        &[Status::InStore, Status::Issued, Status::Approved, Status::Wiped],
        ev,
    )?;
    if c.status != Status::Wiped {
        c.status = Status::Approved;
    }
    c.updated_seq = ev.seq;
    Ok(vec![
        Change::Approval(Approval {
            id: d.approval,
            carrier: c.id.clone(),
            serial: d.serial,
            classification: d.classification,
            action: d.action,
            nonce: d.nonce,
            approver: ev.actor.clone(),
            paper_ref: d.paper_ref,
            issued: ev.time.clone(),
            expires: d.expires,
            revoked_seq: None,
            seq: ev.seq,
        }),
        Change::Carrier(c),
    ])
}

/// The rule of `Kind::ApprovalRevoked`.
fn approval_revoked(a: &Act<'_>) -> Result<Vec<Change>, RuleError> {
    let view = a.view;
    let ev = a.ev;
    let actor = a.actor;
    let time = a.time;
    let d: ApprovalRevoked = details(ev)?;
    let mut a = view
        .approval(&d.approval)
        .ok_or_else(|| RuleError(crate::t!("register-no-approval", approval = d.approval.as_str())))?;
    if actor.role != Role::Approver && a.approver != actor.id {
        return refuse(crate::t!("rule-revoke-who"));
    }
    if a.revoked_seq.is_some() {
        return refuse(crate::t!(
            "rule-approval-already-revoked",
            approval = a.id.as_str()
        ));
    }
    if a.carrier != ev.subject {
        return refuse(crate::t!(
            "approval-other-carrier",
            approval = a.id.as_str(),
            other = a.carrier.as_str(),
            carrier = ev.subject.as_str()
        ));
    }
    let mut c = carrier(view, ev)?;
    live(&c, ev)?;
    a.revoked_seq = Some(ev.seq);
    let others = view
        .approvals_for(&c.id)
        .into_iter()
        .filter(|o| o.id != a.id)
        .any(|o| usable(&o, time));
    let mut out = vec![Change::Approval(a)];
    if c.status == Status::Approved && !others {
        c.status = Status::InStore;
        c.updated_seq = ev.seq;
        out.push(Change::Carrier(c));
    }
    Ok(out)
}

/// The rule of `Kind::WipeStarted`.
fn wipe_started(a: &Act<'_>) -> Result<Vec<Change>, RuleError> {
    let view = a.view;
    let ev = a.ev;
    let time = a.time;
    let need = |roles: &[Role]| a.need(roles);
    need(&[Role::Operator])?;
    let d: WipeStarted = details(ev)?;
    let mut c = carrier(view, ev)?;
    let a = valid_approval(view, &d.approval, &c, &ev.actor, time)?;
    if d.serial != c.serial {
        return refuse(crate::t!(
            "rule-wipe-serial",
            serial = format!("{:?}", d.serial),
            carrier = c.id.as_str(),
            registered = format!("{:?}", c.serial)
        ));
    }
    let _ = a;
    if d.markers_sha256.as_deref().is_some_and(|m| !is_sha256_hex(m)) {
        return refuse(crate::t!("rule-markers-digest"));
    }
    allowed(&c, &[Status::Approved, Status::Wiping, Status::Wiped], ev)?;
    c.status = Status::Wiping;
    c.updated_seq = ev.seq;
    Ok(vec![Change::Carrier(c)])
}

/// The rule of `Kind::WipeFinished`.
fn wipe_finished(a: &Act<'_>) -> Result<Vec<Change>, RuleError> {
    let view = a.view;
    let ev = a.ev;
    let need = |roles: &[Role]| a.need(roles);
    need(&[Role::Operator])?;
    let d: WipeFinished = details(ev)?;
    let mut c = carrier(view, ev)?;
    allowed(&c, &[Status::Wiping], ev)?;
    c.status = if d.outcome == "sanitised" {
        Status::Wiped
    } else {
        Status::Approved
    };
    c.updated_seq = ev.seq;
    Ok(vec![Change::Carrier(c)])
}

/// The rule of `Kind::CarrierIdentified`.
fn carrier_identified(a: &Act<'_>) -> Result<Vec<Change>, RuleError> {
    let view = a.view;
    let ev = a.ev;
    let need = |roles: &[Role]| a.need(roles);
    need(&[Role::Operator, Role::Supervisor])?;
    let d: CarrierIdentified = details(ev)?;
    let mut c = carrier(view, ev)?;
    live(&c, ev)?;
    let Some(new) = crate::medium::Object::parse(&d.serial) else {
        return refuse(crate::t!(
            "rule-not-file-identity",
            serial = format!("{:?}", d.serial)
        ));
    };
    // From an image's path, or from the same file's object named without its
    // birth (registers before births) to the object with it.
    let upgrade = crate::medium::Object::parse(&c.serial)
        .is_some_and(|old| old.birth.is_none() && new.birth.is_some() && old.same_inode(&new));
    if d.previous != c.serial || !(c.serial.starts_with('/') || upgrade) {
        return refuse(crate::t!(
            "rule-not-image-path",
            carrier = c.id.as_str(),
            serial = format!("{:?}", c.serial),
            path = format!("{:?}", d.previous)
        ));
    }
    if let Some(other) = view
        .carriers_by_serial(&d.serial)
        .into_iter()
        .find(|o| !matches!(o.status, Status::Destroyed | Status::Disposed))
    {
        return refuse(crate::t!(
            "rule-object-taken",
            serial = d.serial.as_str(),
            carrier = other.id.as_str()
        ));
    }
    c.serial = d.serial;
    c.updated_seq = ev.seq;
    Ok(vec![Change::Carrier(c)])
}

/// The rule of `Kind::PassFinished`.
fn pass_finished(a: &Act<'_>) -> Result<Vec<Change>, RuleError> {
    let view = a.view;
    let ev = a.ev;
    let need = |roles: &[Role]| a.need(roles);
    need(&[Role::Operator])?;
    let d: PassFinished = details(ev)?;
    let c = carrier(view, ev)?;
    allowed(&c, &[Status::Wiping], ev)?;
    if d.pass == 0 || d.pass > d.of || d.wipe >= ev.seq {
        return refuse(crate::t!(
            "rule-not-a-pass",
            pass = d.pass.to_string(),
            of = d.of.to_string(),
            wipe = d.wipe.to_string()
        ));
    }
    Ok(vec![])
}

/// The rule of a certificate signed or co-signed.
fn certificate_recorded(a: &Act<'_>) -> Result<Vec<Change>, RuleError> {
    let view = a.view;
    let ev = a.ev;
    let kind = a.kind;
    let need = |roles: &[Role]| a.need(roles);
    need(if kind == Kind::CertificateSigned {
        &[Role::Operator]
    } else {
        &[Role::Supervisor]
    })?;
    let mut c = carrier(view, ev)?;
    live(&c, ev)?;
    c.updated_seq = ev.seq;
    Ok(vec![Change::Carrier(c)])
}

/// The rule of `Kind::Checkpoint`.
fn checkpoint(a: &Act<'_>) -> Result<Vec<Change>, RuleError> {
    let ev = a.ev;
    let need = |roles: &[Role]| a.need(roles);
    need(&[Role::Supervisor])?;
    let d: Checkpoint = details(ev)?;
    if d.head_seq + 1 != ev.seq || d.head_hash != ev.prev_hash {
        return refuse(crate::t!("rule-checkpoint-head"));
    }
    Ok(vec![])
}

/// The rule of a carrier's movements: issued, returned, transferred, out to repair and
/// back, handed over for destruction.
fn moved(a: &Act<'_>) -> Result<Vec<Change>, RuleError> {
    let view = a.view;
    let ev = a.ev;
    let time = a.time;
    let kind = a.kind;
    let need = |roles: &[Role]| a.need(roles);
    need(&[Role::Operator, Role::Supervisor])?;
    let d: Movement = details(ev)?;
    let mut c = carrier(view, ev)?;
    let (from, to): (&[Status], Status) = match kind {
        Kind::CarrierIssued => (&[Status::InStore], Status::Issued),
        Kind::CarrierReturned => (&[Status::Issued], Status::InStore),
        Kind::CarrierTransferred => (&[Status::InStore, Status::Issued], c.status),
        Kind::RemovedForRepair => (&[Status::InStore, Status::Issued], Status::InRepair),
        Kind::ReturnedFromRepair => (&[Status::InRepair], Status::InStore),
        _ => (&[Status::Approved, Status::Wiped], Status::HandedOver),
    };
    allowed(&c, from, ev)?;
    if kind == Kind::HandedOverForDestruction && !has_valid_approval(view, &c, time) {
        return refuse(crate::t!("rule-no-valid-approval", carrier = c.id.as_str()));
    }
    match kind {
        Kind::CarrierIssued => {
            let to =
                d.to.as_deref()
                    .ok_or_else(|| RuleError(crate::t!("rule-issue-needs-person")))?;
            active_person(view, to, || crate::t!("rule-who-recipient"))?;
            c.holder = Some(to.to_string());
        }
        Kind::CarrierReturned => c.holder = None,
        Kind::CarrierTransferred => {
            let to =
                d.to.as_deref()
                    .ok_or_else(|| RuleError(crate::t!("rule-transfer-needs-custodian")))?;
            active_person(view, to, || crate::t!("rule-who-new-custodian"))?;
            c.custodian = to.to_string();
        }
        _ => {}
    }
    c.status = to;
    c.updated_seq = ev.seq;
    Ok(vec![Change::Carrier(c)])
}

/// The rule of `Kind::Destroyed`.
fn destroyed(a: &Act<'_>) -> Result<Vec<Change>, RuleError> {
    let view = a.view;
    let ev = a.ev;
    let time = a.time;
    let need = |roles: &[Role]| a.need(roles);
    need(&[Role::Operator, Role::Supervisor])?;
    let d: Destroyed = details(ev)?;
    if !DESTRUCTION_METHODS.contains(&d.method.as_str()) {
        return refuse(crate::t!(
            "rule-unknown-destruction",
            method = format!("{:?}", d.method),
            methods = DESTRUCTION_METHODS.join(", ")
        ));
    }
    let mut c = carrier(view, ev)?;
    // Several methods may follow each other (art. 24): destroyed → destroyed.
    if c.status != Status::Destroyed {
        allowed(&c, &[Status::HandedOver, Status::Approved, Status::Wiped], ev)?;
        if c.status != Status::HandedOver && !has_valid_approval(view, &c, time) {
            return refuse(crate::t!("rule-no-valid-approval", carrier = c.id.as_str()));
        }
    }
    c.status = Status::Destroyed;
    c.updated_seq = ev.seq;
    Ok(vec![Change::Carrier(c)])
}

/// The rule of `Kind::Disposed`.
fn disposed(a: &Act<'_>) -> Result<Vec<Change>, RuleError> {
    let view = a.view;
    let ev = a.ev;
    let need = |roles: &[Role]| a.need(roles);
    need(&[Role::Operator, Role::Supervisor])?;
    let d: Disposed = details(ev)?;
    let mut c = carrier(view, ev)?;
    live(&c, ev)?;
    if c.ever_classified {
        return refuse(if d.external_reuse {
            crate::t!("rule-classified-no-reuse", carrier = c.id.as_str())
        } else {
            crate::t!("rule-classified-no-disposal", carrier = c.id.as_str())
        });
    }
    allowed(&c, &[Status::InStore, Status::Wiped], ev)?;
    c.status = Status::Disposed;
    c.holder = None;
    c.updated_seq = ev.seq;
    Ok(vec![Change::Carrier(c)])
}

fn person(ev: &Event, d: PersonEnrolled) -> Result<Person, RuleError> {
    if !valid_id(&ev.subject) {
        return refuse(crate::t!("rule-person-id", person = format!("{:?}", ev.subject)));
    }
    let key = crate::keys::parse_public(&d.public_key)
        .map_err(|e| RuleError(crate::t!("rule-bad-public-key", error = e.to_string())))?;
    Ok(Person {
        id: ev.subject.clone(),
        name: d.name,
        title: d.title,
        role: d.role,
        public_key: key.line(),
        fingerprint: key.fingerprint(),
        enrolled_seq: ev.seq,
        retired_seq: None,
    })
}

/// Person ids are principals in OpenSSH allowed_signers files: ASCII, no spaces.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// The person `id`, enrolled and not retired; `who` says what they are to the event
/// (its custodian, its recipient), in the language in use; asked only for a refusal.
fn active_person(view: &dyn View, id: &str, who: fn() -> String) -> Result<Person, RuleError> {
    match view.person(id) {
        Some(p) if p.retired_seq.is_none() => Ok(p),
        Some(p) => refuse(crate::t!(
            "rule-person-retired",
            who = who(),
            person = p.id.as_str()
        )),
        None => refuse(crate::t!("rule-person-not-enrolled", who = who(), person = id)),
    }
}

fn carrier(view: &dyn View, ev: &Event) -> Result<Carrier, RuleError> {
    view.carrier(&ev.subject)
        .ok_or_else(|| RuleError(crate::t!("register-no-carrier", carrier = ev.subject.as_str())))
}

/// Destroyed and disposed carriers accept nothing more.
fn live(c: &Carrier, ev: &Event) -> Result<(), RuleError> {
    match c.status {
        Status::Destroyed => refuse(crate::t!(
            "rule-destroyed",
            carrier = c.id.as_str(),
            kind = ev.kind.as_str()
        )),
        Status::Disposed => refuse(crate::t!(
            "rule-disposed",
            carrier = c.id.as_str(),
            kind = ev.kind.as_str()
        )),
        _ => Ok(()),
    }
}

fn allowed(c: &Carrier, from: &[Status], ev: &Event) -> Result<(), RuleError> {
    live(c, ev)?;
    if from.contains(&c.status) {
        return Ok(());
    }
    let words: Vec<_> = from.iter().map(|s| s.word()).collect();
    refuse(crate::t!(
        "rule-wrong-status",
        carrier = c.id.as_str(),
        status = c.status.word(),
        kind = ev.kind.as_str(),
        statuses = alternatives(&words)
    ))
}

/// Unrevoked and unexpired at `time`.
fn usable(a: &Approval, time: chrono::DateTime<chrono::Utc>) -> bool {
    a.revoked_seq.is_none() && parse_time(&a.expires).is_some_and(|e| e > time)
}

/// Whether any approval for `c` is valid at `time` and still matches it.
fn has_valid_approval(view: &dyn View, c: &Carrier, time: chrono::DateTime<chrono::Utc>) -> bool {
    view.approvals_for(&c.id)
        .iter()
        .any(|a| usable(a, time) && a.serial == c.serial && a.classification == c.classification)
}

/// An approval that lets `operator` wipe `c` at `time`.
pub fn valid_approval(
    view: &dyn View,
    id: &str,
    c: &Carrier,
    operator: &str,
    time: chrono::DateTime<chrono::Utc>,
) -> Result<Approval, RuleError> {
    let a = view
        .approval(id)
        .ok_or_else(|| RuleError(crate::t!("register-no-approval", approval = id)))?;
    if a.carrier != c.id {
        return refuse(crate::t!(
            "approval-other-carrier",
            approval = id,
            other = a.carrier.as_str(),
            carrier = c.id.as_str()
        ));
    }
    if a.revoked_seq.is_some() {
        return refuse(crate::t!("approval-revoked", approval = id));
    }
    if parse_time(&a.expires).is_none_or(|e| e <= time) {
        return refuse(crate::t!(
            "approval-expired",
            approval = id,
            expires = a.expires.as_str()
        ));
    }
    if a.approver == operator {
        return refuse(crate::t!("approval-own-wipe", approval = id, operator = operator));
    }
    if a.serial != c.serial || a.classification != c.classification {
        return refuse(crate::t!(
            "approval-stale",
            approval = id,
            carrier = c.id.as_str()
        ));
    }
    Ok(a)
}
