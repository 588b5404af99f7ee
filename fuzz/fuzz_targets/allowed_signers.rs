//! allowed_signers files: read or refused with a line number, never a panic; a
//! principal is allowed only by a line that names a key.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match mediasan::cert::signers::AllowedSigners::parse(text, chrono::Utc::now()) {
        Ok(s) => {
            for signer in &s.signers {
                let fp = signer.key.fingerprint();
                let _ = s.allows("zhangsan", &fp);
            }
            assert!(!s.allows("zhangsan", "SHA256:none"));
        }
        Err(e) => assert!(e.starts_with("line "), "{e}"),
    }
});
