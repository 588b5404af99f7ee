//! `register verify`: the chain, every signature, the rules replayed into a fresh
//! state, and that state compared with the derived tables.

use super::*;

impl Register {
    /// Recomputes the chain, every signature and the derived state; see [`Audit`].
    pub fn verify(&self, anchor: Option<(u64, &str)>) -> Result<Audit> {
        audit(&self.conn, &self.path, anchor)
    }
}

/// The state rebuilt from the events alone, with the indexes the rules look up by.
#[derive(Default)]
struct Memory {
    meta: Option<Meta>,
    people: HashMap<String, Person>,
    carriers: HashMap<String, Carrier>,
    approvals: HashMap<String, Approval>,
    by_fingerprint: HashMap<String, String>,
    by_serial: HashMap<String, Vec<String>>,
    by_carrier: HashMap<String, Vec<String>>,
}

impl View for Memory {
    fn meta(&self) -> Option<Meta> {
        self.meta.clone()
    }
    fn person(&self, id: &str) -> Option<Person> {
        self.people.get(id).cloned()
    }
    fn person_by_fingerprint(&self, fingerprint: &str) -> Option<Person> {
        self.by_fingerprint
            .get(fingerprint)
            .and_then(|id| self.person(id))
    }
    fn carrier(&self, id: &str) -> Option<Carrier> {
        self.carriers.get(id).cloned()
    }
    fn carriers_by_serial(&self, serial: &str) -> Vec<Carrier> {
        self.by_serial
            .get(serial)
            .into_iter()
            .flatten()
            .filter_map(|id| self.carrier(id))
            .collect()
    }
    fn approval(&self, id: &str) -> Option<Approval> {
        self.approvals.get(id).cloned()
    }
    fn approvals_for(&self, carrier: &str) -> Vec<Approval> {
        self.by_carrier
            .get(carrier)
            .into_iter()
            .flatten()
            .filter_map(|id| self.approval(id))
            .collect()
    }
}

impl Memory {
    fn apply(&mut self, changes: Vec<Change>) {
        for c in changes {
            match c {
                Change::Meta(m) => self.meta = Some(m),
                Change::Person(p) => {
                    self.by_fingerprint.insert(p.fingerprint.clone(), p.id.clone());
                    self.people.insert(p.id.clone(), p);
                }
                Change::Carrier(c) => {
                    if !self.carriers.contains_key(&c.id) {
                        self.by_serial
                            .entry(c.serial.clone())
                            .or_default()
                            .push(c.id.clone());
                    }
                    self.carriers.insert(c.id.clone(), c);
                }
                Change::Approval(a) => {
                    if !self.approvals.contains_key(&a.id) {
                        self.by_carrier
                            .entry(a.carrier.clone())
                            .or_default()
                            .push(a.id.clone());
                    }
                    self.approvals.insert(a.id.clone(), a);
                }
            }
        }
    }
}

/// What `register verify` found.
#[derive(Clone, Debug, Serialize)]
pub struct Audit {
    pub register_id: Option<String>,
    pub events: u64,
    pub head: Option<(u64, String)>,
    /// The first event at which the chain, a signature or a rule breaks.
    pub first_break: Option<Break>,
    /// Derived rows that disagree with the events (the first few).
    pub derived: Vec<String>,
    /// `Some(true)` when the filed anchor is in the chain.
    pub anchor: Option<bool>,
    pub signatures_checked: u64,
    pub milliseconds: u64,
}

impl Audit {
    pub fn ok(&self) -> bool {
        self.first_break.is_none() && self.derived.is_empty() && self.anchor != Some(false)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Break {
    pub seq: u64,
    pub problem: String,
}

/// Signatures are checked in batches on all cores.
const SIGNATURE_BATCH: usize = 4096;

fn audit(conn: &Connection, path: &Path, anchor: Option<(u64, &str)>) -> Result<Audit> {
    let t0 = std::time::Instant::now();
    let mut state = Memory::default();
    let mut keys_by_person: HashMap<String, keys::PublicKey> = HashMap::new();
    let mut out = Audit {
        register_id: None,
        events: 0,
        head: None,
        first_break: None,
        derived: Vec::new(),
        anchor: anchor.map(|_| false),
        signatures_checked: 0,
        milliseconds: 0,
    };
    let mut st = conn
        .prepare("SELECT seq, time, kind, actor, subject, details, prev_hash, hash, signature FROM events ORDER BY seq")
        .map_err(sql(path, || crate::t!("register-sql-read-events")))?;
    let mut rows = st
        .query([])
        .map_err(sql(path, || crate::t!("register-sql-read-events")))?;
    let mut prev_hash = GENESIS.to_string();
    let mut prev_time = None;
    let mut expected = 1u64;
    let mut batch: Vec<(u64, keys::PublicKey, String, String)> = Vec::with_capacity(SIGNATURE_BATCH);
    let mut sig_break: Option<Break> = None;
    let stop = |seq: u64, problem: String, out: &mut Audit| {
        if out.first_break.is_none() {
            out.first_break = Some(Break { seq, problem });
        }
    };
    while let Some(row) = rows
        .next()
        .map_err(sql(path, || crate::t!("register-sql-read-events")))?
    {
        let ev = event_row(row).map_err(sql(path, || crate::t!("register-sql-read-events")))?;
        out.events += 1;
        out.head = Some((ev.seq, ev.hash.clone()));
        if out.first_break.is_some() {
            continue;
        }
        if ev.seq != expected {
            let problem = if ev.seq > expected {
                crate::t!(
                    "audit-missing",
                    seq = expected.to_string(),
                    next = ev.seq.to_string()
                )
            } else {
                crate::t!("audit-out-of-order", seq = ev.seq.to_string())
            };
            stop(expected, problem, &mut out);
            continue;
        }
        expected += 1;
        if ev.prev_hash != prev_hash {
            stop(ev.seq, crate::t!("audit-chain-broken"), &mut out);
            continue;
        }
        let register_id = match &state.meta {
            Some(m) => m.register_id.clone(),
            None => serde_json::from_str::<rules::RegisterCreated>(&ev.details)
                .map(|d| d.register_id)
                .unwrap_or_default(),
        };
        if ev.computed_hash(&register_id) != ev.hash {
            stop(ev.seq, crate::t!("audit-edited"), &mut out);
            continue;
        }
        prev_hash.clone_from(&ev.hash);
        let time = event::parse_time(&ev.time);
        if time.is_none() || prev_time.is_some_and(|p| time < Some(p)) {
            stop(ev.seq, crate::t!("audit-time"), &mut out);
            continue;
        }
        prev_time = time;
        // The key that must have signed: the actor's, as enrolled by earlier events (the
        // founder's, named at creation, for the first two).
        let key_line = match state.people.get(&ev.actor) {
            Some(p) => Some(p.public_key.clone()),
            None => state
                .meta
                .as_ref()
                .filter(|m| m.founder == ev.actor)
                .map(|m| m.founder_key.clone())
                .or_else(|| {
                    serde_json::from_str::<rules::RegisterCreated>(&ev.details)
                        .ok()
                        .filter(|d| d.founder == ev.actor)
                        .map(|d| d.founder_key)
                }),
        };
        let Some(key_line) = key_line else {
            stop(
                ev.seq,
                crate::t!("audit-actor-not-enrolled", actor = ev.actor.as_str()),
                &mut out,
            );
            continue;
        };
        let key = match keys_by_person.get(&key_line) {
            Some(k) => k.clone(),
            None => match keys::parse_public(&key_line) {
                Ok(k) => {
                    keys_by_person.insert(key_line.clone(), k.clone());
                    k
                }
                Err(e) => {
                    stop(
                        ev.seq,
                        crate::t!("audit-bad-key", error = e.to_string()),
                        &mut out,
                    );
                    continue;
                }
            },
        };
        match rules::apply(&state, &ev) {
            Ok(changes) => state.apply(changes),
            Err(e) => {
                stop(ev.seq, crate::t!("audit-rule", error = e.0.as_str()), &mut out);
                continue;
            }
        }
        if let Some((seq, hash)) = anchor {
            if seq == ev.seq {
                out.anchor = Some(hash == ev.hash);
            }
        }
        batch.push((ev.seq, key, ev.hash, ev.signature));
        if batch.len() == SIGNATURE_BATCH {
            let suite = state.meta.as_ref().map(|m| m.suite).unwrap_or_default();
            out.signatures_checked += check_signatures(&mut batch, suite, &mut sig_break);
        }
    }
    let suite = state.meta.as_ref().map(|m| m.suite).unwrap_or_default();
    out.signatures_checked += check_signatures(&mut batch, suite, &mut sig_break);
    if let Some(b) = sig_break {
        if out.first_break.as_ref().is_none_or(|f| b.seq < f.seq) {
            out.first_break = Some(b);
        }
    }
    out.register_id = state.meta.as_ref().map(|m| m.register_id.clone());
    if out.first_break.is_none() {
        out.derived = compare_derived(conn, path, &state)?;
    }
    out.milliseconds = t0.elapsed().as_millis() as u64;
    Ok(out)
}

/// Verifies a batch of signatures on all cores; records the earliest failure.
fn check_signatures(
    batch: &mut Vec<(u64, keys::PublicKey, String, String)>,
    suite: keys::Suite,
    first: &mut Option<Break>,
) -> u64 {
    let n = batch.len() as u64;
    let threads = std::thread::available_parallelism()
        .map_or(2, |t| t.get())
        .clamp(1, 8);
    let per = batch.len().div_ceil(threads).max(1);
    let bad: Vec<u64> = std::thread::scope(|s| {
        let handles: Vec<_> = batch
            .chunks(per)
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .filter(|(_, key, hash, sig)| {
                            keys::verify_in(suite, key, NAMESPACE, hash.as_bytes(), sig).is_err()
                        })
                        .map(|(seq, ..)| *seq)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    if let Some(seq) = bad.into_iter().min() {
        if first.as_ref().is_none_or(|b| seq < b.seq) {
            *first = Some(Break {
                seq,
                problem: crate::t!("audit-signature"),
            });
        }
    }
    batch.clear();
    n
}

/// Derived rows that disagree with the state rebuilt from the events.
fn compare_derived(conn: &Connection, path: &Path, state: &Memory) -> Result<Vec<String>> {
    let view = SqlView(conn);
    let mut diffs = Vec::new();
    if view
        .meta_result()
        .map_err(sql(path, || crate::t!("register-sql-read-meta")))?
        != state.meta
    {
        diffs.push(crate::t!("audit-meta"));
    }
    let count = |table: &str| -> Result<u64> {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .map_err(sql(path, || crate::t!("register-sql-count")))
    };
    for (table, n) in [
        ("people", state.people.len()),
        ("carriers", state.carriers.len()),
        ("approvals", state.approvals.len()),
    ] {
        let stored = count(table)?;
        if stored != n as u64 {
            diffs.push(crate::t!(
                "audit-rows",
                table = table,
                stored = stored.to_string(),
                count = n.to_string()
            ));
        }
    }
    let mut ids: Vec<&String> = state.people.keys().collect();
    ids.sort();
    for id in ids {
        if view.person_result(id).ok().flatten().as_ref() != state.people.get(id) {
            diffs.push(crate::t!(
                "audit-row-disagrees",
                table = "people",
                id = id.as_str()
            ));
        }
    }
    let mut ids: Vec<&String> = state.carriers.keys().collect();
    ids.sort();
    for id in ids {
        if view.carrier_result(id).ok().flatten().as_ref() != state.carriers.get(id) {
            diffs.push(crate::t!(
                "audit-row-disagrees",
                table = "carriers",
                id = id.as_str()
            ));
        }
        if diffs.len() >= 20 {
            break;
        }
    }
    let mut ids: Vec<&String> = state.approvals.keys().collect();
    ids.sort();
    for id in ids {
        if view.approval_result(id).ok().flatten().as_ref() != state.approvals.get(id) {
            diffs.push(crate::t!(
                "audit-row-disagrees",
                table = "approvals",
                id = id.as_str()
            ));
        }
    }
    Ok(diffs)
}
