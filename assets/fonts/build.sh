#!/bin/sh
# Builds assets/fonts/mediasan-cert.ttf, the font `cert render` and `demo` embed when no
# --font is given: a subset of LXGW WenKai Regular (SIL Open Font License 1.1) from Debian's
# fonts-lxgw-wenkai 1.250+repack-1, with
#   - printable ASCII and Latin-1 (the English labels, names, paths, digests),
#   - the punctuation, symbols and full-width forms of GB 2312 rows 1-9,
#   - every hanzi of GB 2312 level 1 (rows 16-55, the 3755 common characters),
#   - every other character that appears in mediasan's sources (the certificate's labels).
# The subset is a Modified Version under the OFL, and "LXGW" is a Reserved Font Name: the
# subset is renamed "Mediasan Cert" (copyright and licence records kept).
# Repeatable: the same inputs give the same file (fontTools' subsetter, no timestamps kept).
# Needs: apt-get install fonts-lxgw-wenkai python3-fonttools
# MEDIASAN_FONT_OUT=FILE writes the font there instead (CI compares it with the committed one).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${MEDIASAN_FONT_OUT:-$here/mediasan-cert.ttf}
src=/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf
[ -f "$src" ] || { echo "build.sh: $src missing: apt-get install fonts-lxgw-wenkai" >&2; exit 1; }
chars=$(mktemp)
trap 'rm -f "$chars"' EXIT
/usr/bin/python3 - "$root" >"$chars" <<'PY'
import pathlib, sys
root = pathlib.Path(sys.argv[1])
out = set(chr(c) for c in range(0x20, 0x7f)) | set(chr(c) for c in range(0xa0, 0x100))
def gb(rows):
    for hi in rows:
        for lo in range(0xa1, 0xff):
            try:
                out.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
gb(range(0xa1, 0xaa))   # rows 1-9: punctuation, symbols, full-width forms
gb(range(0xb0, 0xd8))   # rows 16-55: level 1 hanzi
for p in sorted(root.glob("src/**/*.rs")):
    out.update(c for c in p.read_text(encoding="utf-8") if ord(c) >= 0x80 and c.isprintable())
print("".join(sorted(out)))
PY
/usr/bin/python3 -m fontTools.subset "$src" --text-file="$chars" \
  --output-file="$out" --layout-features='*' --name-IDs='*' --name-legacy \
  --no-hinting --desubroutinize --drop-tables+=DSIG
/usr/bin/python3 - "$out" <<'PY'
import sys
from fontTools.ttLib import TTFont
path = sys.argv[1]
f = TTFont(path, recalcTimestamp=False)
names = {1: "Mediasan Cert", 2: "Regular", 3: "Mediasan Cert Regular (subset of LXGW WenKai 1.250)",
         4: "Mediasan Cert Regular", 6: "MediasanCert-Regular", 16: "Mediasan Cert", 17: "Regular"}
table = f["name"]
table.names = [n for n in table.names if n.nameID not in names and n.nameID not in (18, 21, 22, 25)]
for i, text in names.items():
    table.setName(text, i, 3, 1, 0x409)
    table.setName(text, i, 1, 0, 0)
f.save(path)
PY
[ -n "${MEDIASAN_FONT_OUT:-}" ] || cp /usr/share/doc/fonts-lxgw-wenkai/copyright "$here/LXGWWenKai.copyright"
sha256sum "$out"
