//! Readback verification: past the page cache, every wrong byte found by a full
//! read, sampled checks replayed exactly, all modes on files and loop devices.

mod common;

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

use common::*;

fn run(args: &[&str]) -> (i32, Vec<serde_json::Value>, String) {
    let out = bin().args(args).arg("--json").output().unwrap();
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

fn result_of(lines: &[serde_json::Value]) -> &serde_json::Value {
    let last = lines.last().expect("a result line");
    assert_eq!(last["event"], "result");
    last.get("result").unwrap_or(last)
}

/// Overwrites `data` at `offset` in `path` with O_DIRECT (4096-aligned), past any cache.
fn poke_direct(path: &Path, offset: u64, byte: u8) {
    let f = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_DIRECT)
        .open(path)
        .unwrap();
    let base = offset / 4096 * 4096;
    let mut raw = vec![0u8; 8192];
    let start = raw.as_ptr().align_offset(4096);
    let block = &mut raw[start..start + 4096];
    f.read_exact_at(block, base).unwrap();
    block[(offset - base) as usize] = byte;
    f.write_all_at(block, base).unwrap();
}

/// TESTING.md's recipe: the page cache holds the wiped data, the medium is changed
/// underneath; a verifier reading through the cache would pass, mediasan must not.
#[test]
fn verification_reads_past_the_page_cache() {
    let test = "verification_reads_past_the_page_cache";
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("d.img");
    plant_markers(&img, 8 << 20);
    let lp = match Loop::attach(&img, None, false) {
        Ok(l) => l,
        Err(e) => return skip(test, &e),
    };
    let dev = lp.dev.to_str().unwrap();
    let (code, _, err) = run(&[
        "wipe",
        "--method",
        "zero",
        "--verify",
        "none",
        "--confirm",
        &lp.serial(),
        dev,
    ]);
    assert_eq!(code, 0, "{err}");
    // 1. Hold the device open: its last close would drop its page cache.
    let mut holder = fs::File::open(&lp.dev).unwrap();
    // 2. Read it through the page cache, so the cache holds the wiped data.
    let mut cached = Vec::new();
    holder.read_to_end(&mut cached).unwrap();
    assert!(cached.iter().all(|&b| b == 0));
    // 3. Change the medium underneath, with O_DIRECT on the backing file.
    let at = (5 << 20) + 1234;
    poke_direct(&lp.backing, at, 0xA5);
    // A reader going through the cache still sees zeros: the trap is set.
    let mut again = vec![0u8; 4096];
    holder.seek(SeekFrom::Start(at / 4096 * 4096)).unwrap();
    holder.read_exact(&mut again).unwrap();
    assert!(
        again.iter().all(|&b| b == 0),
        "the page cache should still hold the old data"
    );
    // 4. mediasan reads past the cache and finds the change.
    let (code, lines, err) = run(&["verify", dev, "--expect", "zero", "--full"]);
    assert_eq!(code, 1, "{err}");
    let v = &result_of(&lines)["verification"];
    assert_eq!(v["result"], "mismatch");
    assert_eq!(
        v["passes"][0]["mismatches"][0],
        serde_json::json!({ "offset": at, "length": 1 })
    );
    assert!(v["cache"]["page_cache"].as_str().unwrap().contains("O_DIRECT"));
    assert_eq!(
        v["cache"]["from_medium"], false,
        "a loop over a file is read through that file"
    );
    let not: Vec<_> = v["cache"]["not_bypassed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        not.iter().any(|s| s.contains("loop device without direct I/O")),
        "{not:?}"
    );
    drop(holder);
}

/// A single wrong byte anywhere is found by a full readback, at its exact offset.
#[test]
fn a_single_wrong_byte_anywhere_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f.img");
    let size: u64 = (3 << 20) + 777;
    plant_markers(&f, size);
    let r = dir.path().join("r.json");
    let file = f.to_str().unwrap();
    let (code, _, err) = run(&[
        "wipe",
        "--method",
        "random",
        "--verify",
        "last",
        "--result",
        r.to_str().unwrap(),
        file,
    ]);
    assert_eq!(code, 0, "{err}");
    for at in [0, 4095, 4096, 1 << 20, size - 777, size - 1] {
        let h = fs::OpenOptions::new().read(true).write(true).open(&f).unwrap();
        let mut b = [0u8; 1];
        h.read_exact_at(&mut b, at).unwrap();
        h.write_all_at(&[b[0] ^ 0x01], at).unwrap();
        drop(h);
        let (code, lines, _) = run(&["verify", file, "--replay", r.to_str().unwrap(), "--full"]);
        assert_eq!(code, 1, "byte {at}");
        let p = &result_of(&lines)["verification"]["passes"][0];
        assert_eq!(p["mismatched_bytes"], 1);
        assert_eq!(
            p["mismatches"][0],
            serde_json::json!({ "offset": at, "length": 1 })
        );
        let h = fs::OpenOptions::new().write(true).open(&f).unwrap();
        h.write_all_at(&b, at).unwrap();
    }
    let (code, _, _) = run(&["verify", file, "--replay", r.to_str().unwrap(), "--full"]);
    assert_eq!(code, 0, "restored");
}

/// `--replay` reads exactly the sample the wipe read (same seed, same locations) and
/// finds damage where that sample looks; on another target it refuses.
#[test]
fn a_replay_repeats_the_wipes_sample() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f.img");
    plant_markers(&f, 64 << 20);
    let r = dir.path().join("r.json");
    let (file, rp) = (f.to_str().unwrap(), r.to_str().unwrap());
    let (code, lines, err) = run(&["wipe", "--method", "dod-3", "--result", rp, file]);
    assert_eq!(code, 0, "{err}");
    let wiped = result_of(&lines)["verification"].clone();
    assert_eq!(wiped["mode"], "sample");
    assert_eq!(wiped["result"], "match");
    assert_eq!(wiped["passes"][0]["pass"], 3);
    let (code, lines, _) = run(&["verify", file, "--replay", rp]);
    assert_eq!(code, 0);
    let replayed = &result_of(&lines)["verification"]["passes"][0];
    assert_eq!(
        replayed["sample"], wiped["passes"][0]["sample"],
        "same seed, same plan"
    );
    assert_eq!(replayed["bytes_read"], wiped["passes"][0]["bytes_read"]);
    // Damage in the middle of one of the wipe's own random locations, rebuilt from the
    // record: the replay reads exactly there.
    let rec = &wiped["passes"][0]["sample"];
    let plan = mediasan::verify::SamplePlan::new(
        64 << 20,
        rec["unit"].as_u64().unwrap(),
        rec["coverage_ppm"].as_u64().unwrap() as u32,
        u64::from_str_radix(rec["seed"].as_str().unwrap(), 16).unwrap(),
    );
    let loc = plan.locations[plan.locations.len() / 2];
    let mid = loc.offset + loc.length / 2;
    let h = fs::OpenOptions::new().read(true).write(true).open(&f).unwrap();
    let mut old = [0u8; 1];
    h.read_exact_at(&mut old, mid).unwrap();
    h.write_all_at(&[!old[0]], mid).unwrap();
    let (code, lines, _) = run(&["verify", file, "--replay", rp]);
    assert_eq!(code, 1);
    let p = &result_of(&lines)["verification"]["passes"][0];
    assert_eq!(
        p["mismatches"][0],
        serde_json::json!({ "offset": mid, "length": 1 })
    );
    h.write_all_at(&old, mid).unwrap();
    drop(h);
    // Damage in the first MiB, which every sample reads.
    let h = fs::OpenOptions::new().write(true).open(&f).unwrap();
    h.write_all_at(b"SECRET", 100).unwrap();
    drop(h);
    let (code, lines, _) = run(&["verify", file, "--replay", rp]);
    assert_eq!(code, 1);
    assert_eq!(result_of(&lines)["verification"]["result"], "mismatch");
    // Another file of another size is not that wipe's target.
    let other = dir.path().join("other.img");
    plant_markers(&other, 1 << 20);
    let (code, _, err) = run(&["verify", other.to_str().unwrap(), "--replay", rp]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("not the target of that result"), "{err}");
}

/// Every mode on a loop device with 4096-byte sectors, and a second person's
/// independent check with a fresh seed.
#[test]
fn every_mode_on_a_loop_device() {
    let test = "every_mode_on_a_loop_device";
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("d.img");
    plant_markers(&img, (16 << 20) + 8192);
    let lp = match Loop::attach(&img, Some(4096), false) {
        Ok(l) => l,
        Err(e) => return skip(test, &e),
    };
    let dev = lp.dev.to_str().unwrap();
    for (mode, count, scope) in [
        ("all", 6, "full"),
        ("last", 1, "full"),
        ("sample", 1, "sample"),
        ("none", 0, ""),
    ] {
        let (code, lines, err) = run(&[
            "wipe",
            "--method",
            "bmb21",
            "--verify",
            mode,
            "--confirm",
            &lp.serial(),
            dev,
        ]);
        assert_eq!(code, 0, "{mode}: {err}");
        let v = &result_of(&lines)["verification"];
        assert_eq!(v["passes"].as_array().map_or(0, |p| p.len()), count, "{mode}");
        if count > 0 {
            assert_eq!(v["result"], "match");
            assert_eq!(v["passes"][0]["scope"], scope);
            assert_eq!(v["assurance"]["full"], scope == "full");
        } else {
            assert_eq!(v["result"], "not-run");
        }
        let events: Vec<_> = lines
            .iter()
            .map(|l| l["event"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(events.iter().filter(|e| *e == "verify-finished").count(), count);
    }
    // A second person: a fresh seed, the expected pattern of bmb21's last pass.
    let (code, a, _) = run(&["verify", dev, "--expect", "one"]);
    assert_eq!(code, 0);
    let (code, b, _) = run(&["verify", dev, "--expect", "0xFF", "--coverage", "25"]);
    assert_eq!(code, 0);
    let seed = |l: &[serde_json::Value]| result_of(l)["verification"]["passes"][0]["sample"]["seed"].clone();
    assert_ne!(seed(&a), seed(&b), "each check draws its own seed");
    let covered = result_of(&b)["verification"]["passes"][0]["sample"]["covered_ppm"]
        .as_u64()
        .unwrap();
    assert!(covered >= 250_000, "{covered}");
    let (code, _, _) = run(&["verify", dev, "--expect", "zero"]);
    assert_eq!(code, 1);
}

/// The sampled check of a random pass regenerates the keyed stream at the sampled
/// offsets only, and the result states the assurance in words and numbers.
#[test]
fn a_sampled_random_pass_states_its_assurance() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f.img");
    plant_markers(&f, 64 << 20);
    let (code, lines, err) = run(&["wipe", f.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let v = &result_of(&lines)["verification"];
    let p = &v["passes"][0];
    assert_eq!(p["pattern"], "random");
    assert_eq!(p["sample"]["locations"], 2000);
    assert_eq!(p["sample"]["subsections"], 1000);
    assert!(p["bytes_read"].as_u64().unwrap() < (64 << 20) / 5);
    let a = &v["assurance"];
    // 64 MiB has halves of 8 and 9 units: the bound accounts for the larger ones, so it
    // is a little above the classic 0.23 % (1 GiB states exactly 0.23 %: a unit test).
    let bound = a["unwritten_bound_ppm"].as_u64().unwrap();
    assert!((2300..2600).contains(&bound), "{bound}");
    assert_eq!(a["alpha_ppm"], 10_000);
    assert_eq!(a["nist_sp800_88_r1"], true);
    let words = a["statement"].as_str().unwrap();
    assert!(
        words.contains(&mediasan::verify::percent_up(bound)) && words.contains("99% confidence"),
        "{words}"
    );
    assert_eq!(
        v["cache"]["from_medium"], false,
        "a file never claims a readback from the medium"
    );
    // Below 10 % the NIST scheme is not claimed.
    let (code, lines, _) = run(&["wipe", "--coverage", "5", f.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(
        result_of(&lines)["verification"]["assurance"]["nist_sp800_88_r1"],
        false
    );
}

#[test]
fn bad_verification_input_is_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f.img");
    plant_markers(&f, 1 << 20);
    let garbage = dir.path().join("garbage.json");
    fs::write(&garbage, b"{\"format\": \"something else\"").unwrap();
    let file = f.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["verify", file, "--expect", "random"],
            "only be checked with its key",
        ),
        (&["verify", file, "--expect", "0xZZ"], "expected zero, one"),
        (
            &["verify", file, "--replay", garbage.to_str().unwrap()],
            "not a mediasan result",
        ),
        (
            &["verify", file, "--expect", "zero", "--coverage", "0.05"],
            "--coverage",
        ),
        (&["wipe", "--coverage", "101", file], "--coverage"),
        (
            &["wipe", "--method", "hmg-is5-enhanced", "--verify", "none", file],
            "requires its random pass",
        ),
        (
            &[
                "wipe",
                "--method",
                "hmg-is5-enhanced",
                "--blank",
                "--verify",
                "none",
                file,
            ],
            "requires its random pass",
        ),
        (
            &["wipe", "--method", "dod-3", "--verify", "none", file],
            "requires its random pass",
        ),
    ];
    let before = fs::read(&f).unwrap();
    for (args, needle) in cases {
        let out = bin().args(*args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
    assert_eq!(fs::read(&f).unwrap(), before);
    let out = bin()
        .args(["wipe", "--verify", "sometimes", file])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A method whose standard requires its random pass verified gets it verified also
/// when a blank pass follows it, as the last pass is: sampled or whole.
#[test]
fn the_required_random_pass_is_verified_also_under_a_blank() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f.img");
    plant_markers(&f, 8 << 20);
    for (method, mode) in [
        ("hmg-is5-enhanced", "sample"),
        ("dod-3", "last"),
        ("dod-3", "sample"),
    ] {
        let out = bin()
            .args(["wipe", "--json", "--blank", "--method", method, "--verify", mode])
            .arg(&f)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        let r: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        let r = &r["result"];
        let verified: Vec<_> = r["verification"]["passes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["pass"].as_u64().unwrap(),
                    p["pattern"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            verified,
            [(3, "random".to_string()), (4, "0x00".to_string())],
            "{method} --verify {mode}"
        );
        assert_eq!(r["verification"]["result"], "match");
        for p in r["verification"]["passes"].as_array().unwrap() {
            assert_eq!(p["sample"].is_object(), mode == "sample", "{p}");
        }
    }
}
