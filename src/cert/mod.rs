//! Destruction certificates, `mediasan-certificate/1`: a body with the fields of
//! NIST SP 800-88 Appendix G and the register link, signed (SSHSIG, namespace
//! `mediasan-certificate`) by the operator and co-signed by supervisors over its
//! RFC 8785 canonical JSON. Specified in `docs/certificate-format.md`.

mod issue;
pub mod pdfa;
pub mod render;
pub mod signers;

pub use issue::{free_id, write, BackedUp, WipeContext};

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::keys::{self, KeyError, Signer};
use crate::medium::Identity;
use crate::model::report::WipeReport;
use crate::register::Role;
use crate::t;

pub const FORMAT: &str = "mediasan-certificate/1";
pub const NAMESPACE: &str = "mediasan-certificate";

/// The most mediasan reads of a certificate file or of the PDF that carries one, and the
/// most a certificate attached to a PDF may inflate to: 16 MiB (a certificate is a few
/// kilobytes, its PDF about 130 KB).
pub const MAX_FILE: u64 = 16 << 20;

/// [`MAX_FILE`] for people.
pub fn limit_text() -> String {
    format!("{} MiB", MAX_FILE >> 20)
}

fn too_large() -> String {
    t!("cert-too-large", limit = limit_text())
}

/// Why a certificate or its PDF could not be read.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    /// Larger than [`MAX_FILE`]: reading stopped there.
    TooLarge(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => e.fmt(f),
            ReadError::TooLarge(m) => f.write_str(m),
        }
    }
}

/// Reads a certificate file or its PDF, never more than [`MAX_FILE`] bytes (a device
/// such as `/dev/zero` given by mistake ends there, with an error).
pub fn read_file(path: &std::path::Path) -> Result<Vec<u8>, ReadError> {
    crate::files::read_at_most(path, MAX_FILE)
        .map_err(ReadError::Io)?
        .ok_or_else(|| ReadError::TooLarge(too_large()))
}

/// Text from a certificate or a PDF, for people: control characters (C0, DEL, C1) and
/// the bidirectional controls that reorder what follows them are shown escaped (`\x1b`,
/// `\u{202e}`), never raw ([`crate::escape::text`]), so that a page or a terminal shows
/// what the file holds.
fn shown(s: &str) -> String {
    crate::escape::text(s).into_owned()
}

/// RFC 8785 writes numbers as IEEE 754 doubles: integers beyond 2^53 − 1 would not
/// survive canonicalisation exactly, so a certificate refuses them.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Whether every number in `v` is an integer RFC 8785 keeps exactly.
fn exact_numbers(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.as_u64().map_or_else(
            || n.as_i64().is_some_and(|i| i.unsigned_abs() <= MAX_SAFE_INTEGER),
            |u| u <= MAX_SAFE_INTEGER,
        ),
        Value::Array(a) => a.iter().all(exact_numbers),
        Value::Object(o) => o.values().all(exact_numbers),
        _ => true,
    }
}

/// Why a certificate file cannot be used at all (exit 2), as opposed to one that
/// does not verify (a verdict, exit 1).
#[derive(Debug)]
pub enum CertError {
    Malformed(String),
    Format { found: String },
    Canonical(String),
    Key(KeyError),
}

impl std::fmt::Display for CertError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            CertError::Malformed(e) => t!("cert-error-malformed", error = e.as_str()),
            CertError::Format { found } => {
                t!("cert-error-format", found = format!("{found:?}"), format = FORMAT)
            }
            CertError::Canonical(e) => t!("cert-error-canonical", error = e.as_str()),
            CertError::Key(k) => return k.fmt(f),
        };
        f.write_str(&text)
    }
}

impl std::error::Error for CertError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CertError::Key(k) => std::error::Error::source(k),
            _ => None,
        }
    }
}

impl From<KeyError> for CertError {
    fn from(e: KeyError) -> CertError {
        CertError::Key(e)
    }
}

/// A role as a word in a sentence, in the language in use; a role mediasan does not
/// know (a certificate's claim) as it is written.
fn role_word(name: &str) -> String {
    Role::parse(name).map_or_else(|| name.to_string(), Role::word)
}

impl CertError {
    /// A key or agent that fails to sign, or a body that cannot be canonicalised, is
    /// a failure (1); a file that is not a certificate is unusable input (2).
    pub fn exit_code(&self) -> u8 {
        match self {
            CertError::Key(k) => k.exit_code(),
            CertError::Canonical(_) => 1,
            _ => 2,
        }
    }
}

/// A certificate: the signed body and the signatures over it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Certificate {
    pub body: Value,
    pub signatures: Vec<Signature>,
}

/// One signature over the canonical body.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Signature {
    /// `operator` or `supervisor`: what the signer claims; roles are established from
    /// the register, never from here.
    pub role: String,
    /// How the signature is made (`sshsig`; a file written before suites were
    /// recorded reads as `sshsig`).
    #[serde(default)]
    pub suite: crate::keys::Suite,
    /// The signer's ASCII person id in the register (`unregistered` when there is none).
    pub signer: String,
    pub name: Option<String>,
    /// The signer's title as the register has it (Appendix G: the validator's title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub fingerprint: String,
    pub public_key: String,
    /// UTC, RFC 3339.
    pub signed: String,
    /// Armored SSHSIG over the canonical body.
    pub signature: String,
}

/// Who signs, as the register knows them: person id (`unregistered` when there is
/// none), name and title.
#[derive(Clone, Copy, Debug, Default)]
pub struct SignerRef<'a> {
    pub id: &'a str,
    pub name: Option<&'a str>,
    pub title: Option<&'a str>,
}

/// The typed body: what mediasan writes. Readers keep the body as JSON, so that
/// fields added within `/1` survive and are signed as they are.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Body {
    pub format: String,
    pub id: String,
    pub issued: String,
    pub tool: crate::model::report::Tool,
    pub organisation: Option<Organisation>,
    /// The person who performed the sanitisation (Appendix G).
    pub person: PersonRef,
    pub media: Media,
    pub sanitisation: Sanitisation,
    pub verification: VerificationSummary,
    /// Appendix G: post-sanitisation classification; unchanged for a classified carrier.
    pub post_sanitisation_classification: Option<String>,
    /// Appendix G: media destination, in words (the form's "details").
    pub destination: String,
    /// Appendix G's destination box: `internal-reuse`, `external-reuse`,
    /// `recycling-facility`, `manufacturer` or `other` (physical destruction).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_category: Option<String>,
    /// The medium must be destroyed physically (a classified carrier, art. 29; or a
    /// wipe that did not complete).
    pub must_destroy_physically: bool,
    pub notes: Vec<String>,
    pub register: RegisterRef,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Organisation {
    pub name: String,
    pub location: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PersonRef {
    pub id: String,
    pub name: Option<String>,
    /// Appendix G: title and phone of the person performing the sanitisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub fingerprint: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Media {
    pub carrier: Option<String>,
    pub kind: Option<String>,
    pub make: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub capacity: u64,
    pub classification: Option<String>,
    pub host_asset: Option<String>,
    pub label: Option<String>,
    /// Appendix G "source": the host asset of a printer drive, else the custodian.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Appendix G: data backed up (`yes`, `no`, `unknown`), and where.
    #[serde(default = "unknown")]
    pub backed_up: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_location: Option<String>,
    /// HPA/DCO state: `none`, what is hidden, `unknown (…)`, or `not applicable: …`.
    pub hidden_areas: String,
    pub target: Identity,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Sanitisation {
    /// NIST SP 800-88 category: `clear` for an overwrite through the host interface.
    pub category: String,
    pub technique: String,
    pub method: String,
    pub outcome: String,
    /// The whole wipe result (`mediasan-result/1`): passes, keys, verification,
    /// unwritten ranges.
    pub result: WipeReport,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VerificationSummary {
    pub method: String,
    pub result: String,
    pub assurance: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct RegisterRef {
    pub linked: bool,
    pub register_id: Option<String>,
    pub approval: Option<String>,
    /// The wipe-finished event: its sequence number and hash (also the chain's head
    /// when the certificate was made).
    pub event_seq: Option<u64>,
    pub event_hash: Option<String>,
}

fn unknown() -> String {
    "unknown".into()
}

impl Certificate {
    /// A new certificate signed by its operator.
    pub fn issue(
        body: &Body,
        operator: &Signer,
        signer: SignerRef,
        now: &str,
    ) -> Result<Certificate, CertError> {
        let body = serde_json::to_value(body).map_err(|e| CertError::Canonical(e.to_string()))?;
        if !exact_numbers(&body) {
            return Err(CertError::Canonical(t!("cert-number-unsafe")));
        }
        let mut cert = Certificate {
            body,
            signatures: Vec::new(),
        };
        cert.add_signature(operator, "operator", signer, now)?;
        Ok(cert)
    }

    /// The RFC 8785 canonical JSON of the body: what every signature covers.
    pub fn canonical_body(&self) -> Result<Vec<u8>, CertError> {
        serde_jcs::to_vec(&self.body).map_err(|e| CertError::Canonical(e.to_string()))
    }

    /// SHA-256 of the canonical body, hex.
    pub fn digest(&self) -> Result<String, CertError> {
        Ok(crate::pattern::hex(&Sha256::digest(self.canonical_body()?)))
    }

    pub fn add_signature(
        &mut self,
        signer: &Signer,
        role: &str,
        who: SignerRef,
        now: &str,
    ) -> Result<(), CertError> {
        let body = self.canonical_body()?;
        let signature = signer.sign(NAMESPACE, &body)?;
        self.signatures.push(Signature {
            role: role.into(),
            suite: signer.suite(),
            signer: who.id.into(),
            name: who.name.map(str::to_string),
            title: who.title.map(str::to_string),
            fingerprint: signer.fingerprint(),
            public_key: signer.public().line(),
            signed: now.into(),
            signature,
        });
        Ok(())
    }

    /// Checks one signature over the body with the key it names (who that key
    /// belongs to is for the register to say).
    pub fn check(&self, sig: &Signature) -> Result<(), String> {
        let key =
            keys::parse_public(&sig.public_key).map_err(|e| t!("cert-key-malformed", error = e.as_str()))?;
        if key.fingerprint() != sig.fingerprint {
            return Err(t!("cert-fingerprint-not-key"));
        }
        let body = self.canonical_body().map_err(|e| e.to_string())?;
        keys::verify_in(sig.suite, &key, NAMESPACE, &body, &sig.signature).map_err(|e| e.to_string())
    }

    pub fn typed_body(&self) -> Result<Body, CertError> {
        serde_json::from_value(self.body.clone()).map_err(|e| CertError::Malformed(format!("body: {e}")))
    }

    /// Parses a certificate file strictly: duplicate keys anywhere are refused (two
    /// readers could otherwise see two different certificates), and the format must
    /// be `mediasan-certificate/1`.
    pub fn parse(bytes: &[u8]) -> Result<Certificate, CertError> {
        let mut de = serde_json::Deserializer::from_slice(bytes);
        let value = Strict
            .deserialize(&mut de)
            .map_err(|e| CertError::Malformed(e.to_string()))?;
        de.end().map_err(|e| CertError::Malformed(e.to_string()))?;
        let cert: Certificate =
            serde_json::from_value(value).map_err(|e| CertError::Malformed(e.to_string()))?;
        match cert.body.get("format").and_then(Value::as_str) {
            Some(FORMAT) => Ok(cert),
            Some(other) => Err(CertError::Format {
                found: other.to_string(),
            }),
            None => Err(CertError::Malformed(t!("cert-body-no-format"))),
        }
    }

    /// The file as written: pretty JSON, a trailing newline.
    pub fn to_file(&self) -> String {
        serde_json::to_string_pretty(self)
            .map(|s| s + "\n")
            .unwrap_or_default()
    }
}

/// JSON into a `Value`, refusing duplicate object keys.
struct Strict;

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        if v.unsigned_abs() > MAX_SAFE_INTEGER {
            return Err(E::custom(t!("cert-json-number-unsafe", number = v.to_string())));
        }
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        if v > MAX_SAFE_INTEGER {
            return Err(E::custom(t!("cert-json-number-unsafe", number = v.to_string())));
        }
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Value, E> {
        Err(E::custom(t!("cert-json-float")))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Strict)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(k) = map.next_key::<String>()? {
            if out.contains_key(&k) {
                return Err(de::Error::custom(t!(
                    "cert-json-duplicate-key",
                    key = format!("{k:?}")
                )));
            }
            let v = map.next_value_seed(Strict)?;
            out.insert(k, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cert() -> Certificate {
        Certificate {
            body: serde_json::json!({ "format": FORMAT, "id": "x", "b": [1, 2, { "z": "机密", "a": null }] }),
            signatures: vec![],
        }
    }

    #[test]
    fn the_body_is_canonicalised_as_rfc_8785_says() {
        let c = cert();
        assert_eq!(
            String::from_utf8(c.canonical_body().unwrap()).unwrap(),
            r#"{"b":[1,2,{"a":null,"z":"机密"}],"format":"mediasan-certificate/1","id":"x"}"#
        );
    }

    #[test]
    fn signatures_cover_the_body_and_only_it() {
        let k = Signer::from_key(keys::generate("op").unwrap());
        let mut c = cert();
        c.add_signature(
            &k,
            "operator",
            SignerRef {
                id: "P-0002",
                name: Some("张三"),
                title: None,
            },
            "2026-11-27T00:00:00Z",
        )
        .unwrap();
        c.check(&c.signatures[0].clone()).unwrap();
        let parsed = Certificate::parse(c.to_file().as_bytes()).unwrap();
        parsed.check(&parsed.signatures[0]).unwrap();
        let mut edited = parsed.clone();
        edited.body["id"] = Value::from("y");
        assert!(edited.check(&edited.signatures[0]).is_err());
    }

    #[test]
    fn the_file_wiped_must_be_the_image_carrier() {
        let sample: Certificate =
            Certificate::parse(include_bytes!("../../fixtures/certs/sample-linked.cert.json")).unwrap();
        let carrier = "file:7:0:12:b1796000000.000000001";
        let target = |object: &str| {
            let mut c = Certificate {
                body: sample.body.clone(),
                signatures: vec![],
            };
            c.body["media"]["serial"] = carrier.into();
            c.body["sanitisation"]["result"]["target"]["object"] = object.into();
            let v = verify(&c, &Who::Nobody).unwrap();
            v.checks
                .into_iter()
                .find(|ch| ch.kind == CheckKind::Target)
                .map(|ch| ch.ok)
        };
        assert_eq!(target(carrier), Some(true));
        // Another file system's file with the same device and inode.
        assert_eq!(target("file:7:0:12:b1797000000.000000000"), Some(false));
        assert_eq!(target("file:7:0:13:b1796000000.000000001"), Some(false));
    }

    #[test]
    fn duplicate_keys_floats_and_other_formats_are_refused() {
        let dup = r#"{"body": {"format": "mediasan-certificate/1", "id": "a", "id": "b"}, "signatures": []}"#;
        assert!(
            matches!(Certificate::parse(dup.as_bytes()), Err(CertError::Malformed(e)) if e.contains("duplicate"))
        );
        let float = r#"{"body": {"format": "mediasan-certificate/1", "x": 1.5}, "signatures": []}"#;
        assert!(matches!(
            Certificate::parse(float.as_bytes()),
            Err(CertError::Malformed(_))
        ));
        let v2 = r#"{"body": {"format": "mediasan-certificate/2"}, "signatures": []}"#;
        assert!(matches!(
            Certificate::parse(v2.as_bytes()),
            Err(CertError::Format { .. })
        ));
        assert!(Certificate::parse(b"{\"body\": {").is_err());
    }

    #[test]
    fn control_and_bidi_characters_are_shown_escaped() {
        assert_eq!(shown("WD-\u{202e}1234"), "WD-\\u{202e}1234");
        assert_eq!(shown("a\x1b[31mb\x7f\u{85}"), "a\\x1b[31mb\\x7f\\u{85}");
        assert_eq!(
            shown("\u{2066}\u{2069}\u{200e}\u{200f}\u{061c}\t\n"),
            "\\u{2066}\\u{2069}\\u{200e}\\u{200f}\\u{61c}\\x09\\x0a"
        );
        // Everything else as it is: Chinese, accents, a zero-width joiner in a name.
        assert_eq!(shown("机密 Łódź a\u{200d}b"), "机密 Łódź a\u{200d}b");
    }

    proptest! {
        #[test]
        fn the_parser_never_panics(text in "\\PC{0,200}") {
            let _ = Certificate::parse(text.as_bytes());
        }
    }
}

/// Who can say who signed: the register (identities and roles), an OpenSSH
/// allowed-signers file (identities only), or nobody.
pub enum Who<'a> {
    Register(&'a crate::register::Register),
    AllowedSigners(signers::AllowedSigners),
    Nobody,
}

/// What kind of thing a check of `cert verify` is (`--json`'s `kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckKind {
    /// The body's digest.
    Digest,
    /// A signature over the body, and the operator's coming first.
    Signature,
    /// Who holds a signing key (the register or an allowed-signers file).
    Identity,
    /// The register consulted verifies whole.
    RegisterVerifies,
    /// A signer holds the role they sign in.
    Role,
    /// Co-signers are other people, and enough of them.
    Cosigners,
    /// The certificate names the register consulted (or none).
    RegisterLink,
    /// The wipe-finished event it names is there, and is this wipe's.
    RegisterEvent,
    /// The register records the certificate and each co-signature.
    Recorded,
    /// The register id filed on paper (`--register-id`).
    FiledRegister,
    /// A printed certificate's page is the rendering of the certificate it carries.
    Printed,
    /// The file the result says was wiped is the carrier's (its object, birth included).
    Target,
}

/// One thing `cert verify` checked.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub kind: CheckKind,
    pub what: String,
    pub ok: bool,
    pub detail: String,
}

/// The verdict on a certificate.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub id: Option<String>,
    pub digest: String,
    pub checks: Vec<Check>,
}

impl Verdict {
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    /// Checks the certificate's register link, and the register consulted, against
    /// the register id filed on paper (dashes and case aside).
    pub fn filed_register(
        &mut self,
        filed: &str,
        c: &Certificate,
        consulted: Option<&crate::register::rules::Meta>,
    ) {
        let norm = |s: &str| s.replace('-', "").to_lowercase();
        let filed = norm(filed);
        let linked = c.body["register"]["register_id"].as_str().map(norm);
        self.push(
            CheckKind::FiledRegister,
            t!("cert-check-filed-register"),
            linked.as_deref() == Some(filed.as_str()),
            match &linked {
                Some(l) if *l == filed => t!("cert-filed-linked", register = filed.as_str()),
                Some(l) => t!(
                    "cert-filed-linked-other",
                    register = l.as_str(),
                    filed = filed.as_str()
                ),
                None => t!("cert-filed-unlinked", filed = filed.as_str()),
            },
        );
        if let Some(m) = consulted {
            let id = norm(&m.register_id);
            self.push(
                CheckKind::FiledRegister,
                t!("cert-check-consulted"),
                id == filed,
                if id == filed {
                    t!("cert-consulted-same", register = id.as_str())
                } else {
                    t!(
                        "cert-consulted-other",
                        register = id.as_str(),
                        filed = filed.as_str()
                    )
                },
            );
        }
    }

    /// The check of a printed certificate ([`render::check_print`]'s answer), first: the
    /// other checks are of the certificate it carries.
    pub fn printed(&mut self, result: Result<String, String>) {
        let ok = result.is_ok();
        let detail = result.unwrap_or_else(|e| e);
        self.checks.insert(
            0,
            Check {
                kind: CheckKind::Printed,
                what: t!("pdf-check-printed"),
                ok,
                detail,
            },
        );
    }

    fn push(&mut self, kind: CheckKind, what: impl Into<String>, ok: bool, detail: impl Into<String>) {
        self.checks.push(Check {
            kind,
            what: what.into(),
            ok,
            detail: detail.into(),
        });
    }
}

/// Checks a certificate: the body's digest, every signature, who signed and in
/// which role (from the register, never from the certificate), that co-signers are
/// other people and enough, and the register link.
pub fn verify(cert: &Certificate, who: &Who) -> Result<Verdict, CertError> {
    let digest = cert.digest()?;
    let body = cert.typed_body()?;
    let mut v = Verdict {
        id: Some(body.id.clone()),
        digest: digest.clone(),
        checks: Vec::new(),
    };
    v.push(
        CheckKind::Digest,
        t!("cert-check-digest"),
        true,
        t!("cert-digest", digest = digest.as_str()),
    );
    signatures(&mut v, cert);
    wiped_target(&mut v, &body);
    let mut required = 1u32;
    match who {
        Who::Nobody => v.push(
            CheckKind::Identity,
            t!("cert-check-who-signed"),
            false,
            t!("cert-who-nobody"),
        ),
        Who::AllowedSigners(list) => {
            for s in &cert.signatures {
                let listed = list.allows(&s.signer, &s.fingerprint);
                v.push(
                    CheckKind::Identity,
                    t!(
                        "cert-check-listed",
                        fingerprint = s.fingerprint.as_str(),
                        signer = s.signer.as_str()
                    ),
                    listed,
                    if listed {
                        t!("cert-listed")
                    } else {
                        t!("cert-not-listed")
                    },
                );
            }
        }
        Who::Register(reg) => {
            register_verifies(&mut v, reg);
            if let Some(m) = reg.meta().ok().flatten() {
                required = m.supervisors_required;
            }
            roles(&mut v, cert, reg);
        }
    }
    cosigners(&mut v, cert, required);
    // The register link.
    match (&body.register, who) {
        (r, _) if !r.linked => v.push(
            CheckKind::RegisterLink,
            t!("cert-check-register-link"),
            true,
            t!("cert-link-none"),
        ),
        (r, Who::Register(reg)) => register_link(&mut v, cert, &body, r, reg, &digest),
        (_, _) => v.push(
            CheckKind::RegisterLink,
            t!("cert-check-register-link"),
            true,
            t!("cert-link-unchecked"),
        ),
    }
    Ok(v)
}

/// The operator signs first, and every signature holds over the body.
fn signatures(v: &mut Verdict, cert: &Certificate) {
    if cert.signatures.first().is_none_or(|s| s.role != "operator") {
        v.push(
            CheckKind::Signature,
            t!("cert-check-operator-signature"),
            false,
            t!("cert-operator-first"),
        );
    }
    for (i, s) in cert.signatures.iter().enumerate() {
        let r = cert.check(s);
        v.push(
            CheckKind::Signature,
            t!(
                "cert-check-signature",
                n = (i + 1).to_string(),
                role = role_word(&s.role),
                signer = s.signer.as_str()
            ),
            r.is_ok(),
            r.err()
                .unwrap_or_else(|| t!("cert-signature-valid", fingerprint = s.fingerprint.as_str())),
        );
    }
}

/// For an image carrier, the file the result names as wiped is the carrier's object.
fn wiped_target(v: &mut Verdict, body: &Body) {
    let carrier = body
        .media
        .serial
        .as_deref()
        .and_then(crate::medium::Object::parse);
    if let Some(carrier) = carrier {
        let wiped = body.sanitisation.result.target.object.as_deref();
        let same = wiped
            .and_then(crate::medium::Object::parse)
            .is_some_and(|w| w.is(&carrier));
        v.push(
            CheckKind::Target,
            t!("cert-check-target"),
            same,
            if same {
                t!("cert-target-same", object = carrier.to_string())
            } else {
                t!(
                    "cert-target-other",
                    wiped = wiped.unwrap_or("—"),
                    object = carrier.to_string()
                )
            },
        );
    }
}

/// The register consulted verifies whole: roles and events are read from it only then.
fn register_verifies(v: &mut Verdict, reg: &crate::register::Register) {
    // Roles and events are read from the register only once it verifies: an
    // edited people row or an inserted event must not vouch for anything.
    let what = t!("cert-check-register-verifies");
    match reg.verify(None) {
        Ok(a) if a.ok() => v.push(
            CheckKind::RegisterVerifies,
            what,
            true,
            t!("cert-register-verifies", events = a.events.to_string()),
        ),
        Ok(a) => v.push(
            CheckKind::RegisterVerifies,
            what,
            false,
            a.first_break.map_or_else(
                || t!("cert-register-derived", derived = format!("{:?}", a.derived)),
                |b| {
                    t!(
                        "cert-register-broken",
                        seq = b.seq.to_string(),
                        problem = b.problem.as_str()
                    )
                },
            ),
        ),
        Err(e) => v.push(CheckKind::RegisterVerifies, what, false, e.to_string()),
    }
}

/// Each signer holds, in the register, the role they sign in.
fn roles(v: &mut Verdict, cert: &Certificate, reg: &crate::register::Register) {
    for (i, s) in cert.signatures.iter().enumerate() {
        let want = if i == 0 { Role::Operator } else { Role::Supervisor };
        let what = t!(
            "cert-check-role",
            signer = s.signer.as_str(),
            role = role_word(want.name())
        );
        match reg.person_by_fingerprint(&s.fingerprint).ok().flatten() {
            Some(p) if p.id == s.signer && p.role == want => v.push(
                CheckKind::Role,
                what,
                true,
                t!(
                    "cert-role-enrolled",
                    id = p.id.as_str(),
                    name = p.name.as_str(),
                    seq = p.enrolled_seq.to_string()
                ),
            ),
            Some(p) => v.push(
                CheckKind::Role,
                what,
                false,
                t!(
                    "cert-role-other",
                    id = p.id.as_str(),
                    name = p.name.as_str(),
                    role = role_word(p.role.name())
                ),
            ),
            None => v.push(CheckKind::Role, what, false, t!("cert-role-unknown-key")),
        }
    }
}

/// Co-signers are other people and other keys, and there are enough of them.
fn cosigners(v: &mut Verdict, cert: &Certificate, required: u32) {
    let ops: Vec<&Signature> = cert.signatures.iter().take(1).collect();
    let cos: Vec<&Signature> = cert.signatures.iter().skip(1).collect();
    let mut seen: Vec<(&str, &str)> = ops
        .iter()
        .map(|s| (s.signer.as_str(), s.fingerprint.as_str()))
        .collect();
    let mut distinct = true;
    for s in &cos {
        if seen
            .iter()
            .any(|(id, fp)| *id == s.signer || *fp == s.fingerprint)
        {
            distinct = false;
        }
        seen.push((&s.signer, &s.fingerprint));
    }
    v.push(
        CheckKind::Cosigners,
        t!("cert-check-cosigners-distinct"),
        distinct,
        if distinct {
            t!("cert-cosigners-distinct")
        } else {
            t!("cert-cosigners-twice")
        },
    );
    v.push(
        CheckKind::Cosigners,
        t!("cert-check-cosignatures"),
        cos.len() as u32 >= required,
        t!(
            "cert-cosignatures",
            count = cos.len().to_string(),
            required = required.to_string()
        ),
    );
}

/// A linked certificate names this register, its wipe-finished event is there and is
/// this wipe's, and the register records the certificate and each co-signature.
fn register_link(
    v: &mut Verdict,
    cert: &Certificate,
    body: &Body,
    r: &RegisterRef,
    reg: &crate::register::Register,
    digest: &str,
) {
    let meta = reg.meta().ok().flatten();
    let same_register = meta
        .as_ref()
        .map(|m| Some(&m.register_id) == r.register_id.as_ref())
        .unwrap_or(false);
    v.push(
        CheckKind::RegisterLink,
        t!("cert-check-register"),
        same_register,
        if same_register {
            t!("cert-link-this")
        } else {
            t!("cert-link-other")
        },
    );
    let (head, _) = reg.head().unwrap_or((0, String::new()));
    let seq = r.event_seq.unwrap_or(0);
    let event = reg.event(seq).ok().flatten();
    let found = event
        .as_ref()
        .is_some_and(|e| Some(&e.hash) == r.event_hash.as_ref() && e.kind == "wipe-finished");
    let n = seq.to_string();
    let detail = match (&event, seq > head) {
        (_, true) => t!("cert-event-past-head", seq = n, head = head.to_string()),
        (None, _) => t!("cert-event-missing", seq = n),
        (Some(_), _) if found => t!("cert-event-found", seq = n),
        (Some(e), _) => t!("cert-event-other", seq = n, kind = e.kind.as_str()),
    };
    v.push(
        CheckKind::RegisterEvent,
        t!("cert-check-register-event"),
        found && seq <= head,
        detail,
    );
    let carrier = body.media.carrier.clone().unwrap_or_default();
    let operator = cert
        .signatures
        .first()
        .map(|s| s.signer.clone())
        .unwrap_or_default();
    // The wipe-finished event is this carrier's, by this operator, with this outcome.
    let bound = event.as_ref().is_some_and(|e| {
        let d: Value = serde_json::from_str(&e.details).unwrap_or_default();
        e.subject == carrier
            && e.actor == operator
            && d["outcome"].as_str() == Some(body.sanitisation.outcome.as_str())
    });
    v.push(
        CheckKind::RegisterEvent,
        t!("cert-check-event-bound"),
        bound,
        if bound {
            t!("cert-event-bound")
        } else {
            t!("cert-event-unbound")
        },
    );
    let records = |kind: &str, actor: &str| {
        reg.events_about(&carrier).unwrap_or_default().iter().any(|e| {
            let d: Value = serde_json::from_str(&e.details).unwrap_or_default();
            e.kind == kind
                && e.actor == actor
                && d["body_sha256"].as_str() == Some(digest)
                && d["certificate"].as_str() == Some(body.id.as_str())
        })
    };
    for s in cert.signatures.iter().skip(1) {
        let ok = records("certificate-cosigned", &s.signer);
        v.push(
            CheckKind::Recorded,
            t!("cert-check-cosignature-recorded", signer = s.signer.as_str()),
            ok,
            if ok {
                t!("cert-cosignature-recorded")
            } else {
                t!("cert-cosignature-unrecorded")
            },
        );
    }
    let recorded = records("certificate-signed", &operator);
    v.push(
        CheckKind::Recorded,
        t!("cert-check-recorded"),
        recorded,
        if recorded {
            t!("cert-recorded")
        } else {
            t!("cert-unrecorded")
        },
    );
}
