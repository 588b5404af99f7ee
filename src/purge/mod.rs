//! Firmware erase (NIST SP 800-88 *Purge* where the interface allows it): the drive's own
//! commands, for what overwriting cannot reach. Command sequences and refusals here;
//! the wipe technique that uses them comes with the firmware-sanitize issue's job.

pub mod ata;
pub mod nvme;
