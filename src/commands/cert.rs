//! `mediasan cert cosign | verify | export`, and the certificate a signed wipe writes.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use serde_json::json;

use mediasan::cert::{self, Certificate, Who};
use mediasan::keys::Signer;
use mediasan::register::{self, Kind, Register, Role};
use mediasan::report::{Outcome, WipeReport};
use mediasan::target::{escape_path, Identity};

use super::register::acting;
use crate::cli::{CertCmd, CertSub};
use crate::ui::{json_line, Failure};

impl From<cert::CertError> for Failure {
    fn from(e: cert::CertError) -> Failure {
        // A key or agent that fails to sign is a failure (1); a file that is not a
        // certificate is unusable input (2).
        let code = match &e {
            cert::CertError::Key(k) => k.exit_code(),
            cert::CertError::Canonical(_) => 1,
            _ => 2,
        };
        Failure::new(code, e)
    }
}

fn now() -> String {
    register::event::format_time(chrono::Utc::now())
}

fn read(path: &Path) -> Result<Certificate, Failure> {
    let shown = escape_path(path);
    let bytes = std::fs::read(path).map_err(|e| Failure::usage(anyhow!("{shown}: cannot read it: {e}")))?;
    Certificate::parse(&bytes).map_err(|e| Failure::usage(anyhow!("{shown}: {e}")))
}

/// Writes a certificate file whole or not at all (a temporary file renamed).
fn write(path: &Path, c: &Certificate, replace: bool) -> Result<(), Failure> {
    let shown = escape_path(path);
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".mediasan-cert-")
        .tempfile_in(dir)
        .map_err(|e| Failure::new(1, anyhow!("{shown}: cannot write: {e}")))?;
    tmp.write_all(c.to_file().as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| Failure::new(1, anyhow!("{shown}: cannot write: {e}")))?;
    let done = if replace {
        tmp.persist(path).map(drop)
    } else {
        tmp.persist_noclobber(path).map(drop)
    };
    done.map_err(|e| Failure::new(1, anyhow!("{shown}: cannot write: {}", e.error)))
}

/// What a signed wipe knows when it writes its certificate.
pub struct Signing<'a> {
    pub signer: &'a Signer,
    pub register: Option<&'a mut Register>,
    pub carrier: Option<&'a register::Carrier>,
    pub approval: Option<&'a str>,
    /// The wipe-finished event.
    pub event: Option<&'a register::Event>,
    /// Appendix G: whether the data was backed up (`yes`, `no`, `unknown`), and where.
    pub backed_up: &'a str,
    pub backup_location: Option<&'a str>,
}

/// Builds, signs and writes the certificate of a finished wipe; records it in the
/// register when the wipe was of a registered carrier. Returns the file.
pub fn issue(dir: &Path, report: &WipeReport, identity: &Identity, s: Signing) -> Result<PathBuf, Failure> {
    let Signing {
        signer,
        register,
        carrier,
        approval,
        event,
        backed_up,
        backup_location,
    } = s;
    let (meta, person) = match &register {
        Some(r) => (r.meta()?, r.person_by_fingerprint(&signer.fingerprint())?),
        None => (None, None),
    };
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
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
    // Unique in its folder: two targets of one name wiped in one second (a/disk.img,
    // b/disk.img), or one carrier wiped twice, each get their own certificate.
    let id = (1..)
        .map(|n| match n {
            1 => format!("{subject}-{stamp}"),
            n => format!("{subject}-{stamp}-{n}"),
        })
        .find(|id| !dir.join(format!("{id}.cert.json")).exists())
        .unwrap_or_default();
    let classified = carrier.is_some_and(|c| c.ever_classified);
    let incomplete = report.outcome != Outcome::Sanitised;
    let mut notes =
        vec!["HPA/DCO hidden areas were not examined: drive identification comes later".to_string()];
    if identity.kind == mediasan::target::Kind::File {
        notes.push("a file was overwritten through its file system; copies kept by copy-on-write, journals, snapshots or flash are not reached".into());
    }
    if incomplete {
        notes.push(
            format!(
                "the wipe ended {:?}: the medium may still hold data",
                report.outcome
            )
            .to_lowercase(),
        );
    }
    let v = &report.verification;
    let body = cert::Body {
        format: cert::FORMAT.into(),
        id: id.clone(),
        issued: now(),
        tool: mediasan::report::Tool::this(),
        organisation: meta.as_ref().map(|m| cert::Organisation {
            name: m.org.clone(),
            location: m.location.clone(),
        }),
        person: cert::PersonRef {
            id: person.as_ref().map_or("unregistered".into(), |p| p.id.clone()),
            name: person.as_ref().map(|p| p.name.clone()),
            title: person.as_ref().and_then(|p| p.title.clone()),
            // A contact phone comes with the station's configuration.
            phone: None,
            fingerprint: signer.fingerprint(),
        },
        media: cert::Media {
            carrier: carrier.map(|c| c.id.clone()),
            kind: carrier.map(|c| c.kind.clone()),
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
            backed_up: backed_up.into(),
            backup_location: backup_location.map(str::to_string),
            hidden_areas: "not examined".into(),
            target: identity.clone(),
        },
        sanitisation: cert::Sanitisation {
            // NIST SP 800-88 Clear is what a finished, verified overwrite achieves;
            // a wipe that did not end sanitised achieved no category.
            category: if incomplete { "none" } else { "clear" }.into(),
            technique: "overwrite".into(),
            method: report.method.name.clone(),
            outcome: report.outcome.name().into(),
            result: report.clone(),
        },
        verification: cert::VerificationSummary {
            method: v.mode.name().into(),
            result: v.result.clone(),
            assurance: v.assurance.as_ref().map(|a| a.statement.clone()),
        },
        post_sanitisation_classification: carrier.map(|c| c.classification.name().to_string()),
        destination: if classified {
            "physical destruction as a classified carrier (seed art. 29)".into()
        } else if incomplete {
            "physical destruction: the overwrite did not complete".into()
        } else {
            "reuse within the unit, or disposal".into()
        },
        destination_category: Some(
            if classified || incomplete {
                "other"
            } else {
                "internal-reuse"
            }
            .into(),
        ),
        must_destroy_physically: classified || incomplete,
        notes,
        register: cert::RegisterRef {
            linked: carrier.is_some(),
            register_id: carrier.and(meta.as_ref().map(|m| m.register_id.clone())),
            approval: approval.map(str::to_string),
            event_seq: event.map(|e| e.seq),
            event_hash: event.map(|e| e.hash.clone()),
        },
    };
    let signer_id = person.as_ref().map_or("unregistered", |p| p.id.as_str());
    let who = cert::SignerRef {
        id: signer_id,
        name: person.as_ref().map(|p| p.name.as_str()),
        title: person.as_ref().and_then(|p| p.title.as_deref()),
    };
    let c = Certificate::issue(&body, signer, who, &now())?;
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::new(1, anyhow!("{}: cannot create: {e}", escape_path(dir))))?;
    let path = dir.join(format!("{id}.cert.json"));
    write(&path, &c, false)?;
    if let (Some(reg), Some(carrier)) = (register, carrier) {
        reg.certificate_event(signer, Kind::CertificateSigned, &carrier.id, &id, &c.digest()?)?;
    }
    Ok(path)
}

pub fn run(cmd: CertCmd) -> Result<u8, Failure> {
    let reg_path = cmd.register.path;
    match cmd.command {
        CertSub::Cosign {
            cert: path,
            acting: a,
        } => {
            let mut c = read(&path)?;
            let op = c
                .signatures
                .first()
                .ok_or_else(|| Failure::usage(anyhow!("the certificate has no operator signature")))?
                .clone();
            if op.role != "operator" {
                return Err(Failure::new(
                    1,
                    anyhow!("the certificate's first signature is not an operator's"),
                ));
            }
            c.check(&op).map_err(|e| {
                Failure::new(
                    1,
                    anyhow!("the operator's signature is not valid: {e}; nothing was signed"),
                )
            })?;
            let signer = acting(&a)?;
            let mut reg = Register::open(&reg_path)?;
            // Everything but the co-signature still missing must hold before anyone
            // co-signs: the operator is this register's, the link is this wipe's.
            {
                let body = c.typed_body()?;
                if !body.register.linked {
                    return Err(Failure::refused(anyhow!(
                        "the certificate is not linked to a register: there is nothing to co-sign against"
                    )));
                }
                let verdict = cert::verify(&c, &Who::Register(&reg))?;
                let broken: Vec<String> = verdict
                    .checks
                    .iter()
                    .filter(|ch| !ch.ok && ch.what != "co-signatures")
                    .map(|ch| format!("{}: {}", ch.what, ch.detail))
                    .collect();
                if !broken.is_empty() {
                    return Err(Failure::new(
                        1,
                        anyhow!(
                            "the certificate does not verify; nothing was signed:\n  {}",
                            broken.join("\n  ")
                        ),
                    ));
                }
            }
            let person = reg.person_by_fingerprint(&signer.fingerprint())?.ok_or_else(|| {
                Failure::refused(anyhow!("the key {} is not in the register", signer.fingerprint()))
            })?;
            if person.role != Role::Supervisor || person.retired_seq.is_some() {
                return Err(Failure::refused(anyhow!(
                    "{} ({}) is not an active supervisor: only a supervisor co-signs",
                    person.id,
                    person.name
                )));
            }
            if c.signatures
                .iter()
                .any(|s| s.signer == person.id || s.fingerprint == signer.fingerprint())
            {
                let what = if op.signer == person.id || op.fingerprint == signer.fingerprint() {
                    "is the operator"
                } else {
                    "has signed already"
                };
                return Err(Failure::refused(anyhow!(
                    "{} ({}) {what}: a co-signer is another person",
                    person.id,
                    person.name
                )));
            }
            let who = cert::SignerRef {
                id: &person.id,
                name: Some(&person.name),
                title: person.title.as_deref(),
            };
            c.add_signature(&signer, "supervisor", who, &now())?;
            let body = c.typed_body()?;
            if let (true, Some(carrier)) = (body.register.linked, body.media.carrier.as_deref()) {
                reg.certificate_event(
                    &signer,
                    Kind::CertificateCosigned,
                    carrier,
                    &body.id,
                    &c.digest()?,
                )?;
            }
            write(&path, &c, true)?;
            outln!(
                "{}: co-signed by {} ({}), key {}",
                escape_path(&path),
                person.id,
                person.name,
                signer.fingerprint()
            );
            Ok(0)
        }
        CertSub::Verify {
            cert: path,
            allowed_signers,
            register_id,
            json,
        } => {
            let c = read(&path)?;
            let reg;
            let who = match &allowed_signers {
                Some(f) => {
                    let text = std::fs::read_to_string(f)
                        .map_err(|e| Failure::usage(anyhow!("{}: {e}", escape_path(f))))?;
                    Who::AllowedSigners(
                        cert::signers::AllowedSigners::parse(&text, chrono::Utc::now())
                            .map_err(|e| Failure::usage(anyhow!("{}: {e}", escape_path(f))))?,
                    )
                }
                None if reg_path.exists() => {
                    reg = Register::open_read_only(&reg_path, false)?;
                    Who::Register(&reg)
                }
                None if reg_path != Path::new(register::DEFAULT_PATH) => {
                    return Err(Failure::usage(anyhow!(
                        "--register {}: no register there",
                        escape_path(&reg_path)
                    )))
                }
                None => Who::Nobody,
            };
            let mut verdict = cert::verify(&c, &who)?;
            let consulted = match &who {
                Who::Register(r) => r.meta()?,
                _ => None,
            };
            if let Some(filed) = register_id {
                verdict.filed_register(&filed, &c, consulted.as_ref());
            }
            let ok = verdict.ok();
            if json {
                json_line(&json!({ "event": "cert-verify", "ok": ok, "verdict": verdict }));
            } else {
                outln!(
                    "{}: certificate {}",
                    escape_path(&path),
                    verdict.id.as_deref().unwrap_or("?")
                );
                if let Some(m) = &consulted {
                    outln!(
                        "  register {} of {}, founded by {}",
                        m.register_id,
                        m.org,
                        m.founder
                    );
                }
                for ch in &verdict.checks {
                    outln!(
                        "  {} {:<32} {}",
                        if ch.ok { "ok  " } else { "FAIL" },
                        ch.what,
                        ch.detail
                    );
                }
                let verdict_line = match (ok, allowed_signers.is_some()) {
                    (true, true) => {
                        "VALID as far as an allowed-signers file can tell: signatures and identities hold; \
                         roles and the register link need the register"
                    }
                    (true, false) => "VALID: every check holds",
                    (false, _) => "NOT VALID: see FAIL above",
                };
                outln!("{verdict_line}");
            }
            Ok(if ok { 0 } else { 1 })
        }
        CertSub::Render {
            cert: path,
            pdf,
            html,
            font,
        } => {
            let c = read(&path)?;
            if let Some(out) = &html {
                let page = cert::render::html(&c).map_err(|e| Failure::new(1, anyhow!(e)))?;
                std::fs::write(out, page)
                    .map_err(|e| Failure::new(1, anyhow!("{}: {e}", escape_path(out))))?;
                outln!("HTML: {}", escape_path(out));
            }
            if let Some(out) = &pdf {
                let font = match font.or_else(cert::render::find_font) {
                    Some(f) => f,
                    None => {
                        return Err(Failure::usage(anyhow!("no font with Chinese and Latin glyphs found for the PDF")).hint(format!(
                            "install one (apt-get install fonts-lxgw-wenkai) or give a .ttf/.otf with --font; looked for: {}",
                            cert::render::FONT_CANDIDATES.join(", ")
                        )))
                    }
                };
                let bytes = cert::render::pdf(&c, &font).map_err(|e| Failure::usage(anyhow!(e)))?;
                std::fs::write(out, bytes)
                    .map_err(|e| Failure::new(1, anyhow!("{}: {e}", escape_path(out))))?;
                outln!("PDF: {} (font {})", escape_path(out), escape_path(&font));
            }
            Ok(0)
        }
        CertSub::Export { cert: path, out } => {
            let c = read(&path)?;
            let reg = Register::open_read_only(&reg_path, false)?;
            for line in export(&c, &reg, &out)? {
                outln!("{line}");
            }
            Ok(0)
        }
    }
}

/// Writes `body.json`, one `<person>.sig` per signer and `allowed_signers` into `out`;
/// returns the `ssh-keygen -Y verify` command for each signer.
pub fn export(c: &Certificate, reg: &Register, out: &Path) -> Result<Vec<String>, Failure> {
    let io = |p: &Path| {
        let shown = escape_path(p);
        move |e: std::io::Error| Failure::new(1, anyhow!("{shown}: {e}"))
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    let body = out.join("body.json");
    std::fs::write(&body, c.canonical_body()?).map_err(io(&body))?;
    let mut allowed = String::new();
    let mut commands = Vec::new();
    for s in &c.signatures {
        let p = reg.person_by_fingerprint(&s.fingerprint)?.ok_or_else(|| {
            Failure::new(
                1,
                anyhow!("{}'s key {} is not in the register", s.signer, s.fingerprint),
            )
        })?;
        allowed.push_str(&format!(
            "{} namespaces=\"{}\" {}\n",
            p.id,
            cert::NAMESPACE,
            p.public_key
        ));
        let sig = out.join(format!("{}.sig", p.id));
        std::fs::write(&sig, &s.signature).map_err(io(&sig))?;
        commands.push(format!(
            "ssh-keygen -Y verify -f {} -I {} -n {} -s {} < {}",
            escape_path(&out.join("allowed_signers")),
            p.id,
            cert::NAMESPACE,
            escape_path(&sig),
            escape_path(&body)
        ));
    }
    let a = out.join("allowed_signers");
    std::fs::write(&a, allowed).map_err(io(&a))?;
    Ok(commands)
}
