//! The operator's guides run: every ```sh block of docs/guide.en.md and docs/guide.zh.md,
//! in order, in a scratch office with two loop devices standing for the printer drives the
//! guides name. A block whose first line is `# exits N` must end with that status; every
//! other block must succeed. So the guides never describe a command that does not work.
//!
//! What the guides name and the test replaces: /dev/sdc and /dev/sdd (the loop devices),
//! the drives' serials WD-WX41A1234567 and WD-WX41A7654321 (the loops' backing files),
//! and the year in carrier ids (C-2026-…). The person's passphrase comes from
//! MEDIASAN_PASSPHRASE_FILE, as a script would give it.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{bin_path, is_root, plant_markers, skip, Loop};

/// The ```sh blocks of a guide, with the line each starts on.
fn blocks(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        match &mut current {
            None if line.trim_start() == "```sh" => current = Some((i + 2, String::new())),
            Some(_) if line.trim_start() == "```" => out.push(current.take().unwrap()),
            Some((_, b)) => {
                b.push_str(line);
                b.push('\n');
            }
            None => {}
        }
    }
    assert!(current.is_none(), "an unclosed ```sh block");
    out
}

fn run_guide(name: &str, lang: &str) {
    let test = format!("the commands of {name}");
    if !is_root() {
        return skip(&test, "needs root for losetup");
    }
    let text = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs").join(name)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut loops = Vec::new();
    for img in ["printer-07.img", "printer-09.img"] {
        plant_markers(&d.join(img), 4 << 20);
        match Loop::attach(&d.join(img), None, false) {
            Ok(l) => loops.push(l),
            Err(e) => return skip(&test, &e),
        }
    }
    fs::write(d.join("passphrase"), "correct horse battery staple\n").unwrap();
    fs::write(
        d.join("config.toml"),
        format!("register = \"{}\"\n", d.join("register.db").display()),
    )
    .unwrap();
    let year = chrono::Utc::now().format("%Y").to_string();
    let path = format!(
        "{}:{}",
        bin_path().parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let all = blocks(&text);
    assert!(all.len() >= 10, "{name}: only {} sh blocks", all.len());
    for (line, block) in all {
        let script = block
            .replace("/dev/sdc", loops[0].dev.to_str().unwrap())
            .replace("/dev/sdd", loops[1].dev.to_str().unwrap())
            .replace("WD-WX41A1234567", &loops[0].serial())
            .replace("WD-WX41A7654321", &loops[1].serial())
            .replace("C-2026-", &format!("C-{year}-"));
        let want: i32 = block
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# exits "))
            .map_or(0, |n| n.trim().parse().unwrap());
        let out = Command::new("bash")
            .args(["-euo", "pipefail", "-c", &script])
            .current_dir(d)
            .env("PATH", &path)
            .env("MEDIASAN_CONFIG", d.join("config.toml"))
            .env("MEDIASAN_INDEX", d.join("registers"))
            .env("MEDIASAN_CHECKPOINTS", d.join("checkpoints"))
            .env("MEDIASAN_PASSPHRASE_FILE", d.join("passphrase"))
            .env("LANG", lang)
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .env_remove("MEDIASAN_REGISTER")
            .env_remove("MEDIASAN_KEY")
            .output()
            .unwrap();
        let code = out.status.code().unwrap_or(-1);
        assert_eq!(
            code,
            want,
            "{name} line {line}: the block ended with {code}, the guide says {want}:\n{block}\n--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The guide's workflow ends with the drives wiped: every marker gone.
    for l in &loops {
        assert_eq!(
            common::count_markers(&fs::read(&l.backing).unwrap()),
            0,
            "{name}: {} still holds markers",
            l.backing.display()
        );
    }
}

#[test]
fn the_english_guide_runs() {
    run_guide("guide.en.md", "C");
}

#[test]
fn the_chinese_guide_runs() {
    run_guide("guide.zh.md", "zh_CN.UTF-8");
}
