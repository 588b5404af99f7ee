//! Reading the register: people, carriers, approvals and events, from the derived
//! tables and the log.

use super::*;

impl Register {
    pub fn person(&self, id: &str) -> Result<Option<Person>> {
        SqlView(&self.conn)
            .person_result(id)
            .map_err(sql(&self.path, || crate::t!("register-sql-read-people")))
    }

    pub fn person_by_fingerprint(&self, fingerprint: &str) -> Result<Option<Person>> {
        SqlView(&self.conn)
            .person_by_fingerprint_result(fingerprint)
            .map_err(sql(&self.path, || crate::t!("register-sql-read-people")))
    }

    pub fn people(&self) -> Result<Vec<Person>> {
        let mut st = self
            .conn
            .prepare("SELECT id FROM people ORDER BY enrolled_seq")
            .map_err(sql(&self.path, || crate::t!("register-sql-read-people")))?;
        let ids: Vec<String> = st
            .query_map([], |r| r.get(0))
            .and_then(|it| it.collect())
            .map_err(sql(&self.path, || crate::t!("register-sql-read-people")))?;
        ids.iter().filter_map(|id| self.person(id).transpose()).collect()
    }

    pub fn carrier(&self, id: &str) -> Result<Option<Carrier>> {
        SqlView(&self.conn)
            .carrier_result(id)
            .map_err(sql(&self.path, || crate::t!("register-sql-read-carriers")))
    }

    /// Carriers with this serial (a serial may come back after a disposal).
    pub fn carriers_by_serial(&self, serial: &str) -> Result<Vec<Carrier>> {
        self.carriers_where("serial = ?1", &[serial])
    }

    /// The carriers `id` names: by its register identity (a device's serial, a file's
    /// object), and carriers registered by an image's path before objects were the
    /// rule, when that path now reaches the same object.
    /// For a file, the same inode registered with another or no birth counts where one
    /// side knows none ([`crate::medium::Identity::may_be_carrier`]): the guard refuses
    /// what may be a registered carrier.
    pub fn carriers_naming(&self, id: &crate::medium::Identity) -> Result<Vec<Carrier>> {
        let mut out = match id.register_identity() {
            Some(s) => self.carriers_by_serial(s)?,
            None => Vec::new(),
        };
        if let Some(o) = id.object.as_deref().and_then(crate::medium::Object::parse) {
            let base = o.base();
            let prefix = format!("{base}:");
            let same_inode = self.carriers_where(
                "serial = ?1 OR substr(serial, 1, length(?2)) = ?2",
                &[&base, &prefix],
            )?;
            let by_path = self.carriers_where("substr(serial, 1, 1) = ?1", &["/"])?;
            for c in same_inode.into_iter().chain(by_path) {
                if id.may_be_carrier(&c.serial) && !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        Ok(out)
    }

    /// Carriers matching every given filter, by id.
    pub fn carriers(
        &self,
        status: Option<Status>,
        classification: Option<Classification>,
        custodian: Option<&str>,
    ) -> Result<Vec<Carrier>> {
        let mut clauses = Vec::new();
        let mut args: Vec<String> = Vec::new();
        if let Some(s) = status {
            args.push(s.name().into());
            clauses.push(format!("status = ?{}", args.len()));
        }
        if let Some(c) = classification {
            args.push(c.name().into());
            clauses.push(format!("classification = ?{}", args.len()));
        }
        if let Some(p) = custodian {
            args.push(p.into());
            clauses.push(format!("(custodian = ?{n} OR holder = ?{n})", n = args.len()));
        }
        let clause = if clauses.is_empty() {
            "1".to_string()
        } else {
            clauses.join(" AND ")
        };
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.carriers_where(&clause, &refs)
    }

    pub(super) fn carriers_where(&self, clause: &str, args: &[&str]) -> Result<Vec<Carrier>> {
        SqlView(&self.conn)
            .carriers_where_result(clause, args)
            .map_err(sql(&self.path, || crate::t!("register-sql-read-carriers")))
    }

    pub fn approvals_for(&self, carrier: &str) -> Result<Vec<Approval>> {
        SqlView(&self.conn)
            .approvals_for_result(carrier)
            .map_err(sql(&self.path, || crate::t!("register-sql-read-approvals")))
    }

    pub fn approval(&self, id: &str) -> Result<Option<Approval>> {
        SqlView(&self.conn)
            .approval_result(id)
            .map_err(sql(&self.path, || crate::t!("register-sql-read-approvals")))
    }

    /// The events about `subject`, in order.
    pub fn events_about(&self, subject: &str) -> Result<Vec<Event>> {
        let mut st = self
            .conn
            .prepare("SELECT seq, time, kind, actor, subject, details, prev_hash, hash, signature FROM events WHERE subject = ?1 ORDER BY seq")
            .map_err(sql(&self.path, || crate::t!("register-sql-read-events")))?;
        let rows = st
            .query_map([subject], event_row)
            .map_err(sql(&self.path, || crate::t!("register-sql-read-events")))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sql(&self.path, || crate::t!("register-sql-read-events")))
    }

    /// One event by its sequence number.
    pub fn event(&self, seq: u64) -> Result<Option<Event>> {
        self.conn
            .query_row(
                "SELECT seq, time, kind, actor, subject, details, prev_hash, hash, signature FROM events WHERE seq = ?1",
                [seq],
                event_row,
            )
            .optional()
            .map_err(sql(&self.path, || crate::t!("register-sql-read-events")))
    }

    /// The chain's head: the last sequence number and its hash.
    pub fn head(&self) -> Result<(u64, String)> {
        self.conn
            .query_row(
                "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(sql(&self.path, || crate::t!("register-sql-read-head")))
    }
}

pub(super) const CARRIER_COLUMNS: &str = "id, kind, serial, make, model, capacity, classification, unit, custodian, holder, host_asset, label, status, ever_classified, registered_seq, updated_seq";
pub(super) const APPROVAL_COLUMNS: &str = "id, carrier, serial, classification, action, nonce, approver, paper_ref, issued, expires, revoked_seq, seq";

pub(super) fn bad(col: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        col,
        rusqlite::types::Type::Text,
        format!("unknown {what}").into(),
    )
}

pub(super) fn carrier_row(r: &rusqlite::Row) -> rusqlite::Result<Carrier> {
    Ok(Carrier {
        id: r.get(0)?,
        kind: CarrierKind::parse(&r.get::<_, String>(1)?).ok_or_else(|| bad(1, "kind"))?,
        serial: r.get(2)?,
        make: r.get(3)?,
        model: r.get(4)?,
        capacity: r.get(5)?,
        classification: Classification::parse(&r.get::<_, String>(6)?)
            .ok_or_else(|| bad(6, "classification"))?,
        unit: r.get(7)?,
        custodian: r.get(8)?,
        holder: r.get(9)?,
        host_asset: r.get(10)?,
        label: r.get(11)?,
        status: Status::parse(&r.get::<_, String>(12)?).ok_or_else(|| bad(12, "status"))?,
        ever_classified: r.get(13)?,
        registered_seq: r.get(14)?,
        updated_seq: r.get(15)?,
    })
}

pub(super) fn approval_row(r: &rusqlite::Row) -> rusqlite::Result<Approval> {
    Ok(Approval {
        id: r.get(0)?,
        carrier: r.get(1)?,
        serial: r.get(2)?,
        classification: Classification::parse(&r.get::<_, String>(3)?)
            .ok_or_else(|| bad(3, "classification"))?,
        action: r.get(4)?,
        nonce: r.get(5)?,
        approver: r.get(6)?,
        paper_ref: r.get(7)?,
        issued: r.get(8)?,
        expires: r.get(9)?,
        revoked_seq: r.get(10)?,
        seq: r.get(11)?,
    })
}

pub(super) fn event_row(r: &rusqlite::Row) -> rusqlite::Result<Event> {
    Ok(Event {
        seq: r.get(0)?,
        time: r.get(1)?,
        kind: r.get(2)?,
        actor: r.get(3)?,
        subject: r.get(4)?,
        details: r.get(5)?,
        prev_hash: r.get(6)?,
        hash: r.get(7)?,
        signature: r.get(8)?,
    })
}

/// The derived tables, read through SQL.
pub(super) struct SqlView<'a>(pub(super) &'a Connection);

impl SqlView<'_> {
    pub(super) fn meta_result(&self) -> rusqlite::Result<Option<Meta>> {
        let v: Option<String> = self
            .0
            .query_row("SELECT value FROM meta WHERE key = 'register'", [], |r| r.get(0))
            .optional()?;
        Ok(v.and_then(|v| serde_json::from_str(&v).ok()))
    }

    pub(super) fn person_result(&self, id: &str) -> rusqlite::Result<Option<Person>> {
        self.0
            .query_row(
                "SELECT id, name, title, role, public_key, fingerprint, enrolled_seq, retired_seq FROM people WHERE id = ?1",
                [id],
                |r| {
                    Ok(Person {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        title: r.get(2)?,
                        role: Role::parse(&r.get::<_, String>(3)?).ok_or_else(|| bad(3, "role"))?,
                        public_key: r.get(4)?,
                        fingerprint: r.get(5)?,
                        enrolled_seq: r.get(6)?,
                        retired_seq: r.get(7)?,
                    })
                },
            )
            .optional()
    }

    pub(super) fn carrier_result(&self, id: &str) -> rusqlite::Result<Option<Carrier>> {
        self.0
            .query_row(
                &format!("SELECT {CARRIER_COLUMNS} FROM carriers WHERE id = ?1"),
                [id],
                carrier_row,
            )
            .optional()
    }

    pub(super) fn person_by_fingerprint_result(&self, fingerprint: &str) -> rusqlite::Result<Option<Person>> {
        let id: Option<String> = self
            .0
            .query_row(
                "SELECT id FROM people WHERE fingerprint = ?1",
                [fingerprint],
                |r| r.get(0),
            )
            .optional()?;
        match id {
            Some(id) => self.person_result(&id),
            None => Ok(None),
        }
    }

    /// Carriers matching an SQL condition on their columns, by id.
    pub(super) fn carriers_where_result(
        &self,
        clause: &str,
        args: &[&str],
    ) -> rusqlite::Result<Vec<Carrier>> {
        let q = format!("SELECT {CARRIER_COLUMNS} FROM carriers WHERE {clause} ORDER BY id");
        let mut st = self.0.prepare(&q)?;
        let rows = st.query_map(rusqlite::params_from_iter(args), carrier_row)?;
        rows.collect()
    }

    /// A carrier's approvals, oldest first.
    pub(super) fn approvals_for_result(&self, carrier: &str) -> rusqlite::Result<Vec<Approval>> {
        let q = format!("SELECT {APPROVAL_COLUMNS} FROM approvals WHERE carrier = ?1 ORDER BY seq");
        let mut st = self.0.prepare(&q)?;
        let rows = st.query_map([carrier], approval_row)?;
        rows.collect()
    }

    pub(super) fn approval_result(&self, id: &str) -> rusqlite::Result<Option<Approval>> {
        self.0
            .query_row(
                &format!("SELECT {APPROVAL_COLUMNS} FROM approvals WHERE id = ?1"),
                [id],
                approval_row,
            )
            .optional()
    }
}

/// The derived tables as the rules read them while appending, remembering a read
/// that failed: the rules' answer is then not trusted, since a read that fails must
/// refuse, never pass as "nothing found".
pub(super) struct CheckedView<'a> {
    sql: SqlView<'a>,
    failed: std::cell::RefCell<Option<rusqlite::Error>>,
}

impl<'a> CheckedView<'a> {
    pub(super) fn new(conn: &'a Connection) -> CheckedView<'a> {
        CheckedView {
            sql: SqlView(conn),
            failed: std::cell::RefCell::new(None),
        }
    }

    /// The first read that failed, if any.
    pub(super) fn failure(self) -> Option<rusqlite::Error> {
        self.failed.into_inner()
    }

    fn keep<T: Default>(&self, r: rusqlite::Result<T>) -> T {
        r.unwrap_or_else(|e| {
            self.failed.borrow_mut().get_or_insert(e);
            T::default()
        })
    }
}

impl View for CheckedView<'_> {
    fn meta(&self) -> Option<Meta> {
        self.keep(self.sql.meta_result())
    }
    fn person(&self, id: &str) -> Option<Person> {
        self.keep(self.sql.person_result(id))
    }
    fn person_by_fingerprint(&self, fingerprint: &str) -> Option<Person> {
        self.keep(self.sql.person_by_fingerprint_result(fingerprint))
    }
    fn carrier(&self, id: &str) -> Option<Carrier> {
        self.keep(self.sql.carrier_result(id))
    }
    fn carriers_by_serial(&self, serial: &str) -> Vec<Carrier> {
        self.keep(self.sql.carriers_where_result("serial = ?1", &[serial]))
    }
    fn approval(&self, id: &str) -> Option<Approval> {
        self.keep(self.sql.approval_result(id))
    }
    fn approvals_for(&self, carrier: &str) -> Vec<Approval> {
        self.keep(self.sql.approvals_for_result(carrier))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_that_fails_is_remembered_not_taken_for_nothing() {
        let conn = Connection::open_in_memory().unwrap();
        let view = CheckedView::new(&conn);
        assert!(view.carriers_by_serial("WD-1").is_empty());
        assert!(view.approval("A-2026-0001").is_none());
        let e = view.failure().expect("the failed read is kept");
        assert!(e.to_string().contains("no such table"), "{e}");
    }
}
