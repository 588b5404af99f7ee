//! Helpers shared by the integration tests: the binary, loop devices that
//! detach themselves, tmpfs mounts that unmount themselves, markers, and the
//! expected bytes of a pass.
#![allow(dead_code)]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use mediasan::pattern::{Pattern, StreamKey};

pub fn bin() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("mediasan").expect("the mediasan binary is built");
    // Tests keep their checkpoints out of the system's folder.
    cmd.env(
        "MEDIASAN_CHECKPOINTS",
        std::env::temp_dir().join("mediasan-test-checkpoints"),
    )
    // Tests never add to (or read) the machine's index of registers.
    .env("MEDIASAN_INDEX", test_index())
    // Nor its configuration (/etc/mediasan/config.toml): an empty one.
    .env("MEDIASAN_CONFIG", "/dev/null")
    // English, whatever the machine's locale (tests/i18n.rs asks for Chinese itself).
    .env("LANG", "C")
    .env_remove("LC_ALL")
    .env_remove("LC_MESSAGES");
    cmd
}

/// The binary as a plain `std::process::Command` (for children a test signals or reads
/// as they run), with the same environment as [`bin`]: no machine configuration, English.
pub fn raw() -> Command {
    let mut cmd = Command::new(bin_path());
    cmd.env("MEDIASAN_CONFIG", "/dev/null")
        .env("LANG", "C")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES");
    cmd
}

/// The index of registers of this test process: none of the machine's.
pub fn test_index() -> PathBuf {
    std::env::temp_dir().join(format!("mediasan-test-index-{}", std::process::id()))
}

pub fn bin_path() -> PathBuf {
    assert_cmd::cargo::cargo_bin("mediasan")
}

/// Prints why a test does not run here; the test then returns early. Written to
/// the stderr handle directly, which the test harness does not capture, so the
/// reason shows in CI's log.
pub fn skip(test: &str, reason: &str) {
    let _ = writeln!(std::io::stderr(), "SKIP {test}: {reason}");
}

pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// A loop device, detached on drop (also when the test fails).
pub struct Loop {
    pub dev: PathBuf,
    pub backing: PathBuf,
}

impl Loop {
    /// Attaches `backing`, or says why it cannot (not root, no losetup, no loop support).
    pub fn attach(backing: &Path, sector: Option<u32>, read_only: bool) -> Result<Loop, String> {
        if !is_root() {
            return Err("needs root for losetup".into());
        }
        // One attach at a time across test processes: `losetup -f` picks a free
        // device and binds it in two steps.
        let lock = fs::File::create(std::env::temp_dir().join("mediasan-tests-losetup.lock"))
            .map_err(|e| e.to_string())?;
        let _held = nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, e)| e.to_string())?;
        let mut cmd = Command::new("losetup");
        cmd.arg("-f").arg("--show");
        if let Some(s) = sector {
            cmd.arg("--sector-size").arg(s.to_string());
        }
        if read_only {
            cmd.arg("-r");
        }
        let out = cmd
            .arg(backing)
            .output()
            .map_err(|e| format!("cannot run losetup: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "losetup failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let dev = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        Ok(Loop {
            dev,
            backing: fs::canonicalize(backing).unwrap(),
        })
    }

    pub fn serial(&self) -> String {
        self.backing.to_str().unwrap().to_string()
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = Command::new("losetup").arg("-d").arg(&self.dev).status();
    }
}

/// A tmpfs mounted on a temporary folder, unmounted on drop.
pub struct Tmpfs {
    pub dir: tempfile::TempDir,
}

impl Tmpfs {
    pub fn mount(size: &str) -> Result<Tmpfs, String> {
        if !is_root() {
            return Err("needs root to mount a tmpfs".into());
        }
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let st = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .map_err(|e| e.to_string())?;
        if !st.success() {
            return Err("mount -t tmpfs failed".into());
        }
        Ok(Tmpfs { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

pub const MARKER: &[u8] = b"MEDIASAN-TEST-MARKER-";

/// Writes a file of `size` bytes holding distinct markers every 4 KiB (and one
/// straddling the end); returns how many were planted.
pub fn plant_markers(path: &Path, size: u64) -> usize {
    let mut data = vec![b'.'; size as usize];
    let mut n = 0;
    let mut at = 0usize;
    while at < data.len() {
        let m = format!("{}{n:08}", String::from_utf8_lossy(MARKER));
        let len = m.len().min(data.len() - at);
        data[at..at + len].copy_from_slice(&m.as_bytes()[..len]);
        if len == m.len() {
            n += 1;
        }
        at += 4096;
    }
    let mut f = fs::File::create(path).unwrap();
    f.write_all(&data).unwrap();
    f.sync_all().unwrap();
    n
}

pub fn count_markers(data: &[u8]) -> usize {
    data.windows(MARKER.len()).filter(|w| *w == MARKER).count()
}

/// The bytes a pass writes over `0..size`, from its label and (for random) its key.
pub fn expected(label: &str, key: Option<&str>, size: u64) -> Vec<u8> {
    let pattern = pattern_of(label, key);
    let mut v = vec![0u8; size as usize];
    pattern.fill(0, &mut v);
    v
}

pub fn pattern_of(label: &str, key: Option<&str>) -> Pattern {
    if label == "random" {
        Pattern::Random(StreamKey::from_hex(key.expect("a random pass records its key")).unwrap())
    } else {
        let digits = label.strip_prefix("0x").unwrap();
        let bytes = (0..digits.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap())
            .collect();
        Pattern::Fixed(bytes)
    }
}

/// Index of the first byte where `a` and `b` differ.
pub fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    if a.len() != b.len() {
        return Some(a.len().min(b.len()));
    }
    a.iter().zip(b).position(|(x, y)| x != y)
}

/// Checks that `data` equals the last pass of a result (JSON).
pub fn assert_last_pass(data: &[u8], result: &serde_json::Value) {
    let last = result["passes"].as_array().unwrap().last().unwrap();
    let want = expected(
        last["pattern"].as_str().unwrap(),
        last["random"]["key"].as_str(),
        data.len() as u64,
    );
    assert_eq!(
        first_difference(data, &want),
        None,
        "target differs from the last pass {}",
        last["pattern"]
    );
}

/// A scratch office for command-line tests: a folder holding keys, the register
/// (`register.db`) and the certificates, which go to the current folder.
pub struct Office {
    pub dir: tempfile::TempDir,
}

impl Office {
    pub fn new() -> Office {
        Office {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The office's register, which [`Office::run`] names in `MEDIASAN_REGISTER`.
    pub fn register(&self) -> PathBuf {
        self.path("register.db")
    }

    /// The office's index of registers, which [`Office::run`] names in `MEDIASAN_INDEX`.
    pub fn index(&self) -> PathBuf {
        self.path("registers")
    }

    /// Runs mediasan in the office, signing with key file `key` if given.
    pub fn run(&self, key: Option<&str>, args: &[&str]) -> (i32, String, String) {
        self.run_with(key, args, &[])
    }

    /// [`Office::run`] with environment variables of its own (`MEDIASAN_CONFIG`, say);
    /// an empty value removes the variable.
    pub fn run_with(&self, key: Option<&str>, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        let mut cmd = bin();
        cmd.current_dir(self.dir.path())
            .env("MEDIASAN_REGISTER", self.register())
            .env("MEDIASAN_INDEX", self.index())
            .env_remove("MEDIASAN_KEY");
        if let Some(k) = key {
            cmd.env("MEDIASAN_KEY", self.path(k));
        }
        for (k, v) in env {
            if v.is_empty() {
                cmd.env_remove(k);
            } else {
                cmd.env(k, v);
            }
        }
        let out = cmd.args(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs mediasan and insists it succeeds; returns standard output.
    pub fn ok(&self, key: Option<&str>, args: &[&str]) -> String {
        let (code, out, err) = self.run(key, args);
        assert_eq!(code, 0, "{args:?}: {err}{out}");
        out
    }
}

impl Office {
    /// An office whose register has an approver (王五, key `approver`), an operator
    /// (张三, id `zhangsan`, key `operator`) and a supervisor (李四, id `P-0002`, key
    /// `supervisor`).
    pub fn staffed() -> Office {
        let o = Office::new();
        for k in ["approver", "operator", "supervisor"] {
            o.ok(
                None,
                &["key", "new", "--name", k, "--out", o.path(k).to_str().unwrap()],
            );
        }
        let out = o.ok(
            None,
            &[
                "register",
                "init",
                "--org",
                "某市某局",
                "--name",
                "王五",
                "--key",
                o.path("approver.pub").to_str().unwrap(),
                "--signed-by",
                o.path("approver").to_str().unwrap(),
            ],
        );
        assert!(
            out.contains("register id") && out.contains("File the register id"),
            "{out}"
        );
        let people = [
            ("张三", "operator", Some("zhangsan"), "operator.pub"),
            ("李四", "supervisor", None, "supervisor.pub"),
        ];
        for (name, role, id, key) in people {
            let key = o.path(key);
            let mut args = vec!["person", "add", "--name", name, "--role", role];
            if let Some(id) = id {
                args.extend(["--id", id]);
            }
            args.extend(["--key", key.to_str().unwrap()]);
            o.ok(Some("approver"), &args);
        }
        o
    }

    /// Registers `image` (by its path) as a secret printer drive; returns its id.
    pub fn register_image(&self, image: &Path) -> String {
        let serial = fs::canonicalize(image).unwrap();
        let out = self.ok(
            Some("operator"),
            &[
                "carrier",
                "add",
                "--kind",
                "printer-hdd",
                "--serial",
                serial.to_str().unwrap(),
                "--classification",
                "secret",
                "--custodian",
                "zhangsan",
            ],
        );
        carrier_id(&out)
    }
}

/// The first carrier id (`C-…`) in a command's output.
pub fn carrier_id(out: &str) -> String {
    out.split_whitespace()
        .find(|w| w.starts_with("C-"))
        .unwrap_or_else(|| panic!("no carrier id in {out:?}"))
        .to_string()
}
