//! `mediasan scan` on real loop devices: identity and its source, the wipe's own
//! verdict (mounted, read-only), the register's carrier; and the serials that cannot
//! identify a carrier, refused at registration.

mod common;

use std::fs;
use std::process::Command;

use common::{bin, is_root, skip, Loop, Office};
use serde_json::Value;

/// The scan record of `dev`, from `scan --json` run in `o`.
fn scanned(o: &Office, dev: &std::path::Path) -> Value {
    let out = o.ok(None, &["scan", "--json"]);
    out.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .find(|v| v["path"] == dev.to_str().unwrap())
        .unwrap_or_else(|| panic!("{} not in the scan:\n{out}", dev.display()))
}

fn image(o: &Office, name: &str, size: u64) -> std::path::PathBuf {
    let p = o.path(name);
    let f = fs::File::create(&p).unwrap();
    f.set_len(size).unwrap();
    p
}

#[test]
fn a_loop_device_is_listed_with_its_identity_verdict_and_carrier() {
    if !is_root() {
        return skip("scan of a loop device", "needs root for losetup");
    }
    let o = Office::staffed();
    let img = image(&o, "disk.img", 8 << 20);
    let lo = match Loop::attach(&img, None, false) {
        Ok(l) => l,
        Err(e) => return skip("scan of a loop device", &e),
    };
    let v = scanned(&o, &lo.dev);
    assert_eq!(v["transport"], "loop");
    assert_eq!(v["serial"], lo.serial());
    assert_eq!(v["serial_source"], "loop backing file");
    assert_eq!(v["size"], 8 << 20);
    assert_eq!(v["wipeable"], true, "{v}");
    assert_eq!(v["refused"], Value::Null);
    assert_eq!(v["backs_system"], false);
    assert_eq!(v["hidden_areas"]["hpa"]["state"], "not-applicable");
    assert_eq!(v["ata"]["state"], "not-applicable");
    assert_eq!(v["carriers"], serde_json::json!([]));
    // Registered, it is found by its object in the office's register.
    let id = o.register_image(&img);
    let v = scanned(&o, &lo.dev);
    assert_eq!(v["carriers"][0]["carrier"], id.as_str(), "{v}");
    assert_eq!(v["carriers"][0]["status"], "in-store");
    assert_eq!(v["carriers"][0]["classification"], "secret");
    // The table says the same.
    let table = o.ok(None, &["scan"]);
    let row = table
        .lines()
        .find(|l| l.starts_with(lo.dev.to_str().unwrap()))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(
        row.contains("loop") && row.contains("yes") && row.contains(&id),
        "{row}"
    );
}

#[test]
fn mounted_and_read_only_devices_are_listed_as_not_wipeable_with_why() {
    if !is_root() {
        return skip("scan of refused devices", "needs root for losetup");
    }
    let o = Office::new();
    let img = image(&o, "fs.img", 16 << 20);
    let st = Command::new("mkfs.ext4").args(["-q", "-F"]).arg(&img).status();
    if !st.is_ok_and(|s| s.success()) {
        return skip("scan of refused devices", "mkfs.ext4 is not available");
    }
    let lo = match Loop::attach(&img, None, false) {
        Ok(l) => l,
        Err(e) => return skip("scan of refused devices", &e),
    };
    let mnt = tempfile::tempdir().unwrap();
    assert!(Command::new("mount")
        .arg(&lo.dev)
        .arg(mnt.path())
        .status()
        .unwrap()
        .success());
    let v = scanned(&o, &lo.dev);
    let _ = Command::new("umount").arg(mnt.path()).status();
    assert_eq!(v["wipeable"], false, "{v}");
    assert!(v["refused"].as_str().unwrap().contains("mounted"), "{v}");
    assert!(v["in_use"][0].as_str().unwrap().contains("mounted at"), "{v}");
    // The identity is still read: a refused device is shown, not hidden.
    assert_eq!(v["serial"], lo.serial());

    let ro_img = image(&o, "ro.img", 4 << 20);
    let ro = match Loop::attach(&ro_img, Some(4096), true) {
        Ok(l) => l,
        Err(e) => return skip("scan of a read-only device", &e),
    };
    let v = scanned(&o, &ro.dev);
    assert_eq!(v["read_only"], true, "{v}");
    assert_eq!(v["wipeable"], false);
    assert_eq!(v["logical_sector"], 4096);
}

#[test]
fn serials_that_name_no_one_drive_are_refused_at_registration() {
    let o = Office::staffed();
    for serial in [
        "00000000",
        "M0000000000000000000",
        "FFFFFFFF",
        "To be filled by O.E.M.",
    ] {
        let (code, out, err) = o.run(
            Some("operator"),
            &[
                "carrier",
                "add",
                "--kind",
                "hdd",
                "--serial",
                serial,
                "--classification",
                "internal",
                "--custodian",
                "zhangsan",
            ],
        );
        assert_eq!(code, 3, "{serial}: {out}{err}");
        assert!(err.contains("cannot identify one carrier"), "{err}");
    }
    // A real one goes in.
    o.ok(
        Some("operator"),
        &[
            "carrier",
            "add",
            "--kind",
            "hdd",
            "--serial",
            "WD-WCC6Y2RF681K",
            "--classification",
            "internal",
            "--custodian",
            "zhangsan",
        ],
    );
}

#[test]
fn the_dry_run_shows_what_scan_shows() {
    if !is_root() {
        return skip("dry run facts", "needs root for losetup");
    }
    let o = Office::new();
    let img = image(&o, "d.img", 4 << 20);
    let lo = match Loop::attach(&img, None, false) {
        Ok(l) => l,
        Err(e) => return skip("dry run facts", &e),
    };
    let out = bin().args(["wipe", "--dry-run"]).arg(&lo.dev).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for row in ["bus        loop", "hidden     not applicable", "serial     "] {
        assert!(text.contains(row), "{row:?} in\n{text}");
    }
    let json = bin()
        .args(["wipe", "--dry-run", "--json"])
        .arg(&lo.dev)
        .output()
        .unwrap();
    let plan: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(plan["target"]["drive"]["transport"], "loop");
    assert_eq!(plan["target"]["drive"]["layers"][0]["source"], "sysfs");
}

#[test]
fn expose_hidden_on_a_device_without_a_hidden_area_changes_nothing() {
    if !is_root() {
        return skip("--expose-hidden without an HPA", "needs root for losetup");
    }
    let o = Office::new();
    let img = image(&o, "e.img", 2 << 20);
    common::plant_markers(&img, 2 << 20);
    let lo = match Loop::attach(&img, None, false) {
        Ok(l) => l,
        Err(e) => return skip("--expose-hidden without an HPA", &e),
    };
    let result = o.path("r.json");
    let out = bin()
        .args([
            "wipe",
            "--method",
            "zero",
            "--expose-hidden",
            "--confirm",
            &lo.serial(),
            "--result",
        ])
        .arg(&result)
        .arg(&lo.dev)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&fs::read(&result).unwrap()).unwrap();
    assert_eq!(r["outcome"], "sanitised");
    assert_eq!(r["target"]["drive"]["exposed"], Value::Null);
    assert_eq!(r["target"]["drive"]["hidden"]["hpa"]["state"], "not-applicable");
    assert_eq!(common::count_markers(&fs::read(&img).unwrap()), 0);
}

#[test]
fn a_firmware_technique_is_refused_before_anything_is_sent_where_the_drive_has_none() {
    if !is_root() {
        return skip("firmware technique on a loop device", "needs root for losetup");
    }
    let o = Office::new();
    let img = image(&o, "f.img", 2 << 20);
    let planted = common::plant_markers(&img, 2 << 20);
    let lo = match Loop::attach(&img, None, false) {
        Ok(l) => l,
        Err(e) => return skip("firmware technique on a loop device", &e),
    };
    // A loop device is no drive: whatever the technique, and also a --resume (a journal
    // forged in the checkpoint folder would not change that).
    for (technique, resume) in [
        ("nvme-format-user", false),
        ("ata-sanitize-block", false),
        ("scsi-sanitize-crypto", false),
        ("auto", false),
        ("nvme-sanitize-block", true),
    ] {
        let why = "this is not a drive";
        let out = bin()
            .args(["wipe", "--technique", technique, "--confirm", &lo.serial()])
            .args(resume.then_some("--resume"))
            .arg(&lo.dev)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{technique}: {err}");
        assert!(
            err.contains(why) && err.contains("nothing was sent"),
            "{technique}: {err}"
        );
    }
    // Options about the host's passes do not go with a firmware erase.
    let out = bin()
        .args([
            "wipe",
            "--technique",
            "auto",
            "--method",
            "dod-3",
            "--confirm",
            &lo.serial(),
        ])
        .arg(&lo.dev)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--method does not go with --technique auto"));
    assert_eq!(common::count_markers(&fs::read(&img).unwrap()), planted);
}
