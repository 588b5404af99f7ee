//! `mediasan register`, `person`, `carrier`, `approve` and `key`: the register's
//! commands. Each opens the register, unlocks the acting key, appends one event
//! (or reads), and says what it did.

use mediasan::escape::text as esc;
use std::io::IsTerminal;
use std::path::Path;

use anyhow::anyhow;
use serde_json::json;

use mediasan::keys::{self, KeyError, Signer};
use mediasan::register::{self, Kind, NewCarrier, Register, RegisterError};

use crate::cli::{
    Acting, ApproveArgs, CarrierCmd, CarrierSub, KeyCmd, KeySub, PersonCmd, PersonSub, RegisterCmd,
    RegisterSub,
};
use crate::ui::{json_line, Failure};

impl From<RegisterError> for Failure {
    fn from(e: RegisterError) -> Failure {
        let code = e.exit_code();
        let hint = e.hint();
        let f = Failure::new(code, e);
        match hint {
            Some(h) => f.hint(h),
            None => f,
        }
    }
}

impl From<KeyError> for Failure {
    fn from(e: KeyError) -> Failure {
        let hint = match &e {
            KeyError::NeedPassphrase { .. } => Some(mediasan::t!("acting-need-passphrase-hint")),
            KeyError::WrongPassphrase { .. } => Some(mediasan::t!("acting-wrong-passphrase-hint")),
            KeyError::Exposed { path, .. } => Some(mediasan::t!("acting-exposed-hint", path = path.as_str())),
            _ => None,
        };
        let f = Failure::new(e.exit_code(), e);
        match hint {
            Some(h) => f.hint(h),
            None => f,
        }
    }
}

/// Unlocks a private key: its passphrase from a file, or asked on the terminal
/// without echo, and only when the key is encrypted.
pub fn unlock(path: &Path, passphrase_file: Option<&Path>) -> Result<Signer, Failure> {
    if let Some(selector) = path.to_str().and_then(|p| p.strip_prefix(keys::AGENT_PREFIX)) {
        return Ok(Signer::from_agent(selector)?);
    }
    // A passphrase file that was named must be read, whether or not the key needs it.
    let given = match passphrase_file {
        Some(f) => Some(mediasan::files::read_text_limited(f, 1 << 20).map_err(|e| {
            let code = if e.kind() == std::io::ErrorKind::NotFound {
                2
            } else {
                1
            };
            Failure::new(
                code,
                anyhow!(mediasan::t!(
                    "acting-passphrase-file",
                    path = mediasan::escape::path(f),
                    error = e.to_string()
                )),
            )
        })?),
        None => None,
    };
    let signer = Signer::from_file(path, || match given {
        Some(p) => Some(p),
        None if std::io::stdin().is_terminal() => {
            rpassword::prompt_password(mediasan::t!("passphrase-for", key = mediasan::escape::path(path)))
                .ok()
        }
        None => None,
    })?;
    Ok(signer)
}

/// The acting person's key, unlocked.
pub fn acting(a: &Acting) -> Result<Signer, Failure> {
    if let Some(selector) = &a.agent {
        return Ok(Signer::from_agent(selector)?);
    }
    let path = a.key.as_deref().ok_or_else(|| {
        Failure::usage(anyhow!(mediasan::t!("acting-no-key"))).hint(mediasan::t!("acting-no-key-hint"))
    })?;
    unlock(path, a.key_passphrase_file.as_deref())
}

fn open(path: &Path) -> Result<Register, Failure> {
    Ok(Register::open(path)?)
}

/// For commands that only read: the file is not changed.
fn read(path: &Path) -> Result<Register, Failure> {
    Ok(Register::open_read_only(path, false)?)
}

/// What a command did, and the event that records it.
fn said(what: &str, ev: &register::Event) {
    outln!(
        "{}",
        mediasan::t!(
            "register-said",
            what = what,
            seq = ev.seq.to_string(),
            hash = ev.hash[..16].to_string()
        )
    );
}

pub fn run_register(cmd: RegisterCmd) -> Result<u8, Failure> {
    let path = cmd.register.path;
    let index = cmd.register.index;
    match cmd.command {
        RegisterSub::Init {
            org,
            location,
            name,
            title,
            id,
            key,
            signed_by,
            key_passphrase_file,
            supervisors,
        } => {
            let config = &crate::settings::get().config;
            let org = org
                .or_else(|| config.organisation.as_ref().map(|o| o.value.clone()))
                .ok_or_else(|| {
                    Failure::usage(anyhow!(mediasan::t!("init-no-org")))
                        .hint(mediasan::t!("init-no-org-hint"))
                })?;
            let location = location.or_else(|| config.location.as_ref().map(|l| l.value.clone()));
            let public = keys::read_public(&key)?;
            let signer = unlock(&signed_by, key_passphrase_file.as_deref())?;
            // The machine's index must take the register before it exists.
            register::index::check_writable(&index).map_err(|e| {
                Failure::new(
                    2,
                    anyhow!(mediasan::t!(
                        "init-index-unwritable",
                        index = mediasan::escape::path(&index),
                        error = e.to_string()
                    )),
                )
                .hint(mediasan::t!("init-index-unwritable-hint"))
            })?;
            let founding = register::Founding {
                org: &org,
                location: location.as_deref(),
                id: &id,
                name: &name,
                title: title.as_deref(),
                supervisors_required: supervisors,
            };
            let reg = Register::create(&path, &founding, &public, &signer)?;
            let meta = reg
                .meta()?
                .ok_or_else(|| Failure::new(1, anyhow!(mediasan::t!("init-no-facts"))))?;
            let (seq, hash) = reg.head()?;
            let entry = register::index::Entry {
                register_id: meta.register_id.clone(),
                path: std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone()),
                added: register::event::format_time(chrono::Utc::now()),
            };
            register::index::add(&index, &entry).map_err(|e| {
                Failure::new(
                    1,
                    anyhow!(mediasan::t!(
                        "init-not-indexed",
                        path = mediasan::escape::path(&path),
                        index = mediasan::escape::path(&index),
                        error = e.to_string()
                    )),
                )
                .hint(mediasan::t!("init-not-indexed-hint"))
            })?;
            let grouped: Vec<&str> = (0..meta.register_id.len())
                .step_by(8)
                .map(|i| &meta.register_id[i..i + 8])
                .collect();
            outln!(
                "{}",
                mediasan::t!("init-created", path = mediasan::escape::path(&path))
            );
            outln!("{}", mediasan::t!("init-org", org = meta.org.as_str()));
            outln!("{}", mediasan::t!("init-register-id", id = grouped.join("-")));
            outln!(
                "{}",
                mediasan::t!(
                    "init-founder",
                    person = id.as_str(),
                    name = name.as_str(),
                    fingerprint = signer.fingerprint()
                )
            );
            outln!(
                "{}",
                mediasan::t!("init-head", seq = seq.to_string(), hash = hash.as_str())
            );
            outln!(
                "{}",
                mediasan::t!("init-indexed", index = mediasan::escape::path(&index))
            );
            outln!("{}", mediasan::t!("init-file-on-paper"));
            Ok(0)
        }
        RegisterSub::Verify {
            anchor,
            register_id,
            json,
        } => {
            let anchors: Vec<(u64, String)> = anchor
                .iter()
                .map(|a| {
                    a.split_once(':')
                        .and_then(|(s, h)| Some((s.parse().ok()?, h.to_lowercase())))
                        .filter(|(_, h): &(u64, String)| {
                            h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())
                        })
                        .ok_or_else(|| {
                            Failure::usage(anyhow!(mediasan::t!(
                                "register-verify-bad-anchor",
                                anchor = format!("{a:?}")
                            )))
                        })
                })
                .collect::<Result<_, _>>()?;
            let reg = Register::open_read_only(&path, true)?;
            let mut audits = Vec::new();
            if anchors.is_empty() {
                audits.push(reg.verify(None)?);
            }
            for (s, h) in &anchors {
                audits.push(reg.verify(Some((*s, h.as_str())))?);
            }
            let a = &audits[0];
            let filed = register_id.map(|id| id.replace('-', "").to_lowercase());
            let id_ok = filed
                .as_ref()
                .is_none_or(|f| a.register_id.as_deref() == Some(f.as_str()));
            let ok = audits.iter().all(register::Audit::ok) && id_ok;
            if json {
                json_line(&json!({ "event": "register-verify", "ok": ok, "audits": audits }));
            } else {
                outln!(
                    "{}",
                    mediasan::t!(
                        "register-verify-counts",
                        path = mediasan::escape::path(&path),
                        events = a.events.to_string(),
                        signatures = a.signatures_checked.to_string(),
                        ms = a.milliseconds.to_string()
                    )
                );
                let id = match a.register_id.as_deref() {
                    Some(id) => id.to_string(),
                    None => mediasan::t!("register-verify-no-id"),
                };
                outln!("{}", mediasan::t!("register-verify-id", id = id));
                if let Ok(Some(m)) = reg.meta() {
                    let name = reg.person(&m.founder).ok().flatten().map(|p| p.name);
                    outln!(
                        "{}",
                        mediasan::t!(
                            "register-verify-founder",
                            person = m.founder.as_str(),
                            name = name.as_deref().unwrap_or("?"),
                            org = m.org.as_str()
                        )
                    );
                }
                if let Some((s, h)) = &a.head {
                    outln!(
                        "{}",
                        mediasan::t!("register-verify-head", seq = s.to_string(), hash = h.as_str())
                    );
                }
                if !id_ok {
                    outln!("{}", mediasan::t!("register-verify-id-differs"));
                }
                for a in &audits {
                    if let Some(b) = &a.first_break {
                        outln!(
                            "{}",
                            mediasan::t!(
                                "register-verify-broken",
                                seq = b.seq.to_string(),
                                problem = b.problem.as_str()
                            )
                        );
                    }
                    for d in &a.derived {
                        outln!(
                            "{}",
                            mediasan::t!("register-verify-derived", problem = d.as_str())
                        );
                    }
                }
                for ((s, h), a) in anchors.iter().zip(&audits) {
                    let (seq, hash) = (s.to_string(), &h[..16]);
                    match a.anchor {
                        Some(true) => outln!(
                            "{}",
                            mediasan::t!("register-verify-anchor-in", seq = seq, hash = hash)
                        ),
                        _ => outln!(
                            "{}",
                            mediasan::t!("register-verify-anchor-out", seq = seq, hash = hash)
                        ),
                    }
                }
                outln!(
                    "{}",
                    if ok {
                        mediasan::t!("register-verify-ok")
                    } else {
                        mediasan::t!("register-verify-failed")
                    }
                );
            }
            Ok(if ok { 0 } else { 1 })
        }
        RegisterSub::Migrate { acting: a } => {
            let signer = acting(&a)?;
            let mut reg = open(&path)?;
            let register::ops::Migration { events, lost } = reg.migrate_identities(&signer)?;
            for ev in &events {
                let d: serde_json::Value = serde_json::from_str(&ev.details).unwrap_or_default();
                said(
                    &mediasan::t!(
                        "register-migrated",
                        carrier = ev.subject.as_str(),
                        previous = d["previous"].as_str().unwrap_or(""),
                        serial = d["serial"].as_str().unwrap_or("")
                    ),
                    ev,
                );
            }
            for (c, why) in &lost {
                errln!(
                    "{}",
                    mediasan::t!(
                        "register-migrate-lost",
                        carrier = c.id.as_str(),
                        serial = c.serial.as_str(),
                        error = why.as_str()
                    )
                );
            }
            if events.is_empty() && lost.is_empty() {
                outln!("{}", mediasan::t!("register-migrate-none"));
            } else if !events.is_empty() {
                outln!("{}", mediasan::t!("register-migrate-approve-again"));
            }
            Ok(if lost.is_empty() { 0 } else { 1 })
        }
        RegisterSub::Checkpoint { acting: a } => {
            let signer = acting(&a)?;
            let mut reg = open(&path)?;
            let ev = reg.checkpoint(&signer)?;
            let d: serde_json::Value = serde_json::from_str(&ev.details).unwrap_or_default();
            let (seq, hash) = (d["head_seq"].to_string(), d["head_hash"].as_str().unwrap_or(""));
            outln!(
                "{}",
                mediasan::t!(
                    "register-checkpoint-signed",
                    person = ev.actor.as_str(),
                    time = ev.time.as_str()
                )
            );
            outln!(
                "{}",
                mediasan::t!("register-checkpoint-anchor", seq = seq.as_str(), hash = hash)
            );
            outln!(
                "{}",
                mediasan::t!("register-checkpoint-check", seq = seq.as_str(), hash = hash)
            );
            Ok(0)
        }
        RegisterSub::Backup { file } => {
            let reg = read(&path)?;
            reg.backup(&file)?;
            outln!(
                "{}",
                mediasan::t!("register-backup-written", path = mediasan::escape::path(&file))
            );
            Ok(0)
        }
    }
}

pub fn run_person(cmd: PersonCmd) -> Result<u8, Failure> {
    let path = cmd.register.path;
    match cmd.command {
        PersonSub::Add {
            name,
            title,
            role,
            key,
            signed_by,
            key_passphrase_file,
            id,
        } => {
            let public = keys::read_public(&key)?;
            let signer = unlock(&signed_by, key_passphrase_file.as_deref())?;
            let mut reg = open(&path)?;
            let ev = reg.enrol(&signer, id.as_deref(), &name, title.as_deref(), role, &public)?;
            said(
                &mediasan::t!(
                    "person-add-done",
                    person = ev.subject.as_str(),
                    name = name.as_str(),
                    role = role.word(),
                    fingerprint = public.fingerprint()
                ),
                &ev,
            );
            Ok(0)
        }
        PersonSub::List { json } => {
            let reg = read(&path)?;
            for p in reg.people()? {
                if json {
                    json_line(&p);
                } else {
                    outln!(
                        "{:<12} {:<10} {:<10} {}{}",
                        esc(&p.id),
                        p.role.name(),
                        esc(&p.name),
                        esc(&p.fingerprint),
                        if p.retired_seq.is_some() {
                            mediasan::t!("person-list-retired")
                        } else {
                            String::new()
                        }
                    );
                }
            }
            Ok(0)
        }
        PersonSub::Retire { id, acting: a } => {
            let signer = acting(&a)?;
            let mut reg = open(&path)?;
            let ev = reg.retire(&signer, &id)?;
            said(&mediasan::t!("person-retire-done", person = id.as_str()), &ev);
            Ok(0)
        }
    }
}

pub fn run_carrier(cmd: CarrierCmd) -> Result<u8, Failure> {
    let path = cmd.register.path;
    match cmd.command {
        CarrierSub::Add {
            kind,
            serial,
            make,
            model,
            capacity,
            classification,
            unit,
            custodian,
            host_asset,
            label,
            acting: a,
        } => {
            let c = NewCarrier {
                kind: kind.name().into(),
                serial,
                make,
                model,
                capacity,
                classification: classification.name().into(),
                unit,
                custodian,
                host_asset,
                label,
            };
            c.validate().map_err(|e| Failure::usage(anyhow!("{e}")))?;
            refuse_attached_conflict(std::slice::from_ref(&c.serial))?;
            let signer = acting(&a)?;
            let mut reg = open(&path)?;
            let ev = reg.add_carrier(&signer, &c)?;
            said(
                &mediasan::t!(
                    "carrier-add-done",
                    carrier = ev.subject.as_str(),
                    kind = c.kind.as_str(),
                    serial = c.serial.as_str(),
                    classification = c.classification.as_str()
                ),
                &ev,
            );
            Ok(0)
        }
        CarrierSub::List {
            status,
            classification,
            custodian,
            json,
        } => {
            let class = classification;
            let reg = read(&path)?;
            let custodian = custodian.map(|p| reg.person_id(&p)).transpose()?;
            for c in reg.carriers(status, class, custodian.as_deref())? {
                if json {
                    json_line(&c);
                } else {
                    outln!(
                        "{:<13} {:<11} {:<12} {:<22} {:<11} {}",
                        esc(&c.id),
                        c.kind,
                        format!("{} {}", c.classification.chinese(), c.classification.name()),
                        esc(&c.serial),
                        c.status.name(),
                        esc(c.holder.as_deref().unwrap_or(&c.custodian))
                    );
                }
            }
            Ok(0)
        }
        CarrierSub::Show { id, json } => {
            let reg = read(&path)?;
            let c = reg.carrier(&id)?.ok_or_else(|| {
                Failure::usage(anyhow!(mediasan::t!(
                    "register-no-carrier",
                    carrier = id.as_str()
                )))
            })?;
            let approvals = reg.approvals_for(&id)?;
            let events = reg.events_about(&id)?;
            if json {
                json_line(&json!({ "carrier": c, "approvals": approvals, "events": events }));
                return Ok(0);
            }
            outln!(
                "{} — {} {} ({} {})",
                esc(&c.id),
                esc(&c.make),
                esc(&c.model),
                c.classification.chinese(),
                c.classification.name()
            );
            outln!(
                "{}",
                mediasan::t!(
                    "carrier-show-kind",
                    kind = c.kind.name(),
                    serial = c.serial.as_str(),
                    capacity = c.capacity.to_string()
                )
            );
            outln!(
                "{}",
                mediasan::t!(
                    "carrier-show-unit",
                    unit = c.unit.as_str(),
                    custodian = c.custodian.as_str(),
                    status = c.status.word()
                )
            );
            if let Some(h) = &c.host_asset {
                outln!("{}", mediasan::t!("carrier-show-host", host = h.as_str()));
            }
            for a in &approvals {
                let paper = a
                    .paper_ref
                    .as_deref()
                    .map(|p| mediasan::t!("carrier-show-paper", paper = p))
                    .unwrap_or_default();
                let (approval, approver, expires) = (a.id.as_str(), a.approver.as_str(), a.expires.as_str());
                let line = if a.revoked_seq.is_some() {
                    mediasan::t!(
                        "carrier-show-approval-revoked",
                        approval = approval,
                        approver = approver,
                        expires = expires,
                        paper = paper
                    )
                } else {
                    mediasan::t!(
                        "carrier-show-approval-valid",
                        approval = approval,
                        approver = approver,
                        expires = expires,
                        paper = paper
                    )
                };
                outln!("{line}");
            }
            for e in &events {
                outln!(
                    "{}",
                    mediasan::t!(
                        "carrier-show-event",
                        seq = format!("{:>6}", e.seq),
                        time = e.time.get(..19).unwrap_or(&e.time),
                        kind = format!("{:<28}", e.kind),
                        actor = format!("{:<10}", esc(&e.actor)),
                        details = e.details.as_str()
                    )
                );
            }
            Ok(0)
        }
        CarrierSub::Issue { id, to, acting: a } => {
            moved(&path, &a, Kind::CarrierIssued, &id, Some(&to), None)
        }
        CarrierSub::Return { id, acting: a } => moved(&path, &a, Kind::CarrierReturned, &id, None, None),
        CarrierSub::Transfer { id, to, acting: a } => {
            moved(&path, &a, Kind::CarrierTransferred, &id, Some(&to), None)
        }
        CarrierSub::RepairOut { id, note, acting: a } => {
            moved(&path, &a, Kind::RemovedForRepair, &id, None, note.as_deref())
        }
        CarrierSub::RepairIn { id, note, acting: a } => {
            moved(&path, &a, Kind::ReturnedFromRepair, &id, None, note.as_deref())
        }
        CarrierSub::HandOver {
            id,
            facility,
            acting: a,
        } => moved(
            &path,
            &a,
            Kind::HandedOverForDestruction,
            &id,
            None,
            facility.as_deref(),
        ),
        CarrierSub::Destroy {
            id,
            method,
            facility,
            receipt,
            acting: a,
        } => {
            let signer = acting(&a)?;
            let mut reg = open(&path)?;
            let ev = reg.destroy(&signer, &id, &method, &facility, receipt.as_deref())?;
            said(
                &mediasan::t!(
                    "carrier-destroyed",
                    carrier = id.as_str(),
                    method = method.as_str(),
                    facility = facility.as_str()
                ),
                &ev,
            );
            Ok(0)
        }
        CarrierSub::Dispose {
            id,
            destination,
            external_reuse,
            acting: a,
        } => {
            let signer = acting(&a)?;
            let mut reg = open(&path)?;
            let ev = reg.dispose(&signer, &id, &destination, external_reuse)?;
            said(
                &mediasan::t!(
                    "carrier-disposed",
                    carrier = id.as_str(),
                    destination = destination.as_str()
                ),
                &ev,
            );
            Ok(0)
        }
        CarrierSub::Import { file, acting: a } => {
            let shown = mediasan::escape::path(&file);
            let bytes = mediasan::files::read_limited(&file, register::csv::MAX_BYTES).map_err(|e| {
                Failure::usage(anyhow!(mediasan::t!(
                    "carrier-import-unreadable",
                    path = shown.as_str(),
                    error = e.to_string()
                )))
            })?;
            let (text, encoding) = register::csv::decode(&bytes).map_err(|e| {
                Failure::usage(anyhow!(mediasan::t!(
                    "register-at-path",
                    path = shown.as_str(),
                    error = e
                )))
            })?;
            let rows = register::csv::parse(&text).map_err(|errors| {
                Failure::usage(anyhow!(
                    "{}\n  {}",
                    mediasan::t!(
                        "carrier-import-bad-rows",
                        path = shown.as_str(),
                        count = errors.len().to_string()
                    ),
                    errors
                        .iter()
                        .map(|e| mediasan::escape::text(e))
                        .collect::<Vec<_>>()
                        .join("\n  ")
                ))
            })?;
            let serials: Vec<String> = rows.iter().map(|(_, c)| c.serial.clone()).collect();
            refuse_attached_conflict(&serials)?;
            let signer = acting(&a)?;
            let mut reg = open(&path)?;
            let (lines, rows): (Vec<u64>, Vec<NewCarrier>) = rows.into_iter().unzip();
            let events = reg.add_carriers(&signer, &rows).map_err(|e| {
                // The register names the carrier by its index; the person needs the line.
                let at = match &e {
                    RegisterError::Row { index, .. } => lines.get(*index).copied(),
                    _ => None,
                };
                let text = e.to_string();
                let f = Failure::from(e);
                match at {
                    Some(line) => Failure {
                        error: anyhow!(mediasan::t!(
                            "carrier-import-row-failed",
                            path = shown.as_str(),
                            line = line.to_string(),
                            error = text
                        )),
                        ..f
                    },
                    None => f,
                }
            })?;
            let encoding = match encoding {
                "UTF-8 with BOM" => mediasan::t!("csv-utf8-bom"),
                other => other.to_string(),
            };
            outln!(
                "{}",
                mediasan::t!(
                    "carrier-imported",
                    path = shown.as_str(),
                    count = events.len().to_string(),
                    encoding = encoding,
                    first = events.first().map_or("", |e| e.subject.as_str()),
                    last = events.last().map_or("", |e| e.subject.as_str())
                )
            );
            Ok(0)
        }
        CarrierSub::Export { out } => {
            let reg = read(&path)?;
            let bytes = register::csv::export(&reg.carriers(None, None, None)?)
                .map_err(|e| Failure::new(1, anyhow!(e)))?;
            match out {
                Some(f) => mediasan::files::write(&f, &bytes)?,
                None => {
                    use std::io::Write;
                    let _ = std::io::stdout().lock().write_all(&bytes);
                }
            }
            Ok(0)
        }
    }
}

fn moved(
    path: &Path,
    a: &Acting,
    kind: Kind,
    id: &str,
    to: Option<&str>,
    note: Option<&str>,
) -> Result<u8, Failure> {
    let signer = acting(a)?;
    let mut reg = open(path)?;
    let ev = reg.move_carrier(&signer, kind, id, to, note)?;
    said(
        &mediasan::t!("carrier-moved", carrier = id, kind = ev.kind.as_str()),
        &ev,
    );
    Ok(0)
}

pub fn run_approve(args: ApproveArgs) -> Result<u8, Failure> {
    let signer = acting(&args.acting)?;
    let mut reg = open(&args.register.path)?;
    if let Some(approval) = &args.revoke {
        let ev = reg.revoke(&signer, approval, args.reason.as_deref())?;
        said(
            &mediasan::t!("approve-revoked", approval = approval.as_str()),
            &ev,
        );
        file_head(&ev);
        return Ok(0);
    }
    let carrier = args.carrier.as_deref().unwrap_or_default();
    if args.valid_for == 0 || args.valid_for > 3660 {
        return Err(Failure::usage(anyhow!(mediasan::t!(
            "approve-valid-for",
            days = args.valid_for.to_string()
        ))));
    }
    let ev = reg.approve(
        &signer,
        carrier,
        chrono::Duration::days(i64::from(args.valid_for)),
        args.paper_ref.as_deref(),
    )?;
    let d: serde_json::Value = serde_json::from_str(&ev.details).unwrap_or_default();
    said(
        &mediasan::t!(
            "approve-given",
            approval = d["approval"].as_str().unwrap_or(""),
            carrier = carrier,
            serial = d["serial"].as_str().unwrap_or(""),
            classification = d["classification"].as_str().unwrap_or(""),
            expires = d["expires"].as_str().unwrap_or(""),
            paper = args
                .paper_ref
                .as_deref()
                .map(|p| mediasan::t!("approve-paper", paper = p))
                .unwrap_or_default()
        ),
        &ev,
    );
    file_head(&ev);
    Ok(0)
}

/// An approval or a revocation is the register's new head: printed whole, to be
/// filed on paper with the form, so that a later rollback past it shows.
fn file_head(ev: &register::Event) {
    outln!(
        "{}",
        mediasan::t!(
            "approve-file-head",
            seq = ev.seq.to_string(),
            hash = ev.hash.as_str()
        )
    );
}

pub fn run_key(cmd: KeyCmd) -> Result<u8, Failure> {
    match cmd.command {
        KeySub::New {
            name,
            out,
            passphrase_file,
            ask,
        } => {
            let out = out.unwrap_or_else(|| std::path::PathBuf::from(&name));
            let passphrase = match (passphrase_file, ask) {
                (Some(f), _) => Some(
                    mediasan::files::read_text_limited(&f, 1 << 20)
                        .map_err(|e| {
                            Failure::usage(anyhow!(mediasan::t!(
                                "register-at-path",
                                path = mediasan::escape::path(&f),
                                error = e.to_string()
                            )))
                        })?
                        .trim_end_matches(['\n', '\r'])
                        .to_string(),
                ),
                (None, true) => {
                    let a = rpassword::prompt_password(mediasan::t!("passphrase-new"))
                        .map_err(|e| Failure::usage(anyhow!("{e}")))?;
                    let b = rpassword::prompt_password(mediasan::t!("passphrase-again"))
                        .map_err(|e| Failure::usage(anyhow!("{e}")))?;
                    if a != b {
                        return Err(Failure::usage(anyhow!(mediasan::t!("passphrase-differ"))));
                    }
                    Some(a)
                }
                (None, false) => None,
            };
            let key = keys::generate(&name)?;
            keys::write_pair(&key, &out, passphrase.as_deref())?;
            outln!(
                "{}",
                mediasan::t!(
                    "key-new-pair",
                    path = mediasan::escape::path(&out),
                    name = name.as_str(),
                    fingerprint = keys::Signer::from_key(key.clone()).fingerprint()
                )
            );
            outln!(
                "{}",
                mediasan::t!("key-new-public", path = mediasan::escape::path(&out))
            );
            Ok(0)
        }
    }
}

/// A serial that an attached USB bridge reports as its own, or that two attached drives
/// report, identifies no carrier: refused before anything is registered (exit 3).
fn refuse_attached_conflict(serials: &[String]) -> Result<(), Failure> {
    let attached = mediasan::medium::scan::attached(&mediasan::medium::Sys::host());
    for s in serials {
        if let Some(p) = mediasan::medium::scan::registration_problem(&attached, s) {
            return Err(Failure::refused(anyhow!(mediasan::t!(
                "carrier-serial-attached",
                serial = format!("{s:?}"),
                problem = p.to_string()
            )))
            .hint(mediasan::t!("carrier-serial-attached-hint")));
        }
    }
    Ok(())
}
