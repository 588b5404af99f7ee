//! `mediasan cert cosign | verify | export`, and the certificate a signed wipe writes.

use std::path::Path;

use anyhow::anyhow;
use serde_json::json;

use mediasan::cert::{self, Certificate, Who};
use mediasan::register::{self, Kind, Register, Role};
use mediasan::target::escape_path;

use super::register::acting;
use crate::cli::{CertCmd, CertSub};
use crate::ui::{json_line, Failure};

impl From<cert::CertError> for Failure {
    fn from(e: cert::CertError) -> Failure {
        Failure::new(e.exit_code(), e)
    }
}

fn now() -> String {
    register::event::format_time(chrono::Utc::now())
}

fn bytes_of(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::usage(anyhow!("{}: cannot read it: {e}", escape_path(path))))
}

/// A certificate file to change (co-sign): the `.cert.json` itself, never its print.
fn read(path: &Path) -> Result<Certificate, Failure> {
    let shown = escape_path(path);
    let bytes = bytes_of(path)?;
    if cert::pdfa::is_pdf(&bytes) {
        return Err(Failure::usage(anyhow!(
            "{shown}: a printed certificate (PDF) is not signed in place"
        ))
        .hint("co-sign the .cert.json file, then render the PDF again"));
    }
    Certificate::parse(&bytes).map_err(|e| Failure::usage(anyhow!("{shown}: {e}")))
}

/// A certificate to read: a `.cert.json`, or the one attached to a PDF mediasan printed.
fn read_any(path: &Path) -> Result<(Certificate, bool), Failure> {
    let shown = escape_path(path);
    let bytes = bytes_of(path)?;
    if !cert::pdfa::is_pdf(&bytes) {
        return Ok((
            Certificate::parse(&bytes).map_err(|e| Failure::usage(anyhow!("{shown}: {e}")))?,
            false,
        ));
    }
    let file = cert::pdfa::extract(&bytes).map_err(|e| Failure::usage(anyhow!("{shown}: {e}")))?;
    let c = Certificate::parse(&file)
        .map_err(|e| Failure::usage(anyhow!("{shown}: its attached certificate: {e}")))?;
    Ok((c, true))
}

/// Writes a certificate file whole or not at all (a temporary file renamed).
fn write(path: &Path, c: &Certificate, replace: bool) -> Result<(), Failure> {
    cert::write(path, c, replace)
        .map_err(|e| Failure::new(1, anyhow!("{}: cannot write: {e}", escape_path(path))))
}

pub fn run(cmd: CertCmd) -> Result<u8, Failure> {
    let reg_path = cmd.register.path;
    match cmd.command {
        CertSub::Cosign {
            cert: Some(path),
            batch: None,
            acting: a,
            ..
        } => {
            let mut c = read(&path)?;
            let signer = acting(&a)?;
            let mut reg = Register::open(&reg_path)?;
            let person = may_cosign(&c, &reg, &signer)?;
            cosign(&path, &mut c, &mut reg, &signer, &person)?;
            Ok(0)
        }
        CertSub::Cosign {
            batch: Some(record),
            acting: a,
            confirm_count,
            ..
        } => cosign_batch(&record, &a, &reg_path, confirm_count),
        CertSub::Cosign { .. } => Err(Failure::usage(anyhow!(
            "cert cosign: name a certificate, or --batch BATCH.json"
        ))),
        CertSub::Verify {
            cert: path,
            allowed_signers,
            register_id,
            json,
        } => {
            let (c, printed) = read_any(&path)?;
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
            // The id filed on paper: given, or the one this station trusts (configuration).
            let config = &crate::settings::get().config;
            let trusted = config
                .trusted_register_id
                .as_ref()
                .filter(|_| register_id.is_none());
            if let Some(filed) = register_id.or_else(|| trusted.map(|t| t.value.clone())) {
                verdict.filed_register(&filed, &c, consulted.as_ref());
            }
            let ok = verdict.ok();
            if json {
                json_line(
                    &json!({ "event": "cert-verify", "ok": ok, "from_pdf": printed, "verdict": verdict }),
                );
            } else {
                outln!(
                    "{}: certificate {}{}",
                    escape_path(&path),
                    verdict.id.as_deref().unwrap_or("?"),
                    if printed {
                        " (the signed file attached to this PDF; what the page shows is its print)"
                    } else {
                        ""
                    }
                );
                if let Some(t) = trusted {
                    outln!(
                        "  the register id this station trusts: {} ({})",
                        t.value,
                        config.at(t.line)
                    );
                }
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
                    (true, true) => mediasan::t!("cert-valid-allowed-signers"),
                    (true, false) => mediasan::t!("cert-valid"),
                    (false, _) => mediasan::t!("cert-not-valid"),
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
            let (c, _) = read_any(&path)?;
            if let Some(out) = &html {
                let page = cert::render::html(&c).map_err(|e| Failure::new(1, anyhow!(e)))?;
                std::fs::write(out, page)
                    .map_err(|e| Failure::new(1, anyhow!("{}: {e}", escape_path(out))))?;
                outln!("HTML: {}", escape_path(out));
            }
            if let Some(out) = &pdf {
                let font = font.map_or(cert::render::Font::Embedded, cert::render::Font::File);
                let bytes = cert::render::pdf(&c, &font).map_err(|e| Failure::usage(anyhow!(e)))?;
                std::fs::write(out, bytes)
                    .map_err(|e| Failure::new(1, anyhow!("{}: {e}", escape_path(out))))?;
                outln!(
                    "PDF: {} (font: {}; the signed certificate is attached inside)",
                    escape_path(out),
                    font.describe()
                );
            }
            Ok(0)
        }
        CertSub::Export { cert: path, out } => {
            let (c, _) = read_any(&path)?;
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

/// Everything but the co-signature still missing must hold before anyone co-signs: the
/// operator's signature, the link to this register, and the signer an active supervisor
/// who has not signed (and is not the operator). Returns the supervisor.
fn may_cosign(
    c: &Certificate,
    reg: &Register,
    signer: &mediasan::keys::Signer,
) -> Result<register::Person, Failure> {
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
    let body = c.typed_body()?;
    if !body.register.linked {
        return Err(Failure::refused(anyhow!(
            "the certificate is not linked to a register: there is nothing to co-sign against"
        )));
    }
    let verdict = cert::verify(c, &Who::Register(reg))?;
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
    Ok(person)
}

/// Adds the supervisor's signature, records it in the register and rewrites the file.
fn cosign(
    path: &Path,
    c: &mut Certificate,
    reg: &mut Register,
    signer: &mediasan::keys::Signer,
    person: &register::Person,
) -> Result<(), Failure> {
    let who = cert::SignerRef {
        id: &person.id,
        name: Some(&person.name),
        title: person.title.as_deref(),
    };
    c.add_signature(signer, "supervisor", who, &now())?;
    let body = c.typed_body()?;
    if let (true, Some(carrier)) = (body.register.linked, body.media.carrier.as_deref()) {
        reg.certificate_event(signer, Kind::CertificateCosigned, carrier, &body.id, &c.digest()?)?;
    }
    write(path, c, true)?;
    outln!(
        "{}: co-signed by {} ({}), key {}",
        escape_path(path),
        person.id,
        person.name,
        signer.fingerprint()
    );
    Ok(())
}

/// `cert cosign --batch BATCH.json`: every certificate of a batch checked first, shown
/// in one table, then signed after one confirmation (the count typed, or
/// `--confirm-count N`). One that does not verify stops them all before any is signed.
fn cosign_batch(
    record: &Path,
    a: &crate::cli::Acting,
    reg_path: &Path,
    confirm_count: Option<usize>,
) -> Result<u8, Failure> {
    use std::io::{BufRead, IsTerminal, Write};
    let state = mediasan::batch::state::State::load(record)
        .map_err(|e| Failure::usage(anyhow!("{}: {e}", escape_path(record))))?;
    let dir = record.parent().unwrap_or(Path::new("."));
    let signer = acting(a)?;
    let mut reg = Register::open(reg_path)?;
    let mut todo = Vec::new();
    let mut bad = Vec::new();
    let mut without = Vec::new();
    for j in &state.jobs {
        let Some(cert) = &j.certificate else {
            without.push(format!("line {} ({}): {}", j.line, j.carrier, j.status));
            continue;
        };
        // As written at the time, or beside the batch record.
        let path = Some(std::path::PathBuf::from(cert))
            .filter(|p| p.exists())
            .or_else(|| Path::new(cert).file_name().map(|n| dir.join(n)))
            .unwrap_or_default();
        match read(&path).and_then(|c| may_cosign(&c, &reg, &signer).map(|p| (c, p))) {
            Ok((c, p)) => todo.push((j, path, c, p)),
            Err(f) => bad.push(format!(
                "line {} ({}): {}: {:#}",
                j.line,
                j.carrier,
                escape_path(&path),
                f.error
            )),
        }
    }
    if !bad.is_empty() {
        return Err(Failure::refused(anyhow!(
            "{} certificate(s) of the batch cannot be co-signed; none was signed:\n  {}",
            bad.len(),
            bad.join("\n  ")
        )));
    }
    if todo.is_empty() {
        return Err(Failure::usage(anyhow!(
            "{}: the batch has no certificates",
            escape_path(record)
        )));
    }
    outln!(
        "co-signing {} certificate(s) of the batch {}:\n",
        todo.len(),
        escape_path(record)
    );
    // What is signed is what the certificates say, not the batch record (which is not
    // signed): carrier, serial and outcome from each verified body.
    for (j, path, c, _) in &todo {
        let body = c.typed_body()?;
        outln!(
            "  line {:<4} {:<16} serial {:<24} {:<12} {}",
            j.line,
            body.media.carrier.as_deref().unwrap_or("-"),
            body.media.serial.as_deref().unwrap_or("-"),
            body.sanitisation.outcome,
            escape_path(path)
        );
    }
    if !without.is_empty() {
        outln!(
            "\nwithout a certificate (nothing to co-sign): {}",
            without.join("; ")
        );
    }
    let n = todo.len();
    match confirm_count {
        Some(c) if c == n => {}
        Some(c) => {
            return Err(Failure::refused(anyhow!(
                "--confirm-count {c}: the batch has {n} certificate(s); none was signed"
            )))
        }
        None if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() => {
            let mut e = std::io::stderr().lock();
            let _ = write!(e, "\nType {n} to co-sign all of them, or press Enter to cancel: ");
            let _ = e.flush();
            let mut line = String::new();
            let _ = std::io::stdin().lock().read_line(&mut line);
            if line.trim() != n.to_string() {
                return Err(Failure::refused(anyhow!("not confirmed; none was signed")));
            }
        }
        None => {
            return Err(Failure::refused(anyhow!(
                "co-signing a batch needs a confirmation, and there is no terminal to ask at"
            ))
            .hint(format!("pass --confirm-count {n} after checking the table")))
        }
    }
    let mut signed = Vec::new();
    for (_, path, mut c, person) in todo {
        if let Err(f) = cosign(&path, &mut c, &mut reg, &signer, &person) {
            let done = if signed.is_empty() {
                "none".to_string()
            } else {
                signed.join(", ")
            };
            return Err(Failure {
                error: anyhow!(
                    "{}: {:#}; co-signed before it: {done}",
                    escape_path(&path),
                    f.error
                ),
                ..f
            });
        }
        signed.push(escape_path(&path));
    }
    Ok(0)
}
