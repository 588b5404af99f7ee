//! The carrier list as a spreadsheet (the 台账 many offices keep in Excel):
//! import from UTF-8 (with or without BOM) or GBK, export as UTF-8 with BOM.
//! Headers may be English or Chinese; unknown columns (such as an export's id and
//! status) are ignored on import.

use super::ops::NewCarrier;
use super::rules::{Carrier, Classification};

/// Import columns: English and Chinese header names.
const COLUMNS: [(&str, &str); 10] = [
    ("kind", "类型"),
    ("serial", "序列号"),
    ("make", "厂商"),
    ("model", "型号"),
    ("capacity", "容量"),
    ("classification", "密级"),
    ("unit", "单位"),
    ("custodian", "责任人"),
    ("host_asset", "所属设备"),
    ("label", "标签"),
];
const REQUIRED: [&str; 4] = ["kind", "serial", "classification", "custodian"];

/// The most rows one import takes (one transaction; an office's sheet is hundreds).
pub const MAX_ROWS: usize = 100_000;
/// The largest sheet read: longer files, and endless ones, are refused unread.
pub const MAX_BYTES: u64 = 64 << 20;

const KINDS_ZH: [(&str, &str); 8] = [
    ("机械硬盘", "hdd"),
    ("固态硬盘", "ssd"),
    ("U盘", "usb"),
    ("笔记本", "laptop"),
    ("光盘", "optical"),
    ("磁带", "tape"),
    ("打印机硬盘", "printer-hdd"),
    ("其他", "other"),
];

/// A file's text and the encoding it was read in.
pub fn decode(bytes: &[u8]) -> Result<(String, &'static str), String> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF");
    if let Ok(text) = std::str::from_utf8(body.unwrap_or(bytes)) {
        return Ok((
            text.to_string(),
            if body.is_some() { "UTF-8 with BOM" } else { "UTF-8" },
        ));
    }
    encoding_rs::GBK
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|t| (t.into_owned(), "GBK"))
        .ok_or_else(|| crate::t!("csv-not-text"))
}

/// Parses carrier rows, each with the line it starts on; every bad row is reported
/// with its line number, and any error means no row is returned.
pub fn parse(text: &str) -> Result<Vec<(u64, NewCarrier)>, Vec<String>> {
    let mut rd = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers = rd
        .headers()
        .map_err(|e| vec![crate::t!("register-line", line = "1", error = e.to_string())])?
        .clone();
    let mut at = [None; 10];
    for (i, h) in headers.iter().enumerate() {
        if let Some(c) = COLUMNS
            .iter()
            .position(|(en, zh)| h.eq_ignore_ascii_case(en) || h == *zh)
        {
            at[c] = Some(i);
        }
    }
    let missing: Vec<String> = REQUIRED
        .iter()
        .filter(|r| at[COLUMNS.iter().position(|(en, _)| en == *r).unwrap_or(0)].is_none())
        .map(|r| crate::t!("csv-no-column", column = format!("{r:?}")))
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut lines = Lines::new(text);
    for record in rd.records() {
        if rows.len() + errors.len() == MAX_ROWS {
            errors.push(crate::t!("csv-too-many-rows", max = MAX_ROWS));
            break;
        }
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
        let get = |name: &str| {
            let c = COLUMNS.iter().position(|(en, _)| *en == name).unwrap_or(0);
            unquote(at[c].and_then(|i| record.get(i)).unwrap_or("")).to_string()
        };
        let capacity = match get("capacity").replace([',', '_'], "") {
            s if s.is_empty() => Ok(0),
            s => s.parse::<u64>().map_err(|_| {
                crate::t!(
                    "csv-capacity",
                    line = line.to_string(),
                    capacity = format!("{s:?}")
                )
            }),
        };
        let kind = get("kind");
        let kind = KINDS_ZH
            .iter()
            .find(|(zh, _)| *zh == kind)
            .map_or(kind.to_lowercase(), |(_, en)| en.to_string());
        let class = get("classification");
        let class = Classification::ALL
            .iter()
            .find(|c| c.chinese() == class)
            .map_or(class.to_lowercase(), |c| c.name().to_string());
        let opt = |s: String| (!s.is_empty()).then_some(s);
        let row = NewCarrier {
            kind,
            serial: get("serial"),
            make: get("make"),
            model: get("model"),
            capacity: 0,
            classification: class,
            unit: get("unit"),
            custodian: get("custodian"),
            host_asset: opt(get("host_asset")),
            label: opt(get("label")),
        };
        match (capacity, row.validate()) {
            (Ok(capacity), Ok(_)) => rows.push((line, NewCarrier { capacity, ..row })),
            (Err(e), _) => errors.push(e),
            (_, Err(e)) => errors.push(crate::t!("register-line", line = line.to_string(), error = e)),
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// Finds the 1-based line records begin on, as a spreadsheet numbers them: a line ends
/// with LF, CRLF or a lone CR (old Mac and some exports). Asked for records in order, it
/// reads the text once in all.
pub(crate) struct Lines<'t> {
    text: &'t [u8],
    pos: usize,
    line: u64,
    after_cr: bool,
}

impl<'t> Lines<'t> {
    pub(crate) fn new(text: &'t str) -> Lines<'t> {
        Lines {
            text: text.as_bytes(),
            pos: 0,
            line: 1,
            after_cr: false,
        }
    }

    /// The line of the record starting at byte `at`, past the blank lines the reader
    /// skips before it. Positions before the last one asked give the last line.
    pub(crate) fn at(&mut self, at: u64) -> u64 {
        let at = (at as usize).min(self.text.len());
        let skipped = self.text[at..]
            .iter()
            .take_while(|b| **b == b'\n' || **b == b'\r')
            .count();
        let end = at + skipped;
        while self.pos < end {
            match self.text[self.pos] {
                b'\r' => self.line += 1,
                b'\n' if !self.after_cr => self.line += 1,
                _ => {}
            }
            self.after_cr = self.text[self.pos] == b'\r';
            self.pos += 1;
        }
        self.line
    }
}

/// Whether a spreadsheet would take a cell beginning with `c` for a formula (`=`, `+`,
/// `-`, `@`, a tab or a carriage return), or `c` is the quote that says it is not.
fn starts_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\''])
}

/// A cell as the export writes it: one that Excel or WPS would read as a formula gets a
/// leading `'` (shown as text, never run); so does one already beginning with `'`, so
/// that [`unquote`] gives every value back as it was.
fn quote(cell: &str) -> std::borrow::Cow<'_, str> {
    if starts_formula(cell) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// A cell as the import reads it: the `'` that [`quote`] (or a person in Excel) put
/// before a formula-like value is taken off.
fn unquote(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if starts_formula(rest) => rest,
        _ => cell,
    }
}

/// The carriers as CSV, UTF-8 with a BOM (so Excel opens Chinese text correctly); a
/// value that a spreadsheet would run as a formula is written as text ([`quote`]).
pub fn export(carriers: &[Carrier]) -> Result<Vec<u8>, String> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let header = [
            "id",
            "kind",
            "serial",
            "make",
            "model",
            "capacity",
            "classification",
            "unit",
            "custodian",
            "holder",
            "host_asset",
            "label",
            "status",
        ];
        w.write_record(header).map_err(|e| e.to_string())?;
        for c in carriers {
            let capacity = c.capacity.to_string();
            w.write_record(
                [
                    c.id.as_str(),
                    c.kind.name(),
                    &c.serial,
                    &c.make,
                    &c.model,
                    &capacity,
                    c.classification.name(),
                    &c.unit,
                    &c.custodian,
                    c.holder.as_deref().unwrap_or(""),
                    c.host_asset.as_deref().unwrap_or(""),
                    c.label.as_deref().unwrap_or(""),
                    c.status.name(),
                ]
                .map(quote)
                .iter()
                .map(|c| c.as_bytes()),
            )
            .map_err(|e| e.to_string())?;
        }
        w.flush().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const SHEET: &str = "类型,序列号,厂商,型号,容量,密级,单位,责任人,所属设备,标签\n\
                         打印机硬盘,WD-1,西部数据,WD5000,500107862016,机密,办公室,zhangsan,MFP-07,机密-0007\n\
                         usb,KT-2,Kingston,DT,\"32,000,000,000\",internal,档案室,zhangsan,,\n";

    #[test]
    fn chinese_headers_and_values_are_read() {
        let rows: Vec<_> = parse(SHEET).unwrap().into_iter().map(|(_, r)| r).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].kind, "printer-hdd");
        assert_eq!(rows[0].classification, "secret");
        assert_eq!(rows[0].make, "西部数据");
        assert_eq!(rows[1].capacity, 32_000_000_000);
        assert_eq!(rows[1].host_asset, None);
    }

    #[test]
    fn utf8_bom_and_gbk_decode_to_the_same_text() {
        let (plain, e1) = decode(SHEET.as_bytes()).unwrap();
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(SHEET.as_bytes());
        let (with_bom, e2) = decode(&bom).unwrap();
        let (gbk_bytes, _, unmappable) = encoding_rs::GBK.encode(SHEET);
        assert!(!unmappable);
        let (gbk, e3) = decode(&gbk_bytes).unwrap();
        assert_eq!((e1, e2, e3), ("UTF-8", "UTF-8 with BOM", "GBK"));
        assert_eq!(plain, with_bom);
        assert_eq!(plain, gbk);
        assert!(decode(&[0xFF, 0xFF, 0xFF, 0x80]).is_err());
    }

    #[test]
    fn bad_rows_are_reported_by_line_and_nothing_is_returned() {
        let text = "kind,serial,classification,custodian,capacity\n\
                    hdd,S1,secret,p,1\n\
                    floppy,S2,secret,p,1\n\
                    hdd,,secret,p,1\n\
                    hdd,S4,very-secret,p,1\n\
                    hdd,S5,secret,p,lots\n\
                    hdd,S6,secret\n";
        let errors = parse(text).unwrap_err();
        let joined = errors.join("\n");
        for needle in [
            "line 3: kind",
            "line 4: the serial",
            "line 5: classification",
            "line 6: capacity",
            "line 7",
        ] {
            assert!(joined.contains(needle), "{joined}");
        }
        assert!(parse("serial,kind\nS,hdd\n").unwrap_err()[0].contains("no \"classification\""));
        // Lines count blank lines and cells spanning lines, as a spreadsheet shows them.
        let text = "kind,serial,classification,custodian,label\n\nhdd,S1,secret,p,\"two\nlines\"\nhdd,S2,secret,p,x\n";
        let rows = parse(text).unwrap();
        assert_eq!(rows.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [3, 5]);
    }

    #[test]
    fn formula_cells_are_text_in_the_sheet_and_come_back_as_they_were() {
        let values = [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "'=already",
            "'plain",
            "a=b",
        ];
        let carriers: Vec<Carrier> = values
            .iter()
            .enumerate()
            .map(|(i, v)| Carrier {
                id: format!("C-2026-{i:04}"),
                kind: crate::register::CarrierKind::Hdd,
                serial: format!("S{i}"),
                make: v.to_string(),
                model: "m".into(),
                capacity: 1,
                classification: Classification::Secret,
                unit: "u".into(),
                custodian: "p".into(),
                holder: None,
                host_asset: None,
                label: Some(v.to_string()),
                status: crate::register::Status::InStore,
                ever_classified: true,
                registered_seq: 1,
                updated_seq: 1,
            })
            .collect();
        let bytes = export(&carriers).unwrap();
        let (text, _) = decode(&bytes).unwrap();
        // No cell of the sheet begins with what a spreadsheet runs.
        let mut rd = csv::ReaderBuilder::new().from_reader(text.as_bytes());
        for record in rd.records() {
            for cell in record.unwrap().iter() {
                assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "{cell:?}");
            }
        }
        assert!(
            text.contains(",\"'=HYPERLINK(") && text.contains(",''=already,"),
            "{text}"
        );
        let rows: Vec<_> = parse(&text).unwrap().into_iter().map(|(_, r)| r).collect();
        for (row, v) in rows.iter().zip(values) {
            assert_eq!(row.make, v);
            assert_eq!(row.label.as_deref(), Some(v));
        }
    }

    proptest! {
        #[test]
        fn the_parser_never_panics(text in "\\PC{0,200}") {
            let _ = parse(&text);
        }

        #[test]
        fn any_text_round_trips_through_export_and_import(serial in "[^\\p{Cc}]{1,20}", make in "\\PC{0,20}", label in "\\PC{0,12}") {
            prop_assume!(!serial.trim().is_empty());
            let c = Carrier {
                id: "C-2026-0001".into(),
                kind: crate::register::CarrierKind::Hdd,
                serial: serial.trim().to_string(),
                make: make.trim().to_string(),
                model: "型号".into(),
                capacity: 7,
                classification: Classification::Confidential,
                unit: "单位".into(),
                custodian: "p".into(),
                holder: None,
                host_asset: None,
                label: (!label.trim().is_empty()).then(|| label.trim().to_string()),
                status: crate::register::Status::InStore,
                ever_classified: true,
                registered_seq: 1,
                updated_seq: 1,
            };
            let bytes = export(std::slice::from_ref(&c)).unwrap();
            let (text, enc) = decode(&bytes).unwrap();
            prop_assert_eq!(enc, "UTF-8 with BOM");
            let rows: Vec<_> = parse(&text).unwrap().into_iter().map(|(_, r)| r).collect();
            prop_assert_eq!(rows.len(), 1);
            prop_assert_eq!(&rows[0].serial, &c.serial);
            prop_assert_eq!(&rows[0].make, &c.make);
            prop_assert_eq!(&rows[0].label, &c.label);
            prop_assert_eq!(&rows[0].classification, "confidential");
        }
    }
}
