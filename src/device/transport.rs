//! How commands reach a drive: SCSI commands through SG_IO, NVMe admin commands through
//! the NVMe ioctl — behind one trait, so that a simulated drive can answer instead.

#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

/// A data transfer of a command.
pub enum Data<'a> {
    None,
    In(&'a mut [u8]),
    Out(&'a [u8]),
}

/// How a SCSI command ended, as SG_IO reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScsiReply {
    /// SAM status: 0 GOOD, 2 CHECK CONDITION, ...
    pub status: u8,
    /// The host adapter's status (DID_*): non-zero means the command never completed
    /// normally, whatever the status byte says.
    pub host: u16,
    /// The driver's status (DRIVER_*); DRIVER_SENSE (8) only says sense is attached.
    pub driver: u16,
    pub sense: Vec<u8>,
    /// Bytes asked for but not transferred.
    pub resid: i32,
}

/// An NVMe admin command (`struct nvme_passthru_cmd`, linux/nvme_ioctl.h).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NvmeAdmin {
    pub opcode: u8,
    pub nsid: u32,
    pub cdw10: u32,
    pub cdw11: u32,
    pub timeout_ms: u32,
}

/// The NVMe completion: status field (0 is success) and Dword 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NvmeReply {
    pub status: u16,
    pub result: u32,
}

/// A way to send commands to one drive.
pub trait Transport {
    fn scsi(&mut self, cdb: &[u8], data: Data<'_>, timeout_ms: u32) -> io::Result<ScsiReply>;
    fn nvme_admin(&mut self, cmd: &NvmeAdmin, data: &mut [u8]) -> io::Result<NvmeReply>;
}

#[repr(C)]
struct SgIoHdr {
    interface_id: libc::c_int,
    dxfer_direction: libc::c_int,
    cmd_len: u8,
    mx_sb_len: u8,
    iovec_count: u16,
    dxfer_len: u32,
    dxferp: *mut libc::c_void,
    cmdp: *const u8,
    sbp: *mut u8,
    timeout: u32,
    flags: u32,
    pack_id: libc::c_int,
    usr_ptr: *mut libc::c_void,
    status: u8,
    masked_status: u8,
    msg_status: u8,
    sb_len_wr: u8,
    host_status: u16,
    driver_status: u16,
    resid: libc::c_int,
    duration: u32,
    info: u32,
}

#[repr(C)]
struct NvmePassthru {
    opcode: u8,
    flags: u8,
    rsvd1: u16,
    nsid: u32,
    cdw2: u32,
    cdw3: u32,
    metadata: u64,
    addr: u64,
    metadata_len: u32,
    data_len: u32,
    cdw10: u32,
    cdw11: u32,
    cdw12: u32,
    cdw13: u32,
    cdw14: u32,
    cdw15: u32,
    timeout_ms: u32,
    result: u32,
}

mod ioctl {
    // SG_IO = 0x2285 (scsi/sg.h): an old-style number that does not encode its argument.
    nix::ioctl_readwrite_bad!(sg_io, 0x2285, super::SgIoHdr);
    // NVME_IOCTL_ADMIN_CMD = _IOWR('N', 0x41, struct nvme_admin_cmd)
    nix::ioctl_readwrite!(nvme_admin_cmd, b'N', 0x41, super::NvmePassthru);
}

const SG_DXFER_NONE: libc::c_int = -1;
const SG_DXFER_TO_DEV: libc::c_int = -2;
const SG_DXFER_FROM_DEV: libc::c_int = -3;

/// What a command with no time limit of its own is given. The kernel would give a
/// command sent with 0 its queue's default (60 s for SG_IO and NVMe admin commands); a
/// command of mediasan names its bound instead.
pub const UNNAMED_TIMEOUT_MS: u32 = 15_000;

/// The time limit a command is sent with: never 0.
pub fn bounded(timeout_ms: u32) -> u32 {
    if timeout_ms == 0 {
        UNNAMED_TIMEOUT_MS
    } else {
        timeout_ms
    }
}

/// The descriptor mediasan holds on a block device.
pub struct Device<'a>(pub &'a File);

/// A descriptor of its own on the device (a duplicate): for a thread that carries a
/// command to the drive while another waits for it.
pub struct OwnedDevice(pub File);

impl Transport for OwnedDevice {
    fn scsi(&mut self, cdb: &[u8], data: Data<'_>, timeout_ms: u32) -> io::Result<ScsiReply> {
        Device(&self.0).scsi(cdb, data, timeout_ms)
    }
    fn nvme_admin(&mut self, cmd: &NvmeAdmin, data: &mut [u8]) -> io::Result<NvmeReply> {
        Device(&self.0).nvme_admin(cmd, data)
    }
}

impl Transport for Device<'_> {
    fn scsi(&mut self, cdb: &[u8], data: Data<'_>, timeout_ms: u32) -> io::Result<ScsiReply> {
        let mut sense = [0u8; 64];
        let (dir, ptr, len) = match data {
            Data::None => (SG_DXFER_NONE, std::ptr::null_mut(), 0),
            Data::In(b) => (SG_DXFER_FROM_DEV, b.as_mut_ptr().cast(), b.len()),
            Data::Out(b) => (SG_DXFER_TO_DEV, b.as_ptr().cast_mut().cast(), b.len()),
        };
        let mut hdr = SgIoHdr {
            interface_id: i32::from(b'S'),
            dxfer_direction: dir,
            cmd_len: u8::try_from(cdb.len()).map_err(|_| io::Error::other("CDB too long"))?,
            mx_sb_len: sense.len() as u8,
            iovec_count: 0,
            dxfer_len: u32::try_from(len).map_err(|_| io::Error::other("transfer too long"))?,
            dxferp: ptr,
            cmdp: cdb.as_ptr(),
            sbp: sense.as_mut_ptr(),
            timeout: bounded(timeout_ms),
            flags: 0,
            pack_id: 0,
            usr_ptr: std::ptr::null_mut(),
            status: 0,
            masked_status: 0,
            msg_status: 0,
            sb_len_wr: 0,
            host_status: 0,
            driver_status: 0,
            resid: 0,
            duration: 0,
            info: 0,
        };
        // SAFETY: every pointer in `hdr` points into a buffer that outlives the call
        // (the CDB, the sense array, the caller's data buffer of `dxfer_len` bytes).
        unsafe { ioctl::sg_io(self.0.as_raw_fd(), &mut hdr) }?;
        Ok(ScsiReply {
            status: hdr.status,
            host: hdr.host_status,
            driver: hdr.driver_status,
            sense: sense[..usize::from(hdr.sb_len_wr).min(sense.len())].to_vec(),
            resid: hdr.resid,
        })
    }

    fn nvme_admin(&mut self, cmd: &NvmeAdmin, data: &mut [u8]) -> io::Result<NvmeReply> {
        let mut c = NvmePassthru {
            opcode: cmd.opcode,
            flags: 0,
            rsvd1: 0,
            nsid: cmd.nsid,
            cdw2: 0,
            cdw3: 0,
            metadata: 0,
            addr: data.as_mut_ptr() as u64,
            metadata_len: 0,
            data_len: u32::try_from(data.len()).map_err(|_| io::Error::other("transfer too long"))?,
            cdw10: cmd.cdw10,
            cdw11: cmd.cdw11,
            cdw12: 0,
            cdw13: 0,
            cdw14: 0,
            cdw15: 0,
            timeout_ms: bounded(cmd.timeout_ms),
            result: 0,
        };
        // SAFETY: `addr` points to `data`, `data_len` bytes long, which outlives the call.
        let status = unsafe { ioctl::nvme_admin_cmd(self.0.as_raw_fd(), &mut c) }?;
        Ok(NvmeReply {
            status: u16::try_from(status).unwrap_or(u16::MAX),
            result: c.result,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn no_command_leaves_without_a_time_limit() {
        assert_eq!(super::bounded(0), super::UNNAMED_TIMEOUT_MS);
        assert_eq!(super::bounded(3_600_000), 3_600_000);
    }
}
