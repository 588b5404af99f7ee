//! Golden tests: what the command line shows — standard output, standard error and the
//! exit code — in English and in Chinese, compared with the pages in tests/golden/
//! (`NAME.en.txt`, `NAME.zh.txt`), so that a renovation of the code can be checked to
//! change none of it. What differs from run to run (folders, loop devices, device numbers,
//! times, durations, rates, keys, hashes, ids with a time in them) is replaced by fixed
//! words first; the words of the messages are kept. `MEDIASAN_BLESS=1 cargo test --test
//! golden` writes the pages anew.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{is_root, plant_markers, skip, Loop, Office};

const LANGS: [&str; 2] = ["en", "zh"];

// ---------------------------------------------------------------------------------------
// Normalising: literal words known to the test, then patterns.

/// One piece of a pattern: a class of characters and how many of them (greedy).
#[derive(Clone, Copy)]
struct Piece {
    class: Class,
    min: usize,
    max: usize,
}

#[derive(Clone, Copy)]
enum Class {
    Lit(char),
    /// `\d`
    Digit,
    /// `\h`: a lowercase hex digit.
    Hex,
    /// `\b`: a base64 character.
    Base64,
    /// `\u`: an uppercase ASCII letter.
    Upper,
}

impl Class {
    fn takes(self, c: char) -> bool {
        match self {
            Class::Lit(l) => c == l,
            Class::Digit => c.is_ascii_digit(),
            Class::Hex => c.is_ascii_digit() || ('a'..='f').contains(&c),
            Class::Base64 => c.is_ascii_alphanumeric() || "+/=".contains(c),
            Class::Upper => c.is_ascii_uppercase(),
        }
    }
}

/// A pattern in a small regular language: literal characters, the classes `\d`, `\h`,
/// `\b`, `\u`, `\.` for a literal dot, each followed by `?`, `*` or `+`. No
/// backtracking: a class takes all it can.
struct Rule {
    pieces: Vec<Piece>,
    /// The least number of characters matched (a hex run is a hash from 16 on).
    min_len: usize,
    to: fn(&str) -> String,
}

impl Rule {
    fn new(pattern: &str, min_len: usize, to: fn(&str) -> String) -> Rule {
        let mut pieces: Vec<Piece> = Vec::new();
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            let class = match c {
                '\\' => match chars.next() {
                    Some('d') => Class::Digit,
                    Some('h') => Class::Hex,
                    Some('b') => Class::Base64,
                    Some('u') => Class::Upper,
                    Some(other) => Class::Lit(other),
                    None => panic!("{pattern}: a lone backslash"),
                },
                '?' | '*' | '+' => {
                    let last = pieces.last_mut().expect("a quantifier after something");
                    (last.min, last.max) = match c {
                        '?' => (0, 1),
                        '*' => (0, usize::MAX),
                        _ => (1, usize::MAX),
                    };
                    continue;
                }
                other => Class::Lit(other),
            };
            pieces.push(Piece {
                class,
                min: 1,
                max: 1,
            });
        }
        Rule { pieces, min_len, to }
    }

    /// Where a match starting at `at` ends; a match neither starts nor ends inside a word.
    fn end(&self, chars: &[char], at: usize) -> Option<usize> {
        let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        if at > 0 && word(chars[at - 1]) && word(chars[at]) {
            return None;
        }
        let mut i = at;
        for p in &self.pieces {
            let mut n = 0;
            while n < p.max && i < chars.len() && p.class.takes(chars[i]) {
                i += 1;
                n += 1;
            }
            if n < p.min {
                return None;
            }
        }
        if i == at || i - at < self.min_len {
            return None;
        }
        if i < chars.len() && word(chars[i - 1]) && word(chars[i]) {
            return None;
        }
        Some(i)
    }

    fn apply(&self, text: &str) -> String {
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < chars.len() {
            match self.end(&chars, i) {
                Some(end) => {
                    out.push_str(&(self.to)(&chars[i..end].iter().collect::<String>()));
                    i = end;
                }
                None => {
                    out.push(chars[i]);
                    i += 1;
                }
            }
        }
        out
    }
}

/// Before the words: what holds numbers a word (a device number) could be part of.
fn first_rules() -> Vec<Rule> {
    vec![
        // A file's object: file:MAJ:MIN:INODE and its birth time.
        Rule::new(r"file:\d+:\d+:\d+:?b?\d*\.?\d*", 0, |_| "file:<object>".into()),
        Rule::new(r"\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.?\d*Z?", 0, |_| {
            "<time>".into()
        }),
        Rule::new(r"\d\d\d\d\d\d\d\dT\d\d\d\d\d\dZ", 0, |_| "<stamp>".into()),
        // A target's device number and inode (a file's, or a loop device's own).
        Rule::new(r#""devno":"\d+:\d+""#, 0, |_| r#""devno":"MAJ:MIN""#.into()),
        Rule::new(r#""inode":\d+"#, 0, |_| r#""inode":INODE"#.into()),
        Rule::new(r"ssh-ed25519 \b+", 0, |_| "ssh-ed25519 <public key>".into()),
        Rule::new(r"SHA256:\b+", 0, |_| "SHA256:<fingerprint>".into()),
    ]
}

/// After the words.
fn last_rules() -> Vec<Rule> {
    vec![
        // Ids that carry the year: C-2026-0001, A-2026-0001.
        Rule::new(r"\u-\d\d\d\d-\d\d\d\d", 0, |m| {
            format!("{}-YYYY-{}", &m[..1], &m[7..])
        }),
        // The register id as `register init` prints it for paper.
        Rule::new(r"\h+-\h+-\h+-\h+", 35, |_| "<register id>".into()),
        Rule::new(r"\h+", 16, |m| format!("<hex{}>", m.len())),
        Rule::new(r"\d+\.\d\d\d s", 0, |_| "N.NNN s".into()),
        Rule::new(r"\d+\.\d\d\d 秒", 0, |_| "N.NNN 秒".into()),
        // A batch's table: TIME in tenths.
        Rule::new(r"\d+\.\d s", 0, |_| "N.N s".into()),
        Rule::new(r"\d+\.\d 秒", 0, |_| "N.N 秒".into()),
        Rule::new(r"\d+\.\d\d \u?iB/s", 0, |_| "N.NN XiB/s".into()),
        Rule::new(r"\d+\.\d\d \u?iB/秒", 0, |_| "N.NN XiB/秒".into()),
        // A sample's share and what it read depend on where its locations fell.
        Rule::new(r"sample of \d+\.\d\d %", 0, |_| "sample of N.NN %".into()),
        Rule::new(r"抽样 \d+\.\d\d %", 0, |_| "抽样 N.NN %".into()),
        Rule::new(r"\d+\.\d\d \u?iB read in", 0, |_| "N.NN XiB read in".into()),
        Rule::new(r"读取 \d+\.\d\d \u?iB，用时", 0, |_| {
            "读取 N.NN XiB，用时".into()
        }),
        Rule::new(r"\d+ ms", 0, |_| "N ms".into()),
        Rule::new(r"\d+ 毫秒", 0, |_| "N 毫秒".into()),
        Rule::new(r#""milliseconds":\d+"#, 0, |_| r#""milliseconds":N"#.into()),
        Rule::new(r#""seconds":\d+\.?\d*"#, 0, |_| r#""seconds":N"#.into()),
        Rule::new(r#""elapsed":\d+\.?\d*"#, 0, |_| r#""elapsed":N"#.into()),
        Rule::new(r#""rate":\d+\.?\d*"#, 0, |_| r#""rate":N"#.into()),
        // One generator thread a processor.
        Rule::new(r#""generator_threads":\d+"#, 0, |_| {
            r#""generator_threads":N"#.into()
        }),
    ]
}

/// Replaces `from` with `to` where it is not part of a longer word or number.
fn replace_word(text: &str, from: &str, to: &str) -> String {
    let joined = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(from) {
        let before = rest[..at].chars().next_back().or(out.chars().next_back());
        let after = rest[at + from.len()..].chars().next();
        let first = from.chars().next();
        let last = from.chars().next_back();
        let inside = (joined(before) && joined(first)) || (joined(after) && joined(last));
        out.push_str(&rest[..at]);
        out.push_str(if inside { from } else { to });
        rest = &rest[at + from.len()..];
    }
    out.push_str(rest);
    out
}

/// The SSH signatures of `carrier show --json`, as one word.
fn signatures(text: &str) -> String {
    const BEGIN: &str = "-----BEGIN SSH SIGNATURE-----";
    const END: &str = "-----END SSH SIGNATURE-----";
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(BEGIN) {
        let Some(len) = rest[at..].find(END) else { break };
        out.push_str(&rest[..at]);
        out.push_str("<ssh signature>");
        rest = &rest[at + len + END.len()..];
    }
    out.push_str(rest);
    out
}

/// What a page replaces: words the test knows (its folders, its loop devices, the
/// numbers of its files) and the patterns above.
#[derive(Default)]
struct Norm {
    words: Vec<(String, String)>,
}

impl Norm {
    fn word(&mut self, from: impl Into<String>, to: impl Into<String>) {
        let from = from.into();
        if !from.is_empty() && !self.words.iter().any(|(f, _)| *f == from) {
            self.words.push((from, to.into()));
        }
    }

    /// A folder or file, as given and as the kernel names it.
    fn path(&mut self, p: &Path, to: &str) {
        if let Ok(real) = fs::canonicalize(p) {
            self.word(real.to_str().unwrap(), to);
        }
        self.word(p.to_str().unwrap(), to);
    }

    /// A loop device: its path and its name; its serial is the path of its backing
    /// file, which the folder's word covers.
    fn loop_device(&mut self, lp: &Loop, to: &str) {
        self.word(lp.dev.to_str().unwrap(), format!("/dev/{to}"));
        self.word(lp.dev.file_name().unwrap().to_str().unwrap(), to);
    }

    fn apply(&self, text: &str) -> String {
        // A byte-order mark (carrier export's, for Excel) shown as a word.
        let mut t = signatures(&text.replace("\r\n", "\n").replace('\u{feff}', "<BOM>"));
        for r in first_rules() {
            t = r.apply(&t);
        }
        // The longest first: a file in a folder before the folder.
        let mut words: Vec<&(String, String)> = self.words.iter().collect();
        words.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
        for (from, to) in words {
            t = replace_word(&t, from, to);
        }
        for r in last_rules() {
            t = r.apply(&t);
        }
        replace_word(&t, env!("CARGO_PKG_VERSION"), "VERSION")
    }
}

/// Tables whose columns are as wide as a loop device's name (loop7, loop12): the runs
/// of spaces between columns made two.
fn loose(text: &str) -> String {
    text.lines()
        .map(|l| {
            let indent = l.len() - l.trim_start().len();
            let mut out = l[..indent].to_string();
            let mut spaces = 0;
            for c in l[indent..].chars() {
                if c == ' ' {
                    spaces += 1;
                    continue;
                }
                out.push_str(&" ".repeat(spaces.min(2)));
                spaces = 0;
                out.push(c);
            }
            out + "\n"
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Running mediasan and keeping what it showed.

/// Where a command runs: its folder and the environment it is given (every other
/// MEDIASAN_ variable of the caller is removed).
#[derive(Clone, Default)]
struct Place {
    cwd: Option<PathBuf>,
    env: Vec<(String, String)>,
    /// The variables a page shows before the command (the rest set the scene).
    shown: Vec<String>,
}

impl Place {
    /// No folder of the test's and only the fixed environment (for help).
    fn bare() -> Place {
        Place::default()
    }

    /// `dir`, with the index of registers and the checkpoints in it.
    fn at(dir: &Path) -> Place {
        Place {
            cwd: Some(dir.to_path_buf()),
            env: vec![
                ("MEDIASAN_INDEX".into(), path_str(&dir.join("index"))),
                ("MEDIASAN_CHECKPOINTS".into(), path_str(&dir.join("checkpoints"))),
            ],
            shown: Vec::new(),
        }
    }

    /// An office: its folder, register and index; `key` signs.
    fn office(o: &Office, key: Option<&str>) -> Place {
        let mut p = Place::at(o.dir.path());
        p.env("MEDIASAN_INDEX", &path_str(&o.index()));
        p.env("MEDIASAN_REGISTER", &path_str(&o.register()));
        if let Some(k) = key {
            p.env("MEDIASAN_KEY", &path_str(&o.path(k)));
            p.shown.push("MEDIASAN_KEY".into());
        }
        p
    }

    fn env(&mut self, k: &str, v: &str) -> &mut Place {
        self.env.retain(|(key, _)| key != k);
        self.env.push((k.into(), v.into()));
        self
    }

    /// The place with `k=v` in the environment, shown before the command.
    fn with(&self, k: &str, v: &str) -> Place {
        let mut p = self.clone();
        p.env(k, v);
        p.shown.push(k.into());
        p
    }

    /// `K=V ` of the variables shown.
    fn shown_env(&self) -> String {
        self.env
            .iter()
            .filter(|(k, _)| self.shown.contains(k))
            .map(|(k, v)| format!("{k}={} ", shell_words(&[v])))
            .collect()
    }
}

/// Arguments as a shell would take them back: an empty one or one with spaces quoted.
fn shell_words(args: &[&str]) -> String {
    args.iter()
        .map(|a| {
            if a.is_empty() || a.contains(char::is_whitespace) {
                format!("'{a}'")
            } else {
                a.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first carrier id (`C-…`) in a command's output, in either language.
fn carrier_id(out: &str) -> String {
    let at = out
        .find("C-")
        .unwrap_or_else(|| panic!("no carrier id in {out:?}"));
    out[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect()
}

fn path_str(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs mediasan with `args` in `place`: English (the locale C) unless `--lang` says
/// otherwise, no configuration file, no terminal on standard input.
fn mediasan(place: &Place, args: &[&str]) -> Out {
    let mut cmd = assert_cmd::Command::cargo_bin("mediasan").unwrap();
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy();
        if k.starts_with("MEDIASAN_") || ["LC_ALL", "LC_MESSAGES", "LANGUAGE", "SSH_AUTH_SOCK"].contains(&&*k)
        {
            cmd.env_remove(&*k);
        }
    }
    cmd.env("LANG", "C").env("MEDIASAN_CONFIG", "/dev/null");
    for (k, v) in &place.env {
        cmd.env(k, v);
    }
    if let Some(d) = &place.cwd {
        cmd.current_dir(d);
    }
    let out = cmd.args(args).write_stdin("").output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// One golden page: the cases of one subject in one language, in order.
struct Page {
    name: String,
    lang: &'static str,
    norm: Norm,
    text: String,
}

impl Page {
    fn new(name: &str, lang: &'static str) -> Page {
        let mut norm = Norm::default();
        norm.path(&std::env::temp_dir(), "TMP");
        Page {
            name: name.into(),
            lang,
            norm,
            text: String::new(),
        }
    }

    /// The arguments with `--lang zh` first for Chinese.
    fn args<'a>(&self, args: &[&'a str]) -> Vec<&'a str> {
        let mut all = Vec::new();
        if self.lang == "zh" {
            all.extend(["--lang", "zh"]);
        }
        all.extend_from_slice(args);
        all
    }

    /// Runs mediasan in this page's language and keeps what it showed.
    fn run(&mut self, what: &str, place: &Place, args: &[&str]) -> Out {
        let out = mediasan(place, &self.args(args));
        self.keep(what, place, args, &out, false);
        out
    }

    /// [`Page::run`] for output with tables as wide as a loop device's name.
    fn run_loose(&mut self, what: &str, place: &Place, args: &[&str]) -> Out {
        let out = mediasan(place, &self.args(args));
        self.keep(what, place, args, &out, true);
        out
    }

    /// Runs mediasan with `args` as they are (no `--lang zh`) and keeps what it showed.
    fn run_as_is(&mut self, what: &str, place: &Place, args: &[&str]) -> Out {
        let out = mediasan(place, args);
        self.keep_as_is(what, place, args, &out, false);
        out
    }

    /// Runs mediasan in this page's language without keeping anything.
    fn quiet(&self, place: &Place, args: &[&str]) -> Out {
        mediasan(place, &self.args(args))
    }

    fn keep(&mut self, what: &str, place: &Place, args: &[&str], out: &Out, loose_columns: bool) {
        self.keep_as_is(what, place, &self.args(args), out, loose_columns)
    }

    /// Keeps what a run of mediasan with exactly `args` showed.
    fn keep_as_is(&mut self, what: &str, place: &Place, args: &[&str], out: &Out, loose_columns: bool) {
        let shown = |t: &str| {
            let t = self.norm.apply(t);
            if loose_columns {
                loose(&t)
            } else {
                t
            }
        };
        let mut s = format!(
            "=== {what}\n$ {}mediasan {}\nexit {}\n",
            self.norm.apply(&place.shown_env()),
            self.norm.apply(&shell_words(args)),
            out.code
        );
        for (name, text) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            if text.is_empty() {
                continue;
            }
            s.push_str(&format!("--- {name}\n"));
            s.push_str(&shown(text));
            if !text.ends_with('\n') {
                s.push_str("\n[no newline at the end]\n");
            }
        }
        s.push('\n');
        self.text.push_str(&s);
    }

    /// A line of the page's own, for what the reader needs to know.
    fn note(&mut self, text: &str) {
        self.text.push_str(&format!("# {}\n\n", self.norm.apply(text)));
    }

    /// Compares the page with tests/golden/NAME.LANG.txt (or writes it, blessed); says
    /// where they differ.
    fn compare(self) -> Result<(), String> {
        let file = format!("{}.{}.txt", self.name, self.lang);
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
        let path = dir.join(&file);
        if std::env::var_os("MEDIASAN_BLESS").is_some() {
            fs::create_dir_all(&dir).unwrap();
            fs::write(&path, &self.text).unwrap();
            return Ok(());
        }
        let want = fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("tests/golden/{file}: {e} (MEDIASAN_BLESS=1 cargo test --test golden writes it)")
        });
        if want == self.text {
            return Ok(());
        }
        let want_lines: Vec<&str> = want.lines().collect();
        let got_lines: Vec<&str> = self.text.lines().collect();
        let first = (0..want_lines.len().max(got_lines.len()))
            .find(|&i| want_lines.get(i) != got_lines.get(i))
            .unwrap_or(0);
        // The case the first difference is in, and a few lines around it.
        let case = got_lines[..first.min(got_lines.len())]
            .iter()
            .rev()
            .find(|l| l.starts_with("=== "))
            .unwrap_or(&"");
        let around = |lines: &[&str]| {
            lines
                .iter()
                .enumerate()
                .skip(first.saturating_sub(2))
                .take(6)
                .map(|(i, l)| format!("  {:>5} {l}", i + 1))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let got_file = Path::new(env!("CARGO_TARGET_TMPDIR")).join(&file);
        fs::write(&got_file, &self.text).unwrap();
        Err(format!(
            "tests/golden/{file} differs from what mediasan shows, first at line {} ({case}):\n\
             wanted:\n{}\ngot:\n{}\n\
             all of it is in {}; if the change is meant, \
             MEDIASAN_BLESS=1 cargo test --test golden writes the pages anew",
            first + 1,
            around(&want_lines),
            around(&got_lines),
            got_file.display()
        ))
    }
}

/// The pages of a test: every one is compared before the test fails, so that one run
/// shows each page that changed.
#[derive(Default)]
struct Pages {
    failures: Vec<String>,
}

impl Pages {
    fn check(&mut self, page: Page) {
        if let Err(e) = page.compare() {
            self.failures.push(e);
        }
    }

    fn done(self) {
        assert!(self.failures.is_empty(), "{}", self.failures.join("\n\n"));
    }
}

// ---------------------------------------------------------------------------------------
// Help and the command line's own refusals.

/// The subcommands a help page lists under `Commands:` (`help` left out).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim_end() != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// `mediasan PATH --help`, then the same for each subcommand it lists.
fn walk(page: &mut Page, path: &[String]) {
    let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
    args.push("--help");
    let what = format!("help of mediasan {}", path.join(" "));
    let out = page.run(what.trim_end(), &Place::bare(), &args);
    assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    for sub in subcommands(&out.stdout) {
        let mut next = path.to_vec();
        next.push(sub);
        walk(page, &next);
    }
}

#[test]
fn help_of_every_command_and_usage_errors() {
    let mut pages = Pages::default();
    for lang in LANGS {
        let mut page = Page::new("help", lang);
        walk(&mut page, &[]);
        let bare = Place::bare();
        page.run("the version", &bare, &["--version"]);
        page.run("help through the help command", &bare, &["help", "config"]);
        page.run("no command", &bare, &[]);
        page.run("an unknown command", &bare, &["frobnicate"]);
        page.run("a command without its subcommand", &bare, &["batch"]);
        page.run("a missing argument", &bare, &["wipe"]);
        page.run("an unknown option", &bare, &["methods", "--colour"]);
        page.run(
            "options that exclude each other",
            &bare,
            &["wipe", "--method", "zero", "--passes", "0x00", "disk.img"],
        );
        page.run(
            "a value not among the possible",
            &bare,
            &["wipe", "--verify", "often", "disk.img"],
        );
        // In both languages as it is: a second --lang is another error.
        page.run_as_is("an unknown language", &bare, &["--lang", "fr", "methods"]);
        pages.check(page);
    }
    pages.done();
}

#[test]
fn methods_and_their_json() {
    let mut pages = Pages::default();
    for lang in LANGS {
        let mut page = Page::new("methods", lang);
        page.run("the methods", &Place::bare(), &["methods"]);
        page.run("the methods as JSON", &Place::bare(), &["methods", "--json"]);
        pages.check(page);
    }
    pages.done();
}

// ---------------------------------------------------------------------------------------
// Wiping: dry runs and refusals.

#[test]
fn dry_runs_of_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("disk.img");
    plant_markers(&img, 1 << 20);
    let mut pages = Pages::default();
    for lang in LANGS {
        let mut page = Page::new("dry-run-file", lang);
        page.norm.path(dir.path(), "DIR");
        let place = Place::at(dir.path());
        page.run("a dry run", &place, &["wipe", "--dry-run", "disk.img"]);
        page.run(
            "a dry run of a method, every byte read back",
            &place,
            &[
                "wipe",
                "--dry-run",
                "--method",
                "dod-3",
                "--verify",
                "all",
                "disk.img",
            ],
        );
        page.run(
            "a dry run of passes of one's own, a blank pass after them",
            &place,
            &[
                "wipe",
                "--dry-run",
                "--passes",
                "0x55AA,random",
                "--blank",
                "disk.img",
            ],
        );
        page.run(
            "a dry run as JSON",
            &place,
            &["wipe", "--dry-run", "--json", "disk.img"],
        );
        pages.check(page);
    }
    pages.done();
}

/// An office with a registered image and a certificate of another image's signed wipe:
/// what the register's rules are tried on.
struct Refusals {
    o: Office,
    carrier: String,
    cert: PathBuf,
}

fn refusals_office() -> Refusals {
    let o = Office::staffed();
    o.ok(
        None,
        &[
            "key",
            "new",
            "--name",
            "stranger",
            "--out",
            o.path("stranger").to_str().unwrap(),
        ],
    );
    plant_markers(&o.path("keep.img"), 1 << 20);
    plant_markers(&o.path("carrier.img"), 1 << 20);
    let carrier = o.register_image(&o.path("carrier.img"));
    // Another carrier, wiped with its approval: its certificate waits for a co-signature.
    plant_markers(&o.path("wiped.img"), 1 << 20);
    let wiped = o.register_image(&o.path("wiped.img"));
    o.ok(Some("approver"), &["approve", &wiped]);
    let out = o.ok(
        Some("operator"),
        &[
            "wipe",
            "--carrier",
            &wiped,
            "--method",
            "zero",
            "--cert-dir",
            "certs",
            "--checkpoint-dir",
            "checkpoints",
            "wiped.img",
        ],
    );
    let cert = out
        .lines()
        .find_map(|l| l.strip_prefix("certificate: "))
        .expect("a certificate line");
    let cert = o.path(cert);
    fs::create_dir(o.path("folder")).unwrap();
    fs::write(
        o.path("bad.csv"),
        "device,carrier,method,verify\n/dev/sdc,C-1,,\nsdc,C-2,,\n/dev/sdd,,,\n/dev/sde,C-3,nope,\n/dev/sdf,C-4,,often\n/dev/sdc,C-5,,\n",
    )
    .unwrap();
    fs::write(
        o.path("truncated.cert.json"),
        "{\"body\": {\"format\": \"mediasan-certificate/1\", \"id\": \"x",
    )
    .unwrap();
    Refusals { o, carrier, cert }
}

#[test]
fn refusals_with_exit_2_and_3() {
    let r = refusals_office();
    let o = &r.o;
    let mut pages = Pages::default();
    for lang in LANGS {
        let mut page = Page::new("refusals", lang);
        page.norm.path(o.dir.path(), "OFFICE");
        page.note(&format!(
            "run in an office, {}: its register (MEDIASAN_REGISTER=register.db) has an approver, an operator (zhangsan) and a supervisor (P-0002); carrier.img is carrier {}, not approved",
            o.dir.path().display(),
            r.carrier
        ));
        let none = Place::office(o, None);
        let operator = Place::office(o, Some("operator"));
        let cert = path_str(&r.cert);
        page.note("unusable input: exit 2");
        page.run(
            "a target that does not exist",
            &none,
            &["wipe", "/nonexistent/disk.img"],
        );
        page.run("a character device", &none, &["wipe", "/dev/null"]);
        page.run("a directory", &none, &["wipe", "folder"]);
        page.run(
            "a malformed pass list",
            &none,
            &["wipe", "--passes", "0x00,maybe", "keep.img"],
        );
        page.run("an empty pass list", &none, &["wipe", "--passes", "", "keep.img"]);
        page.run(
            "an unknown method",
            &none,
            &["wipe", "--method", "dod-99", "keep.img"],
        );
        page.run(
            "--verify none with --resume",
            &none,
            &["wipe", "--resume", "--verify", "none", "keep.img"],
        );
        page.run(
            "a coverage out of range",
            &none,
            &["wipe", "--coverage", "0", "keep.img"],
        );
        page.run(
            "a refusal as JSON",
            &none,
            &["wipe", "--json", "/nonexistent/disk.img"],
        );
        page.run(
            "a pattern to verify that needs a key",
            &none,
            &["verify", "keep.img", "--expect", "random"],
        );
        page.run(
            "a manifest with bad rows",
            &operator,
            &["batch", "run", "bad.csv"],
        );
        page.run(
            "a truncated certificate",
            &none,
            &["cert", "verify", "truncated.cert.json"],
        );
        page.run(
            "a register that does not exist",
            &none.with("MEDIASAN_REGISTER", "/nonexistent/r.db"),
            &["carrier", "list"],
        );
        page.note("refused: exit 3");
        page.run(
            "a registered carrier without --carrier",
            &none,
            &["wipe", "--dry-run", "carrier.img"],
        );
        page.run(
            "the carrier named is another",
            &operator,
            &["wipe", "--dry-run", "--carrier", "C-2026-0099", "carrier.img"],
        );
        page.run(
            "a carrier without an approval",
            &operator,
            &["wipe", "--dry-run", "--carrier", &r.carrier, "carrier.img"],
        );
        page.run("an operator approves", &operator, &["approve", &r.carrier]);
        page.run("the operator co-signs", &operator, &["cert", "cosign", &cert]);
        page.run(
            "a key the register does not know",
            &Place::office(o, Some("stranger")),
            &["carrier", "issue", &r.carrier, "--to", "zhangsan"],
        );
        page.run(
            "a supervisor enrols a person",
            &Place::office(o, Some("supervisor")),
            &[
                "person",
                "add",
                "--name",
                "赵六",
                "--role",
                "operator",
                "--key",
                "stranger.pub",
            ],
        );
        pages.check(page);
    }
    pages.done();
}

// ---------------------------------------------------------------------------------------
// The demo's register and certificate.

/// `mediasan demo` in a new folder: the folder (kept while the value lives), what the
/// demo showed, and its certificate.
struct Demo {
    dir: tempfile::TempDir,
    out: Out,
    args: Vec<String>,
    cert: PathBuf,
}

impl Demo {
    fn run(lang: &'static str) -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let folder = path_str(&dir.path().join("demo"));
        let page = Page::new("demo", lang);
        let args = page.args(&["demo", "--dir", &folder]);
        let out = mediasan(&Place::at(dir.path()), &args);
        assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
        let cert = fs::read_dir(dir.path().join("demo"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_str().unwrap().ends_with(".cert.json"))
            .expect("the demo's certificate");
        Demo {
            args: args.iter().map(|a| a.to_string()).collect(),
            dir,
            out,
            cert,
        }
    }

    fn folder(&self) -> PathBuf {
        self.dir.path().join("demo")
    }

    /// The demo's folder and register.
    fn place(&self) -> Place {
        let mut p = Place::at(&self.folder());
        p.env("MEDIASAN_REGISTER", &path_str(&self.folder().join("register.db")));
        p
    }

    /// A page that knows the demo's folder and its scratch image.
    fn page(&self, name: &str, lang: &'static str) -> Page {
        let mut page = Page::new(name, lang);
        page.norm.path(self.dir.path(), "DIR");
        page
    }

    /// [`Demo::page`] for commands run in the demo's folder, on its register.
    fn register_page(&self, name: &str, lang: &'static str) -> Page {
        let mut page = self.page(name, lang);
        page.note(&format!(
            "run in {}, on the demo's register (MEDIASAN_REGISTER=register.db)",
            self.folder().display()
        ));
        page
    }

    /// Pins what the demo showed.
    fn check(&self, lang: &'static str, pages: &mut Pages) {
        let mut page = self.page("demo", lang);
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        page.keep_as_is(
            "a whole wipe on a scratch image",
            &Place::bare(),
            &args,
            &self.out,
            false,
        );
        pages.check(page);
    }
}

#[test]
fn the_demo_in_chinese() {
    let mut pages = Pages::default();
    Demo::run("zh").check("zh", &mut pages);
    pages.done();
}

#[test]
fn the_demo_its_certificate_and_its_register() {
    let demo = Demo::run("en");
    let mut pages = Pages::default();
    demo.check("en", &mut pages);
    let cert = path_str(&demo.cert);
    let folder = demo.folder();
    // The same certificate with its body changed after signing.
    let mut tampered: serde_json::Value = serde_json::from_slice(&fs::read(&demo.cert).unwrap()).unwrap();
    tampered["body"]["media"]["classification"] = "internal".into();
    let edited = folder.join("tampered.cert.json");
    fs::write(&edited, serde_json::to_vec_pretty(&tampered).unwrap()).unwrap();
    let edited = path_str(&edited);
    let place = demo.place();
    for lang in LANGS {
        let mut page = demo.register_page("cert", lang);
        page.run(
            "verify the demo's certificate",
            &place,
            &["cert", "verify", &cert],
        );
        page.run("the same as JSON", &place, &["cert", "verify", &cert, "--json"]);
        page.run(
            "verify it by an allowed-signers file",
            &place,
            &[
                "cert",
                "verify",
                &cert,
                "--allowed-signers",
                "export/allowed_signers",
            ],
        );
        let pdf = format!("printed.{lang}.pdf");
        let html = format!("printed.{lang}.html");
        page.run(
            "print it",
            &place,
            &["cert", "render", &cert, "--pdf", &pdf, "--html", &html],
        );
        page.run("verify the printed PDF", &place, &["cert", "verify", &pdf]);
        page.run("the same as JSON", &place, &["cert", "verify", &pdf, "--json"]);
        let out = format!("exported.{lang}");
        page.run(
            "export it for OpenSSH",
            &place,
            &["cert", "export", &cert, "--out", &out],
        );
        page.run(
            "a certificate changed after signing",
            &place,
            &["cert", "verify", &edited],
        );
        page.run("the same as JSON", &place, &["cert", "verify", &edited, "--json"]);
        pages.check(page);

        let mut page = demo.register_page("register", lang);
        page.run("verify the register", &place, &["register", "verify"]);
        page.run("the same as JSON", &place, &["register", "verify", "--json"]);
        page.run("the people", &place, &["person", "list"]);
        page.run("the same as JSON", &place, &["person", "list", "--json"]);
        page.run_loose("the carriers", &place, &["carrier", "list"]);
        page.run("the same as JSON", &place, &["carrier", "list", "--json"]);
        let id = carrier_id(&page.quiet(&place, &["carrier", "list"]).stdout);
        page.run("one carrier and its events", &place, &["carrier", "show", &id]);
        page.run("the same as JSON", &place, &["carrier", "show", &id, "--json"]);
        pages.check(page);
    }
    pages.done();
}

// ---------------------------------------------------------------------------------------
// Loop devices: dry runs, refusals, scan, batch. These need root and losetup.

/// A file system mounted on a folder, unmounted on drop.
struct Mounted {
    dir: PathBuf,
}

impl Mounted {
    fn new(dev: &Path, dir: &Path) -> Result<Mounted, String> {
        fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let st = Command::new("mount").arg(dev).arg(dir).status();
        if !st.is_ok_and(|s| s.success()) {
            return Err(format!("cannot mount {}", dev.display()));
        }
        Ok(Mounted {
            dir: dir.to_path_buf(),
        })
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir).status();
    }
}

#[test]
fn dry_runs_and_refusals_of_a_loop_device() {
    let test = "golden pages of a loop device";
    if !is_root() {
        return skip(test, "needs root for losetup");
    }
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("disk.img");
    plant_markers(&img, 1 << 20);
    let lp = match Loop::attach(&img, None, false) {
        Ok(l) => l,
        Err(e) => return skip(test, &e),
    };
    // A second device holding a mounted file system.
    let fsimg = dir.path().join("fs.img");
    fs::File::create(&fsimg).unwrap().set_len(16 << 20).unwrap();
    let made = Command::new("mkfs.ext4").args(["-q", "-F"]).arg(&fsimg).status();
    if !made.is_ok_and(|s| s.success()) {
        return skip(test, "mkfs.ext4 is not available");
    }
    let fslp = match Loop::attach(&fsimg, None, false) {
        Ok(l) => l,
        Err(e) => return skip(test, &e),
    };
    let _mounted = match Mounted::new(&fslp.dev, &dir.path().join("mnt")) {
        Ok(m) => m,
        Err(e) => return skip(test, &e),
    };
    let dev = path_str(&lp.dev);
    let fsdev = path_str(&fslp.dev);
    let serial = lp.serial();
    let place = Place::at(dir.path());
    let mut pages = Pages::default();
    for lang in LANGS {
        let mut page = Page::new("loop-device", lang);
        page.norm.path(dir.path(), "DIR");
        page.norm.loop_device(&lp, "loopA");
        page.norm.loop_device(&fslp, "loopB");
        page.run("a dry run of a loop device", &place, &["wipe", "--dry-run", &dev]);
        page.run(
            "a dry run with its serial confirmed",
            &place,
            &[
                "wipe",
                "--dry-run",
                "--method",
                "zero",
                "--confirm",
                &serial,
                &dev,
            ],
        );
        page.run(
            "a dry run as JSON",
            &place,
            &["wipe", "--dry-run", "--json", &dev],
        );
        page.run("no terminal to confirm the serial on", &place, &["wipe", &dev]);
        page.run(
            "the serial confirmed wrong",
            &place,
            &["wipe", "--method", "zero", "--confirm", "NOT-THE-SERIAL", &dev],
        );
        page.run("the same as JSON", &place, &["wipe", "--json", &dev]);
        page.run("a mounted device", &place, &["wipe", "--dry-run", &fsdev]);
        page.run(
            "the same as JSON",
            &place,
            &["wipe", "--dry-run", "--json", &fsdev],
        );
        pages.check(page);
    }
    pages.done();
}

/// The lines of `scan`'s table about `dev`: the head, its row and its notes.
fn scan_rows(table: &str, dev: &str) -> String {
    let mut out = String::new();
    let mut lines = table.lines();
    if let Some(head) = lines.next() {
        out.push_str(head);
        out.push('\n');
    }
    let row = format!("{dev} ");
    let notes = format!("{dev}:");
    let mut in_notes = false;
    for l in lines {
        if l.starts_with(&row) {
            out.push_str(l);
            out.push('\n');
        } else if l == notes {
            in_notes = true;
            out.push('\n');
        }
        if in_notes {
            if l.is_empty() {
                in_notes = false;
                continue;
            }
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

#[test]
fn scan_of_a_loop_device() {
    let test = "golden pages of scan";
    if !is_root() {
        return skip(test, "needs root for losetup");
    }
    let o = Office::staffed();
    let img = o.path("disk.img");
    fs::File::create(&img).unwrap().set_len(8 << 20).unwrap();
    let id = o.register_image(&img);
    let lp = match Loop::attach(&img, None, false) {
        Ok(l) => l,
        Err(e) => return skip(test, &e),
    };
    let dev = path_str(&lp.dev);
    let place = Place::office(&o, None);
    let mut pages = Pages::default();
    for lang in LANGS {
        let mut page = Page::new("scan", lang);
        page.norm.path(o.dir.path(), "OFFICE");
        page.norm.loop_device(&lp, "loopA");
        page.note(&format!(
            "scan reads the host's /proc and /sys: only what it says of LOOP, a loop device over a registered image ({id}), is kept"
        ).replace("LOOP", &dev));
        let mut out = page.quiet(&place, &["scan"]);
        out.stdout = scan_rows(&out.stdout, &dev);
        page.keep("the table", &place, &["scan"], &out, true);
        let mut out = page.quiet(&place, &["scan", "--json"]);
        out.stdout = out
            .stdout
            .lines()
            .filter(|l| l.contains(&format!("\"path\":\"{dev}\"")))
            .map(|l| format!("{l}\n"))
            .collect();
        page.keep("as JSON", &place, &["scan", "--json"], &out, false);
        pages.check(page);
    }
    pages.done();
}

/// `n` images of 1 MiB named `{prefix}{i}.img` in the office, registered, approved and
/// attached; a manifest of them (method zero, a sampled verification) and the file of
/// their serials.
fn batch_of(o: &Office, prefix: &str, n: usize) -> Result<(Vec<Loop>, String, String), String> {
    let mut loops = Vec::new();
    let mut manifest = String::from("device,carrier,method,verify\n");
    let mut serials = String::new();
    for i in 0..n {
        let img = o.path(&format!("{prefix}{i}.img"));
        plant_markers(&img, 1 << 20);
        let id = o.register_image(&img);
        o.ok(Some("approver"), &["approve", &id]);
        let lp = Loop::attach(&img, None, false)?;
        manifest.push_str(&format!("{},{id},zero,sample\n", lp.dev.display()));
        serials.push_str(&format!("{}\n", lp.serial()));
        loops.push(lp);
    }
    let m = format!("{prefix}.csv");
    let s = format!("{prefix}-serials.txt");
    fs::write(o.path(&m), manifest).unwrap();
    fs::write(o.path(&s), serials).unwrap();
    Ok((loops, m, s))
}

#[test]
fn a_batch_of_two_carriers() {
    let test = "golden pages of a batch";
    if !is_root() {
        return skip(test, "needs root for losetup");
    }
    let mut pages = Pages::default();
    for lang in LANGS {
        let o = Office::staffed();
        let batches = batch_of(&o, "t", 2).and_then(|t| Ok((t, batch_of(&o, "j", 2)?)));
        let ((table_loops, table_m, table_s), (json_loops, json_m, json_s)) = match batches {
            Ok(b) => b,
            Err(e) => {
                skip(test, &e);
                break;
            }
        };
        let mut page = Page::new("batch", lang);
        page.norm.path(o.dir.path(), "OFFICE");
        for (lp, name) in table_loops
            .iter()
            .chain(&json_loops)
            .zip(["loopA", "loopB", "loopC", "loopD"])
        {
            page.norm.loop_device(lp, name);
        }
        let place = Place::office(&o, Some("operator"));
        page.run_loose(
            "no terminal to confirm the serials on",
            &place,
            &["batch", "run", &table_m, "--parallel", "1"],
        );
        page.run_loose(
            "two carriers wiped, one after the other",
            &place,
            &[
                "batch",
                "run",
                &table_m,
                "--parallel",
                "1",
                "--confirm-serials",
                &table_s,
                "--cert-dir",
                "certs",
            ],
        );
        page.run(
            "two carriers wiped, as JSON",
            &place,
            &[
                "batch",
                "run",
                &json_m,
                "--parallel",
                "1",
                "--json",
                "--confirm-serials",
                &json_s,
                "--cert-dir",
                "certs-json",
            ],
        );
        pages.check(page);
    }
    pages.done();
}

// ---------------------------------------------------------------------------------------
// The configuration.

#[test]
fn the_configuration_shown_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str, mode: u32| {
        let p = dir.path().join(name);
        fs::write(&p, text).unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
        name.to_string()
    };
    let good = write(
        "config.toml",
        "# the station\norganisation = \"某市某局\"\nlocation = \"三楼机房\"\nregister = \"/srv/mediasan/register.db\"\ncoverage = 12.5\n\n[classification.secret]\nverify = \"all\"\nmethod = \"dod-3\"\n",
        0o644,
    );
    let open = write("open.toml", "organisation = \"x\"\n", 0o666);
    let unknown = write(
        "unknown.toml",
        "organisation = \"x\"\n\norganization = \"y\"\n",
        0o644,
    );
    let method = write(
        "method.toml",
        "[classification.secret]\nmethod = \"melt\"\n",
        0o644,
    );
    let place = Place::at(dir.path());
    let mut pages = Pages::default();
    for lang in LANGS {
        let mut page = Page::new("config", lang);
        page.norm.path(dir.path(), "DIR");
        page.run_loose("no configuration file", &place, &["config", "show"]);
        page.run_loose(
            "a configuration file",
            &place,
            &["config", "show", "--config", &good],
        );
        page.run(
            "the same as JSON",
            &place,
            &["config", "show", "--config", &good, "--json"],
        );
        page.run_loose(
            "a flag over the file",
            &place.with("MEDIASAN_COVERAGE", "20"),
            &["config", "show", "--config", &good, "--register", "/flag.db"],
        );
        page.run(
            "a file others can write (0666)",
            &place,
            &["methods", "--config", &open],
        );
        page.run("an unknown key", &place, &["methods", "--config", &unknown]);
        page.run("an unknown method", &place, &["methods", "--config", &method]);
        page.run(
            "a file that does not exist",
            &place,
            &["methods", "--config", "/nonexistent/config.toml"],
        );
        pages.check(page);
    }
    pages.done();
}

// ---------------------------------------------------------------------------------------
// An office's life: what each step says when it succeeds.

#[test]
fn an_office_from_its_keys_to_a_cosigned_certificate() {
    let mut pages = Pages::default();
    for lang in LANGS {
        let o = Office::new();
        let mut page = Page::new("office", lang);
        page.norm.path(o.dir.path(), "OFFICE");
        let anyone = Place::office(&o, None);
        let approver = Place::office(&o, Some("approver"));
        let operator = Place::office(&o, Some("operator"));
        let supervisor = Place::office(&o, Some("supervisor"));
        page.run(
            "a key pair",
            &anyone,
            &["key", "new", "--name", "approver", "--out", "approver"],
        );
        for k in ["operator", "supervisor"] {
            assert_eq!(
                page.quiet(&anyone, &["key", "new", "--name", k, "--out", k]).code,
                0
            );
        }
        page.run(
            "a register and its founding approver",
            &anyone,
            &[
                "register",
                "init",
                "--org",
                "某市某局",
                "--name",
                "王五",
                "--key",
                "approver.pub",
                "--signed-by",
                "approver",
            ],
        );
        page.run(
            "an operator enrolled",
            &approver,
            &[
                "person",
                "add",
                "--name",
                "张三",
                "--role",
                "operator",
                "--id",
                "zhangsan",
                "--key",
                "operator.pub",
            ],
        );
        page.run(
            "a supervisor enrolled, numbered by the register",
            &approver,
            &[
                "person",
                "add",
                "--name",
                "李四",
                "--role",
                "supervisor",
                "--key",
                "supervisor.pub",
            ],
        );
        plant_markers(&o.path("disk.img"), 1 << 20);
        let serial = path_str(&fs::canonicalize(o.path("disk.img")).unwrap());
        let out = page.run(
            "an image registered as a carrier",
            &operator,
            &[
                "carrier",
                "add",
                "--kind",
                "printer-hdd",
                "--serial",
                &serial,
                "--classification",
                "secret",
                "--custodian",
                "zhangsan",
                "--label",
                "机密-0001",
            ],
        );
        let id = carrier_id(&out.stdout);
        page.run(
            "issued to a person",
            &operator,
            &["carrier", "issue", &id, "--to", "P-0002"],
        );
        page.run("taken back into store", &operator, &["carrier", "return", &id]);
        page.run("its destruction approved", &approver, &["approve", &id]);
        let out = page.run(
            "wiped as the carrier, every byte read back",
            &operator,
            &[
                "wipe",
                "--carrier",
                &id,
                "--method",
                "zero",
                "--verify",
                "last",
                "--cert-dir",
                "certs",
                "--checkpoint-dir",
                "checkpoints",
                "disk.img",
            ],
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        let cert = fs::read_dir(o.path("certs"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_str().unwrap().ends_with(".cert.json"))
            .expect("the wipe's certificate");
        let cert = format!("certs/{}", cert.file_name().unwrap().to_str().unwrap());
        page.run(
            "read back",
            &anyone,
            &["verify", "disk.img", "--expect", "zero", "--full"],
        );
        page.run(
            "co-signed by the supervisor",
            &supervisor,
            &["cert", "cosign", &cert],
        );
        page.run(
            "the chain's head signed",
            &supervisor,
            &["register", "checkpoint"],
        );
        page.run("a backup", &anyone, &["register", "backup", "backup.db"]);
        page.run("the carriers as CSV", &anyone, &["carrier", "export"]);
        pages.check(page);
    }
    pages.done();
}
