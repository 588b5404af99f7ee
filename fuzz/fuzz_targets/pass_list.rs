//! `--passes` lists: any text parses or is refused, never panics; what parses prints
//! back to the same list.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(passes) = mediasan::method::parse_passes(text) {
            let printed: Vec<String> = passes.iter().map(mediasan::method::describe).collect();
            let again = mediasan::method::parse_passes(&printed.join(",")).expect("a printed list parses");
            assert_eq!(again, passes);
        }
    }
});
