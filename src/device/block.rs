//! Block-device ioctls, each used on the descriptor mediasan already holds.

#![allow(unsafe_code)]

use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;

mod ioctl {
    // BLKGETSIZE64 = _IOR(0x12, 114, size_t)
    nix::ioctl_read!(blk_getsize64, 0x12, 114, u64);
    // BLKSSZGET = _IO(0x12, 104), BLKPBSZGET = _IO(0x12, 123), BLKROGET = _IO(0x12, 94):
    // "bad" ioctls whose number does not encode the argument they write through.
    nix::ioctl_read_bad!(blk_sszget, nix::request_code_none!(0x12, 104), libc::c_int);
    nix::ioctl_read_bad!(blk_pbszget, nix::request_code_none!(0x12, 123), libc::c_uint);
    nix::ioctl_read_bad!(blk_roget, nix::request_code_none!(0x12, 94), libc::c_int);
    // BLKFLSBUF = _IO(0x12, 97): write back and drop the device's buffer cache.
    nix::ioctl_none_bad!(blk_flsbuf, nix::request_code_none!(0x12, 97));
}

/// Size in bytes (BLKGETSIZE64).
pub fn size(file: &File) -> io::Result<u64> {
    let mut v: u64 = 0;
    // SAFETY: the descriptor is open for the lifetime of `file`; the ioctl writes one u64.
    unsafe { ioctl::blk_getsize64(file.as_raw_fd(), &mut v) }?;
    Ok(v)
}

/// Logical sector size (BLKSSZGET).
pub fn logical_sector(file: &File) -> io::Result<u32> {
    let mut v: libc::c_int = 0;
    // SAFETY: as above; the ioctl writes one int.
    unsafe { ioctl::blk_sszget(file.as_raw_fd(), &mut v) }?;
    u32::try_from(v).map_err(|_| io::Error::other("negative sector size"))
}

/// Physical sector size (BLKPBSZGET).
pub fn physical_sector(file: &File) -> io::Result<u32> {
    let mut v: libc::c_uint = 0;
    // SAFETY: as above; the ioctl writes one unsigned int.
    unsafe { ioctl::blk_pbszget(file.as_raw_fd(), &mut v) }?;
    Ok(v)
}

/// Whether the kernel marks the device read-only (BLKROGET).
pub fn read_only(file: &File) -> io::Result<bool> {
    let mut v: libc::c_int = 0;
    // SAFETY: as above; the ioctl writes one int.
    unsafe { ioctl::blk_roget(file.as_raw_fd(), &mut v) }?;
    Ok(v != 0)
}

/// Writes back and drops the kernel's buffer cache of the device (BLKFLSBUF).
pub fn flush_buffers(file: &File) -> io::Result<()> {
    // SAFETY: the descriptor is open for the lifetime of `file`; the ioctl takes no argument.
    unsafe { ioctl::blk_flsbuf(file.as_raw_fd()) }?;
    Ok(())
}
