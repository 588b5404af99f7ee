//! Messages in the operator's language: Simplified Chinese where the locale says so
//! (`LC_ALL`, then `LC_MESSAGES`, then `LANG`, as POSIX orders them, starting `zh`), English
//! otherwise; the binary's `--lang` overrides. The Fluent files in `i18n/` are embedded;
//! [`t!`](crate::t) checks at compile time that an id exists in the English file with the
//! arguments given, and a test that the Chinese file has the same ids and arguments.
//! Field names of JSON, results and certificates are never translated.

use std::sync::OnceLock;

use fluent_bundle::FluentValue;
use i18n_embed::fluent::{fluent_language_loader, FluentLanguageLoader};
use i18n_embed::LanguageLoader;
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "i18n/"]
struct Messages;

/// The languages mediasan speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    En,
    Zh,
}

impl Lang {
    /// The language the environment asks for. `get` reads a variable (`std::env::var`).
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Some(v) = get(var).filter(|v| !v.is_empty()) {
                return if v.starts_with("zh") { Lang::Zh } else { Lang::En };
            }
        }
        Lang::En
    }

    fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }
}

static LOADER: OnceLock<(Lang, FluentLanguageLoader)> = OnceLock::new();

fn loader_for(lang: Lang) -> FluentLanguageLoader {
    let loader: FluentLanguageLoader = fluent_language_loader!();
    let wanted: Vec<_> = lang.tag().parse().into_iter().collect();
    if loader.load_languages(&Messages, &wanted).is_err() {
        let _ = loader.load_fallback_language(&Messages);
    }
    // No Unicode isolation marks around arguments: a path or a serial copied from the
    // terminal must be the path or the serial. (Set on the bundles just loaded.)
    loader.set_use_isolating(false);
    loader
}

/// Chooses the language for the rest of the process (first call wins).
pub fn set(lang: Lang) {
    let _ = LOADER.set((lang, loader_for(lang)));
}

/// The language in use (English until [`set`], and inside [`in_english`]).
pub fn lang() -> Lang {
    if IN_ENGLISH.get() {
        return Lang::En;
    }
    LOADER.get_or_init(|| (Lang::En, loader_for(Lang::En))).0
}

thread_local! {
    static IN_ENGLISH: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[doc(hidden)]
pub fn loader() -> &'static FluentLanguageLoader {
    if IN_ENGLISH.get() {
        return english();
    }
    &LOADER.get_or_init(|| (Lang::En, loader_for(Lang::En))).1
}

/// What `f` makes, with every message of this thread in English while it runs: the text a
/// record keeps of something shown to the operator (a refusal's `Display`, say).
pub fn in_english<R>(f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            IN_ENGLISH.set(self.0);
        }
    }
    let _restore = Restore(IN_ENGLISH.replace(true));
    f()
}

fn english() -> &'static FluentLanguageLoader {
    static ENGLISH: OnceLock<FluentLanguageLoader> = OnceLock::new();
    ENGLISH.get_or_init(|| loader_for(Lang::En))
}

/// A sentence the record keeps in English (results, certificates and JSON never change
/// with the language) and the terminal shows in the operator's: made by [`said!`](crate::said).
/// It is written and read as its English text, and two are equal when their English is;
/// one read back from a record shows in English.
#[derive(Clone, Debug)]
pub struct Said {
    en: String,
    shown: String,
}

impl Said {
    /// What `text` makes in English for the record, and in the language in use to show
    /// (made once where that is English).
    pub fn of(text: impl Fn() -> String) -> Said {
        let en = in_english(&text);
        let shown = if lang() == Lang::En { en.clone() } else { text() };
        Said { en, shown }
    }

    /// The English text, as records keep it.
    pub fn en(&self) -> &str {
        &self.en
    }

    /// The parts one after another with `sep` between them, in each language
    /// (`said!("sep-list")`: `", "`, in Chinese `"、"`; `said!("sep-clauses")`: `"; "`, `"；"`).
    pub fn join(parts: &[Said], sep: &Said) -> Said {
        let en: Vec<_> = parts.iter().map(|p| p.en.as_str()).collect();
        let shown: Vec<_> = parts.iter().map(|p| p.shown.as_str()).collect();
        Said {
            en: en.join(&sep.en),
            shown: shown.join(&sep.shown),
        }
    }
}

impl From<String> for Said {
    fn from(en: String) -> Said {
        Said {
            shown: en.clone(),
            en,
        }
    }
}

impl From<&str> for Said {
    fn from(en: &str) -> Said {
        Said::from(en.to_string())
    }
}

/// Shown in the language in use; in English inside [`in_english`], so that a `Said` put
/// into another message's arguments is English in that message's English.
impl std::fmt::Display for Said {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if IN_ENGLISH.get() { &self.en } else { &self.shown })
    }
}

impl PartialEq for Said {
    fn eq(&self, other: &Said) -> bool {
        self.en == other.en
    }
}

impl Eq for Said {}

impl serde::Serialize for Said {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.en)
    }
}

impl<'de> serde::Deserialize<'de> for Said {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Said, D::Error> {
        String::deserialize(d).map(Said::from)
    }
}

/// A message looked up by a name made at run time (the help text of a command or an
/// option: `help-wipe`, `help-wipe--method`), if the language in use has it.
pub fn lookup(id: &str) -> Option<String> {
    let l = loader();
    l.has(id).then(|| l.get(id))
}

/// The ids of the help texts the Chinese file holds (checked against the command line by a
/// test of the binary).
pub fn help_ids() -> Vec<String> {
    chinese_ids(|id| id.starts_with("help-") || id == "help")
}

/// The ids of the Chinese file that `keep` keeps.
fn chinese_ids(keep: impl Fn(&str) -> bool) -> Vec<String> {
    let text = Messages::get("zh-CN/mediasan.ftl")
        .map(|f| String::from_utf8_lossy(&f.data).into_owned())
        .unwrap_or_default();
    text.lines()
        .filter_map(|l| l.split_once(" = ").map(|(id, _)| id.trim()))
        .filter(|id| keep(id))
        .map(str::to_string)
        .collect()
}

/// Ids that only the Chinese file has: the help (whose English is the command line's
/// own documentation) and the titles of the built-in methods (whose English is the
/// method table's, src/method.rs).
#[cfg(test)]
fn chinese_only(id: &str) -> bool {
    id == "help" || id.starts_with("help-") || id.starts_with("method-title-")
}

/// A built-in method's title in the language in use, `english` where it has none.
pub fn method_title(name: &str, english: &str) -> String {
    lookup(&format!("method-title-{name}")).unwrap_or_else(|| english.to_string())
}

/// A message in the language in use: `t!("id")`, `t!("id", name = value, …)`. Every
/// argument is shown escaped ([`Arg`]): a serial, a name or a file name cannot put a
/// control character or a line break of its own into a message.
#[macro_export]
macro_rules! t {
    ($id:literal) => {
        i18n_embed_fl::fl!($crate::i18n::loader(), $id)
    };
    ($id:literal, $($name:ident = $value:expr),+ $(,)?) => {
        i18n_embed_fl::fl!($crate::i18n::loader(), $id, $($name = $crate::i18n::Arg::shown($value)),+)
    };
}

/// A message's argument as it is shown: text escaped by [`crate::escape::text`], lines
/// mediasan made itself ([`Lines`]) as they are, numbers as numbers (for plurals).
pub trait Arg {
    fn shown(self) -> FluentValue<'static>;
}

impl Arg for &str {
    fn shown(self) -> FluentValue<'static> {
        crate::escape::text(self).into_owned().into()
    }
}

impl Arg for String {
    fn shown(self) -> FluentValue<'static> {
        match crate::escape::text(&self) {
            std::borrow::Cow::Borrowed(_) => self.into(),
            std::borrow::Cow::Owned(s) => s.into(),
        }
    }
}

impl Arg for &String {
    fn shown(self) -> FluentValue<'static> {
        self.as_str().shown()
    }
}

macro_rules! number_args {
    ($($t:ty),*) => {$(
        impl Arg for $t {
            fn shown(self) -> FluentValue<'static> {
                self.into()
            }
        }
    )*};
}
number_args!(usize, u64, u32, i64, i32);

/// Lines mediasan made itself, each of whose outside parts is already escaped: an
/// argument whose line breaks are kept (a list of bad rows, one a line).
pub struct Lines(pub String);

impl Arg for Lines {
    fn shown(self) -> FluentValue<'static> {
        crate::escape::line(&self.0).into_owned().into()
    }
}

/// A [`Said`](crate::i18n::Said): the message in English for the record and in the language
/// in use for the terminal (`Said::of` of the message). Its arguments are read once for
/// each (pass references).
#[macro_export]
macro_rules! said {
    ($id:literal $(, $($args:tt)*)?) => {
        $crate::i18n::Said::of(|| $crate::t!($id $(, $($args)*)?))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_locale_chooses_as_posix_orders_it() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
        };
        assert_eq!(Lang::from_env(env(&[("LANG", "zh_CN.UTF-8")])), Lang::Zh);
        assert_eq!(
            Lang::from_env(env(&[("LANG", "zh_CN.UTF-8"), ("LC_MESSAGES", "C")])),
            Lang::En
        );
        assert_eq!(
            Lang::from_env(env(&[("LANG", "C"), ("LC_ALL", "zh_CN.GB18030")])),
            Lang::Zh
        );
        assert_eq!(
            Lang::from_env(env(&[("LC_ALL", ""), ("LANG", "zh_TW.UTF-8")])),
            Lang::Zh
        );
        assert_eq!(Lang::from_env(env(&[])), Lang::En);
        assert_eq!(Lang::from_env(env(&[("LANG", "en_US.UTF-8")])), Lang::En);
    }

    /// Every message has its twin in the other language, with the same arguments.
    #[test]
    fn both_languages_have_every_id_with_the_same_arguments() {
        use fluent_syntax::ast;
        use std::collections::{BTreeMap, BTreeSet};
        fn vars<S: AsRef<str>>(p: &ast::Pattern<S>, out: &mut BTreeSet<String>) {
            for e in &p.elements {
                if let ast::PatternElement::Placeable { expression } = e {
                    expr(expression, out);
                }
            }
        }
        fn expr<S: AsRef<str>>(e: &ast::Expression<S>, out: &mut BTreeSet<String>) {
            match e {
                ast::Expression::Inline(i) => inline(i, out),
                ast::Expression::Select { selector, variants } => {
                    inline(selector, out);
                    for v in variants {
                        vars(&v.value, out);
                    }
                }
            }
        }
        fn inline<S: AsRef<str>>(i: &ast::InlineExpression<S>, out: &mut BTreeSet<String>) {
            match i {
                ast::InlineExpression::VariableReference { id } => {
                    out.insert(id.name.as_ref().to_string());
                }
                ast::InlineExpression::Placeable { expression } => expr(expression, out),
                _ => {}
            }
        }
        let messages = |path: &str| -> BTreeMap<String, BTreeSet<String>> {
            let text = String::from_utf8(Messages::get(path).expect(path).data.into_owned()).unwrap();
            let res =
                fluent_syntax::parser::parse(text.as_str()).unwrap_or_else(|(_, e)| panic!("{path}: {e:?}"));
            res.body
                .iter()
                .filter_map(|entry| match entry {
                    ast::Entry::Message(m) => {
                        let mut v = BTreeSet::new();
                        if let Some(p) = &m.value {
                            vars(p, &mut v);
                        }
                        Some((m.id.name.to_string(), v))
                    }
                    _ => None,
                })
                .collect()
        };
        // Help texts and method titles are Chinese only (their English is in the code).
        let en = messages("en/mediasan.ftl");
        let mut zh = messages("zh-CN/mediasan.ftl");
        zh.retain(|id, _| !chinese_only(id));
        let only = |a: &BTreeMap<String, _>, b: &BTreeMap<String, _>| -> Vec<String> {
            a.keys().filter(|k| !b.contains_key(*k)).cloned().collect()
        };
        assert_eq!(only(&en, &zh), Vec::<String>::new(), "in English only");
        assert_eq!(only(&zh, &en), Vec::<String>::new(), "in Chinese only");
        for (id, args) in &en {
            assert_eq!(args, &zh[id], "{id}: the arguments differ");
        }
        assert!(en.len() > 40);
    }

    #[test]
    fn every_method_has_a_chinese_title_and_no_other_does() {
        let titles = chinese_ids(|id| id.starts_with("method-title-"));
        let names: Vec<String> = crate::method::METHODS
            .iter()
            .map(|m| format!("method-title-{}", m.name))
            .collect();
        assert_eq!(titles, names);
    }

    #[test]
    fn output_for_machines_is_english() {
        // The process's language is whatever another test set; inside, it is English.
        let inside = in_english(|| (lang(), crate::t!("cert-not-valid")));
        assert_eq!(inside, (Lang::En, "NOT VALID: see FAIL above".to_string()));
        assert!(!IN_ENGLISH.get(), "restored after");
    }

    #[test]
    fn no_id_is_defined_twice() {
        // Fluent refuses a resource that defines an id twice, and the loader would then
        // fall back to English without a word.
        for path in ["en/mediasan.ftl", "zh-CN/mediasan.ftl"] {
            let text = String::from_utf8(Messages::get(path).unwrap().data.into_owned()).unwrap();
            let mut ids: Vec<&str> = text
                .lines()
                .filter(|l| l.starts_with(|c: char| c.is_ascii_lowercase()))
                .filter_map(|l| l.split_once(" = ").map(|(id, _)| id))
                .collect();
            let all = ids.len();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), all, "{path}: an id is defined twice");
        }
    }

    #[test]
    fn a_message_in_each_language() {
        let en = loader_for(Lang::En);
        let zh = loader_for(Lang::Zh);
        let args = |p: &str| std::collections::HashMap::from([("path".to_string(), p.to_string())]);
        assert_eq!(
            en.get_args("confirm-not-confirmed", args("/dev/sdc")),
            "/dev/sdc: not confirmed; nothing was written"
        );
        assert_eq!(
            zh.get_args("confirm-not-confirmed", args("/dev/sdc")),
            "/dev/sdc：未确认，未写入任何数据"
        );
    }
}
