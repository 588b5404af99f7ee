//! `mediasan wipe` on real loop devices (512- and 4096-byte sectors), the
//! refusals that can be staged on them, and a real write fault. Needs root and
//! losetup; each test prints why it skips where they are missing.

mod common;

use std::fs;
use std::process::Command;

use common::*;

/// Attaches a loop device over a marker-filled image, or prints why not.
fn staged(test: &str, size: u64, sector: Option<u32>, read_only: bool) -> Option<(tempfile::TempDir, Loop)> {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("disk.img");
    plant_markers(&img, size);
    match Loop::attach(&img, sector, read_only) {
        Ok(l) => Some((dir, l)),
        Err(reason) => {
            skip(test, &reason);
            None
        }
    }
}

fn wipe(args: &[&str]) -> (i32, Vec<serde_json::Value>, String) {
    let out = bin().arg("wipe").arg("--json").args(args).output().unwrap();
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("every --json line is a JSON object"))
        .collect();
    (
        out.status.code().unwrap_or(-1),
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn loop_devices_are_overwritten_completely_at_both_sector_sizes() {
    // Not a multiple of the 4 MiB block: the last block is short (and, at 512-byte
    // sectors, shorter than a page).
    for (sector, size) in [(512, (9 << 20) + 512), (4096, (9 << 20) + 3 * 4096)] {
        for method in ["bmb21", "gutmann", "dod-7"] {
            let Some((_dir, lp)) = staged("loop_devices_are_overwritten", size, Some(sector), false) else {
                return;
            };
            let serial = lp.serial();
            let (code, lines, err) =
                wipe(&["--method", method, "--confirm", &serial, lp.dev.to_str().unwrap()]);
            assert_eq!(code, 0, "{method} on {sector}-byte sectors: {err}");
            let result = &lines.last().unwrap()["result"];
            assert_eq!(result["outcome"], "sanitised");
            assert_eq!(result["target"]["kind"], "block-device");
            assert_eq!(result["target"]["serial"], serial.as_str());
            assert_eq!(result["target"]["serial_source"], "loop backing file");
            assert_eq!(result["target"]["logical_sector"], sector);
            assert_eq!(result["io"]["direct"], true);
            let data = fs::read(&lp.backing).unwrap();
            assert_eq!(data.len() as u64, size);
            assert_last_pass(&data, result);
            assert_eq!(count_markers(&data), 0);
        }
    }
}

#[test]
fn a_block_device_is_not_written_without_its_serial() {
    let Some((_dir, lp)) = staged(
        "a_block_device_is_not_written_without_its_serial",
        4 << 20,
        None,
        false,
    ) else {
        return;
    };
    let before = fs::read(&lp.backing).unwrap();
    let dev = lp.dev.to_str().unwrap();
    // No --confirm and no terminal: refused.
    let (code, _, err) = wipe(&[dev]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("--confirm") && err.contains(&lp.serial()), "{err}");
    // A wrong serial: refused.
    let (code, _, err) = wipe(&["--confirm", "WD-NOT-THIS-ONE", dev]);
    assert_eq!(code, 3);
    assert!(err.contains("does not match"), "{err}");
    assert_eq!(
        fs::read(&lp.backing).unwrap(),
        before,
        "a refused device was changed"
    );

    // The dry run names the identity that --confirm expects, and writes nothing.
    let (code, lines, _) = wipe(&["--dry-run", "--method", "zero", dev]);
    assert_eq!(code, 0);
    assert_eq!(lines[0]["confirm"], lp.serial().as_str());
    assert_eq!(lines[0]["target"]["size"], 4 << 20);
    assert!(lines[0]["checks"].as_array().unwrap().len() >= 6);
    assert_eq!(fs::read(&lp.backing).unwrap(), before);
}

#[test]
fn a_read_only_device_is_refused_before_anything_is_written() {
    let Some((_dir, lp)) = staged("a_read_only_device_is_refused", 4 << 20, None, true) else {
        return;
    };
    let before = fs::read(&lp.backing).unwrap();
    let (code, _, err) = wipe(&[
        "--method",
        "zero",
        "--confirm",
        &lp.serial(),
        lp.dev.to_str().unwrap(),
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("read-only"), "{err}");
    assert_eq!(fs::read(&lp.backing).unwrap(), before);
    // BLKROGET on its own (sysfs says the same for `losetup -r`, so check the ioctl too).
    let ro = fs::File::open(&lp.dev).unwrap();
    assert!(mediasan::device::block::read_only(&ro).unwrap());
    let Some((_d2, rw)) = staged("a_read_only_device_is_refused", 1 << 20, None, false) else {
        return;
    };
    assert!(!mediasan::device::block::read_only(&fs::File::open(&rw.dev).unwrap()).unwrap());
}

#[test]
fn a_loop_over_a_block_device_is_refused() {
    let test = "a_loop_over_a_block_device_is_refused";
    let Some((_dir, inner)) = staged(test, 4 << 20, None, false) else {
        return;
    };
    let outer = match Loop::attach(&inner.dev, None, false) {
        Ok(l) => l,
        Err(e) => return skip(test, &e),
    };
    let before = fs::read(&inner.backing).unwrap();
    let (code, _, err) = wipe(&[
        "--method",
        "zero",
        "--confirm",
        &outer.serial(),
        outer.dev.to_str().unwrap(),
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("loop device over the block device"), "{err}");
    assert_eq!(fs::read(&inner.backing).unwrap(), before);
}

#[test]
fn a_file_backing_a_loop_device_is_refused() {
    let Some((_dir, lp)) = staged("a_file_backing_a_loop_device_is_refused", 1 << 20, None, false) else {
        return;
    };
    let before = fs::read(&lp.backing).unwrap();
    let (code, _, err) = wipe(&["--method", "zero", lp.backing.to_str().unwrap()]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("backs the loop device"), "{err}");
    assert_eq!(fs::read(&lp.backing).unwrap(), before);
}

#[test]
fn a_mounted_device_is_refused_and_left_alone() {
    let test = "a_mounted_device_is_refused";
    let Some((dir, lp)) = staged(test, 16 << 20, None, false) else {
        return;
    };
    let dev = lp.dev.to_str().unwrap();
    let mkfs = Command::new("mkfs.ext4")
        .args(["-q", "-F", "-L", "SECRETDATA", dev])
        .status();
    if !mkfs.is_ok_and(|s| s.success()) {
        return skip(test, "mkfs.ext4 is not available");
    }
    // The confirmation screen and the dry run show the file-system label.
    let (_, lines, _) = wipe(&["--dry-run", dev]);
    let labels = lines[0]["target"]["labels"].to_string();
    assert!(
        labels.contains("SECRETDATA") && labels.contains("ext4"),
        "{labels}"
    );
    let mnt = dir.path().join("mnt");
    fs::create_dir(&mnt).unwrap();
    if !Command::new("mount")
        .arg(dev)
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success())
    {
        return skip(test, "cannot mount ext4 here");
    }
    struct Unmount<'a>(&'a std::path::Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _guard = Unmount(&mnt);
    let _ = Command::new("sync").status();
    let before = fs::read(&lp.backing).unwrap();
    let (code, _, err) = wipe(&["--method", "zero", "--confirm", &lp.serial(), dev]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("mounted at") && err.contains(mnt.to_str().unwrap()),
        "{err}"
    );
    assert!(err.contains("hint: unmount"), "{err}");
    assert_eq!(fs::read(&lp.backing).unwrap(), before);
}

fn spans(v: &serde_json::Value) -> Vec<(u64, u64)> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| (s["offset"].as_u64().unwrap(), s["length"].as_u64().unwrap()))
                .collect()
        })
        .unwrap_or_default()
}

/// A loop device over a sparse image larger than the tmpfs it lives on: every write
/// past the tmpfs's capacity fails with ENOSPC — a large failing tail. The wipe goes
/// on, narrows the failures down by bisection, lists them, and is `incomplete`.
#[test]
fn a_failing_tail_is_narrowed_down_and_listed() {
    let test = "a_failing_tail_is_narrowed_down_and_listed";
    let tmpfs = match Tmpfs::mount("8m") {
        Ok(t) => t,
        Err(e) => return skip(test, &e),
    };
    let img = tmpfs.path().join("img");
    fs::File::create(&img).unwrap().set_len(32 << 20).unwrap();
    let lp = match Loop::attach(&img, Some(4096), false) {
        Ok(l) => l,
        Err(e) => return skip(test, &e),
    };
    let dir = tempfile::tempdir().unwrap();
    let result = dir.path().join("r.json");
    let args = [
        "--method",
        "zero",
        "--confirm",
        &lp.serial(),
        "--result",
        result.to_str().unwrap(),
        lp.dev.to_str().unwrap(),
    ];
    let (code, lines, err) = wipe(&args);
    assert_eq!(code, 1, "{err}");
    let r = &lines.last().unwrap()["result"];
    assert_eq!(r["outcome"], "incomplete");
    let pass = &r["passes"][0];
    assert_eq!(pass["completed"], true, "the pass went over the whole device");
    let lost: u64 = spans(&r["unwritten"]).iter().map(|(_, l)| l).sum();
    assert!(((20 << 20)..(32 << 20)).contains(&lost), "{lost} bytes unwritten");
    assert!(spans(&r["unwritten"])
        .iter()
        .all(|(o, l)| o % 4096 == 0 && l % 4096 == 0));
    assert_eq!(pass["bytes"].as_u64().unwrap(), (32 << 20) - lost);
    let saved: serde_json::Value = serde_json::from_slice(&fs::read(&result).unwrap()).unwrap();
    assert_eq!(
        saved["outcome"], "incomplete",
        "the saved result never says sanitised"
    );
}

/// TESTING.md's bad region: an image filling a tmpfs, a hole punched into it and the
/// freed space filled again. Writes into the hole fail, everything around it works:
/// the wipe writes all but the hole, and lists exactly the hole.
#[test]
fn a_bad_region_in_the_middle_is_skipped_and_everything_else_written() {
    let test = "a_bad_region_in_the_middle";
    let tmpfs = match Tmpfs::mount("64m") {
        Ok(t) => t,
        Err(e) => return skip(test, &e),
    };
    let img = tmpfs.path().join("img");
    fs::write(&img, vec![0u8; 60 << 20]).unwrap();
    let fill = |name: &str| {
        let _ = Command::new("dd")
            .arg("if=/dev/zero")
            .arg(format!("of={}", tmpfs.path().join(name).display()))
            .arg("bs=64k")
            .stderr(std::process::Stdio::null())
            .status();
    };
    fill("fill1");
    let punched = Command::new("fallocate")
        .args([
            "-p",
            "-o",
            &(20u64 << 20).to_string(),
            "-l",
            &(1u64 << 20).to_string(),
        ])
        .arg(&img)
        .status();
    if !punched.is_ok_and(|s| s.success()) {
        return skip(test, "fallocate -p (punch hole) is not available");
    }
    fill("fill2");
    let lp = match Loop::attach(&img, Some(4096), false) {
        Ok(l) => l,
        Err(e) => return skip(test, &e),
    };
    let (code, lines, err) = wipe(&[
        "--method",
        "one",
        "--verify",
        "last",
        "--confirm",
        &lp.serial(),
        lp.dev.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{err}");
    let r = &lines.last().unwrap()["result"];
    assert_eq!(r["outcome"], "incomplete");
    assert_eq!(
        spans(&r["unwritten"]),
        vec![(20 << 20, 1 << 20)],
        "exactly the hole"
    );
    assert_eq!(
        r["verification"]["passes"][0]["mismatched_bytes"], 0,
        "the rest reads back as written"
    );
    drop(lp);
    let data = fs::read(&img).unwrap();
    assert!(
        data[..20 << 20]
            .iter()
            .chain(&data[21 << 20..])
            .all(|&b| b == 0xFF),
        "all but the hole written"
    );
}

/// On a terminal, the serial typed at the prompt is the confirmation: a wrong one
/// writes nothing (exit 3), the right one wipes. `script` gives the process a pty.
#[test]
fn the_serial_typed_at_the_prompt_confirms() {
    let test = "the_serial_typed_at_the_prompt_confirms";
    if Command::new("script").arg("--version").output().is_err() {
        return skip(test, "script (util-linux) is not installed");
    }
    let Some((_dir, lp)) = staged(test, 1 << 20, None, false) else {
        return;
    };
    let before = fs::read(&lp.backing).unwrap();
    let run = |typed: &str| {
        let cmd = format!("{} wipe --method zero {}", bin_path().display(), lp.dev.display());
        let mut child = Command::new("script")
            .env("MEDIASAN_CHECKPOINTS", _dir.path().join("checkpoints"))
            .env("MEDIASAN_INDEX", test_index())
            .env("MEDIASAN_CONFIG", "/dev/null")
            .env("LANG", "C")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .args(["-qec", &cmd, "/dev/null"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Type after the prompt is up, as a person would.
        std::thread::sleep(std::time::Duration::from_millis(300));
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(format!("{typed}\n").as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, screen) = run("WD-SOMETHING-ELSE");
    assert_eq!(code, Some(3), "{screen}");
    assert!(
        screen.contains("DESTROY") && screen.contains(&lp.serial()),
        "{screen}"
    );
    assert!(screen.contains("nothing was written"), "{screen}");
    assert_eq!(fs::read(&lp.backing).unwrap(), before);
    let (code, screen) = run(&lp.serial());
    assert_eq!(code, Some(0), "{screen}");
    assert!(fs::read(&lp.backing).unwrap().iter().all(|&b| b == 0));
}
