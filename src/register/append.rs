//! Appending events: one transaction, the chain's head read, ids allocated, the rules
//! applied, the event signed and inserted, the derived tables changed.

use super::*;
use chrono::DateTime;

/// Appends events inside one transaction (see [`Register::transact`]).
pub struct Appender<'a> {
    pub(super) tx: rusqlite::Transaction<'a>,
    pub(super) path: PathBuf,
    /// The operation's one reading of the clock.
    pub(super) now: DateTime<Utc>,
}

impl Appender<'_> {
    /// The operation's time: every event of this transaction is dated with it.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// Appends an event signed by whoever holds `signer` (found by key fingerprint).
    pub fn append(
        &mut self,
        kind: Kind,
        signer: &Signer,
        build: impl FnOnce(&Ids) -> Result<(String, serde_json::Value)>,
    ) -> Result<Event> {
        let fingerprint = signer.fingerprint();
        let actor: Option<String> = self
            .tx
            .query_row(
                "SELECT id FROM people WHERE fingerprint = ?1",
                [&fingerprint],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql(&self.path, || crate::t!("register-sql-look-up-key")))?;
        let actor = actor.ok_or(RegisterError::NotEnrolled { fingerprint })?;
        self.append_as(kind, &actor, signer, build)
    }

    pub(super) fn append_as(
        &mut self,
        kind: Kind,
        actor: &str,
        signer: &Signer,
        build: impl FnOnce(&Ids) -> Result<(String, serde_json::Value)>,
    ) -> Result<Event> {
        let path = &self.path;
        let tx = &self.tx;
        let last: Option<(u64, String, String)> = tx
            .query_row(
                "SELECT seq, time, hash FROM events ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(sql(path, || crate::t!("register-sql-read-head")))?;
        let now = self.now;
        let (subject, details) = build(&Ids { conn: tx, now })?;
        if kind.is_typed_in() {
            refuse_hidden(&subject, &details)?;
        }
        let details = serde_json::to_string(&details).map_err(|e| RegisterError::Usage(e.to_string()))?;
        let prev_time = last.as_ref().and_then(|(_, t, _)| event::parse_time(t));
        // Times never run backwards: an event dated before the head means the clock
        // was set back (or the head is dated in the future); neither is followed.
        if let Some(prev) = prev_time.filter(|p| *p > now) {
            return Err(RegisterError::Rule(rules::RuleError(crate::t!(
                "register-clock-back",
                now = event::format_time(now),
                last = event::format_time(prev)
            ))));
        }
        let time = now;
        let (seq, prev_hash) = last.map_or((1, GENESIS.to_string()), |(s, _, h)| (s + 1, h));
        let register_id = match kind {
            Kind::RegisterCreated => serde_json::from_str::<rules::RegisterCreated>(&details)
                .map(|d| d.register_id)
                .unwrap_or_default(),
            _ => SqlView(tx)
                .meta_result()
                .map_err(sql(path, || crate::t!("register-sql-read-facts")))?
                .map(|m| m.register_id)
                .unwrap_or_default(),
        };
        let time = event::format_time(time);
        let fields = event::Fields {
            seq,
            time: &time,
            kind: kind.name(),
            actor,
            subject: &subject,
            details: &details,
            prev_hash: &prev_hash,
        };
        let hash = fields.hash(&register_id);
        let signature = signer.sign(NAMESPACE, hash.as_bytes())?;
        let ev = Event {
            seq,
            time,
            kind: kind.name().into(),
            actor: actor.into(),
            subject,
            details,
            prev_hash,
            hash,
            signature,
        };
        let view = super::views::CheckedView::new(tx);
        let changes = rules::apply(&view, &ev);
        if let Some(e) = view.failure() {
            return Err(sql(path, || crate::t!("register-sql-read-for-rules"))(e));
        }
        let changes = changes?;
        tx.execute(
            "INSERT INTO events (seq, time, kind, actor, subject, details, prev_hash, hash, signature) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                ev.seq,
                ev.time,
                ev.kind,
                ev.actor,
                ev.subject,
                ev.details,
                ev.prev_hash,
                ev.hash,
                ev.signature
            ],
        )
        .map_err(sql(path, || crate::t!("register-sql-append")))?;
        for c in &changes {
            write_change(tx, c).map_err(sql(path, || crate::t!("register-sql-update-derived")))?;
        }
        Ok(ev)
    }
}

/// Allocates the next id of a kind inside the appending transaction.
pub struct Ids<'a> {
    conn: &'a Connection,
    now: DateTime<Utc>,
}

impl Ids<'_> {
    /// The operation's time: the one its events are dated with.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    /// `P-0001`, `C-2026-0007`, `A-2026-0003`: one more than the highest with this prefix.
    pub fn next(&self, table: &str, prefix: &str, width: usize) -> Result<String> {
        let pattern = format!("{prefix}[0-9]*");
        let err =
            |e: rusqlite::Error| RegisterError::Usage(crate::t!("register-no-id", error = e.to_string()));
        // Carriers and approvals are only ever numbered here, so the latest holds the
        // highest number (an index walk, not a scan of 100 000 rows); people may also
        // have been given ids by hand, and are few: take the numeric maximum.
        let last: Option<u64> = match table {
            "carriers" | "approvals" => {
                let order = if table == "carriers" {
                    "registered_seq"
                } else {
                    "seq"
                };
                // `+id`: walk the {order} index backwards, not a range of the id index.
                let q = format!("SELECT id FROM {table} WHERE +id GLOB ?1 ORDER BY {order} DESC LIMIT 1");
                let id: Option<String> = self
                    .conn
                    .query_row(&q, [&pattern], |r| r.get(0))
                    .optional()
                    .map_err(err)?;
                id.and_then(|id| id[prefix.len()..].parse().ok())
            }
            _ => {
                let q = format!("SELECT id FROM {table} WHERE id GLOB ?1");
                let mut st = self.conn.prepare(&q).map_err(err)?;
                let ids = st.query_map([&pattern], |r| r.get::<_, String>(0)).map_err(err)?;
                ids.filter_map(|id| id.ok()?[prefix.len()..].parse::<u64>().ok())
                    .max()
            }
        };
        let n = last.unwrap_or(0) + 1;
        Ok(format!("{prefix}{n:0width$}"))
    }
}

/// An event's details as JSON; a value that cannot be written is an error, never
/// signed as `null`.
pub(super) fn to_value(v: &impl Serialize) -> Result<serde_json::Value> {
    serde_json::to_value(v)
        .map_err(|e| RegisterError::Usage(crate::t!("register-details", error = e.to_string())))
}

pub(super) fn write_change(conn: &Connection, change: &Change) -> rusqlite::Result<()> {
    match change {
        Change::Meta(m) => {
            let v =
                serde_json::to_string(m).map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.into()))?;
            conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('register', ?1)",
                [v],
            )?;
        }
        Change::Person(p) => {
            conn.execute(
                "INSERT INTO people (id, name, title, role, public_key, fingerprint, enrolled_seq, retired_seq) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (id) DO UPDATE SET name = excluded.name, \
                 title = excluded.title, role = excluded.role, public_key = excluded.public_key, \
                 fingerprint = excluded.fingerprint, enrolled_seq = excluded.enrolled_seq, \
                 retired_seq = excluded.retired_seq",
                params![p.id, p.name, p.title, p.role.name(), p.public_key, p.fingerprint, p.enrolled_seq, p.retired_seq],
            )?;
        }
        Change::Carrier(c) => {
            conn.execute(
                &format!("INSERT OR REPLACE INTO carriers ({CARRIER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"),
                params![
                    c.id, c.kind.name(), c.serial, c.make, c.model, c.capacity, c.classification.name(), c.unit, c.custodian,
                    c.holder, c.host_asset, c.label, c.status.name(), c.ever_classified, c.registered_seq, c.updated_seq
                ],
            )?;
        }
        Change::Approval(a) => {
            conn.execute(
                &format!("INSERT OR REPLACE INTO approvals ({APPROVAL_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
                params![
                    a.id, a.carrier, a.serial, a.classification.name(), a.action, a.nonce, a.approver, a.paper_ref,
                    a.issued, a.expires, a.revoked_seq, a.seq
                ],
            )?;
        }
    }
    Ok(())
}

/// Refuses a name or a text a person typed (or a sheet held) with a control character or
/// a bidi control in it: shown escaped it would read oddly, shown raw it could rewrite the
/// screen. `field` names where it is (`name`, `details.note`).
fn refuse_hidden(subject: &str, details: &serde_json::Value) -> Result<()> {
    fn walk(path: &str, v: &serde_json::Value) -> Option<(String, String)> {
        match v {
            serde_json::Value::String(s) => s
                .chars()
                .any(crate::escape::is_hidden)
                .then(|| (path.to_string(), s.clone())),
            serde_json::Value::Array(a) => a.iter().find_map(|v| walk(path, v)),
            serde_json::Value::Object(o) => o.iter().find_map(|(k, v)| walk(k, v)),
            _ => None,
        }
    }
    let found = walk("subject", &serde_json::Value::String(subject.into())).or_else(|| walk("", details));
    match found {
        Some((field, text)) => Err(RegisterError::Usage(crate::t!(
            "register-text-control",
            field = field,
            text = crate::escape::cut(&text, 80)
        ))),
        None => Ok(()),
    }
}
