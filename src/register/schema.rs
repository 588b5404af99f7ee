//! The SQLite schema: its version and the migrations up to it.

/// The schema this mediasan writes (`PRAGMA user_version`).
pub const SCHEMA_VERSION: u32 = 1;

/// Migrations, in order: `MIGRATIONS[i]` takes schema `i` to `i + 1`.
pub(super) const MIGRATIONS: &[&str] = &[r#"
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
