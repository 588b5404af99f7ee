//! `cargo bench --bench register`: builds a register of 100 000 carriers and
//! 1 000 000 signed events, then times what people wait for: listing approved
//! carriers, showing one, appending an event, verifying everything.
//! `MEDIASAN_BENCH_EVENTS=200000` makes it smaller. The register is built in
//! /var/tmp (on disk, like a real one) and removed afterwards.

use std::time::Instant;

use chrono::Duration;
use mediasan::keys::{generate, Signer};
use mediasan::register::rules::{CarrierRegistered, Classification, Movement};
use mediasan::register::{Founding, Kind, Register, Role, Status};

fn main() {
    let total: u64 = std::env::var("MEDIASAN_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let carriers = total / 10;
    let dir = tempfile::Builder::new()
        .prefix("mediasan-bench-")
        .tempdir_in("/var/tmp")
        .unwrap();
    let path = dir.path().join("register.db");
    let approver = Signer::from_key(generate("a").unwrap());
    let operator = Signer::from_key(generate("o").unwrap());
    let founding = Founding {
        org: "bench",
        location: None,
        id: "boss",
        name: "Boss",
        title: None,
        supervisors_required: 1,
    };
    let mut reg = Register::create(&path, &founding, &approver.public(), &approver).unwrap();
    reg.enrol(
        &approver,
        Some("op"),
        "Operator",
        None,
        Role::Operator,
        &operator.public(),
    )
    .unwrap();

    // Build: carriers first, then issue/return cycles, approvals for 1 %, in
    // transactions of 10 000 events.
    let t = Instant::now();
    let mut made = 3u64;
    let mut ids = Vec::with_capacity(carriers as usize);
    while (ids.len() as u64) < carriers {
        let n = (carriers - ids.len() as u64).min(10_000);
        let base = ids.len();
        let events = reg
            .transact(|tx| {
                (0..n)
                    .map(|i| {
                        let d = CarrierRegistered {
                            kind: mediasan::register::CarrierKind::Hdd,
                            serial: format!("SN-{:08}", base as u64 + i),
                            make: "WDC".into(),
                            model: "WD10EZEX".into(),
                            capacity: 1_000_204_886_016,
                            classification: if i % 3 == 0 {
                                Classification::Secret
                            } else {
                                Classification::Internal
                            },
                            unit: "办公室".into(),
                            custodian: "op".into(),
                            host_asset: None,
                            label: None,
                        };
                        tx.append(Kind::CarrierRegistered, &operator, |ids| {
                            Ok((
                                ids.next("carriers", "C-2026-", 6)?,
                                serde_json::to_value(&d).unwrap(),
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()
            })
            .unwrap();
        ids.extend(events.into_iter().map(|e| e.subject));
        made += n;
    }
    let mut i = 0usize;
    while made < total {
        let n = (total - made).min(10_000);
        reg.transact(|tx| {
            for _ in 0..n {
                let c = &ids[i % ids.len()];
                let round = i / ids.len();
                let (kind, to) = if round.is_multiple_of(2) {
                    (Kind::CarrierIssued, Some("op".to_string()))
                } else {
                    (Kind::CarrierReturned, None)
                };
                let d = Movement { to, note: None };
                tx.append(kind, &operator, |_| {
                    Ok((c.clone(), serde_json::to_value(&d).unwrap()))
                })?;
                i += 1;
            }
            Ok(())
        })
        .unwrap();
        made += n;
    }
    let build = t.elapsed();
    println!(
        "built {made} events, {} carriers in {:.1} s ({:.0} events/s)",
        ids.len(),
        build.as_secs_f64(),
        made as f64 / build.as_secs_f64()
    );
    // Approve 1 % of the carriers.
    for c in ids.iter().step_by(100) {
        reg.approve(&approver, c, Duration::days(30), None).unwrap();
    }
    drop(reg);
    let reg = Register::open(&path).unwrap();

    let time = |what: &str, f: &mut dyn FnMut() -> usize| {
        let mut best = f64::MAX;
        let mut n = 0;
        for _ in 0..5 {
            let t = Instant::now();
            n = f();
            best = best.min(t.elapsed().as_secs_f64());
        }
        println!("{what:<48} {:>8.2} ms  ({n} rows)", best * 1e3);
    };
    time("carrier list --status approved", &mut || {
        reg.carriers(Some(Status::Approved), None, None).unwrap().len()
    });
    time("carrier list --custodian op --classification secret", &mut || {
        reg.carriers(None, Some(Classification::Secret), Some("op"))
            .unwrap()
            .len()
    });
    let some = ids[ids.len() / 2].clone();
    time("carrier show (carrier, approvals, events)", &mut || {
        reg.carrier(&some).unwrap();
        reg.approvals_for(&some).unwrap().len() + reg.events_about(&some).unwrap().len()
    });
    let mut reg = reg;
    let target = ids[7].clone();
    time("append one event (signed, fsync'd)", &mut || {
        let kind = match reg.carrier(&target).unwrap().unwrap().status {
            Status::Issued => Kind::CarrierReturned,
            _ => Kind::CarrierIssued,
        };
        let to = (kind == Kind::CarrierIssued).then_some("op");
        reg.move_carrier(&operator, kind, &target, to, None).unwrap();
        1
    });
    let t = Instant::now();
    let audit = reg.verify(None).unwrap();
    let s = t.elapsed().as_secs_f64();
    assert!(audit.ok(), "{:?}", audit.first_break);
    println!(
        "register verify: {} events, {} signatures in {:.1} s ({:.0} events/s)",
        audit.events,
        audit.signatures_checked,
        s,
        audit.events as f64 / s
    );
}
