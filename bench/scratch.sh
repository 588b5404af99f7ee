# Sourced by the bench scripts: `scratch NAME TMPFS_MIB` builds mediasan (release) into
# $MS and makes a scratch folder $WORK with a tmpfs of TMPFS_MIB MiB at $TMPFS; the loop
# devices a script adds to LOOPS are detached, the tmpfs unmounted and $WORK removed on exit.
scratch() {
  cargo build --release -q
  MS=$PWD/target/release/mediasan
  WORK=$(mktemp -d "/var/tmp/mediasan-$1.XXXXXX")
  TMPFS=$WORK/tmpfs
  LOOPS=()
  trap scratch_cleanup EXIT
  mkdir -p "$TMPFS"
  mount -t tmpfs -o size="$2"m tmpfs "$TMPFS"
}

scratch_cleanup() {
  for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null || true; done
  umount "$TMPFS" 2>/dev/null || true
  rm -rf "$WORK"
}
