#!/usr/bin/env bash
# bench/peers.sh [SIZE_MIB] — mediasan beside GNU shred, nwipe, dd and fio on
# the same loop devices, one run, printing MB/s and the ratios of issues #2 and #3.
#
#   tmpfs loop: a loop device over a file on a tmpfs (CPU-bound: no disk)
#   disk loop:  a loop over a file on the disk with --direct-io=on (the device's limit)
#
# Both loops use 4096-byte sectors (nwipe is very slow on 512-byte ones).
# Needs root. Installs nwipe and fio from Debian if missing. Default size 1024 MiB.
set -euo pipefail

SIZE_MIB=${1:-1024}
BYTES=$((SIZE_MIB << 20))
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "bench/peers.sh: needs root (losetup, mount)" >&2; exit 2; }
for tool in nwipe fio; do
  command -v "$tool" >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nwipe fio >/dev/null; break; }
done
. bench/scratch.sh
scratch bench $((SIZE_MIB + 64))
dd if=/dev/zero of="$TMPFS/img" bs=1M count="$SIZE_MIB" status=none
TLOOP=$(losetup --sector-size 4096 -f --show "$TMPFS/img"); LOOPS+=("$TLOOP")
fallocate -l "$BYTES" "$WORK/disk.img"
DLOOP=$(losetup --direct-io=on --sector-size 4096 -f --show "$WORK/disk.img"); LOOPS+=("$DLOOP")

declare -A RATE VER
# time_it KEY CMD...: runs CMD, records MB/s for SIZE_MIB MiB.
time_it() {
  local key=$1; shift
  sync
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null 2>&1 || { echo "  $key: command failed: $*" >&2; RATE[$key]=0; return; }
  t1=$(date +%s%N)
  RATE[$key]=$(( BYTES * 1000 / (t1 - t0) ))   # bytes/ns*1000 = MB/s
  printf '  %-34s %6d MB/s\n' "$key" "${RATE[$key]}"
}

nwipe_run() { # DEV PRNG
  nwipe --autonuke --nogui --nowait --noblank --verify=off --method=random --prng="$2" \
    --logfile=/dev/null "$1"
}

ratio() { # A B -> A/B with two decimals
  awk -v a="${RATE[$1]}" -v b="${RATE[$2]}" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'
}

for where in tmpfs disk; do
  if [ $where = tmpfs ]; then DEV=$TLOOP; BACK=$TMPFS/img; else DEV=$DLOOP; BACK=$WORK/disk.img; fi
  echo "$where loop ($DEV, ${SIZE_MIB} MiB, 4096-byte sectors):"
  time_it "$where dd zero (bs=4M oflag=direct)" dd if=/dev/zero of="$DEV" bs=4M oflag=direct count=$((SIZE_MIB / 4))
  time_it "$where fio write (4M, direct)" fio --name=w --filename="$DEV" --rw=write --bs=4M --direct=1 \
    --ioengine=psync --size="$BYTES" --output=/dev/null
  time_it "$where mediasan zero" "$MS" wipe --method zero --verify none --confirm "$BACK" "$DEV"
  time_it "$where mediasan random" "$MS" wipe --method random --verify none --confirm "$BACK" "$DEV"
  time_it "$where shred -n1" shred -n1 "$DEV"
  if [ $where = tmpfs ]; then
    for prng in twister isaac isaac64; do time_it "$where nwipe random $prng" nwipe_run "$DEV" $prng; done
  fi
  # Verification (issue #3): the wipe's own timings of the write pass and the readback.
  for mode in sample last; do
    out=$("$MS" wipe --method random --verify $mode --json --confirm "$BACK" "$DEV" | tail -1)
    w=$(echo "$out" | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; print(r["passes"][-1]["milliseconds"])')
    v=$(echo "$out" | python3 -c 'import json,sys; r=json.load(sys.stdin)["result"]; print(r["verification"]["passes"][-1]["milliseconds"])')
    VER[$where-$mode]="$w $v"
    printf '  %-34s write %5d ms, verify %5d ms (%s%%)\n' "$where mediasan random --verify $mode" "$w" "$v" \
      "$(awk -v a="$v" -v b="$w" 'BEGIN { printf "%.1f", 100 * a / b }')"
  done
  if [ $where = tmpfs ]; then
    time_it "$where nwipe random verify=last" nwipe --autonuke --nogui --nowait --noblank --verify=last \
      --method=random --prng=isaac64 --logfile=/dev/null "$DEV"
    time_it "$where mediasan random verify=last" "$MS" wipe --method random --verify last --confirm "$BACK" "$DEV"
  fi
done

best_nwipe=0
for prng in twister isaac isaac64; do
  r=${RATE["tmpfs nwipe random $prng"]:-0}
  [ "$r" -gt "$best_nwipe" ] && best_nwipe=$r
done
RATE[best_nwipe]=$best_nwipe

echo
echo "ratios (targets from issue #2):"
printf '  tmpfs random / shred -n1           %s  (target >= 3)\n' "$(ratio 'tmpfs mediasan random' 'tmpfs shred -n1')"
printf '  tmpfs random / best nwipe random   %s  (target >= 5)\n' "$(ratio 'tmpfs mediasan random' best_nwipe)"
printf '  tmpfs zero / dd                    %s  (target >= 0.9)\n' "$(ratio 'tmpfs mediasan zero' 'tmpfs dd zero (bs=4M oflag=direct)')"
printf '  disk random / dd                   %s  (target >= 0.9)\n' "$(ratio 'disk mediasan random' 'disk dd zero (bs=4M oflag=direct)')"
printf '  disk zero / dd                     %s  (target >= 0.9)\n' "$(ratio 'disk mediasan zero' 'disk dd zero (bs=4M oflag=direct)')"
printf '  tmpfs random+verify=last / nwipe random verify=last  %s\n' \
  "$(ratio 'tmpfs mediasan random verify=last' 'tmpfs nwipe random verify=last')"
echo "sampled verification at 10 % as a share of one write pass (target from issue #3: about 10-15 %):"
for where in tmpfs disk; do
  read -r w v <<<"${VER[$where-sample]}"
  printf '  %-6s %s%%\n' "$where" "$(awk -v a="$v" -v b="$w" 'BEGIN { printf "%.1f", 100 * a / b }')"
done
