//! Carrier CSV files: any bytes decode (UTF-8, GBK) or are refused, and any text parses
//! or is refused with line numbers; never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok((text, _)) = mediasan::register::csv::decode(data) {
        match mediasan::register::csv::parse(&text) {
            Ok(rows) => assert!(rows.iter().all(|(line, row)| *line >= 2 && row.validate().is_ok())),
            Err(errors) => assert!(!errors.is_empty() && errors.iter().all(|e| e.starts_with("line "))),
        }
    }
});
