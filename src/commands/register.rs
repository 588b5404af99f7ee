//! `mediasan register`, `person`, `carrier`, `approve` and `key`: the register's
//! commands. Each opens the register, unlocks the acting key, appends one event
//! (or reads), and says what it did.

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
            KeyError::NeedPassphrase { .. } => {
                Some("give --key-passphrase-file, or run on a terminal to be asked".to_string())
            }
            KeyError::WrongPassphrase { .. } => Some("nothing was signed; try again".to_string()),
            KeyError::Exposed { path, .. } => {
                Some(format!("make it readable by its owner only: chmod 600 {path}"))
            }
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
        Some(f) => Some(std::fs::read_to_string(f).map_err(|e| {
            let code = if e.kind() == std::io::ErrorKind::NotFound {
                2
            } else {
                1
            };
            Failure::new(
                code,
                anyhow!(
                    "--key-passphrase-file {}: cannot read it: {e}",
                    mediasan::target::escape_path(f)
                ),
            )
        })?),
        None => None,
    };
    let signer = Signer::from_file(path, || match given {
        Some(p) => Some(p),
        None if std::io::stdin().is_terminal() => rpassword::prompt_password(mediasan::t!(
            "passphrase-for",
            key = mediasan::target::escape_path(path)
        ))
        .ok(),
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
        Failure::usage(anyhow!("no key to sign with"))
            .hint("give --key FILE or set MEDIASAN_KEY; every event is signed by whoever acts")
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

fn said(what: &str, ev: &register::Event) {
    outln!("{what} (event {}, {})", ev.seq, &ev.hash[..16]);
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
                    Failure::usage(anyhow!("the register needs its organisation"))
                        .hint("give --org, or set organisation in the configuration (mediasan config show)")
                })?;
            let location = location.or_else(|| config.location.as_ref().map(|l| l.value.clone()));
            let public = keys::read_public(&key)?;
            let signer = unlock(&signed_by, key_passphrase_file.as_deref())?;
            // The machine's index must take the register before it exists.
            register::index::check_writable(&index).map_err(|e| {
                Failure::new(
                    2,
                    anyhow!(
                        "the register index {} cannot be added to: {e}",
                        mediasan::target::escape_path(&index)
                    ),
                )
                .hint("run as root, or name another index with --index (MEDIASAN_INDEX)")
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
                .ok_or_else(|| Failure::new(1, anyhow!("the new register has no facts")))?;
            let (seq, hash) = reg.head()?;
            let entry = register::index::Entry {
                register_id: meta.register_id.clone(),
                path: std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone()),
                added: register::event::format_time(chrono::Utc::now()),
            };
            register::index::add(&index, &entry).map_err(|e| {
                Failure::new(
                    1,
                    anyhow!(
                        "the register was created at {} but could not be added to the index {}: {e}",
                        mediasan::target::escape_path(&path),
                        mediasan::target::escape_path(&index)
                    ),
                )
                .hint("until it is indexed, wipes that name another register do not see its carriers")
            })?;
            let grouped: Vec<&str> = (0..meta.register_id.len())
                .step_by(8)
                .map(|i| &meta.register_id[i..i + 8])
                .collect();
            outln!("register created at {}", mediasan::target::escape_path(&path));
            outln!("  organisation  {}", meta.org);
            outln!("  register id   {}", grouped.join("-"));
            outln!(
                "  founder       {} ({}), approver, key {}",
                id,
                name,
                signer.fingerprint()
            );
            outln!("  head          {seq}:{hash}");
            outln!("  indexed in    {}", mediasan::target::escape_path(&index));
            outln!("File the register id and the head on paper: a re-initialised register is a different register.");
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
                            Failure::usage(anyhow!("--anchor {a:?}: expected SEQ:HASH (64 hex digits)"))
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
                    "{}: {} events, {} signatures checked in {} ms",
                    mediasan::target::escape_path(&path),
                    a.events,
                    a.signatures_checked,
                    a.milliseconds
                );
                outln!(
                    "  register id {}",
                    a.register_id
                        .as_deref()
                        .unwrap_or("(none: register-created is missing or broken)")
                );
                if let Ok(Some(m)) = reg.meta() {
                    let name = reg.person(&m.founder).ok().flatten().map(|p| p.name);
                    outln!(
                        "  founder {} ({}), {}",
                        m.founder,
                        name.as_deref().unwrap_or("?"),
                        m.org
                    );
                }
                if let Some((s, h)) = &a.head {
                    outln!("  head {s}:{h}");
                }
                if !id_ok {
                    outln!("  REGISTER ID DIFFERS from the one filed: this is another register");
                }
                for a in &audits {
                    if let Some(b) = &a.first_break {
                        outln!("  BROKEN at event {}: {}", b.seq, b.problem);
                    }
                    for d in &a.derived {
                        outln!("  DERIVED TABLE DISAGREES: {d}");
                    }
                }
                for ((s, h), a) in anchors.iter().zip(&audits) {
                    match a.anchor {
                        Some(true) => outln!("  anchor {s}:{} is in the chain", &h[..16]),
                        _ => outln!(
                            "  ANCHOR {s}:{} IS NOT IN THE CHAIN: this register was rolled back or replaced",
                            &h[..16]
                        ),
                    }
                }
                outln!(
                    "{}",
                    if ok {
                        "register verified: chain, signatures and derived tables agree"
                    } else {
                        "REGISTER VERIFICATION FAILED"
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
                    &format!(
                        "{}: {} is now {}",
                        ev.subject,
                        d["previous"].as_str().unwrap_or(""),
                        d["serial"].as_str().unwrap_or("")
                    ),
                    ev,
                );
            }
            for (c, why) in &lost {
                errln!(
                    "{}: {} reaches no regular file ({why}): it stays identified by that path only",
                    c.id,
                    c.serial
                );
            }
            if events.is_empty() && lost.is_empty() {
                outln!("no carrier is identified by an image path: nothing to migrate");
            } else if !events.is_empty() {
                outln!("approvals given before this name the old serial: approve these carriers again");
            }
            Ok(if lost.is_empty() { 0 } else { 1 })
        }
        RegisterSub::Checkpoint { acting: a } => {
            let signer = acting(&a)?;
            let mut reg = open(&path)?;
            let ev = reg.checkpoint(&signer)?;
            let d: serde_json::Value = serde_json::from_str(&ev.details).unwrap_or_default();
            outln!("checkpoint signed by {} at {}", ev.actor, ev.time);
            outln!(
                "  anchor to file:  {}:{}",
                d["head_seq"],
                d["head_hash"].as_str().unwrap_or("")
            );
            outln!(
                "  check it later:  mediasan register verify --anchor {}:{}",
                d["head_seq"],
                d["head_hash"].as_str().unwrap_or("")
            );
            Ok(0)
        }
        RegisterSub::Backup { file } => {
            let reg = read(&path)?;
            reg.backup(&file)?;
            outln!("backup written to {}", mediasan::target::escape_path(&file));
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
                &format!(
                    "enrolled {} ({name}) as {}, key {}",
                    ev.subject,
                    role.name(),
                    keys::fingerprint(&public)
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
                        p.id,
                        p.role.name(),
                        p.name,
                        p.fingerprint,
                        if p.retired_seq.is_some() {
                            "  (retired)"
                        } else {
                            ""
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
            said(&format!("retired {id}"), &ev);
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
                &format!(
                    "registered {} ({}, serial {}, {})",
                    ev.subject, c.kind, c.serial, c.classification
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
                        c.id,
                        c.kind,
                        format!("{} {}", c.classification.chinese(), c.classification.name()),
                        c.serial,
                        c.status.name(),
                        c.holder.as_deref().unwrap_or(&c.custodian)
                    );
                }
            }
            Ok(0)
        }
        CarrierSub::Show { id, json } => {
            let reg = read(&path)?;
            let c = reg
                .carrier(&id)?
                .ok_or_else(|| Failure::usage(anyhow!("no carrier {id} in this register")))?;
            let approvals = reg.approvals_for(&id)?;
            let events = reg.events_about(&id)?;
            if json {
                json_line(&json!({ "carrier": c, "approvals": approvals, "events": events }));
                return Ok(0);
            }
            outln!(
                "{} — {} {} ({} {})",
                c.id,
                c.make,
                c.model,
                c.classification.chinese(),
                c.classification.name()
            );
            outln!(
                "  kind {}, serial {}, capacity {} bytes",
                c.kind,
                c.serial,
                c.capacity
            );
            outln!(
                "  unit {}, custodian {}, status {}",
                c.unit,
                c.custodian,
                c.status.name()
            );
            if let Some(h) = &c.host_asset {
                outln!("  in {h}");
            }
            for a in &approvals {
                let state = if a.revoked_seq.is_some() {
                    "revoked"
                } else {
                    "valid until"
                };
                outln!(
                    "  approval {} by {} {state} {}{}",
                    a.id,
                    a.approver,
                    a.expires,
                    a.paper_ref
                        .as_deref()
                        .map(|p| format!(", paper form {p}"))
                        .unwrap_or_default()
                );
            }
            for e in &events {
                outln!(
                    "  {:>6} {} {:<28} by {:<10} {}",
                    e.seq,
                    &e.time[..19],
                    e.kind,
                    e.actor,
                    e.details
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
            said(&format!("{id}: destroyed ({method}, {facility})"), &ev);
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
            said(&format!("{id}: disposed of ({destination})"), &ev);
            Ok(0)
        }
        CarrierSub::Import { file, acting: a } => {
            let shown = mediasan::target::escape_path(&file);
            let bytes =
                std::fs::read(&file).map_err(|e| Failure::usage(anyhow!("{shown}: cannot read it: {e}")))?;
            let (text, encoding) =
                register::csv::decode(&bytes).map_err(|e| Failure::usage(anyhow!("{shown}: {e}")))?;
            let rows = register::csv::parse(&text).map_err(|errors| {
                Failure::usage(anyhow!(
                    "{shown}: {} bad row(s); nothing was imported:\n  {}",
                    errors.len(),
                    errors.join("\n  ")
                ))
            })?;
            let serials: Vec<String> = rows.iter().map(|(_, c)| c.serial.clone()).collect();
            refuse_attached_conflict(&serials)?;
            let signer = acting(&a)?;
            let mut reg = open(&path)?;
            let (lines, rows): (Vec<u64>, Vec<NewCarrier>) = rows.into_iter().unzip();
            let events = reg.add_carriers(&signer, &rows).map_err(|e| {
                // The register names the carrier by its index; the person needs the line.
                let text = e.to_string();
                let at = text
                    .split_once("carrier ")
                    .and_then(|(_, rest)| rest.split_once(':'))
                    .and_then(|(n, _)| n.parse::<usize>().ok())
                    .and_then(|i| lines.get(i).copied());
                let f = Failure::from(e);
                match at {
                    Some(line) => Failure {
                        error: anyhow!("{shown}: line {line}: {text}; nothing was imported"),
                        ..f
                    },
                    None => f,
                }
            })?;
            outln!(
                "{shown}: {} carrier(s) registered ({encoding}): {} … {}",
                events.len(),
                events.first().map_or("", |e| &e.subject),
                events.last().map_or("", |e| &e.subject)
            );
            Ok(0)
        }
        CarrierSub::Export { out } => {
            let reg = read(&path)?;
            let bytes = register::csv::export(&reg.carriers(None, None, None)?)
                .map_err(|e| Failure::new(1, anyhow!(e)))?;
            match out {
                Some(f) => std::fs::write(&f, bytes).map_err(|e| {
                    Failure::new(
                        1,
                        anyhow!("{}: cannot write: {e}", mediasan::target::escape_path(&f)),
                    )
                })?,
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
    said(&format!("{id}: {}", ev.kind), &ev);
    Ok(0)
}

pub fn run_approve(args: ApproveArgs) -> Result<u8, Failure> {
    let signer = acting(&args.acting)?;
    let mut reg = open(&args.register.path)?;
    if let Some(approval) = &args.revoke {
        let ev = reg.revoke(&signer, approval, args.reason.as_deref())?;
        said(&format!("approval {approval} revoked"), &ev);
        file_head(&ev);
        return Ok(0);
    }
    let carrier = args.carrier.as_deref().unwrap_or_default();
    if args.valid_for == 0 || args.valid_for > 3660 {
        return Err(Failure::usage(anyhow!(
            "--valid-for {}: from 1 to 3660 days",
            args.valid_for
        )));
    }
    let ev = reg.approve(
        &signer,
        carrier,
        chrono::Duration::days(i64::from(args.valid_for)),
        args.paper_ref.as_deref(),
    )?;
    let d: serde_json::Value = serde_json::from_str(&ev.details).unwrap_or_default();
    said(
        &format!(
            "approval {} for {carrier} (serial {}, {}) valid until {}{}",
            d["approval"].as_str().unwrap_or(""),
            d["serial"].as_str().unwrap_or(""),
            d["classification"].as_str().unwrap_or(""),
            d["expires"].as_str().unwrap_or(""),
            args.paper_ref
                .as_deref()
                .map(|p| format!(", recording paper form {p}"))
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
    outln!("head {}:{} (file it with the approval form)", ev.seq, ev.hash);
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
                    std::fs::read_to_string(&f)
                        .map_err(|e| Failure::usage(anyhow!("{}: {e}", mediasan::target::escape_path(&f))))?
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
                "{}: Ed25519 key for {name}, {}",
                mediasan::target::escape_path(&out),
                keys::fingerprint(key.public_key())
            );
            outln!("public key: {}.pub", mediasan::target::escape_path(&out));
            Ok(0)
        }
    }
}

/// A serial that an attached USB bridge reports as its own, or that two attached drives
/// report, identifies no carrier: refused before anything is registered (exit 3).
fn refuse_attached_conflict(serials: &[String]) -> Result<(), Failure> {
    let attached = mediasan::identify::scan::attached(&mediasan::target::Sys::host());
    for s in serials {
        if let Some(p) = mediasan::identify::scan::registration_problem(&attached, s) {
            return Err(Failure::refused(anyhow!(
                "the serial {s:?} cannot identify one carrier: {p}; nothing was registered"
            ))
            .hint("read the drive's own serial on a SATA port or a dock that passes ATA commands (mediasan scan shows each serial's source)"));
        }
    }
    Ok(())
}
