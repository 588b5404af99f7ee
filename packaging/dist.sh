#!/bin/sh
# Makes what a standalone (offline, classified) machine needs to build or install mediasan:
#   dist/mediasan-VERSION-vendored.tar.gz  the source with every dependency vendored and a
#                                          .cargo/config.toml that uses them: builds with
#                                          `cargo build --release --offline --locked`
#   dist/mediasan_VERSION_ARCH.deb         the binary, man pages, completions (bash, zsh,
#                                          fish), /etc/mediasan/config.toml (a conffile,
#                                          every key commented) and /var/lib/mediasan (0700)
#   dist/SHA256SUMS                        their digests, to carry on paper or a second medium
# The tarball is built again from itself with an empty CARGO_HOME and --offline (no
# registry, no network can be reached) and that build is the one packaged: what is
# shipped is proven to build offline.
#
# Needs: cargo (with a registry or its cache, for `cargo vendor`), git, dpkg-deb, gzip.
# PROFILE=dev makes a quick unoptimised build (CI); the default is release. OUT=DIR.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$root/dist}
profile=${PROFILE:-release}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1)
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
name=mediasan-$version

# 1. The source as committed (HEAD), its dependencies vendored.
git -C "$root" archive --format=tar --prefix="$name/" HEAD | tar -x -C "$work"
(cd "$work/$name" && cargo vendor --locked --versioned-dirs vendor >"$work/vendor.toml")
mkdir -p "$work/$name/.cargo"
cat >"$work/$name/.cargo/config.toml" <<'TOML'
# Every dependency comes from vendor/: this tree builds with no registry and no network.
[source.crates-io]
replace-with = "vendored-sources"

[source.vendored-sources]
directory = "vendor"

[net]
offline = true
TOML
# Reproducible archive: sorted names, one owner, the commit's time.
stamp=$(git -C "$root" log -1 --format=%ct)
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$stamp" -C "$work" -cf - "$name" |
  gzip -n -9 >"$out/$name-vendored.tar.gz"

# 2. Built from the tarball alone: an empty CARGO_HOME holds no registry, and --offline
# forbids the network.
mkdir -p "$work/build" "$work/cargo-home"
tar -xzf "$out/$name-vendored.tar.gz" -C "$work/build"
(cd "$work/build/$name" && CARGO_HOME="$work/cargo-home" CARGO_TARGET_DIR="$work/target" \
  cargo build --offline --locked --profile "$profile" --bin mediasan)
dir=$profile
[ "$profile" = dev ] && dir=debug
bin=$work/target/$dir/mediasan
"$bin" --version >/dev/null

# 3. The package tree.
pkg=$work/pkg
install -D -m 0755 "$bin" "$pkg/usr/bin/mediasan"
[ "$profile" = dev ] || strip "$pkg/usr/bin/mediasan"
MEDIASAN_CONFIG=/dev/null "$bin" generate man --dir "$work/man" >/dev/null
install -d "$pkg/usr/share/man/man1"
for m in "$work"/man/*.1; do gzip -n -9 -c "$m" >"$pkg/usr/share/man/man1/$(basename "$m").gz"; done
install -d "$pkg/usr/share/bash-completion/completions" "$pkg/usr/share/zsh/vendor-completions" \
  "$pkg/usr/share/fish/vendor_completions.d"
MEDIASAN_CONFIG=/dev/null "$bin" generate completions bash >"$pkg/usr/share/bash-completion/completions/mediasan"
MEDIASAN_CONFIG=/dev/null "$bin" generate completions zsh >"$pkg/usr/share/zsh/vendor-completions/_mediasan"
MEDIASAN_CONFIG=/dev/null "$bin" generate completions fish >"$pkg/usr/share/fish/vendor_completions.d/mediasan.fish"
install -D -m 0644 "$root/assets/config.toml" "$pkg/etc/mediasan/config.toml"
# The register, checkpoints and index live here: root's eyes only.
install -d -m 0700 "$pkg/var/lib/mediasan"
install -D -m 0644 "$root/README.md" "$pkg/usr/share/doc/mediasan/README.md"
install -m 0644 "$root/assets/README.md" "$pkg/usr/share/doc/mediasan/ASSETS.md"
install -m 0644 "$root/assets/fonts/LXGWWenKai.copyright" "$pkg/usr/share/doc/mediasan/LXGWWenKai.copyright"
for d in "$root"/docs/*.md; do install -m 0644 "$d" "$pkg/usr/share/doc/mediasan/"; done
install -d "$pkg/DEBIAN"
size=$(du -sk "$pkg" | cut -f1)
cat >"$pkg/DEBIAN/control" <<CONTROL
Package: mediasan
Version: $version
Architecture: $arch
Maintainer: mediasan developers <mediasan@localhost>
Installed-Size: $size
Depends: libc6
Recommends: util-linux, openssh-client
Section: admin
Priority: optional
Homepage: https://localhost/mediasan
Description: secure media sanitisation with certificates and a register
 Overwrites or firmware-erases block devices and files, verifies by readback past the
 caches, signs certificates that a supervisor co-signs (verifiable with ssh-keygen -Y
 verify), and keeps a signed, hash-chained register of classified carriers.
CONTROL
echo /etc/mediasan/config.toml >"$pkg/DEBIAN/conffiles"
dpkg-deb --root-owner-group -Zgzip --build "$pkg" "$out/mediasan_${version}_$arch.deb" >/dev/null

# 4. The digests.
(cd "$out" && sha256sum "$name-vendored.tar.gz" "mediasan_${version}_$arch.deb" >SHA256SUMS)
cat "$out/SHA256SUMS"
