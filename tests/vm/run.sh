#!/usr/bin/env bash
# Boots a QEMU guest (TCG, q35) with the current mediasan, a stock Debian 12 kernel and seven
# emulated drives (AHCI SATA, NVMe, USB mass storage, USB UAS, virtio-SCSI, read-only
# virtio-blk, and an NVMe controller whose namespace is an nvme-ns device), runs tests/vm/checks.sh inside, and turns the guest's `VMCHECK` lines on the
# serial console into an exit status. It also captures ground-truth SG_IO/NVMe data as hex
# (tests/vm/guest/captures.sh) into target/vm/sense/.
#
#   bash tests/vm/run.sh
#
# Environment:
#   MEDIASAN_VM_CACHE     downloads and extracted packages (default /var/cache/mediasan-vm)
#   MEDIASAN_VM_OUT       console log, drive table, captures (default target/vm)
#   MEDIASAN_VM_TIMEOUT   seconds QEMU may run (default 600)
#   MEDIASAN_VM_BIN       a static mediasan to test instead of building one
#   MEDIASAN_VM_CPU       QEMU's -cpu (default max); max,rdrand=off,rdseed=off gives a guest
#                         whose kernel random number generator is unseeded for about its
#                         first minute under TCG (what a wipe must wait for, visibly)
#   MEDIASAN_VM_UPDATE_FIXTURES=1   also write the captures into fixtures/sense/
#   MEDIASAN_VM_MIRROR, MEDIASAN_VM_SECURITY_MIRROR   Debian mirrors (default deb.debian.org)
#
# Prints `SKIP vm: <reason>` and exits 0 where QEMU is missing and cannot be installed, or
# the guest's packages cannot be downloaded. Otherwise exits 1 when a check failed, the guest
# never printed VMDONE, or QEMU timed out.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache=${MEDIASAN_VM_CACHE:-/var/cache/mediasan-vm}
out=${MEDIASAN_VM_OUT:-$root/target/vm}
timeout_s=${MEDIASAN_VM_TIMEOUT:-600}
mirror=${MEDIASAN_VM_MIRROR:-http://deb.debian.org/debian}
security_mirror=${MEDIASAN_VM_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
started=$SECONDS

say() { echo "vm: $*"; }
skip() {
  echo "SKIP vm: $*"
  exit 0
}
die() {
  echo "vm: error: $*" >&2
  exit 1
}

mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] || skip "cache dir $cache is not writable (set MEDIASAN_VM_CACHE)"
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/mediasan-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- apt, with a private source list and private state --------------------------------------
# The system's sources (/etc/apt/sources.list.d/debian.sources: bookworm, bookworm-updates,
# bookworm-security) have no backports, and their lists are left as they are: this list and
# its downloaded indexes live in $cache/apt. Installing still goes through the system's dpkg.
aptdir=$cache/apt
apt_opts=(
  -o "Dir::Etc::SourceList=$aptdir/sources.list"
  -o "Dir::Etc::SourceParts=$aptdir/sources.list.d"
  -o "Dir::State::Lists=$aptdir/lists"
  -o "Dir::Cache=$aptdir/cache"
  -o "Dir::Cache::pkgcache="
  -o "Dir::Cache::srcpkgcache="
  -o "APT::Sandbox::User=root"
  -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
)
apt_updated=
apt_update() {
  [ -n "$apt_updated" ] && return 0
  command -v apt-get >/dev/null || return 1
  mkdir -p "$aptdir/sources.list.d" "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
  local key=/usr/share/keyrings/debian-archive-keyring.gpg
  cat >"$aptdir/sources.list" <<EOF
deb [signed-by=$key] $mirror bookworm main
deb [signed-by=$key] $mirror bookworm-updates main
deb [signed-by=$key] $mirror bookworm-backports main
deb [signed-by=$key] $security_mirror bookworm-security main
EOF
  say "apt-get update (private lists in $aptdir)"
  # apt-get update exits 0 when a source could not be reached: look at what it says and got.
  if ! apt-get "${apt_opts[@]}" -q update >"$aptdir/update.log" 2>&1 ||
    grep -Eq '^(E: |W: Failed to fetch|W: Some index files failed)' "$aptdir/update.log" ||
    ! ls "$aptdir/lists/" | grep -q 'bookworm-backports_main_binary-amd64_Packages'; then
    return 1
  fi
  apt_updated=1
}
# Downloads (never installs) the named packages into $1; what apt said is in download.log.
apt_download() {
  local dir=$1
  shift
  (cd "$dir" && apt-get "${apt_opts[@]}" -q download "$@") >"$aptdir/download.log" 2>&1
}
installed_on_host() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

# --- 1. QEMU ----------------------------------------------------------------------------------
# qemu-utils 10.0.2 comes from bookworm-backports on these machines; qemu-system-x86 from the
# same suite matches it.
if ! command -v qemu-system-x86_64 >/dev/null; then
  [ "$(id -u)" = 0 ] || skip "qemu-system-x86_64 is missing and installing it needs root"
  # shellcheck disable=SC1091
  codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
  [ "$codename" = bookworm ] || skip "qemu-system-x86_64 is missing; it is installed automatically only on Debian 12 (this is '${codename:-unknown}')"
  apt_update || skip "qemu-system-x86_64 is missing and the package lists cannot be fetched (no network? see $aptdir/update.log)"
  say "installing qemu-system-x86 from bookworm-backports"
  DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" -q -y install -t bookworm-backports \
    --no-install-recommends qemu-system-x86 >"$aptdir/install.log" 2>&1 ||
    skip "cannot install qemu-system-x86 from bookworm-backports (see $aptdir/install.log)"
  command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86 installed but qemu-system-x86_64 is not on PATH"
fi
qemu_version=$(qemu-system-x86_64 --version | head -n 1)
say "$qemu_version"

# --- 2. guest kernel and tools (downloaded, extracted, cached) --------------------------------
kdir=$cache/kernel
if [ ! -f "$kdir/.done" ]; then
  apt_update || skip "cannot fetch the package lists for the guest kernel (no network? see $aptdir/update.log)"
  # The metapackage's 6.1 versions (bookworm and bookworm-security; not backports' 6.12),
  # the highest, and the versioned image package it depends on.
  kpkg=$(apt-cache "${apt_opts[@]}" show linux-image-amd64 | awk '
    /^Version:/ { v = $2 }
    /^Depends:/ && v ~ /^6\.1\./ {
      for (i = 2; i <= NF; i++) if ($i ~ /^linux-image-6\.1\.[0-9]+-[0-9]+-amd64$/) print v, $i
    }' | sort -V | tail -n 1 | cut -d' ' -f2 || true)
  [ -n "$kpkg" ] || die "no linux-image-6.1.*-amd64 found through linux-image-amd64"
  say "downloading $kpkg"
  mkdir -p "$work/kdl"
  apt_download "$work/kdl" "$kpkg" || skip "cannot download $kpkg (no network? see $aptdir/download.log)"
  rm -rf "$kdir.tmp"
  dpkg-deb -x "$work"/kdl/*.deb "$kdir.tmp"
  dpkg-deb --showformat='${Package} ${Version}\n' -W "$work"/kdl/*.deb >"$kdir.tmp/.package"
  rm -rf "$kdir" && mv "$kdir.tmp" "$kdir"
fi

tdir=$cache/tools
if [ ! -f "$tdir/.done" ]; then
  apt_update || skip "cannot fetch the package lists for the guest's tools (no network? see $aptdir/update.log)"
  # busybox-static, and the cross-check tools with every library package of theirs (and of
  # those) that this host does not have installed: ldd then finds them in the extracted tree.
  want=(busybox-static hdparm sg3-utils nvme-cli)
  queue=(hdparm sg3-utils nvme-cli)
  declare -A seen=()
  while [ ${#queue[@]} -gt 0 ]; do
    p=${queue[0]}
    queue=("${queue[@]:1}")
    for d in $(apt-cache "${apt_opts[@]}" depends --no-recommends --no-suggests --no-conflicts \
      --no-breaks --no-replaces --no-enhances "$p" | awk '$1 == "Depends:" && $2 ~ /^lib/ { print $2 }'); do
      [ -n "${seen[$d]:-}" ] && continue
      seen[$d]=1
      installed_on_host "$d" && continue
      want+=("$d")
      queue+=("$d")
    done
  done
  say "downloading ${want[*]}"
  mkdir -p "$work/tdl"
  apt_download "$work/tdl" "${want[@]}" || skip "cannot download the guest's tools (no network? see $aptdir/download.log)"
  rm -rf "$tdir.tmp" && mkdir -p "$tdir.tmp/root"
  for deb in "$work"/tdl/*.deb; do
    dpkg-deb -x "$deb" "$tdir.tmp/root"
    dpkg-deb --showformat='${Package} ${Version}\n' -W "$deb" >>"$tdir.tmp/.packages"
  done
  rm -rf "$tdir" && mv "$tdir.tmp" "$tdir"
  touch "$tdir/.done"
fi
troot=$tdir/root
busybox=$troot/bin/busybox
[ -x "$busybox" ] || die "$busybox missing; delete $cache and run again"

kver=$(ls "$kdir/lib/modules")
moddir=$kdir/lib/modules/$kver
if [ ! -f "$kdir/.done" ]; then
  # The package ships no modules.dep (depmod runs at install); busybox's depmod makes one.
  "$busybox" depmod -b "$kdir" "$kver"
  touch "$kdir/.done"
fi
kpackage=$(cat "$kdir/.package")
say "guest kernel $kver ($kpackage)"

# --- 3. mediasan, statically linked -----------------------------------------------------------
# --target keeps these artifacts apart from target/debug, so the usual builds are not redone.
triple=x86_64-unknown-linux-gnu
if [ -n "${MEDIASAN_VM_BIN:-}" ]; then
  bin=$MEDIASAN_VM_BIN
  say "using $bin"
else
  say "building a static mediasan"
  (cd "$root" && RUSTFLAGS='-C target-feature=+crt-static' cargo build -q --locked --bin mediasan --target "$triple")
  bin=${CARGO_TARGET_DIR:-$root/target}/$triple/debug/mediasan
fi
if command -v file >/dev/null; then
  file -b "$bin" | grep -Eq 'static(-pie)? linked|statically linked' || die "$bin is not statically linked: $(file -b "$bin")"
else
  ldd "$bin" 2>&1 | grep -Eq 'not a dynamic executable|statically linked' || die "$bin is not statically linked"
fi
"$bin" --version >/dev/null || die "$bin does not run"

# --- 4. drives --------------------------------------------------------------------------------
# One of each; the guest finds each by its transport and compares what sysfs says with this
# table. Sizes differ; the virtio-SCSI disk is not a whole number of MiB (a short last block).
# Columns: kind serial vendor model size-in-bytes read-only usb-serial ('-' = not set).
# The UAS bridge gets its own USB serial, so that which of the two shows up where is visible;
# usb-storage has one serial property, used both as the USB iSerial and for its SCSI disk.
MiB=1048576
drives=$work/drives.txt
cat >"$drives" <<EOF
# kind serial vendor model size ro usbserial
ahci MSNSATA0001 - MEDIASAN-SATA-DISK-0048 $((48 * MiB)) 0 -
nvme MSNNVME0002 - - $((56 * MiB)) 0 -
usb-bot MSNUSBBOT0003 - - $((64 * MiB)) 0 MSNUSBBOT0003
usb-uas MSNUAS0004 MEDIASAN UAS-DISK-0072 $((72 * MiB)) 0 MSNUASBRIDGE
virtio-scsi MSNVSCSI0005 MEDIASAN VSCSI-DISK-0080 $((80 * MiB + 7 * 512)) 0 -
virtio-blk MSNVBLKRO0006 - - $((96 * MiB)) 1 -
nvme-ns MSNNVMENS0009 - - $((64 * MiB)) 0 -
EOF
cp "$drives" "$out/drives.txt"

qemu_drives=()
while read -r kind serial vendor model size ro usbserial; do
  case $kind in '' | '#'*) continue ;; esac
  img=$work/$kind.img
  truncate -s "$size" "$img"
  opts="if=none,id=d-$kind,file=$img,format=raw"
  [ "$ro" = 1 ] && opts+=",readonly=on"
  # Markers from here too: on the read-only disk (the guest checks they survive a refused
  # wipe, at these offsets), and on the others, so that the images are checked for zeros
  # after a wipe whatever the guest did or did not write.
  if [ "$ro" = 1 ]; then offsets="0 $((size / 2)) $((size - 512))"; else offsets="$((size / 3)) $((size - 4096))"; fi
  for off in $offsets; do
    printf 'MEDIASAN-VM-MARKER:%s' "$serial" | dd of="$img" bs=1 seek="$off" conv=notrunc status=none
  done
  scsi_id=""
  [ "$vendor" != - ] && scsi_id+=",vendor=$vendor"
  [ "$model" != - ] && scsi_id+=",product=$model"
  qemu_drives+=(-drive "$opts")
  case $kind in
  ahci) qemu_drives+=(-device ahci,id=ahci -device "ide-hd,bus=ahci.0,drive=d-$kind,serial=$serial,model=$model") ;;
  nvme) qemu_drives+=(-device "nvme,drive=d-$kind,serial=$serial") ;;
  # A controller whose namespace is a device of its own (nvme-ns), as NVMe setups with
  # several namespaces or subsystems are written.
  nvme-ns) qemu_drives+=(-device "nvme,id=nvmens,serial=$serial"
    -device "nvme-ns,drive=d-$kind,bus=nvmens,nsid=1") ;;
  usb-bot) qemu_drives+=(-device "usb-storage,bus=xhci.0,drive=d-$kind,serial=$usbserial") ;;
  usb-uas) qemu_drives+=(-device "usb-uas,id=uas,bus=xhci.0,serial=$usbserial"
    -device "scsi-hd,bus=uas.0,scsi-id=0,lun=0,drive=d-$kind,serial=$serial$scsi_id") ;;
  virtio-scsi) qemu_drives+=(-device virtio-scsi-pci,id=vs
    -device "scsi-hd,bus=vs.0,drive=d-$kind,serial=$serial$scsi_id") ;;
  virtio-blk) qemu_drives+=(-device "virtio-blk-pci,drive=d-$kind,serial=$serial") ;;
  *) die "unknown drive kind $kind" ;;
  esac
done <"$drives"

# Drives that are not there at boot, plugged into the virtio-SCSI bus over QMP when the
# guest's `batch watch` asks (VMHOTPLUG-ADD NAME), and one pulled out again mid-wipe
# (VMHOTPLUG-DEL NAME): hp1 is wiped whole, hp2 (big, three passes) is removed while
# written, and the watch must record it failed and go on. Columns: name serial size.
hotplugs=$work/hotplug.txt
printf '%s\n' "hp1 MSNHOTPLUG0007 $((40 * MiB))" "hp2 MSNPULLED0008 $((512 * MiB))" >"$hotplugs"
while read -r name serial size; do
  img=$work/$name.img
  truncate -s "$size" "$img"
  for off in 0 $((size / 2)) $((size - 4096)); do
    printf 'MEDIASAN-VM-MARKER:%s' "$serial" | dd of="$img" bs=1 seek="$off" conv=notrunc status=none
  done
  qemu_drives+=(-drive "if=none,id=d-$name,file=$img,format=raw")
done <"$hotplugs"
qmp=$work/qmp.sock
# qmp add|del NAME: plugs a drive in or pulls it out through QEMU's monitor (python3: a
# unix socket and JSON).
qmp() {
  python3 - "$qmp" "$1" "$2" "$(awk -v n="$2" '$1 == n { print $2 }' "$hotplugs")" <<'PY'
import json, socket, sys
sock, action, name, serial = sys.argv[1:5]
s = socket.socket(socket.AF_UNIX)
s.connect(sock)
f = s.makefile("rw")
f.readline()
if action == "add":
    cmd = {"execute": "device_add", "arguments": {"driver": "scsi-hd", "bus": "vs.0", "id": name,
                                                  "drive": "d-" + name, "serial": serial}}
else:
    cmd = {"execute": "device_del", "arguments": {"id": name}}
for c in ({"execute": "qmp_capabilities"}, cmd):
    f.write(json.dumps(c) + "\n"); f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            break
    if "error" in r:
        sys.exit("%s %s: %s" % (action, name, r["error"]))
PY
}

# --- 5. initramfs -----------------------------------------------------------------------------
rd=$work/initramfs
mkdir -p "$rd"/{bin,sbin,usr/bin,usr/sbin,lib/x86_64-linux-gnu,lib64,lib/modules,proc,sys,dev,tmp,run,etc}
cp "$busybox" "$rd/bin/busybox"
for applet in $("$busybox" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$rd/bin/$applet"
done
if command -v strip >/dev/null; then
  strip --strip-debug -o "$rd/bin/mediasan" "$bin"
else
  cp "$bin" "$rd/bin/mediasan"
fi
cp "$here/guest/init" "$rd/init"
cp "$here/checks.sh" "$here/guest/captures.sh" "$here/guest/lib.sh" "$rd/"
chmod 755 "$rd/init" "$rd/checks.sh" "$rd/captures.sh"
cp "$drives" "$rd/drives.txt"
cp "$hotplugs" "$rd/hotplug.txt"
# Sourced by the guest's scripts: single-quoted values.
{
  echo "QEMU='${qemu_version//\'/}'"
  echo "KERNEL_PACKAGE='$kpackage'"
  echo "TOOLS='$(paste -sd, "$tdir/.packages" | sed 's/,/, /g')'"
} >"$rd/versions.txt"

# hdparm, sg3-utils and nvme-cli with the libraries ldd finds for them (the extracted ones
# first) and the dynamic loader; every library lands in /lib/x86_64-linux-gnu.
tools=("$troot/sbin/hdparm" "$troot/usr/sbin/nvme" "$troot"/usr/bin/sg_* "$troot/usr/bin/sginfo")
libpath=$troot/usr/lib/x86_64-linux-gnu:$troot/lib/x86_64-linux-gnu
declare -A libs=()
for t in "${tools[@]}"; do
  [ -f "$t" ] || continue
  case $t in */sbin/*) cp "$t" "$rd/usr/sbin/" ;; *) cp "$t" "$rd/usr/bin/" ;; esac
  ldd_out=$(LD_LIBRARY_PATH=$libpath ldd "$t") || die "ldd $t failed"
  if grep -q 'not found' <<<"$ldd_out"; then die "ldd $t: $(grep 'not found' <<<"$ldd_out")"; fi
  while read -r lib; do libs[$lib]=1; done < <(awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' <<<"$ldd_out")
done
for lib in "${!libs[@]}"; do
  case $lib in
  */ld-linux-x86-64.so.2) cp -L "$lib" "$rd/lib64/ld-linux-x86-64.so.2" ;;
  *) cp -L "$lib" "$rd/lib/x86_64-linux-gnu/" ;;
  esac
done

# Kernel modules for the drives, with what modules.dep says they need, loaded in dependency
# order (/modules.txt). crc-t10dif and crc64-rocksoft only softdep on their crypto
# implementations (by algorithm name), so the generic ones are named here. Bookworm's
# modules are not compressed (CONFIG_MODULE_COMPRESS_NONE=y); .ko.xz/.ko.zst are unpacked in
# case a later kernel has them.
wanted=(crct10dif_generic crc64_rocksoft_generic scsi_mod sd_mod sg libata libahci ahci
  nvme_core nvme usbcore xhci_hcd xhci_pci usb_storage uas virtio virtio_ring virtio_pci
  virtio_scsi virtio_blk)
declare -A modpath=() moddeps=() loaded=()
norm() {
  local n=${1##*/}
  n=${n%%.ko*}
  echo "${n//-/_}"
}
while IFS=: read -r m deps; do
  n=$(norm "$m")
  modpath[$n]=$m
  moddeps[$n]=$deps
done <"$moddir/modules.dep"
order=()
add_module() {
  local n=$1 d
  [ -n "${loaded[$n]:-}" ] && return 0
  loaded[$n]=1
  if [ -z "${modpath[$n]:-}" ]; then
    grep -q "/${n}.ko" <(sed 's/-/_/g' "$moddir/modules.builtin") && return 0
    die "kernel module $n is neither in modules.dep nor built in"
  fi
  for d in ${moddeps[$n]}; do add_module "$(norm "$d")"; done
  order+=("$n")
}
for m in "${wanted[@]}"; do add_module "$m"; done
: >"$rd/modules.txt"
for n in "${order[@]}"; do
  src=$moddir/${modpath[$n]}
  case $src in
  *.ko) cp "$src" "$rd/lib/modules/$n.ko" ;;
  *.ko.xz) "$busybox" xz -dc "$src" >"$rd/lib/modules/$n.ko" ;;
  *.ko.zst) zstd -qdc "$src" >"$rd/lib/modules/$n.ko" ;;
  *) die "unknown module file $src" ;;
  esac
  echo "$n" >>"$rd/modules.txt"
done

(cd "$rd" && find . | "$busybox" cpio -o -H newc 2>/dev/null) | gzip -1 >"$work/initramfs.gz"
say "initramfs $(($(stat -c %s "$work/initramfs.gz") / 1024)) KiB, ${#order[@]} modules, ${#libs[@]} libraries"

# --- 6. boot ----------------------------------------------------------------------------------
log=$out/console.log
say "booting (TCG; console log in $log)"
qemu_cmd=(qemu-system-x86_64 -machine q35 -accel tcg -cpu "${MEDIASAN_VM_CPU:-max}" -smp 2 -m 1024
  -nodefaults -display none -serial stdio -no-reboot
  -kernel "$kdir/boot/vmlinuz-$kver" -initrd "$work/initramfs.gz"
  -append "console=ttyS0 quiet panic=-1"
  -device qemu-xhci,id=xhci
  -qmp "unix:$qmp,server=on,wait=off"
  "${qemu_drives[@]}")
echo "${qemu_cmd[*]}" | sed "s|$work|\$WORK|g" >"$out/qemu-cmdline.txt"
boot_started=$SECONDS
set +e
# sed -u, not tr: the lines must reach the loop below as they come (the guest waits for
# the host to plug a drive in), and tr would hold them in a 4 KiB buffer.
timeout -k 10 "$timeout_s" "${qemu_cmd[@]}" </dev/null 2>&1 | sed -u 's/\r$//' | tee "$log" |
  while IFS= read -r line; do
    case $line in
    VMCHECK\ * | VMINFO\ * | VMDONE*) echo "$line" ;;
    VMHOTPLUG-ADD\ * | VMHOTPLUG-DEL\ *)
      read -r verb name _ <<<"$line"
      action=$(echo "${verb#VMHOTPLUG-}" | tr A-Z a-z)
      if qmp "$action" "$name" >"$work/qmp.log" 2>&1; then
        echo "VMINFO $name: $action done"
      else
        echo "VMINFO $name: $action failed: $(cat "$work/qmp.log")"
      fi ;;
    esac
  done
qemu_rc=${PIPESTATUS[0]}
set -e
boot_time=$((SECONDS - boot_started))

# --- 7. host-side checks: the images themselves -----------------------------------------------
# What the guest read back could in principle come from a cache; the image files cannot.
host_checks=$work/host-checks.txt
: >"$host_checks"
while read -r kind serial vendor model size ro usbserial; do
  case $kind in '' | '#'*) continue ;; esac
  img=$work/$kind.img
  actual=$(stat -c %s "$img")
  if [ "$ro" = 1 ]; then
    n=$(grep -ac "MEDIASAN-VM-MARKER:$serial" "$img" || true)
    if [ "$actual" = "$size" ] && [ "$n" -ge 1 ]; then
      echo "VMCHECK host.$kind.untouched ok"
    else
      echo "VMCHECK host.$kind.untouched fail size $actual, markers left $n"
    fi
  elif cmp -s -n "$size" "$img" /dev/zero && [ "$actual" = "$size" ]; then
    echo "VMCHECK host.$kind.image-zero ok"
  else
    first=$(cmp -n "$size" "$img" /dev/zero 2>&1 | head -n 1 || true)
    echo "VMCHECK host.$kind.image-zero fail size $actual; $first"
  fi
done <"$drives" >"$host_checks"
# The hot-plugged drive the watch wiped whole: every marker gone from its image.
if cmp -s -n "$((40 * MiB))" "$work/hp1.img" /dev/zero; then
  echo "VMCHECK host.hotplug.image-zero ok"
else
  echo "VMCHECK host.hotplug.image-zero fail markers left $(grep -ac 'MEDIASAN-VM-MARKER' "$work/hp1.img" || true)"
fi >>"$host_checks"
# What `mediasan scan --json` said in the guest, field by field against the drive table.
if command -v python3 >/dev/null; then
  python3 "$root/tests/vm/scan_check.py" "$log" "$drives" >>"$host_checks" ||
    echo "VMCHECK host.scan fail scan_check.py exited $?" >>"$host_checks"
else
  echo "VMCHECK host.scan fail python3 is not installed" >>"$host_checks"
fi
cat "$host_checks"

# --- 8. captures ------------------------------------------------------------------------------
# Between `VMFIXTURE-BEGIN name bytes` and `VMFIXTURE-END name sha256`: hex, 16 bytes a line.
# Each one is checked against its length and digest and written as target/vm/sense/name.hex.
sense_out=$out/sense
rm -rf "$sense_out" && mkdir -p "$sense_out"
{
  echo "# Captured by tests/vm/run.sh (tests/vm/guest/captures.sh); one line per fact, NAME<TAB>TEXT."
  echo "# host QEMU: $qemu_version"
  echo "# guest kernel: $kpackage"
  echo "# guest tools: $(paste -sd, "$tdir/.packages" | sed 's/,/, /g')"
  echo "# QEMU command line: $(cat "$out/qemu-cmdline.txt")"
} >"$sense_out/header.txt"
capture_errors=$(perl -e '
  my ($log, $dir) = @ARGV;
  open my $in, "<", $log or die "$log: $!";
  my ($name, $len, @hex, %meta);
  while (<$in>) {
    chomp;
    if (/^VMFIXTURE-BEGIN (\S+) (\d+)$/) { ($name, $len, @hex) = ($1, $2); next }
    if (/^VMFIXTURE-META (\S+) (.*)$/) { push @{$meta{$1}}, $2; next }
    next unless defined $name;
    if (/^VMFIXTURE-END (\S+) ([0-9a-f]{64})$/) {
      my $bin = pack "H*", join "", map { s/ //gr } @hex;
      if ($1 ne $name) { print "$name: ended as $1\n" }
      elsif (length($bin) != $len) { print "$name: " . length($bin) . " bytes, expected $len\n" }
      else {
        open my $o, ">", "$dir/$name.hex" or die; print $o "$_\n" for @hex; close $o;
        open my $b, ">:raw", "$dir/$name.bin" or die; print $b $bin; close $b;
        open my $s, ">", "$dir/$name.sha256" or die; print $s "$2  $dir/$name.bin\n"; close $s;
      }
      undef $name;
      next;
    }
    if (/^(?:[0-9a-f]{2} ){0,15}[0-9a-f]{2}$/) { push @hex, $_ } else { print "$name: stray line: $_\n"; undef $name }
  }
  open my $m, ">", "$dir/captures.txt" or die;
  open my $h, "<", "$dir/header.txt" or die;
  print $m $_ while <$h>;
  for my $k (sort keys %meta) { print $m "$k\t$_\n" for @{$meta{$k}} }
' "$log" "$sense_out")
rm -f "$sense_out/header.txt"
# The digest the guest printed, against the bytes rebuilt from the hex.
for sum in "$sense_out"/*.sha256; do
  [ -f "$sum" ] || continue
  sha256sum -c --status "$sum" || capture_errors+="${capture_errors:+;}$(basename "$sum" .sha256): sha256 mismatch"
  rm -f "$sum" "${sum%.sha256}.bin"
done
if [ -n "$capture_errors" ]; then
  echo "VMCHECK host.captures fail $(echo "$capture_errors" | paste -sd';')"
else
  echo "VMCHECK host.captures ok"
fi >>"$host_checks"
tail -n 1 "$host_checks"
ncaptures=$(find "$sense_out" -name '*.hex' | wc -l)
say "$ncaptures captures in $sense_out"
if [ "${MEDIASAN_VM_UPDATE_FIXTURES:-}" = 1 ] && [ -z "$capture_errors" ]; then
  mkdir -p "$root/fixtures/sense"
  cp "$sense_out"/*.hex "$sense_out/captures.txt" "$root/fixtures/sense/"
  say "fixtures/sense/ updated"
elif [ -d "$root/fixtures/sense" ]; then
  differ=()
  for f in "$sense_out"/*.hex; do
    [ -f "$f" ] || continue
    cmp -s "$f" "$root/fixtures/sense/${f##*/}" || differ+=("${f##*/}")
  done
  [ ${#differ[@]} -eq 0 ] || say "captures that differ from fixtures/sense/: ${differ[*]}"
fi

# --- 9. verdict -------------------------------------------------------------------------------
passed=$(cat "$log" "$host_checks" | grep -ac '^VMCHECK [^ ]* ok' || true)
failed=$(cat "$log" "$host_checks" | grep -ac '^VMCHECK [^ ]* fail' || true)
problem=
if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
  problem="QEMU timed out after ${timeout_s}s"
elif ! grep -aq '^VMDONE' "$log"; then
  problem="the guest never printed VMDONE (QEMU exit $qemu_rc)"
elif [ "$qemu_rc" != 0 ]; then
  problem="QEMU exited with $qemu_rc"
fi
say "guest ran ${boot_time}s, whole run $((SECONDS - started))s"
if [ -n "$problem" ] || [ "$failed" != 0 ]; then
  echo "--- last 40 lines of $log ---"
  grep -av '^VMDMESG ' "$log" | tail -n 40
  echo "---"
fi
[ -z "$problem" ] || echo "vm: error: $problem"
echo "vm: $passed passed, $failed failed"
[ -z "$problem" ] && [ "$failed" = 0 ]
