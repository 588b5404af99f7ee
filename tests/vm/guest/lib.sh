# Shared by /init, /checks.sh and /captures.sh in the test guest (busybox sh): finding each
# drive of /drives.txt by its transport, and reading sysfs.

# The USB interface a block device hangs off (the directory with bInterfaceNumber), or nothing.
usb_interface() {
  d=$(readlink -f "/sys/block/$1")
  while [ "$d" != / ] && [ -n "$d" ]; do
    [ -f "$d/bInterfaceNumber" ] && { echo "$d"; return 0; }
    d=${d%/*}
  done
  return 1
}

# The USB device above a block device (the directory with idVendor), or nothing.
usb_device() {
  d=$(readlink -f "/sys/block/$1")
  while [ "$d" != / ] && [ -n "$d" ]; do
    [ -f "$d/idVendor" ] && { echo "$d"; return 0; }
    d=${d%/*}
  done
  return 1
}

# The driver bound to the USB interface of block device $1 (usb-storage, uas), or nothing.
usb_driver() {
  i=$(usb_interface "$1") || return 1
  [ -e "$i/driver" ] || return 1
  basename "$(readlink "$i/driver")"
}

# The block device (sda, nvme0n1, ...) of drive kind $1, found by its transport: the path of
# /sys/block/X in /sys/devices and the driver of its USB interface. One drive of each kind.
find_dev() {
  for b in /sys/block/*; do
    n=${b##*/}
    p=$(readlink -f "$b")
    case $1 in
    ahci) case $p in */ata[0-9]*/host[0-9]*/*) echo "$n" && return 0 ;; esac ;;
    # nvmeXcYnZ is the hidden per-path device under native NVMe multipath; nvmeXnY the disk.
    # Two NVMe controllers: each kind is told by its controller's serial in /drives.txt.
    nvme | nvme-ns) case $n in nvme*c*) ;; nvme*n*)
      [ "$(attr "$b/device/serial")" = "$(awk -v k="$1" '$1 == k { print $2 }' /drives.txt)" ] &&
        echo "$n" && return 0 ;;
    esac ;;
    usb-bot) [ "$(usb_driver "$n")" = usb-storage ] && echo "$n" && return 0 ;;
    usb-uas) [ "$(usb_driver "$n")" = uas ] && echo "$n" && return 0 ;;
    virtio-scsi) case $p in */virtio[0-9]*/host[0-9]*/*) echo "$n" && return 0 ;; esac ;;
    virtio-blk) case $n in vd*) echo "$n" && return 0 ;; esac ;;
    esac
  done
  return 1
}

# A sysfs text attribute with surrounding blanks removed (or nothing, status 1).
attr() {
  [ -r "$1" ] || return 1
  v=$(tr -d '\000' <"$1" 2>/dev/null) || return 1
  printf '%s' "$v" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//'
}

# The serial number in a SCSI VPD page 0x80 file: bytes 4.. of the page, blanks trimmed.
vpd80_serial() {
  [ -r "$1" ] || return 1
  dd if="$1" bs=1 skip=4 2>/dev/null | tr -d '\000' | sed 's/^[[:space:]]*//; s/[[:space:]]*$//'
}

# Prints "NAME=VALUE" for every place in sysfs that could carry block device $1's identity,
# as the places are named in the report: serial, device/serial, device/vpd_pg80,
# device/vpd_pg83 (as hex), device/wwid, wwid, device/vendor, device/model, and the USB
# device's serial, manufacturer and product when there is one.
identity_attrs() {
  s=/sys/block/$1
  for a in serial device/serial device/wwid wwid device/vendor device/model device/rev \
    device/firmware_rev device/device/model device/device/serial device/transport; do
    v=$(attr "$s/$a") && [ -n "$v" ] && echo "$a=$v"
  done
  v=$(vpd80_serial "$s/device/vpd_pg80") && [ -n "$v" ] && echo "device/vpd_pg80=$v"
  [ -r "$s/device/vpd_pg83" ] && echo "device/vpd_pg83=$(od -An -v -tx1 "$s/device/vpd_pg83" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')"
  u=$(usb_device "$1") && for a in serial manufacturer product idVendor idProduct; do
    v=$(attr "$u/$a") && echo "usb/$a=$v"
  done
  return 0
}
