//! What a loop device is made of, asked of the loop device itself
//! (LOOP_GET_STATUS64), not of sysfs: `loop/backing_file` is only a name, and a
//! name may be gone (` (deleted)`) or point elsewhere by now.

#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

use super::DevNo;
use crate::model::identity::Object;

/// `struct loop_info64` of `<linux/loop.h>` (232 bytes); mediasan reads the first
/// five fields, the rest are there for the layout.
#[repr(C)]
#[allow(dead_code)]
struct LoopInfo64 {
    lo_device: u64,
    lo_inode: u64,
    lo_rdevice: u64,
    lo_offset: u64,
    lo_sizelimit: u64,
    lo_number: u32,
    lo_encrypt_type: u32,
    lo_encrypt_key_size: u32,
    lo_flags: u32,
    lo_file_name: [u8; 64],
    lo_crypt_name: [u8; 64],
    lo_encrypt_key: [u8; 32],
    lo_init: [u64; 2],
}

// LOOP_GET_STATUS64 = 0x4C05, a "bad" ioctl whose number does not encode its argument.
nix::ioctl_read_bad!(loop_get_status64, 0x4C05, LoopInfo64);

/// The backing object of a bound loop device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backing {
    /// The backing file (or device node) as an object: its file system and inode.
    pub object: Object,
    /// `Some` when the backing object is a block device (its device number), whether
    /// or not any node for it still exists.
    pub device: Option<DevNo>,
    /// The window of the backing object the loop shows.
    pub offset: u64,
    pub size_limit: u64,
}

/// Asks the loop device open as `file` what backs it. `ENXIO`: the loop is not bound.
pub fn backing(file: &File) -> io::Result<Backing> {
    // SAFETY: all-zero bytes are a valid LoopInfo64 (integers and byte arrays).
    let mut info: LoopInfo64 = unsafe { std::mem::zeroed() };
    // SAFETY: the descriptor is open for the lifetime of `file`; the kernel writes
    // one struct loop_info64, whose layout LoopInfo64 repeats.
    unsafe { loop_get_status64(file.as_raw_fd(), &mut info) }?;
    let _ = (
        info.lo_number,
        info.lo_encrypt_type,
        info.lo_encrypt_key_size,
        info.lo_flags,
    );
    let _ = (
        info.lo_file_name,
        info.lo_crypt_name,
        info.lo_encrypt_key,
        info.lo_init,
    );
    Ok(Backing {
        // The kernel knows no birth; the caller reads it through the backing file's name.
        object: Object {
            dev: DevNo::from_raw(info.lo_device),
            ino: info.lo_inode,
            birth: None,
        },
        device: (info.lo_rdevice != 0).then(|| DevNo::from_raw(info.lo_rdevice)),
        offset: info.lo_offset,
        size_limit: info.lo_sizelimit,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_struct_has_the_kernels_size() {
        assert_eq!(std::mem::size_of::<super::LoopInfo64>(), 232);
    }
}
