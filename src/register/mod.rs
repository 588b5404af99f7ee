//! The register of carriers (台账): a signed, hash-chained, append-only log of
//! events in SQLite, and the people, carriers and approvals derived from it.
//!
//! Every event is hashed over a canonical encoding that includes its
//! predecessor's hash, and signed by the person who acts. Triggers refuse
//! UPDATE and DELETE on events, but they are only a guard rail: `verify`
//! recomputes the chain and every signature, replays the rules into a fresh
//! state and compares it with the derived tables. See `docs/register.md`.

pub mod csv;
pub mod event;
pub mod index;
pub mod ops;
pub mod rules;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use crate::keys::{self, KeyError, Signer};
use crate::target::escape_path;
pub use event::{Event, Kind, GENESIS, NAMESPACE};
pub use ops::NewCarrier;
pub use rules::{
    Approval, Carrier, CarrierKind, Change, Classification, Meta, Person, Role, RuleError, Status, View,
};

/// Default location of the register.
pub const DEFAULT_PATH: &str = "/var/lib/mediasan/register.db";
/// The schema this mediasan writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: u32 = 1;

/// Migrations, in order: `MIGRATIONS[i]` takes schema `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    subject TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    signature TEXT NOT NULL
);
CREATE INDEX events_subject ON events (subject, seq);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'register events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'register events are append-only'); END;
CREATE TABLE people (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    title TEXT,
    role TEXT NOT NULL,
    public_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL UNIQUE,
    enrolled_seq INTEGER NOT NULL,
    retired_seq INTEGER
) WITHOUT ROWID;
CREATE TABLE carriers (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    serial TEXT NOT NULL,
    make TEXT NOT NULL,
    model TEXT NOT NULL,
    capacity INTEGER NOT NULL,
    classification TEXT NOT NULL,
    unit TEXT NOT NULL,
    custodian TEXT NOT NULL,
    holder TEXT,
    host_asset TEXT,
    label TEXT,
    status TEXT NOT NULL,
    ever_classified INTEGER NOT NULL,
    registered_seq INTEGER NOT NULL,
    updated_seq INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX carriers_status ON carriers (status);
CREATE INDEX carriers_serial ON carriers (serial);
CREATE INDEX carriers_custodian ON carriers (custodian);
CREATE INDEX carriers_classification ON carriers (classification);
CREATE INDEX carriers_registered ON carriers (registered_seq);
CREATE TABLE approvals (
    id TEXT PRIMARY KEY,
    carrier TEXT NOT NULL,
    serial TEXT NOT NULL,
    classification TEXT NOT NULL,
    action TEXT NOT NULL,
    nonce TEXT NOT NULL,
    approver TEXT NOT NULL,
    paper_ref TEXT,
    issued TEXT NOT NULL,
    expires TEXT NOT NULL,
    revoked_seq INTEGER,
    seq INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX approvals_carrier ON approvals (carrier);
CREATE INDEX approvals_seq ON approvals (seq);
"#];

/// Why a register operation failed.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("{path}: no register here")]
    Missing { path: String },
    #[error("{path}: a register (or another file) already exists here")]
    Exists { path: String },
    #[error("{path}: not a mediasan register ({detail})")]
    NotARegister { path: String, detail: String },
    #[error("{path}: the register has schema version {found}, newer than this mediasan knows ({known})")]
    NewerSchema { path: String, found: u32, known: u32 },
    // The cause is in the message, not a source too: said once.
    #[error("{path}: {what}: {error}")]
    Sql {
        path: String,
        what: &'static str,
        error: rusqlite::Error,
    },
    #[error("refused: {0}")]
    Rule(#[from] RuleError),
    #[error("the key {fingerprint} belongs to nobody enrolled in this register")]
    NotEnrolled { fingerprint: String },
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("{0}")]
    Usage(String),
}

impl RegisterError {
    /// Exit codes of PRODUCT.md §9: refusals 3, unusable input 2, failures 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            RegisterError::Rule(_) | RegisterError::NotEnrolled { .. } => 3,
            RegisterError::Key(k) => k.exit_code(),
            RegisterError::Sql { .. } => 1,
            _ => 2,
        }
    }

    pub fn hint(&self) -> Option<&'static str> {
        match self {
            RegisterError::Missing { .. } => {
                Some("create one with `mediasan register init`, or name it with --register")
            }
            RegisterError::NewerSchema { .. } => {
                Some("use the mediasan release that wrote it, or a newer one")
            }
            RegisterError::NotEnrolled { .. } => {
                Some("act with your own enrolled key (--key or MEDIASAN_KEY)")
            }
            _ => None,
        }
    }
}

type Result<T> = std::result::Result<T, RegisterError>;

/// The founder, and everything else `init` records.
pub struct Founding<'a> {
    pub org: &'a str,
    pub location: Option<&'a str>,
    pub id: &'a str,
    pub name: &'a str,
    pub title: Option<&'a str>,
    pub supervisors_required: u32,
}

/// An open register.
pub struct Register {
    conn: Connection,
    path: PathBuf,
}

impl Register {
    /// Creates a register at `path` with its founding approver, who signs both the
    /// creation and their own enrolment (proof that they hold the key).
    pub fn create(
        path: &Path,
        founding: &Founding,
        founder_key: &ssh_key::PublicKey,
        signer: &Signer,
    ) -> Result<Register> {
        if path.exists() {
            return Err(RegisterError::Exists {
                path: escape_path(path),
            });
        }
        if keys::fingerprint(founder_key) != signer.fingerprint() {
            return Err(RegisterError::Usage(format!(
                "--signed-by must be the private key of --key (the founder proves they hold it); it is {}, the public key is {}",
                signer.fingerprint(),
                keys::fingerprint(founder_key)
            )));
        }
        if !rules::valid_id(founding.id) {
            return Err(RegisterError::Usage(format!(
                "person id {:?}: ASCII letters, digits, '-', '_', '.'",
                founding.id
            )));
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                RegisterError::Usage(format!("{}: cannot create the folder: {e}", escape_path(dir)))
            })?;
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(sql(path, "cannot create the register"))?;
        let mut reg = Register {
            conn,
            path: path.to_path_buf(),
        };
        reg.configure()?;
        reg.migrate(0)?;
        let mut id = [0u8; 16];
        getrandom::fill(&mut id)
            .map_err(|e| RegisterError::Usage(format!("no OS entropy for the register id: {e}")))?;
        let register_id = event::hex(&id);
        let public = keys::public_line(founder_key);
        let created = rules::RegisterCreated {
            register_id: register_id.clone(),
            org: founding.org.to_string(),
            location: founding.location.map(str::to_string),
            founder: founding.id.to_string(),
            founder_key: public.clone(),
            supervisors_required: founding.supervisors_required.max(1),
            suite: Some(signer.suite()),
        };
        let enrolled = rules::PersonEnrolled {
            name: founding.name.to_string(),
            title: founding.title.map(str::to_string),
            role: Role::Approver,
            public_key: public,
        };
        // Both founding events land together, or the register is not created.
        let made = reg.transact(|t| {
            t.append_as(Kind::RegisterCreated, founding.id, signer, |_| {
                Ok((String::new(), to_value(&created)))
            })?;
            t.append_as(Kind::PersonEnrolled, founding.id, signer, |_| {
                Ok((founding.id.to_string(), to_value(&enrolled)))
            })
        });
        if let Err(e) = made {
            drop(reg);
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            return Err(e);
        }
        Ok(reg)
    }

    /// Opens a register only to read it: nothing in the file changes (a backup stays
    /// as it is, a read-only copy can be checked). With `audit`, a register whose
    /// facts or schema tag were damaged still opens, so that `verify` can say what
    /// is wrong instead of refusing to look.
    pub fn open_read_only(path: &Path, audit: bool) -> Result<Register> {
        if !path.exists() {
            return Err(RegisterError::Missing {
                path: escape_path(path),
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(sql(path, "cannot open the register"))?;
        conn.busy_timeout(Duration::from_secs(30))
            .map_err(sql(path, "cannot set the busy timeout"))?;
        let reg = Register {
            conn,
            path: path.to_path_buf(),
        };
        let shown = || escape_path(path);
        let version: u32 = reg
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| RegisterError::NotARegister {
                path: shown(),
                detail: e.to_string(),
            })?;
        if version > SCHEMA_VERSION {
            return Err(RegisterError::NewerSchema {
                path: shown(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        let has_events: bool = reg
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| RegisterError::NotARegister {
                path: shown(),
                detail: e.to_string(),
            })?;
        // A schema version reset to 0 is refused by every command, `register verify`
        // too; an audit looks on only where the first event is missing or broken.
        if !has_events || version == 0 || (!audit && reg.meta()?.is_none()) {
            return Err(RegisterError::NotARegister {
                path: shown(),
                detail: "no mediasan schema".into(),
            });
        }
        Ok(reg)
    }

    /// Opens an existing register, migrating an older schema.
    pub fn open(path: &Path) -> Result<Register> {
        if !path.exists() {
            return Err(RegisterError::Missing {
                path: escape_path(path),
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(sql(path, "cannot open the register"))?;
        let mut reg = Register {
            conn,
            path: path.to_path_buf(),
        };
        let version: u32 = reg
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| RegisterError::NotARegister {
                path: escape_path(path),
                detail: e.to_string(),
            })?;
        if version > SCHEMA_VERSION {
            return Err(RegisterError::NewerSchema {
                path: escape_path(path),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        if version == 0 {
            return Err(RegisterError::NotARegister {
                path: escape_path(path),
                detail: "no mediasan schema".into(),
            });
        }
        reg.configure()?;
        reg.migrate(version)?;
        if reg.meta()?.is_none() {
            return Err(RegisterError::NotARegister {
                path: escape_path(path),
                detail: "no register-created event".into(),
            });
        }
        Ok(reg)
    }

    fn configure(&self) -> Result<()> {
        let p = &self.path;
        self.conn
            .busy_timeout(Duration::from_secs(30))
            .map_err(sql(p, "cannot set the busy timeout"))?;
        self.conn
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(sql(p, "cannot switch to WAL"))?;
        self.conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(sql(p, "cannot set synchronous=FULL"))?;
        Ok(())
    }

    fn migrate(&mut self, from: u32) -> Result<()> {
        for (i, step) in MIGRATIONS.iter().enumerate().skip(from as usize) {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(sql(&self.path, "migration"))?;
            tx.execute_batch(step).map_err(sql(&self.path, "migration"))?;
            tx.pragma_update(None, "user_version", (i + 1) as u32)
                .map_err(sql(&self.path, "migration"))?;
            tx.commit().map_err(sql(&self.path, "migration"))?;
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The register's own facts (from its derived state).
    pub fn meta(&self) -> Result<Option<Meta>> {
        SqlView(&self.conn)
            .meta_result()
            .map_err(sql(&self.path, "cannot read the register's facts"))
    }

    /// Appends an event signed by whoever holds `signer`, after checking it against
    /// the rules, in one IMMEDIATE transaction. `build` gets an id allocator and
    /// returns the subject and details.
    pub fn append(
        &mut self,
        kind: Kind,
        signer: &Signer,
        build: impl FnOnce(&Ids) -> Result<(String, serde_json::Value)>,
    ) -> Result<Event> {
        self.transact(|t| t.append(kind, signer, build))
    }

    /// Runs `f` in one IMMEDIATE transaction: every event it appends lands, or none.
    pub fn transact<T>(&mut self, f: impl FnOnce(&mut Appender) -> Result<T>) -> Result<T> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql(&path, "cannot start a transaction"))?;
        let mut appender = Appender { tx, path };
        let out = f(&mut appender)?;
        appender
            .tx
            .commit()
            .map_err(sql(&appender.path, "cannot commit"))?;
        Ok(out)
    }

    pub fn person(&self, id: &str) -> Result<Option<Person>> {
        SqlView(&self.conn)
            .person_result(id)
            .map_err(sql(&self.path, "cannot read people"))
    }

    pub fn person_by_fingerprint(&self, fingerprint: &str) -> Result<Option<Person>> {
        let id: Option<String> = self
            .conn
            .query_row(
                "SELECT id FROM people WHERE fingerprint = ?1",
                [fingerprint],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql(&self.path, "cannot read people"))?;
        match id {
            Some(id) => self.person(&id),
            None => Ok(None),
        }
    }

    pub fn people(&self) -> Result<Vec<Person>> {
        let mut st = self
            .conn
            .prepare("SELECT id FROM people ORDER BY enrolled_seq")
            .map_err(sql(&self.path, "cannot read people"))?;
        let ids: Vec<String> = st
            .query_map([], |r| r.get(0))
            .and_then(|it| it.collect())
            .map_err(sql(&self.path, "cannot read people"))?;
        ids.iter().filter_map(|id| self.person(id).transpose()).collect()
    }

    pub fn carrier(&self, id: &str) -> Result<Option<Carrier>> {
        SqlView(&self.conn)
            .carrier_result(id)
            .map_err(sql(&self.path, "cannot read carriers"))
    }

    /// Carriers with this serial (a serial may come back after a disposal).
    pub fn carriers_by_serial(&self, serial: &str) -> Result<Vec<Carrier>> {
        self.carriers_where("serial = ?1", &[serial])
    }

    /// The carriers `id` names: by its register identity (a device's serial, a file's
    /// object), and carriers registered by an image's path before objects were the
    /// rule, when that path now reaches the same object.
    pub fn carriers_naming(&self, id: &crate::target::Identity) -> Result<Vec<Carrier>> {
        let mut out = match id.register_identity() {
            Some(s) => self.carriers_by_serial(s)?,
            None => Vec::new(),
        };
        if id.object.is_some() {
            for c in self.carriers_where("substr(serial, 1, 1) = ?1", &["/"])? {
                if id.is_carrier(&c.serial) && !out.contains(&c) {
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

    fn carriers_where(&self, clause: &str, args: &[&str]) -> Result<Vec<Carrier>> {
        let q = format!("SELECT {CARRIER_COLUMNS} FROM carriers WHERE {clause} ORDER BY id");
        let mut st = self
            .conn
            .prepare(&q)
            .map_err(sql(&self.path, "cannot read carriers"))?;
        let rows = st
            .query_map(rusqlite::params_from_iter(args), carrier_row)
            .map_err(sql(&self.path, "cannot read carriers"))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sql(&self.path, "cannot read carriers"))
    }

    pub fn approvals_for(&self, carrier: &str) -> Result<Vec<Approval>> {
        let q = format!("SELECT {APPROVAL_COLUMNS} FROM approvals WHERE carrier = ?1 ORDER BY seq");
        let mut st = self
            .conn
            .prepare(&q)
            .map_err(sql(&self.path, "cannot read approvals"))?;
        let rows = st
            .query_map([carrier], approval_row)
            .map_err(sql(&self.path, "cannot read approvals"))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sql(&self.path, "cannot read approvals"))
    }

    pub fn approval(&self, id: &str) -> Result<Option<Approval>> {
        SqlView(&self.conn)
            .approval_result(id)
            .map_err(sql(&self.path, "cannot read approvals"))
    }

    /// The events about `subject`, in order.
    pub fn events_about(&self, subject: &str) -> Result<Vec<Event>> {
        let mut st = self
            .conn
            .prepare("SELECT seq, time, kind, actor, subject, details, prev_hash, hash, signature FROM events WHERE subject = ?1 ORDER BY seq")
            .map_err(sql(&self.path, "cannot read events"))?;
        let rows = st
            .query_map([subject], event_row)
            .map_err(sql(&self.path, "cannot read events"))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(sql(&self.path, "cannot read events"))
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
            .map_err(sql(&self.path, "cannot read events"))
    }

    /// The chain's head: the last sequence number and its hash.
    pub fn head(&self) -> Result<(u64, String)> {
        self.conn
            .query_row(
                "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(sql(&self.path, "cannot read the chain's head"))
    }

    /// A consistent copy of the whole register (the WAL included) at `to`.
    pub fn backup(&self, to: &Path) -> Result<()> {
        if to.exists() {
            return Err(RegisterError::Exists {
                path: escape_path(to),
            });
        }
        let target = to
            .to_str()
            .ok_or_else(|| RegisterError::Usage("the backup path must be UTF-8".into()))?;
        self.conn
            .execute("VACUUM INTO ?1", [target])
            .map_err(sql(&self.path, "backup failed"))?;
        Ok(())
    }

    pub(crate) fn conn_ref(&self) -> &Connection {
        &self.conn
    }

    /// Recomputes the chain, every signature and the derived state; see [`Audit`].
    pub fn verify(&self, anchor: Option<(u64, &str)>) -> Result<Audit> {
        audit(&self.conn, &self.path, anchor)
    }
}

/// Appends events inside one transaction (see [`Register::transact`]).
pub struct Appender<'a> {
    tx: rusqlite::Transaction<'a>,
    path: PathBuf,
}

impl Appender<'_> {
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
            .map_err(sql(&self.path, "cannot look the key up"))?;
        let actor = actor.ok_or(RegisterError::NotEnrolled { fingerprint })?;
        self.append_as(kind, &actor, signer, build)
    }

    fn append_as(
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
            .map_err(sql(path, "cannot read the chain's head"))?;
        let (subject, details) = build(&Ids(tx))?;
        let details = serde_json::to_string(&details).map_err(|e| RegisterError::Usage(e.to_string()))?;
        let now = Utc::now();
        let prev_time = last.as_ref().and_then(|(_, t, _)| event::parse_time(t));
        // Times never run backwards: an event dated before the head means the clock
        // was set back (or the head is dated in the future); neither is followed.
        if let Some(prev) = prev_time.filter(|p| *p > now) {
            return Err(RegisterError::Rule(rules::RuleError(format!(
                "this machine's clock reads {}, earlier than the register's last event ({}): \
                 the clock was set back, or that event is dated in the future; set the clock right, \
                 then try again",
                event::format_time(now),
                event::format_time(prev)
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
                .map_err(sql(path, "cannot read the register's facts"))?
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
        let changes = rules::apply(&SqlView(tx), &ev)?;
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
        .map_err(sql(path, "cannot append the event"))?;
        for c in &changes {
            write_change(tx, c).map_err(sql(path, "cannot update the derived tables"))?;
        }
        Ok(ev)
    }
}

/// Allocates the next id of a kind inside the appending transaction.
pub struct Ids<'a>(&'a Connection);

impl Ids<'_> {
    /// `P-0001`, `C-2026-0007`, `A-2026-0003`: one more than the highest with this prefix.
    pub fn next(&self, table: &str, prefix: &str, width: usize) -> Result<String> {
        let pattern = format!("{prefix}[0-9]*");
        let err = |e: rusqlite::Error| RegisterError::Usage(format!("cannot allocate an id: {e}"));
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
                    .0
                    .query_row(&q, [&pattern], |r| r.get(0))
                    .optional()
                    .map_err(err)?;
                id.and_then(|id| id[prefix.len()..].parse().ok())
            }
            _ => {
                let q = format!("SELECT id FROM {table} WHERE id GLOB ?1");
                let mut st = self.0.prepare(&q).map_err(err)?;
                let ids = st.query_map([&pattern], |r| r.get::<_, String>(0)).map_err(err)?;
                ids.filter_map(|id| id.ok()?[prefix.len()..].parse::<u64>().ok())
                    .max()
            }
        };
        let n = last.unwrap_or(0) + 1;
        Ok(format!("{prefix}{n:0width$}"))
    }
}

fn to_value(v: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

fn sql(path: &Path, what: &'static str) -> impl Fn(rusqlite::Error) -> RegisterError {
    let path = escape_path(path);
    move |error| RegisterError::Sql {
        path: path.clone(),
        what,
        error,
    }
}

const CARRIER_COLUMNS: &str = "id, kind, serial, make, model, capacity, classification, unit, custodian, holder, host_asset, label, status, ever_classified, registered_seq, updated_seq";
const APPROVAL_COLUMNS: &str = "id, carrier, serial, classification, action, nonce, approver, paper_ref, issued, expires, revoked_seq, seq";

fn bad(col: usize, what: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        col,
        rusqlite::types::Type::Text,
        format!("unknown {what}").into(),
    )
}

fn carrier_row(r: &rusqlite::Row) -> rusqlite::Result<Carrier> {
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

fn approval_row(r: &rusqlite::Row) -> rusqlite::Result<Approval> {
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

fn event_row(r: &rusqlite::Row) -> rusqlite::Result<Event> {
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
struct SqlView<'a>(&'a Connection);

impl SqlView<'_> {
    fn meta_result(&self) -> rusqlite::Result<Option<Meta>> {
        let v: Option<String> = self
            .0
            .query_row("SELECT value FROM meta WHERE key = 'register'", [], |r| r.get(0))
            .optional()?;
        Ok(v.and_then(|v| serde_json::from_str(&v).ok()))
    }

    fn person_result(&self, id: &str) -> rusqlite::Result<Option<Person>> {
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

    fn carrier_result(&self, id: &str) -> rusqlite::Result<Option<Carrier>> {
        self.0
            .query_row(
                &format!("SELECT {CARRIER_COLUMNS} FROM carriers WHERE id = ?1"),
                [id],
                carrier_row,
            )
            .optional()
    }

    fn approval_result(&self, id: &str) -> rusqlite::Result<Option<Approval>> {
        self.0
            .query_row(
                &format!("SELECT {APPROVAL_COLUMNS} FROM approvals WHERE id = ?1"),
                [id],
                approval_row,
            )
            .optional()
    }
}

impl View for SqlView<'_> {
    fn meta(&self) -> Option<Meta> {
        self.meta_result().ok().flatten()
    }
    fn person(&self, id: &str) -> Option<Person> {
        self.person_result(id).ok().flatten()
    }
    fn person_by_fingerprint(&self, fingerprint: &str) -> Option<Person> {
        let id: Option<String> = self
            .0
            .query_row(
                "SELECT id FROM people WHERE fingerprint = ?1",
                [fingerprint],
                |r| r.get(0),
            )
            .optional()
            .ok()
            .flatten();
        id.and_then(|id| self.person(&id))
    }
    fn carrier(&self, id: &str) -> Option<Carrier> {
        self.carrier_result(id).ok().flatten()
    }
    fn carriers_by_serial(&self, serial: &str) -> Vec<Carrier> {
        let q = format!("SELECT {CARRIER_COLUMNS} FROM carriers WHERE serial = ?1");
        self.0
            .prepare(&q)
            .and_then(|mut st| st.query_map([serial], carrier_row)?.collect())
            .unwrap_or_default()
    }
    fn approval(&self, id: &str) -> Option<Approval> {
        self.approval_result(id).ok().flatten()
    }
    fn approvals_for(&self, carrier: &str) -> Vec<Approval> {
        let q = format!("SELECT {APPROVAL_COLUMNS} FROM approvals WHERE carrier = ?1 ORDER BY seq");
        self.0
            .prepare(&q)
            .and_then(|mut st| st.query_map([carrier], approval_row)?.collect())
            .unwrap_or_default()
    }
}

fn write_change(conn: &Connection, change: &Change) -> rusqlite::Result<()> {
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
    let mut keys_by_person: HashMap<String, ssh_key::PublicKey> = HashMap::new();
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
        .map_err(sql(path, "cannot read events"))?;
    let mut rows = st.query([]).map_err(sql(path, "cannot read events"))?;
    let mut prev_hash = GENESIS.to_string();
    let mut prev_time = None;
    let mut expected = 1u64;
    let mut batch: Vec<(u64, ssh_key::PublicKey, String, String)> = Vec::with_capacity(SIGNATURE_BATCH);
    let mut sig_break: Option<Break> = None;
    let stop = |seq: u64, problem: String, out: &mut Audit| {
        if out.first_break.is_none() {
            out.first_break = Some(Break { seq, problem });
        }
    };
    while let Some(row) = rows.next().map_err(sql(path, "cannot read events"))? {
        let ev = event_row(row).map_err(sql(path, "cannot read events"))?;
        out.events += 1;
        out.head = Some((ev.seq, ev.hash.clone()));
        if out.first_break.is_some() {
            continue;
        }
        if ev.seq != expected {
            let problem = if ev.seq > expected {
                format!("event {expected} is missing (the next stored is {})", ev.seq)
            } else {
                format!("event {} is out of order", ev.seq)
            };
            stop(expected, problem, &mut out);
            continue;
        }
        expected += 1;
        if ev.prev_hash != prev_hash {
            stop(
                ev.seq,
                "its predecessor's hash does not match: the chain is broken before it".into(),
                &mut out,
            );
            continue;
        }
        let register_id = match &state.meta {
            Some(m) => m.register_id.clone(),
            None => serde_json::from_str::<rules::RegisterCreated>(&ev.details)
                .map(|d| d.register_id)
                .unwrap_or_default(),
        };
        if ev.computed_hash(&register_id) != ev.hash {
            stop(
                ev.seq,
                "its hash does not match its contents: it was edited".into(),
                &mut out,
            );
            continue;
        }
        prev_hash.clone_from(&ev.hash);
        let time = event::parse_time(&ev.time);
        if time.is_none() || prev_time.is_some_and(|p| time < Some(p)) {
            stop(
                ev.seq,
                "its time is malformed or earlier than its predecessor's".into(),
                &mut out,
            );
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
                format!("its actor {} is not enrolled", ev.actor),
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
                    stop(ev.seq, format!("the actor's key is malformed: {e}"), &mut out);
                    continue;
                }
            },
        };
        match rules::apply(&state, &ev) {
            Ok(changes) => state.apply(changes),
            Err(e) => {
                stop(ev.seq, format!("it breaks a rule: {e}"), &mut out);
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
    batch: &mut Vec<(u64, ssh_key::PublicKey, String, String)>,
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
                problem: "its signature does not verify with its actor's key".into(),
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
    if view.meta_result().map_err(sql(path, "cannot read meta"))? != state.meta {
        diffs.push("the register's facts (meta) disagree with register-created".into());
    }
    let count = |table: &str| -> Result<u64> {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .map_err(sql(path, "cannot count rows"))
    };
    for (table, n) in [
        ("people", state.people.len()),
        ("carriers", state.carriers.len()),
        ("approvals", state.approvals.len()),
    ] {
        let stored = count(table)?;
        if stored != n as u64 {
            diffs.push(format!("{table}: {stored} rows stored, the events give {n}"));
        }
    }
    let mut ids: Vec<&String> = state.people.keys().collect();
    ids.sort();
    for id in ids {
        if view.person_result(id).ok().flatten().as_ref() != state.people.get(id) {
            diffs.push(format!("people: {id} disagrees with the events"));
        }
    }
    let mut ids: Vec<&String> = state.carriers.keys().collect();
    ids.sort();
    for id in ids {
        if view.carrier_result(id).ok().flatten().as_ref() != state.carriers.get(id) {
            diffs.push(format!("carriers: {id} disagrees with the events"));
        }
        if diffs.len() >= 20 {
            break;
        }
    }
    let mut ids: Vec<&String> = state.approvals.keys().collect();
    ids.sort();
    for id in ids {
        if view.approval_result(id).ok().flatten().as_ref() != state.approvals.get(id) {
            diffs.push(format!("approvals: {id} disagrees with the events"));
        }
    }
    Ok(diffs)
}
