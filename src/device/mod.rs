//! The device floor: what the kernel and the drive are asked, and how. `sys` is the one
//! view of /proc, /sys and udev; `block` and `loopdev` the block ioctls; `transport`
//! SG_IO and the NVMe admin ioctl behind one trait; `passthrough` ATA PASS-THROUGH and
//! `sense` the sense data it returns; `ata`, `scsi` and `nvme` the command tables (one
//! opcode table per command set, shared by the probes and the erases). Nothing here
//! decides anything: the floors above read the answers.

pub mod ata;
pub mod block;
pub mod buf;
pub mod io;
pub mod loopdev;
pub mod nvme;
pub mod passthrough;
pub mod scsi;
pub mod sense;
pub mod sys;
pub mod transport;

pub use sys::{DevNo, Sys};
