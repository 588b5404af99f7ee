//! The station's configuration: `/etc/mediasan/config.toml` (or `--config FILE`, or
//! `MEDIASAN_CONFIG`). Every key is optional; an unknown key, a wrong type or a value
//! mediasan cannot use is an error naming the file and the line. Flags and environment
//! variables win over the file, the file over the built-in defaults
//! (docs/configuration.md).

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::model::report::VerifyMode;
use crate::register::Classification;

pub const DEFAULT_PATH: &str = "/etc/mediasan/config.toml";

/// The longest configuration file read (a few dozen lines are usual).
pub const MAX_BYTES: u64 = 1 << 20;

/// A value and the line of the file it is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item<T> {
    pub value: T,
    pub line: usize,
}

/// The wipe defaults of one classification.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClassDefaults {
    pub method: Option<Item<String>>,
    pub verify: Option<Item<VerifyMode>>,
}

/// Who runs this station, for certificates of wipes no register vouches for, and its
/// contact phone for every certificate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Station {
    pub organisation: Option<String>,
    pub location: Option<String>,
    pub contact: Option<String>,
}

/// The configuration as read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// The file read (`None`: the default path holds none).
    pub file: Option<PathBuf>,
    pub organisation: Option<Item<String>>,
    pub location: Option<Item<String>>,
    pub contact: Option<Item<String>>,
    pub register: Option<Item<PathBuf>>,
    pub certificates: Option<Item<PathBuf>>,
    /// The sampled verification's least share, as `--coverage` takes it (`10`, `12.5`).
    pub coverage: Option<Item<String>>,
    /// The register id this station trusts: `cert verify` checks it when no
    /// `--register-id` is given.
    pub trusted_register_id: Option<Item<String>>,
    /// The mode of the files mediasan writes (`0600` unless set; at most `0644`).
    pub file_mode: Option<Item<u32>>,
    pub classification: BTreeMap<Classification, ClassDefaults>,
}

/// Why the configuration cannot be used, and what to do.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    pub message: String,
    pub hint: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileForm {
    organisation: Option<Spanned<String>>,
    location: Option<Spanned<String>>,
    contact: Option<Spanned<String>>,
    register: Option<Spanned<PathBuf>>,
    certificates: Option<Spanned<PathBuf>>,
    coverage: Option<Spanned<toml::Value>>,
    trusted_register_id: Option<Spanned<String>>,
    file_mode: Option<Spanned<String>>,
    #[serde(default)]
    classification: Classes,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Classes {
    top_secret: Option<ClassForm>,
    secret: Option<ClassForm>,
    confidential: Option<ClassForm>,
    internal: Option<ClassForm>,
    unclassified: Option<ClassForm>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassForm {
    method: Option<Spanned<String>>,
    verify: Option<Spanned<String>>,
}

/// Whether `m` is the null device (character device 1:3), which reads as nothing.
fn is_null_device(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    m.file_type().is_char_device() && m.rdev() == libc::makedev(1, 3)
}

/// The 1-based line of byte `at` in `text`.
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

impl Config {
    /// Reads the configuration at `path`. `required`: the path was named (`--config`,
    /// `MEDIASAN_CONFIG`), so a missing file is an error; the default path may hold none.
    pub fn load(path: &Path, required: bool) -> Result<Config, ConfigError> {
        let shown = crate::escape::path(path);
        let error = |message| ConfigError { message, hint: None };
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(Config::default()),
            Err(e) => {
                return Err(error(crate::t!(
                    "config-cannot-read",
                    path = shown,
                    error = e.to_string()
                )))
            }
            // The null device (`--config /dev/null`): no configuration, said so.
            Ok(m) if is_null_device(&m) => {
                return Ok(Config {
                    file: Some(path.to_path_buf()),
                    ..Config::default()
                })
            }
            Ok(_) => {}
        }
        // Trusted only when only root can change it: the file, its folder and every
        // folder above (as sshd's StrictModes). Otherwise whoever can write it decides
        // how a secret carrier is wiped.
        crate::files::trusted_file(path).map_err(|e| ConfigError {
            message: e.to_string(),
            hint: e.hint(),
        })?;
        let bytes = crate::files::read_limited(path, MAX_BYTES).map_err(|e| {
            error(crate::t!(
                "config-cannot-read",
                path = shown.as_str(),
                error = e.to_string()
            ))
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            error(crate::t!(
                "config-not-utf8",
                path = shown.as_str(),
                byte = e.utf8_error().valid_up_to()
            ))
        })?;
        let mut c = Config::parse(&text).map_err(|(line, why)| {
            error(crate::t!(
                "config-at-line",
                path = shown.as_str(),
                line = line,
                error = why
            ))
        })?;
        c.file = Some(path.to_path_buf());
        Ok(c)
    }

    /// Parses a configuration's text; an error gives its line.
    pub fn parse(text: &str) -> Result<Config, (usize, String)> {
        let form: FileForm = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            (line, e.message().trim_end().to_string())
        })?;
        let item = |s: Spanned<String>| Item {
            line: line_of(text, s.span().start),
            value: s.into_inner(),
        };
        let path = |s: Spanned<PathBuf>| Item {
            line: line_of(text, s.span().start),
            value: s.into_inner(),
        };
        let coverage = match form.coverage {
            None => None,
            Some(s) => {
                let line = line_of(text, s.span().start);
                let value = match s.into_inner() {
                    toml::Value::Integer(i) => i.to_string(),
                    toml::Value::Float(f) => f.to_string(),
                    toml::Value::String(t) => t,
                    other => {
                        return Err((
                            line,
                            format!("coverage: expected a percentage, found a {}", other.type_str()),
                        ))
                    }
                };
                if crate::verify::coverage_ppm(&value).is_none() {
                    return Err((
                        line,
                        crate::t!("config-bad-coverage", value = format!("{value:?}")),
                    ));
                }
                Some(Item { value, line })
            }
        };
        let file_mode = match form.file_mode {
            None => None,
            Some(s) => {
                let line = line_of(text, s.span().start);
                let value = s.into_inner();
                let mode = u32::from_str_radix(value.trim_start_matches("0o"), 8)
                    .ok()
                    .filter(|m| m & !0o644 == 0 && m & 0o600 == 0o600)
                    .ok_or_else(|| {
                        (
                            line,
                            crate::t!("config-bad-file-mode", value = format!("{value:?}")),
                        )
                    })?;
                Some(Item { value: mode, line })
            }
        };
        let mut classification = BTreeMap::new();
        let Classes {
            top_secret,
            secret,
            confidential,
            internal,
            unclassified,
        } = form.classification;
        for (class, f) in [
            (Classification::TopSecret, top_secret),
            (Classification::Secret, secret),
            (Classification::Confidential, confidential),
            (Classification::Internal, internal),
            (Classification::Unclassified, unclassified),
        ] {
            let Some(f) = f else { continue };
            let method = f.method.map(item);
            if let Some(m) = &method {
                if crate::method::find(&m.value).is_none() {
                    return Err((
                        m.line,
                        format!("unknown method {:?} (mediasan methods lists them)", m.value),
                    ));
                }
            }
            let verify = match f.verify.map(item) {
                None => None,
                Some(v) => Some(Item {
                    value: v.value.parse::<VerifyMode>().map_err(|e| (v.line, e))?,
                    line: v.line,
                }),
            };
            classification.insert(class, ClassDefaults { method, verify });
        }
        Ok(Config {
            file: None,
            organisation: form.organisation.map(item),
            location: form.location.map(item),
            contact: form.contact.map(item),
            register: form.register.map(path),
            certificates: form.certificates.map(path),
            coverage,
            trusted_register_id: form.trusted_register_id.map(item),
            file_mode,
            classification,
        })
    }

    pub fn station(&self) -> Station {
        Station {
            organisation: self.organisation.as_ref().map(|i| i.value.clone()),
            location: self.location.as_ref().map(|i| i.value.clone()),
            contact: self.contact.as_ref().map(|i| i.value.clone()),
        }
    }

    /// The method and verification configured for each classification.
    pub fn defaults(&self) -> BTreeMap<Classification, (Option<String>, Option<VerifyMode>)> {
        self.classification
            .iter()
            .map(|(c, d)| {
                (
                    *c,
                    (
                        d.method.as_ref().map(|m| m.value.clone()),
                        d.verify.as_ref().map(|v| v.value),
                    ),
                )
            })
            .collect()
    }

    /// Where a value on `line` came from, in words.
    pub fn at(&self, line: usize) -> String {
        match &self.file {
            Some(f) => crate::t!(
                "from-file",
                path = crate::escape::path(f),
                line = line.to_string()
            ),
            None => crate::t!("from-line", line = line.to_string()),
        }
    }
}

impl fmt::Display for Item<String> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_with_its_line() {
        let c = Config::parse(
            "# the bureau's station\n\
             organisation = \"某市某局\"\n\
             contact = \"010-12345678\"\n\
             register = \"/srv/mediasan/register.db\"\n\
             coverage = 12.5\n\
             trusted_register_id = \"1a53\"\n\
             \n\
             [classification.secret]\n\
             method = \"bmb21\"\n\
             verify = \"all\"\n\
             [classification.internal]\n\
             method = \"zero\"\n",
        )
        .unwrap();
        assert_eq!(c.organisation.as_ref().unwrap().value, "某市某局");
        assert_eq!(c.organisation.unwrap().line, 2);
        assert_eq!(c.coverage.unwrap().value, "12.5");
        assert_eq!(
            c.register.unwrap().value,
            PathBuf::from("/srv/mediasan/register.db")
        );
        let s = &c.classification[&Classification::Secret];
        assert_eq!(
            s.verify.as_ref().map(|v| (v.value, v.line)),
            Some((VerifyMode::All, 10))
        );
        assert_eq!(
            c.classification[&Classification::Internal]
                .method
                .as_ref()
                .unwrap()
                .line,
            12
        );
        assert!(!c.classification.contains_key(&Classification::TopSecret));
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }

    #[test]
    fn unknown_keys_wrong_types_and_bad_values_name_their_line() {
        for (text, line, says) in [
            ("organisation = \"x\"\norganization = \"y\"\n", 2, "unknown field"),
            ("contact = 12345\n", 1, "string"),
            (
                "\n\n[classification.secrte]\nmethod = \"zero\"\n",
                3,
                "unknown field",
            ),
            (
                "[classification.secret]\nmethod = \"melt\"\n",
                2,
                "unknown method",
            ),
            ("[classification.secret]\n\nverify = \"often\"\n", 3, "often"),
            ("coverage = 200\n", 1, "0.1 to 100"),
            ("coverage = true\n", 1, "percentage"),
            ("register = \n", 1, ""),
        ] {
            let (l, why) = Config::parse(text).unwrap_err();
            assert_eq!(l, line, "{text:?}: {why}");
            assert!(why.contains(says), "{text:?}: {why}");
        }
    }

    #[test]
    fn a_missing_default_file_is_no_configuration_a_named_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        assert_eq!(Config::load(&p, false).unwrap(), Config::default());
        assert!(Config::load(&p, true)
            .unwrap_err()
            .message
            .contains("cannot read"));
        std::fs::write(&p, "location = 3\n").unwrap();
        let e = Config::load(&p, false).unwrap_err().message;
        assert!(e.contains("config.toml line 1:"), "{e}");
    }
}

#[cfg(test)]
mod example {
    /// The example shipped as /etc/mediasan/config.toml parses, and so does every setting
    /// it shows once its '#' is removed.
    #[test]
    fn the_shipped_example_is_valid_commented_and_uncommented() {
        let text = include_str!("../assets/config.toml");
        assert_eq!(super::Config::parse(text).unwrap(), super::Config::default());
        let open: String = text
            .lines()
            .map(|l| match l.strip_prefix('#') {
                Some(rest)
                    if rest.starts_with('[')
                        || rest.split_once(" = ").is_some_and(|(k, _)| !k.contains(' ')) =>
                {
                    rest
                }
                _ => l,
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let c =
            super::Config::parse(&open).unwrap_or_else(|(line, why)| panic!("line {line}: {why}\n{open}"));
        assert!(c.organisation.is_some() && c.trusted_register_id.is_some() && c.classification.len() == 2);
    }
}
