#!/usr/bin/env bash
# The window backend (desktop, X11): crier opens a window on a virtual X
# server (Xvfb), presents frames, and what the X server shows is the kiosk.
source "$(dirname "$0")/lib.sh"
if ! command -v Xvfb >/dev/null || ! command -v xwd >/dev/null; then
  echo "Xvfb or xwd missing (scripts/deps.sh installs xvfb and x11-apps)"; fail "Xvfb available"; summary; exit 1
fi
start_xvfb 1280x720x24
# SDL's X11 start-up leaks inside libdbus; that is not ours to fix.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
"$CRIER" --config "$CRIER_SOURCE/assets/demo/demo.conf" --set fullscreen=true --set log_level=info \
  --run-for 4 --events "$TMP/ev.jsonl" 2>"$TMP/crier.log" &
cpid=$!
sleep 3
xwd -root -silent > "$TMP/root.xwd"
rc=0; wait $cpid || rc=$?
check "window run exits 0 (got $rc)" test $rc -eq 0
check "it used the window backend on x11" grep -q "window 1280x720 on x11" "$TMP/crier.log"
check "frames were presented" grep -q '"event":"frame_presented"' "$TMP/ev.jsonl"
check "the X screen shows the kiosk (header colour and white posts zone)" python3 - "$TMP/root.xwd" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
hdr = struct.unpack(">25I", d[:100])
header_size, width, height, bpp, bpl, ncolors = hdr[0], hdr[4], hdr[5], hdr[11], hdr[12], hdr[19]
assert bpp == 32, bpp
off = header_size + ncolors * 12
def px(x, y):
    b, g, r, _ = d[off + y * bpl + x * 4: off + y * bpl + x * 4 + 4]
    return r, g, b
assert px(640, 20) == (0x0b, 0x1f, 0x33), px(640, 20)      # header background
assert px(20, 700 * 100 // 720 + 200) == (255, 255, 255), px(20, 300)  # posts zone
PY
summary
