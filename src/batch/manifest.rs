//! The batch manifest: one row a drive, in a CSV file (UTF-8 or GBK, English or
//! Chinese headers, like the carrier list). A bad row fails the whole manifest with its
//! line number, before any drive is opened.

use std::collections::HashMap;
use std::path::PathBuf;

use crate::model::report::VerifyMode;

/// The most rows a manifest holds (a box of drives is tens; this is ten thousand boxes).
pub const MAX_ROWS: usize = 100_000;
/// The longest field (a device path reaches PATH_MAX).
pub const MAX_FIELD: usize = 4096;
/// The largest manifest file read: more than `MAX_ROWS` rows of `MAX_FIELD`-sized
/// fields never fit, so a longer file (or an endless one) is refused unread.
pub const MAX_BYTES: u64 = 16 << 20;

/// A field for a message: quoted, escaped, cut to 64 characters.
fn shown(field: &str) -> String {
    format!("\"{}\"", crate::escape::cut(field, 64))
}

/// Columns: English and Chinese header names.
const COLUMNS: [(&str, &str); 5] = [
    ("device", "设备"),
    ("carrier", "载体"),
    ("method", "方法"),
    ("verify", "校验"),
    ("technique", "擦除方式"),
];

/// How a row names its drive.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Device {
    /// A path: `/dev/sdc`, `/dev/disk/by-id/ata-…`.
    Path(PathBuf),
    /// `serial:XYZ`: whichever attached drive reports that serial.
    Serial(String),
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Device::Path(p) => write!(f, "{}", crate::escape::path(p)),
            Device::Serial(s) => write!(f, "serial:{s}"),
        }
    }
}

/// One row of the manifest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The line it starts on (1 is the header).
    pub line: u64,
    pub device: Device,
    pub carrier: String,
    /// Without them the carrier's classification chooses.
    pub method: Option<String>,
    pub verify: Option<VerifyMode>,
    /// Without it, the batch's `--technique`.
    pub technique: Option<crate::purge::Technique>,
}

/// Parses a manifest's text; every bad row is reported with its line, and any error
/// means no row is returned.
pub fn parse(text: &str) -> Result<Vec<Row>, Vec<String>> {
    let mut rd = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = rd.headers().map_err(|e| vec![format!("line 1: {e}")])?.clone();
    let mut at = [None; COLUMNS.len()];
    for (i, h) in headers.iter().enumerate() {
        match COLUMNS
            .iter()
            .position(|(en, zh)| h.eq_ignore_ascii_case(en) || h == *zh)
        {
            Some(c) if at[c].is_some() => {
                return Err(vec![crate::t!("manifest-column-twice", column = shown(h))])
            }
            Some(c) => at[c] = Some(i),
            None => return Err(vec![crate::t!("manifest-unknown-column", column = shown(h))]),
        }
    }
    let missing: Vec<String> = ["device", "carrier"]
        .iter()
        .enumerate()
        .filter(|(c, _)| at[*c].is_none())
        .map(|(_, r)| crate::t!("csv-no-column", column = format!("{r:?}")))
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let mut rows: Vec<Row> = Vec::new();
    let mut errors = Vec::new();
    // The first line of each carrier and each device: a duplicate is found at once.
    let mut carriers: HashMap<String, u64> = HashMap::new();
    let mut devices: HashMap<Device, u64> = HashMap::new();
    let mut seen = 0;
    let mut lines = crate::register::csv::Lines::new(text);
    for record in rd.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.at(p.byte()));
                errors.push(crate::t!(
                    "register-line",
                    line = line.to_string(),
                    error = e.to_string()
                ));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| lines.at(p.byte()));
        if seen == MAX_ROWS {
            errors.push(crate::t!("manifest-too-many-rows", max = MAX_ROWS));
            break;
        }
        seen += 1;
        let get = |c: usize| at[c].and_then(|i| record.get(i)).unwrap_or("").to_string();
        let mut bad =
            |what: String| errors.push(crate::t!("register-line", line = line.to_string(), error = what));
        if let Some(long) = record.iter().find(|f| f.len() > MAX_FIELD) {
            bad(crate::t!(
                "manifest-field-too-long",
                field = shown(long),
                bytes = long.len(),
                max = MAX_FIELD
            ));
            continue;
        }
        let device = get(0);
        let device = if let Some(s) = device.strip_prefix("serial:") {
            if s.trim().is_empty() {
                bad(crate::t!("manifest-empty-serial"));
                continue;
            }
            Device::Serial(s.trim().to_string())
        } else if device.starts_with('/') {
            Device::Path(PathBuf::from(device))
        } else if device.is_empty() {
            bad(crate::t!("manifest-no-device"));
            continue;
        } else {
            bad(crate::t!("manifest-bad-device", device = shown(&device)));
            continue;
        };
        let carrier = get(1);
        if carrier.is_empty() {
            bad(crate::t!("manifest-no-carrier"));
            continue;
        }
        let method = Some(get(2)).filter(|m| !m.is_empty());
        if let Some(m) = &method {
            if crate::method::find(m).is_none() {
                bad(crate::t!("manifest-unknown-method", method = shown(m)));
                continue;
            }
        }
        let verify = match get(3) {
            v if v.is_empty() => None,
            v => match v.parse::<VerifyMode>() {
                Ok(v) => Some(v),
                Err(e) => {
                    bad(e);
                    continue;
                }
            },
        };
        let technique = match get(4) {
            t if t.is_empty() => None,
            t => match <crate::purge::Technique as clap::ValueEnum>::from_str(&t, true) {
                Ok(t) => Some(t),
                Err(_) => {
                    bad(crate::t!("manifest-unknown-technique", technique = shown(&t)));
                    continue;
                }
            },
        };
        if technique.is_some_and(|t| t.is_firmware()) && method.is_some() {
            bad(crate::t!("manifest-method-with-firmware"));
            continue;
        }
        if let Some(first) = carriers.get(&carrier) {
            bad(crate::t!(
                "manifest-carrier-twice",
                carrier = carrier.as_str(),
                line = first.to_string()
            ));
            continue;
        }
        if let Some(first) = devices.get(&device) {
            bad(crate::t!(
                "manifest-device-twice",
                device = device.to_string(),
                line = first.to_string()
            ));
            continue;
        }
        carriers.insert(carrier.clone(), line);
        devices.insert(device.clone(), line);
        rows.push(Row {
            line,
            device,
            carrier,
            method,
            verify,
            technique,
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if rows.is_empty() {
        return Err(vec![crate::t!("manifest-no-rows")]);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_and_chinese_headers_with_optional_columns() {
        let rows = parse("device,carrier\n/dev/sdc,C-2026-0001\nserial:WD-123,C-2026-0002\n").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].device, Device::Serial("WD-123".into()));
        assert_eq!((rows[1].line, rows[1].method.as_deref()), (3, None));
        let rows = parse("载体,设备,方法,校验\nC-1,/dev/sdd,zero,all\n").unwrap();
        assert_eq!(rows[0].device, Device::Path("/dev/sdd".into()));
        assert_eq!(
            (rows[0].method.as_deref(), rows[0].verify),
            (Some("zero"), Some(VerifyMode::All))
        );
    }

    #[test]
    fn every_bad_row_is_named_by_its_line() {
        let text = "device,carrier,method,verify\n\
                    /dev/sdc,C-1,,\n\
                    sdc,C-2,,\n\
                    /dev/sdd,,,\n\
                    /dev/sde,C-3,nope,\n\
                    /dev/sdf,C-4,,often\n\
                    /dev/sdc,C-5,,\n\
                    /dev/sdg,C-1,,\n\
                    serial:,C-6,,\n";
        let errors = parse(text).unwrap_err();
        let lines: Vec<&str> = errors.iter().map(|e| e.split(':').next().unwrap()).collect();
        assert_eq!(
            lines,
            ["line 3", "line 4", "line 5", "line 6", "line 7", "line 8", "line 9"],
            "{errors:#?}"
        );
        assert!(errors[5].contains("also on line 2"), "{}", errors[5]);
        assert!(parse("device,carrier\n").unwrap_err()[0].contains("no rows"));
        let rows = parse("device,carrier,technique\n/dev/sdc,C-1,auto\n/dev/sdd,C-2,\n").unwrap();
        assert_eq!(rows[0].technique, Some(crate::purge::Technique::Auto));
        assert_eq!(rows[1].technique, None);
        assert!(
            parse("device,carrier,technique\n/dev/sdc,C-1,melt\n").unwrap_err()[0]
                .contains("unknown technique")
        );
        assert!(
            parse("设备,载体,方法,擦除方式\n/dev/sdc,C-1,zero,nvme-format-user\n").unwrap_err()[0]
                .contains("does not go with")
        );
        assert!(parse("device,owner\n/dev/sdc,x\n").unwrap_err()[0].contains("unknown column"));
        assert!(parse("device\n/dev/sdc\n").unwrap_err()[0].contains("\"carrier\""));
        // A ragged row is a CSV error with its line.
        assert!(parse("device,carrier\n/dev/sdc,C-1,extra\n").unwrap_err()[0].starts_with("line 2"));
    }

    #[test]
    fn lines_are_numbered_whatever_ends_them() {
        for nl in ["\n", "\r\n", "\r"] {
            let text = [
                "device,carrier",
                "/dev/sdc,C-1",
                "",
                "/dev/sdd,C-2",
                "bad,C-3",
                "",
            ]
            .join(nl);
            let errors = parse(&text).unwrap_err();
            assert!(errors[0].starts_with("line 5:"), "{nl:?}: {errors:?}");
        }
    }

    #[test]
    fn odd_and_overlong_fields_are_shown_escaped_and_cut() {
        let errors = parse("device,carrier\nsd\0c\x1b[2J,C-1\n").unwrap_err();
        assert!(errors[0].contains("\"sd\\x00c\\x1b[2J\""), "{errors:?}");
        let long = format!("/dev/{}", "x".repeat(MAX_FIELD));
        let errors = parse(&format!("device,carrier\n{long},C-1\n")).unwrap_err();
        assert!(
            errors[0].contains(&format!("{} bytes long; at most {MAX_FIELD}", long.len())),
            "{errors:?}"
        );
        assert!(errors[0].len() < 400 && errors[0].contains('…'), "{}", errors[0]);
    }

    #[test]
    fn rows_have_a_limit() {
        let mut text = String::from("device,carrier\n");
        for i in 0..=MAX_ROWS {
            text.push_str(&format!("/dev/d{i},C-{i}\n"));
        }
        let errors = parse(&text).unwrap_err();
        assert_eq!(errors.len(), 1, "{:?}", &errors[..2.min(errors.len())]);
        assert!(errors[0].contains("more than 100000 rows"), "{}", errors[0]);
        // One row fewer is a manifest.
        let cut = text.rfind("/dev/d").unwrap();
        assert_eq!(parse(&text[..cut]).unwrap().len(), MAX_ROWS);
    }
}
