//! OpenSSH `allowed_signers` files, read as `ssh-keygen -Y verify` reads them
//! (ssh-keygen(1), ALLOWED SIGNERS): `principals [options] keytype base64 [comment]`,
//! `#` comments and blank lines; principals and `namespaces` are pattern-lists;
//! options are comma-separated, with double-quoted values that may hold commas and
//! spaces. A line mediasan's signatures cannot match (another namespace, a
//! `cert-authority` key, outside its validity) is kept out; an option OpenSSH does not
//! know, or a malformed line, is an error naming the line.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// The largest allowed-signers file read (a line a person: thousands of lines at most).
pub const MAX_BYTES: u64 = 4 << 20;

use super::NAMESPACE;
use crate::keys;
use crate::t;

/// One usable line: who (a pattern-list of principals) may sign with which key.
#[derive(Clone, Debug)]
pub struct AllowedSigner {
    pub principals: String,
    pub key: crate::keys::PublicKey,
}

/// The lines of a file that allow signatures in mediasan's namespace now.
#[derive(Clone, Debug, Default)]
pub struct AllowedSigners {
    pub signers: Vec<AllowedSigner>,
}

impl AllowedSigners {
    /// Reads a file's text; `now` decides `valid-after` / `valid-before`.
    pub fn parse(text: &str, now: DateTime<Utc>) -> Result<AllowedSigners, String> {
        let mut signers = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = |e: String| t!("signers-line", line = (n + 1).to_string(), error = e);
            if let Some(s) = parse_line(line, now).map_err(at)? {
                signers.push(s);
            }
        }
        Ok(AllowedSigners { signers })
    }

    /// Whether `principal` may sign with the key of `fingerprint`.
    pub fn allows(&self, principal: &str, fingerprint: &str) -> bool {
        self.signers
            .iter()
            .any(|s| s.key.fingerprint() == fingerprint && match_list(principal, &s.principals))
    }
}

/// One line: `Ok(None)` when it is well formed but does not allow mediasan's
/// signatures now.
fn parse_line(line: &str, now: DateTime<Utc>) -> Result<Option<AllowedSigner>, String> {
    let (principals, rest) = token(line)?;
    let principals = principals.replace('"', "");
    if principals.is_empty() {
        return Err(t!("signers-no-principals"));
    }
    let rest = rest.trim_start();
    // The key comes next, or options and then the key.
    let (options, key_text) = match keys::parse_public(rest) {
        Ok(_) => ("", rest),
        Err(_) => {
            let (options, after) = token(rest)?;
            (options, after.trim_start())
        }
    };
    let key = keys::parse_public(key_text).map_err(|e| t!("signers-no-key", error = e))?;
    let mut applies = true;
    let (mut namespaces, mut after, mut before) = (None, None, None);
    for option in split_options(options)? {
        let (name, value) = match option.split_once('=') {
            Some((n, v)) => (n.to_ascii_lowercase(), Some(dequote(v)?)),
            None => (option.to_ascii_lowercase(), None),
        };
        let once = |slot: &mut Option<String>, v: Option<String>| -> Result<(), String> {
            if slot.is_some() {
                return Err(t!("signers-option-twice", option = name.as_str()));
            }
            *slot = Some(v.ok_or_else(|| t!("signers-option-needs-value", option = name.as_str()))?);
            Ok(())
        };
        match name.as_str() {
            // A certificate authority's key vouches for OpenSSH certificates, never
            // for a plain key's signature such as mediasan's.
            "cert-authority" if value.is_none() => applies = false,
            "namespaces" => once(&mut namespaces, value)?,
            "valid-after" => once(&mut after, value)?,
            "valid-before" => once(&mut before, value)?,
            _ => return Err(t!("signers-unknown-option", option = format!("{option:?}"))),
        }
    }
    if let Some(ns) = &namespaces {
        applies &= match_list(NAMESPACE, ns);
    }
    let after = after.as_deref().map(timestamp).transpose()?;
    let before = before.as_deref().map(timestamp).transpose()?;
    if let (Some(a), Some(b)) = (after, before) {
        if b <= a {
            return Err(t!("signers-validity-order"));
        }
    }
    applies &= after.is_none_or(|a| now >= a) && before.is_none_or(|b| now < b);
    Ok(applies.then_some(AllowedSigner { principals, key }))
}

/// The next space-delimited token, where double quotes keep spaces (`\"` is a quote
/// inside them), and what follows it.
fn token(s: &str) -> Result<(&str, &str), String> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => return Ok((&s[..i], &s[i..])),
            _ => {}
        }
    }
    if quoted {
        return Err(t!("signers-open-quote"));
    }
    Ok((s, ""))
}

/// Options split at commas outside double quotes.
fn split_options(s: &str) -> Result<Vec<&str>, String> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    let (mut start, mut quoted, mut escaped) = (0, false, false);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    if out.iter().any(|o| o.is_empty()) {
        return Err(t!("signers-empty-option"));
    }
    Ok(out)
}

/// `"value"` → `value`, with `\"` → `"`; an option value must be quoted.
fn dequote(v: &str) -> Result<String, String> {
    let inner = v
        .strip_prefix('"')
        .ok_or_else(|| t!("signers-unquoted-value"))?
        .strip_suffix('"')
        .ok_or_else(|| t!("signers-unclosed-value"))?;
    Ok(inner.replace("\\\"", "\""))
}

/// `YYYYMMDD[Z]` or `YYYYMMDDHHMM[SS][Z]`: UTC with `Z`, else the machine's local time.
fn timestamp(t: &str) -> Result<DateTime<Utc>, String> {
    let bad = || t!("signers-not-a-time", time = format!("{t:?}"));
    let (digits, utc) = match t.strip_suffix(['Z', 'z']) {
        Some(d) => (d, true),
        None => (t, false),
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let naive = match digits.len() {
        8 => NaiveDate::parse_from_str(digits, "%Y%m%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0)),
        12 => NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M").ok(),
        14 => NaiveDateTime::parse_from_str(digits, "%Y%m%d%H%M%S").ok(),
        _ => None,
    }
    .ok_or_else(bad)?;
    if utc {
        return Ok(Utc.from_utc_datetime(&naive));
    }
    chrono::Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(bad)
}

/// OpenSSH's pattern-list match: comma-separated `*`/`?` patterns, `!` negates; a
/// negated match refuses whatever else matches.
pub fn match_list(s: &str, list: &str) -> bool {
    let mut matched = false;
    for p in list.split(',') {
        match p.strip_prefix('!') {
            Some(neg) if glob(s.as_bytes(), neg.as_bytes()) => return false,
            Some(_) => {}
            None => matched |= glob(s.as_bytes(), p.as_bytes()),
        }
    }
    matched
}

fn glob(s: &[u8], p: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, _) => s.is_empty(),
        (Some(b'*'), _) => glob(s, &p[1..]) || (!s.is_empty() && glob(&s[1..], p)),
        (Some(b'?'), Some(_)) => glob(&s[1..], &p[1..]),
        (Some(c), Some(d)) if c == d => glob(&s[1..], &p[1..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> (String, String) {
        let k = crate::keys::generate("t").unwrap();
        let public = k.public_key().to_openssh().unwrap();
        (public, crate::keys::Signer::from_key(k).fingerprint())
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).unwrap()
    }

    /// Lines in the forms ssh-keygen(1) describes under ALLOWED SIGNERS.
    #[test]
    fn the_forms_of_the_manual_are_read() {
        let (k, fp) = key();
        let text = format!(
            "# a comment line\n\
             \n\
             zhangsan {k}\n\
             # a CA line: for OpenSSH certificates only\n\
             *@example.com cert-authority {k}\n\
             # another namespace only\n\
             file@example.com namespaces=\"file\" {k}\n\
             lisi,wangwu namespaces=\"git,mediasan-certificate\" {k} a comment\n\
             \"P 0003\" NAMESPACES=\"mediasan-*\",valid-after=\"20260101Z\" {k}\n\
             late valid-after=\"20270101Z\" {k}\n\
             gone valid-before=\"20260101\" {k}\n\
             notme namespaces=\"*,!mediasan-certificate\" {k}\n\
             quoted namespaces=\"a b, c\\\"d,mediasan-certificate\" {k}\n"
        );
        let s = AllowedSigners::parse(&text, now()).unwrap();
        for yes in ["zhangsan", "lisi", "wangwu", "P 0003", "quoted"] {
            assert!(s.allows(yes, &fp), "{yes}");
        }
        for no in [
            "file@example.com",
            "a@example.com",
            "late",
            "gone",
            "notme",
            "nobody",
        ] {
            assert!(!s.allows(no, &fp), "{no}");
        }
        assert!(!s.allows("zhangsan", "SHA256:another"));
    }

    #[test]
    fn malformed_lines_are_named() {
        let (k, _) = key();
        for (line, says) in [
            (format!("x frobnicate {k}"), "unknown option"),
            (format!("x namespaces=file {k}"), "double quotes"),
            (
                format!("x namespaces=\"a\",namespaces=\"b\" {k}"),
                "more than one",
            ),
            (format!("x valid-after=\"2026\" {k}"), "not a time"),
            (
                format!("x valid-after=\"20270101Z\",valid-before=\"20260101Z\" {k}"),
                "not after",
            ),
            (format!("x namespaces=\"a,{k}"), "not closed"),
            ("x ssh-ed25519 AAAA".into(), "no key"),
            (format!("x namespaces=\"a\",, {k}"), "stray comma"),
        ] {
            let e = AllowedSigners::parse(&format!("# first\n{line}\n"), now()).unwrap_err();
            assert!(e.starts_with("line 2: ") && e.contains(says), "{line}: {e}");
        }
    }

    #[test]
    fn patterns_match_as_openssh_does() {
        assert!(match_list("mediasan-certificate", "git,mediasan-*"));
        assert!(!match_list("mediasan-certificate", "*,!mediasan-certificate"));
        assert!(match_list("p-0001", "p-000?"));
        assert!(!match_list("p-0001", "p-00?"));
        assert!(!match_list("x", ""));
    }
}
