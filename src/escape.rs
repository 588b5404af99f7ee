//! Outside strings as people see them. A serial, a name, a file name, a certificate's
//! field or a file system's label comes from someone else; shown raw, its control
//! characters (ESC sequences, CR, backspace) or bidi overrides could rewrite what the
//! terminal or the page shows ("VALID" over "NOT VALID"). Every such string is shown
//! through [`text`] or [`path`]; whatever reaches the terminal passes [`line`] as well.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

/// Whether `c` changes how the text around it is shown rather than showing itself: the
/// C0 and C1 controls and DEL, the bidi marks, embeddings, overrides and isolates, and
/// the line and paragraph separators.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
                | '\u{2028}' | '\u{2029}'
        )
}

fn push_escaped(out: &mut String, c: char) {
    let _ = match c as u32 {
        n @ 0..=0x7f => write!(out, "\\x{n:02x}"),
        n => write!(out, "\\u{{{n:x}}}"),
    };
}

fn escape_where(s: &str, hide: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&hide) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if hide(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// An outside string for people: every control character (newlines too) and bidi
/// control as `\xNN` or `\u{NNNN}`, the rest as it is.
pub fn text(s: &str) -> Cow<'_, str> {
    escape_where(s, is_hidden)
}

/// A path for people: UTF-8 as it is, other bytes as `\xNN` (GBK file names are
/// common), control characters and bidi controls escaped as [`text`] does.
pub fn path(p: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for chunk in p.as_os_str().as_bytes().utf8_chunks() {
        out.push_str(&text(chunk.valid()));
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// What mediasan prints, made safe for a terminal as a whole: its own line breaks stay,
/// every other control character and bidi control is escaped. The last guard, for an
/// outside string no caller escaped; fields are escaped with [`text`] where they are
/// formatted, so that an outside newline cannot start a line of its own either.
pub fn line(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| c != '\n' && is_hidden(c))
}

/// A JSON text (serde_json's, which escapes only C0 controls) with every other hidden
/// character as a `\uNNNN` escape: DEL, C1 controls, bidi controls. Still the same JSON
/// value; a person reading `--json` output on a terminal sees what is there.
pub fn json(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_hidden(c) {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// At most `max` characters of an outside string, escaped, with `…` where it was cut:
/// for a field shown in a message about bad input.
pub fn cut(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if is_hidden(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_shown_not_obeyed() {
        assert_eq!(text("WD-1234"), "WD-1234");
        assert!(matches!(text("机密 a"), Cow::Borrowed(_)));
        assert_eq!(text("a\x1b[2Kb"), "a\\x1b[2Kb");
        assert_eq!(text("ok\rVALID\n"), "ok\\x0dVALID\\x0a");
        assert_eq!(text("x\u{8}\u{7f}\u{85}"), "x\\x08\\x7f\\u{85}");
        assert_eq!(text("\u{202e}DILAV\u{2066}"), "\\u{202e}DILAV\\u{2066}");
        assert_eq!(text("a\u{2028}b\u{200f}"), "a\\u{2028}b\\u{200f}");
        assert_eq!(line("one\ntwo\x1b]0;t\x07"), "one\ntwo\\x1b]0;t\\x07");
    }

    #[test]
    fn paths_keep_utf8_and_escape_the_rest() {
        use std::os::unix::ffi::OsStrExt;
        // "机密" in GBK: bb fa c3 dc
        let p = Path::new(std::ffi::OsStr::from_bytes(b"/tmp/\xbb\xfa\xc3\xdc.doc"));
        assert_eq!(path(p), "/tmp/\\xbb\\xfa\\xc3\\xdc.doc");
        assert_eq!(path(Path::new("/tmp/机密.doc")), "/tmp/机密.doc");
        assert_eq!(
            path(Path::new("/tmp/a\x1b[31m\n.img")),
            "/tmp/a\\x1b[31m\\x0a.img"
        );
    }

    #[test]
    fn json_stays_json() {
        let v = serde_json::json!({ "model": "a\u{202e}b\u{7f}\u{9b}c\n\u{1b}" });
        let text = serde_json::to_string(&v).unwrap();
        let shown = json(&text);
        assert!(!shown.chars().any(is_hidden), "{shown}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&shown).unwrap(), v);
    }

    #[test]
    fn a_cut_field_says_so() {
        assert_eq!(cut("abcdef", 3), "abc…");
        assert_eq!(cut("ab\0", 5), "ab\\x00");
        assert_eq!(cut("机密文件", 2), "机密…");
    }
}
