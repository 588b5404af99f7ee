//! Wipe results, as `verify --replay` reads them: any bytes are a result or an error.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<mediasan::model::report::WipeReport>(data);
});
