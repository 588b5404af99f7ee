//! SIGINT and SIGTERM stop a wipe after the current block: outcome
//! `interrupted`, exit 130, and the result says how far each pass got.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

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
    let mut child = Command::new(bin_path())
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
