//! The catalogue of bad input (docs/reliability.md): each case gets a clear message
//! naming what is wrong, the exit code of PRODUCT.md §9 (2 unusable input, 3 refused),
//! and nothing is written. One table.

mod common;

use std::fs;
use std::path::Path;

use common::*;

struct Case {
    what: &'static str,
    args: Vec<String>,
    key: Option<&'static str>,
    code: i32,
    needle: &'static str,
}

fn case(
    what: &'static str,
    args: &[&str],
    key: Option<&'static str>,
    code: i32,
    needle: &'static str,
) -> Case {
    Case {
        what,
        args: args.iter().map(|a| a.to_string()).collect(),
        key,
        code,
        needle,
    }
}

#[test]
fn bad_input_is_refused_clearly_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = |n: &str| d.join(n).to_str().unwrap().to_string();
    let run = |key: Option<&str>, args: &[&str]| {
        let mut cmd = bin();
        cmd.current_dir(d)
            .env("MEDIASAN_REGISTER", d.join("register.db"))
            .env_remove("MEDIASAN_KEY");
        if let Some(k) = key {
            cmd.env("MEDIASAN_KEY", d.join(k));
        }
        let out = cmd.args(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // A real office to break things in.
    for k in ["approver", "operator"] {
        assert_eq!(run(None, &["key", "new", "--name", k, "--out", &p(k)]).0, 0);
    }
    fs::write(d.join("pass"), "right").unwrap();
    assert_eq!(
        run(
            None,
            &[
                "key",
                "new",
                "--name",
                "l",
                "--out",
                &p("locked"),
                "--passphrase-file",
                &p("pass")
            ]
        )
        .0,
        0
    );
    fs::write(d.join("wrong"), "wrong").unwrap();
    let (c, e) = run(
        None,
        &[
            "register",
            "init",
            "--org",
            "o",
            "--name",
            "王五",
            "--key",
            &p("approver.pub"),
            "--signed-by",
            &p("approver"),
        ],
    );
    assert_eq!(c, 0, "{e}");
    assert_eq!(
        run(
            Some("approver"),
            &[
                "person",
                "add",
                "--name",
                "张三",
                "--role",
                "operator",
                "--id",
                "op",
                "--key",
                &p("operator.pub")
            ]
        )
        .0,
        0
    );
    // Broken files of every kind.
    let target = d.join("keep.img");
    plant_markers(&target, 1 << 20);
    fs::write(
        d.join("garbage.db"),
        b"SQLite format 3\0 and then nothing useful at all",
    )
    .unwrap();
    fs::write(d.join("text.db"), "just some text").unwrap();
    let reg = fs::read(d.join("register.db")).unwrap();
    fs::write(d.join("truncated.db"), &reg[..reg.len().min(5000)]).unwrap();
    fs::copy(d.join("register.db"), d.join("newer.db")).unwrap();
    rusqlite::Connection::open(d.join("newer.db"))
        .unwrap()
        .pragma_update(None, "user_version", 9)
        .unwrap();
    fs::write(
        d.join("garbage.key"),
        "-----BEGIN OPENSSH PRIVATE KEY-----\nnot base64 at all\n",
    )
    .unwrap();
    fs::write(d.join("garbage.pub"), "ssh-ed25519 AAAA-not-a-key").unwrap();
    fs::write(
        d.join("binary.csv"),
        [0xFFu8, 0xFE, 0x00, 0x81, 0x82, 0xFF, 0x00, 0x10],
    )
    .unwrap();
    fs::write(
        d.join("truncated.csv"),
        "kind,serial,classification,custodian\nhdd,\"S1,secret,op\n",
    )
    .unwrap();
    fs::write(
        d.join("truncated.cert.json"),
        "{\"body\": {\"format\": \"mediasan-certificate/1\", \"id\": \"x",
    )
    .unwrap();
    fs::write(
        d.join("other.cert.json"),
        "{\"body\": {\"format\": \"something/9\"}, \"signatures\": []}",
    )
    .unwrap();
    // A private key others can read; a register whose schema version was reset; a
    // carrier CSV with a 2 MB serial.
    {
        use std::os::unix::fs::PermissionsExt;
        fs::copy(d.join("operator"), d.join("exposed")).unwrap();
        fs::set_permissions(d.join("exposed"), fs::Permissions::from_mode(0o644)).unwrap();
        // The corrupt key is private, so that its content is what is wrong.
        fs::set_permissions(d.join("garbage.key"), fs::Permissions::from_mode(0o600)).unwrap();
    }
    fs::copy(d.join("register.db"), d.join("reset.db")).unwrap();
    rusqlite::Connection::open(d.join("reset.db"))
        .unwrap()
        .pragma_update(None, "user_version", 0)
        .unwrap();
    fs::write(
        d.join("huge.csv"),
        format!(
            "kind,serial,classification,custodian\nhdd,{},secret,op\n",
            "S".repeat(2 << 20)
        ),
    )
    .unwrap();
    let long_serial = "S".repeat(100_000);
    let keep = target.to_str().unwrap().to_string();
    let cases = vec![
        case(
            "a private key readable by others",
            &[
                "carrier",
                "add",
                "--kind",
                "usb",
                "--serial",
                "S",
                "--classification",
                "internal",
                "--custodian",
                "op",
            ],
            Some("exposed"),
            3,
            "chmod 600",
        ),
        case(
            "a passphrase file that cannot be read",
            &[
                "carrier",
                "add",
                "--kind",
                "usb",
                "--serial",
                "S",
                "--classification",
                "internal",
                "--custodian",
                "op",
                "--key-passphrase-file",
                &p("no-such-pass"),
            ],
            Some("locked"),
            2,
            "cannot read it",
        ),
        case(
            "a serial of 100 000 characters",
            &[
                "carrier",
                "add",
                "--kind",
                "usb",
                "--serial",
                &long_serial,
                "--classification",
                "internal",
                "--custodian",
                "op",
            ],
            Some("operator"),
            2,
            "at most 256",
        ),
        case(
            "a carrier CSV with a 2 MB serial",
            &["carrier", "import", &p("huge.csv")],
            Some("operator"),
            2,
            "at most 256",
        ),
        case(
            "a register whose schema version was reset to 0",
            &["register", "verify", "--register", &p("reset.db")],
            None,
            2,
            "not a mediasan register",
        ),
        case(
            "--verify none with --resume",
            &["wipe", "--resume", "--verify", "none", &keep],
            None,
            2,
            "cannot go with --resume",
        ),
        case(
            "a target that does not exist",
            &["wipe", "/nonexistent/disk.img"],
            None,
            2,
            "no such file",
        ),
        case(
            "a character device",
            &["wipe", "/dev/null"],
            None,
            2,
            "character device",
        ),
        case(
            "a directory",
            &["wipe", d.to_str().unwrap()],
            None,
            2,
            "is a directory",
        ),
        case(
            "an unknown method",
            &["wipe", "--method", "dod-99", &keep],
            None,
            2,
            "unknown method",
        ),
        case(
            "a malformed pass list",
            &["wipe", "--passes", "0x00,maybe", &keep],
            None,
            2,
            "pass 2",
        ),
        case(
            "a coverage out of range",
            &["wipe", "--coverage", "0", &keep],
            None,
            2,
            "--coverage",
        ),
        case(
            "a coverage that is no number",
            &["wipe", "--coverage", "ten", &keep],
            None,
            2,
            "--coverage",
        ),
        case(
            "a verify mode that does not exist",
            &["wipe", "--verify", "often", &keep],
            None,
            2,
            "often",
        ),
        case(
            "a result path that is a device",
            &["wipe", "--result", "/dev/null", &keep],
            None,
            2,
            "not a regular file",
        ),
        case(
            "a register that is not SQLite",
            &["register", "verify", "--register", &p("text.db")],
            None,
            2,
            "not a mediasan register",
        ),
        case(
            "a register that is SQLite garbage",
            &["register", "verify", "--register", &p("garbage.db")],
            None,
            2,
            "not a mediasan register",
        ),
        case(
            "a truncated register",
            &["register", "verify", "--register", &p("truncated.db")],
            None,
            2,
            "truncated.db",
        ),
        case(
            "a register from a newer schema",
            &["carrier", "list", "--register", &p("newer.db")],
            None,
            2,
            "newer than this mediasan",
        ),
        case(
            "a corrupt private key",
            &[
                "carrier",
                "add",
                "--kind",
                "usb",
                "--serial",
                "S",
                "--classification",
                "internal",
                "--custodian",
                "op",
            ],
            Some("garbage.key"),
            2,
            "not an OpenSSH private key",
        ),
        case(
            "a corrupt public key",
            &[
                "person",
                "add",
                "--name",
                "x",
                "--role",
                "operator",
                "--key",
                &p("garbage.pub"),
            ],
            Some("approver"),
            2,
            "not an OpenSSH public key",
        ),
        case(
            "a wrong passphrase",
            &[
                "carrier",
                "add",
                "--kind",
                "usb",
                "--serial",
                "S",
                "--classification",
                "internal",
                "--custodian",
                "op",
                "--key-passphrase-file",
                &p("wrong"),
            ],
            Some("locked"),
            2,
            "passphrase is wrong",
        ),
        case(
            "a carrier CSV that is not text",
            &["carrier", "import", &p("binary.csv")],
            Some("operator"),
            2,
            "binary.csv",
        ),
        case(
            "a truncated carrier CSV",
            &["carrier", "import", &p("truncated.csv")],
            Some("operator"),
            2,
            "nothing was imported",
        ),
        case(
            "a truncated certificate",
            &["cert", "verify", &p("truncated.cert.json")],
            None,
            2,
            "not a certificate",
        ),
        case(
            "a certificate of another format",
            &["cert", "verify", &p("other.cert.json")],
            None,
            2,
            "format",
        ),
        case(
            "--expect random without a key",
            &["verify", &keep, "--expect", "random"],
            None,
            2,
            "with its key",
        ),
    ];
    let before_target = fs::read(&target).unwrap();
    let before_register = fs::read(d.join("register.db")).unwrap();
    for c in &cases {
        let args: Vec<&str> = c.args.iter().map(String::as_str).collect();
        let (code, err) = run(c.key, &args);
        assert_eq!(code, c.code, "{}: {err}", c.what);
        assert!(
            err.contains(c.needle),
            "{}: {err:?} should mention {:?}",
            c.what,
            c.needle
        );
        assert!(
            !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
            "{}: {err}",
            c.what
        );
        assert_eq!(
            fs::read(&target).unwrap(),
            before_target,
            "{} changed the target",
            c.what
        );
    }
    let reg = mediasan::register::Register::open(&d.join("register.db")).unwrap();
    assert!(reg.verify(None).unwrap().ok());
    assert_eq!(
        reg.carriers(None, None, None).unwrap().len(),
        0,
        "no bad input registered anything"
    );
    let _ = before_register;

    // A block device without a medium (an unbound loop device) is unusable input.
    if is_root() {
        if let Ok(out) = std::process::Command::new("losetup").arg("-f").output() {
            let dev = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if Path::new(&dev).exists() {
                let (code, err) = run(None, &["wipe", "--dry-run", &dev]);
                assert_eq!(code, 2, "{err}");
                assert!(err.contains("size 0"), "{err}");
            }
        }
    }
}

/// Normal input that looks unusual works: empty files and GBK file names.
#[test]
fn empty_files_and_gbk_names_are_normal() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let gbk = dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"\xc3\xdc\xbc\xfe.txt"));
    fs::write(&gbk, b"").unwrap();
    let out = bin().arg("wipe").arg(&gbk).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
