//! Where mediasan's proof meets a person or a file system: what the terminal shows of
//! outside strings (the bytes, through a pty), files written where another user planted
//! links, a configuration someone else could change, and the ledger a spreadsheet opens.
//! Each attack is tried and the result read back.

mod common;

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

/// Runs `sh -c SCRIPT` as the unprivileged user nobody (a person who can only name
/// files), or says why it cannot.
fn as_nobody(script: &str) -> Result<(), String> {
    let out = Command::new("su")
        .args(["nobody", "-s", "/bin/sh", "-c", script])
        .output()
        .map_err(|e| format!("su: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "su nobody failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The demo's artefacts in `dir`: a register, a co-signed certificate, keys.
fn demo(dir: &Path) -> PathBuf {
    let out = bin().args(["demo", "--dir"]).arg(dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.to_str().unwrap().ends_with(".cert.json"))
        .unwrap()
}

fn mode(p: &Path) -> u32 {
    fs::symlink_metadata(p).unwrap().mode() & 0o7777
}

/// Every output mediasan writes is created by it, never through a link another user
/// planted: in a sticky folder the link is replaced by a private file of root's and
/// what it named stays as it was; in a folder another user owns nothing is written.
#[test]
fn outputs_never_follow_a_link_another_user_planted() {
    let test = "outputs_never_follow_a_link_another_user_planted";
    if !is_root() {
        return skip(test, "needs root to act as another user");
    }
    let d = tempfile::tempdir().unwrap();
    let d = d.path();
    fs::set_permissions(d, fs::Permissions::from_mode(0o711)).unwrap();
    let work = d.join("work");
    fs::create_dir(&work).unwrap();
    let cert = demo(&work);
    let register = work.join("register.db");
    // What the links name: a file and a folder only root may touch.
    let decoy = d.join("decoy");
    fs::write(&decoy, "DECOY").unwrap();
    fs::set_permissions(&decoy, fs::Permissions::from_mode(0o600)).unwrap();
    let vault = d.join("vault");
    fs::create_dir(&vault).unwrap();
    fs::write(vault.join("body.json"), "VAULT").unwrap();
    // A sticky folder anyone may write (as /tmp), and a folder nobody owns.
    let shared = d.join("shared");
    fs::create_dir(&shared).unwrap();
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o1777)).unwrap();
    let theirs = d.join("theirs");
    fs::create_dir(&theirs).unwrap();
    nix::unistd::chown(&theirs, Some(nix::unistd::Uid::from_raw(65534)), None).unwrap();
    let names = ["c.pdf", "c.html", "ledger.csv", "backup.db", "exp"];
    let mut plant = String::new();
    for folder in [&shared, &theirs] {
        for n in names {
            let target = if n == "exp" { &vault } else { &decoy };
            plant.push_str(&format!("ln -s {} {}/{n}; ", target.display(), folder.display()));
        }
    }
    if let Err(e) = as_nobody(&plant) {
        return skip(test, &e);
    }
    let run = |args: &[&str]| {
        let out = bin()
            .env("MEDIASAN_REGISTER", &register)
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let c = cert.to_str().unwrap();
    let at = |folder: &Path, n: &str| folder.join(n).to_str().unwrap().to_string();
    let commands = |folder: &Path| -> Vec<Vec<String>> {
        vec![
            vec![
                "cert".into(),
                "render".into(),
                c.into(),
                "--pdf".into(),
                at(folder, "c.pdf"),
            ],
            vec![
                "cert".into(),
                "render".into(),
                c.into(),
                "--html".into(),
                at(folder, "c.html"),
            ],
            vec![
                "carrier".into(),
                "export".into(),
                "--out".into(),
                at(folder, "ledger.csv"),
            ],
            vec![
                "cert".into(),
                "export".into(),
                c.into(),
                "--out".into(),
                at(folder, "exp"),
            ],
        ]
    };
    let unchanged = || {
        assert_eq!(fs::read(&decoy).unwrap(), b"DECOY");
        assert_eq!(fs::read(vault.join("body.json")).unwrap(), b"VAULT");
        assert_eq!(
            fs::read_dir(&vault).unwrap().count(),
            1,
            "nothing written into the vault"
        );
    };
    // In nobody's folder: refused, nothing written anywhere.
    for args in commands(&theirs) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, err) = run(&args);
        assert_eq!(code, 3, "{args:?}: {err}");
        assert!(err.contains("chown root"), "{args:?}: {err}");
        unchanged();
    }
    // In the sticky folder: the planted link to a folder is refused; file links are
    // replaced by files of root's, 0600.
    for args in commands(&shared) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, err) = run(&args);
        if args[1] == "export" && args[0] == "cert" {
            assert_eq!(code, 3, "{args:?}: {err}");
            assert!(err.contains("is a link that belongs to nobody"), "{err}");
        } else {
            assert_eq!(code, 0, "{args:?}: {err}");
            let out = Path::new(args.last().unwrap());
            let m = fs::symlink_metadata(out).unwrap();
            assert!(m.is_file() && m.uid() == 0, "{args:?}");
            assert_eq!(mode(out), 0o600, "{args:?}");
        }
        unchanged();
    }
    // A backup over a link: the link names an existing file (refused as existing) or
    // nothing yet (never created through the link).
    let (code, err) = run(&["register", "backup", &at(&shared, "backup.db")]);
    assert_eq!(code, 2, "{err}");
    as_nobody(&format!(
        "ln -s {}/new.db {}/dangling.db",
        vault.display(),
        shared.display()
    ))
    .unwrap();
    let (code, err) = run(&["register", "backup", &at(&shared, "dangling.db")]);
    assert_ne!(code, 0, "{err}");
    assert!(!vault.join("new.db").exists(), "the backup went through the link");
    unchanged();
    // Where it is allowed, a backup and an export are private too.
    let (code, err) = run(&["register", "backup", &at(d, "ok.db")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(mode(&d.join("ok.db")), 0o600);
    let (code, err) = run(&["cert", "export", c, "--out", &at(d, "exp")]);
    assert_eq!(code, 0, "{err}");
    for e in fs::read_dir(d.join("exp")).unwrap() {
        assert_eq!(mode(&e.unwrap().path()), 0o600);
    }
    // A wipe whose result, checkpoints or certificates would go into nobody's folder is
    // refused before its first byte.
    let medium = d.join("medium.img");
    fs::write(&medium, vec![b'M'; 8192]).unwrap();
    for (flag, value) in [
        ("--result", at(&theirs, "r.json")),
        ("--checkpoint-dir", at(&theirs, "checkpoints")),
    ] {
        let (code, err) = run(&["wipe", medium.to_str().unwrap(), "--method", "zero", flag, &value]);
        assert_eq!(code, 3, "{flag}: {err}");
        assert_eq!(
            fs::read(&medium).unwrap(),
            vec![b'M'; 8192],
            "{flag}: the medium was written"
        );
        assert!(!theirs.join("checkpoints").exists());
    }
    // The register and its -wal (made by the demo, then written by the commands above).
    for f in ["register.db", "register.db-wal"] {
        let p = work.join(f);
        if p.exists() {
            assert_eq!(mode(&p), 0o600, "{f}");
        }
    }
}

/// A configuration someone other than root could change decides how a secret carrier
/// is wiped: it is refused (exit 2) with the command that makes it root's, named by
/// `--config`, by `MEDIASAN_CONFIG`, or at the default path.
#[test]
fn a_configuration_others_can_change_is_refused() {
    let test = "a_configuration_others_can_change_is_refused";
    if !is_root() {
        return skip(test, "needs root to give a file to another user");
    }
    let d = tempfile::tempdir().unwrap();
    let d = d.path();
    fs::set_permissions(d, fs::Permissions::from_mode(0o755)).unwrap();
    // What such a file would do: a secret carrier's wipe, one zero pass, never read back.
    let text = "[classification.secret]\nmethod = \"zero\"\nverify = \"none\"\n";
    let file = |name: &str, m: u32, owner: u32| {
        let p = d.join(name);
        fs::write(&p, text).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(m)).unwrap();
        nix::unistd::chown(&p, Some(nix::unistd::Uid::from_raw(owner)), None).unwrap();
        p
    };
    let theirs = d.join("theirs");
    fs::create_dir(&theirs).unwrap();
    nix::unistd::chown(&theirs, Some(nix::unistd::Uid::from_raw(65534)), None).unwrap();
    let in_theirs = theirs.join("config.toml");
    fs::write(&in_theirs, text).unwrap();
    let cases = [
        (
            file("open.toml", 0o666, 0),
            "can be written by others (mode 0666)",
        ),
        (file("group.toml", 0o664, 0), "mode 0664"),
        (file("nobodys.toml", 0o644, 65534), "belongs to nobody"),
        (in_theirs, "belongs to nobody"),
    ];
    let config_show = |how: &str, p: &Path| {
        let mut cmd = bin();
        cmd.args(["config", "show"]);
        if how == "flag" {
            cmd.arg("--config").arg(p);
        } else {
            cmd.env("MEDIASAN_CONFIG", p);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    for (p, says) in &cases {
        for how in ["flag", "environment"] {
            let (code, out, err) = config_show(how, p);
            assert_eq!(code, 2, "{} by {how}: {out}{err}", p.display());
            assert!(err.contains(says), "{}: {err}", p.display());
            assert!(err.contains("chown root") && err.contains("chmod go-w"), "{err}");
            assert!(out.is_empty(), "{out}");
        }
    }
    // Root's, written by root only: taken; but not through a link someone else planted.
    let good = file("good.toml", 0o644, 0);
    let shared = d.join("shared");
    fs::create_dir(&shared).unwrap();
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o1777)).unwrap();
    let link = shared.join("config.toml");
    if as_nobody(&format!("ln -s {} {}", good.display(), link.display())).is_ok() {
        let (code, _, err) = config_show("flag", &link);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("is a link that belongs to nobody"), "{err}");
    }
    let (code, out, err) = config_show("flag", &good);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("classification.secret.method ") && l.contains(" zero ")),
        "{out}"
    );

    // The default path, in a mount namespace of its own: the machine's /etc is untouched.
    let etc = d.join("etc");
    fs::create_dir_all(etc.join("mediasan")).unwrap();
    for f in ["passwd", "group", "nsswitch.conf"] {
        let _ = fs::copy(Path::new("/etc").join(f), etc.join(f));
    }
    fs::write(etc.join("mediasan/config.toml"), text).unwrap();
    fs::set_permissions(
        etc.join("mediasan/config.toml"),
        fs::Permissions::from_mode(0o666),
    )
    .unwrap();
    let script = format!(
        "mount --bind {} /etc && exec {} config show",
        etc.display(),
        bin_path().display()
    );
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c", &script])
        .env_remove("MEDIASAN_CONFIG")
        .env("LANG", "C")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    if err.contains("unshare failed") || err.contains("Operation not permitted") {
        return skip(test, &format!("no private mount namespace here: {err}"));
    }
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("/etc/mediasan/config.toml") && err.contains("mode 0666"),
        "{err}"
    );
}

/// What a terminal receives, through a pty (`script`), of `mediasan ARGS`: script's
/// standard output, which is what the pty was given.
fn on_terminal(args: &[&str], env: &[(&str, &str)]) -> Vec<u8> {
    let mut line = bin_path().display().to_string();
    for a in args {
        line.push(' ');
        line.push_str(&shell_quote(a));
    }
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"])
        .env("MEDIASAN_CONFIG", "/dev/null")
        .env("MEDIASAN_INDEX", test_index())
        .env("LANG", "C");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap().stdout
}

/// `bytes` without the cursor movements of mediasan's own progress bars (indicatif's
/// `ESC [1A`, `ESC [1B`, `ESC [2K` and the CR before them).
fn without_bars(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if let Some(n) = [&b"\x1b[1A"[..], b"\x1b[1B", b"\x1b[2K", b"\r\x1b"]
            .iter()
            .find(|s| rest.starts_with(s))
            .map(|s| if s.ends_with(b"\x1b") { 1 } else { s.len() })
        {
            i += n;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// Control bytes and bidi controls of an outside string that reached the terminal: ESC,
/// backspace, a CR not ending a line (the pty writes CR LF for each line break), BEL,
/// U+202E and U+2066.
fn raw_controls(bytes: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    for (i, b) in bytes.iter().enumerate() {
        let bad = match b {
            0x1b | 0x08 | 0x07 | 0x00 => true,
            b'\r' => bytes.get(i + 1) != Some(&b'\n'),
            _ => false,
        };
        if bad {
            found.push(format!("0x{b:02x} at {i}"));
        }
    }
    for bidi in ["\u{202e}", "\u{2066}"] {
        if bytes.windows(3).any(|w| w == bidi.as_bytes()) {
            found.push(format!("{bidi:?}"));
        }
    }
    found
}

/// A forged certificate whose fields carry ESC sequences, CR, backspace and bidi
/// overrides cannot make the terminal read VALID: every field is shown escaped, in
/// both languages, and the verdict stays NOT VALID. File names and file-system labels
/// are shown escaped too; names and text typed into the register are refused.
#[test]
fn outside_strings_reach_the_terminal_escaped() {
    let test = "outside_strings_reach_the_terminal_escaped";
    if Command::new("script").arg("--version").output().is_err() {
        return skip(test, "script (util-linux) is not installed");
    }
    let d = tempfile::tempdir().unwrap();
    let cert = demo(d.path());
    let register = d.path().join("register.db");
    let mut c: serde_json::Value = serde_json::from_slice(&fs::read(&cert).unwrap()).unwrap();
    let payload = "x\u{1b}[2K\r\u{8}\u{8}ok  VALID\u{7}\u{202e}DILAV\u{2066}";
    c["body"]["id"] = payload.into();
    c["body"]["media"]["model"] = payload.into();
    c["signatures"][0]["signer"] = payload.into();
    c["signatures"][0]["name"] = payload.into();
    let forged = d.path().join("forged.cert.json");
    fs::write(&forged, c.to_string()).unwrap();
    let reg = register.to_str().unwrap();
    for lang in ["en", "zh"] {
        let shown = on_terminal(
            &[
                "--lang",
                lang,
                "cert",
                "verify",
                forged.to_str().unwrap(),
                "--register",
                reg,
            ],
            &[],
        );
        let text = String::from_utf8_lossy(&shown);
        assert!(
            raw_controls(&shown).is_empty(),
            "{lang}: {:?}\n{text}",
            raw_controls(&shown)
        );
        assert!(
            text.contains("\\x1b[2K\\x0d\\x08\\x08ok  VALID\\x07\\u{202e}DILAV\\u{2066}"),
            "{lang}: {text}"
        );
        let verdict = if lang == "en" { "NOT VALID" } else { "无效" };
        assert!(text.contains(verdict), "{lang}: {text}");
    }
    // A file whose name carries the same, wiped: its name is shown escaped.
    // (Its bars move the cursor with escapes of their own: those are taken out first.)
    let name = d.path().join("a\u{1b}]0;owned\u{7}\u{8}\u{202e}b.img");
    fs::write(&name, vec![0u8; 4096]).unwrap();
    let shown = without_bars(&on_terminal(
        &["wipe", name.to_str().unwrap(), "--method", "zero"],
        &[],
    ));
    assert!(
        raw_controls(&shown).is_empty(),
        "{:?}",
        String::from_utf8_lossy(&shown)
    );
    assert!(String::from_utf8_lossy(&shown).contains("a\\x1b]0;owned\\x07\\x08\\u{202e}b.img: sanitised"));
    // Names and text typed into the register with control characters are refused.
    let refused = |args: &[&str]| {
        let out = bin()
            .env("MEDIASAN_REGISTER", &register)
            .env("MEDIASAN_KEY", d.path().join("operator.key"))
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("control character"), "{args:?}: {err}");
        assert!(raw_controls(err.as_bytes()).is_empty(), "{err:?}");
    };
    let base = [
        "carrier",
        "add",
        "--kind",
        "hdd",
        "--classification",
        "secret",
        "--custodian",
        "zhangsan",
    ];
    let with = |extra: &[&'static str]| -> Vec<&'static str> {
        base.iter().copied().chain(extra.iter().copied()).collect()
    };
    refused(&with(&["--serial", "S-1", "--model", "WD\u{1b}[2J"]));
    refused(&with(&["--serial", "S-2", "--make", "a\nb"]));
    refused(&with(&["--serial", "S-3", "--label", "\u{202e}terces"]));
    let sheet = d.path().join("sheet.csv");
    fs::write(
        &sheet,
        "kind,serial,classification,custodian,model\nhdd,S-4,secret,zhangsan,\"x\ry\"\n",
    )
    .unwrap();
    refused(&["carrier", "import", sheet.to_str().unwrap()]);
}

/// A file-system label is the drive's own text: shown escaped on the plan of a wipe.
#[test]
fn a_file_system_label_is_shown_escaped() {
    let test = "a_file_system_label_is_shown_escaped";
    let d = tempfile::tempdir().unwrap();
    let img = d.path().join("labelled.img");
    fs::File::create(&img).unwrap().set_len(16 << 20).unwrap();
    match Command::new("mkfs.ext4")
        .args(["-q", "-L", "a\u{1b}[2Jb"])
        .arg(&img)
        .status()
    {
        Ok(s) if s.success() => {}
        _ => return skip(test, "mkfs.ext4 is not installed"),
    }
    let lo = match Loop::attach(&img, None, false) {
        Ok(l) => l,
        Err(e) => return skip(test, &e),
    };
    // udev may not be running: blkid is asked as it would be.
    let shown = on_terminal(&["wipe", lo.dev.to_str().unwrap(), "--dry-run"], &[]);
    let text = String::from_utf8_lossy(&shown);
    assert!(raw_controls(&shown).is_empty(), "{text}");
    assert!(text.contains("a\\x1b[2Jb (ext4)"), "{text}");
}

/// The ledger's export is data: a cell a spreadsheet would run as a formula is written
/// with a leading `'`, and importing the export into another register gives back the
/// values as they were.
#[test]
fn the_ledger_is_data_not_formulas() {
    let o = Office::staffed();
    let formulas = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2", "@SUM(A1)"];
    for (i, f) in formulas.iter().enumerate() {
        let serial = format!("F-{i}");
        o.ok(
            Some("operator"),
            &[
                "carrier",
                "add",
                "--kind",
                "hdd",
                "--serial",
                &serial,
                "--classification",
                "secret",
                "--custodian",
                "zhangsan",
                &format!("--make={f}"),
                &format!("--model={f}"),
            ],
        );
    }
    let out = o.path("ledger.csv");
    o.ok(None, &["carrier", "export", "--out", out.to_str().unwrap()]);
    let text = fs::read_to_string(&out).unwrap();
    let mut rd = csv::ReaderBuilder::new().from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    for r in rd.records() {
        for cell in r.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?} in {text}"
            );
        }
    }
    // Imported into a second office, the values are the originals.
    let other = Office::staffed();
    other.ok(Some("operator"), &["carrier", "import", out.to_str().unwrap()]);
    let listed = other.ok(None, &["carrier", "list", "--json"]);
    let makes: Vec<String> = listed
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["make"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    for f in formulas {
        assert!(makes.iter().any(|m| m == f), "{f:?} not in {makes:?}");
    }
}
