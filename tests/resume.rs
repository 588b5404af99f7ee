//! A resumed wipe proves what it claims: a checkpoint is evidence, not proof. Forged
//! checkpoints are refused or their claims written again; passes count only where
//! the register records them; the last pass is always read back.

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde_json::Value;

use common::*;

/// `mediasan wipe --json ARGS` in `cwd`, with its checkpoints in `cps`, the test's own
/// index of registers, and `env`.
fn wipe(args: &[&str], env: &[(&str, &Path)], cps: &Path, cwd: &Path) -> Command {
    let mut cmd = common::raw();
    cmd.current_dir(cwd)
        .env("MEDIASAN_CHECKPOINTS", cps)
        .env("MEDIASAN_INDEX", test_index())
        .env_remove("MEDIASAN_KEY");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(["wipe", "--json"]).args(args);
    cmd
}

/// Runs `wipe --json ARGS` (with `env`) and sends SIGINT once pass `after` is
/// finished; returns the checkpoint left in `cps`.
fn interrupt_after(args: &[&str], env: &[(&str, &Path)], cps: &Path, after: u64, cwd: &Path) -> PathBuf {
    let mut child = wipe(args, env, cps, cwd)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut seen = Vec::new();
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let v: Value = serde_json::from_str(&line.unwrap()).unwrap_or_default();
        if v["event"] == "pass-finished" && v["pass"] == after {
            kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
        }
        seen.push(v);
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{args:?} was not interrupted: {}{seen:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cp = fs::read_dir(cps)
        .unwrap()
        .filter_map(Result::ok)
        .next()
        .expect("a checkpoint");
    cp.path()
}

fn run(args: &[&str], env: &[(&str, &Path)], cps: &Path, cwd: &Path) -> (i32, Vec<Value>, String) {
    let out = wipe(args, env, cps, cwd).output().unwrap();
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    (
        out.status.code().unwrap_or(-1),
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Plants markers again over the same file (same inode): what a wipe that writes
/// nothing would leave behind.
fn replant(path: &Path, size: u64) {
    let fresh = path.with_extension("fresh");
    plant_markers(&fresh, size);
    let data = fs::read(&fresh).unwrap();
    fs::remove_file(&fresh).unwrap();
    fs::OpenOptions::new()
        .write(true)
        .open(path)
        .unwrap()
        .write_all_at(&data, 0)
        .unwrap();
}

use std::os::unix::fs::FileExt;

fn edit(cp: &Path, change: impl FnOnce(&mut Value)) {
    let mut v: Value = serde_json::from_slice(&fs::read(cp).unwrap()).unwrap();
    change(&mut v);
    fs::write(cp, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

/// A checkpoint that says every pass is done, over a medium that holds its old data
/// again: the resumed wipe writes again what only the checkpoint vouched for, and
/// reads its last pass back.
#[test]
fn a_checkpoint_that_claims_every_pass_is_written_again() {
    let dir = tempfile::tempdir().unwrap();
    let cps = dir.path().join("cps");
    let img = dir.path().join("disk.img");
    let size = 48 << 20;
    plant_markers(&img, size);
    let f = img.to_str().unwrap();
    // A custom list, since dod-3 may not be run with --verify none.
    let passes = ["--passes", "0x00,0xFF,random", "--verify", "none", f];
    let cp = interrupt_after(&passes, &[], &cps, 1, dir.path());
    replant(&img, size);
    edit(&cp, |v| {
        let first = v["done"][0].clone();
        let passes = v["passes"].clone();
        v["done"] = (0..3)
            .map(|i| {
                let mut d = first.clone();
                d["index"] = (i + 1).into();
                d["pattern"] = passes[i]["pattern"].clone();
                d
            })
            .collect();
        v["pass"] = 4.into();
        v["offset"] = 0.into();
    });
    let (code, lines, err) = run(&["--resume", f], &[], &cps, dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("written again"), "{err}");
    let r = &lines.last().unwrap()["result"];
    assert_eq!(r["outcome"], "sanitised");
    assert_eq!(
        r["passes"].as_array().unwrap().len(),
        3,
        "every pass written by this run"
    );
    assert_eq!(r["resumed"][0]["pass"], 1);
    // Verified although the checkpoint (and the first run) said none.
    assert_eq!(r["verification"]["mode"], "sample");
    assert_eq!(r["verification"]["result"], "match");
    let data = fs::read(&img).unwrap();
    assert_eq!(count_markers(&data), 0);
    assert_last_pass(&data, r);
}

/// Checkpoints that do not fit the plan rebuilt from them, or the target, are refused
/// (exit 3) and nothing is written.
#[test]
fn checkpoints_that_do_not_fit_are_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let cps = dir.path().join("cps");
    let img = dir.path().join("disk.img");
    let size = 48 << 20;
    plant_markers(&img, size);
    let f = img.to_str().unwrap();
    let cp = interrupt_after(&["--method", "dod-3", f], &[], &cps, 1, dir.path());
    let good = fs::read(&cp).unwrap();
    replant(&img, size);
    let before = fs::read(&img).unwrap();
    type Forgery = Box<dyn Fn(&mut Value)>;
    let forgeries: Vec<(&str, Forgery, &str)> = vec![
        (
            "pass past the plan",
            Box::new(|v| v["pass"] = 9.into()),
            "outside 3 passes",
        ),
        (
            "offset past the end",
            Box::new(|v| v["offset"] = (49u64 << 20).into()),
            "outside 3 passes",
        ),
        (
            "another method's name",
            Box::new(|v| v["method"]["name"] = "zero".into()),
            "do not agree",
        ),
        (
            "a fixed pass changed",
            Box::new(|v| v["passes"][1]["pattern"] = "0x55".into()),
            "is not what dod-3 writes",
        ),
        (
            "a random pass without its key",
            Box::new(|v| v["passes"][2]["key"] = Value::Null),
            "malformed",
        ),
        (
            "a block size mediasan never writes with",
            Box::new(|v| v["block_size"] = 12345.into()),
            "block size",
        ),
        (
            "a pass counted without its report",
            Box::new(|v| v["pass"] = 3.into()),
            "reports 1 passes done",
        ),
        (
            "another target's identity",
            Box::new(|v| v["target"]["object"] = "file:0:1:2".into()),
            "another target",
        ),
        (
            "a zero coverage",
            Box::new(|v| v["coverage_ppm"] = 0.into()),
            "coverage",
        ),
    ];
    for (what, forge, says) in forgeries {
        fs::write(&cp, &good).unwrap();
        edit(&cp, forge);
        let (code, _, err) = run(&["--resume", f], &[], &cps, dir.path());
        assert_eq!(code, 3, "{what}: {err}");
        assert!(err.contains(says), "{what}: expected {says:?} in {err}");
        assert_eq!(fs::read(&img).unwrap(), before, "{what}: the medium was written");
    }
    // A checkpoint moved over from another file (its name is the target's identity).
    fs::write(&cp, &good).unwrap();
    let other = dir.path().join("other.img");
    plant_markers(&other, size);
    let (code, _, err) = run(&["--dry-run", other.to_str().unwrap()], &[], &cps, dir.path());
    assert_eq!(code, 0, "{err}");
    let other_cp = {
        use std::os::unix::fs::MetadataExt;
        let m = fs::metadata(&other).unwrap();
        cps.join(format!(
            "file-{}_{}-{}.checkpoint.json",
            libc::major(m.dev()),
            libc::minor(m.dev()),
            m.ino()
        ))
    };
    fs::copy(&cp, &other_cp).unwrap();
    let other_before = fs::read(&other).unwrap();
    let (code, _, err) = run(&["--resume", other.to_str().unwrap()], &[], &cps, dir.path());
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("another target"), "{err}");
    assert_eq!(fs::read(&other).unwrap(), other_before);
    // --verify none cannot go with --resume.
    let (code, _, err) = run(&["--resume", "--verify", "none", f], &[], &cps, dir.path());
    assert_eq!(code, 2, "{err}");
    assert_eq!(fs::read(&img).unwrap(), before);
    // The untouched checkpoint still resumes, and asks for more verification than it had.
    let (code, lines, err) = run(&["--resume", "--verify", "last", f], &[], &cps, dir.path());
    assert_eq!(code, 0, "{err}");
    let r = &lines.last().unwrap()["result"];
    assert_eq!(r["verification"]["mode"], "last");
    assert_eq!(count_markers(&fs::read(&img).unwrap()), 0);
}

/// A carrier's wipe records each finished pass, signed; a resume counts those and
/// nothing else, and says so when the checkpoint claimed more.
#[test]
fn a_carriers_resume_counts_the_passes_the_register_records() {
    let o = Office::staffed();
    let cps = o.path("cps");
    let img = o.path("disk.img");
    let size = 48 << 20;
    plant_markers(&img, size);
    let c = o.register_image(&img);
    o.ok(Some("approver"), &["approve", &c]);
    let f = img.to_str().unwrap();
    let reg = o.register();
    let key = o.path("operator");
    let env: [(&str, &Path); 2] = [("MEDIASAN_REGISTER", &reg), ("MEDIASAN_KEY", &key)];
    let cp = interrupt_after(
        &["--carrier", &c, "--method", "dod-3", f],
        &env,
        &cps,
        2,
        o.dir.path(),
    );
    let saved: Value = serde_json::from_slice(&fs::read(&cp).unwrap()).unwrap();
    assert_eq!(saved["carrier"], c.as_str());
    let good = fs::read(&cp).unwrap();
    // Resuming without --carrier: the guard refuses the registered image.
    let (code, _, err) = run(
        &["--resume", f],
        &[("MEDIASAN_REGISTER", &reg)],
        &cps,
        o.dir.path(),
    );
    assert_eq!(code, 3, "{err}");
    // A checkpoint pointing at another wipe-started: no pass is proven, all are written again.
    edit(&cp, |v| v["wipe"] = 1.into());
    let (code, lines, err) = run(&["--carrier", &c, "--resume", f], &env, &cps, o.dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("the register records 0"), "{err}");
    assert_eq!(lines.last().unwrap()["result"]["resumed"][0]["pass"], 1);

    // Again, honestly: the two recorded passes are counted.
    plant_markers(&img, size);
    o.ok(Some("approver"), &["approve", &c]);
    let cp = interrupt_after(
        &["--carrier", &c, "--method", "dod-3", f],
        &env,
        &cps,
        2,
        o.dir.path(),
    );
    assert_ne!(fs::read(&cp).unwrap(), good);
    let (code, lines, err) = run(&["--carrier", &c, "--resume", f], &env, &cps, o.dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("resuming pass 3 of 3"), "{err}");
    let r = &lines.last().unwrap()["result"];
    assert_eq!(r["outcome"], "sanitised");
    assert_eq!(r["passes"].as_array().unwrap().len(), 3);
    assert_last_pass(&fs::read(&img).unwrap(), r);
    assert!(o.ok(None, &["register", "verify"]).contains("register verified"));
}
