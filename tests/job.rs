//! The phases of a wipe, each on its own (`mediasan::job`): a prepare that refuses
//! writes nothing, a prepare that passes writes nothing either, a dry run cannot be
//! executed, and a record that fails keeps the result file and says what was not
//! recorded.

mod common;

use std::fs;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use common::*;
use mediasan::job::{Link, Plan, Prepared, Request, Unobserved};
use mediasan::keys::Signer;
use mediasan::medium::Sys;
use mediasan::register::Register;

fn plan(o: &Office, method: &str) -> Plan {
    Plan::new(Request {
        method: Some(method.into()),
        result: Some(o.path("r.json")),
        ..Request::new(o.path("checkpoints"), o.path("certs"))
    })
    .unwrap()
}

fn signer(o: &Office, name: &str) -> Signer {
    Signer::from_file(&o.path(name), || None).unwrap()
}

/// A registered image whose destruction is approved, and the operator's link to it.
fn approved_image(o: &Office) -> (std::path::PathBuf, Link) {
    let img = o.path("disk.img");
    plant_markers(&img, 1 << 20);
    let c = o.register_image(&img);
    o.ok(Some("approver"), &["approve", &c]);
    let reg = Register::open(&o.register()).unwrap();
    (img, Link::new(reg, signer(o, "operator"), &c).unwrap())
}

/// The names in a folder (none for a folder that does not exist).
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|it| {
            it.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn prepare_writes_nothing_whether_it_refuses_or_not() {
    let o = Office::staffed();
    let img = o.path("disk.img");
    plant_markers(&img, 1 << 20);
    let c = o.register_image(&img);
    let before = fs::read(&img).unwrap();
    // (Opening the register in WAL mode makes its -shm and -wal files.)
    let guards = vec![Register::open_read_only(&o.register(), false).unwrap()];
    let files = listing(o.dir.path());
    let p = plan(&o, "zero");
    // Refused: the image is a registered carrier and no link was given.
    let err = Prepared::new(&p, &img, &Sys::host(), None, &guards)
        .err()
        .expect("a refusal");
    assert_eq!(err.code, 3, "{err}");
    assert!(err.message.en().contains(&c), "{err}");
    // Passed: another file, prepared and dropped without executing.
    let other = o.path("other.img");
    plant_markers(&other, 1 << 20);
    let other_before = fs::read(&other).unwrap();
    let files = {
        let mut f = files;
        f.push("other.img".into());
        f.sort();
        f
    };
    let prepared = Prepared::new(&p, &other, &Sys::host(), None, &guards).unwrap();
    assert_eq!(prepared.identity().size, 1 << 20);
    assert_eq!(prepared.passes(), 1);
    drop(prepared);
    assert_eq!(fs::read(&img).unwrap(), before);
    assert_eq!(fs::read(&other).unwrap(), other_before);
    assert_eq!(
        listing(o.dir.path()),
        files,
        "no result, checkpoint or certificate was made"
    );
}

#[test]
fn a_dry_run_cannot_be_executed() {
    let o = Office::new();
    let img = o.path("disk.img");
    plant_markers(&img, 1 << 20);
    let before = fs::read(&img).unwrap();
    let p = Plan::new(Request {
        dry_run: true,
        ..Request::new(o.path("checkpoints"), o.path("certs"))
    })
    .unwrap();
    let prepared = Prepared::new(&p, &img, &Sys::host(), None, &[]).unwrap();
    let err = prepared
        .execute(None, &Unobserved, &AtomicBool::new(false))
        .err()
        .expect("refused");
    assert_eq!(err.code, 2);
    assert_eq!(fs::read(&img).unwrap(), before);
}

/// The register refuses wipe-finished (the operator was retired while the wipe ran):
/// the result file is still saved, no certificate names a missing event, and the
/// failure says what was not recorded.
#[test]
fn a_record_that_fails_keeps_the_result_and_says_what_was_not_recorded() {
    let o = Office::staffed();
    let (img, mut link) = approved_image(&o);
    let p = plan(&o, "zero");
    let prepared = Prepared::new(&p, &img, &Sys::host(), Some(&link), &[]).unwrap();
    let executed = prepared
        .execute(Some(&mut link), &Unobserved, &AtomicBool::new(false))
        .unwrap();
    assert_eq!(count_markers(&fs::read(&img).unwrap()), 0, "the wipe ran");
    // Meanwhile an approver retires the operator.
    let mut other = Register::open(&o.register()).unwrap();
    other.retire(&signer(&o, "approver"), "zhangsan").unwrap();
    let recorded = executed.record(Some(&mut link), None);
    assert_eq!(recorded.result.as_deref(), Some(o.path("r.json").as_path()));
    let saved: serde_json::Value = serde_json::from_slice(&fs::read(o.path("r.json")).unwrap()).unwrap();
    assert_eq!(saved["outcome"], "sanitised");
    assert!(recorded.certificate.is_none());
    assert!(
        listing(&o.path("certs")).is_empty(),
        "no certificate without its event"
    );
    assert_eq!(recorded.failures.len(), 1);
    let f = &recorded.failures[0];
    assert_eq!(f.code, 1);
    assert!(
        f.message.en().contains("the register could not record it")
            && f.message.en().contains("no certificate"),
        "{f}"
    );
}

/// The certificate's folder cannot be made: the result and the register's record are
/// kept, and the failure names the certificate.
#[test]
fn a_certificate_that_cannot_be_written_leaves_the_rest_recorded() {
    let o = Office::staffed();
    let (img, mut link) = approved_image(&o);
    let c = link.carrier.id.clone();
    fs::write(o.path("certs"), "a file where the folder should be").unwrap();
    let p = plan(&o, "zero");
    let prepared = Prepared::new(&p, &img, &Sys::host(), Some(&link), &[]).unwrap();
    let executed = prepared
        .execute(Some(&mut link), &Unobserved, &AtomicBool::new(false))
        .unwrap();
    let recorded = executed.record(Some(&mut link), None);
    assert!(recorded.result.is_some());
    assert_eq!(recorded.failures.len(), 1);
    assert!(
        recorded.failures[0]
            .message
            .en()
            .contains("certificate could not be written"),
        "{}",
        recorded.failures[0]
    );
    let show = o.ok(None, &["carrier", "show", &c, "--json"]);
    assert!(
        show.contains("wipe-finished"),
        "the register recorded the end of the wipe"
    );
}

/// One observer follows two jobs running on threads at once: every report names
/// its target, and each target's passes arrive in order.
#[test]
fn one_observer_follows_jobs_on_threads_by_their_targets() {
    use mediasan::job::Observer;
    use std::sync::Mutex;
    #[derive(Default)]
    struct Log(Mutex<Vec<(String, usize)>>);
    impl Observer for Log {
        fn pass_started(&self, target: &str, index: usize, _: usize, _: &str, _: u64) {
            self.0.lock().unwrap().push((target.to_string(), index));
        }
    }
    let o = Office::new();
    let files: Vec<_> = ["a.img", "b.img"]
        .iter()
        .map(|n| {
            let p = o.path(n);
            plant_markers(&p, 4 << 20);
            p
        })
        .collect();
    let p = Plan::new(Request {
        method: Some("dod-3".into()),
        ..Request::new(o.path("checkpoints"), o.path("certs"))
    })
    .unwrap();
    let log = Log::default();
    std::thread::scope(|s| {
        for f in &files {
            let (p, log) = (&p, &log);
            s.spawn(move || {
                let prepared = Prepared::new(p, f, &Sys::host(), None, &[]).unwrap();
                let executed = prepared.execute(None, log, &AtomicBool::new(false)).unwrap();
                assert!(executed.record(None, None).failures.is_empty());
            });
        }
    });
    let log = log.0.into_inner().unwrap();
    for f in &files {
        let name = f.to_str().unwrap();
        let passes: Vec<usize> = log.iter().filter(|(t, _)| t == name).map(|(_, i)| *i).collect();
        assert_eq!(passes, [1, 2, 3], "{name}: {log:?}");
        assert_eq!(count_markers(&fs::read(f).unwrap()), 0);
    }
}
