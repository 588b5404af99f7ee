#!/bin/sh
# CI's check of packaging/dist.sh: the vendored tarball builds with an empty CARGO_HOME and
# --offline (dist.sh does that build and packages it), the digests hold, and the .deb holds
# what it should with the right modes. PROFILE=dev keeps it quick.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
x=$(mktemp -d)
trap 'rm -rf "$out" "$x"' EXIT
fail() { echo "packaging: $*" >&2; exit 1; }
if ! PROFILE=${PROFILE:-dev} OUT=$out sh "$root/packaging/dist.sh" >"$x/dist.log" 2>&1; then
  tail -n 40 "$x/dist.log" >&2
  fail "packaging/dist.sh failed (its last lines above)"
fi
(cd "$out" && sha256sum -c --quiet SHA256SUMS) || fail "SHA256SUMS does not match the artefacts"
tarball=$(ls "$out"/*-vendored.tar.gz)
list=$(tar -tzf "$tarball")
for f in .cargo/config.toml Cargo.lock src/main.rs vendor/; do
  echo "$list" | grep -q "^mediasan-[^/]*/$f" || fail "the tarball lacks $f"
done
echo "$list" | grep -q '^mediasan-[^/]*/vendor/rusqlite-' || fail "the tarball vendors no rusqlite"
deb=$(ls "$out"/*.deb)
[ "$(dpkg-deb -f "$deb" Package)" = mediasan ] || fail "the package is not named mediasan"
dpkg-deb -x "$deb" "$x/root"
dpkg-deb -e "$deb" "$x/control"
grep -qx /etc/mediasan/config.toml "$x/control/conffiles" || fail "the configuration is not a conffile"
[ "$(stat -c %a "$x/root/var/lib/mediasan")" = 700 ] || fail "/var/lib/mediasan is not 0700"
[ "$(stat -c %U "$x/root/var/lib/mediasan")" = root ] || fail "/var/lib/mediasan is not root's"
for f in usr/bin/mediasan usr/share/man/man1/mediasan.1.gz usr/share/man/man1/mediasan-wipe.1.gz \
  usr/share/bash-completion/completions/mediasan usr/share/zsh/vendor-completions/_mediasan \
  usr/share/fish/vendor_completions.d/mediasan.fish etc/mediasan/config.toml \
  usr/share/doc/mediasan/README.md usr/share/doc/mediasan/LXGWWenKai.copyright; do
  [ -s "$x/root/$f" ] || fail "the package lacks $f"
done
cmp -s "$x/root/etc/mediasan/config.toml" "$root/assets/config.toml" || fail "the packaged configuration is not assets/config.toml"
# The packaged binary runs, with the packaged configuration (every key commented: valid).
MEDIASAN_CONFIG="$x/root/etc/mediasan/config.toml" "$x/root/usr/bin/mediasan" config show >/dev/null ||
  fail "the packaged binary does not run with the packaged configuration"
zcat "$x/root/usr/share/man/man1/mediasan-wipe.1.gz" | grep -q '^\.TH' || fail "the man page is not one"
# Its messages are inside it (the tree it was built from is gone): a Chinese hint.
"$x/root/usr/bin/mediasan" --lang zh config show --config /nonexistent/config.toml 2>&1 | grep -q '提示' ||
  fail "the packaged binary has no messages of its own"
echo "packaging: $(basename "$tarball") ($(du -h "$tarball" | cut -f1)) builds offline; $(basename "$deb") ($(du -h "$deb" | cut -f1)) holds the binary, $(ls "$x/root/usr/share/man/man1" | wc -l) man pages, completions, the configuration and /var/lib/mediasan 0700"
