#!/usr/bin/env bash
# Build keyvault_<version>_<arch>.deb from the one-folder bundle of build-linux.sh.
#
#   packaging/build-linux.sh && packaging/build-deb.sh      # -> build/packaging/keyvault_*.deb
#   KEYVAULT_BUILD_DIR=/tmp/kv packaging/build-deb.sh
#
# Layout: the bundle in /opt/keyvault, `keyvault` and `keyvault-gui` on PATH (/usr/bin, small
# wrappers that exec the bundle), the .desktop entry and the hicolor icons under /usr/share.
# The menu and icon caches are refreshed by the triggers of desktop-file-utils and
# hicolor-icon-theme, so the package needs no maintainer scripts and `apt remove` leaves
# nothing behind. Depends lists the system libraries the bundle does not carry (keyvault.spec
# leaves them out, test-deb.sh checks): those of Qt's xcb platform plugin
# (keyvault_gui/xcb_check.py has the same list) and of Qt itself. Each name exists on Debian 12
# and Ubuntu 24.04 (there glib is libglib2.0-0t64, hence the alternative).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${KEYVAULT_BUILD_DIR:-$ROOT/build/packaging}"
BUNDLE="$BUILD/dist/keyvault"
say() { printf 'build-deb: %s\n' "$*"; }
fail() { printf 'build-deb: FAIL: %s\n' "$*" >&2; exit 1; }

[ -x "$BUNDLE/keyvault" ] || fail "no bundle in $BUNDLE: run packaging/build-linux.sh first"
[ -x "$BUNDLE/keyvault-gui" ] || fail "the bundle has no keyvault-gui (built with KEYVAULT_BUNDLE_GUI=0?)"
VERSION="$("$BUNDLE/keyvault" --version | sed -n 's/^keyvault, version //p')"
[ -n "$VERSION" ] || fail "cannot read the bundle's version"
ARCH="$(dpkg --print-architecture)"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 315532800)}"

STAGE="$BUILD/deb/keyvault_${VERSION}_${ARCH}"
rm -rf "$STAGE"
mkdir -p "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin"
# The bundle only; share/ (laid out by build-linux.sh for a user install) goes to /usr/share.
cp -a "$BUNDLE" "$STAGE/opt/keyvault"
rm -rf "$STAGE/opt/keyvault/share"
for exe in keyvault keyvault-gui; do
    printf '#!/bin/sh\nexec /opt/keyvault/%s "$@"\n' "$exe" >"$STAGE/usr/bin/$exe"
    chmod 755 "$STAGE/usr/bin/$exe"
done
install -Dm644 "$ROOT/packaging/keyvault.desktop" "$STAGE/usr/share/applications/keyvault.desktop"
install -Dm644 "$ROOT/packaging/keyvault.svg" "$STAGE/usr/share/icons/hicolor/scalable/apps/keyvault.svg"
install -Dm644 "$ROOT/packaging/keyvault.png" "$STAGE/usr/share/icons/hicolor/256x256/apps/keyvault.png"
chmod -R u+rwX,go+rX,go-w "$STAGE"

SIZE_KB=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
cat >"$STAGE/DEBIAN/control" <<CONTROL
Package: keyvault
Version: $VERSION
Architecture: $ARCH
Maintainer: keyvault maintainers <keyvault@localhost>
Installed-Size: $SIZE_KB
Section: utils
Priority: optional
Depends: libc6 (>= 2.28), libgl1, libegl1, libfontconfig1, libfreetype6, libdbus-1-3,
 libglib2.0-0 | libglib2.0-0t64, libx11-6, libx11-xcb1, libxkbcommon0, libxkbcommon-x11-0,
 libxcb1, libxcb-cursor0, libxcb-icccm4, libxcb-image0, libxcb-keysyms1, libxcb-randr0,
 libxcb-render0, libxcb-render-util0, libxcb-shape0, libxcb-shm0, libxcb-sync1,
 libxcb-util1, libxcb-xfixes0, libxcb-xkb1
Recommends: poppler-utils, zbar-tools, age
Description: keep cryptocurrency keys from being lost
 Seed phrases (BIP39, SLIP-39, SeedQR), age-encrypted backups under the 3-2-1
 rule to drives, NAS folders and Backblaze B2, and paper recovery kits an heir
 can follow. Command line (keyvault) and desktop app (keyvault-gui).
CONTROL

COMP=gzip
dpkg-deb --help 2>/dev/null | grep -q zstd && COMP=zstd
DEB="$BUILD/keyvault_${VERSION}_${ARCH}.deb"
t0=$(date +%s)
dpkg-deb --root-owner-group -Z"$COMP" --build "$STAGE" "$DEB" >/dev/null
rm -rf "$STAGE"
say "built $DEB ($(du -m "$DEB" | cut -f1) MiB, $COMP, $(( $(date +%s) - t0 )) s)"
