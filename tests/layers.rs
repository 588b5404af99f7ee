//! The library's floors point down: no import circle among its top-level modules, none
//! among its files, the vocabulary (`model`) importing only messages and escaping, the
//! device floor only the vocabulary, and nothing named `target` (a folder tools that skip
//! Cargo's build folder would never see). Read from the sources' own paths (`crate::…`,
//! `super::…`, `self::…`), outside test modules; docs/architecture.md draws the floors.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The binary's files: they sit on top and may import anything of the library.
const BINARY: [&str; 5] = ["main.rs", "cli.rs", "ui.rs", "settings.rs", "commands"];

/// What each floor-bound module may import, besides itself.
const FLOORS: [(&str, &[&str]); 5] = [
    ("escape", &[]),
    ("i18n", &["escape"]),
    ("model", &["escape", "i18n"]),
    ("device", &["escape", "i18n", "model"]),
    ("files", &["escape", "i18n"]),
];

type Module = Vec<String>;

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src/register/ops.rs` → `[register, ops]`; `src/register/mod.rs` → `[register]`.
fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Module = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The text of a file without its test modules (tests may reach anywhere).
fn code(text: &str) -> &str {
    text.find("#[cfg(test)]\nmod tests").map_or(text, |i| &text[..i])
}

/// Every path `prefix::a::b…` in `text`, as its segments (lowercase names only: modules).
fn paths<'t>(text: &'t str, prefix: &str) -> Vec<Vec<&'t str>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().next_back();
        let after = &rest[i + prefix.len()..];
        rest = after;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let mut segs = Vec::new();
        let mut tail = after;
        while let Some(t) = tail.strip_prefix("::") {
            let end = t
                .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
                .unwrap_or(t.len());
            if end == 0 {
                break;
            }
            segs.push(&t[..end]);
            tail = &t[end..];
        }
        out.push(segs);
    }
    out
}

/// The files of the library and the files each imports.
fn graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.retain(|f| {
        let first = f.strip_prefix(&src).unwrap().iter().next().unwrap();
        !BINARY.iter().any(|b| first == *b)
    });
    let modules: BTreeMap<Module, PathBuf> = files.iter().map(|f| (module_of(&src, f), f.clone())).collect();
    // The longest prefix of `path` that is a file of the library.
    let resolve = |path: &[&str]| -> Option<Module> {
        (1..=path.len())
            .rev()
            .map(|n| path[..n].iter().map(|s| s.to_string()).collect::<Module>())
            .find(|m| modules.contains_key(m))
    };
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (me, file) in &modules {
        let text = fs::read_to_string(file).unwrap();
        let text = code(&text);
        let mut found = BTreeSet::new();
        for p in paths(text, "crate") {
            found.extend(resolve(&p));
        }
        let parent: Vec<&str> = me[..me.len().saturating_sub(1)]
            .iter()
            .map(String::as_str)
            .collect();
        for p in paths(text, "super") {
            found.extend(resolve(&[&parent[..], &p[..]].concat()));
        }
        let mine: Vec<&str> = me.iter().map(String::as_str).collect();
        for p in paths(text, "self") {
            found.extend(resolve(&[&mine[..], &p[..]].concat()));
        }
        found.remove(me);
        found.retain(|m| !m.is_empty());
        edges.insert(me.clone(), found);
    }
    edges
}

/// The strongly connected components of more than one node (Tarjan).
fn circles<N: Ord + Clone>(edges: &BTreeMap<N, BTreeSet<N>>) -> Vec<Vec<N>> {
    struct Walk<'g, N: Ord> {
        edges: &'g BTreeMap<N, BTreeSet<N>>,
        index: BTreeMap<&'g N, usize>,
        low: BTreeMap<&'g N, usize>,
        stack: Vec<&'g N>,
        out: Vec<Vec<N>>,
    }
    impl<'g, N: Ord + Clone> Walk<'g, N> {
        fn visit(&mut self, v: &'g N) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            for w in self.edges.get(v).into_iter().flatten() {
                let Some((w, _)) = self.edges.get_key_value(w) else {
                    continue;
                };
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let l = self.low[w].min(self.low[v]);
                    self.low.insert(v, l);
                } else if self.stack.contains(&w) {
                    let l = self.index[w].min(self.low[v]);
                    self.low.insert(v, l);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    component.push(w.clone());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    self.out.push(component);
                }
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !walk.index.contains_key(v) {
            walk.visit(v);
        }
    }
    walk.out
}

fn named(m: &Module) -> String {
    m.join("::")
}

#[test]
fn no_file_imports_a_file_that_imports_it_back() {
    let found = circles(&graph());
    let shown: Vec<Vec<String>> = found.iter().map(|c| c.iter().map(named).collect()).collect();
    assert!(shown.is_empty(), "import circles among files: {shown:?}");
}

#[test]
fn no_module_imports_a_module_that_imports_it_back() {
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, to) in graph() {
        let Some(me) = m.first().cloned() else { continue };
        let entry = top.entry(me.clone()).or_default();
        entry.extend(to.iter().filter_map(|t| t.first().cloned()).filter(|t| *t != me));
    }
    let found = circles(&top);
    assert!(found.is_empty(), "import circles among modules: {found:?}");
}

#[test]
fn the_lower_floors_import_only_what_lies_below() {
    let g = graph();
    for (floor, allowed) in FLOORS {
        for (m, to) in g
            .iter()
            .filter(|(m, _)| m.first().map(String::as_str) == Some(floor))
        {
            for t in to {
                let top = t.first().map(String::as_str).unwrap_or("");
                assert!(
                    top == floor || allowed.contains(&top),
                    "{} imports {}: {floor} may import only {allowed:?}",
                    named(m),
                    named(t)
                );
            }
        }
    }
}

#[test]
fn nothing_is_named_target() {
    let g = graph();
    for m in g.keys() {
        assert!(
            !m.iter().any(|p| p == "target"),
            "src/{} is named target",
            m.join("/")
        );
    }
}

#[test]
fn the_reader_sees_what_it_must() {
    // The checker itself: it sees a path and an edge, so a circle would not hide.
    let text = "use crate::model::report::{Outcome};\nlet x = super::rules::Kind::X;\n";
    assert_eq!(paths(text, "crate"), [vec!["model", "report"]]);
    assert_eq!(paths(text, "super"), [vec!["rules"]]);
    let mut edges: BTreeMap<u8, BTreeSet<u8>> = BTreeMap::new();
    edges.insert(1, [2].into());
    edges.insert(2, [3].into());
    edges.insert(3, [1].into());
    edges.insert(4, [1].into());
    assert_eq!(circles(&edges).len(), 1);
    let g = graph();
    assert!(g[&vec!["engine".to_string()]].contains(&vec!["budget".to_string()]));
}

#[test]
fn the_register_and_the_certificates_name_no_suite_of_their_own() {
    // Suites are keys' providers: a new one touches neither.
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for folder in ["register", "cert"] {
        let mut files = Vec::new();
        sources(&src.join(folder), &mut files);
        for f in files {
            let text = fs::read_to_string(&f).unwrap();
            assert!(!text.contains("ssh_key"), "{} names ssh_key", f.display());
        }
    }
}

#[test]
fn every_document_a_comment_cites_is_in_the_repository() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    for f in files {
        let text = fs::read_to_string(&f).unwrap();
        for (i, _) in text.match_indices(".md") {
            let start = text[..i]
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || "/_.-".contains(c)))
                .map_or(0, |s| s + 1);
            let cited = &text[start..i + 3];
            if cited.len() > 3 && cited.chars().next().is_some_and(|c| c.is_ascii_alphanumeric()) {
                assert!(
                    root.join(cited).exists() || root.join("docs").join(cited).exists(),
                    "{} cites {cited}, which is not in the repository",
                    f.display()
                );
            }
        }
    }
}
