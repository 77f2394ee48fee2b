#!/usr/bin/env bash
# Build the Linux one-folder bundle (keyvault + keyvault-gui) and smoke-test it.
#
#   packaging/build-linux.sh            # build in build/packaging, then smoke-test
#   KEYVAULT_BUILD_DIR=/tmp/kv packaging/build-linux.sh
#
# Reproducible where PyInstaller allows: a fresh venv with the exact versions of
# packaging/constraints.txt, SOURCE_DATE_EPOCH (default: the last commit's time) and
# PYTHONHASHSEED=0. Not part of the test suite (it takes minutes).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${KEYVAULT_BUILD_DIR:-$ROOT/build/packaging}"
PYTHON="${PYTHON:-python3}"
VENV="$BUILD/venv"
DIST="$BUILD/dist/keyvault"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 315532800)}"
export PYTHONHASHSEED=0
export PIP_DISABLE_PIP_VERSION_CHECK=1

now_ns() { date +%s%N; }
say() { printf 'build-linux: %s\n' "$*"; }
fail() { printf 'build-linux: FAIL: %s\n' "$*" >&2; exit 1; }

command -v objdump >/dev/null || fail "PyInstaller needs objdump: apt-get install binutils"
mkdir -p "$BUILD"
t0=$(now_ns)

# --- build ------------------------------------------------------------------------------
if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    "$PYTHON" -m venv "$VENV"
fi
say "installing pinned dependencies"
"$VENV/bin/python" -m pip install --quiet -c "$ROOT/packaging/constraints.txt" \
    "$ROOT[gui]" pyinstaller pyinstaller-hooks-contrib
t_deps=$(now_ns)

say "running PyInstaller (SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH)"
(cd "$BUILD" && "$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath "$BUILD/dist" --workpath "$BUILD/work" "$ROOT/packaging/keyvault.spec")
t_built=$(now_ns)

# Desktop integration files, laid out as under /usr (copy share/ to ~/.local/share).
install -Dm644 "$ROOT/packaging/keyvault.desktop" "$DIST/share/applications/keyvault.desktop"
install -Dm644 "$ROOT/packaging/keyvault.svg" "$DIST/share/icons/hicolor/scalable/apps/keyvault.svg"
install -Dm644 "$ROOT/packaging/keyvault.png" "$DIST/share/icons/hicolor/256x256/apps/keyvault.png"

# --- smoke tests ------------------------------------------------------------------------
KV="$DIST/keyvault"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
export KEYVAULT_HOME="$TMP/home"
unset KEYVAULT_PASSPHRASE B2_APPLICATION_KEY B2_APPLICATION_KEY_ID || true

"$KV" --version | grep -q "keyvault, version" || fail "--version"
say "ok: --version ($("$KV" --version))"

HELP="$("$KV" --help)" || fail "--help"

# BIP39 test vector (trezor/python-mnemonic vectors.json, entropy 00..00).
GOOD="abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
BAD="abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon"
grep -q "^  mnemonic" <<<"$HELP" || fail "the bundle has no 'keyvault mnemonic' command"
printf '%s\n' "$GOOD" | "$KV" mnemonic check >/dev/null || fail "a valid phrase was rejected"
if printf '%s\n' "$BAD" | "$KV" mnemonic check >/dev/null 2>&1; then
    fail "a phrase with a bad checksum was accepted"
fi
say "ok: phrase check (valid accepted, bad checksum rejected)"

grep -q "^  encrypt" <<<"$HELP" || fail "the bundle has no 'keyvault encrypt' command"
command -v age-keygen >/dev/null || fail "age-keygen is needed for the round trip"
age-keygen -o "$TMP/key.txt" 2>/dev/null
RECIPIENT="$(age-keygen -y "$TMP/key.txt")"
head -c 300000 /dev/urandom >"$TMP/plain"
"$KV" encrypt -r "$RECIPIENT" -o "$TMP/plain.age" "$TMP/plain" || fail "encrypt"
"$KV" decrypt -i "$TMP/key.txt" -o "$TMP/back" "$TMP/plain.age" || fail "decrypt"
cmp -s "$TMP/plain" "$TMP/back" || fail "the round trip changed the data"
if command -v age >/dev/null; then
    age -d -i "$TMP/key.txt" "$TMP/plain.age" | cmp -s - "$TMP/plain" || fail "stock age disagrees"
    say "ok: encrypt/decrypt round trip (and stock age decrypts the bundle's file)"
else
    say "ok: encrypt/decrypt round trip (stock age not installed: interop not checked)"
fi

"$KV" --json discover --data-dir "$TMP" >/dev/null || fail "discover"
say "ok: discover"

[ -x "$DIST/keyvault-gui" ] || fail "the bundle has no keyvault-gui executable"
QT_QPA_PLATFORM=offscreen "$DIST/keyvault-gui" --config-dir "$TMP/gui-home" \
    >"$TMP/gui.log" 2>&1 &
GUI_PID=$!
# Started = still running after a few seconds (a broken bundle dies on import).
for _ in $(seq 1 40); do
    kill -0 "$GUI_PID" 2>/dev/null || { cat "$TMP/gui.log" >&2; fail "the GUI exited early"; }
    sleep 0.1
done
kill -TERM "$GUI_PID"
wait "$GUI_PID" 2>/dev/null || true
if kill -0 "$GUI_PID" 2>/dev/null; then fail "the GUI did not quit"; fi
if grep -qi "traceback\|error" "$TMP/gui.log"; then cat "$TMP/gui.log" >&2; fail "the GUI logged an error"; fi
say "ok: GUI started offscreen and quit"

# --- figures ----------------------------------------------------------------------------
startup_ms() {
    local best=999999 t s
    for _ in 1 2 3 4 5; do
        s=$(now_ns); "$@" >/dev/null 2>&1; t=$(( ($(now_ns) - s) / 1000000 ))
        [ "$t" -lt "$best" ] && best=$t
    done
    echo "$best"
}
VERSION_MS=$(startup_ms "$KV" --version)
HELP_MS=$(startup_ms "$KV" --help)
SIZE_MB=$(du -sm "$DIST" | cut -f1)
FILES=$(find "$DIST" -type f | wc -l)
DEPS_S=$(( (t_deps - t0) / 1000000000 ))
BUILD_S=$(( (t_built - t_deps) / 1000000000 ))
TOTAL_S=$(( ($(now_ns) - t0) / 1000000000 ))
cat <<REPORT
build-linux: results
  bundle:               $DIST ($SIZE_MB MiB, $FILES files)
  pip install (pinned): ${DEPS_S} s
  pyinstaller:          ${BUILD_S} s
  whole script:         ${TOTAL_S} s
  keyvault --version:   ${VERSION_MS} ms (best of 5)
  keyvault --help:      ${HELP_MS} ms (best of 5)
REPORT
