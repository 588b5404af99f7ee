//! SIGINT and SIGTERM stop a wipe after the current block: outcome
//! `interrupted`, exit 130, and the result says how far each pass got.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use common::*;
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;

fn interrupt_with(signal: Signal) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.img");
    let size: u64 = 64 << 20;
    plant_markers(&file, size);
    let result = dir.path().join("r.json");
    // 35 passes over 64 MiB: long enough to be interrupted after the first pass.
    let mut child = common::raw()
        .env("MEDIASAN_INDEX", test_index())
        .env("MEDIASAN_CHECKPOINTS", dir.path().join("checkpoints"))
        .args(["wipe", "--json", "--method", "gutmann", "--result"])
        .arg(&result)
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut events = Vec::new();
    for line in lines.by_ref() {
        let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        let finished = v["event"] == "pass-finished";
        events.push(v);
        if finished {
            kill(Pid::from_raw(child.id() as i32), signal).unwrap();
            break;
        }
    }
    events.extend(lines.map(|l| serde_json::from_str::<serde_json::Value>(&l.unwrap()).unwrap()));
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{signal}");
    let r = &events.last().unwrap()["result"];
    assert_eq!(r["outcome"], "interrupted");
    let passes = r["passes"].as_array().unwrap();
    assert!(passes.len() < 35, "the wipe went on after {signal}");
    assert_eq!(passes[0]["completed"], true);
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&result).unwrap()).unwrap();
    assert_eq!(&saved, r);
    // What the result claims was written is really there.
    let last = passes.last().unwrap();
    let done = last["bytes"].as_u64().unwrap();
    let data = std::fs::read(&file).unwrap();
    let want = expected(
        last["pattern"].as_str().unwrap(),
        last["random"]["key"].as_str(),
        done,
    );
    assert_eq!(first_difference(&data[..done as usize], &want), None);
}

#[test]
fn sigint_stops_after_the_current_block() {
    interrupt_with(Signal::SIGINT);
}

#[test]
fn sigterm_stops_after_the_current_block() {
    interrupt_with(Signal::SIGTERM);
}

fn run_json(args: &[&str], checkpoints: &std::path::Path) -> (i32, Vec<serde_json::Value>) {
    let out = common::raw()
        .env("MEDIASAN_INDEX", test_index())
        .env("MEDIASAN_CHECKPOINTS", checkpoints)
        .args(args)
        .output()
        .unwrap();
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    (out.status.code().unwrap_or(-1), lines)
}

/// Interrupted with SIGINT: a 0600 checkpoint remains; --resume goes on with the same
/// keys and passes, and every byte ends holding the last pass.
#[test]
fn an_interrupted_wipe_resumes_where_it_stopped() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let cps = dir.path().join("checkpoints");
    let file = dir.path().join("disk.img");
    let size: u64 = 32 << 20;
    plant_markers(&file, size);
    let mut child = common::raw()
        .env("MEDIASAN_INDEX", test_index())
        .env("MEDIASAN_CHECKPOINTS", &cps)
        .args(["wipe", "--json", "--method", "dod-7", "--verify", "last"])
        .arg(&file)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut first_key = None;
    for line in lines {
        let v: serde_json::Value = serde_json::from_str(&line.unwrap()).unwrap();
        if v["event"] == "pass-finished" && v["pass"] == 2 {
            kill(Pid::from_raw(child.id() as i32), Signal::SIGINT).unwrap();
        }
        if v["event"] == "result" {
            first_key = v["result"]["passes"][2]["random"]["key"]
                .as_str()
                .map(str::to_string);
        }
    }
    assert_eq!(child.wait().unwrap().code(), Some(130));
    let cp: Vec<_> = std::fs::read_dir(&cps).unwrap().filter_map(Result::ok).collect();
    assert_eq!(cp.len(), 1, "one checkpoint");
    assert_eq!(cp[0].metadata().unwrap().permissions().mode() & 0o777, 0o600);
    let (code, lines) = run_json(&["wipe", "--json", "--resume", file.to_str().unwrap()], &cps);
    assert_eq!(code, 0, "{lines:?}");
    let r = &lines.last().unwrap()["result"];
    assert_eq!(r["outcome"], "sanitised");
    assert_eq!(r["method"]["name"], "dod-7");
    assert_eq!(r["passes"].as_array().unwrap().len(), 7);
    assert_eq!(r["resumed"].as_array().unwrap().len(), 1);
    if let Some(k) = first_key {
        assert_eq!(r["passes"][2]["random"]["key"], k.as_str(), "the same keys");
    }
    assert_eq!(r["verification"]["result"], "match");
    assert_last_pass(&std::fs::read(&file).unwrap(), r);
    assert!(
        std::fs::read_dir(&cps).unwrap().next().is_none(),
        "the checkpoint is gone once done"
    );
}

/// SIGKILL at different moments (no chance to clean up): each time a checkpoint no
/// older than a few seconds remains, and resuming ends with every byte right.
#[test]
fn kill_9_and_resume_until_done() {
    let dir = tempfile::tempdir().unwrap();
    let cps = dir.path().join("checkpoints");
    let file = dir.path().join("disk.img");
    let size: u64 = 96 << 20;
    plant_markers(&file, size);
    let mut args = vec![
        "wipe",
        "--json",
        "--method",
        "gutmann",
        "--verify",
        "none",
        file.to_str().unwrap(),
    ];
    for (round, after_ms) in [2600u64, 3100, 2400].into_iter().enumerate() {
        let mut child = common::raw()
            .env("MEDIASAN_INDEX", test_index())
            .env("MEDIASAN_CHECKPOINTS", &cps)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(after_ms));
        let finished = child.try_wait().unwrap().is_some();
        kill(Pid::from_raw(child.id() as i32), Signal::SIGKILL).ok();
        let _ = child.wait();
        if finished {
            break;
        }
        let cp = std::fs::read_dir(&cps)
            .unwrap()
            .filter_map(Result::ok)
            .next()
            .expect("a checkpoint after SIGKILL");
        let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(cp.path()).unwrap()).unwrap();
        assert!(saved["pass"].as_u64().unwrap() >= 1, "round {round}: {saved}");
        if round == 0 {
            args = vec!["wipe", "--json", "--resume", file.to_str().unwrap()];
        }
    }
    let (code, lines) = run_json(&["wipe", "--json", "--resume", file.to_str().unwrap()], &cps);
    assert_eq!(code, 0, "{lines:?}");
    let r = &lines.last().unwrap()["result"];
    assert_eq!(r["outcome"], "sanitised");
    assert_eq!(r["passes"].as_array().unwrap().len(), 35);
    assert!(!r["resumed"].as_array().unwrap().is_empty());
    let data = std::fs::read(&file).unwrap();
    assert_last_pass(&data, r);
    assert_eq!(count_markers(&data), 0);
}
