//! Certificate files: parsed strictly or refused; what parses canonicalises, and
//! verification without a register never panics (and never says valid).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = mediasan::cert::Certificate::parse(data) {
        let _ = cert.digest();
        if let Ok(verdict) = mediasan::cert::verify(&cert, &mediasan::cert::Who::Nobody) {
            assert!(!verdict.ok(), "nothing verifies without knowing who signed");
        }
        let again = mediasan::cert::Certificate::parse(cert.to_file().as_bytes()).expect("a written certificate parses");
        assert_eq!(again.canonical_body().ok(), cert.canonical_body().ok());
    }
});
