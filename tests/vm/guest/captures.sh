#!/bin/sh
# Ground truth for mediasan's SG_IO and NVMe code, captured in the test guest with sg3-utils,
# hdparm and nvme-cli and printed on the console:
#   VMFIXTURE-BEGIN <name> <bytes>
#   <hex, 16 bytes a line, lower case, space-separated>
#   VMFIXTURE-END <name> <sha256 of the bytes>
#   VMFIXTURE-META <name> <how it was captured, what the tools said>
# run.sh checks each against its length and digest and writes target/vm/sense/<name>.hex
# (fixtures/sense/ with MEDIASAN_VM_UPDATE_FIXTURES=1) and the META lines to captures.txt.
# Each capture is also a check (VMCHECK capture.<name>): that the bytes were had at all, and
# for the data pages that they say what the harness gave QEMU.
. /lib.sh

info() { echo "VMINFO $*"; }
# (Shell variables are global: the helpers keep to names of their own, _m and _f.)
meta() {
  _m=$1
  shift
  echo "VMFIXTURE-META $_m $*"
}
ok() { echo "VMCHECK capture.$1 ok"; }
fail() {
  _f=$1
  shift
  echo "VMCHECK capture.$_f fail $*" | cut -c1-500
}

# Prints file $2 as fixture $1.
emit() {
  echo "VMFIXTURE-BEGIN $1 $(wc -c <"$2")"
  od -An -v -tx1 -w16 "$2" | sed 's/^ *//; s/ *$//'
  echo "VMFIXTURE-END $1 $(sha256sum "$2" | cut -d' ' -f1)"
}

# Every line of file $2 (a tool's output) as META of $1.
meta_file() {
  while IFS= read -r l; do
    [ -n "$l" ] && meta "$1" "  | $l"
  done <"$2"
}

# The sense bytes sg_raw -vv printed ("Raw sense data (in hex), sb_len=N, ..." and the hex
# lines after it) into file $2, from its output in $1.
sg_raw_sense() {
  awk '/Raw sense data \(in hex\)/ { on = 1; next } on && !/^[ \t]*([0-9a-f][0-9a-f][ \t]*)+$/ { on = 0 } on' "$1" |
    tr -d ' \t\n' | xxd -r -p >"$2"
  [ -s "$2" ]
}

# hdparm --verbose's "outgoing cdb", "SG_IO: ... status=, host_status=, driver_status=" and
# "sb[]" lines for the CDBs of ATA command $2 (hex, the CDB's byte 14) in its output $1;
# hdparm prints all 32 bytes of its sense buffer.
hdparm_sgio() {
  awk -v op="$2" '/outgoing cdb:/ { split(substr($0, index($0, ":") + 1), b, " "); on = (b[15] == op) }
    on && /outgoing cdb:|^SG_IO:|ATA_16 stat=/ { print }' "$1"
}

# One ATA PASS-THROUGH(16) (or any) CDB through sg_raw: fixture $1 of the sense bytes, on
# device $2 (kind $3), with sg_raw options $4 and the CDB in the rest.
sense_capture() {
  name=$1 d=$2 k=$3 opts=$4
  shift 4
  cdb=$*
  sg_raw -vv $opts "/dev/$d" $cdb >/tmp/$name.out 2>&1
  rc=$?
  meta "$name" "device: $k /dev/$d ($(attr /sys/block/$d/device/vendor) $(attr /sys/block/$d/device/model))"
  meta "$name" "command: sg_raw -vv $opts /dev/$d $cdb (exit $rc)"
  meta_file "$name" /tmp/$name.out
  if sg_raw_sense /tmp/$name.out /tmp/$name.bin; then
    emit "$name" /tmp/$name.bin
    ok "$name"
  else
    fail "$name" "no sense data from sg_raw (exit $rc): $(tr '\n' ' ' </tmp/$name.out)"
  fi
}

# hdparm --verbose $4… on /dev/$2, its SG_IO lines for ATA command $3 as META of $1.
hdparm_meta() {
  name=$1 d=$2 op=$3
  shift 3
  hdparm --verbose "$@" "/dev/$d" >/tmp/$name.hdparm 2>&1 </dev/null
  rc=$?
  meta "$name" "cross-check: hdparm --verbose $* /dev/$d (exit $rc); its SG_IO lines for ATA command $op:"
  hdparm_sgio /tmp/$name.hdparm "$op" >/tmp/$name.sgio
  meta_file "$name" /tmp/$name.sgio
}

# The first $3 bytes of hdparm's sb[] in $1 (a .sgio file) against the sense file $2.
same_sense() {
  h=$(awk '/SG_IO: sb\[\]:/ { sub(/.*sb\[\]:[ \t]*/, ""); print; exit }' "$1" | tr -s ' ' | cut -d' ' -f1-"$3")
  s=$(od -An -v -tx1 "$2" | tr -s ' \n' ' ' | sed 's/^ //; s/ $//')
  [ -n "$h" ] && [ "$h" = "$s" ]
}

# Whether hdparm's sense buffer for the same ATA command starts with the bytes sg_raw got.
agree() {
  [ -s "/tmp/$1.bin" ] || return 0
  if same_sense "/tmp/$1.sgio" "/tmp/$1.bin" "$(wc -c <"/tmp/$1.bin")"; then
    echo "VMCHECK capture.$1.hdparm-agrees ok"
  else
    echo "VMCHECK capture.$1.hdparm-agrees fail hdparm's sb[] does not start with sg_raw's sense bytes"
  fi
}

# Data-in of sg_raw: fixture $1 of $4 bytes from /dev/$2 (kind $3), CDB in the rest.
data_capture() {
  name=$1 d=$2 k=$3 len=$4
  shift 4
  cdb=$*
  sg_raw -vv -r "$len" -o /tmp/$name.bin "/dev/$d" $cdb >/tmp/$name.out 2>&1
  rc=$?
  meta "$name" "device: $k /dev/$d ($(attr /sys/block/$d/device/vendor) $(attr /sys/block/$d/device/model))"
  meta "$name" "command: sg_raw -vv -r $len -o FILE /dev/$d $cdb (exit $rc)"
  meta_file "$name" /tmp/$name.out
  if [ -s /tmp/$name.bin ]; then
    emit "$name" /tmp/$name.bin
    return 0
  fi
  fail "$name" "no data from sg_raw (exit $rc): $(tr '\n' ' ' </tmp/$name.out)"
  return 1
}

# A VPD page through sg_vpd --raw: fixture <kind>-vpd<page>.
vpd_capture() {
  d=$1 k=$2 page=$3
  name=$k-vpd$page
  sg_vpd --page=0x$page --raw "/dev/$d" >/tmp/$name.bin 2>/tmp/$name.err
  rc=$?
  meta "$name" "device: $k /dev/$d ($(attr /sys/block/$d/device/vendor) $(attr /sys/block/$d/device/model))"
  meta "$name" "command: sg_vpd --page=0x$page --raw /dev/$d (exit $rc)"
  if [ -f "/sys/block/$d/device/vpd_pg$page" ]; then
    if cmp -s "/sys/block/$d/device/vpd_pg$page" /tmp/$name.bin; then
      meta "$name" "sysfs /sys/block/$d/device/vpd_pg$page holds the same bytes"
    else
      meta "$name" "sysfs /sys/block/$d/device/vpd_pg$page differs: $(od -An -v -tx1 "/sys/block/$d/device/vpd_pg$page" | tr -s ' \n' ' ')"
    fi
  else
    meta "$name" "sysfs has no /sys/block/$d/device/vpd_pg$page"
  fi
  meta_file "$name" /tmp/$name.err
  if [ $rc = 0 ] && [ -s /tmp/$name.bin ]; then
    emit "$name" /tmp/$name.bin
    ok "$name"
  else
    fail "$name" "sg_vpd exit $rc: $(tr '\n' ' ' </tmp/$name.err)"
  fi
}

# An ATA string (words byte-swapped, blank-padded) of $3 bytes at byte $2 of file $1.
ata_string() {
  # One read and one write of the whole string: with bs=1 the second dd could read a
  # part of it from the pipe and swap the bytes of that part alone.
  dd if="$1" iflag=skip_bytes skip="$2" bs="$3" count=1 2>/dev/null | dd conv=swab 2>/dev/null | sed 's/[[:space:]]*$//'
}
# Unsigned little-endian integer of $3 bytes (1, 2, 4 or 8) at byte $2 of file $1.
le() { od -An -tu"$3" -j "$2" -N "$3" "$1" | tr -d ' '; }

while read -r kind serial vendor model size ro usbserial; do
  case $kind in '' | '#'*) continue ;; esac
  eval "serial_$(echo "$kind" | tr - _)=\$serial size_$(echo "$kind" | tr - _)=\$size model_$(echo "$kind" | tr - _)=\$model"
done </drives.txt

. /versions.txt 2>/dev/null
info "captures with $QEMU, kernel $(uname -r)"

# ---- (a)-(c) the AHCI disk, through libata's SAT layer -----------------------------------
a=$(find_dev ahci)
if [ -n "$a" ]; then
  # (a) IDENTIFY DEVICE: PIO data-in (protocol 4), one 512-byte block, T_LENGTH in the count.
  cdb="85 08 0e 00 00 00 01 00 00 00 00 00 00 00 ec 00"
  if data_capture ahci-ata-identify "$a" ahci 512 $cdb; then
    f=/tmp/ahci-ata-identify.bin
    sum=$(od -An -v -tu1 "$f" | tr -s ' \n' '\n' | awk '{ s += $1 } END { print s % 256 }')
    sig=$(le "$f" 510 1)
    sn=$(ata_string "$f" 20 20)
    mn=$(ata_string "$f" 54 40)
    lba48=$(le "$f" 200 8)
    info "ahci IDENTIFY: serial '$sn' model '$mn' LBA48 sectors $lba48 signature $sig checksum-sum $sum"
    # Word 255 is the integrity word only when its low byte is A5h (then all 512 bytes sum
    # to 0 mod 256); QEMU leaves it 0.
    if { [ "$sig" != 165 ] || [ "$sum" = 0 ]; } && [ "$sn" = "$serial_ahci" ] && [ "$mn" = "$model_ahci" ] &&
      [ $((lba48 * 512)) = "$size_ahci" ]; then
      ok ahci-ata-identify
    else
      fail ahci-ata-identify "serial '$sn' model '$mn' sectors $lba48 signature $sig checksum-sum $sum"
    fi
  fi
  hdparm_meta ahci-ata-identify "$a" ec -I
  # (b) READ NATIVE MAX ADDRESS EXT (27h): non-data (protocol 3), EXTEND, CK_COND so that
  # the ATA registers come back in the sense data.
  cdb="85 07 20 00 00 00 00 00 00 00 00 00 00 40 27 00"
  sense_capture ahci-read-native-max-ext.sense "$a" ahci "" $cdb
  hdparm_meta ahci-read-native-max-ext.sense "$a" 27 -N
  agree ahci-read-native-max-ext.sense
  # (c) SET MAX ADDRESS EXT (37h) to the last LBA it already has, volatile (count bit 0
  # clear), CK_COND: QEMU does not implement it.
  last=$((size_ahci / 512 - 1))
  h() { printf '%02x' $((($last >> $1) & 255)); }
  cdb="85 07 20 00 00 00 00 $(h 24) $(h 0) $(h 32) $(h 8) $(h 40) $(h 16) 40 37 00"
  sense_capture ahci-set-max-address-ext.sense "$a" ahci "" $cdb
  # SECURITY SET PASSWORD (F1h): PIO data-out (protocol 5) of one 512-byte block: word 0 = 0
  # (user password, security level high), words 1-16 the password. Only ever on this disk.
  printf 'mediasan-vm-test' | dd of=/tmp/setpass.bin bs=1 seek=2 conv=notrunc 2>/dev/null
  dd if=/dev/zero of=/tmp/setpass.bin bs=1 seek=18 count=494 conv=notrunc 2>/dev/null
  cdb="85 0a 06 00 00 00 01 00 00 00 00 00 00 40 f1 00"
  sense_capture ahci-security-set-password.sense "$a" ahci "-s 512 -i /tmp/setpass.bin" $cdb
  hdparm_meta ahci-security-set-password.sense "$a" f1 --user-master u --security-set-pass mediasan-vm-test
  agree ahci-security-set-password.sense
  # DEVICE CONFIGURATION IDENTIFY (B1h, feature C2h): PIO data-in, one block.
  cdb="85 08 0e 00 c2 00 01 00 00 00 00 00 00 40 b1 00"
  sense_capture ahci-dco-identify.sense "$a" ahci "-r 512" $cdb
  hdparm_meta ahci-dco-identify.sense "$a" b1 --dco-identify
  agree ahci-dco-identify.sense
  # How libata answers for the SCSI side (its SAT layer makes these pages up).
  for p in 00 80 83 89; do vpd_capture "$a" ahci $p; done
fi

# ---- (d) ATA PASS-THROUGH(16) IDENTIFY to disks that are not ATA -----------------------------
cdb="85 08 0e 00 00 00 01 00 00 00 00 00 00 00 ec 00"
for k in usb-bot usb-uas virtio-scsi; do
  d=$(find_dev $k) || continue
  sense_capture "$k-ata-identify.sense" "$d" "$k" "-r 512" $cdb
  hdparm_meta "$k-ata-identify.sense" "$d" ec -I
  agree "$k-ata-identify.sense"
done

# ---- (e) NVMe Identify Controller (CNS 1) and Identify Namespace (CNS 0) ------------------
n=$(find_dev nvme)
if [ -n "$n" ]; then
  # The namespace's device is its controller, or (native multipath, as Debian builds it) the
  # NVMe subsystem, with the controllers inside.
  c=$(readlink -f "/sys/block/$n/device")
  [ -f "$c/dev" ] || c=$(ls -d "$c"/nvme[0-9]* | head -n 1)
  ctrl=/dev/${c##*/}
  nvme id-ctrl "$ctrl" --raw-binary >/tmp/nvme-identify-ctrl.bin 2>/tmp/nvme-identify-ctrl.err
  rc=$?
  meta nvme-identify-ctrl "device: nvme $ctrl (model $(attr /sys/block/$n/device/model), firmware $(attr /sys/block/$n/device/firmware_rev))"
  meta nvme-identify-ctrl "command: nvme id-ctrl $ctrl --raw-binary (exit $rc): admin opcode 06h, CNS 01h, 4096 bytes"
  meta_file nvme-identify-ctrl /tmp/nvme-identify-ctrl.err
  f=/tmp/nvme-identify-ctrl.bin
  if [ $rc = 0 ] && [ "$(wc -c <"$f")" = 4096 ]; then
    emit nvme-identify-ctrl "$f"
    sn=$(dd if="$f" bs=1 skip=4 count=20 2>/dev/null | sed 's/[[:space:]]*$//')
    mn=$(dd if="$f" bs=1 skip=24 count=40 2>/dev/null | sed 's/[[:space:]]*$//')
    info "nvme Identify Controller: vid $(printf '%04x' "$(le "$f" 0 2)") serial '$sn' model '$mn'"
    [ "$sn" = "$serial_nvme" ] && ok nvme-identify-ctrl || fail nvme-identify-ctrl "serial '$sn', expected '$serial_nvme'"
  else
    fail nvme-identify-ctrl "nvme id-ctrl exit $rc, $(wc -c <"$f") bytes: $(tr '\n' ' ' </tmp/nvme-identify-ctrl.err)"
  fi
  nsid=$(attr "/sys/block/$n/nsid" || echo 1)
  nvme id-ns "/dev/$n" --namespace-id="$nsid" --raw-binary >/tmp/nvme-identify-ns.bin 2>/tmp/nvme-identify-ns.err
  rc=$?
  meta nvme-identify-ns "device: nvme /dev/$n (namespace $nsid of $ctrl)"
  meta nvme-identify-ns "command: nvme id-ns /dev/$n --namespace-id=$nsid --raw-binary (exit $rc): admin opcode 06h, CNS 00h, 4096 bytes"
  meta_file nvme-identify-ns /tmp/nvme-identify-ns.err
  f=/tmp/nvme-identify-ns.bin
  if [ $rc = 0 ] && [ "$(wc -c <"$f")" = 4096 ]; then
    emit nvme-identify-ns "$f"
    nsze=$(le "$f" 0 8)
    flbas=$(($(le "$f" 26 1) & 15))
    lbads=$(le "$f" $((128 + 4 * flbas + 2)) 1)
    info "nvme Identify Namespace: nsze $nsze, LBA format $flbas, 2^$lbads-byte blocks"
    [ $((nsze << lbads)) = "$size_nvme" ] && ok nvme-identify-ns || fail nvme-identify-ns "nsze $nsze << $lbads != $size_nvme"
  else
    fail nvme-identify-ns "nvme id-ns exit $rc, $(wc -c <"$f") bytes: $(tr '\n' ' ' </tmp/nvme-identify-ns.err)"
  fi
fi

# ---- (f) VPD pages of the SCSI disks: supported pages, unit serial number, device id ------
for k in virtio-scsi usb-bot usb-uas; do
  d=$(find_dev $k) || continue
  for p in 00 80 83; do vpd_capture "$d" "$k" $p; done
done

# ---- (g) REPORT SUPPORTED OPERATION CODES for SANITIZE (48h), service action 02h --------
# What mediasan asks a SCSI disk before any SANITIZE: QEMU's scsi-hd does not implement
# the command (ILLEGAL REQUEST, invalid operation code), so SANITIZE is never claimed.
d=$(find_dev virtio-scsi) &&
  sense_capture virtio-scsi-rsoc-sanitize.sense "$d" virtio-scsi "-r 64" a3 0c 02 48 00 02 00 00 00 40 00 00
