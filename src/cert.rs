//! Destruction certificates, `mediasan-certificate/1`: a body with the fields of
//! NIST SP 800-88 Appendix G and the register link, signed (SSHSIG, namespace
//! `mediasan-certificate`) by the operator and co-signed by supervisors over its
//! RFC 8785 canonical JSON. Specified in `docs/certificate-format.md`.

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::keys::{self, KeyError, Signer};
use crate::report::WipeReport;
use crate::target::Identity;

pub const FORMAT: &str = "mediasan-certificate/1";
pub const NAMESPACE: &str = "mediasan-certificate";

/// Why a certificate file cannot be used at all (exit 2), as opposed to one that
/// does not verify (a verdict, exit 1).
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("not a certificate: {0}")]
    Malformed(String),
    #[error("format {found:?}; this mediasan reads {FORMAT}")]
    Format { found: String },
    #[error("cannot canonicalise the body: {0}")]
    Canonical(String),
    #[error(transparent)]
    Key(#[from] KeyError),
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
    /// The signer's ASCII person id in the register (`unregistered` when there is none).
    pub signer: String,
    pub name: Option<String>,
    pub fingerprint: String,
    pub public_key: String,
    /// UTC, RFC 3339.
    pub signed: String,
    /// Armored SSHSIG over the canonical body.
    pub signature: String,
}

/// The typed body: what mediasan writes. Readers keep the body as JSON, so that
/// fields added within `/1` survive and are signed as they are.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Body {
    pub format: String,
    pub id: String,
    pub issued: String,
    pub tool: crate::report::Tool,
    pub organisation: Option<Organisation>,
    /// The person who performed the sanitisation (Appendix G).
    pub person: PersonRef,
    pub media: Media,
    pub sanitisation: Sanitisation,
    pub verification: VerificationSummary,
    /// Appendix G: post-sanitisation classification; unchanged for a classified carrier.
    pub post_sanitisation_classification: Option<String>,
    /// Appendix G: media destination.
    pub destination: String,
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
    /// HPA/DCO state: not examined until drive identification exists.
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

impl Certificate {
    /// A new certificate signed by its operator.
    pub fn issue(
        body: &Body,
        operator: &Signer,
        signer_id: &str,
        name: Option<&str>,
        now: &str,
    ) -> Result<Certificate, CertError> {
        let body = serde_json::to_value(body).map_err(|e| CertError::Canonical(e.to_string()))?;
        let mut cert = Certificate {
            body,
            signatures: Vec::new(),
        };
        cert.add_signature(operator, "operator", signer_id, name, now)?;
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
        signer_id: &str,
        name: Option<&str>,
        now: &str,
    ) -> Result<(), CertError> {
        let body = self.canonical_body()?;
        let signature = signer.sign(NAMESPACE, &body)?;
        self.signatures.push(Signature {
            role: role.into(),
            signer: signer_id.into(),
            name: name.map(str::to_string),
            fingerprint: signer.fingerprint(),
            public_key: keys::public_line(&signer.public()),
            signed: now.into(),
            signature,
        });
        Ok(())
    }

    /// Checks one signature over the body with the key it names (who that key
    /// belongs to is for the register to say).
    pub fn check(&self, sig: &Signature) -> Result<(), String> {
        let key =
            keys::parse_public(&sig.public_key).map_err(|e| format!("its public key is malformed: {e}"))?;
        if keys::fingerprint(&key) != sig.fingerprint {
            return Err("its fingerprint is not its public key's".into());
        }
        let body = self.canonical_body().map_err(|e| e.to_string())?;
        keys::verify(&key, NAMESPACE, &body, &sig.signature).map_err(|e| e.to_string())
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
            None => Err(CertError::Malformed("the body has no format".into())),
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
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Value, E> {
        Err(E::custom("floating-point numbers have no place in a certificate"))
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
                return Err(de::Error::custom(format!("duplicate key {k:?}")));
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
        c.add_signature(&k, "operator", "P-0002", Some("张三"), "2026-11-27T00:00:00Z")
            .unwrap();
        c.check(&c.signatures[0].clone()).unwrap();
        let parsed = Certificate::parse(c.to_file().as_bytes()).unwrap();
        parsed.check(&parsed.signatures[0]).unwrap();
        let mut edited = parsed.clone();
        edited.body["id"] = Value::from("y");
        assert!(edited.check(&edited.signatures[0]).is_err());
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

    proptest! {
        #[test]
        fn the_parser_never_panics(text in "\\PC{0,200}") {
            let _ = Certificate::parse(text.as_bytes());
        }
    }
}
