//! The register through the command line: keys, init, people, carriers, approvals,
//! `wipe --carrier`, CSV in GBK, and `register verify` on a tampered file.

mod common;

use std::fs;
use std::path::Path;

use common::*;

fn office() -> Office {
    Office::staffed()
}

#[test]
fn key_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let o = office();
    assert_eq!(
        fs::metadata(o.path("operator")).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let (code, _, err) = o.run(
        None,
        &[
            "key",
            "new",
            "--name",
            "x",
            "--out",
            o.path("operator").to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "never over an existing key: {err}");
    assert_eq!(err.matches("File exists").count(), 1, "said once: {err}");
    let list = o.ok(None, &["person", "list"]);
    assert!(
        list.contains("P-0001") && list.contains("zhangsan") && list.contains("P-0002"),
        "{list}"
    );
}

/// The flow on a disk image: register, approve, wipe with --carrier, verify.
#[test]
fn a_registered_image_is_wiped_only_with_its_approval() {
    let o = office();
    let img = o.path("scratch.img");
    plant_markers(&img, 4 << 20);
    let serial = fs::canonicalize(&img).unwrap();
    let serial = serial.to_str().unwrap();
    let out = o.ok(
        Some("operator"),
        &[
            "carrier",
            "add",
            "--kind",
            "printer-hdd",
            "--serial",
            serial,
            "--classification",
            "secret",
            "--custodian",
            "zhangsan",
            "--host-asset",
            "MFP-07",
            "--make",
            "WDC",
            "--model",
            "WD5000",
        ],
    );
    let c = carrier_id(&out);
    let before = fs::read(&img).unwrap();
    // Without --carrier: refused, the registered serial is known.
    let (code, _, err) = o.run(
        Some("operator"),
        &["wipe", "--method", "zero", img.to_str().unwrap()],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains(&c) && err.contains("--carrier"), "{err}");
    // With --carrier but no approval: refused.
    let (code, _, err) = o.run(
        Some("operator"),
        &["wipe", "--carrier", &c, img.to_str().unwrap()],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("no approval"), "{err}");
    // The operator cannot approve; the approver can.
    let (code, _, err) = o.run(Some("operator"), &["approve", &c]);
    assert_eq!(code, 3);
    assert!(err.contains("approver"), "{err}");
    o.ok(Some("approver"), &["approve", &c, "--valid-for", "7"]);
    // Another file is not this carrier.
    let other = o.path("other.img");
    plant_markers(&other, 1 << 20);
    let (code, _, err) = o.run(
        Some("operator"),
        &["wipe", "--carrier", &c, other.to_str().unwrap()],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("is not carrier"), "{err}");
    assert_eq!(fs::read(&img).unwrap(), before, "nothing written by any refusal");
    // The approved wipe.
    let result = o.path("r.json");
    let (code, out, err) = o.run(
        Some("operator"),
        &[
            "wipe",
            "--carrier",
            &c,
            "--method",
            "bmb21",
            "--result",
            result.to_str().unwrap(),
            img.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}{out}");
    assert_eq!(count_markers(&fs::read(&img).unwrap()), 0);
    let saved = fs::read(&result).unwrap();
    let r: serde_json::Value = serde_json::from_slice(&saved).unwrap();
    assert_eq!(r["register"]["carrier"], c.as_str());
    let show = o.ok(None, &["carrier", "show", &c, "--json"]);
    let show: serde_json::Value = serde_json::from_str(show.trim()).unwrap();
    assert_eq!(show["carrier"]["status"], "wiped");
    let events: Vec<_> = show["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect();
    let mut want = vec!["carrier-registered", "destruction-approved", "wipe-started"];
    want.extend(["pass-finished"; 6]);
    want.extend(["wipe-finished", "certificate-signed"]);
    assert_eq!(events, want);
    // wipe-started names the approval; each bmb21 pass is recorded under it, with
    // its key's digest for the random ones; wipe-finished holds the result's digest.
    let details = |i: usize| -> serde_json::Value {
        serde_json::from_str(show["events"][i]["details"].as_str().unwrap()).unwrap()
    };
    let started = details(2);
    assert_eq!(started["approval"], r["register"]["approval"]);
    for pass in 1..=6 {
        let d = details(2 + pass);
        assert_eq!(d["wipe"], show["events"][2]["seq"]);
        assert_eq!(d["pass"], pass);
        assert_eq!(d["of"], 6);
        assert_eq!(d["pattern"], r["passes"][pass - 1]["pattern"]);
        assert_eq!(d["key_sha256"].is_string(), (3..=5).contains(&pass));
    }
    let finished = details(9);
    use sha2::Digest;
    assert_eq!(
        finished["result_sha256"],
        mediasan::register::event::hex(&sha2::Sha256::digest(&saved))
    );
    assert_eq!(finished["outcome"], "sanitised");
    // Lifecycle to the end, and the register verifies.
    o.ok(
        Some("operator"),
        &["carrier", "hand-over", &c, "--facility", "市保密局"],
    );
    o.ok(
        Some("operator"),
        &[
            "carrier",
            "destroy",
            &c,
            "--method",
            "shred",
            "--facility",
            "市保密局",
            "--receipt",
            "R-1",
        ],
    );
    let (code, _, err) = o.run(
        Some("operator"),
        &[
            "carrier",
            "dispose",
            &c,
            "--destination",
            "school",
            "--external-reuse",
        ],
    );
    assert_eq!(code, 3, "{err}");
    let v = o.ok(None, &["register", "verify"]);
    assert!(v.contains("register verified"), "{v}");
    let listed = o.ok(None, &["carrier", "list", "--status", "destroyed"]);
    assert!(listed.contains(&c) && listed.contains("机密"), "{listed}");
}

#[test]
fn a_registered_loop_device_needs_its_carrier_and_approval() {
    let test = "a_registered_loop_device_needs_its_carrier_and_approval";
    let o = office();
    let img = o.path("disk.img");
    plant_markers(&img, 8 << 20);
    let lp = match Loop::attach(&img, Some(4096), false) {
        Ok(l) => l,
        Err(e) => return skip(test, &e),
    };
    let out = o.ok(
        Some("operator"),
        &[
            "carrier",
            "add",
            "--kind",
            "hdd",
            "--serial",
            &lp.serial(),
            "--classification",
            "confidential",
            "--custodian",
            "zhangsan",
        ],
    );
    let c = carrier_id(&out);
    let dev = lp.dev.to_str().unwrap();
    let (code, _, err) = o.run(Some("operator"), &["wipe", "--confirm", &lp.serial(), dev]);
    assert_eq!(code, 3, "{err}");
    o.ok(
        Some("supervisor"),
        &["approve", &c, "--paper-ref", "保审〔2026〕12号"],
    );
    let out = o.ok(
        Some("operator"),
        &[
            "wipe",
            "--carrier",
            &c,
            "--confirm",
            &lp.serial(),
            "--method",
            "dod-3",
            dev,
        ],
    );
    assert!(out.contains("sanitised"), "{out}");
    assert!(o.ok(None, &["register", "verify"]).contains("register verified"));
}

#[test]
fn carriers_import_from_gbk_and_export_with_a_bom() {
    let o = office();
    let sheet = "类型,序列号,厂商,型号,容量,密级,单位,责任人,所属设备,标签\n\
                 打印机硬盘,WD-1,西部数据,WD5000,500107862016,机密,办公室,zhangsan,MFP-07,机密-0007\n\
                 U盘,KT-2,金士顿,DT,32000000000,内部,档案室,zhangsan,,\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(sheet);
    let file = o.path("台账.csv");
    fs::write(&file, &gbk).unwrap();
    let out = o.ok(Some("operator"), &["carrier", "import", file.to_str().unwrap()]);
    assert!(out.contains("2 carrier(s) registered (GBK)"), "{out}");
    let exported = o.path("out.csv");
    o.ok(None, &["carrier", "export", "--out", exported.to_str().unwrap()]);
    let bytes = fs::read(&exported).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(
        text.contains("西部数据") && text.contains("金士顿") && text.contains("机密-0007"),
        "{text}"
    );
    // Bad rows: line numbers, and nothing imported.
    let bad = o.path("bad.csv");
    fs::write(&bad, "kind,serial,classification,custodian\nhdd,S1,secret,zhangsan\nfloppy,S2,secret,zhangsan\nhdd,S3,secret,nobody\n").unwrap();
    let (code, _, err) = o.run(Some("operator"), &["carrier", "import", bad.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("line 3") && err.contains("nothing was imported"),
        "{err}"
    );
    let unknown = o.path("unknown.csv");
    fs::write(
        &unknown,
        "kind,serial,classification,custodian\nhdd,S1,secret,zhangsan\nhdd,S3,secret,nobody\n",
    )
    .unwrap();
    let (code, _, err) = o.run(
        Some("operator"),
        &["carrier", "import", unknown.to_str().unwrap()],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("line 3") && err.contains("nobody"), "{err}");
    let listed = o.ok(None, &["carrier", "list"]);
    assert_eq!(listed.lines().count(), 2, "{listed}");
}

#[test]
fn a_tampered_register_fails_verification_with_its_first_break() {
    let o = office();
    o.ok(
        Some("operator"),
        &[
            "carrier",
            "add",
            "--kind",
            "usb",
            "--serial",
            "U1",
            "--classification",
            "secret",
            "--custodian",
            "zhangsan",
        ],
    );
    let cp = o.ok(Some("supervisor"), &["register", "checkpoint"]);
    let anchor = cp
        .lines()
        .find_map(|l| l.trim().strip_prefix("anchor to file:"))
        .unwrap()
        .trim()
        .to_string();
    assert!(o
        .ok(None, &["register", "verify", "--anchor", &anchor])
        .contains("is in the chain"));
    let backup = o.path("backup.db");
    o.ok(None, &["register", "backup", backup.to_str().unwrap()]);
    let conn = rusqlite::Connection::open(o.register()).unwrap();
    conn.execute_batch("DROP TRIGGER events_no_update; UPDATE events SET details = replace(details, 'secret', 'internal') WHERE seq = 5;").unwrap();
    drop(conn);
    let (code, out, _) = o.run(None, &["register", "verify"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("BROKEN at event 5") && out.contains("edited"),
        "{out}"
    );
    // The backup is whole and verifies.
    let out = bin()
        .args(["register", "verify", "--register", backup.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let (code, _, _) = o.run(None, &["register", "verify", "--register-id", "0123-4567"]);
    assert_eq!(code, 1, "another register's id");
    let (code, _, err) = o.run(None, &["register", "verify", "--anchor", "5:xyz"]);
    assert_eq!(code, 2, "{err}");
    let missing = Path::new("/nonexistent/register.db");
    let out = bin()
        .args(["register", "verify", "--register"])
        .arg(missing)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("register init"));
}

#[test]
fn passphrase_protected_keys_unlock_from_a_file() {
    let o = office();
    let pass = o.path("pass");
    fs::write(&pass, "correct horse\n").unwrap();
    o.ok(
        None,
        &[
            "key",
            "new",
            "--name",
            "p",
            "--out",
            o.path("locked").to_str().unwrap(),
            "--passphrase-file",
            pass.to_str().unwrap(),
        ],
    );
    o.ok(
        Some("approver"),
        &[
            "person",
            "add",
            "--name",
            "锁",
            "--role",
            "operator",
            "--key",
            o.path("locked.pub").to_str().unwrap(),
        ],
    );
    let args = [
        "carrier",
        "add",
        "--kind",
        "usb",
        "--serial",
        "L1",
        "--classification",
        "internal",
        "--custodian",
        "zhangsan",
    ];
    let (code, _, err) = o.run(Some("locked"), &args);
    assert_eq!(code, 2, "no passphrase, no terminal: {err}");
    assert!(err.contains("passphrase"), "{err}");
    let wrong = o.path("wrong");
    fs::write(&wrong, "wrong").unwrap();
    let mut with_wrong = args.to_vec();
    with_wrong.extend(["--key-passphrase-file", wrong.to_str().unwrap()]);
    let (code, _, err) = o.run(Some("locked"), &with_wrong);
    assert_eq!(code, 2);
    assert!(err.contains("passphrase is wrong"), "{err}");
    let mut with_right = args.to_vec();
    with_right.extend(["--key-passphrase-file", pass.to_str().unwrap()]);
    o.ok(Some("locked"), &with_right);
}

/// Register signatures are plain SSHSIG: stock OpenSSH checks them.
#[test]
fn stock_openssh_checks_an_event_signature() {
    let test = "stock_openssh_checks_an_event_signature";
    if std::process::Command::new("ssh-keygen")
        .arg("-?")
        .output()
        .is_err()
    {
        return skip(test, "ssh-keygen (openssh-client) is not installed");
    }
    let o = office();
    let conn = rusqlite::Connection::open(o.register()).unwrap();
    let (hash, sig): (String, String) = conn
        .query_row("SELECT hash, signature FROM events WHERE seq = 3", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let sig_file = o.path("event3.sig");
    fs::write(&sig_file, sig).unwrap();
    let check = |message: &str| {
        use std::io::Write;
        let mut child = std::process::Command::new("ssh-keygen")
            .args(["-Y", "check-novalidate", "-n", "mediasan-register", "-s"])
            .arg(&sig_file)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(message.as_bytes()).unwrap();
        child.wait_with_output().unwrap().status.success()
    };
    assert!(check(&hash), "ssh-keygen rejects a genuine event signature");
    assert!(
        !check(&format!("{}x", &hash[..63])),
        "ssh-keygen accepts a changed hash"
    );
}

/// Keys held by a running ssh-agent sign too (`--key agent:` or `agent:FINGERPRINT`).
#[test]
fn an_ssh_agent_signs_for_its_holder() {
    let test = "an_ssh_agent_signs_for_its_holder";
    if std::process::Command::new("ssh-agent")
        .arg("-h")
        .output()
        .is_err()
    {
        return skip(test, "ssh-agent (openssh-client) is not installed");
    }
    let o = office();
    let sock = o.path("agent.sock");
    let mut agent = std::process::Command::new("ssh-agent")
        .arg("-D")
        .arg("-a")
        .arg(&sock)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    struct Kill<'a>(&'a mut std::process::Child);
    impl Drop for Kill<'_> {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _guard = Kill(&mut agent);
    for _ in 0..50 {
        if sock.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let add = |k: &str| {
        let st = std::process::Command::new("ssh-add")
            .arg(o.path(k))
            .env("SSH_AUTH_SOCK", &sock)
            .output()
            .unwrap();
        assert!(st.status.success(), "{}", String::from_utf8_lossy(&st.stderr));
    };
    add("operator");
    let run = |key: &str, serial: &str| {
        bin()
            .env("MEDIASAN_REGISTER", o.register())
            .env("SSH_AUTH_SOCK", &sock)
            .env("MEDIASAN_KEY", key)
            .args([
                "carrier",
                "add",
                "--kind",
                "usb",
                "--serial",
                serial,
                "--classification",
                "internal",
                "--custodian",
                "zhangsan",
            ])
            .output()
            .unwrap()
    };
    let out = run("agent:", "AG-1");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    add("supervisor");
    let out = run("agent:", "AG-2");
    assert_eq!(
        out.status.code(),
        Some(2),
        "two keys: the agent key must be chosen"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("choose one"));
    let by_file = format!("agent:{}", o.path("operator.pub").display());
    let out = run(&by_file, "AG-2");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // --agent FINGERPRINT, as the certificate commands document it.
    let fp = mediasan::keys::read_public(&o.path("operator.pub"))
        .unwrap()
        .fingerprint();
    let out = bin()
        .env("MEDIASAN_REGISTER", o.register())
        .env("SSH_AUTH_SOCK", &sock)
        .env_remove("MEDIASAN_KEY")
        .args([
            "carrier",
            "add",
            "--kind",
            "usb",
            "--serial",
            "AG-3",
            "--classification",
            "internal",
            "--custodian",
            "zhangsan",
            "--agent",
            &fp,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let show = o.ok(None, &["person", "list"]);
    assert!(show.contains("zhangsan"));
    assert!(o.ok(None, &["register", "verify"]).contains("register verified"));
    let listed = o.ok(None, &["carrier", "list"]);
    assert!(
        listed.contains("AG-1") && listed.contains("AG-2") && listed.contains("AG-3"),
        "{listed}"
    );
}

#[test]
fn naming_a_missing_register_does_not_skip_the_carrier_check() {
    let o = office();
    let img = o.path("x.img");
    plant_markers(&img, 1 << 20);
    let before = fs::read(&img).unwrap();
    let out = bin()
        .env("MEDIASAN_REGISTER", "/nowhere/register.db")
        .args(["wipe", "--method", "zero"])
        .arg(&img)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no register there"));
    assert_eq!(fs::read(&img).unwrap(), before);
}

#[test]
fn separate_processes_append_at_once() {
    let o = office();
    let children: Vec<_> = (0..6)
        .map(|i| {
            common::raw()
                .env("MEDIASAN_REGISTER", o.register())
                .env("MEDIASAN_KEY", o.path("operator"))
                .args([
                    "carrier",
                    "add",
                    "--kind",
                    "usb",
                    "--serial",
                    &format!("P-{i}"),
                    "--classification",
                    "internal",
                    "--custodian",
                    "zhangsan",
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(o.ok(None, &["carrier", "list"]).lines().count(), 6);
    assert!(o.ok(None, &["register", "verify"]).contains("register verified"));
}

/// kill -9 in the middle of appends: the register still verifies, an import lands
/// whole or not at all, and nothing recorded before the kill is lost.
#[test]
fn the_register_survives_kill_9_during_appends() {
    let o = office();
    let mut total = 0usize;
    for round in 0..6u64 {
        let mut csv = String::from("kind,serial,classification,custodian\n");
        for i in 0..1500 {
            csv.push_str(&format!("usb,K{round}-{i},internal,zhangsan\n"));
        }
        let file = o.path(&format!("round{round}.csv"));
        fs::write(&file, csv).unwrap();
        let mut child = common::raw()
            .current_dir(o.dir.path())
            .env("MEDIASAN_REGISTER", o.register())
            .env("MEDIASAN_KEY", o.path("operator"))
            .args(["carrier", "import"])
            .arg(&file)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Kill at a different moment each round, some before, some during, some after.
        std::thread::sleep(std::time::Duration::from_millis(40 + round * 90));
        let _ = child.kill();
        let _ = child.wait();
        let listed = o.ok(None, &["carrier", "list"]).lines().count();
        assert!(
            listed == total || listed == total + 1500,
            "round {round}: {listed} carriers, not {total} or {}",
            total + 1500
        );
        total = listed;
        let v = o.ok(None, &["register", "verify"]);
        assert!(v.contains("register verified"), "round {round}: {v}");
    }
    // The register keeps working afterwards.
    o.ok(
        Some("operator"),
        &[
            "carrier",
            "add",
            "--kind",
            "usb",
            "--serial",
            "AFTER",
            "--classification",
            "internal",
            "--custodian",
            "zhangsan",
        ],
    );
}

/// A clock set back: an event dated before the register's last one is refused, with
/// both times shown, and nothing is appended. (`faketime` runs mediasan two days
/// ahead, so that the machine's own clock is then "set back".)
#[test]
fn a_clock_set_back_is_refused() {
    let test = "a_clock_set_back_is_refused";
    if std::process::Command::new("faketime")
        .arg("--version")
        .output()
        .is_err()
    {
        return skip(test, "faketime is not installed (apt-get install faketime)");
    }
    let o = office();
    fn add(serial: &str) -> Vec<&str> {
        vec![
            "carrier",
            "add",
            "--kind",
            "usb",
            "--serial",
            serial,
            "--classification",
            "internal",
            "--custodian",
            "zhangsan",
        ]
    }
    let ahead = std::process::Command::new("faketime")
        .args(["-f", "+2d"])
        .arg(bin_path())
        .args(add("AHEAD-1"))
        .env("MEDIASAN_CONFIG", "/dev/null")
        .env("MEDIASAN_REGISTER", o.register())
        .env("MEDIASAN_INDEX", o.index())
        .env("MEDIASAN_KEY", o.path("operator"))
        .output()
        .unwrap();
    assert!(
        ahead.status.success(),
        "{}",
        String::from_utf8_lossy(&ahead.stderr)
    );
    let events = |o: &Office| {
        let list = o.ok(None, &["register", "verify", "--json"]);
        let v: serde_json::Value = serde_json::from_str(list.trim()).unwrap();
        v["audits"][0]["events"].as_u64().unwrap()
    };
    let before = events(&o);
    let (code, _, err) = o.run(Some("operator"), &add("NOW-1"));
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("clock") && err.contains("earlier than the register's last event"),
        "{err}"
    );
    let dates = err.matches("T").count();
    assert!(dates >= 2, "both times shown: {err}");
    assert_eq!(events(&o), before, "nothing appended");
    assert!(o.ok(None, &["register", "verify"]).contains("register verified"));
}

/// An approval and a revocation print the new head, whole, for filing on paper; the
/// filed head then anchors `register verify`.
#[test]
fn approvals_and_revocations_print_the_head_to_file() {
    let o = office();
    let out = o.ok(
        Some("operator"),
        &[
            "carrier",
            "add",
            "--kind",
            "usb",
            "--serial",
            "U-1",
            "--classification",
            "secret",
            "--custodian",
            "zhangsan",
        ],
    );
    let c = carrier_id(&out);
    let head = |out: &str| -> String {
        let line = out
            .lines()
            .find_map(|l| l.strip_prefix("head "))
            .expect("a head line");
        line.split_whitespace().next().unwrap().to_string()
    };
    let out = o.ok(Some("approver"), &["approve", &c]);
    let approved = head(&out);
    let (seq, hash) = approved.split_once(':').unwrap();
    assert_eq!(hash.len(), 64, "{out}");
    let approval = out.split_whitespace().nth(1).unwrap().to_string();
    let out = o.ok(Some("approver"), &["approve", "--revoke", &approval]);
    let revoked = head(&out);
    assert_eq!(
        revoked.split_once(':').unwrap().0.parse::<u64>().unwrap(),
        seq.parse::<u64>().unwrap() + 1
    );
    for filed in [approved, revoked] {
        let v = o.ok(None, &["register", "verify", "--anchor", &filed]);
        assert!(v.contains("is in the chain"), "{v}");
    }
}

/// People are named naturally: a person argument takes an id or the name of exactly
/// one enrolled person; a name two people share is refused with both ids, said once.
#[test]
fn person_arguments_take_a_name_when_it_names_one_person() {
    let o = office();
    let add = |custodian: &str, serial: &str| {
        o.run(
            Some("operator"),
            &[
                "carrier",
                "add",
                "--kind",
                "usb",
                "--serial",
                serial,
                "--classification",
                "internal",
                "--custodian",
                custodian,
            ],
        )
    };
    let (code, out, err) = add("张三", "U-NAME-1");
    assert_eq!(code, 0, "{err}");
    let c = carrier_id(&out);
    let show = o.ok(None, &["carrier", "show", &c, "--json"]);
    assert!(
        show.contains("\"custodian\": \"zhangsan\"") || show.contains("\"custodian\":\"zhangsan\""),
        "{show}"
    );
    o.ok(Some("operator"), &["carrier", "issue", &c, "--to", "李四"]);
    assert!(o
        .ok(None, &["carrier", "list", "--custodian", "张三"])
        .contains(&c));
    // A second 李四.
    o.ok(
        None,
        &[
            "key",
            "new",
            "--name",
            "li2",
            "--out",
            o.path("li2").to_str().unwrap(),
        ],
    );
    o.ok(
        Some("approver"),
        &[
            "person",
            "add",
            "--name",
            "李四",
            "--role",
            "operator",
            "--key",
            o.path("li2.pub").to_str().unwrap(),
        ],
    );
    let (code, _, err) = add("李四", "U-NAME-2");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("2 people are named 李四") && err.contains("P-0002") && err.contains("P-0003"),
        "{err}"
    );
    assert_eq!(err.matches("people are named").count(), 1, "said once: {err}");
    // A name nobody has is refused by the rules, said once.
    let (code, _, err) = add("赵六", "U-NAME-3");
    assert_eq!(code, 3, "{err}");
    assert_eq!(err.matches("赵六").count(), 1, "said once: {err}");
}

/// A registered carrier wiped without --method: its classification chooses (secret:
/// bmb21), in the dry run and in the wipe.
#[test]
fn a_carriers_classification_chooses_the_default_method() {
    let o = office();
    let img = o.path("secret.img");
    plant_markers(&img, 1 << 20);
    let c = o.register_image(&img);
    o.ok(Some("approver"), &["approve", &c]);
    let f = img.to_str().unwrap();
    let plan = o.ok(None, &["wipe", "--dry-run", "--carrier", &c, f]);
    assert!(plan.contains("method: bmb21"), "{plan}");
    let r = o.path("r.json");
    o.ok(
        Some("operator"),
        &["wipe", "--carrier", &c, "--result", r.to_str().unwrap(), f],
    );
    let v: serde_json::Value = serde_json::from_slice(&fs::read(&r).unwrap()).unwrap();
    assert_eq!(v["method"]["name"], "bmb21");
    assert_eq!(v["passes"].as_array().unwrap().len(), 6);
    // An unregistered target keeps one random pass.
    let other = o.path("other.img");
    plant_markers(&other, 1 << 20);
    let plan = o.ok(None, &["wipe", "--dry-run", other.to_str().unwrap()]);
    assert!(plan.contains("method: random"), "{plan}");
}

/// The register speaks Chinese when asked: a rule's refusal (the wrong role, the carrier's
/// status as a word), an import's bad rows, a command's summary and `register verify`.
#[test]
fn the_register_refuses_and_reports_in_chinese() {
    let o = office();
    let zh = |key: Option<&str>, args: &[&str]| {
        let mut all = vec!["--lang", "zh"];
        all.extend_from_slice(args);
        o.run(key, &all)
    };
    let (code, out, err) = zh(
        Some("operator"),
        &[
            "carrier",
            "add",
            "--kind",
            "usb",
            "--serial",
            "U-ZH-1",
            "--classification",
            "secret",
            "--custodian",
            "zhangsan",
        ],
    );
    assert_eq!(code, 0, "{err}");
    // A full-width parenthesis follows the id, not a space.
    let c = carrier_id(&out).split('（').next().unwrap().to_string();
    assert!(
        out.contains(&format!("已登记 {c}（usb，序列号 U-ZH-1，secret）（事件 ")),
        "{out}"
    );
    // The operator cannot approve: said with the roles as words.
    let (code, _, err) = zh(Some("operator"), &["approve", &c]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("拒绝：zhangsan（张三）是操作员；destruction-approved 须由审批人进行"),
        "{err}"
    );
    // Handed over from the store: the statuses as words, joined as Chinese joins them.
    let (code, _, err) = zh(
        Some("operator"),
        &["carrier", "destroy", &c, "--method", "shred", "--facility", "F"],
    );
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains(&format!(
            "载体 {c} 的状态为在库；destroyed 要求其状态为已送销、已批准销毁或已擦除"
        )),
        "{err}"
    );
    let bad = o.path("bad.csv");
    fs::write(
        &bad,
        "kind,serial,classification,custodian\nfloppy,S2,secret,zhangsan\n",
    )
    .unwrap();
    let (code, _, err) = zh(Some("operator"), &["carrier", "import", bad.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("1 行有误；未导入任何载体") && err.contains("第 2 行：类型 \"floppy\""),
        "{err}"
    );
    let (code, out, _) = zh(None, &["register", "verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("登记簿校验通过"), "{out}");
    // English stays as it was.
    let (_, _, err) = o.run(Some("operator"), &["approve", &c]);
    assert!(
        err.contains("refused: zhangsan (张三) is an operator; destruction-approved needs approver"),
        "{err}"
    );
}
