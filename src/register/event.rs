//! Register events: their frozen kind names, the canonical encoding their hash
//! covers, and the chain that links each to its predecessor.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The namespace of register signatures (SSHSIG).
pub const NAMESPACE: &str = "mediasan-register";

/// The hash a first event names as its predecessor.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Every event kind, with its name as it enters the hash encoding. Frozen: docs/register.md, *Events*.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    RegisterCreated,
    PersonEnrolled,
    PersonRetired,
    CarrierRegistered,
    CarrierIssued,
    CarrierReturned,
    CarrierTransferred,
    RemovedForRepair,
    ReturnedFromRepair,
    DestructionApproved,
    ApprovalRevoked,
    WipeStarted,
    WipeFinished,
    CertificateSigned,
    CertificateCosigned,
    HandedOverForDestruction,
    Destroyed,
    Disposed,
    Checkpoint,
    /// Added after the first frozen list: one pass of a carrier's wipe is written and synced.
    PassFinished,
    /// Added after the first frozen list: an image carrier registered by its path is
    /// identified by the file itself (`file:MAJ:MIN:INO`).
    CarrierIdentified,
}

impl Kind {
    /// Whether the event's text comes from a person (names, notes, facilities, paper
    /// references) rather than from mediasan (a wipe's result, a certificate): such text
    /// is refused with a control character in it.
    pub fn is_typed_in(self) -> bool {
        !matches!(
            self,
            Kind::WipeStarted
                | Kind::WipeFinished
                | Kind::CertificateSigned
                | Kind::CertificateCosigned
                | Kind::Checkpoint
                | Kind::PassFinished
                | Kind::CarrierIdentified
        )
    }

    pub const ALL: [Kind; 21] = [
        Kind::RegisterCreated,
        Kind::PersonEnrolled,
        Kind::PersonRetired,
        Kind::CarrierRegistered,
        Kind::CarrierIssued,
        Kind::CarrierReturned,
        Kind::CarrierTransferred,
        Kind::RemovedForRepair,
        Kind::ReturnedFromRepair,
        Kind::DestructionApproved,
        Kind::ApprovalRevoked,
        Kind::WipeStarted,
        Kind::WipeFinished,
        Kind::CertificateSigned,
        Kind::CertificateCosigned,
        Kind::HandedOverForDestruction,
        Kind::Destroyed,
        Kind::Disposed,
        Kind::Checkpoint,
        Kind::PassFinished,
        Kind::CarrierIdentified,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::RegisterCreated => "register-created",
            Kind::PersonEnrolled => "person-enrolled",
            Kind::PersonRetired => "person-retired",
            Kind::CarrierRegistered => "carrier-registered",
            Kind::CarrierIssued => "carrier-issued",
            Kind::CarrierReturned => "carrier-returned",
            Kind::CarrierTransferred => "carrier-transferred",
            Kind::RemovedForRepair => "removed-for-repair",
            Kind::ReturnedFromRepair => "returned-from-repair",
            Kind::DestructionApproved => "destruction-approved",
            Kind::ApprovalRevoked => "approval-revoked",
            Kind::WipeStarted => "wipe-started",
            Kind::WipeFinished => "wipe-finished",
            Kind::CertificateSigned => "certificate-signed",
            Kind::CertificateCosigned => "certificate-cosigned",
            Kind::HandedOverForDestruction => "handed-over-for-destruction",
            Kind::Destroyed => "destroyed",
            Kind::Disposed => "disposed",
            Kind::Checkpoint => "checkpoint",
            Kind::PassFinished => "pass-finished",
            Kind::CarrierIdentified => "carrier-identified",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// One event as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    /// UTC, RFC 3339 with microseconds (`2026-11-27T07:01:25.123456Z`).
    pub time: String,
    pub kind: String,
    /// The acting person's id.
    pub actor: String,
    /// The carrier, person or approval the event is about ("" when none).
    pub subject: String,
    /// A JSON object, stored and hashed exactly as written.
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
    /// The actor's armored SSHSIG over `hash` (its 64 hex digits, as ASCII).
    pub signature: String,
}

/// An event's hashed fields, before its hash and signature exist.
#[derive(Clone, Copy, Debug)]
pub struct Fields<'a> {
    pub seq: u64,
    pub time: &'a str,
    pub kind: &'a str,
    pub actor: &'a str,
    pub subject: &'a str,
    pub details: &'a str,
    pub prev_hash: &'a str,
}

impl Fields<'_> {
    /// The SHA-256, in hex, of the canonical encoding: a tag, then the register id and
    /// every field as an 8-byte big-endian length followed by its bytes, in a fixed
    /// order. Nothing is left to a JSON serialiser's whims.
    pub fn hash(&self, register_id: &str) -> String {
        let mut h = Sha256::new();
        h.update(b"mediasan-register-event/1");
        let seq = self.seq.to_string();
        for field in [
            register_id,
            &seq,
            self.time,
            self.kind,
            self.actor,
            self.subject,
            self.details,
            self.prev_hash,
        ] {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        hex(&h.finalize())
    }
}

impl Event {
    pub fn fields(&self) -> Fields<'_> {
        Fields {
            seq: self.seq,
            time: &self.time,
            kind: &self.kind,
            actor: &self.actor,
            subject: &self.subject,
            details: &self.details,
            prev_hash: &self.prev_hash,
        }
    }

    /// The hash this event's fields give.
    pub fn computed_hash(&self, register_id: &str) -> String {
        self.fields().hash(register_id)
    }
}

pub fn hex(bytes: &[u8]) -> String {
    crate::pattern::hex(bytes)
}

/// A time in the register's format.
pub fn format_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub fn parse_time(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_the_frozen_ones() {
        // docs/register.md's first list, then the kinds added since (never renamed, never removed).
        let names: Vec<_> = Kind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(
            names.join(" "),
            "register-created person-enrolled person-retired carrier-registered carrier-issued \
             carrier-returned carrier-transferred removed-for-repair returned-from-repair \
             destruction-approved approval-revoked wipe-started wipe-finished certificate-signed \
             certificate-cosigned handed-over-for-destruction destroyed disposed checkpoint \
             pass-finished carrier-identified"
        );
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.name()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.name());
        }
    }

    #[test]
    fn the_encoding_is_unambiguous() {
        let f = Fields {
            seq: 1,
            time: "t",
            kind: "k",
            actor: "ab",
            subject: "c",
            details: "{}",
            prev_hash: GENESIS,
        };
        let a = f.hash("r");
        let b = Fields {
            actor: "a",
            subject: "bc",
            ..f
        }
        .hash("r");
        assert_ne!(a, b, "moving bytes between fields changes the hash");
        assert_eq!(a.len(), 64);
        assert_eq!(a, f.hash("r"));
        assert_ne!(a, f.hash("s"), "the register id is hashed");
    }

    #[test]
    fn times_round_trip() {
        let t = parse_time("2026-11-27T07:01:25.123456Z").unwrap();
        assert_eq!(format_time(t), "2026-11-27T07:01:25.123456Z");
    }
}
