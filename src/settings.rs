//! The configuration as this run of the binary sees it: read once, before the command
//! line is parsed, so that the file's values become the defaults of the flags they
//! stand for (a flag or a real environment variable still wins).

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;

use mediasan::config::{Config, ConfigError};

/// Where the configuration file's name came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Named {
    Flag,
    Environment,
    Default,
}

pub struct Settings {
    pub config: Config,
    pub path: PathBuf,
    pub named: Named,
    /// The MEDIASAN_* variables as the caller set them, before the file's values were
    /// given to the flags through them.
    pub env: Vec<(&'static str, Option<OsString>)>,
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// The variables through which the file's values reach the flags they default.
pub const CARRIED: [&str; 3] = ["MEDIASAN_REGISTER", "MEDIASAN_CERT_DIR", "MEDIASAN_COVERAGE"];
/// Every variable `config show` reports.
pub const SHOWN: [&str; 7] = [
    "MEDIASAN_CONFIG",
    "MEDIASAN_REGISTER",
    "MEDIASAN_CERT_DIR",
    "MEDIASAN_COVERAGE",
    "MEDIASAN_CHECKPOINTS",
    "MEDIASAN_INDEX",
    "MEDIASAN_KEY",
];

/// The value of `--NAME VALUE` or `--NAME=VALUE` among the arguments (before any `--`),
/// read before clap parses them: it decides how the rest is parsed and said.
fn flag_value(args: &[OsString], name: &str) -> Option<OsString> {
    let long = format!("--{name}");
    let eq = format!("--{name}=");
    let mut it = args.iter().skip(1);
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        if *a == *long {
            return it.next().cloned();
        }
        if let Some(v) = a.to_str().and_then(|s| s.strip_prefix(eq.as_str())) {
            return Some(OsString::from(v));
        }
    }
    None
}

fn flag(args: &[OsString]) -> Option<PathBuf> {
    flag_value(args, "config").map(PathBuf::from)
}

/// English for `--json` (output for machines never changes with the language, its
/// messages included); else `--lang zh|en`, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`).
pub fn lang(args: &[OsString]) -> mediasan::i18n::Lang {
    use mediasan::i18n::Lang;
    let json = args
        .iter()
        .skip(1)
        .take_while(|a| *a != "--")
        .any(|a| a == "--json");
    if json {
        return Lang::En;
    }
    match flag_value(args, "lang").as_ref().and_then(|v| v.to_str()) {
        Some("zh") => Lang::Zh,
        Some("en") => Lang::En,
        _ => Lang::from_env(|k| std::env::var(k).ok()),
    }
}

/// Reads the configuration and sets the variables that carry its values to the flags
/// (only those the caller did not set). Called once, first thing in `main`.
pub fn load(args: &[OsString]) -> Result<(), ConfigError> {
    let env: Vec<_> = SHOWN.iter().map(|k| (*k, std::env::var_os(k))).collect();
    let (path, named) = match (flag(args), std::env::var_os("MEDIASAN_CONFIG")) {
        (Some(p), _) => (p, Named::Flag),
        (None, Some(p)) if !p.is_empty() => (PathBuf::from(p), Named::Environment),
        _ => (PathBuf::from(mediasan::config::DEFAULT_PATH), Named::Default),
    };
    let config = Config::load(&path, named != Named::Default)?;
    if let Some(m) = &config.file_mode {
        mediasan::files::set_mode(m.value);
    }
    let carried = [
        config.register.as_ref().map(|i| i.value.clone().into_os_string()),
        config
            .certificates
            .as_ref()
            .map(|i| i.value.clone().into_os_string()),
        config.coverage.as_ref().map(|i| OsString::from(&i.value)),
    ];
    for (name, value) in CARRIED.iter().zip(carried) {
        if let (Some(v), None) = (value, std::env::var_os(name)) {
            // Single-threaded here: nothing else reads the environment yet.
            std::env::set_var(name, v);
        }
    }
    let _ = SETTINGS.set(Settings {
        config,
        path,
        named,
        env,
    });
    Ok(())
}

/// The configuration read at start (empty in a library test that never loaded one).
pub fn get() -> &'static Settings {
    SETTINGS.get_or_init(|| Settings {
        config: Config::default(),
        path: PathBuf::from(mediasan::config::DEFAULT_PATH),
        named: Named::Default,
        env: Vec::new(),
    })
}

/// What the caller set `name` to, before the file's values were carried in.
pub fn caller_env(name: &str) -> Option<&'static OsString> {
    get()
        .env
        .iter()
        .find(|(k, _)| *k == name)
        .and_then(|(_, v)| v.as_ref())
}
