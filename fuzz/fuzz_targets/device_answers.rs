//! What a drive or a bridge sends back (sense data, IDENTIFY pages, NVMe Identify
//! pages, VPD pages): decoded or refused, never a panic; a page sealed again keeps
//! its checksum valid.
#![no_main]
use libfuzzer_sys::fuzz_target;
use mediasan::device::sense;
use mediasan::identify::{ata, nvme, vpd_designator, vpd_serial};

fuzz_target!(|data: &[u8]| {
    let _ = sense::Sense::parse(data);
    let _ = vpd_serial(data);
    let _ = vpd_designator(data);
    let _ = nvme::Controller::parse(data);
    let _ = nvme::Namespace::parse(data);
    if let Some(mut p) = ata::Page::from_bytes(data) {
        let _ = ata::Identify::parse(&p);
        let _ = ata::dco_max_lba(&p);
        p.seal();
        assert_eq!(p.checksum(), ata::Checksum::Valid);
    }
});
