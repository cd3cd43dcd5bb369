#!/usr/bin/env bash
# The README's demo command comes up: it starts a mosquitto on a free port,
# runs the kiosk headless (no display in CI), writes a screenshot, and stops
# the broker when it exits; the staff console beside it, with a demo account.
source "$(dirname "$0")/lib.sh"
out=$TMP/demo
log=$TMP/demo.log
rc=0
env -u DISPLAY -u WAYLAND_DISPLAY CRIER_BUILD="$CRIER_BUILD" \
  bash "$CRIER_SOURCE/scripts/demo.sh" --run-for 4 --out "$out" >"$log" 2>&1 || rc=$?
check "demo exits 0 (got $rc)" test $rc -eq 0
((rc == 0)) || { echo "---- demo output"; tail -40 "$log"; }
check "demo says it runs headless" grep -q "no display here" "$log"
check "demo says where the screenshot is" grep -q "screenshot is written every 3 seconds to $out/screen.png" "$log"
check "demo started mosquitto" grep -q "mosquitto listening on 127.0.0.1:" "$log"
check "screenshot exists" test -s "$out/screen.png"
check "screenshot is a 1920x1080 PNG" python3 - "$out/screen.png" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read(24)
assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", d[16:24])
assert (w, h) == (1920, 1080), (w, h)
PY
port=$(sed -n 's/.*127.0.0.1:\([0-9]*\).*/\1/p' "$log" | head -1)
check "broker is stopped after the demo" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null"
check "demo content has upcoming events" grep -q '"starts"' "$out/content/content.json"
check "demo starts the staff console and prints its address and password" \
  grep -q "staff console at http://127.0.0.1:[0-9]*/  (log in as user 'demo', password '$(cat "$out/console/demo.pw")')" "$log"
cport=$(sed -n 's/.*staff console at http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$log")
check "the console is stopped after the demo" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/${cport:-1}) 2>/dev/null"
summary
