//! Batch manifests: any bytes decode (UTF-8, GBK) or are refused, and any text parses
//! into rows naming each carrier and device once, or is refused with messages that
//! carry no control character of the input (its fields are shown escaped and cut).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok((text, _)) = mediasan::register::csv::decode(data) else {
        return;
    };
    match mediasan::batch::manifest::parse(&text) {
        Ok(rows) => {
            let mut carriers = std::collections::HashSet::new();
            let mut devices = std::collections::HashSet::new();
            for r in &rows {
                assert!(r.line >= 2);
                assert!(carriers.insert(r.carrier.clone()), "carrier twice");
                assert!(devices.insert(r.device.to_string()), "device twice");
            }
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for e in &errors {
                assert!(!e.chars().any(mediasan::escape::is_hidden), "{e:?}");
            }
        }
    }
});
