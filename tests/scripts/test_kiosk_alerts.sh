#!/usr/bin/env bash
# Crisis override with the real kiosk: a signed alert sent with crierctl is on
# the screen of a headless crier at once (receipt with presented_ms, screen in
# the severity colour), an unsigned or forged one never is, a Cancel takes it
# off, and an alert active when the kiosk is SIGKILLed is shown again at the
# next start with the broker down.
source "$(dirname "$0")/lib.sh"
unset CRIER_FAKE_TIME
CTL=$CRIER_BUILD/crierctl
start_broker
mkdir -p "$TMP/staff" "$TMP/keys" "$TMP/state" "$TMP/rogue"
"$CTL" keygen --issuer "Civil Protection" --out "$TMP/staff" >/dev/null
"$CTL" keygen --issuer "Rogue" --out "$TMP/rogue" >/dev/null
cp "$TMP/staff/Civil-Protection.pub" "$TMP/keys/"
ctl() { "$CTL" --broker "$url" --timeout 5 "$@"; }

start_kiosk() { # start_kiosk BROKER_URL EVENTS [--set K=V]...
  "$CRIER" --config "$CRIER_SOURCE/assets/demo/demo.conf" --headless --size 960x540 \
    --set broker_url="$1" --set kiosk_id=hall-1 --set site=town-hall --set state_dir="$TMP/state" \
    --set alert_keys_dir="$TMP/keys" --set transition=none --events "$2" "${@:3}" 2>>"$TMP/crier.log" &
  kpid=$!
}
pixel() { # pixel PNG X Y -> rrggbb
  python3 - "$@" <<'PY'
import sys, zlib, struct
d = open(sys.argv[1], "rb").read()
w, h = struct.unpack(">II", d[16:24])
idat = b"".join(d[i+8:i+8+struct.unpack(">I", d[i:i+4])[0]] for i in range(8, len(d))
                if d[i+4:i+8] == b"IDAT" and i + 8 <= len(d))
raw = zlib.decompress(idat)
bpp = 4 if d[25] == 6 else 3
stride = w * bpp + 1
x, y = int(sys.argv[2]), int(sys.argv[3])
prev = bytearray(stride - 1); row = None
for r in range(y + 1):
    f = raw[r * stride]; cur = bytearray(raw[r * stride + 1:(r + 1) * stride])
    for i in range(len(cur)):
        a = cur[i - bpp] if i >= bpp else 0; b = prev[i]; c = prev[i - bpp] if i >= bpp else 0
        if f == 1: cur[i] = (cur[i] + a) & 255
        elif f == 2: cur[i] = (cur[i] + b) & 255
        elif f == 3: cur[i] = (cur[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = cur
print("%02x%02x%02x" % tuple(prev[x * bpp:x * bpp + 3]))
PY
}

ev=$TMP/ev1.jsonl
start_kiosk "$url" "$ev"
check "kiosk up" wait_for 10 '"first_frame"' "$ev"
sleep 1.5
out=$(ctl alert --key "$TMP/staff/Civil-Protection.key" --kiosk hall-1 --event "Flood warning" \
  --severity Extreme --headline "Evacuate the riverside district" --instruction "Go to the sports hall on Hill Road" \
  --expires +2h --id flood-1 --wait 1 2>&1)
check "crierctl alert --wait 1 gets the receipt (output: ${out//$'\n'/ | })" grep -qi "hall-1" <<<"$out"
check "kiosk emits alert_presented" wait_for 5 '"event":"alert_presented","identifier":"flood-1"' "$ev"
lat=$(python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e=json.loads(l)
    if e["event"]=="alert_presented": print(e["presented_ms"]-e["received_ms"]); break' "$ev")
check "received to presented within 100 ms (got ${lat} ms)" test "${lat:-999}" -lt 100
ctl screenshot hall-1 --out "$TMP/alert.png" >/dev/null
check "screen is in the Extreme colour" test "$(pixel "$TMP/alert.png" 3 270)" = 8b0000

# Forged: signed by a key the kiosk does not trust.  Unsigned: a bare payload.
ctl alert --key "$TMP/rogue/Rogue.key" --kiosk hall-1 --event "Fake" --severity Extreme --headline "Fake order" \
  --id fake-1 >/dev/null 2>&1 || true
check "untrusted key rejected with a reason" wait_for 5 '"event":"alert_rejected"' "$ev"
check "forged alert never presented" bash -c "! grep -q '\"identifier\":\"fake-1\"' '$ev' || ! grep -q 'alert_presented.*fake-1' '$ev'"

# SIGKILL while active, broker down: shown again at the next start.
kill -KILL $kpid; wait $kpid 2>/dev/null || true
"$CRIER_SOURCE/scripts/broker.sh" kill "$bdir" >/dev/null
ev2=$TMP/ev2.jsonl
start_kiosk "$url" "$ev2"
check "after SIGKILL and with no broker the alert is back on screen" \
  wait_for 10 '"event":"alert_presented","identifier":"flood-1"' "$ev2"
"$CRIER_SOURCE/scripts/broker.sh" restart "$bdir" >/dev/null
sleep 2
# The broker was killed and lost its retained copy: cancel with an explicit scope.
out=$(ctl cancel flood-1 --kiosk hall-1 --key "$TMP/staff/Civil-Protection.key" 2>&1) || echo "cancel: $out"
check "Cancel takes it off the screen" wait_for 10 '"event":"alerts_updated","count":0' "$ev2"
ctl screenshot hall-1 --out "$TMP/after.png" >/dev/null
check "screen back to the normal layout (header colour)" test "$(pixel "$TMP/after.png" 300 10)" = 0b1f33
kill -TERM $kpid; rc=0; wait $kpid || rc=$?
check "kiosk exits 0" test $rc -eq 0

# The rotation's clock stops under an alert: the post it covered gets the rest
# of its slot back afterwards instead of rotating away the moment it returns.
cat >"$TMP/two.json" <<'JSON'
{"posts": [{"id": "first", "title": "First post", "body": "One", "duration_s": 3},
           {"id": "second", "title": "Second post", "body": "Two", "duration_s": 3}]}
JSON
ev3=$TMP/ev3.jsonl
start_kiosk "$url" "$ev3" --set source.demo.path="$TMP/two.json"
check "third kiosk shows its first post" wait_for 10 '"event":"item_shown"' "$ev3"
sleep 1
ctl alert --key "$TMP/staff/Civil-Protection.key" --kiosk hall-1 --event "Storm" --severity Severe \
  --headline "Stay indoors" --expires +1h --id pause-1 --wait 1 >/dev/null 2>&1 || true
check "pause alert presented" wait_for 5 '"event":"alert_presented","identifier":"pause-1"' "$ev3"
sleep 3.5 # longer than the post's slot
shown() { grep -c '"event":"item_shown"' "$ev3"; }
check "no rotation while the alert covers the posts (item_shown x$(shown))" test "$(shown)" -eq 1
ctl cancel pause-1 --kiosk hall-1 --key "$TMP/staff/Civil-Protection.key" >/dev/null 2>&1 || true
check "pause alert cancelled" wait_for 5 '"event":"alerts_updated","count":0' "$ev3"
sleep 1.2
check "the covered post is back for the rest of its slot, not rotated at once (item_shown x$(shown))" \
  test "$(shown)" -eq 1
check "then the rotation goes on" wait_for 5 '"id":"second"' "$ev3"
kill -TERM $kpid; wait $kpid 2>/dev/null || true
summary
