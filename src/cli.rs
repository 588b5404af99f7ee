//! The command line: clap structures whose doc comments are the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The command line with its help in the language in use: where the Chinese file has a
/// `help-PATH` (a command's about, `help-wipe`) or `help-PATH--ARG` (an option's help,
/// `help-wipe--method`), it replaces the English of the doc comments below.
pub fn localized(cmd: clap::Command) -> clap::Command {
    if mediasan::i18n::lang() == mediasan::i18n::Lang::En {
        return cmd;
    }
    localize_at(cmd, "help")
}

fn localize_at(mut cmd: clap::Command, path: &str) -> clap::Command {
    if let Some(text) = mediasan::i18n::lookup(path) {
        cmd = cmd.about(text);
    }
    let args: Vec<String> = cmd.get_arguments().map(|a| a.get_id().to_string()).collect();
    for id in args {
        if let Some(text) = mediasan::i18n::lookup(&format!("{path}--{}", id.replace('_', "-"))) {
            cmd = cmd.mut_arg(id, |a| a.help(text));
        }
    }
    let subs: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
    for name in subs {
        let sub_path = format!("{path}-{name}");
        cmd = cmd.mut_subcommand(name, |s| localize_at(s, &sub_path));
    }
    cmd
}

/// Every help id the command line has room for: `help-PATH` and `help-PATH--ARG`.
#[cfg(test)]
fn help_slots(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
    out.push(path.to_string());
    for a in cmd.get_arguments() {
        out.push(format!("{path}--{}", a.get_id().as_str().replace('_', "-")));
    }
    for s in cmd.get_subcommands() {
        help_slots(s, &format!("{path}-{}", s.get_name()), out);
    }
}

/// Secure media sanitisation: overwrite, verify and prove it.
#[derive(Debug, Parser)]
#[command(name = "mediasan", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// The station's configuration file (default /etc/mediasan/config.toml; `mediasan
    /// config show` prints what is in effect and where each value comes from).
    #[arg(long, value_name = "FILE", env = "MEDIASAN_CONFIG", global = true)]
    pub config: Option<PathBuf>,

    /// The language of messages, prompts and help: `zh` (Simplified Chinese) or `en`
    /// (default: the locale, LC_ALL, LC_MESSAGES or LANG; zh_CN.* is Chinese).
    #[arg(long, value_enum, global = true)]
    pub lang: Option<mediasan::i18n::Lang>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List attached drives: identity and its sources, hidden areas, security state,
    /// whether mediasan would wipe each, and the carrier it is in any register.
    Scan(ScanArgs),
    /// Overwrite block devices, partitions, disk images or files.
    Wipe(WipeArgs),
    /// Many registered carriers' drives at once: reconciled, confirmed once, wiped in
    /// parallel, one certificate each.
    Batch(BatchCmd),
    /// List the wipe methods with their passes and sources.
    Methods(MethodsArgs),
    /// Read a target back and check it holds a pattern, or replay an earlier wipe's check.
    Verify(VerifyArgs),
    /// The register of carriers: create it, verify it, checkpoint it, back it up.
    Register(RegisterCmd),
    /// People in the register: operators, supervisors, approvers.
    Person(PersonCmd),
    /// Carriers in the register and the events of their lives.
    Carrier(CarrierCmd),
    /// Approve the destruction of a registered carrier (or revoke an approval).
    Approve(ApproveArgs),
    /// Make an Ed25519 key pair for signing (private key 0600).
    Key(KeyCmd),
    /// Certificates: co-sign, verify, export for stock OpenSSH.
    Cert(CertCmd),
    /// Run a whole wipe on a scratch image in a temporary folder (no root needed).
    Demo(DemoArgs),
    /// Man pages, or a shell's completions.
    Generate(GenerateArgs),
    /// The station's configuration: what is in effect, and where each value came from.
    Config(ConfigCmd),
}

#[derive(Debug, Args)]
pub struct ConfigCmd {
    #[command(subcommand)]
    pub command: ConfigSub,
}

#[derive(Debug, Subcommand)]
pub enum ConfigSub {
    /// Print the effective configuration: each value, and whether it came from a flag,
    /// the environment, the file (with its line) or the built-in default.
    Show {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        register: RegisterPath,
    },
}

#[derive(Debug, Args)]
pub struct BatchCmd {
    #[command(subcommand)]
    pub command: BatchSub,
}

#[derive(Debug, Subcommand)]
pub enum BatchSub {
    /// Wipe every drive of a manifest (CSV: device, carrier, and optionally method, verify
    /// and technique; English or Chinese headers, UTF-8 or GBK).
    Run(BatchRunArgs),
    /// Wait for drives to be attached (kernel uevents) and wipe each one that is a
    /// manifest row's or an approved carrier's, after the same checks; others are shown
    /// and never touched.
    Watch(BatchWatchArgs),
}

#[derive(Debug, Args)]
pub struct BatchWatchArgs {
    /// The drives to expect: a manifest whose devices are serial:SERIAL. The watch ends
    /// when every row has been wiped.
    #[arg(
        long,
        value_name = "MANIFEST.csv",
        required_unless_present = "approved",
        conflicts_with = "approved"
    )]
    pub manifest: Option<PathBuf>,

    /// Expect every carrier that has a valid approval for this operator; the watch runs
    /// until interrupted (or --timeout).
    #[arg(long)]
    pub approved: bool,

    /// The serials confirmed when the watch starts, one a line: the policy every wipe of
    /// the watch is confirmed by (without it: the count typed at the terminal).
    #[arg(long, value_name = "FILE")]
    pub confirm_serials: Option<PathBuf>,

    /// Jobs at a time; drives that arrive beyond it wait their turn.
    #[arg(long, value_name = "N", default_value = "4")]
    pub parallel: usize,

    /// Stop waiting after this many seconds (the running jobs finish first).
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,

    #[command(flatten)]
    pub common: BatchCommon,
}

/// What `batch run` and `batch watch` share.
#[derive(Debug, Args)]
pub struct BatchCommon {
    /// How each drive is erased where its row names no technique: the host's overwrite
    /// (default), or the drive's own command (`auto`: the strongest each drive offers).
    #[arg(long, value_enum, default_value = "overwrite")]
    pub technique: mediasan::purge::Technique,

    /// Remove each drive's Host Protected Area before its wipe (see `wipe --expose-hidden`);
    /// without it a drive with hidden sectors is refused before anything is written.
    #[arg(long)]
    pub expose_hidden: bool,

    /// JSON lines instead of bars and tables.
    #[arg(long)]
    pub json: bool,

    /// Where the certificates and the batch record (batch-<time>.json) go.
    #[arg(long, value_name = "DIR", env = "MEDIASAN_CERT_DIR", default_value = ".")]
    pub cert_dir: PathBuf,

    /// Where checkpoints are kept.
    #[arg(
        long,
        value_name = "DIR",
        env = "MEDIASAN_CHECKPOINTS",
        default_value = mediasan::checkpoint::DEFAULT_DIR
    )]
    pub checkpoint_dir: PathBuf,

    /// The least share a sampled verification reads, in percent (0.1–100).
    #[arg(long, value_name = "PERCENT", env = "MEDIASAN_COVERAGE", default_value = "10")]
    pub coverage: String,

    #[command(flatten)]
    pub register: RegisterPath,

    #[command(flatten)]
    pub acting: Acting,
}

#[derive(Debug, Args)]
pub struct BatchRunArgs {
    /// The manifest: one row a drive. `device` is a path (/dev/sdc, /dev/disk/by-id/…)
    /// or serial:SERIAL.
    #[arg(value_name = "MANIFEST.csv")]
    pub manifest: PathBuf,

    /// Jobs at a time (default: one per drive, up to the larger of the processors and the buses).
    #[arg(long, value_name = "N")]
    pub parallel: Option<usize>,

    /// The serials confirmed, one a line (for scripts); without it the operator types
    /// the last four characters of each drive's serial.
    #[arg(long, value_name = "FILE")]
    pub confirm_serials: Option<PathBuf>,

    /// Continue the unfinished rows of the newest batch record of this manifest in
    /// --cert-dir: interrupted jobs from their checkpoints, jobs never started afresh.
    #[arg(long)]
    pub resume: bool,

    #[command(flatten)]
    pub common: BatchCommon,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// One JSON object per drive, one a line.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub register: RegisterPath,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(subcommand)]
    pub what: GenerateSub,
}

#[derive(Debug, Subcommand)]
pub enum GenerateSub {
    /// One man page per command (mediasan.1, mediasan-wipe.1, …) into a folder.
    Man {
        #[arg(long, value_name = "DIR", default_value = "docs/man")]
        dir: PathBuf,
    },
    /// Completions for a shell, on standard output.
    Completions {
        #[arg(value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct WipeArgs {
    /// Block devices (/dev/sdX, /dev/disk/by-id/…, /dev/loopN), partitions, images or files.
    #[arg(required = true, value_name = "TARGET")]
    pub targets: Vec<PathBuf>,

    /// Wipe every regular file under the directories named: never following symbolic
    /// links, never leaving the file system it starts on, skipping device nodes.
    #[arg(short = 'r', long)]
    pub recursive: bool,

    /// Wipe method (see `mediasan methods`); default `random`.
    #[arg(long, value_name = "NAME", conflicts_with = "passes")]
    pub method: Option<String>,

    /// Custom pass sequence, e.g. `0x00,0xFF,0x55AA,random`.
    #[arg(long, value_name = "LIST")]
    pub passes: Option<String>,

    /// Append a final 0x00 pass.
    #[arg(long)]
    pub blank: bool,

    /// Print the plan, the safety checks and an estimate; write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// The serial number of each block device to wipe, as the device reports it (for a loop
    /// device: its backing file's path). Repeat for several devices.
    #[arg(long, value_name = "SERIAL")]
    pub confirm: Vec<String>,

    /// Machine-readable output: one JSON object a line (progress events, then the result).
    #[arg(long)]
    pub json: bool,

    /// For the certificate (NIST SP 800-88 r1 Appendix G): whether the data on the
    /// medium was backed up before the wipe.
    #[arg(long, value_name = "ANSWER", default_value = "unknown")]
    pub backed_up: mediasan::cert::BackedUp,

    /// Where the backup is, when there is one.
    #[arg(long, value_name = "WHERE", requires = "backed_up")]
    pub backup_location: Option<String>,

    /// Let the process PID hold the target open for writing (its writes are destroyed
    /// with the rest). Repeat for each process; mounts, swap and holders stay refused.
    #[arg(long, value_name = "PID")]
    pub allow_open_by: Vec<u32>,

    /// Read back after writing: `sample` (the last pass at sampled locations), `last`
    /// (the last pass, every byte), `all` (every pass, every byte) or `none`. Default: what
    /// the configuration sets for the carrier's classification, else `sample`.
    #[arg(long, value_name = "MODE")]
    pub verify: Option<mediasan::model::report::VerifyMode>,

    /// The least share of the target a sampled verification reads, in percent (0.1–100).
    #[arg(long, value_name = "PERCENT", env = "MEDIASAN_COVERAGE", default_value = "10")]
    pub coverage: String,

    /// Write the result (format mediasan-result/1) to this file; one target only.
    #[arg(long, value_name = "FILE")]
    pub result: Option<PathBuf>,

    /// The registered carrier this device is: checks its serial and approval, records
    /// wipe-started and wipe-finished in the register.
    #[arg(long, value_name = "ID")]
    pub carrier: Option<String>,

    #[command(flatten)]
    pub register: RegisterPath,

    #[command(flatten)]
    pub acting: Acting,

    /// Continue an interrupted wipe from its checkpoint: same method, keys and passes.
    #[arg(long)]
    pub resume: bool,

    /// Where checkpoints are kept (0600 files, one per target).
    #[arg(
        long,
        value_name = "DIR",
        env = "MEDIASAN_CHECKPOINTS",
        default_value = mediasan::checkpoint::DEFAULT_DIR
    )]
    pub checkpoint_dir: PathBuf,

    /// How to erase: the host's overwrite (default), or one of the drive's own commands
    /// (`mediasan methods` lists them; `auto` picks the strongest the drive offers).
    #[arg(long, value_enum, default_value = "overwrite")]
    pub technique: mediasan::purge::Technique,

    /// Remove the drive's Host Protected Area before the wipe (after confirmation), so
    /// that every native sector is written; the change lasts until the drive is
    /// powered off. Without it, a hidden area makes the outcome incomplete.
    #[arg(long)]
    pub expose_hidden: bool,

    /// Where the certificate goes (written when the wipe is signed: --carrier, or --key).
    #[arg(long, value_name = "DIR", env = "MEDIASAN_CERT_DIR", default_value = ".")]
    pub cert_dir: PathBuf,

    /// Bytes per write (a multiple of 4096); for benchmarks.
    #[arg(long, value_name = "BYTES", hide = true)]
    pub block_size: Option<usize>,

    /// Threads generating the random stream; for benchmarks.
    #[arg(long, value_name = "N", hide = true)]
    pub threads: Option<usize>,
}

/// Where the register is.
#[derive(Debug, Args, Clone)]
pub struct RegisterPath {
    /// The register database.
    #[arg(
        long = "register",
        value_name = "PATH",
        env = "MEDIASAN_REGISTER",
        default_value = mediasan::register::DEFAULT_PATH,
        global = true
    )]
    pub path: PathBuf,

    /// The machine's index of registers: `register init` adds to it, and a wipe
    /// checks every register it lists for the target.
    #[arg(
        long = "index",
        value_name = "FILE",
        env = "MEDIASAN_INDEX",
        default_value = mediasan::register::index::DEFAULT_INDEX,
        global = true
    )]
    pub index: PathBuf,
}

/// Who acts: every event is signed by the person who acts.
#[derive(Debug, Args, Clone)]
pub struct Acting {
    /// Your OpenSSH private key (its passphrase is asked for on the terminal).
    #[arg(long, value_name = "FILE", env = "MEDIASAN_KEY")]
    pub key: Option<PathBuf>,
    /// Read the key's passphrase from this file instead of asking (for scripts).
    #[arg(long, value_name = "FILE", env = "MEDIASAN_PASSPHRASE_FILE")]
    pub key_passphrase_file: Option<PathBuf>,
    /// Sign with a key held by ssh-agent (hardware tokens included): its only key, or the
    /// one with this fingerprint (SHA256:…) or public key file.
    #[arg(long, value_name = "KEY", num_args = 0..=1, default_missing_value = "", conflicts_with = "key")]
    pub agent: Option<String>,
}

#[derive(Debug, Args)]
pub struct RegisterCmd {
    #[command(subcommand)]
    pub command: RegisterSub,
    #[command(flatten)]
    pub register: RegisterPath,
}

#[derive(Debug, Subcommand)]
pub enum RegisterSub {
    /// Create a register and enrol its founding approver, who signs their own enrolment.
    Init {
        /// The organisation (unit) the register belongs to (default: the configuration's
        /// `organisation`).
        #[arg(long)]
        org: Option<String>,
        /// Where it is (default: the configuration's `location`).
        #[arg(long)]
        location: Option<String>,
        /// The founding approver's name.
        #[arg(long)]
        name: String,
        #[arg(long)]
        title: Option<String>,
        /// The founder's person id (ASCII letters, digits, '-', '_', '.').
        #[arg(long, default_value = "P-0001")]
        id: String,
        /// The founder's public key.
        #[arg(long, value_name = "FILE.pub")]
        key: PathBuf,
        /// The founder's private key (the pair of --key: proof of possession).
        #[arg(long, value_name = "KEY")]
        signed_by: PathBuf,
        /// Read the key's passphrase from this file instead of asking (for scripts).
        #[arg(long, value_name = "FILE", env = "MEDIASAN_PASSPHRASE_FILE")]
        key_passphrase_file: Option<PathBuf>,
        /// How many supervisors must co-sign each certificate.
        #[arg(long, default_value_t = 1)]
        supervisors: u32,
    },
    /// Recompute the chain, every signature and the derived tables; name the first break.
    Verify {
        /// A head filed on paper, `SEQ:HASH`, that must still be in the chain.
        #[arg(long, value_name = "SEQ:HASH")]
        anchor: Vec<String>,
        /// The register id filed on paper at `init`: a re-initialised register has another.
        #[arg(long, value_name = "ID")]
        register_id: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Identify image carriers registered by their path by the file itself
    /// (device and inode), so that a new name, a link or a bind mount stays the carrier.
    Migrate {
        #[command(flatten)]
        acting: Acting,
    },
    /// A supervisor signs the chain's head; print it and file it on paper.
    Checkpoint {
        #[command(flatten)]
        acting: Acting,
    },
    /// A consistent copy of the register (the WAL included).
    Backup {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct PersonCmd {
    #[command(subcommand)]
    pub command: PersonSub,
    #[command(flatten)]
    pub register: RegisterPath,
}

#[derive(Debug, Subcommand)]
pub enum PersonSub {
    /// Enrol a person, signed by an approver.
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        role: mediasan::register::Role,
        /// Their public key.
        #[arg(long, value_name = "FILE.pub")]
        key: PathBuf,
        /// An approver's private key.
        #[arg(long, value_name = "KEY", env = "MEDIASAN_KEY")]
        signed_by: PathBuf,
        /// Read the key's passphrase from this file instead of asking (for scripts).
        #[arg(long, value_name = "FILE", env = "MEDIASAN_PASSPHRASE_FILE")]
        key_passphrase_file: Option<PathBuf>,
        /// Their person id (ASCII letters, digits, '-', '_', '.'); default the next P-NNNN.
        #[arg(long)]
        id: Option<String>,
    },
    /// List the people.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Retire a person: they can no longer act.
    Retire {
        id: String,
        #[command(flatten)]
        acting: Acting,
    },
}

#[derive(Debug, Args)]
pub struct CarrierCmd {
    #[command(subcommand)]
    pub command: CarrierSub,
    #[command(flatten)]
    pub register: RegisterPath,
}

#[derive(Debug, Subcommand)]
pub enum CarrierSub {
    /// Register a carrier.
    Add {
        #[arg(long)]
        kind: mediasan::register::CarrierKind,
        #[arg(long)]
        serial: String,
        #[arg(long, default_value = "")]
        make: String,
        #[arg(long, default_value = "")]
        model: String,
        /// Capacity in bytes.
        #[arg(long, default_value_t = 0)]
        capacity: u64,
        #[arg(long)]
        classification: mediasan::register::Classification,
        /// The unit (department) it belongs to.
        #[arg(long, default_value = "")]
        unit: String,
        /// The person accountable for it.
        #[arg(long)]
        custodian: String,
        /// The machine it sits in (a printer drive's MFP, say).
        #[arg(long)]
        host_asset: Option<String>,
        /// The label on it.
        #[arg(long)]
        label: Option<String>,
        #[command(flatten)]
        acting: Acting,
    },
    /// List carriers (`--custodian P`: what a departing person must return, art. 17).
    List {
        #[arg(long)]
        status: Option<mediasan::register::Status>,
        #[arg(long)]
        classification: Option<mediasan::register::Classification>,
        #[arg(long)]
        custodian: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// One carrier with its approvals and events.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Issue it to a person.
    Issue {
        id: String,
        #[arg(long)]
        to: String,
        #[command(flatten)]
        acting: Acting,
    },
    /// Take it back into store.
    Return {
        id: String,
        #[command(flatten)]
        acting: Acting,
    },
    /// Make another person its custodian.
    Transfer {
        id: String,
        #[arg(long)]
        to: String,
        #[command(flatten)]
        acting: Acting,
    },
    /// Out for repair (on site, supervised: art. 28).
    RepairOut {
        id: String,
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        acting: Acting,
    },
    /// Back from repair.
    RepairIn {
        id: String,
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        acting: Acting,
    },
    /// Hand over for destruction (送销).
    HandOver {
        id: String,
        /// Where it goes.
        #[arg(long)]
        facility: Option<String>,
        #[command(flatten)]
        acting: Acting,
    },
    /// Record its physical destruction; several methods may follow each other (art. 24).
    Destroy {
        id: String,
        /// degauss, shred, incinerate or other.
        #[arg(long)]
        method: String,
        #[arg(long)]
        facility: String,
        #[arg(long)]
        receipt: Option<String>,
        #[command(flatten)]
        acting: Acting,
    },
    /// Record its disposal (never reuse outside for a carrier that was ever classified).
    Dispose {
        id: String,
        #[arg(long)]
        destination: String,
        /// It leaves the unit for reuse (donation, sale, return to a lessor).
        #[arg(long)]
        external_reuse: bool,
        #[command(flatten)]
        acting: Acting,
    },
    /// Register every carrier of a CSV file (UTF-8 or GBK): all of them or none.
    Import {
        file: PathBuf,
        #[command(flatten)]
        acting: Acting,
    },
    /// Write the carriers as CSV (UTF-8 with BOM, for Excel).
    Export {
        /// The file to write; standard output by default.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// The carrier whose destruction is approved.
    #[arg(value_name = "CARRIER", required_unless_present = "revoke")]
    pub carrier: Option<String>,
    /// Days the approval stays valid.
    #[arg(long, value_name = "DAYS", default_value_t = 30)]
    pub valid_for: u32,
    /// The number of a leader's signed paper approval form, recorded by a supervisor.
    #[arg(long, value_name = "NO.")]
    pub paper_ref: Option<String>,
    /// Revoke this approval instead.
    #[arg(long, value_name = "APPROVAL", conflicts_with_all = ["carrier", "paper_ref"])]
    pub revoke: Option<String>,
    #[arg(long, requires = "revoke")]
    pub reason: Option<String>,
    #[command(flatten)]
    pub acting: Acting,
    #[command(flatten)]
    pub register: RegisterPath,
}

#[derive(Debug, Args)]
pub struct CertCmd {
    #[command(subcommand)]
    pub command: CertSub,
    #[command(flatten)]
    pub register: RegisterPath,
}

#[derive(Debug, Subcommand)]
pub enum CertSub {
    /// Add a supervisor's signature (the signer must be a supervisor, not the operator).
    Cosign {
        #[arg(
            value_name = "CERT",
            required_unless_present = "batch",
            conflicts_with = "batch"
        )]
        cert: Option<PathBuf>,
        /// Co-sign every certificate of a batch record (batch-<time>.json), after one
        /// confirmation.
        #[arg(long, value_name = "BATCH.json")]
        batch: Option<PathBuf>,
        /// The number of certificates in the batch, confirmed without a prompt (scripts).
        #[arg(long, value_name = "N", requires = "batch")]
        confirm_count: Option<usize>,
        #[command(flatten)]
        acting: Acting,
    },
    /// Check the digest, every signature, who signed in which role, and the register link.
    Verify {
        /// The certificate: its .cert.json, or a PDF `cert render` printed (the signed file
        /// attached inside is what is checked).
        #[arg(value_name = "CERT")]
        cert: PathBuf,
        /// Establish who signed from an OpenSSH allowed-signers file instead of the register.
        #[arg(long, value_name = "FILE")]
        allowed_signers: Option<PathBuf>,
        /// The register id filed on paper: the certificate must be linked to it, and the
        /// register consulted must be it.
        #[arg(long, value_name = "ID")]
        register_id: Option<String>,
        /// The font a printed certificate (PDF) was rendered with (`cert render --font`), to
        /// render it again and compare (default: the font built into mediasan).
        #[arg(long, value_name = "FILE")]
        font: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// A printable certificate: PDF and/or HTML, labels in Chinese and English.
    Render {
        #[arg(value_name = "CERT")]
        cert: PathBuf,
        #[arg(long, value_name = "FILE", required_unless_present = "html")]
        pdf: Option<PathBuf>,
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
        /// Another TrueType/OpenType font (.ttf, .otf) with Latin and Chinese glyphs to embed
        /// (default: the font built into mediasan, which covers GB 2312 level 1).
        #[arg(long, value_name = "FILE")]
        font: Option<PathBuf>,
    },
    /// Write the canonical body, one .sig per signer and an allowed_signers file, for
    /// `ssh-keygen -Y verify`.
    Export {
        #[arg(value_name = "CERT")]
        cert: PathBuf,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct KeyCmd {
    #[command(subcommand)]
    pub command: KeySub,
}

#[derive(Debug, Subcommand)]
pub enum KeySub {
    /// A new Ed25519 key pair: FILE (0600) and FILE.pub.
    New {
        /// A name for the key (its comment).
        #[arg(long)]
        name: String,
        /// Where to write it (default: the name, in the current folder).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Protect it with a passphrase read from this file (or asked for with --ask); the
        /// file wins over --ask, so that a script can answer for the person.
        #[arg(long, value_name = "FILE", env = "MEDIASAN_PASSPHRASE_FILE")]
        passphrase_file: Option<PathBuf>,
        /// Ask for a passphrase on the terminal.
        #[arg(long)]
        ask: bool,
    },
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The block device, image or file to read.
    #[arg(value_name = "TARGET")]
    pub target: PathBuf,

    /// The pattern the target must hold: `zero`, `one`, or hex such as `0xAA` or `0x924924`.
    #[arg(
        long,
        value_name = "PATTERN",
        required_unless_present = "replay",
        conflicts_with = "replay"
    )]
    pub expect: Option<String>,

    /// Re-run the check of an earlier wipe: its last pass's pattern and key, and its sample's
    /// seed (or, with --full, every byte).
    #[arg(long, value_name = "RESULT.json")]
    pub replay: Option<PathBuf>,

    /// Read every byte instead of a sample.
    #[arg(long)]
    pub full: bool,

    /// The least share a sample reads, in percent (0.1–100); a fresh seed is drawn.
    #[arg(long, value_name = "PERCENT", default_value = "10", conflicts_with = "replay")]
    pub coverage: String,

    /// Machine-readable output: one JSON object a line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct MethodsArgs {
    /// Print the list as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo's artefacts (default: a new temporary folder, kept afterwards).
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every Chinese help text names a command or an option that exists (none left
    /// behind by a rename), and every command has one.
    #[test]
    fn the_chinese_help_fits_the_command_line() {
        let mut slots = Vec::new();
        super::help_slots(&super::Cli::command(), "help", &mut slots);
        let ids = mediasan::i18n::help_ids();
        let stale: Vec<&String> = ids.iter().filter(|id| !slots.contains(id)).collect();
        assert!(stale.is_empty(), "help ids with no command or option: {stale:?}");
        let commands: Vec<&String> = slots.iter().filter(|s| !s.contains("--")).collect();
        let missing: Vec<&&String> = commands.iter().filter(|c| !ids.contains(c)).collect();
        assert!(
            missing.is_empty(),
            "commands without a Chinese help text: {missing:?}"
        );
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn method_and_passes_exclude_each_other() {
        let r = Cli::try_parse_from(["mediasan", "wipe", "x", "--method", "zero", "--passes", "0x00"]);
        assert!(r.is_err());
        let c = Cli::try_parse_from(["mediasan", "wipe", "a", "b", "--confirm", "S1", "--confirm", "S2"])
            .unwrap();
        match c.command {
            Command::Wipe(w) => assert_eq!((w.targets.len(), w.confirm.len()), (2, 2)),
            _ => panic!("wipe expected"),
        }
    }
}
