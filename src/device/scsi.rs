//! SCSI commands as the device takes them: the opcodes and SANITIZE service actions
//! mediasan sends.

/// Opcodes and service actions (SPC-4, SBC-4 5.30).
pub mod op {
    pub const TEST_UNIT_READY: u8 = 0x00;
    pub const REQUEST_SENSE: u8 = 0x03;
    pub const SANITIZE: u8 = 0x48;
    pub const MAINTENANCE_IN: u8 = 0xa3;
    pub const REPORT_SUPPORTED_OPCODES: u8 = 0x0c;
    /// SANITIZE service actions.
    pub const OVERWRITE: u8 = 0x01;
    pub const BLOCK_ERASE: u8 = 0x02;
    pub const CRYPTO_ERASE: u8 = 0x03;
    pub const EXIT_FAILURE_MODE: u8 = 0x1f;
}
