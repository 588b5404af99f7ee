//! `mediasan cert cosign | verify | export`, and the certificate a signed wipe writes.

use std::path::Path;

use anyhow::anyhow;
use serde_json::json;

use mediasan::cert::{self, Certificate, Who};
use mediasan::escape;
use mediasan::register::{self, Kind, Register, Role};
use mediasan::t;

use super::register::acting;
use crate::cli::{CertCmd, CertSub};
use crate::ui::{json_line, Failure};

impl From<cert::CertError> for Failure {
    fn from(e: cert::CertError) -> Failure {
        Failure::new(e.exit_code(), e)
    }
}

/// `path: error`, punctuated as the language in use does.
fn at(path: &str, error: impl std::fmt::Display) -> anyhow::Error {
    anyhow!(t!("cert-path-error", path = path, error = error.to_string()))
}

fn now() -> String {
    register::event::format_time(chrono::Utc::now())
}

/// A certificate file or its PDF, never more than `cert::MAX_FILE` bytes.
fn bytes_of(path: &Path) -> Result<Vec<u8>, Failure> {
    cert::read_file(path).map_err(|e| {
        Failure::usage(match e {
            cert::ReadError::Io(e) => anyhow!(t!(
                "cert-cannot-read",
                path = escape::path(path),
                error = e.to_string()
            )),
            cert::ReadError::TooLarge(m) => at(&escape::path(path), m),
        })
    })
}

/// A certificate file to change (co-sign): the `.cert.json` itself, never its print.
fn read(path: &Path) -> Result<Certificate, Failure> {
    let shown = escape::path(path);
    let bytes = bytes_of(path)?;
    if cert::pdfa::is_pdf(&bytes) {
        return Err(
            Failure::usage(anyhow!(t!("cert-pdf-not-signed-in-place", path = shown)))
                .hint(t!("cert-pdf-not-signed-in-place-hint")),
        );
    }
    Certificate::parse(&bytes).map_err(|e| Failure::usage(at(&shown, e)))
}

/// A printed certificate: the PDF's bytes and what was read of it.
struct Print {
    bytes: Vec<u8>,
    read: cert::pdfa::Printed,
}

/// A certificate to read: a `.cert.json`, or the one attached to a PDF mediasan printed
/// (read within the limits of `cert::pdfa::read`).
fn read_any(path: &Path) -> Result<(Certificate, Option<Print>), Failure> {
    let shown = escape::path(path);
    let bytes = bytes_of(path)?;
    if !cert::pdfa::is_pdf(&bytes) {
        return Ok((
            Certificate::parse(&bytes).map_err(|e| Failure::usage(at(&shown, e)))?,
            None,
        ));
    }
    let read =
        cert::pdfa::read(&bytes).map_err(|e| Failure::usage(at(&shown, e)).hint(t!("pdf-read-hint")))?;
    let c = Certificate::parse(&read.certificate)
        .map_err(|e| Failure::usage(anyhow!(t!("cert-attached", path = shown, error = e.to_string()))))?;
    Ok((c, Some(Print { bytes, read })))
}

/// Writes a certificate file whole or not at all (a temporary file renamed).
fn write(path: &Path, c: &Certificate, replace: bool) -> Result<(), Failure> {
    cert::write(path, c, replace).map_err(|e| {
        Failure::new(
            1,
            anyhow!(t!(
                "cert-cannot-write",
                path = escape::path(path),
                error = e.to_string()
            )),
        )
    })
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
        CertSub::Cosign { .. } => Err(Failure::usage(anyhow!(t!("cert-cosign-what")))),
        CertSub::Verify {
            cert: path,
            allowed_signers,
            register_id,
            font,
            json,
        } => {
            let (c, print) = read_any(&path)?;
            let printed = print.is_some();
            // A print is compared with the rendering of what it carries, with its font.
            let font = match (&print, font) {
                (None, Some(_)) => {
                    return Err(Failure::usage(anyhow!(t!(
                        "pdf-verify-font-not-pdf",
                        path = escape::path(&path)
                    ))))
                }
                (_, Some(f)) => {
                    cert::render::check_font(&f).map_err(|e| Failure::usage(anyhow!(e)))?;
                    cert::render::Font::File(f)
                }
                (_, None) => cert::render::Font::Embedded,
            };
            let paper = match &print {
                Some(_) => Some(cert::render::on_paper(&c)?),
                None => None,
            };
            let reg;
            let who = match &allowed_signers {
                Some(f) => {
                    let text = mediasan::files::read_text_limited(f, cert::signers::MAX_BYTES)
                        .map_err(|e| Failure::usage(at(&escape::path(f), e)))?;
                    Who::AllowedSigners(
                        cert::signers::AllowedSigners::parse(&text, chrono::Utc::now())
                            .map_err(|e| Failure::usage(at(&escape::path(f), e)))?,
                    )
                }
                None if reg_path.exists() => {
                    reg = Register::open_read_only(&reg_path, false)?;
                    Who::Register(&reg)
                }
                None if reg_path != Path::new(register::DEFAULT_PATH) => {
                    return Err(Failure::usage(anyhow!(t!(
                        "cert-no-register-there",
                        path = escape::path(&reg_path)
                    ))))
                }
                None => Who::Nobody,
            };
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
            let filed = register_id.or_else(|| trusted.map(|t| t.value.clone()));
            let judge = || -> Result<cert::Verdict, cert::CertError> {
                let mut verdict = cert::verify(&c, &who)?;
                if let Some(filed) = &filed {
                    verdict.filed_register(filed, &c, consulted.as_ref());
                }
                if let Some(p) = &print {
                    verdict.printed(cert::render::check_print(&p.bytes, &p.read, &c, &font));
                }
                Ok(verdict)
            };
            // The JSON's checks are in English whatever the language: output for scripts.
            let verdict = if json {
                mediasan::i18n::in_english(judge)?
            } else {
                judge()?
            };
            let ok = verdict.ok();
            if json {
                json_line(&json!({
                    "event": "cert-verify",
                    "ok": ok,
                    "from_pdf": printed,
                    "paper": paper,
                    "verdict": verdict
                }));
            } else {
                let (shown, id) = (escape::path(&path), verdict.id.as_deref().unwrap_or("?"));
                outln!(
                    "{}",
                    if printed {
                        t!("cert-verify-head-pdf", path = shown, id = id)
                    } else {
                        t!("cert-verify-head", path = shown, id = id)
                    }
                );
                if let Some(trust) = trusted {
                    outln!(
                        "  {}",
                        t!(
                            "cert-verify-trusted",
                            register = trust.value.as_str(),
                            at = config.at(trust.line)
                        )
                    );
                }
                if let Some(m) = &consulted {
                    outln!(
                        "  {}",
                        t!(
                            "cert-verify-register",
                            register = m.register_id.as_str(),
                            org = m.org.as_str(),
                            founder = m.founder.as_str()
                        )
                    );
                }
                for ch in &verdict.checks {
                    outln!(
                        "  {} {} {}",
                        if ch.ok { "ok  " } else { "FAIL" },
                        pad(&ch.what, 32),
                        ch.detail
                    );
                }
                // What a person compares with the paper, once the page is proven its print.
                if let (true, Some(p)) = (ok, &paper) {
                    outln!(
                        "  {}",
                        t!(
                            "pdf-verify-paper",
                            id = p.certificate.as_str(),
                            carrier = p.carrier.as_str(),
                            serial = p.serial.as_str(),
                            outcome = p.outcome.as_str(),
                            category = p.category.as_str()
                        )
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
                mediasan::files::write(out, page.as_bytes())?;
                outln!("{}", t!("cert-render-html", path = escape::path(out)));
            }
            if let Some(out) = &pdf {
                let font = font.map_or(cert::render::Font::Embedded, cert::render::Font::File);
                let bytes = cert::render::pdf(&c, &font).map_err(|e| Failure::usage(anyhow!(e)))?;
                mediasan::files::write(out, &bytes)?;
                outln!(
                    "{}",
                    t!(
                        "cert-render-pdf",
                        path = escape::path(out),
                        font = font.describe()
                    )
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

/// `text` padded with spaces to `width` terminal columns (a Chinese character takes two),
/// as `{:<width$}` pads ASCII.
fn pad(text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    format!("{text}{}", " ".repeat(width.saturating_sub(text.width())))
}

/// A batch job's status (`pending`, an outcome, `done-earlier`) as a word.
fn status_word(status: &str) -> String {
    match status {
        "pending" => t!("cert-batch-status-pending"),
        "done-earlier" => t!("cert-batch-status-done-earlier"),
        other => outcome_word(other),
    }
}

/// A wipe's outcome as the certificate names it (`sanitised`, …), as a word.
fn outcome_word(outcome: &str) -> String {
    mediasan::model::report::Outcome::named(outcome).map_or_else(|| outcome.to_string(), |o| o.word())
}

/// Writes `body.json`, one `<person>.sig` per signer and `allowed_signers` into `out`;
/// returns the `ssh-keygen -Y verify` command for each signer.
pub fn export(c: &Certificate, reg: &Register, out: &Path) -> Result<Vec<String>, Failure> {
    // Every file through one checked folder: none follows a link planted there.
    let folder = mediasan::files::Folder::create(out)?;
    let body = out.join("body.json");
    folder.write("body.json".as_ref(), &c.canonical_body()?, true)?;
    let mut allowed = String::new();
    let mut commands = Vec::new();
    for s in &c.signatures {
        let p = reg.person_by_fingerprint(&s.fingerprint)?.ok_or_else(|| {
            Failure::new(
                1,
                anyhow!(t!(
                    "cert-export-key-unknown",
                    signer = s.signer.as_str(),
                    fingerprint = s.fingerprint.as_str()
                )),
            )
        })?;
        allowed.push_str(&format!(
            "{} namespaces=\"{}\" {}\n",
            p.id,
            cert::NAMESPACE,
            p.public_key
        ));
        let name = format!("{}.sig", p.id);
        folder.write(name.as_ref(), s.signature.as_bytes(), true)?;
        let sig = out.join(name);
        commands.push(format!(
            "ssh-keygen -Y verify -f {} -I {} -n {} -s {} < {}",
            escape::path(&out.join("allowed_signers")),
            p.id,
            cert::NAMESPACE,
            escape::path(&sig),
            escape::path(&body)
        ));
    }
    folder.write("allowed_signers".as_ref(), allowed.as_bytes(), true)?;
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
        .ok_or_else(|| Failure::usage(anyhow!(t!("cert-cosign-no-operator"))))?
        .clone();
    if op.role != "operator" {
        return Err(Failure::new(1, anyhow!(t!("cert-cosign-first-not-operator"))));
    }
    c.check(&op)
        .map_err(|e| Failure::new(1, anyhow!(t!("cert-cosign-operator-invalid", error = e))))?;
    let body = c.typed_body()?;
    if !body.register.linked {
        return Err(Failure::refused(anyhow!(t!("cert-cosign-unlinked"))));
    }
    let verdict = cert::verify(c, &Who::Register(reg))?;
    // The co-signatures still missing are what co-signing adds.
    let count = t!("cert-check-cosignatures");
    let broken: Vec<String> = verdict
        .checks
        .iter()
        .filter(|ch| !ch.ok && ch.what != count)
        .map(|ch| format!("{}: {}", ch.what, ch.detail))
        .collect();
    if !broken.is_empty() {
        return Err(Failure::new(
            1,
            anyhow!("{}\n  {}", t!("cert-cosign-does-not-verify"), broken.join("\n  ")),
        ));
    }
    let person = reg.person_by_fingerprint(&signer.fingerprint())?.ok_or_else(|| {
        Failure::refused(anyhow!(t!(
            "cert-cosign-key-unknown",
            fingerprint = signer.fingerprint()
        )))
    })?;
    if person.role != Role::Supervisor || person.retired_seq.is_some() {
        return Err(Failure::refused(anyhow!(t!(
            "cert-cosign-not-supervisor",
            id = person.id.as_str(),
            name = person.name.as_str()
        ))));
    }
    if c.signatures
        .iter()
        .any(|s| s.signer == person.id || s.fingerprint == signer.fingerprint())
    {
        let (id, name) = (person.id.as_str(), person.name.as_str());
        let why = if op.signer == person.id || op.fingerprint == signer.fingerprint() {
            t!("cert-cosign-is-operator", id = id, name = name)
        } else {
            t!("cert-cosign-signed-already", id = id, name = name)
        };
        return Err(Failure::refused(anyhow!(why)));
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
        "{}",
        t!(
            "cert-cosigned",
            path = escape::path(path),
            id = person.id.as_str(),
            name = person.name.as_str(),
            fingerprint = signer.fingerprint()
        )
    );
    Ok(())
}

/// Refuses a batch record naming a line, a carrier or a certificate twice.
fn refuse_repeated(state: &mediasan::batch::state::State, record: &Path) -> Result<(), Failure> {
    let mut lines = std::collections::HashSet::new();
    let mut carriers = std::collections::HashSet::new();
    let mut certificates = std::collections::HashSet::new();
    for j in &state.jobs {
        let name = j
            .certificate
            .as_deref()
            .and_then(|c| Path::new(c).file_name())
            .map(|n| n.to_os_string());
        let twice = if !lines.insert(j.line) {
            Some(j.line.to_string())
        } else if !carriers.insert(j.carrier.as_str()) {
            Some(j.carrier.clone())
        } else if name.is_some() && !certificates.insert(name.clone()) {
            j.certificate.clone()
        } else {
            None
        };
        if let Some(what) = twice {
            return Err(Failure::refused(anyhow!(t!(
                "cert-batch-repeated",
                path = escape::path(record),
                what = what
            ))));
        }
    }
    Ok(())
}

/// The certificate a batch record names, as a file of the record's own folder: its name
/// there, a regular file (not a link out of it).
fn batch_certificate(dir: &Path, named: &str) -> Result<std::path::PathBuf, String> {
    let name = Path::new(named)
        .file_name()
        .ok_or_else(|| t!("cert-batch-outside", folder = escape::path(dir)))?;
    let path = dir.join(name);
    let written = Path::new(named);
    if written.is_absolute() || written.components().count() > 1 {
        // Written with its folder: that folder must be the record's.
        let same = written
            .parent()
            .and_then(|p| std::fs::canonicalize(p).ok())
            .zip(std::fs::canonicalize(dir).ok())
            .is_some_and(|(a, b)| a == b);
        if !same {
            return Err(t!("cert-batch-outside", folder = escape::path(dir)));
        }
    }
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_file() => Ok(path),
        Ok(_) => Err(t!("cert-batch-not-a-file")),
        Err(e) => Err(e.to_string()),
    }
}

/// Refuses a certificate that is not of the record's row: another carrier, or another
/// drive (serial).
fn same_row(c: &Certificate, j: &mediasan::batch::state::JobState) -> Result<(), Failure> {
    let body = c.typed_body()?;
    let carrier = body.media.carrier.as_deref().unwrap_or("");
    // The drive the record says the row wiped is the one the signed result names.
    let target = &body.sanitisation.result.target;
    let drive_differs = j
        .serial
        .as_deref()
        .is_some_and(|s| target.serial.as_deref() != Some(s))
        || j.path.as_deref().is_some_and(|p| target.path != p);
    if carrier != j.carrier || drive_differs {
        return Err(Failure::refused(anyhow!(t!(
            "cert-batch-other-row",
            carrier = carrier,
            serial = target.serial.as_deref().unwrap_or("-")
        ))));
    }
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
    use std::io::{BufRead, IsTerminal};
    let state = mediasan::batch::state::State::load(record)
        .map_err(|e| Failure::usage(at(&escape::path(record), e)))?;
    let dir = record
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // The record is a note anyone who can write its folder could have edited: a line, a
    // carrier or a certificate named twice is refused before anything is read.
    refuse_repeated(&state, record)?;
    let signer = acting(a)?;
    let mut reg = Register::open(reg_path)?;
    let mut todo = Vec::new();
    let mut bad = Vec::new();
    let mut without = Vec::new();
    for j in &state.jobs {
        let Some(cert) = &j.certificate else {
            without.push(t!(
                "cert-batch-without-line",
                line = j.line.to_string(),
                carrier = j.carrier.as_str(),
                status = status_word(&j.status)
            ));
            continue;
        };
        let bad_line = |path: &Path, error: String| {
            t!(
                "cert-batch-bad-line",
                line = j.line.to_string(),
                carrier = j.carrier.as_str(),
                path = escape::path(path),
                error = error
            )
        };
        // Only a certificate in the batch's own folder, by its name there.
        let path = match batch_certificate(dir, cert) {
            Ok(p) => p,
            Err(e) => {
                bad.push(bad_line(Path::new(cert), e));
                continue;
            }
        };
        match read(&path)
            .and_then(|c| same_row(&c, j).map(|()| c))
            .and_then(|c| may_cosign(&c, &reg, &signer).map(|p| (c, p)))
        {
            Ok((c, p)) => todo.push((j, path, c, p)),
            Err(f) => bad.push(bad_line(&path, format!("{:#}", f.error))),
        }
    }
    if !bad.is_empty() {
        return Err(Failure::refused(anyhow!(
            "{}\n  {}",
            t!("cert-batch-cannot-cosign", count = bad.len().to_string()),
            bad.iter()
                .map(|b| mediasan::escape::text(b))
                .collect::<Vec<_>>()
                .join("\n  ")
        )));
    }
    if todo.is_empty() {
        return Err(Failure::usage(anyhow!(t!(
            "cert-batch-no-certificates",
            path = escape::path(record)
        ))));
    }
    outln!(
        "{}\n",
        t!(
            "cert-batch-cosigning",
            count = todo.len().to_string(),
            path = escape::path(record)
        )
    );
    // What is signed is what the certificates say, not the batch record (which is not
    // signed): carrier, serial and outcome from each verified body.
    for (j, path, c, _) in &todo {
        let body = c.typed_body()?;
        outln!(
            "  {}",
            t!(
                "cert-batch-row",
                line = format!("{:<4}", j.line),
                carrier = format!("{:<16}", body.media.carrier.as_deref().unwrap_or("-")),
                serial = format!("{:<24}", body.media.serial.as_deref().unwrap_or("-")),
                outcome = pad(&outcome_word(&body.sanitisation.outcome), 12),
                path = escape::path(path)
            )
        );
    }
    if !without.is_empty() {
        outln!(
            "\n{}",
            t!(
                "cert-batch-without",
                list = without.join(&t!("cert-list-separator"))
            )
        );
    }
    let n = todo.len();
    match confirm_count {
        Some(c) if c == n => {}
        Some(c) => {
            return Err(Failure::refused(anyhow!(t!(
                "cert-batch-count-mismatch",
                given = c.to_string(),
                count = n.to_string()
            ))))
        }
        None if std::io::stdin().is_terminal() && std::io::stderr().is_terminal() => {
            crate::ui::prompt(&format!("\n{}", t!("cert-batch-prompt", count = n.to_string())));
            let mut line = String::new();
            let _ = std::io::stdin().lock().read_line(&mut line);
            if line.trim() != n.to_string() {
                return Err(Failure::refused(anyhow!(t!("cert-batch-not-confirmed"))));
            }
        }
        None => {
            return Err(Failure::refused(anyhow!(t!("cert-batch-needs-terminal")))
                .hint(t!("cert-batch-needs-terminal-hint", count = n.to_string())))
        }
    }
    let mut signed = Vec::new();
    for (_, path, shown, person) in todo {
        // Read again: what is signed is what was shown and counted, or nothing.
        let signing = read(&path).and_then(|mut c| {
            if c.digest()? != shown.digest()? || c.signatures.len() != shown.signatures.len() {
                return Err(Failure::refused(anyhow!(t!("cert-batch-changed"))));
            }
            cosign(&path, &mut c, &mut reg, &signer, &person)
        });
        if let Err(f) = signing {
            let done = if signed.is_empty() {
                t!("screen-none")
            } else {
                signed.join(", ")
            };
            return Err(Failure {
                error: anyhow!(t!(
                    "cert-batch-cosign-failed",
                    path = escape::path(&path),
                    error = format!("{:#}", f.error),
                    done = done
                )),
                ..f
            });
        }
        signed.push(escape::path(&path));
    }
    Ok(0)
}
