#!/usr/bin/env bash
# bench/batch.sh [SIZE_MIB] — a batch of 1, 2 and 4 loop devices: `mediasan batch run`
# beside one GNU shred per device (all at once) and one nwipe with all the devices, over
# tmpfs files and over disk files (loops with direct I/O). Prints the aggregate MB/s of
# each, the ratios, and mediasan's peak RSS. One random pass, no verification, everywhere.
# Needs root; installs nwipe and GNU time from Debian if missing. Default 256 MiB a device.
set -euo pipefail

SIZE_MIB=${1:-256}
BYTES=$((SIZE_MIB << 20))
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "bench/batch.sh: needs root (losetup, mount)" >&2; exit 2; }
need=()
command -v nwipe >/dev/null || need+=(nwipe)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
. bench/scratch.sh
scratch batch-bench $((4 * SIZE_MIB + 64))

# A scratch register: an approver, an operator, a carrier per image, each approved.
export MEDIASAN_REGISTER=$WORK/register.db MEDIASAN_INDEX=$WORK/registers MEDIASAN_CHECKPOINTS=$WORK/cp
"$MS" key new --name approver --out "$WORK/approver" >/dev/null
"$MS" key new --name operator --out "$WORK/operator" >/dev/null
"$MS" register init --org bench --name A --key "$WORK/approver.pub" --signed-by "$WORK/approver" >/dev/null
"$MS" person add --name O --id op --role operator --key "$WORK/operator.pub" --signed-by "$WORK/approver" >/dev/null

declare -A IMG CARRIER DEV
for where in tmpfs disk; do
  for i in 1 2 3 4; do
    if [ $where = tmpfs ]; then
      img=$TMPFS/img$i
      dd if=/dev/zero of="$img" bs=1M count="$SIZE_MIB" status=none
      dev=$(losetup --sector-size 4096 -f --show "$img")
    else
      img=$WORK/disk$i.img
      fallocate -l "$BYTES" "$img"
      dev=$(losetup --direct-io=on --sector-size 4096 -f --show "$img")
    fi
    LOOPS+=("$dev")
    c=$("$MS" carrier add --kind hdd --serial "$img" --classification internal --custodian op \
      --key "$WORK/operator" | grep -o 'C-[0-9-]*' | head -1)
    "$MS" approve "$c" --key "$WORK/approver" >/dev/null
    IMG[$where$i]=$img CARRIER[$where$i]=$c DEV[$where$i]=$dev
  done
done

declare -A RATE
now() { date +%s%N; }
# record KEY N T0 T1: aggregate MB/s of N devices written once between T0 and T1.
record() {
  RATE[$1]=$(($2 * BYTES * 1000 / ($4 - $3)))
  printf '  %-36s %6d MB/s\n' "$1" "${RATE[$1]}"
}
ratio() {
  awk -v a="${RATE[$1]:-0}" -v b="${RATE[$2]:-0}" 'BEGIN { if (b == 0) print "n/a"; else printf "%.2f", a / b }'
}

for where in tmpfs disk; do
  for n in 1 2 4; do
    echo "$where, $n device(s) of $SIZE_MIB MiB:"
    devs=() manifest=$WORK/m.csv serials=$WORK/s.txt
    echo "device,carrier,method,verify" >"$manifest"
    : >"$serials"
    for i in $(seq 1 "$n"); do
      devs+=("${DEV[$where$i]}")
      echo "${DEV[$where$i]},${CARRIER[$where$i]},random,none" >>"$manifest"
      echo "${IMG[$where$i]}" >>"$serials"
    done
    t0=$(now)
    /usr/bin/time -f '%M' -o "$WORK/rss" "$MS" batch run "$manifest" --parallel "$n" --confirm-serials "$serials" \
      --cert-dir "$WORK/certs" --key "$WORK/operator" >/dev/null 2>&1 || echo "  (batch run failed)"
    t1=$(now)
    record "$where mediasan batch x$n" "$n" "$t0" "$t1"
    printf '  %-36s %6d MiB\n' "mediasan peak RSS" "$(($(cat "$WORK/rss") / 1024))"
    # Carriers wiped are approved again for the next round.
    for i in $(seq 1 "$n"); do "$MS" approve "${CARRIER[$where$i]}" --key "$WORK/approver" >/dev/null; done
    t0=$(now)
    for d in "${devs[@]}"; do shred -n1 "$d" & done
    wait
    t1=$(now)
    record "$where shred -n1 x$n (one each)" "$n" "$t0" "$t1"
    t0=$(now)
    nwipe --autonuke --nogui --nowait --noblank --verify=off --method=random --prng=isaac64 \
      --logfile=/dev/null "${devs[@]}" >/dev/null 2>&1 || true
    t1=$(now)
    record "$where nwipe x$n (one nwipe)" "$n" "$t0" "$t1"
  done
done

echo
echo "ratios (mediasan batch / peers, aggregate MB/s):"
for where in tmpfs disk; do
  for n in 1 2 4; do
    printf '  %-6s x%d  / shred %s   / nwipe %s   scaling vs x1 %s\n' "$where" "$n" \
      "$(ratio "$where mediasan batch x$n" "$where shred -n1 x$n (one each)")" \
      "$(ratio "$where mediasan batch x$n" "$where nwipe x$n (one nwipe)")" \
      "$(ratio "$where mediasan batch x$n" "$where mediasan batch x1")"
  done
done
