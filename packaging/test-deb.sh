#!/usr/bin/env bash
# Install a keyvault .deb with apt, smoke-test the installed CLI and GUI, remove it, and
# check that nothing is left. Needs root, apt, Xvfb (package xvfb) and xauth.
#
#   packaging/test-deb.sh build/packaging/keyvault_*.deb
#
# The GUI runs on Qt's real X11 platform (QT_QPA_PLATFORM=xcb under Xvfb), not offscreen,
# so a missing xcb library (a Depends the package forgot) fails here.
set -euo pipefail
DEB="$(realpath "${1:?usage: test-deb.sh keyvault_VERSION_ARCH.deb}")"
say() { printf 'test-deb: %s\n' "$*"; }
fail() { printf 'test-deb: FAIL: %s\n' "$*" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
# The PATH a desktop user has: no venv, no pyenv shims that could hide the installed one.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

apt-get install -y -qq "$DEB" >/dev/null || fail "apt install $DEB"
[ "$(command -v keyvault)" = /usr/bin/keyvault ] || fail "keyvault is not on PATH"
[ "$(command -v keyvault-gui)" = /usr/bin/keyvault-gui ] || fail "keyvault-gui is not on PATH"
[ -f /usr/share/applications/keyvault.desktop ] || fail "no menu entry"
[ -f /usr/share/icons/hicolor/scalable/apps/keyvault.svg ] || fail "no icon"
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate /usr/share/applications/keyvault.desktop || fail "the .desktop entry is invalid"
fi
say "ok: installed ($(dpkg-query -W -f='${Package} ${Version}' keyvault)), on PATH, in the menu"

# The bundle carries no copy of a library the package depends on: a copy shadows the
# system's for every library loaded beside it (Debian 12's glib in the bundle stopped Qt's
# gtk3 theme plugin from loading on Ubuntu 24.04). packaging/keyvault.spec leaves them out.
for pkg in $(dpkg-query -W -f='${Depends}' keyvault | tr ',|' '\n\n' | sed 's/(.*)//; s/ //g'); do
    dpkg -L "$pkg" 2>/dev/null || true
done | grep -E '/lib[^/]*\.so\.[0-9]+$' | xargs -rn1 basename | sort -u >"$TMP/system-libs"
[ -s "$TMP/system-libs" ] || fail "no library found in the packages keyvault depends on"
shadowed="$(find /opt/keyvault -name 'lib*.so*' -printf '%f\n' | sort -u | comm -12 - "$TMP/system-libs")"
[ -z "$shadowed" ] || fail "the bundle carries its own copy of system libraries: $(echo $shadowed)"
say "ok: the bundle uses the system's copy of the $(wc -l <"$TMP/system-libs") libraries of its Depends"

# The installed CLI: version, a BIP39 vector accepted, a bad checksum refused.
export KEYVAULT_HOME="$TMP/home"
keyvault --version | grep -q "keyvault, version" || fail "keyvault --version"
GOOD="abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
BAD="abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon"
printf '%s\n' "$GOOD" | keyvault mnemonic check >/dev/null || fail "a valid phrase was rejected"
if printf '%s\n' "$BAD" | keyvault mnemonic check >/dev/null 2>&1; then fail "a bad checksum was accepted"; fi
say "ok: installed CLI"

# The installed GUI on Xvfb with the xcb platform: still running after 5 s, a window
# mapped, nothing logged.
command -v xvfb-run >/dev/null || fail "xvfb-run is needed (apt-get install xvfb xauth)"
cat >"$TMP/gui.sh" <<'GUI'
#!/bin/sh
keyvault-gui --config-dir "$1/gui-home" >"$1/gui.log" 2>&1 &
pid=$!
sleep 5
kill -0 "$pid" 2>/dev/null || { echo "exited early" >>"$1/gui.log"; exit 1; }
if command -v xwininfo >/dev/null; then
    xwininfo -root -tree | grep -q '"keyvault' || { echo "no keyvault window" >>"$1/gui.log"; kill "$pid"; exit 1; }
fi
kill -TERM "$pid"; wait "$pid" 2>/dev/null
exit 0
GUI
chmod +x "$TMP/gui.sh"
QT_QPA_PLATFORM=xcb xvfb-run -a -s "-screen 0 1280x800x24" "$TMP/gui.sh" "$TMP" \
    || { cat "$TMP/gui.log" >&2; fail "the installed GUI did not run under Xvfb (xcb)"; }
if grep -qi "traceback\|error\|could not load" "$TMP/gui.log"; then cat "$TMP/gui.log" >&2; fail "the GUI logged an error"; fi
say "ok: installed GUI ran on Xvfb with the xcb platform"

apt-get remove -y -qq keyvault >/dev/null || fail "apt remove keyvault"
for path in /usr/bin/keyvault /usr/bin/keyvault-gui /opt/keyvault \
    /usr/share/applications/keyvault.desktop /usr/share/icons/hicolor/scalable/apps/keyvault.svg; do
    [ ! -e "$path" ] || fail "$path is still there after apt remove"
done
status="$(dpkg-query -W -f='${Status}' keyvault 2>/dev/null || true)"
case "$status" in *" installed"*) fail "dpkg still lists keyvault as installed ($status)" ;; esac
say "ok: apt remove took it all away"
