//! PDFs from outside, as `cert verify FILE.pdf` reads them: scanned, parsed and their
//! certificate attachment taken out within the limits, or refused; never a crash, a
//! stack overflow or an allocation past the limits. What carries a certificate is
//! compared with the rendering of the sample certificate (the seed of the corpus is its
//! print), and found to be that rendering only when it is its bytes.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mediasan::cert::{pdfa, render, Certificate};

fn rendered() -> &'static [u8] {
    static PDF: OnceLock<Vec<u8>> = OnceLock::new();
    PDF.get_or_init(|| {
        let sample = include_bytes!("../../fixtures/certs/sample-linked.cert.json");
        let cert = Certificate::parse(sample).expect("the sample parses");
        render::pdf(&cert, &render::Font::Embedded).expect("the sample renders")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(printed) = pdfa::read(data) else {
        return;
    };
    // As cert verify does: a print is compared only when it carries a certificate.
    let Ok(cert) = Certificate::parse(&printed.certificate) else {
        return;
    };
    let _ = cert.digest();
    let rendered = rendered();
    let mismatch = pdfa::compare(data, &printed, rendered);
    assert_eq!(mismatch.is_none(), data == rendered, "{mismatch:?}");
});
