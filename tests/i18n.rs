//! The same refusal, confirmation screen and summary in Chinese and in English, compared
//! with the expected text in tests/expected/ (so that a changed message is seen in
//! review). `MEDIASAN_BLESS=1 cargo test --test i18n` writes the files anew.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{bin, bin_path, is_root, plant_markers, skip, test_index, Loop};

/// Replaces what differs from run to run (the loop device, its serial and device
/// numbers, the folder, timings and rates) with fixed words.
fn normal(text: &str, lp: &Loop, dir: &Path) -> String {
    let mut t = text.replace("\r\n", "\n");
    t = t.replace(&lp.serial(), "SERIAL");
    t = t.replace(lp.dev.to_str().unwrap(), "DEV");
    t = t.replace(lp.dev.file_name().unwrap().to_str().unwrap(), "DEVNAME");
    t = t.replace(dir.to_str().unwrap(), "DIR");
    // Numbers with a decimal point (seconds, MiB/s) and device numbers "(7:3)".
    let mut out = String::new();
    let chars: Vec<char> = t.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == ':') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if word.contains('.')
                && word
                    .split('.')
                    .nth(1)
                    .is_some_and(|f| f.len() == 3 || f.len() == 2)
                && !word.ends_with('.')
            {
                out.push_str(if word.split('.').nth(1).unwrap().len() == 3 {
                    "N.NNN"
                } else {
                    "N.NN"
                });
            } else if word.contains(':') && !word.ends_with(':') {
                out.push_str("MAJ:MIN");
            } else {
                out.push_str(&word);
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// A loop device over a 1 MiB image of planted markers in `dir`.
fn marked_loop(dir: &Path) -> Result<Loop, String> {
    let img = dir.join("disk.img");
    plant_markers(&img, 1 << 20);
    Loop::attach(&img, None, false)
}

/// mediasan with `args` and the loop device last, which must succeed.
fn ok_on(lp: &Loop, checkpoints: &Path, args: &[&str]) -> std::process::Output {
    let out = bin()
        .args(args)
        .arg(&lp.dev)
        .env("MEDIASAN_CHECKPOINTS", checkpoints)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn check(name: &str, got: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expected")
        .join(name);
    if std::env::var_os("MEDIASAN_BLESS").is_some() {
        fs::write(&path, got).unwrap();
        return;
    }
    let want = fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (MEDIASAN_BLESS=1 writes it)", path.display()));
    if want != got {
        let diff: Vec<String> = want
            .lines()
            .zip(got.lines())
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| format!("line {}:\n  want: {a}\n  got:  {b}", i + 1))
            .collect();
        panic!(
            "{name} differs from tests/expected/{name} ({} lines wanted, {} got):\n{}\n--- got ---\n{got}",
            want.lines().count(),
            got.lines().count(),
            diff.join("\n")
        );
    }
}

#[test]
fn a_refusal_a_confirmation_and_a_summary_in_both_languages() {
    let test = "messages in Chinese and English";
    if !is_root() {
        return skip(test, "needs root for losetup");
    }
    if Command::new("script").arg("--version").output().is_err() {
        return skip(test, "script (util-linux) is not installed");
    }
    let dir = tempfile::tempdir().unwrap();
    let lp = match marked_loop(dir.path()) {
        Ok(l) => l,
        Err(e) => return skip(test, &e),
    };
    for lang in ["en", "zh"] {
        let mut page = String::new();
        // A refusal: a device, and no terminal to confirm its serial on.
        let out = bin()
            .args(["--lang", lang, "wipe"])
            .arg(&lp.dev)
            .write_stdin("")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3));
        page.push_str("== refusal (exit 3)\n");
        page.push_str(&String::from_utf8_lossy(&out.stderr));
        // The confirmation screen, answered wrong.
        let cmd = format!(
            "{} --lang {lang} wipe --method zero {}",
            bin_path().display(),
            lp.dev.display()
        );
        let mut child = Command::new("script")
            .env("MEDIASAN_CHECKPOINTS", dir.path().join("checkpoints"))
            .env("MEDIASAN_INDEX", test_index())
            .env("MEDIASAN_CONFIG", "/dev/null")
            .env("LANG", "C")
            .args(["-qec", &cmd, "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"NOT-THE-SERIAL\n")
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(3));
        page.push_str("== confirmation, answered wrong (exit 3)\n");
        // The pty echoes the typed line; what mediasan printed is the rest.
        page.push_str(
            &String::from_utf8_lossy(&out.stdout).replace("NOT-THE-SERIAL\r\n", "NOT-THE-SERIAL⏎\n"),
        );
        // The dry run's screen.
        let checkpoints = dir.path().join("checkpoints");
        let out = ok_on(
            &lp,
            &checkpoints,
            &["--lang", lang, "wipe", "--dry-run", "--method", "zero"],
        );
        page.push_str("== a dry run (exit 0)\n");
        page.push_str(&String::from_utf8_lossy(&out.stdout));
        // A summary, the serial confirmed on the command line.
        let serial = lp.serial();
        let wipe = [
            "--lang",
            lang,
            "wipe",
            "--method",
            "zero",
            "--verify",
            "last",
            "--confirm",
            &serial,
        ];
        let out = ok_on(&lp, &checkpoints, &wipe);
        page.push_str("== a wipe (exit 0)\n");
        page.push_str(&String::from_utf8_lossy(&out.stderr));
        page.push_str(&String::from_utf8_lossy(&out.stdout));
        check(&format!("i18n.{lang}.txt"), &normal(&page, &lp, dir.path()));
    }
}

/// The locale chooses when --lang is not given.
#[test]
fn the_locale_speaks_when_no_lang_is_given() {
    let out = bin()
        .args(["config", "show", "--config", "/nonexistent.toml"])
        .env("LANG", "zh_CN.UTF-8")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("提示:"), "{err}");
    let out = bin()
        .args(["config", "show", "--config", "/nonexistent.toml"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("hint:"));
}

/// What a record keeps (JSON, results) stays English when the screen speaks Chinese.
#[test]
fn records_stay_english_when_the_screen_speaks_chinese() {
    let test = "records in English under --lang zh";
    if !is_root() {
        return skip(test, "needs root for losetup");
    }
    let dir = tempfile::tempdir().unwrap();
    let lp = match marked_loop(dir.path()) {
        Ok(l) => l,
        Err(e) => return skip(test, &e),
    };
    let checkpoints = dir.path().join("c");
    let run = |args: &[&str]| String::from_utf8(ok_on(&lp, &checkpoints, args).stdout).unwrap();
    let screen = run(&["--lang", "zh", "wipe", "--dry-run"]);
    assert!(screen.contains("已通过的检查"), "{screen}");
    assert!(
        screen.contains("不适用：回环设备显示其文件的全部内容"),
        "{screen}"
    );
    let plan = run(&["--lang", "zh", "wipe", "--dry-run", "--json"]);
    assert!(plan.contains("opened exclusively (O_EXCL)"), "{plan}");
    assert!(!plan.contains("已独占打开"), "{plan}");
    // The result file is made while the screen speaks Chinese: its sentences stay English.
    let serial = lp.serial();
    let result = dir.path().join("result.json");
    let shown = run(&[
        "--lang",
        "zh",
        "wipe",
        "--method",
        "zero",
        "--confirm",
        &serial,
        "--result",
        result.to_str().unwrap(),
    ]);
    assert!(shown.contains("独立放置"), "{shown}");
    let wipe = std::fs::read_to_string(&result).unwrap();
    assert!(
        wipe.contains("\"page_cache\": \"bypassed: O_DIRECT reads")
            || wipe.contains("\"page_cache\":\"bypassed: O_DIRECT reads"),
        "{wipe}"
    );
    assert!(wipe.contains("the loop driver reads its backing file"), "{wipe}");
    assert!(
        wipe.contains("independently placed locations all matched"),
        "{wipe}"
    );
    let chinese = |t: &str| t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    assert!(!chinese(&wipe), "{wipe}");
    // With --json even a refusal is English: the output is for machines.
    let out = bin()
        .args(["--lang", "zh", "wipe", "--json"])
        .arg(&lp.dev)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("serial number confirmed"), "{all}");
    assert!(!chinese(&all), "{all}");
}

/// A job's error is kept (a batch's record) in English and shown in the operator's
/// language, also when it wraps another error's message. (This process speaks Chinese
/// from here on; the other tests of this file run the binary.)
#[test]
fn a_jobs_error_is_recorded_in_english_and_shown_in_chinese() {
    use mediasan::job::JobError;
    use mediasan::medium::TargetError;
    mediasan::i18n::set(mediasan::i18n::Lang::Zh);
    let e = JobError::from(TargetError::Empty {
        path: "/dev/sdz".into(),
    });
    assert_eq!(
        e.message.en(),
        "/dev/sdz: block device of size 0 (no medium inserted?)"
    );
    assert!(e.to_string().contains("块设备容量为 0"), "{e}");
    let e = JobError::refused(mediasan::said!(
        "job-journal-refused",
        path = "/dev/sdz",
        journal = "j.json",
        why = mediasan::said!("job-journal-no-carrier").to_string()
    ));
    assert_eq!(
        e.message.en(),
        "/dev/sdz: the firmware erase's journal j.json is refused: it is not a carrier's wipe"
    );
    assert!(e.to_string().contains("它不是某个载体的擦除"), "{e}");
}
