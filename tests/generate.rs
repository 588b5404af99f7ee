//! Man pages and completions come from the command line's own definition; the man
//! pages committed under docs/man/ must be what `mediasan generate man` makes now.

mod common;

use std::fs;
use std::path::Path;

use common::*;

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_committed_man_pages_are_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["generate", "man", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/man");
    let made = listing(dir.path());
    assert!(made.contains(&"mediasan-wipe.1".to_string()), "{made:?}");
    assert_eq!(
        listing(&committed),
        made,
        "docs/man/ lists other pages: run `cargo run -- generate man` and commit docs/man/"
    );
    for name in &made {
        assert_eq!(
            fs::read(committed.join(name)).unwrap(),
            fs::read(dir.path().join(name)).unwrap(),
            "docs/man/{name} is out of date: run `cargo run -- generate man` and commit docs/man/"
        );
    }
}

#[test]
fn completions_are_made_for_each_shell() {
    for (shell, needle) in [
        ("bash", "_mediasan()"),
        ("zsh", "#compdef mediasan"),
        ("fish", "complete -c mediasan"),
    ] {
        let out = bin().args(["generate", "completions", shell]).output().unwrap();
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(needle) && text.contains("wipe"),
            "{shell}: {}",
            &text[..text.len().min(200)]
        );
    }
    let out = bin()
        .args(["generate", "completions", "cmd.exe"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
