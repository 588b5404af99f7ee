//! The register: the whole life of a carrier, every rule refused with its reason,
//! and tampering with the SQLite file directly — each form found by `verify`.

use chrono::Duration;
use mediasan::keys::{generate, Signer};
use mediasan::register::{Founding, Kind, NewCarrier, Register, RegisterError, Role, Status};
use rusqlite::Connection;

struct Office {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    reg: Register,
    approver: Signer,
    operator: Signer,
    supervisor: Signer,
}

fn signer(name: &str) -> Signer {
    Signer::from_key(generate(name).unwrap())
}

/// A register with an approver (the founder), an operator and a supervisor.
fn office() -> Office {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reg").join("register.db");
    let approver = signer("wang");
    let founding = Founding {
        org: "某市某局保密办",
        location: Some("档案室"),
        id: "wangwu",
        name: "王五",
        title: Some("局长"),
        supervisors_required: 1,
    };
    let mut reg = Register::create(&path, &founding, &approver.public(), &approver).unwrap();
    let operator = signer("zhang");
    let supervisor = signer("li");
    reg.enrol(
        &approver,
        Some("zhangsan"),
        "张三",
        None,
        Role::Operator,
        &operator.public(),
    )
    .unwrap();
    reg.enrol(
        &approver,
        None,
        "李四",
        Some("保密员"),
        Role::Supervisor,
        &supervisor.public(),
    )
    .unwrap();
    Office {
        _dir: dir,
        path,
        reg,
        approver,
        operator,
        supervisor,
    }
}

fn printer_drive(custodian: &str) -> NewCarrier {
    NewCarrier {
        kind: "printer-hdd".into(),
        serial: "WD-WX21A1234567".into(),
        make: "WDC".into(),
        model: "WD5000LPVX".into(),
        capacity: 500_107_862_016,
        classification: "secret".into(),
        unit: "办公室".into(),
        custodian: custodian.into(),
        host_asset: Some("MFP-07".into()),
        label: Some("机密-0007".into()),
    }
}

fn finished(digest: String, bytes: u64) -> mediasan::register::rules::WipeFinished {
    mediasan::register::rules::WipeFinished {
        outcome: "sanitised".into(),
        result_sha256: digest,
        bytes_written: bytes,
        verification: "match".into(),
        unwritten: vec![],
    }
}

fn refused(r: Result<impl std::fmt::Debug, RegisterError>, needle: &str) {
    match r {
        Err(e @ RegisterError::Rule(_)) => {
            assert_eq!(e.exit_code(), 3);
            assert!(e.to_string().contains(needle), "{e} should mention {needle:?}");
        }
        other => panic!("expected a refusal mentioning {needle:?}, got {other:?}"),
    }
}

#[test]
fn a_carrier_lives_from_registration_to_destruction() {
    let mut o = office();
    let reg = &mut o.reg;
    let c = reg
        .add_carrier(&o.operator, &printer_drive("zhangsan"))
        .unwrap()
        .subject;
    assert!(c.starts_with("C-20") && c.ends_with("-0001"), "{c}");
    assert_eq!(reg.person("P-0001").unwrap().unwrap().name, "李四");
    reg.move_carrier(&o.operator, Kind::CarrierIssued, &c, Some("P-0001"), None)
        .unwrap();
    refused(
        reg.move_carrier(&o.operator, Kind::CarrierIssued, &c, Some("P-0001"), None),
        "needs it in-store",
    );
    reg.move_carrier(&o.operator, Kind::CarrierReturned, &c, None, None)
        .unwrap();
    reg.move_carrier(
        &o.operator,
        Kind::RemovedForRepair,
        &c,
        None,
        Some("on-site, supervised"),
    )
    .unwrap();
    reg.move_carrier(&o.operator, Kind::ReturnedFromRepair, &c, None, None)
        .unwrap();
    // The departing person's list (art. 17).
    assert_eq!(reg.carriers(None, None, Some("zhangsan")).unwrap().len(), 1);

    // No wipe without an approval; the operator cannot approve; an approver can.
    refused(reg.usable_approval(&o.operator, &c), "no approval");
    refused(
        reg.approve(&o.operator, &c, Duration::days(30), None),
        "needs approver",
    );
    let a = reg.approve(&o.approver, &c, Duration::days(30), None).unwrap();
    let approval: serde_json::Value = serde_json::from_str(&a.details).unwrap();
    assert_eq!(approval["serial"], "WD-WX21A1234567");
    assert_eq!(approval["classification"], "secret");
    assert_eq!(approval["nonce"].as_str().unwrap().len(), 32);
    assert_eq!(reg.carriers(Some(Status::Approved), None, None).unwrap().len(), 1);
    let a = reg.usable_approval(&o.operator, &c).unwrap();
    refused(
        reg.wipe_started(&o.operator, &c, &a.id, "WRONG-SERIAL", "/dev/sdb", "bmb21", None),
        "is not carrier",
    );
    refused(
        reg.wipe_started(
            &o.supervisor,
            &c,
            &a.id,
            "WD-WX21A1234567",
            "/dev/sdb",
            "bmb21",
            None,
        ),
        "needs operator",
    );
    // A firmware erase's markers are recorded as a digest, and only a digest is taken.
    let start = |r: &mut mediasan::register::Register, digest: &str| {
        r.wipe_started(
            &o.operator,
            &c,
            &a.id,
            "WD-WX21A1234567",
            "/dev/sdb",
            "nvme-sanitize-block",
            Some(digest),
        )
    };
    refused(start(reg, "not-a-digest"), "markers_sha256");
    start(reg, &"0f".repeat(32)).unwrap();
    reg.wipe_started(
        &o.operator,
        &c,
        &a.id,
        "WD-WX21A1234567",
        "/dev/sdb",
        "bmb21",
        None,
    )
    .unwrap();
    assert_eq!(reg.markers_recorded(&c).unwrap(), vec!["0f".repeat(32)]);
    reg.wipe_finished(&o.operator, &c, &finished("ab".repeat(32), 1 << 30))
        .unwrap();
    assert_eq!(reg.carrier(&c).unwrap().unwrap().status, Status::Wiped);
    // Classified once: never reused outside (art. 30).
    refused(
        reg.dispose(&o.operator, &c, "donated to a school", true),
        "art. 30",
    );
    reg.move_carrier(
        &o.operator,
        Kind::HandedOverForDestruction,
        &c,
        None,
        Some("市保密局销毁中心"),
    )
    .unwrap();
    refused(
        reg.destroy(&o.operator, &c, "melt", "x", None),
        "unknown destruction method",
    );
    reg.destroy(&o.operator, &c, "degauss", "市保密局销毁中心", Some("R-123"))
        .unwrap();
    // Several methods may follow each other (art. 24); nothing else may.
    reg.destroy(&o.operator, &c, "shred", "市保密局销毁中心", Some("R-124"))
        .unwrap();
    refused(
        reg.move_carrier(&o.operator, Kind::CarrierIssued, &c, Some("zhangsan"), None),
        "destroyed",
    );
    refused(reg.approve(&o.approver, &c, Duration::days(1), None), "destroyed");
    let events = reg.events_about(&c).unwrap();
    let kinds: Vec<_> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"carrier-registered"));
    assert_eq!(kinds.last(), Some(&"destroyed"));
    let audit = reg.verify(None).unwrap();
    assert!(audit.ok(), "{audit:?}");
    assert_eq!(audit.signatures_checked, audit.events);
}

#[test]
fn approvals_expire_are_revoked_and_bind_the_approver() {
    let mut o = office();
    let reg = &mut o.reg;
    let c = reg
        .add_carrier(&o.operator, &printer_drive("zhangsan"))
        .unwrap()
        .subject;
    // A supervisor records a leader's paper form; the supervisor cannot without one.
    refused(
        reg.approve(&o.supervisor, &c, Duration::days(30), None),
        "needs approver",
    );
    let paper = reg
        .approve(&o.supervisor, &c, Duration::days(30), Some("保审〔2026〕12号"))
        .unwrap();
    let id: String = serde_json::from_str::<serde_json::Value>(&paper.details).unwrap()["approval"]
        .as_str()
        .unwrap()
        .into();
    reg.revoke(&o.approver, &id, Some("wrong drive")).unwrap();
    refused(reg.revoke(&o.approver, &id, None), "already revoked");
    refused(reg.usable_approval(&o.operator, &c), "revoked");
    assert_eq!(reg.carrier(&c).unwrap().unwrap().status, Status::InStore);
    // An approver who is also the one wiping cannot approve their own wipe.
    let dual = signer("dual");
    reg.enrol(
        &o.approver,
        Some("dual"),
        "双",
        None,
        Role::Approver,
        &dual.public(),
    )
    .unwrap();
    let a = reg.approve(&dual, &c, Duration::days(1), None).unwrap();
    let aid: String = serde_json::from_str::<serde_json::Value>(&a.details).unwrap()["approval"]
        .as_str()
        .unwrap()
        .into();
    refused(
        reg.wipe_started(&dual, &c, &aid, "WD-WX21A1234567", "/dev/sdb", "zero", None),
        "needs operator",
    );
    // Retired people cannot act.
    reg.retire(&o.approver, "zhangsan").unwrap();
    refused(
        reg.wipe_started(&o.operator, &c, &aid, "WD-WX21A1234567", "/dev/sdb", "zero", None),
        "retired",
    );
    refused(
        reg.approve(&o.approver, &c, Duration::seconds(-5), None),
        "expire before",
    );
    assert!(reg.verify(None).unwrap().ok());
}

#[test]
fn strangers_and_unknown_keys_are_refused() {
    let mut o = office();
    let stranger = signer("x");
    match o.reg.add_carrier(&stranger, &printer_drive("zhangsan")) {
        Err(e @ RegisterError::NotEnrolled { .. }) => assert_eq!(e.exit_code(), 3),
        other => panic!("{other:?}"),
    }
    refused(
        o.reg
            .enrol(&o.operator, None, "x", None, Role::Operator, &stranger.public()),
        "needs approver",
    );
    refused(
        o.reg.enrol(
            &o.approver,
            None,
            "again",
            None,
            Role::Operator,
            &o.operator.public(),
        ),
        "already enrolled",
    );
    let mut bad = printer_drive("nobody");
    refused(o.reg.add_carrier(&o.operator, &bad), "not enrolled");
    bad.classification = "very-secret".into();
    assert!(matches!(
        o.reg.add_carrier(&o.operator, &bad),
        Err(RegisterError::Usage(_))
    ));
}

#[test]
fn a_register_is_created_once_and_opened_again() {
    let o = office();
    let meta = o.reg.meta().unwrap().unwrap();
    assert_eq!(meta.register_id.len(), 32);
    assert_eq!(meta.org, "某市某局保密办");
    drop(o.reg);
    let again = Register::open(&o.path).unwrap();
    assert_eq!(again.people().unwrap().len(), 3);
    let founding = Founding {
        org: "x",
        location: None,
        id: "a",
        name: "a",
        title: None,
        supervisors_required: 1,
    };
    assert!(matches!(
        Register::create(&o.path, &founding, &o.approver.public(), &o.approver),
        Err(RegisterError::Exists { .. })
    ));
    // The founder must prove they hold the key they enrol.
    let other = o._dir.path().join("other.db");
    let e = Register::create(&other, &founding, &o.approver.public(), &o.operator)
        .err()
        .unwrap();
    assert!(
        e.to_string().contains("--signed-by must be the private key"),
        "{e}"
    );
    // A newer schema is refused, not misread.
    let conn = Connection::open(&o.path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let e = Register::open(&o.path).err().unwrap();
    assert!(matches!(e, RegisterError::NewerSchema { found: 99, .. }), "{e}");
    assert_eq!(e.exit_code(), 2);
    std::fs::write(o._dir.path().join("junk.db"), b"not sqlite at all, just text").unwrap();
    assert!(Register::open(&o._dir.path().join("junk.db")).is_err());
}

#[test]
fn several_processes_append_at_once() {
    let o = office();
    let path = o.path.clone();
    drop(o.reg);
    let op = o.operator;
    std::thread::scope(|s| {
        for t in 0..4 {
            let path = &path;
            let op = &op;
            s.spawn(move || {
                let mut reg = Register::open(path).unwrap();
                for i in 0..10 {
                    let mut c = printer_drive("zhangsan");
                    c.serial = format!("S-{t}-{i}");
                    reg.add_carrier(op, &c).unwrap();
                }
            });
        }
    });
    let reg = Register::open(&path).unwrap();
    assert_eq!(reg.carriers(None, None, None).unwrap().len(), 40);
    assert!(reg.verify(None).unwrap().ok());
}

// Tampering, directly on the SQLite file.

fn tampered(setup: impl FnOnce(&Office) -> Option<(u64, String)>, tamper: &str, expect: &str) {
    let mut o = office();
    let c = o
        .reg
        .add_carrier(&o.operator, &printer_drive("zhangsan"))
        .unwrap()
        .subject;
    o.reg.approve(&o.approver, &c, Duration::days(30), None).unwrap();
    let anchor = setup(&o);
    assert!(o.reg.verify(None).unwrap().ok());
    let conn = Connection::open(&o.path).unwrap();
    conn.execute_batch(tamper).unwrap();
    drop(conn);
    let reg = Register::open(&o.path).unwrap();
    let audit = reg
        .verify(anchor.as_ref().map(|(s, h)| (*s, h.as_str())))
        .unwrap();
    assert!(!audit.ok(), "{tamper}: not detected");
    let found = format!("{:?} {:?} {:?}", audit.first_break, audit.derived, audit.anchor);
    assert!(
        found.contains(expect),
        "{tamper}: {found} should mention {expect:?}"
    );
}

const DROP_TRIGGERS: &str = "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;";

#[test]
fn triggers_refuse_edits_and_deletes() {
    let o = office();
    let conn = Connection::open(&o.path).unwrap();
    assert!(conn
        .execute("UPDATE events SET actor = 'x' WHERE seq = 2", [])
        .is_err());
    assert!(conn.execute("DELETE FROM events WHERE seq = 3", []).is_err());
}

#[test]
fn an_edited_event_is_found() {
    tampered(|_| None, &format!("{DROP_TRIGGERS} UPDATE events SET details = replace(details, 'secret', 'unclassified') WHERE kind = 'carrier-registered';"), "edited");
}

#[test]
fn a_deleted_event_is_found() {
    tampered(
        |_| None,
        &format!("{DROP_TRIGGERS} DELETE FROM events WHERE seq = 4;"),
        "event 4 is missing",
    );
}

#[test]
fn reordered_events_are_found() {
    tampered(
        |_| None,
        &format!("{DROP_TRIGGERS} UPDATE events SET seq = 100 WHERE seq = 3; UPDATE events SET seq = 3 WHERE seq = 4; UPDATE events SET seq = 4 WHERE seq = 100;"),
        "predecessor",
    );
}

#[test]
fn an_edit_with_every_later_hash_recomputed_is_found_by_its_signature() {
    // Rewrite the carrier's classification and recompute the whole chain after it, as
    // root with the file could: the signatures (made with keys root does not hold) break.
    let mut o = office();
    let c = o
        .reg
        .add_carrier(&o.operator, &printer_drive("zhangsan"))
        .unwrap()
        .subject;
    o.reg.approve(&o.approver, &c, Duration::days(30), None).unwrap();
    drop(o.reg);
    let conn = Connection::open(&o.path).unwrap();
    conn.execute_batch(DROP_TRIGGERS).unwrap();
    let register_id: String = conn
        .query_row("SELECT value FROM meta WHERE key = 'register'", [], |r| {
            r.get::<_, String>(0)
        })
        .map(|v| {
            serde_json::from_str::<serde_json::Value>(&v).unwrap()["register_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .unwrap();
    let mut st = conn
        .prepare("SELECT seq, time, kind, actor, subject, details FROM events ORDER BY seq")
        .unwrap();
    let rows: Vec<(u64, String, String, String, String, String)> = st
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    drop(st);
    let mut prev = mediasan::register::GENESIS.to_string();
    for (seq, time, kind, actor, subject, details) in rows {
        let details = details.replace("\"secret\"", "\"unclassified\"");
        let fields = mediasan::register::event::Fields {
            seq,
            time: &time,
            kind: &kind,
            actor: &actor,
            subject: &subject,
            details: &details,
            prev_hash: &prev,
        };
        let hash = fields.hash(&register_id);
        conn.execute(
            "UPDATE events SET details = ?1, prev_hash = ?2, hash = ?3 WHERE seq = ?4",
            rusqlite::params![details, prev, hash, seq],
        )
        .unwrap();
        prev = hash;
    }
    conn.execute("UPDATE carriers SET classification = 'unclassified'", [])
        .unwrap();
    drop(conn);
    let audit = Register::open(&o.path).unwrap().verify(None).unwrap();
    let b = audit.first_break.expect("found");
    assert!(b.problem.contains("signature"), "{b:?}");
    assert_eq!(
        b.seq, 5,
        "the first event whose contents changed: the carrier's registration"
    );
}

#[test]
fn an_edited_derived_row_is_found() {
    tampered(
        |_| None,
        "UPDATE carriers SET classification = 'unclassified';",
        "carriers: C-",
    );
}

#[test]
fn a_rolled_back_register_is_found_by_its_anchor() {
    let mut o = office();
    let backup = o._dir.path().join("old.db");
    o.reg.backup(&backup).unwrap();
    let c = o
        .reg
        .add_carrier(&o.operator, &printer_drive("zhangsan"))
        .unwrap()
        .subject;
    o.reg.approve(&o.approver, &c, Duration::days(30), None).unwrap();
    let filed = o.reg.checkpoint(&o.supervisor).unwrap();
    let details: serde_json::Value = serde_json::from_str(&filed.details).unwrap();
    let anchor = (
        details["head_seq"].as_u64().unwrap(),
        details["head_hash"].as_str().unwrap().to_string(),
    );
    assert_eq!(
        o.reg.verify(Some((anchor.0, &anchor.1))).unwrap().anchor,
        Some(true)
    );
    drop(o.reg);
    // Replace the register with the older backup: internally consistent, but the
    // filed anchor is not in it.
    std::fs::copy(&backup, &o.path).unwrap();
    let _ = std::fs::remove_file(o.path.with_extension("db-wal"));
    let _ = std::fs::remove_file(o.path.with_extension("db-shm"));
    let reg = Register::open(&o.path).unwrap();
    let audit = reg.verify(Some((anchor.0, &anchor.1))).unwrap();
    assert_eq!(audit.first_break.as_ref().map(|b| b.seq), None);
    assert_eq!(audit.anchor, Some(false));
    assert!(!audit.ok());
    // A checkpoint needs a supervisor.
    let mut reg = reg;
    assert!(matches!(reg.checkpoint(&o.operator), Err(RegisterError::Rule(_))));
}

/// Signs and inserts an event straight into the table, as someone with the file and a
/// key could: the chain is intact, so only the signature check or the rules can object.
fn inject(
    path: &std::path::Path,
    signer: &Signer,
    actor: &str,
    kind: &str,
    subject: &str,
    details: serde_json::Value,
) {
    let conn = Connection::open(path).unwrap();
    let register_id: String = conn
        .query_row("SELECT value FROM meta WHERE key = 'register'", [], |r| {
            r.get::<_, String>(0)
        })
        .map(|v| {
            serde_json::from_str::<serde_json::Value>(&v).unwrap()["register_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .unwrap();
    let (seq, prev): (u64, String) = conn
        .query_row(
            "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let time = mediasan::register::event::format_time(chrono::Utc::now());
    let details = details.to_string();
    let fields = mediasan::register::event::Fields {
        seq: seq + 1,
        time: &time,
        kind,
        actor,
        subject,
        details: &details,
        prev_hash: &prev,
    };
    let hash = fields.hash(&register_id);
    let sig = signer
        .sign(mediasan::register::NAMESPACE, hash.as_bytes())
        .unwrap();
    conn.execute(
        "INSERT INTO events (seq, time, kind, actor, subject, details, prev_hash, hash, signature) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        rusqlite::params![seq + 1, time, kind, actor, subject, details, prev, hash, sig],
    )
    .unwrap();
}

#[test]
fn a_signed_event_the_rules_refuse_is_found() {
    let mut o = office();
    let c = o
        .reg
        .add_carrier(&o.operator, &printer_drive("zhangsan"))
        .unwrap()
        .subject;
    let a = o.reg.approve(&o.approver, &c, Duration::days(30), None).unwrap();
    let aid = serde_json::from_str::<serde_json::Value>(&a.details).unwrap()["approval"]
        .as_str()
        .unwrap()
        .to_string();
    o.reg.revoke(&o.approver, &aid, None).unwrap();
    drop(o.reg);
    // The operator, with their own key, writes a wipe-started naming the revoked approval.
    let details = serde_json::json!({ "approval": aid, "serial": "WD-WX21A1234567", "target": "/dev/sdb", "method": "zero" });
    inject(&o.path, &o.operator, "zhangsan", "wipe-started", &c, details);
    let audit = Register::open(&o.path).unwrap().verify(None).unwrap();
    let b = audit.first_break.expect("found");
    assert!(
        b.problem.contains("breaks a rule") && b.problem.contains("revoked"),
        "{b:?}"
    );
}

#[test]
fn an_event_signed_under_someone_elses_id_is_found() {
    let o = office();
    drop(o.reg);
    // The operator signs an enrolment and claims the approver wrote it.
    let stranger = signer("s");
    let details = serde_json::json!({ "name": "x", "title": null, "role": "approver", "public_key": stranger.public().line() });
    inject(
        &o.path,
        &o.operator,
        "wangwu",
        "person-enrolled",
        "P-0099",
        details,
    );
    let audit = Register::open(&o.path).unwrap().verify(None).unwrap();
    let b = audit.first_break.expect("found");
    assert!(b.problem.contains("signature"), "{b:?}");
}

#[test]
fn a_deleted_last_event_and_a_wrong_anchor_are_found_by_anchors() {
    let mut o = office();
    let head = o
        .reg
        .add_carrier(&o.operator, &printer_drive("zhangsan"))
        .unwrap();
    assert_eq!(
        o.reg.verify(Some((head.seq, &head.hash))).unwrap().anchor,
        Some(true)
    );
    let wrong = "f".repeat(64);
    assert_eq!(
        o.reg.verify(Some((head.seq, &wrong))).unwrap().anchor,
        Some(false)
    );
    drop(o.reg);
    let conn = Connection::open(&o.path).unwrap();
    conn.execute_batch(&format!(
        "{DROP_TRIGGERS} DELETE FROM events WHERE seq = {};",
        head.seq
    ))
    .unwrap();
    conn.execute("DELETE FROM carriers", []).unwrap();
    drop(conn);
    let reg = Register::open(&o.path).unwrap();
    assert!(
        reg.verify(None).unwrap().ok(),
        "a truncated chain is consistent: only an anchor tells"
    );
    let audit = reg.verify(Some((head.seq, &head.hash))).unwrap();
    assert_eq!(audit.anchor, Some(false));
    assert!(!audit.ok());
}

#[test]
fn one_key_one_person_even_when_enrolled_at_once() {
    let o = office();
    let path = o.path.clone();
    drop(o.reg);
    let newcomer = signer("n");
    let results: Vec<bool> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..2)
            .map(|i| {
                let (path, approver, newcomer) = (&path, &o.approver, &newcomer);
                s.spawn(move || {
                    let mut reg = Register::open(path).unwrap();
                    reg.enrol(
                        approver,
                        Some(&format!("twin{i}")),
                        "twin",
                        None,
                        Role::Operator,
                        &newcomer.public(),
                    )
                    .is_ok()
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results.iter().filter(|ok| **ok).count(), 1, "{results:?}");
    let reg = Register::open(&path).unwrap();
    assert_eq!(reg.people().unwrap().len(), 4);
    assert!(reg.verify(None).unwrap().ok());
}

#[test]
fn a_serial_is_one_live_carrier_and_stays_classified() {
    let mut o = office();
    let c = o
        .reg
        .add_carrier(&o.operator, &printer_drive("zhangsan"))
        .unwrap()
        .subject;
    refused(
        o.reg.add_carrier(&o.operator, &printer_drive("zhangsan")),
        "already carrier",
    );
    // A classified carrier is never disposed of, internally or outside: it is destroyed.
    refused(
        o.reg.dispose(&o.operator, &c, "storeroom", false),
        "destroyed as a classified carrier",
    );
    o.reg.approve(&o.approver, &c, Duration::days(1), None).unwrap();
    o.reg
        .move_carrier(&o.operator, Kind::HandedOverForDestruction, &c, None, None)
        .unwrap();
    o.reg.destroy(&o.operator, &c, "shred", "x", None).unwrap();
    // The same serial registered again (a mix-up, or a lie) inherits the classification.
    let mut again = printer_drive("zhangsan");
    again.classification = "unclassified".into();
    let c2 = o.reg.add_carrier(&o.operator, &again).unwrap().subject;
    assert!(o.reg.carrier(&c2).unwrap().unwrap().ever_classified);
    refused(o.reg.dispose(&o.operator, &c2, "school", true), "art. 30");
    // An unclassified carrier may go.
    let mut plain = printer_drive("zhangsan");
    plain.serial = "PLAIN-1".into();
    plain.classification = "unclassified".into();
    let c3 = o.reg.add_carrier(&o.operator, &plain).unwrap().subject;
    o.reg.dispose(&o.operator, &c3, "school", true).unwrap();
    assert!(o.reg.verify(None).unwrap().ok());
}

#[test]
fn approvals_expire_before_the_wipe_and_revocations_are_final() {
    let mut o = office();
    let c = o
        .reg
        .add_carrier(&o.operator, &printer_drive("zhangsan"))
        .unwrap()
        .subject;
    o.reg
        .approve(&o.approver, &c, Duration::milliseconds(300), None)
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(400));
    refused(o.reg.usable_approval(&o.operator, &c), "expired");
    refused(
        o.reg
            .move_carrier(&o.operator, Kind::HandedOverForDestruction, &c, None, None),
        "no valid approval",
    );
    // Two approvals: revoking one leaves the carrier approved by the other.
    let first = o.reg.approve(&o.approver, &c, Duration::days(1), None).unwrap();
    o.reg.approve(&o.approver, &c, Duration::days(2), None).unwrap();
    let first = serde_json::from_str::<serde_json::Value>(&first.details).unwrap()["approval"]
        .as_str()
        .unwrap()
        .to_string();
    o.reg.revoke(&o.approver, &first, None).unwrap();
    assert_eq!(o.reg.carrier(&c).unwrap().unwrap().status, Status::Approved);
    let a = o.reg.usable_approval(&o.operator, &c).unwrap();
    o.reg
        .wipe_started(
            &o.operator,
            &c,
            &a.id,
            "WD-WX21A1234567",
            "/dev/sdb",
            "zero",
            None,
        )
        .unwrap();
    o.reg
        .wipe_finished(&o.operator, &c, &finished("0".repeat(64), 1))
        .unwrap();
    o.reg
        .move_carrier(&o.operator, Kind::HandedOverForDestruction, &c, None, None)
        .unwrap();
    o.reg.destroy(&o.operator, &c, "degauss", "x", None).unwrap();
    refused(o.reg.revoke(&o.approver, &a.id, None), "destroyed");
    assert!(o.reg.verify(None).unwrap().ok());
}

#[test]
fn a_checkpoint_names_the_head_it_follows() {
    let o = office();
    drop(o.reg);
    let conn = Connection::open(&o.path).unwrap();
    let seq: u64 = conn
        .query_row("SELECT max(seq) FROM events", [], |r| r.get(0))
        .unwrap();
    drop(conn);
    inject(
        &o.path,
        &o.supervisor,
        "P-0001",
        "checkpoint",
        "",
        serde_json::json!({ "head_seq": seq - 1, "head_hash": "0".repeat(64) }),
    );
    let audit = Register::open(&o.path).unwrap().verify(None).unwrap();
    assert!(audit
        .first_break
        .expect("found")
        .problem
        .contains("names the head"));
}

#[test]
fn a_head_dated_in_the_future_is_refused_not_followed() {
    let o = office();
    drop(o.reg);
    let conn = Connection::open(&o.path).unwrap();
    let register_id: String = conn
        .query_row("SELECT value FROM meta WHERE key = 'register'", [], |r| {
            r.get::<_, String>(0)
        })
        .map(|v| {
            serde_json::from_str::<serde_json::Value>(&v).unwrap()["register_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .unwrap();
    let (seq, prev): (u64, String) = conn
        .query_row(
            "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    // A supervisor's machine with its clock in 2099 signs a checkpoint.
    let time = "2099-01-01T00:00:00.000000Z";
    let details = serde_json::json!({ "head_seq": seq, "head_hash": prev }).to_string();
    let f = mediasan::register::event::Fields {
        seq: seq + 1,
        time,
        kind: "checkpoint",
        actor: "P-0001",
        subject: "",
        details: &details,
        prev_hash: &prev,
    };
    let hash = f.hash(&register_id);
    let sig = o
        .supervisor
        .sign(mediasan::register::NAMESPACE, hash.as_bytes())
        .unwrap();
    conn.execute(
        "INSERT INTO events (seq, time, kind, actor, subject, details, prev_hash, hash, signature) VALUES (?1, ?2, 'checkpoint', 'P-0001', '', ?3, ?4, ?5, ?6)",
        rusqlite::params![seq + 1, time, details, prev, hash, sig],
    )
    .unwrap();
    drop(conn);
    let mut reg = Register::open(&o.path).unwrap();
    refused(
        reg.add_carrier(&o.operator, &printer_drive("zhangsan")),
        "dated in the future; set the clock right",
    );
}

/// The clock is passed in: an operation reads it once, and its events, ids and
/// expiries all have that time; a clock set back from there is refused.
#[test]
fn an_operation_reads_the_clock_once_from_the_clock_it_is_given() {
    fn in_2031() -> chrono::DateTime<chrono::Utc> {
        "2031-05-04T03:02:01Z".parse().unwrap()
    }
    fn in_2030() -> chrono::DateTime<chrono::Utc> {
        "2030-01-01T00:00:00Z".parse().unwrap()
    }
    let o = office();
    let mut reg = o.reg.with_clock(in_2031);
    let ev = reg.add_carrier(&o.operator, &printer_drive("zhangsan")).unwrap();
    assert_eq!(ev.time, "2031-05-04T03:02:01.000000Z");
    assert!(ev.subject.starts_with("C-2031-"), "{}", ev.subject);
    let approval = reg
        .approve(&o.approver, &ev.subject, Duration::days(7), None)
        .unwrap();
    assert_eq!(approval.time, ev.time);
    let d: serde_json::Value = serde_json::from_str(&approval.details).unwrap();
    assert_eq!(
        d["expires"], "2031-05-11T03:02:01.000000Z",
        "seven days from the approval's own time"
    );
    assert!(d["approval"].as_str().unwrap().starts_with("A-2031-"));
    // The operator's usable approval is judged at the register's time, too.
    assert!(reg.usable_approval(&o.operator, &ev.subject).is_ok());
    let mut back = reg.with_clock(in_2030);
    refused(
        back.add_carrier(&o.operator, &printer_drive("zhangsan")),
        "earlier than the register's last event",
    );
}
