//! `mediasan wipe` on regular files: every method, odd sizes, custom patterns,
//! results, dry runs and bad input. Runs anywhere, root or not.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::*;
use mediasan::method::METHODS;

const ODD: u64 = (1 << 20) + 1;

fn wipe_json(args: &[&str]) -> (i32, Vec<serde_json::Value>, String) {
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
fn every_method_overwrites_every_byte_of_an_odd_sized_file() {
    let dir = tempfile::tempdir().unwrap();
    for m in METHODS {
        for blank in [false, true] {
            let file = dir.path().join(format!("{}-{blank}.img", m.name));
            let planted = plant_markers(&file, ODD);
            let result = dir.path().join(format!("{}-{blank}.json", m.name));
            let mut args = vec![
                "--method",
                m.name,
                "--result",
                result.to_str().unwrap(),
                file.to_str().unwrap(),
            ];
            if blank {
                args.push("--blank");
            }
            let (code, lines, stderr) = wipe_json(&args);
            assert_eq!(code, 0, "{}: {stderr}", m.name);
            let saved: serde_json::Value = serde_json::from_slice(&fs::read(&result).unwrap()).unwrap();
            let last = lines.last().unwrap();
            assert_eq!(last["event"], "result");
            assert_eq!(
                last["result"], saved,
                "the last --json object is the saved result"
            );
            assert_eq!(saved["format"], "mediasan-result/1");
            assert_eq!(saved["outcome"], "sanitised");
            let passes = saved["passes"].as_array().unwrap();
            assert_eq!(passes.len(), m.passes.len() + usize::from(blank), "{}", m.name);
            for p in passes {
                assert_eq!(p["bytes"], ODD, "{} pass {}", m.name, p["index"]);
                assert_eq!(p["completed"], true);
                if p["pattern"] == "random" {
                    assert_eq!(p["random"]["key"].as_str().unwrap().len(), 64);
                    assert!(p["random"]["construction"].as_str().unwrap().contains("ChaCha8"));
                }
            }
            let data = fs::read(&file).unwrap();
            assert_eq!(data.len() as u64, ODD, "the file keeps its size");
            assert_last_pass(&data, &saved);
            if blank {
                assert!(data.iter().all(|&b| b == 0));
            }
            assert!(planted > 200);
            assert_eq!(count_markers(&data), 0, "{}: markers survived", m.name);
        }
    }
}

#[test]
fn multi_byte_patterns_are_phased_by_absolute_offset() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("phase.img");
    plant_markers(&file, 3 * 1_048_576 + 7);
    // A block size that is not a multiple of 3 must not break the phase.
    let (code, lines, err) = wipe_json(&[
        "--passes",
        "0x924924",
        "--block-size",
        "65536",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let data = fs::read(&file).unwrap();
    for (i, b) in data.iter().enumerate() {
        assert_eq!(*b, [0x92, 0x49, 0x24][i % 3], "byte {i}");
    }
    assert_eq!(lines.last().unwrap()["result"]["method"]["name"], "custom");
}

#[test]
fn custom_sequences_run_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.img");
    plant_markers(&file, 100_000);
    let (code, lines, err) = wipe_json(&["--passes", "0x00,0xFF,0x55AA,random", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let result = &lines.last().unwrap()["result"];
    let labels: Vec<_> = result["passes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pattern"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["0x00", "0xFF", "0x55AA", "random"]);
    assert_last_pass(&fs::read(&file).unwrap(), result);
    let events: Vec<_> = lines.iter().map(|l| l["event"].as_str().unwrap()).collect();
    assert_eq!(events.iter().filter(|e| **e == "pass-started").count(), 4);
    assert_eq!(events.iter().filter(|e| **e == "pass-finished").count(), 4);
}

#[test]
fn empty_and_non_utf8_named_files_are_wiped() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    // "机密文件" in GBK.
    let name = std::ffi::OsStr::from_bytes(b"\xbb\xfa\xc3\xdc\xce\xc4\xbc\xfe.doc");
    let file = dir.path().join(name);
    plant_markers(&file, 10_000);
    let out = bin()
        .arg("wipe")
        .arg("--method")
        .arg("zero")
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("\\xbb\\xfa"),
        "the name is shown escaped"
    );
    assert!(fs::read(&file).unwrap().iter().all(|&b| b == 0));

    let empty = dir.path().join("empty");
    fs::write(&empty, b"").unwrap();
    let (code, lines, err) = wipe_json(&[empty.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(lines.last().unwrap()["result"]["outcome"], "sanitised");
}

#[test]
fn a_dry_run_writes_nothing_and_shows_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("d.img");
    plant_markers(&file, 50_000);
    let before = fs::read(&file).unwrap();
    let (code, lines, _) = wipe_json(&["--dry-run", "--method", "dod-3", file.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["event"], "plan");
    assert_eq!(lines[0]["passes"], serde_json::json!(["0x00", "0xFF", "random"]));
    assert_eq!(lines[0]["bytes"], 150_000);
    assert_eq!(fs::read(&file).unwrap(), before);
    let human = bin().args(["wipe", "--dry-run"]).arg(&file).output().unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("nothing will be written") && text.contains("estimate"),
        "{text}"
    );
}

/// Bad input: a clear message, exit 2, and the target untouched.
#[test]
fn bad_input_is_refused_with_exit_2_and_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("keep.img");
    plant_markers(&file, 20_000);
    let before = fs::read(&file).unwrap();
    let f = file.to_str().unwrap();
    let missing = dir.path().join("missing");
    let cases: &[(&[&str], &str)] = &[
        (&["--method", "nope", f], "unknown method"),
        (&["--passes", "0x00,0xZZ", f], "pass 2"),
        (&["--passes", "", f], "empty"),
        (&["--passes", "0x0", f], "pass 1"),
        (&[missing.to_str().unwrap()], "no such file"),
        (&[dir.path().to_str().unwrap()], "is a directory"),
        (&["/dev/null"], "character device"),
        (&["--result", "/tmp/r.json", f, f], "one target"),
        (&["--block-size", "1000", f], "multiple of 4096"),
        (
            &["--result", "/nonexistent-dir/r.json", f],
            "cannot create the result file",
        ),
        (&["--result", "/dev/null", f], "not a regular file"),
        (&["--result", f, f], "the target itself"),
    ];
    for (args, needle) in cases {
        let out = bin().arg("wipe").args(*args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(needle),
            "{args:?}: {err:?} should mention {needle:?}"
        );
        assert!(!err.contains("panicked") && !err.contains("backtrace"), "{err}");
        assert_eq!(fs::read(&file).unwrap(), before, "{args:?} changed the target");
    }
    // clap's own usage errors also exit 2.
    let out = bin()
        .args(["wipe", "--method", "zero", "--passes", "0x00", f])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(fs::read(&file).unwrap(), before);
}

#[test]
fn methods_lists_every_method_with_passes_and_source() {
    let out = bin().args(["methods", "--json"]).output().unwrap();
    assert!(out.status.success());
    let rows: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (methods, techniques): (Vec<_>, Vec<_>) = rows.iter().partition(|r| r.get("name").is_some());
    assert_eq!(methods.len(), METHODS.len());
    let gutmann = methods.iter().find(|r| r["name"] == "gutmann").unwrap();
    assert_eq!(gutmann["passes"].as_array().unwrap().len(), 35);
    assert!(methods.iter().all(|r| !r["source"].as_str().unwrap().is_empty()));
    // Then the techniques of --technique, each with its category.
    use clap::ValueEnum;
    assert_eq!(
        techniques.len(),
        mediasan::purge::Technique::value_variants().len()
    );
    let format = techniques
        .iter()
        .find(|r| r["technique"] == "nvme-format-user")
        .unwrap();
    assert_eq!(format["category"], "purge");
}

#[test]
fn the_demo_runs_end_to_end_without_root() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin().arg("demo").arg("--dir").arg(dir.path()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("0 of") && text.contains("sanitised"), "{text}");
    assert!(
        text.contains("chain, signatures and derived tables agree") && text.contains("is wiped"),
        "{text}"
    );
    assert!(dir.path().join("register.db").exists() && dir.path().join("operator.key").exists());
    assert!(Path::new(&dir.path().join("scratch.result.json")).exists());
}

/// `-r`: every regular file under a folder, empty and GBK-named ones included; never a
/// symbolic link's target, never a FIFO, never another file system.
#[test]
fn a_folder_is_wiped_with_r_and_nothing_outside_it() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().join("secret");
    fs::create_dir_all(top.join("sub/deeper")).unwrap();
    plant_markers(&top.join("a.doc"), 50_000);
    plant_markers(&top.join("sub/deeper/b.xls"), 70_001);
    fs::write(top.join("sub/empty"), b"").unwrap();
    plant_markers(
        &top.join("sub")
            .join(std::ffi::OsStr::from_bytes(b"\xc3\xdc\xbc\xfe.txt")),
        9_000,
    );
    let outside = dir.path().join("outside.doc");
    plant_markers(&outside, 20_000);
    let before_outside = fs::read(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, top.join("link.doc")).unwrap();
    let _ = nix::unistd::mkfifo(&top.join("pipe"), nix::sys::stat::Mode::from_bits_truncate(0o600));
    let mount = if is_root() { Tmpfs::mount("4m").ok() } else { None };
    // Unmounted however the test ends (declared after the tmpfs: dropped before it).
    struct Unbind(PathBuf);
    impl Drop for Unbind {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(&self.0).status();
        }
    }
    let _unbind = mount.as_ref().map(|_| Unbind(top.join("mnt")));
    let mounted_file = mount.as_ref().map(|m| {
        let inner = top.join("mnt");
        fs::create_dir(&inner).unwrap();
        std::process::Command::new("mount")
            .args(["--bind"])
            .arg(m.path())
            .arg(&inner)
            .status()
            .unwrap();
        plant_markers(&inner.join("other-fs.doc"), 5_000);
        (inner.clone(), fs::read(inner.join("other-fs.doc")).unwrap())
    });
    // Without -r: a directory is refused.
    let out = bin()
        .args(["wipe", "--method", "zero"])
        .arg(&top)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("-r"));
    let out = bin()
        .args(["wipe", "-r", "--method", "zero"])
        .arg(&top)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    for f in ["a.doc", "sub/deeper/b.xls", "sub/empty"] {
        assert!(fs::read(top.join(f)).unwrap().iter().all(|&b| b == 0), "{f}");
    }
    let gbk = fs::read(
        top.join("sub")
            .join(std::ffi::OsStr::from_bytes(b"\xc3\xdc\xbc\xfe.txt")),
    )
    .unwrap();
    assert!(gbk.iter().all(|&b| b == 0));
    assert_eq!(
        fs::read(&outside).unwrap(),
        before_outside,
        "a symbolic link's target was written"
    );
    assert!(
        err.contains("symbolic link") && err.contains("not a regular file"),
        "{err}"
    );
    if let Some((inner, before)) = mounted_file {
        assert_eq!(
            fs::read(inner.join("other-fs.doc")).unwrap(),
            before,
            "another file system was entered"
        );
        assert!(err.contains("another file system"), "{err}");
    }
}

/// A checkpoint folder that cannot be written does not stop a wipe: it is said once.
#[test]
fn an_unwritable_checkpoint_folder_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("f.img");
    plant_markers(&f, 3 << 20);
    let out = bin()
        .env("MEDIASAN_CHECKPOINTS", "/proc/mediasan-cannot-be-here")
        .args(["wipe", "--passes", "0x00,0xFF,0x00,0xFF"])
        .arg(&f)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(err.matches("cannot save the checkpoint").count(), 1, "{err}");
    assert!(fs::read(&f).unwrap().iter().all(|&b| b == 0xFF));
}

/// The demo tells its story in Chinese when asked to.
#[test]
fn the_demo_speaks_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["--lang", "zh", "demo", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "个涉密标记",
        "cert verify：有效（摘要、签名、角色、登记簿关联）",
        "哈希链、签名和派生表一致；载体 C-",
        "的状态为已擦除",
        "演示：演示映像的信息已消除。",
    ] {
        assert!(text.contains(needle), "{needle:?} in {text}");
    }
}
