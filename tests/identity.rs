//! The device written is the device checked, whatever path leads to it: a file is
//! an object (hard links, new names, bind mounts reach the same one), a loop device
//! is what backs it (asked of the loop device, also when the name is gone), and a
//! target another process holds open for writing is in use. After every refusal the
//! medium's bytes are read back unchanged.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Child, Command};

use common::*;
use mediasan::medium::Object;

/// A process holding `path` open (`<>` read-write or `<` read-only) until dropped.
struct Holder(Child);

impl Holder {
    fn open(path: &Path, redirect: &str) -> Holder {
        let child = Command::new("sh")
            .arg("-c")
            .arg(format!("exec 3{redirect}\"$0\"; exec sleep 60"))
            .arg(path)
            .spawn()
            .unwrap();
        // Wait until sleep holds the descriptor.
        for _ in 0..200 {
            let comm = fs::read_to_string(format!("/proc/{}/comm", child.id())).unwrap_or_default();
            if comm.trim() == "sleep" && fs::metadata(format!("/proc/{}/fd/3", child.id())).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        Holder(child)
    }

    fn pid(&self) -> String {
        self.0.id().to_string()
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs mediasan in the office, with its register if it has one.
fn run(o: &Office, args: &[&str]) -> (i32, String, String) {
    if o.register().exists() {
        return o.run(None, args);
    }
    let out = bin()
        .current_dir(o.dir.path())
        .env_remove("MEDIASAN_REGISTER")
        .env_remove("MEDIASAN_KEY")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ok(o: &Office, args: &[&str]) {
    let (code, out, err) = run(o, args);
    assert_eq!(code, 0, "{args:?}: {err}{out}");
}

/// Runs `wipe ARGS` in the office and expects a refusal (exit 3) whose message holds
/// `says`; `medium` must read back as `before`.
fn refused(o: &Office, args: &[&str], says: &str, medium: &Path, before: &[u8]) {
    let mut all = vec!["wipe", "--method", "zero"];
    all.extend_from_slice(args);
    let (code, out, err) = run(o, &all);
    assert_eq!(code, 3, "{args:?} was not refused: {err}{out}");
    assert!(err.contains(says), "{args:?}: expected {says:?} in: {err}");
    assert_eq!(fs::read(medium).unwrap(), before, "{args:?} wrote to the medium");
}

#[test]
fn a_registered_image_is_guarded_by_what_it_is_not_by_its_name() {
    let test = "a_registered_image_is_guarded_by_what_it_is_not_by_its_name";
    let o = Office::staffed();
    let img = o.path("disk.img");
    plant_markers(&img, 1 << 20);
    let c = o.register_image(&img);
    let before = fs::read(&img).unwrap();
    let show = o.ok(None, &["carrier", "show", &c, "--json"]);
    assert!(
        show.contains("\"serial\": \"file:") || show.contains("\"serial\":\"file:"),
        "{show}"
    );

    // Another name for the same file: a hard link.
    let link = o.path("link.img");
    fs::hard_link(&img, &link).unwrap();
    refused(&o, &[link.to_str().unwrap()], &c, &img, &before);
    // The image renamed into another folder.
    fs::create_dir(o.path("moved")).unwrap();
    let moved = o.path("moved/renamed.img");
    fs::rename(&img, &moved).unwrap();
    refused(&o, &[moved.to_str().unwrap()], &c, &moved, &before);
    // --carrier with the new name: still the carrier (the guard and the link agree).
    let (code, _, err) = o.run(
        Some("operator"),
        &["wipe", "--carrier", &c, moved.to_str().unwrap()],
    );
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("no approval"),
        "the renamed image is the carrier: {err}"
    );
    // A copy is another object, not the carrier: it is wiped.
    let copy = o.path("copy.img");
    fs::copy(&moved, &copy).unwrap();
    ok(&o, &["wipe", "--method", "zero", copy.to_str().unwrap()]);
    assert_eq!(count_markers(&fs::read(&copy).unwrap()), 0);

    if !is_root() {
        return skip(test, "bind mounts and loop devices need root");
    }
    // Through a bind mount of its folder.
    let bind = tempfile::tempdir().unwrap();
    let st = Command::new("mount")
        .arg("--bind")
        .arg(o.path("moved"))
        .arg(bind.path())
        .status()
        .unwrap();
    assert!(st.success());
    let through = bind.path().join("renamed.img");
    let outcome = std::panic::catch_unwind(|| {
        refused(&o, &[through.to_str().unwrap()], &c, &moved, &before);
    });
    let _ = Command::new("umount").arg(bind.path()).status();
    outcome.unwrap();
    // Through a loop device over it.
    let lp = match Loop::attach(&moved, None, false) {
        Ok(l) => l,
        Err(e) => return skip(test, &e),
    };
    refused(
        &o,
        &["--confirm", &lp.serial(), lp.dev.to_str().unwrap()],
        &c,
        &moved,
        &before,
    );
}

/// A loop device whose backing file was deleted after a hard link was made: the
/// name in sysfs ends in " (deleted)", the object is still there, and the link
/// still backs the loop.
#[test]
fn a_file_behind_a_loop_is_found_by_object_also_when_its_name_is_gone() {
    let test = "a_file_behind_a_loop_is_found_by_object_also_when_its_name_is_gone";
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("a.img");
    plant_markers(&img, 1 << 20);
    let link = dir.path().join("b.img");
    fs::hard_link(&img, &link).unwrap();
    let lp = match Loop::attach(&img, None, false) {
        Ok(l) => l,
        Err(e) => return skip(test, &e),
    };
    fs::remove_file(&img).unwrap();
    let name = lp.dev.file_name().unwrap().to_str().unwrap();
    let backing = fs::read_to_string(format!("/sys/block/{name}/loop/backing_file")).unwrap();
    assert!(backing.trim_end().ends_with("(deleted)"), "{backing}");
    let before = fs::read(&link).unwrap();
    let o = Office::new();
    refused(
        &o,
        &[link.to_str().unwrap()],
        "backs the loop device",
        &link,
        &before,
    );
}

#[test]
fn a_loop_over_a_block_device_is_refused_even_when_its_node_is_gone() {
    let test = "a_loop_over_a_block_device_is_refused_even_when_its_node_is_gone";
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("under.img");
    plant_markers(&img, 1 << 20);
    let under = match Loop::attach(&img, None, false) {
        Ok(l) => l,
        Err(e) => return skip(test, &e),
    };
    // A node outside /dev for the lower loop device, attached and then deleted.
    let rdev = fs::metadata(&under.dev).unwrap().rdev();
    let node = dir.path().join("node");
    nix::sys::stat::mknod(
        &node,
        nix::sys::stat::SFlag::S_IFBLK,
        nix::sys::stat::Mode::from_bits_truncate(0o600),
        rdev,
    )
    .unwrap();
    assert!(fs::metadata(&node).unwrap().file_type().is_block_device());
    let over = match Loop::attach(&node, None, false) {
        Ok(l) => l,
        Err(e) => return skip(test, &e),
    };
    fs::remove_file(&node).unwrap();
    let before = fs::read(&img).unwrap();
    let o = Office::new();
    let serial = fs::read_to_string(format!(
        "/sys/block/{}/loop/backing_file",
        over.dev.file_name().unwrap().to_str().unwrap()
    ))
    .unwrap();
    refused(
        &o,
        &["--confirm", serial.trim(), over.dev.to_str().unwrap()],
        "loop device over the block device",
        &img,
        &before,
    );
    // A dry run says the same, and the lower device itself is still wipeable.
    let (code, _, err) = run(&o, &["wipe", "--dry-run", over.dev.to_str().unwrap()]);
    assert_eq!(code, 3, "{err}");
    drop(over);
    drop(under);
}

#[test]
fn a_file_behind_two_loop_devices_is_refused_through_either() {
    let test = "a_file_behind_two_loop_devices_is_refused_through_either";
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("d.img");
    plant_markers(&img, 1 << 20);
    let (first, second) = match (Loop::attach(&img, None, false), Loop::attach(&img, None, false)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return skip(test, &e),
    };
    let before = fs::read(&img).unwrap();
    let o = Office::new();
    for (lp, other) in [(&first, &second), (&second, &first)] {
        let other = other.dev.file_name().unwrap().to_str().unwrap();
        refused(
            &o,
            &["--confirm", &lp.serial(), lp.dev.to_str().unwrap()],
            &format!("also backs the loop device {other}"),
            &img,
            &before,
        );
    }
}

#[test]
fn a_file_another_process_writes_is_refused_with_the_process_named() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("open.img");
    plant_markers(&img, 1 << 20);
    let before = fs::read(&img).unwrap();
    let o = Office::new();
    let f = img.to_str().unwrap();
    {
        // Held for reading only: not in use for writing.
        let _reader = Holder::open(&img, "<");
        ok(&o, &["wipe", "--dry-run", f]);
    }
    let writer = Holder::open(&img, "<>");
    let pid = writer.pid();
    refused(
        &o,
        &[f],
        &format!("open for writing by process {pid} (sleep)"),
        &img,
        &before,
    );
    // Also through another name of the same object.
    let link = dir.path().join("link.img");
    fs::hard_link(&img, &link).unwrap();
    refused(&o, &[link.to_str().unwrap()], &pid, &img, &before);
    // Another pid allowed does not allow this one; naming it does.
    refused(&o, &["--allow-open-by", "1", f], &pid, &img, &before);
    ok(&o, &["wipe", "--method", "zero", "--allow-open-by", &pid, f]);
    assert_eq!(count_markers(&fs::read(&img).unwrap()), 0);
}

#[test]
fn a_loop_device_or_its_backing_file_held_for_writing_is_refused() {
    let test = "a_loop_device_or_its_backing_file_held_for_writing_is_refused";
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("d.img");
    plant_markers(&img, 1 << 20);
    let lp = match Loop::attach(&img, None, false) {
        Ok(l) => l,
        Err(e) => return skip(test, &e),
    };
    let before = fs::read(&img).unwrap();
    let o = Office::new();
    let dev = lp.dev.to_str().unwrap();
    let serial = lp.serial();
    for held in [lp.dev.as_path(), img.as_path()] {
        let h = Holder::open(held, "<>");
        refused(
            &o,
            &["--confirm", &serial, dev],
            &format!("open for writing by process {}", h.pid()),
            &img,
            &before,
        );
    }
}

/// The guard consults every register of the machine's index: naming another register
/// (or none) hides no carrier. An indexed register that is gone is a warning.
#[test]
fn every_indexed_register_guards_its_carriers() {
    use std::os::unix::fs::PermissionsExt;
    let o = Office::staffed();
    let index = o.index();
    assert_eq!(fs::metadata(&index).unwrap().permissions().mode() & 0o777, 0o600);
    let listed = fs::read_to_string(&index).unwrap();
    let real = fs::canonicalize(o.register()).unwrap();
    assert!(listed.contains(real.to_str().unwrap()), "{listed}");
    let img = o.path("disk.img");
    plant_markers(&img, 1 << 20);
    let c = o.register_image(&img);
    let before = fs::read(&img).unwrap();
    // A second register, also indexed, that does not hold the image.
    let other = o.path("other.db");
    o.ok(
        None,
        &[
            "register",
            "init",
            "--register",
            other.to_str().unwrap(),
            "--org",
            "另一个单位",
            "--name",
            "赵六",
            "--key",
            o.path("approver.pub").to_str().unwrap(),
            "--signed-by",
            o.path("approver").to_str().unwrap(),
        ],
    );
    assert_eq!(fs::read_to_string(&index).unwrap().lines().count(), 2);
    let (code, _, err) = o.run(
        None,
        &[
            "wipe",
            "--register",
            other.to_str().unwrap(),
            img.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 3, "{err}");
    assert!(err.contains(&c), "{err}");
    assert_eq!(fs::read(&img).unwrap(), before);
    // The first register moved away: its carriers cannot be checked, which is said.
    fs::rename(o.register(), o.path("moved.db")).unwrap();
    let (code, _, err) = o.run(
        None,
        &[
            "wipe",
            "--register",
            other.to_str().unwrap(),
            "--dry-run",
            img.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: the register index") && err.contains("cannot be read"),
        "{err}"
    );
    // An index that cannot be added to: no register is created.
    let nowhere = o.path("no-such-folder/deeper/registers");
    fs::write(o.path("no-such-folder"), "a file, not a folder").unwrap();
    let third = o.path("third.db");
    let (code, _, err) = o.run(
        None,
        &[
            "register",
            "init",
            "--index",
            nowhere.to_str().unwrap(),
            "--register",
            third.to_str().unwrap(),
            "--org",
            "x",
            "--name",
            "x",
            "--key",
            o.path("approver.pub").to_str().unwrap(),
            "--signed-by",
            o.path("approver").to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("register index"), "{err}");
    assert!(!third.exists(), "no register without its index entry");
}

/// A carrier registered by its image's path (as before objects were the rule) is
/// guarded through any name that reaches the same file; `register migrate` then
/// identifies it by the file itself, which a later rename does not shake off.
#[test]
fn carriers_registered_by_path_are_migrated_to_the_object() {
    use mediasan::register::event::Kind;
    let o = Office::staffed();
    let img = o.path("legacy.img");
    plant_markers(&img, 1 << 20);
    let path = fs::canonicalize(&img).unwrap().to_str().unwrap().to_string();
    let c = {
        let mut reg = mediasan::register::Register::open(&o.register()).unwrap();
        let signer = mediasan::keys::Signer::from_file(&o.path("operator"), || None).unwrap();
        let details = serde_json::json!({
            "kind": "printer-hdd", "serial": path, "make": "", "model": "", "capacity": 0,
            "classification": "secret", "unit": "", "custodian": "zhangsan",
            "host_asset": null, "label": null,
        });
        reg.append(Kind::CarrierRegistered, &signer, |ids| {
            Ok((ids.next("carriers", "C-2025-", 4)?, details))
        })
        .unwrap()
        .subject
    };
    let before = fs::read(&img).unwrap();
    let link = o.path("link.img");
    fs::hard_link(&img, &link).unwrap();
    refused(&o, &[link.to_str().unwrap()], &c, &img, &before);
    let out = o.ok(Some("operator"), &["register", "migrate"]);
    assert!(out.contains(&format!("{c}: {path} is now file:")), "{out}");
    let show = o.ok(None, &["carrier", "show", &c, "--json"]);
    let show: serde_json::Value = serde_json::from_str(show.trim()).unwrap();
    assert!(
        show["carrier"]["serial"].as_str().unwrap().starts_with("file:"),
        "{show}"
    );
    fs::rename(&img, o.path("renamed.img")).unwrap();
    fs::remove_file(&link).unwrap();
    refused(
        &o,
        &[o.path("renamed.img").to_str().unwrap()],
        &c,
        &o.path("renamed.img"),
        &before,
    );
    // Nothing left to migrate; the register verifies with the new event.
    assert!(o
        .ok(Some("operator"), &["register", "migrate"])
        .contains("nothing to migrate"));
    assert!(o.ok(None, &["register", "verify"]).contains("register verified"));
}

/// A file on overlayfs: an open for writing would copy it up and the copy, not the
/// file below, would be overwritten. Refused before the open: no copy is made.
#[test]
fn a_file_on_an_overlay_is_refused_before_it_is_copied_up() {
    let test = "a_file_on_an_overlay_is_refused_before_it_is_copied_up";
    if !is_root() {
        return skip(test, "mounting an overlay needs root");
    }
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| {
        let p = dir.path().join(n);
        fs::create_dir_all(&p).unwrap();
        p
    };
    let (lower, upper, work, merged) = (d("lower"), d("upper"), d("work"), d("merged"));
    let img = lower.join("disk.img");
    plant_markers(&img, 1 << 20);
    let opts = format!(
        "lowerdir={},upperdir={},workdir={}",
        lower.display(),
        upper.display(),
        work.display()
    );
    let st = Command::new("mount")
        .args(["-t", "overlay", "overlay", "-o", &opts])
        .arg(&merged)
        .status()
        .unwrap();
    if !st.success() {
        return skip(test, "mount -t overlay failed here");
    }
    let before = fs::read(&img).unwrap();
    let o = Office::new();
    let through = merged.join("disk.img");
    let outcome = std::panic::catch_unwind(|| {
        refused(
            &o,
            &[through.to_str().unwrap()],
            "overlay file system",
            &img,
            &before,
        );
        let (code, _, err) = run(&o, &["wipe", "--dry-run", through.to_str().unwrap()]);
        assert_eq!(code, 3, "{err}");
    });
    let _ = Command::new("umount").arg(&merged).status();
    outcome.unwrap();
    assert!(
        !upper.join("disk.img").exists(),
        "no copy was made in the upper folder"
    );
}

/// A file system image on a loop device, mounted on `dir`, unmounted and detached on drop.
struct Mounted {
    node: String,
    dir: std::path::PathBuf,
}

impl Mounted {
    /// Attaches `image` to `node` (the next free one when `None`) and mounts it on `dir`.
    fn new(image: &Path, node: Option<&str>, dir: &Path) -> Result<Mounted, String> {
        let node = match node {
            Some(n) => {
                let st = Command::new("losetup").arg(n).arg(image).status();
                if !st.is_ok_and(|s| s.success()) {
                    return Err(format!("losetup {n} failed"));
                }
                n.to_string()
            }
            None => {
                let out = Command::new("losetup")
                    .args(["-f", "--show"])
                    .arg(image)
                    .output()
                    .map_err(|e| e.to_string())?;
                if !out.status.success() {
                    return Err("losetup -f failed".into());
                }
                String::from_utf8_lossy(&out.stdout).trim().to_string()
            }
        };
        fs::create_dir_all(dir).unwrap();
        if !Command::new("mount")
            .arg(&node)
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success())
        {
            let _ = Command::new("losetup").arg("-d").arg(&node).status();
            return Err(format!("mount {node} failed"));
        }
        Ok(Mounted {
            node,
            dir: dir.to_path_buf(),
        })
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir).status();
        let _ = Command::new("losetup").arg("-d").arg(&self.node).status();
    }
}

fn mkfs(image: &Path) -> Result<(), String> {
    fs::File::create(image).unwrap().set_len(16 << 20).unwrap();
    match Command::new("mkfs.ext4").arg("-q").arg(image).status() {
        Ok(s) if s.success() => Ok(()),
        Ok(_) => Err("mkfs.ext4 failed".into()),
        Err(e) => Err(format!("mkfs.ext4: {e} (apt-get install e2fsprogs)")),
    }
}

/// Another file system mounted later from the same loop device can hold a file with the
/// same device number and inode as a registered image. It is not the carrier: the wipe
/// of the carrier is refused on it, and the carrier's own image keeps its data until it
/// is wiped itself.
#[test]
fn another_file_system_on_the_same_device_is_not_the_carrier() {
    let test = "another_file_system_on_the_same_device_is_not_the_carrier";
    if !is_root() {
        return skip(test, "needs root for losetup and mount");
    }
    let o = Office::staffed();
    let (a, b) = (o.path("a.ext4"), o.path("b.ext4"));
    for img in [&a, &b] {
        if let Err(e) = mkfs(img) {
            return skip(test, &e);
        }
    }
    let mnt = o.path("mnt");
    let carrier_img = mnt.join("carrier.img");
    let first = match Mounted::new(&a, None, &mnt) {
        Ok(m) => m,
        Err(e) => return skip(test, &e),
    };
    plant_markers(&carrier_img, 1 << 20);
    let registered = Object::of_file(&carrier_img).unwrap();
    let c = o.register_image(&carrier_img);
    o.ok(Some("approver"), &["approve", &c]);
    let node = first.node.clone();
    drop(first);

    // The same loop device, another image, a file with the same inode.
    let second = Mounted::new(&b, Some(&node), &mnt).unwrap();
    plant_markers(&carrier_img, 1 << 20);
    let other = Object::of_file(&carrier_img).unwrap();
    assert!(
        other.same_inode(&registered) && other.birth != registered.birth,
        "the route needs the same pair: {registered} and {other}"
    );
    let before = fs::read(&carrier_img).unwrap();
    let serial = carrier_img.to_str().unwrap();
    let wipe = [
        "wipe",
        serial,
        "--carrier",
        &c,
        "--method",
        "zero",
        "--confirm",
        serial,
    ];
    let (code, out, err) = o.run(Some("operator"), &wipe);
    assert_eq!(code, 3, "{out}{err}");
    assert!(err.contains(&c), "{err}");
    assert_eq!(
        fs::read(&carrier_img).unwrap(),
        before,
        "the other file was written"
    );
    drop(second);

    // The carrier's own file system again: its wipe goes through, on it.
    let _first = Mounted::new(&a, Some(&node), &mnt).unwrap();
    assert!(count_markers(&fs::read(&carrier_img).unwrap()) > 0);
    o.ok(Some("operator"), &wipe);
    assert_eq!(count_markers(&fs::read(&carrier_img).unwrap()), 0);
}

/// A carrier named by its object before births (`file:MAJ:MIN:INO`) is given its
/// file's birth by `register migrate`, found by its inode where its file system is
/// mounted; until then the guard still refuses the inode.
#[test]
fn carriers_named_without_a_birth_are_given_theirs() {
    use mediasan::register::event::Kind;
    let o = Office::staffed();
    let img = o.path("old.img");
    plant_markers(&img, 1 << 20);
    let object = Object::of_file(&img).unwrap();
    if object.birth.is_none() {
        return skip(
            "carriers_named_without_a_birth_are_given_theirs",
            "this file system keeps no birth times",
        );
    }
    let c = {
        let mut reg = mediasan::register::Register::open(&o.register()).unwrap();
        let signer = mediasan::keys::Signer::from_file(&o.path("operator"), || None).unwrap();
        let details = serde_json::json!({
            "kind": "printer-hdd", "serial": object.base(), "make": "", "model": "", "capacity": 0,
            "classification": "secret", "unit": "", "custodian": "zhangsan",
            "host_asset": null, "label": null,
        });
        reg.append(Kind::CarrierRegistered, &signer, |ids| {
            Ok((ids.next("carriers", "C-2025-", 4)?, details))
        })
        .unwrap()
        .subject
    };
    let before = fs::read(&img).unwrap();
    refused(&o, &[img.to_str().unwrap()], &c, &img, &before);
    let out = o.ok(Some("operator"), &["register", "migrate"]);
    assert!(out.contains(&format!("is now {object}")), "{out}");
    let show = o.ok(None, &["carrier", "show", &c, "--json"]);
    let show: serde_json::Value = serde_json::from_str(show.trim()).unwrap();
    assert_eq!(show["carrier"]["serial"], object.to_string());
    refused(&o, &[img.to_str().unwrap()], &c, &img, &before);
    assert!(o.ok(None, &["register", "verify"]).contains("register verified"));
}
