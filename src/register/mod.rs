//! The register of carriers (台账): a signed, hash-chained, append-only log of
//! events in SQLite, and the people, carriers and approvals derived from it.
//!
//! Every event is hashed over a canonical encoding that includes its
//! predecessor's hash, and signed by the person who acts. Triggers refuse
//! UPDATE and DELETE on events, but they are only a guard rail: `verify`
//! recomputes the chain and every signature, replays the rules into a fresh
//! state and compares it with the derived tables. See `docs/register.md`.

mod append;
mod audit;
pub mod csv;
pub mod event;
pub mod index;
pub mod ops;
pub mod rules;
mod schema;
mod views;

use append::to_value;
pub use append::{Appender, Ids};
pub use audit::{Audit, Break};
use views::{event_row, SqlView, APPROVAL_COLUMNS, CARRIER_COLUMNS};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use crate::escape;
use crate::keys::{self, KeyError, Signer};
pub use event::{Event, Kind, GENESIS, NAMESPACE};
pub use ops::NewCarrier;
pub use rules::{
    Approval, Carrier, CarrierKind, Change, Classification, Meta, Person, Role, RuleError, Status, View,
};

/// Default location of the register.
pub const DEFAULT_PATH: &str = "/var/lib/mediasan/register.db";
use schema::MIGRATIONS;
pub use schema::SCHEMA_VERSION;

impl From<RuleError> for RegisterError {
    fn from(e: RuleError) -> RegisterError {
        RegisterError::Rule(e)
    }
}

/// Why a register operation failed. Said in the language in use (see the `Display`
/// below).
#[derive(Debug)]
pub enum RegisterError {
    Missing {
        path: String,
    },
    Exists {
        path: String,
    },
    NotARegister {
        path: String,
        detail: String,
    },
    NewerSchema {
        path: String,
        found: u32,
        known: u32,
    },
    // The cause is in the message, not a source too: said once. `what` says what
    // failed, in the language in use; asked only when the error is shown.
    Sql {
        path: String,
        what: fn() -> String,
        error: rusqlite::Error,
    },
    // The rule's words are in the message, not a source too: said once.
    Rule(RuleError),
    NotEnrolled {
        fingerprint: String,
    },
    Key(KeyError),
    /// A register or a backup mediasan will not write where it was asked to.
    File(crate::files::FileError),
    Usage(String),
    /// The error of one carrier of several registered together (its 0-based index).
    Row {
        index: usize,
        error: Box<RegisterError>,
    },
}

impl std::fmt::Display for RegisterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            RegisterError::Missing { path } => crate::t!("register-missing", path = path.as_str()),
            RegisterError::Exists { path } => crate::t!("register-exists", path = path.as_str()),
            RegisterError::NotARegister { path, detail } => crate::t!(
                "register-not-a-register",
                path = path.as_str(),
                detail = detail.as_str()
            ),
            RegisterError::NewerSchema { path, found, known } => crate::t!(
                "register-newer-schema",
                path = path.as_str(),
                found = found.to_string(),
                known = known.to_string()
            ),
            RegisterError::Sql { path, what, error } => crate::t!(
                "register-sql",
                path = path.as_str(),
                what = what(),
                error = error.to_string()
            ),
            RegisterError::Rule(r) => crate::t!("register-refused", rule = r.0.as_str()),
            RegisterError::NotEnrolled { fingerprint } => {
                crate::t!("register-not-enrolled", fingerprint = fingerprint.as_str())
            }
            RegisterError::Key(k) => return std::fmt::Display::fmt(k, f),
            RegisterError::File(e) => return std::fmt::Display::fmt(e, f),
            RegisterError::Usage(m) => return f.write_str(m),
            // A refusal says so first: "refused: carrier 2: …".
            RegisterError::Row { index, error } => match error.as_ref() {
                RegisterError::Rule(r) => crate::t!(
                    "register-refused",
                    rule = crate::t!("register-row", index = index.to_string(), error = r.0.as_str())
                ),
                other => crate::t!(
                    "register-row",
                    index = index.to_string(),
                    error = other.to_string()
                ),
            },
        };
        f.write_str(&text)
    }
}

impl std::error::Error for RegisterError {
    // A key's error is the key's (as `#[error(transparent)]` had it): its own source.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RegisterError::Key(k) => std::error::Error::source(k),
            _ => None,
        }
    }
}

impl From<crate::files::FileError> for RegisterError {
    fn from(e: crate::files::FileError) -> RegisterError {
        match e {
            crate::files::FileError::Exists { path } => RegisterError::Exists {
                path: escape::path(&path),
            },
            e => RegisterError::File(e),
        }
    }
}

impl From<KeyError> for RegisterError {
    fn from(e: KeyError) -> RegisterError {
        RegisterError::Key(e)
    }
}

impl RegisterError {
    /// Exit codes (README.md): refusals 3, unusable input 2, failures 1.
    pub fn exit_code(&self) -> u8 {
        match self {
            RegisterError::Rule(_) | RegisterError::NotEnrolled { .. } => 3,
            RegisterError::Key(k) => k.exit_code(),
            RegisterError::File(e) => e.exit_code(),
            RegisterError::Sql { .. } => 1,
            RegisterError::Row { error, .. } => error.exit_code(),
            _ => 2,
        }
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            RegisterError::Missing { .. } => Some(crate::t!("register-missing-hint")),
            RegisterError::NewerSchema { .. } => Some(crate::t!("register-newer-schema-hint")),
            RegisterError::NotEnrolled { .. } => Some(crate::t!("register-not-enrolled-hint")),
            RegisterError::Row { error, .. } => error.hint(),
            RegisterError::File(e) => e.hint(),
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
    clock: Clock,
}

/// Where an operation reads the time: once, at its start (every event it appends,
/// every id and expiry it computes, has that time). The system clock unless set.
pub type Clock = fn() -> chrono::DateTime<Utc>;

impl Register {
    /// Creates a register at `path` with its founding approver, who signs both the
    /// creation and their own enrolment (proof that they hold the key).
    pub fn create(
        path: &Path,
        founding: &Founding,
        founder_key: &keys::PublicKey,
        signer: &Signer,
    ) -> Result<Register> {
        if path.exists() {
            return Err(RegisterError::Exists {
                path: escape::path(path),
            });
        }
        if founder_key.fingerprint() != signer.fingerprint() {
            return Err(RegisterError::Usage(crate::t!(
                "register-signed-by-mismatch",
                signer = signer.fingerprint(),
                public = founder_key.fingerprint()
            )));
        }
        if !rules::valid_id(founding.id) {
            return Err(RegisterError::Usage(crate::t!(
                "register-founder-id",
                person = format!("{:?}", founding.id)
            )));
        }
        // The file is made by mediasan in a folder only root can change (never through a
        // link planted there), private; SQLite's -wal and -shm take its mode.
        let (folder, name) = crate::files::create_folder_of(path)?;
        folder.create_empty(name)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = match Connection::open_with_flags(path, flags) {
            Ok(c) => c,
            Err(e) => {
                let _ = std::fs::remove_file(path);
                return Err(sql(path, || crate::t!("register-sql-create"))(e));
            }
        };
        let mut reg = Register {
            conn,
            path: path.to_path_buf(),
            clock: Utc::now,
        };
        reg.configure()?;
        reg.migrate(0)?;
        let mut id = [0u8; 16];
        getrandom::fill(&mut id)
            .map_err(|e| RegisterError::Usage(crate::t!("register-no-entropy-id", error = e.to_string())))?;
        let register_id = event::hex(&id);
        let public = founder_key.line();
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
                Ok((String::new(), to_value(&created)?))
            })?;
            t.append_as(Kind::PersonEnrolled, founding.id, signer, |_| {
                Ok((founding.id.to_string(), to_value(&enrolled)?))
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
                path: escape::path(path),
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(sql(path, || crate::t!("register-sql-open")))?;
        conn.busy_timeout(Duration::from_secs(30))
            .map_err(sql(path, || crate::t!("register-sql-busy-timeout")))?;
        let reg = Register {
            conn,
            path: path.to_path_buf(),
            clock: Utc::now,
        };
        let shown = || escape::path(path);
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
                detail: crate::t!("register-no-schema"),
            });
        }
        Ok(reg)
    }

    /// Opens an existing register, migrating an older schema.
    pub fn open(path: &Path) -> Result<Register> {
        if !path.exists() {
            return Err(RegisterError::Missing {
                path: escape::path(path),
            });
        }
        // Written to, with its -wal and -shm beside it: only in a folder only root can
        // change, and private (a register made by an older mediasan is made so now).
        crate::files::folder_of(path)?;
        crate::files::tighten(path)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn =
            Connection::open_with_flags(path, flags).map_err(sql(path, || crate::t!("register-sql-open")))?;
        let mut reg = Register {
            conn,
            path: path.to_path_buf(),
            clock: Utc::now,
        };
        let version: u32 = reg
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| RegisterError::NotARegister {
                path: escape::path(path),
                detail: e.to_string(),
            })?;
        if version > SCHEMA_VERSION {
            return Err(RegisterError::NewerSchema {
                path: escape::path(path),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        if version == 0 {
            return Err(RegisterError::NotARegister {
                path: escape::path(path),
                detail: crate::t!("register-no-schema"),
            });
        }
        reg.configure()?;
        reg.migrate(version)?;
        if reg.meta()?.is_none() {
            return Err(RegisterError::NotARegister {
                path: escape::path(path),
                detail: crate::t!("register-no-created"),
            });
        }
        Ok(reg)
    }

    fn configure(&self) -> Result<()> {
        let p = &self.path;
        self.conn
            .busy_timeout(Duration::from_secs(30))
            .map_err(sql(p, || crate::t!("register-sql-busy-timeout")))?;
        self.conn
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(sql(p, || crate::t!("register-sql-wal")))?;
        self.conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(sql(p, || crate::t!("register-sql-synchronous")))?;
        Ok(())
    }

    fn migrate(&mut self, from: u32) -> Result<()> {
        for (i, step) in MIGRATIONS.iter().enumerate().skip(from as usize) {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(sql(&self.path, || crate::t!("register-sql-migration")))?;
            tx.execute_batch(step)
                .map_err(sql(&self.path, || crate::t!("register-sql-migration")))?;
            tx.pragma_update(None, "user_version", (i + 1) as u32)
                .map_err(sql(&self.path, || crate::t!("register-sql-migration")))?;
            tx.commit()
                .map_err(sql(&self.path, || crate::t!("register-sql-migration")))?;
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
            .map_err(sql(&self.path, || crate::t!("register-sql-read-facts")))
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
            .map_err(sql(&path, || crate::t!("register-sql-begin")))?;
        let mut appender = Appender {
            tx,
            path,
            now: (self.clock)(),
        };
        let out = f(&mut appender)?;
        appender
            .tx
            .commit()
            .map_err(sql(&appender.path, || crate::t!("register-sql-commit")))?;
        Ok(out)
    }

    /// Reads the time from `clock` from now on (tests, a trusted time source).
    pub fn with_clock(mut self, clock: Clock) -> Register {
        self.clock = clock;
        self
    }

    /// The time an operation that starts now has.
    pub fn now(&self) -> chrono::DateTime<Utc> {
        (self.clock)()
    }

    /// A consistent copy of the whole register (the WAL included) at `to`.
    pub fn backup(&self, to: &Path) -> Result<()> {
        if to.exists() {
            return Err(RegisterError::Exists {
                path: escape::path(to),
            });
        }
        // VACUUM INTO writes a private file mediasan made (an empty file it may fill) in a
        // checked folder, renamed into place only if nothing took the name meanwhile.
        let (folder, name) = crate::files::folder_of(to)?;
        let staged = folder.stage(name)?;
        let temp = staged.temp_path();
        let target = temp
            .to_str()
            .ok_or_else(|| RegisterError::Usage(crate::t!("register-backup-utf8")))?;
        self.conn
            .execute("VACUUM INTO ?1", [target])
            .map_err(sql(&self.path, || crate::t!("register-sql-backup")))?;
        staged.commit(false)?;
        Ok(())
    }

    pub(crate) fn conn_ref(&self) -> &Connection {
        &self.conn
    }
}

/// An SQL failure at `path`; `what` says what failed, in the language in use (asked when
/// the error is shown, not on every call that might fail).
fn sql(path: &Path, what: fn() -> String) -> impl Fn(rusqlite::Error) -> RegisterError {
    let path = escape::path(path);
    move |error| RegisterError::Sql {
        path: path.clone(),
        what,
        error,
    }
}
