//! `mediasan batch run` on real loop devices: several carriers at once, one made to
//! fail; a manifest with a wrong drive writes nothing; kill -9 mid-batch, then
//! `--resume`, ends with every drive holding its last pass.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{count_markers, is_root, plant_markers, skip, Loop, Office, Tmpfs};
use serde_json::Value;

/// A staffed office with `n` images registered as carriers and approved, each on its
/// loop device. Returns the loops and the carrier ids.
fn carriers(o: &Office, images: &[PathBuf]) -> Result<Vec<(Loop, String)>, String> {
    let mut out = Vec::new();
    for img in images {
        let id = o.register_image(img);
        o.ok(Some("approver"), &["approve", &id]);
        let lo = Loop::attach(img, None, false)?;
        out.push((lo, id));
    }
    Ok(out)
}

/// Images full of markers, registered, approved, each on its loop device.
struct Marked {
    images: Vec<PathBuf>,
    /// How many markers each image holds.
    planted: Vec<usize>,
    loops: Vec<(Loop, String)>,
}

/// `n` images of 4 MiB named `{prefix}{i}.img`, marked and made carriers (see [`carriers`]).
fn marked(o: &Office, prefix: &str, n: usize) -> Result<Marked, String> {
    let images: Vec<PathBuf> = (0..n).map(|i| o.path(&format!("{prefix}{i}.img"))).collect();
    let planted = images.iter().map(|i| plant_markers(i, 4 << 20)).collect();
    let loops = carriers(o, &images)?;
    Ok(Marked {
        images,
        planted,
        loops,
    })
}

fn manifest(o: &Office, rows: &[(String, String)], extra: &str) -> PathBuf {
    let mut text = String::from("device,carrier,method,verify\n");
    for (dev, carrier) in rows {
        text.push_str(&format!("{dev},{carrier},zero,{extra}\n"));
    }
    let p = o.path("manifest.csv");
    fs::write(&p, text).unwrap();
    p
}

fn serials(o: &Office, loops: &[(Loop, String)]) -> PathBuf {
    let p = o.path("serials.txt");
    let text: String = loops.iter().map(|(l, _)| l.serial() + "\n").collect();
    fs::write(&p, text).unwrap();
    p
}

/// `batch run MANIFEST --confirm-serials SERIALS` as the operator, with `extra` flags.
fn run_batch(o: &Office, m: &Path, confirmed: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["batch", "run", m.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.extend(["--confirm-serials", confirmed.to_str().unwrap()]);
    o.run(Some("operator"), &args)
}

fn batch_record(dir: &Path) -> Value {
    let p = fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with("batch-"))
        .expect("a batch record");
    serde_json::from_slice(&fs::read(p).unwrap()).unwrap()
}

#[test]
fn four_drives_at_once_one_failing_the_others_certified() {
    let test = "batch of four, one failing";
    if !is_root() {
        return skip(test, "needs root for losetup and tmpfs");
    }
    let o = Office::staffed();
    let mut images: Vec<PathBuf> = (0..3).map(|i| o.path(&format!("d{i}.img"))).collect();
    for img in &images {
        plant_markers(img, 6 << 20);
    }
    // The fourth lives on a tmpfs too small for it: its writes fail past 2 MiB.
    let tmpfs = match Tmpfs::mount("2m") {
        Ok(t) => t,
        Err(e) => return skip(test, &e),
    };
    let small = tmpfs.path().join("full.img");
    fs::File::create(&small).unwrap().set_len(8 << 20).unwrap();
    images.push(small);
    let loops = match carriers(&o, &images) {
        Ok(l) => l,
        Err(e) => return skip(test, &e),
    };
    let rows: Vec<(String, String)> = loops
        .iter()
        .map(|(l, c)| (l.dev.to_str().unwrap().to_string(), c.clone()))
        .collect();
    let m = manifest(&o, &rows, "sample");
    let confirmed = serials(&o, &loops);
    let certs = o.path("certs");
    let (code, out, err) = o.run(
        Some("operator"),
        &[
            "batch",
            "run",
            m.to_str().unwrap(),
            "--parallel",
            "4",
            "--confirm-serials",
            confirmed.to_str().unwrap(),
            "--cert-dir",
            certs.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "one drive failed: {out}{err}");
    let record = batch_record(&certs);
    let jobs = record["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 4);
    for (i, j) in jobs.iter().enumerate() {
        if i < 3 {
            assert_eq!(j["status"], "sanitised", "{j}");
            let cert = certs.join(Path::new(j["certificate"].as_str().unwrap()).file_name().unwrap());
            let c: Value = serde_json::from_slice(&fs::read(&cert).unwrap()).unwrap();
            assert_eq!(c["body"]["media"]["carrier"], rows[i].1.as_str());
            assert_eq!(c["body"]["sanitisation"]["outcome"], "sanitised");
            assert_eq!(
                count_markers(&fs::read(&images[i]).unwrap()),
                0,
                "{}",
                images[i].display()
            );
        } else {
            assert!(
                matches!(j["status"].as_str(), Some("incomplete" | "failed")),
                "{j}"
            );
            // The reason is said: the region the full tmpfs could not take.
            assert!(j["error"].as_str().is_some_and(|e| !e.is_empty()), "{j}");
        }
    }
    assert!(
        out.contains("sanitised") && out.contains("DEVICE / CARRIER"),
        "{out}"
    );
    // The supervisor co-signs the batch's certificates after one confirmation.
    let with_cert = jobs.iter().filter(|j| j["certificate"].is_string()).count();
    let record_path = fs::read_dir(&certs)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with("batch-"))
        .unwrap();
    let rec = record_path.to_str().unwrap();
    let count = with_cert.to_string();
    let wrong = (with_cert + 1).to_string();
    let cosign = |key: &str, n: &str| {
        o.run(
            Some(key),
            &["cert", "cosign", "--batch", rec, "--confirm-count", n],
        )
    };
    let (code, _, err) = cosign("supervisor", &wrong);
    assert_eq!(code, 3, "{err}");
    let (code, _, err) = cosign("operator", &count);
    assert_eq!(code, 3, "the operator co-signs nothing: {err}");
    assert!(
        err.contains("not an active supervisor") && err.contains("none was signed"),
        "{err}"
    );
    let (code, out, err) = cosign("supervisor", &count);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.matches("co-signed by").count(), with_cert, "{out}");
    for j in jobs.iter().filter(|j| j["certificate"].is_string()) {
        let cert = certs.join(Path::new(j["certificate"].as_str().unwrap()).file_name().unwrap());
        let c: Value = serde_json::from_slice(&fs::read(&cert).unwrap()).unwrap();
        assert_eq!(c["signatures"].as_array().unwrap().len(), 2, "{}", cert.display());
        o.ok(None, &["cert", "verify", cert.to_str().unwrap()]);
    }
    // Every event went into the register, which still verifies.
    o.ok(None, &["register", "verify"]);
}

#[test]
fn a_manifest_that_does_not_match_the_drives_writes_nothing() {
    let test = "batch with a wrong drive";
    if !is_root() {
        return skip(test, "needs root for losetup");
    }
    let o = Office::staffed();
    let Marked {
        images,
        planted,
        loops,
    } = match marked(&o, "w", 2) {
        Ok(m) => m,
        Err(e) => return skip(test, &e),
    };
    // Row 2 names the first drive's carrier with the second drive, and a serial nothing has.
    let rows = vec![
        (loops[0].0.dev.to_str().unwrap().to_string(), loops[1].1.clone()),
        ("serial:NO-SUCH-DRIVE".to_string(), loops[0].1.clone()),
    ];
    let m = manifest(&o, &rows, "");
    let confirmed = serials(&o, &loops);
    let (code, _, err) = run_batch(&o, &m, &confirmed, &[]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("line 2") && err.contains("not carrier"), "{err}");
    assert!(
        err.contains("line 3") && err.contains("no attached drive"),
        "{err}"
    );
    assert!(err.contains("nothing was written"), "{err}");
    // A firmware erase is a drive's own command: a loop device cannot take one, so the
    // row asking for it is refused before anything is written, as is the whole batch.
    let m = o.path("firmware.csv");
    fs::write(
        &m,
        format!(
            "device,carrier,technique\n{},{},\n{},{},nvme-format-user\n",
            loops[0].0.dev.display(),
            loops[0].1,
            loops[1].0.dev.display(),
            loops[1].1
        ),
    )
    .unwrap();
    let (code, _, err) = run_batch(&o, &m, &confirmed, &[]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("line 3") && err.contains("not a drive"), "{err}");
    // --technique gives every row without one the same: both refused.
    let (code, _, err) = run_batch(&o, &m, &confirmed, &["--technique", "auto"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("line 2") && err.contains("--technique auto"),
        "{err}"
    );
    for (img, n) in images.iter().zip(planted) {
        assert_eq!(count_markers(&fs::read(img).unwrap()), n, "{}", img.display());
    }
    // A manifest with a bad row fails before anything is opened, naming the line.
    fs::write(&m, "device,carrier\n/dev/loop-nope,C-1\nsdq,C-2\n").unwrap();
    let (code, _, err) = o.run(Some("operator"), &["batch", "run", m.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("line 3"), "{err}");
}

#[test]
fn kill_9_mid_batch_then_resume_ends_with_every_drive_wiped() {
    interrupted_then_resumed(false);
}

#[test]
fn sigint_stops_every_job_with_a_checkpoint_and_resume_finishes_them() {
    interrupted_then_resumed(true);
}

/// Stops a batch of three drives two at a time once a job has checkpointed — by SIGINT
/// (`sigint`: every running job stops at a block boundary with its checkpoint, exit 130)
/// or by kill -9 — then `--resume` ends with every drive wiped and the register whole.
fn interrupted_then_resumed(sigint: bool) {
    let test = if sigint {
        "batch interrupted and resumed"
    } else {
        "batch killed and resumed"
    };
    if !is_root() {
        return skip(test, "needs root for losetup");
    }
    let o = Office::staffed();
    let images: Vec<PathBuf> = (0..3).map(|i| o.path(&format!("k{i}-{sigint}.img"))).collect();
    for img in &images {
        plant_markers(img, 96 << 20);
    }
    let loops = match carriers(&o, &images) {
        Ok(l) => l,
        Err(e) => return skip(test, &e),
    };
    let rows: Vec<(String, String)> = loops
        .iter()
        .map(|(l, c)| (l.dev.to_str().unwrap().to_string(), c.clone()))
        .collect();
    // dod-3 writes three passes: a kill lands in the middle of a job.
    let mut text = String::from("device,carrier,method\n");
    for (d, c) in &rows {
        text.push_str(&format!("{d},{c},dod-3\n"));
    }
    let m = o.path("manifest.csv");
    fs::write(&m, text).unwrap();
    let confirmed = serials(&o, &loops);
    let certs = o.path("certs");
    let args = |resume: bool| {
        let mut a = vec![
            "batch".to_string(),
            "run".into(),
            m.to_str().unwrap().into(),
            "--parallel".into(),
            "2".into(),
            "--confirm-serials".into(),
            confirmed.to_str().unwrap().into(),
            "--cert-dir".into(),
            certs.to_str().unwrap().into(),
        ];
        if resume {
            a.push("--resume".into());
        }
        a
    };
    let mut child = common::raw()
        .current_dir(o.dir.path())
        .env("MEDIASAN_REGISTER", o.register())
        .env("MEDIASAN_INDEX", o.index())
        .env("MEDIASAN_KEY", o.path("operator"))
        .env("MEDIASAN_CHECKPOINTS", o.path("checkpoints"))
        .args(args(false))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill once a job has checkpointed (checkpoints are saved every 2 s).
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline && fs::read_dir(o.path("checkpoints")).map_or(0, |d| d.count()) == 0 {
        std::thread::sleep(Duration::from_millis(200));
    }
    std::thread::sleep(Duration::from_millis(300));
    if sigint {
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "an interrupted batch exits 130");
        let before = batch_record(&certs);
        let statuses: Vec<&str> = before["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["status"].as_str().unwrap())
            .collect();
        assert!(statuses.contains(&"interrupted"), "{statuses:?}");
        // Every interrupted job left its checkpoint.
        let checkpoints = fs::read_dir(o.path("checkpoints")).map_or(0, |d| d.count());
        assert!(
            checkpoints >= statuses.iter().filter(|s| **s == "interrupted").count(),
            "{checkpoints} checkpoints for {statuses:?}"
        );
    } else {
        let _ = child.kill();
        let _ = child.wait();
        let before = batch_record(&certs);
        assert!(
            before["jobs"]
                .as_array()
                .unwrap()
                .iter()
                .any(|j| j["status"] == "pending"),
            "the kill came too late to test anything: {before}"
        );
    }
    // The register stays consistent after the kill.
    o.ok(None, &["register", "verify"]);
    let out = common::raw()
        .current_dir(o.dir.path())
        .env("MEDIASAN_REGISTER", o.register())
        .env("MEDIASAN_INDEX", o.index())
        .env("MEDIASAN_KEY", o.path("operator"))
        .env("MEDIASAN_CHECKPOINTS", o.path("checkpoints"))
        .args(args(true))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{err}{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // A job killed mid-way continued from its checkpoint.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("resumes pass"), "{stdout}");
    let after = batch_record(&certs);
    for j in after["jobs"].as_array().unwrap() {
        assert_eq!(j["status"], "sanitised", "{j}");
    }
    // DoD 5220.22-M's last pass is random; no marker survives anywhere.
    for img in &images {
        assert_eq!(count_markers(&fs::read(img).unwrap()), 0, "{}", img.display());
    }
    o.ok(None, &["register", "verify"]);
}

#[test]
fn watch_wipes_the_drives_of_its_manifest_as_they_are_attached_and_nothing_else() {
    let test = "batch watch";
    if !is_root() {
        return skip(test, "needs root for losetup and netlink");
    }
    let o = Office::staffed();
    let images: Vec<PathBuf> = (0..3).map(|i| o.path(&format!("h{i}.img"))).collect();
    let planted: Vec<usize> = images.iter().map(|i| plant_markers(i, 4 << 20)).collect();
    // Two carriers are expected; the third image is a drive nobody asked for.
    let mut ids = Vec::new();
    for img in &images[..2] {
        let id = o.register_image(img);
        o.ok(Some("approver"), &["approve", &id]);
        ids.push(id);
    }
    let serial = |img: &Path| fs::canonicalize(img).unwrap().to_str().unwrap().to_string();
    let mut text = String::from("device,carrier,method\n");
    for (img, id) in images.iter().zip(&ids) {
        text.push_str(&format!("serial:{},{id},zero\n", serial(img)));
    }
    let m = o.path("watch.csv");
    fs::write(&m, text).unwrap();
    let confirmed = o.path("watch-serials.txt");
    fs::write(
        &confirmed,
        format!("{}\n{}\n", serial(&images[0]), serial(&images[1])),
    )
    .unwrap();
    let certs = o.path("certs");
    let mut child = common::raw()
        .current_dir(o.dir.path())
        .env("MEDIASAN_REGISTER", o.register())
        .env("MEDIASAN_INDEX", o.index())
        .env("MEDIASAN_KEY", o.path("operator"))
        .env("MEDIASAN_CHECKPOINTS", o.path("checkpoints"))
        .args([
            "batch",
            "watch",
            "--manifest",
            m.to_str().unwrap(),
            "--timeout",
            "120",
        ])
        .args([
            "--confirm-serials",
            confirmed.to_str().unwrap(),
            "--cert-dir",
            certs.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Fed one after another, with a stranger in between.
    let mut loops = Vec::new();
    for img in [&images[0], &images[2], &images[1]] {
        std::thread::sleep(Duration::from_millis(1500));
        match Loop::attach(img, None, false) {
            Ok(l) => loops.push(l),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return skip(test, &e);
            }
        }
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{err}{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(err.contains("not in the batch; not touched"), "{err}");
    let record = batch_record(&certs);
    for j in record["jobs"].as_array().unwrap() {
        assert_eq!(j["status"], "sanitised", "{j}");
        assert!(j["certificate"].is_string(), "{j}");
    }
    for img in &images[..2] {
        assert_eq!(count_markers(&fs::read(img).unwrap()), 0, "{}", img.display());
    }
    assert_eq!(
        count_markers(&fs::read(&images[2]).unwrap()),
        planted[2],
        "the stranger is untouched"
    );
    o.ok(None, &["register", "verify"]);
}

#[test]
fn a_partition_never_stands_in_for_its_carrier() {
    let test = "batch row naming a partition";
    if !is_root() {
        return skip(test, "needs root for losetup");
    }
    let o = Office::staffed();
    let img = o.path("p.img");
    fs::File::create(&img).unwrap().set_len(8 << 20).unwrap();
    let mut sfdisk = match Command::new("sfdisk")
        .arg("-q")
        .arg(&img)
        .stdin(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return skip(test, &format!("sfdisk: {e}")),
    };
    use std::io::Write;
    sfdisk
        .stdin
        .take()
        .unwrap()
        .write_all(b"label: dos\n,4M\n")
        .unwrap();
    assert!(sfdisk.wait().unwrap().success());
    let id = o.register_image(&img);
    o.ok(Some("approver"), &["approve", &id]);
    let out = Command::new("losetup")
        .args(["-f", "--show", "-P"])
        .arg(&img)
        .output()
        .unwrap();
    if !out.status.success() {
        return skip(test, "losetup -P failed");
    }
    let dev = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let lo = Loop {
        dev: PathBuf::from(&dev),
        backing: fs::canonicalize(&img).unwrap(),
    };
    // Without devtmpfs (a container's /dev) the partition's node does not appear by
    // itself: it is made from sysfs, outside /dev (the checks go by device number).
    let name = Path::new(&dev).file_name().unwrap().to_str().unwrap().to_string();
    let sysdev = format!("/sys/block/{name}/{name}p1/dev");
    for _ in 0..50 {
        if Path::new(&sysdev).exists() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let Ok(numbers) = fs::read_to_string(&sysdev) else {
        return skip(test, "the kernel made no partition device");
    };
    let nodes = tempfile::tempdir().unwrap();
    let part = nodes.path().join(format!("{name}p1"));
    let (major, minor) = numbers.trim().split_once(':').unwrap();
    let made = Command::new("mknod")
        .arg(&part)
        .args(["b", major, minor])
        .status()
        .unwrap();
    assert!(made.success());
    let part = part.to_str().unwrap().to_string();
    let m = manifest(&o, &[(part.clone(), id.clone())], "");
    let serials = o.path("p-serials.txt");
    fs::write(&serials, lo.serial() + "\n").unwrap();
    let (code, _, err) = o.run(
        Some("operator"),
        &[
            "batch",
            "run",
            m.to_str().unwrap(),
            "--confirm-serials",
            serials.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("a partition is not carrier"), "{err}");
}

/// A batch record is a note: one planted or edited to claim rows done does not make a
/// drive skip its wipe on `--resume`, and `cert cosign --batch` signs nothing of a record
/// that names a row twice, a certificate of another carrier, or one outside its folder.
#[test]
fn a_forged_batch_record_proves_nothing() {
    let test = "forged batch records";
    if !is_root() {
        return skip(test, "needs root for losetup");
    }
    let o = Office::staffed();
    let Marked {
        images,
        planted,
        loops,
    } = match marked(&o, "f", 2) {
        Ok(m) => m,
        Err(e) => return skip(test, &e),
    };
    let rows: Vec<(String, String)> = loops
        .iter()
        .map(|(l, c)| (l.dev.to_str().unwrap().to_string(), c.clone()))
        .collect();
    let m = manifest(&o, &rows, "");
    let confirmed = serials(&o, &loops);
    let certs = o.path("certs");
    fs::create_dir(&certs).unwrap();
    // A record of this manifest, planted before any wipe, saying both rows were done.
    let digest = {
        use sha2::Digest;
        let d = sha2::Sha256::digest(fs::read(&m).unwrap());
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    };
    let started = chrono::Utc::now() - chrono::Duration::hours(1);
    let jobs: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, (dev, carrier))| {
            serde_json::json!({
                "line": i + 2, "device": dev, "carrier": carrier, "path": dev,
                "status": "sanitised", "exit_code": 0,
                "certificate": certs.join(format!("{carrier}-forged.cert.json")).to_str().unwrap(),
            })
        })
        .collect();
    let forged = serde_json::json!({
        "format": "mediasan-batch/1", "manifest": m.to_str().unwrap(), "manifest_sha256": digest,
        "started": started, "finished": started, "jobs": jobs,
    });
    fs::write(certs.join("batch-20260101T000000Z.json"), forged.to_string()).unwrap();
    let (code, out, err) = run_batch(
        &o,
        &m,
        &confirmed,
        &["--resume", "--cert-dir", certs.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        err.matches("records no wipe of it since the batch began").count(),
        2,
        "{err}"
    );
    for (img, n) in images.iter().zip(&planted) {
        assert!(*n > 0);
        assert_eq!(count_markers(&fs::read(img).unwrap()), 0, "{}", img.display());
    }

    // The real record now lists both certificates. Edited copies of it are refused.
    let record_path = fs::read_dir(&certs)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with("batch-"))
        .max()
        .unwrap();
    let real: Value = serde_json::from_slice(&fs::read(&record_path).unwrap()).unwrap();
    let cert_of = |i: usize| {
        certs.join(
            Path::new(real["jobs"][i]["certificate"].as_str().unwrap())
                .file_name()
                .unwrap(),
        )
    };
    let signatures = |i: usize| {
        let c: Value = serde_json::from_slice(&fs::read(cert_of(i)).unwrap()).unwrap();
        c["signatures"].as_array().unwrap().len()
    };
    assert_eq!((signatures(0), signatures(1)), (1, 1));
    let outside = o.path("elsewhere");
    fs::create_dir(&outside).unwrap();
    fs::copy(cert_of(1), outside.join("copy.cert.json")).unwrap();
    type Edit = Box<dyn Fn(&mut Value)>;
    let edits: Vec<(&str, Edit, &str)> = vec![
        (
            "a row twice",
            Box::new(|r: &mut Value| {
                let first = r["jobs"][0].clone();
                r["jobs"].as_array_mut().unwrap().push(first);
            }),
            "twice",
        ),
        (
            "row 2 naming row 1's certificate",
            Box::new(|r: &mut Value| r["jobs"][1]["certificate"] = r["jobs"][0]["certificate"].clone()),
            "twice",
        ),
        (
            "row 1 naming row 2's certificate only",
            Box::new(|r: &mut Value| {
                r["jobs"][0]["certificate"] = r["jobs"][1]["certificate"].clone();
                r["jobs"][1]["certificate"] = Value::Null;
            }),
            "not this row's",
        ),
        (
            "a certificate outside the batch's folder",
            Box::new(move |r: &mut Value| {
                r["jobs"][1]["certificate"] = outside.join("copy.cert.json").to_str().unwrap().into()
            }),
            "not in the batch's folder",
        ),
    ];
    for (what, edit, needle) in edits {
        let mut r = real.clone();
        edit(&mut r);
        let p = certs.join("batch-edited.json");
        fs::write(&p, r.to_string()).unwrap();
        let (code, out, err) = o.run(
            Some("supervisor"),
            &[
                "cert",
                "cosign",
                "--batch",
                p.to_str().unwrap(),
                "--confirm-count",
                "2",
            ],
        );
        assert_eq!(code, 3, "{what}: {out}{err}");
        assert!(err.contains(needle), "{what}: {err}");
        assert_eq!((signatures(0), signatures(1)), (1, 1), "{what}: nothing signed");
    }
    // The genuine record co-signs both.
    let (code, _, err) = o.run(
        Some("supervisor"),
        &[
            "cert",
            "cosign",
            "--batch",
            record_path.to_str().unwrap(),
            "--confirm-count",
            "2",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!((signatures(0), signatures(1)), (2, 2));
}
