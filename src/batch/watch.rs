//! Drives as they arrive: the kernel's uevents (NETLINK_KOBJECT_UEVENT, the messages
//! udev itself listens to) say when a disk appears or changes, so a short attach is
//! never missed between two looks, and nothing polls.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::time::Duration;

use kobject_uevent::{ActionType, UEvent};
use nix::sys::socket::{
    bind, recv, socket, AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType,
};

/// A disk that appeared (or whose medium changed): its kernel name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arrival {
    pub disk: String,
    pub action: &'static str,
}

/// A socket bound to the kernel's uevent multicast group.
pub struct Uevents {
    fd: OwnedFd,
}

impl Uevents {
    /// Opens the socket (root, or CAP_NET_ADMIN in the network namespace, is not needed
    /// to listen; a network namespace of its own sees no uevents).
    pub fn open() -> std::io::Result<Uevents> {
        let fd = socket(
            AddressFamily::Netlink,
            SockType::Datagram,
            SockFlag::SOCK_CLOEXEC,
            SockProtocol::NetlinkKObjectUEvent,
        )?;
        // Group 1: the kernel's own messages (udev re-broadcasts on group 2).
        bind(fd.as_raw_fd(), &NetlinkAddr::new(0, 1))?;
        Ok(Uevents { fd })
    }

    /// The next disk event, waiting at most `timeout` (then `Ok(None)`). Events of other
    /// subsystems and of partitions are passed over.
    pub fn next(&self, timeout: Duration) -> std::io::Result<Option<Arrival>> {
        let mut buf = vec![0u8; 16 * 1024];
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            let mut fds = [nix::poll::PollFd::new(
                self.fd.as_fd(),
                nix::poll::PollFlags::POLLIN,
            )];
            let ms = nix::poll::PollTimeout::try_from(left.as_millis().min(60_000) as i32)
                .unwrap_or(nix::poll::PollTimeout::MAX);
            match nix::poll::poll(&mut fds, ms) {
                Ok(0) => return Ok(None),
                Ok(_) => {}
                Err(nix::errno::Errno::EINTR) => return Ok(None),
                Err(e) => return Err(e.into()),
            }
            let n = match recv(self.fd.as_raw_fd(), &mut buf, MsgFlags::empty()) {
                Ok(n) => n,
                Err(nix::errno::Errno::EINTR) => return Ok(None),
                // The kernel sent more than the buffer took in the meantime: events were
                // lost, and the caller scans again.
                Err(nix::errno::Errno::ENOBUFS) => {
                    return Ok(Some(Arrival {
                        disk: String::new(),
                        action: "overflow",
                    }))
                }
                Err(e) => return Err(e.into()),
            };
            if let Some(a) = arrival(&buf[..n]) {
                return Ok(Some(a));
            }
        }
    }
}

/// A whole disk's `add` or `change` (a loop device bound, a card inserted), from one
/// uevent packet.
pub fn arrival(packet: &[u8]) -> Option<Arrival> {
    let ev = UEvent::from_netlink_packet(packet).ok()?;
    if ev.subsystem != "block" || ev.env.get("DEVTYPE").map(String::as_str) != Some("disk") {
        return None;
    }
    let action = match ev.action {
        ActionType::Add => "add",
        ActionType::Change => "change",
        _ => return None,
    };
    let disk = ev
        .env
        .get("DEVNAME")
        .cloned()
        .or_else(|| ev.devpath.file_name().map(|n| n.to_string_lossy().into_owned()))?;
    Some(Arrival { disk, action })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(lines: &[&str]) -> Vec<u8> {
        let mut p = Vec::new();
        for l in lines {
            p.extend_from_slice(l.as_bytes());
            p.push(0);
        }
        p
    }

    #[test]
    fn disks_added_or_changed_are_arrivals_and_nothing_else_is() {
        let add = packet(&[
            "add@/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host3/target3:0:0/3:0:0:0/block/sdb",
            "ACTION=add",
            "DEVPATH=/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host3/target3:0:0/3:0:0:0/block/sdb",
            "SUBSYSTEM=block",
            "MAJOR=8",
            "MINOR=16",
            "DEVNAME=sdb",
            "DEVTYPE=disk",
            "SEQNUM=4242",
        ]);
        assert_eq!(
            arrival(&add),
            Some(Arrival {
                disk: "sdb".into(),
                action: "add"
            })
        );
        let change = packet(&[
            "change@/devices/virtual/block/loop3",
            "ACTION=change",
            "DEVPATH=/devices/virtual/block/loop3",
            "SUBSYSTEM=block",
            "DEVNAME=loop3",
            "DEVTYPE=disk",
            "SEQNUM=4243",
        ]);
        assert_eq!(arrival(&change).unwrap().disk, "loop3");
        let part = packet(&[
            "add@/devices/virtual/block/loop3/loop3p1",
            "ACTION=add",
            "DEVPATH=/devices/virtual/block/loop3/loop3p1",
            "SUBSYSTEM=block",
            "DEVNAME=loop3p1",
            "DEVTYPE=partition",
            "SEQNUM=4244",
        ]);
        assert_eq!(arrival(&part), None);
        let usb = packet(&[
            "add@/devices/x",
            "ACTION=add",
            "DEVPATH=/devices/x",
            "SUBSYSTEM=usb",
            "SEQNUM=1",
        ]);
        assert_eq!(arrival(&usb), None);
        let remove = packet(&[
            "remove@/devices/virtual/block/loop3",
            "ACTION=remove",
            "DEVPATH=/devices/virtual/block/loop3",
            "SUBSYSTEM=block",
            "DEVNAME=loop3",
            "DEVTYPE=disk",
            "SEQNUM=9",
        ]);
        assert_eq!(arrival(&remove), None);
        assert_eq!(arrival(b"garbage"), None);
    }
}
