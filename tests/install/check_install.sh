#!/usr/bin/env bash
# MoEScope as a desktop application (issue #30, point 12): `cmake --install` puts the three programs, the
# datasets, the icon, the .desktop entry, the MIME type and the AppStream metainfo where freedesktop
# looks; each is valid by its own validator; the installed programs run; and CPack's .deb holds the same
# files and its `moescope` runs. Usage: check_install.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "check_install: $*" >&2; exit 1; }

prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
id=org.moescope.MoEScope
for f in bin/moescope bin/moescope-cli bin/moescope-train \
         share/applications/$id.desktop share/metainfo/$id.metainfo.xml share/mime/packages/$id.xml \
         share/icons/hicolor/scalable/apps/$id.svg share/icons/hicolor/48x48/apps/$id.png \
         share/icons/hicolor/256x256/apps/$id.png \
         share/moescope/datasets/sample_sweep.csv share/moescope/datasets/LICENSES.md; do
  [ -s "$prefix/$f" ] || fail "not installed: $f"
done
# A PNG of the size its folder names (bytes 16-23 of a PNG are its width and height).
size=$(od -An -tu1 -j16 -N8 "$prefix/share/icons/hicolor/48x48/apps/$id.png" | tr -s ' ' | xargs)
[ "$size" = "0 0 0 48 0 0 0 48" ] || fail "48x48 icon is not 48x48 ($size)"

desktop-file-validate "$prefix/share/applications/$id.desktop" || fail "the .desktop entry is invalid"
grep -q "^Icon=$id$" "$prefix/share/applications/$id.desktop" || fail ".desktop names another icon"
appstreamcli validate --no-net "$prefix/share/metainfo/$id.metainfo.xml" >/dev/null ||
  fail "the AppStream metainfo is invalid"
# The MIME database built from the package's XML maps *.moescope to the workspace type.
update-mime-database "$prefix/share/mime" >/dev/null 2>&1 || fail "update-mime-database refused the MIME XML"
grep -q "application/x-moescope-workspace:\*\.moescope" "$prefix/share/mime/globs2" ||
  fail "*.moescope is not application/x-moescope-workspace"

# The installed programs run, and the CLI answers from the installed sample sweep.
"$prefix/bin/moescope-cli" predict "$prefix/share/moescope/datasets/sample_sweep.csv" --budget 1e21 \
  --bootstrap 10 >"$work/predict.txt" 2>"$work/predict.err" || fail "the installed moescope-cli failed"
grep -q "^C = 1e+21" "$work/predict.txt" || fail "the installed moescope-cli gave no answer"
QT_QPA_PLATFORM=offscreen "$prefix/bin/moescope" --help >/dev/null 2>&1 || fail "the installed moescope failed"
"$prefix/bin/moescope-train" --help >/dev/null 2>&1 || fail "the installed moescope-train failed"

# The Debian package: the same files under /usr, and its moescope runs from the unpacked tree.
(cd "$build" && cpack -G DEB -B "$work/package" >/dev/null) || fail "cpack failed"
deb=$(ls "$work"/package/moescope_*.deb)
dpkg-deb -c "$deb" >"$work/contents.txt"
grep -q "\./usr/share/applications/$id.desktop" "$work/contents.txt" || fail "the .deb lacks the .desktop entry"
grep -q "\./usr/bin/moescope-train" "$work/contents.txt" || fail "the .deb lacks moescope-train"
dpkg-deb -f "$deb" Depends >"$work/depends.txt"
grep -q "libqt6widgets6" "$work/depends.txt" || fail "the .deb does not depend on Qt"
dpkg-deb -x "$deb" "$work/unpacked"
QT_QPA_PLATFORM=offscreen "$work/unpacked/usr/bin/moescope" --help >/dev/null 2>&1 ||
  fail "the packaged moescope failed"
echo "check_install: installed, validated and packaged ($(basename "$deb"))"
