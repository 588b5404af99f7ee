//! Reads the raw target back after *every* pass (not only the last) and checks
//! each byte against that pass's pattern: files of odd size and loop devices
//! with 512- and 4096-byte sectors.

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use common::*;
use mediasan::engine::{self, Options, Progress};
use mediasan::medium::{Access, Sys, Target};
use mediasan::method;
use mediasan::model::report::{MethodRecord, Outcome, PassReport};
use mediasan::pattern::Pattern;

/// After each pass, reads `raw` (the file, or a loop device's backing file) and
/// compares it with the pass's pattern.
struct ReadBack<'a> {
    raw: PathBuf,
    patterns: &'a [Pattern],
    checked: std::sync::Mutex<Vec<String>>,
}

impl Progress for ReadBack<'_> {
    fn pass_finished(&self, pass: &PassReport) {
        let data = std::fs::read(&self.raw).unwrap();
        let mut want = vec![0u8; data.len()];
        self.patterns[pass.index as usize - 1].fill(0, &mut want);
        assert_eq!(
            first_difference(&data, &want),
            None,
            "pass {} ({}) left bytes unwritten",
            pass.index,
            pass.pattern
        );
        assert_eq!(count_markers(&data), 0);
        self.checked.lock().unwrap().push(pass.pattern.clone());
    }
}

fn wipe_and_check_each_pass(target: &Path, raw: &Path, method_name: &str) {
    let m = method::find(method_name).unwrap();
    let patterns = method::expand(m.passes).unwrap();
    let mut t = Target::open(target, &Sys::host(), Access::Write).unwrap();
    let rb = ReadBack {
        raw: raw.to_path_buf(),
        patterns: &patterns,
        checked: std::sync::Mutex::new(Vec::new()),
    };
    let record = MethodRecord {
        name: m.name.into(),
        passes: patterns.iter().map(Pattern::label).collect(),
        blank: false,
    };
    // Small blocks and an odd thread count stress the ordering of the pipeline.
    let opts = Options {
        block_size: 5 * 4096 * 3,
        threads: 3,
        ..Options::default()
    };
    let r = engine::wipe(&mut t, record, &patterns, opts, &AtomicBool::new(false), &rb);
    assert_eq!(r.outcome, Outcome::Sanitised);
    assert_eq!(rb.checked.lock().unwrap().len(), patterns.len());
}

#[test]
fn every_pass_covers_an_odd_sized_file() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f.img");
    plant_markers(&f, (1 << 20) + 1);
    wipe_and_check_each_pass(&f, &f, "gutmann");
}

#[test]
fn every_pass_covers_loop_devices() {
    for sector in [512, 4096] {
        let dir = tempfile::tempdir().unwrap();
        let img = dir.path().join("d.img");
        plant_markers(&img, (3 << 20) + 5 * 4096);
        let lp = match Loop::attach(&img, Some(sector), false) {
            Ok(l) => l,
            Err(e) => return skip("every_pass_covers_loop_devices", &e),
        };
        wipe_and_check_each_pass(&lp.dev, &lp.backing, "dod-7");
    }
}
