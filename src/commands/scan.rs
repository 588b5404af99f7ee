//! `mediasan scan`: every attached drive, as a wipe would see it.

use serde_json::json;

use mediasan::job;
use mediasan::medium::scan::{self, Entry};
use mediasan::medium::Sys;
use mediasan::register::Register;

use crate::cli::ScanArgs;
use crate::ui::{bytes, json_line, print_table, Failure};

/// A carrier some register holds for a drive: `(register id, carrier id, status,
/// classification)`.
type Match = (String, String, &'static str, &'static str);

pub fn run(args: ScanArgs) -> Result<u8, Failure> {
    let sys = Sys::host();
    // Scan looks; a register named but absent only means no carrier to match there.
    let mut named = args.register.path.as_path();
    if !named.exists() && named != std::path::Path::new(mediasan::register::DEFAULT_PATH) {
        errln!(
            "{}",
            mediasan::t!("scan-register-absent", path = mediasan::escape::path(named))
        );
        named = std::path::Path::new(mediasan::register::DEFAULT_PATH);
    }
    let (registers, warnings) = job::guards(named, &args.register.index)?;
    for w in warnings {
        errln!("{}", mediasan::t!("warning-line", what = w));
    }
    let entries = scan::scan(&sys);
    let rows: Vec<(Entry, Vec<Match>)> = entries
        .into_iter()
        .map(|e| {
            let m = carriers(&registers, &e)?;
            Ok((e, m))
        })
        .collect::<Result<_, Failure>>()?;
    if args.json {
        for (e, m) in &rows {
            json_line(&record(e, m));
        }
    } else {
        table(&rows);
    }
    Ok(0)
}

fn carriers(registers: &[Register], e: &Entry) -> Result<Vec<Match>, Failure> {
    let Some(id) = &e.identity else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for reg in registers {
        let rid = reg.meta()?.map(|m| m.register_id).unwrap_or_default();
        for c in reg.carriers_naming(id)? {
            out.push((
                rid.clone(),
                c.id.clone(),
                c.status.name(),
                c.classification.name(),
            ));
        }
    }
    Ok(out)
}

fn record(e: &Entry, m: &[Match]) -> serde_json::Value {
    let id = e.identity.as_ref();
    let d = e.drive();
    json!({
        "path": e.path,
        "name": e.name,
        "by_id": e.by_id,
        "devno": id.and_then(|i| i.devno.clone()),
        "transport": d.map(|d| d.transport),
        "usb_driver": d.and_then(|d| d.usb_driver.clone()),
        "model": id.and_then(|i| i.model.clone()),
        "serial": id.and_then(|i| i.serial.clone()),
        "serial_source": id.and_then(|i| i.serial_source.clone()),
        "serial_is_bridges": d.is_some_and(|d| d.serial_is_bridges),
        "serial_problems": e.serial_problems,
        "wwn": id.and_then(|i| i.wwn.clone()),
        "firmware": d.and_then(|d| d.firmware.clone()),
        "size": id.map(|i| i.size),
        "logical_sector": id.and_then(|i| i.logical_sector),
        "physical_sector": id.and_then(|i| i.physical_sector),
        "rotational": id.and_then(|i| i.rotational),
        "removable": e.removable,
        "read_only": e.refusals.contains(&mediasan::medium::Refusal::ReadOnly),
        "in_use": e.in_use(),
        "backs_system": e.backs_system(),
        "partitions": id.map(|i| i.partitions.clone()).unwrap_or_default(),
        "labels": id.map(|i| i.labels.clone()).unwrap_or_default(),
        "hidden_areas": d.map(|d| &d.hidden),
        "hidden_summary": d.map(|d| d.hidden.summary()),
        "security": d.map(|d| d.security_summary()),
        "erase_commands": d.map(|d| d.erase_commands()),
        "layers": d.map(|d| &d.layers),
        "ata": d.map(|d| &d.ata),
        "nvme": d.map(|d| &d.nvme),
        "scsi": d.map(|d| &d.scsi),
        "wipeable": e.wipeable(),
        "refused": e.refused,
        "error": e.error,
        "carriers": m.iter().map(|(r, c, s, k)| json!({
            "register_id": r, "carrier": c, "status": s, "classification": k,
        })).collect::<Vec<_>>(),
    })
}

fn table(rows: &[(Entry, Vec<Match>)]) {
    if rows.is_empty() {
        outln!("{}", mediasan::t!("scan-none"));
        return;
    }
    let cells: Vec<[String; 8]> = rows
        .iter()
        .map(|(e, m)| {
            let id = e.identity.as_ref();
            let d = e.drive();
            let serial = match (id.and_then(|i| i.serial.as_deref()), d) {
                (Some(s), Some(d)) if d.serial_is_bridges => {
                    mediasan::t!("scan-serial-bridges", serial = s)
                }
                (Some(s), _) => s.to_string(),
                (None, _) => "-".into(),
            };
            [
                e.path.clone(),
                d.map_or("-".into(), |d| d.transport.name().to_string()),
                id.map_or("-".into(), |i| bytes(i.size)),
                id.and_then(|i| i.model.clone()).unwrap_or_else(|| "-".into()),
                serial,
                d.map_or("-".into(), |d| short_hidden(&d.hidden).0),
                if e.wipeable() {
                    mediasan::t!("yes")
                } else {
                    mediasan::t!("no")
                },
                m.iter()
                    .map(|(_, c, s, _)| format!("{c} ({s})"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        })
        .collect();
    let heads = mediasan::t!("scan-heads");
    let head: [&str; 8] = crate::ui::heads(&heads);
    print_table(&head, &cells);
    // What the table cannot hold: why a drive is refused, its security, its hidden
    // areas in full, and what is wrong with its serial.
    for (e, _) in rows {
        let mut notes = Vec::new();
        if let Some(err) = e
            .error
            .as_ref()
            .map(ToString::to_string)
            .filter(|err| e.refused.as_ref().is_none_or(|r| !err.contains(&r.to_string())))
        {
            notes.push(err);
        }
        if let Some(r) = &e.refused {
            notes.push(format!("{}: {r}", mediasan::t!("scan-not-wiped")));
        }
        if let Some(d) = e.drive() {
            if d.ata.known().is_some() {
                notes.push(mediasan::t!(
                    "scan-note-security",
                    security = d.security_summary().to_string()
                ));
            }
            let erase = d.erase_commands();
            if !erase.is_empty() {
                notes.push(mediasan::t!("scan-note-erase", commands = erase.join(", ")));
            }
            if short_hidden(&d.hidden).1 {
                notes.push(mediasan::t!(
                    "scan-note-hidden",
                    hidden = d.hidden.summary().to_string()
                ));
            }
            if let Some(src) = &e.identity.as_ref().and_then(|i| i.serial_source.clone()) {
                notes.push(mediasan::t!(
                    "scan-note-serial-from",
                    source = mediasan::identify::source::shown(src)
                ));
            }
        }
        notes.extend(
            e.serial_problems
                .iter()
                .map(|p| mediasan::t!("scan-note-carrier-identity", problem = p.to_string())),
        );
        if !notes.is_empty() {
            outln!("\n{}:", mediasan::escape::text(&e.path));
            for n in notes {
                outln!("  {n}");
            }
        }
    }
}

/// The table's word for a drive's hidden areas (`-` where none can be, the sectors
/// hidden, `unknown`, `none`), and whether the notes below the table say more.
fn short_hidden(h: &mediasan::identify::HiddenAreas) -> (String, bool) {
    use mediasan::identify::Area;
    match (&h.hpa, &h.dco) {
        (Area::NotApplicable { .. }, Area::NotApplicable { .. }) => ("-".into(), false),
        _ if h.hidden_sectors() > 0 => (
            mediasan::t!("scan-hidden-sectors", count = h.hidden_sectors().to_string()),
            true,
        ),
        _ if h.any_unknown() => (mediasan::t!("scan-hidden-unknown"), true),
        _ => (mediasan::t!("scan-hidden-none"), false),
    }
}
