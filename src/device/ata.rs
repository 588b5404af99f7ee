//! ATA commands as the device takes them: the registers of a command (the taskfile),
//! the opcodes and features mediasan sends, and the status bits it reads back. What the
//! answers mean is identify's (IDENTIFY, DCO) and purge's (security erase, SANITIZE).

/// An ATA command's registers, as sent or as returned (the 48-bit layout; 28-bit
/// commands use the low halves and the device register's bits 3:0 for LBA 27:24).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Taskfile {
    pub command: u8,
    pub features: u16,
    pub count: u16,
    pub lba: u64,
    pub device: u8,
}

/// Commands mediasan sends, by opcode (ACS-3 table 206 and earlier standards), and
/// SANITIZE's features (ACS-3 7.43, 7.45): the one table probes and erases share.
pub mod op {
    pub const IDENTIFY_DEVICE: u8 = 0xec;
    pub const READ_NATIVE_MAX_ADDRESS: u8 = 0xf8;
    pub const READ_NATIVE_MAX_ADDRESS_EXT: u8 = 0x27;
    pub const SET_MAX_ADDRESS: u8 = 0xf9;
    pub const SET_MAX_ADDRESS_EXT: u8 = 0x37;
    /// ACCESSIBLE MAX ADDRESS CONFIGURATION (ACS-3): feature 0 GET NATIVE MAX ADDRESS
    /// EXT, 1 SET ACCESSIBLE MAX ADDRESS EXT, 2 FREEZE ACCESSIBLE MAX ADDRESS EXT.
    pub const AMAC: u8 = 0x78;
    /// DEVICE CONFIGURATION OVERLAY; feature 0xC2 is DEVICE CONFIGURATION IDENTIFY.
    pub const DCO: u8 = 0xb1;
    pub const DCO_IDENTIFY: u16 = 0xc2;
    pub const SECURITY_SET_PASSWORD: u8 = 0xf1;
    pub const SECURITY_UNLOCK: u8 = 0xf2;
    pub const SECURITY_ERASE_PREPARE: u8 = 0xf3;
    pub const SECURITY_ERASE_UNIT: u8 = 0xf4;
    pub const SECURITY_DISABLE_PASSWORD: u8 = 0xf6;
    pub const SANITIZE: u8 = 0xb4;
    pub const SANITIZE_STATUS: u16 = 0x0000;
    pub const CRYPTO_SCRAMBLE: u16 = 0x0011;
    pub const BLOCK_ERASE: u16 = 0x0012;
    pub const OVERWRITE: u16 = 0x0014;
    /// The LBA signatures the standard asks for, so that a stray command erases nothing.
    pub const CRYPTO_SIGNATURE: u64 = 0x4372_7970; // "Cryp"
    pub const BLOCK_SIGNATURE: u64 = 0x426b_4572; // "BkEr"
    pub const OVERWRITE_SIGNATURE: u64 = 0x4f57 << 32; // "OW" in LBA 47:32
}

/// The ATA status register's error bit, and the error register's ABRT bit.
pub const STATUS_ERR: u8 = 0x01;
pub const ERROR_ABRT: u8 = 0x04;
