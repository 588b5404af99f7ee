//! NVMe admin commands as the controller takes them: the opcodes, Identify's CNS values
//! and the log pages mediasan asks for.

/// Identify, and its CNS values.
pub const IDENTIFY: u8 = 0x06;
pub const CNS_NAMESPACE: u32 = 0x00;
pub const CNS_CONTROLLER: u32 = 0x01;

/// Format NVM, Sanitize, and the Sanitize Status log page read with Get Log Page.
pub const FORMAT_NVM: u8 = 0x80;
pub const SANITIZE: u8 = 0x84;
pub const GET_LOG_PAGE: u8 = 0x02;
pub const SANITIZE_STATUS_LOG: u32 = 0x81;
