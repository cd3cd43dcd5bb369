#!/usr/bin/env bash
# The whole remote path with the real kiosk: a headless crier connected to a
# local mosquitto shows a post sent with crierctl at once, removes it on
# retract, answers status, identify, screenshot and reload, keeps showing while
# the broker is away, and catches up after it comes back.
source "$(dirname "$0")/lib.sh"
unset CRIER_FAKE_TIME
CTL=$CRIER_BUILD/crierctl
line=$("$CRIER_SOURCE/scripts/broker.sh" start)
port=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$line")
bdir=$(sed -n 's/.*dir=\(.*\)$/\1/p' <<<"$line")
on_exit "'$CRIER_SOURCE/scripts/broker.sh' stop '$bdir'"
url=mqtt://127.0.0.1:$port
ctl() { "$CTL" --broker "$url" --timeout 5 "$@"; }

mkdir -p "$TMP/state"
ev=$TMP/ev.jsonl
"$CRIER" --config "$CRIER_SOURCE/assets/demo/demo.conf" --headless --size 960x540 \
  --set broker_url="$url" --set kiosk_id=hall-1 --set site=town-hall --set state_dir="$TMP/state" \
  --set heartbeat_s=5 --events "$ev" 2>"$TMP/crier.log" &
kpid=$!
on_exit "kill $kpid 2>/dev/null"
wait_for() { # wait_for SECONDS PATTERN FILE
  local t=$(( $1 * 10 ))
  while ((t-- > 0)); do grep -q -- "$2" "$3" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}
check "kiosk presents frames" wait_for 10 '"first_frame"' "$ev"
check "kiosk reports online" wait_for 10 'hall-1' <(sleep 1; ctl status 2>&1)

id=$(ctl post --kiosk hall-1 --title "Boil-water notice" --body "Boil tap water before drinking until further notice." --priority 50)
check "crierctl post prints an id" test -n "$id"
check "the post is shown on the kiosk" wait_for 5 "\"event\":\"item_shown\",\"id\":\"$id\",\"source\":\"mqtt\"" "$ev"
check "status shows what is on screen" wait_for 10 "Boil-water" <(sleep 6; ctl status 2>&1)
ctl retract "$id" >/dev/null
check "retract removes it" wait_for 5 "\"event\":\"item_retracted\",\"id\":\"$id\"" "$ev"

ctl identify hall-1 --seconds 2 >/dev/null
check "identify shows the kiosk id" wait_for 5 '"event":"identify"' "$ev"
rc=0; ctl screenshot hall-1 --out "$TMP/shot.png" >/dev/null || rc=$?
check "screenshot command returns (exit $rc)" test $rc -eq 0
check "screenshot is a 960x540 PNG" python3 - "$TMP/shot.png" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read(24)
assert d[:8] == b"\x89PNG\r\n\x1a\n"
assert struct.unpack(">II", d[16:24]) == (960, 540)
PY
rc=0; ctl reload hall-1 >/dev/null || rc=$?
check "reload is acknowledged (exit $rc)" test $rc -eq 0
check "reload re-reads the content file" wait_for 5 "reload requested" "$TMP/crier.log"

# Broker away: the screen keeps going; a post sent after it returns arrives.
"$CRIER_SOURCE/scripts/broker.sh" kill "$bdir" >/dev/null
frames_before=$(grep -c frame_presented "$ev")
sleep 3
check "kiosk still running without a broker" kill -0 $kpid
"$CRIER_SOURCE/scripts/broker.sh" restart "$bdir" >/dev/null
id2=$(ctl post --site town-hall --title "Library closes early today" --priority 60)
check "after the broker returns, a new post is shown" wait_for 20 "\"item_shown\",\"id\":\"$id2\"" "$ev"
kill -TERM $kpid; wait $kpid; rc=$?
check "kiosk exits 0 on SIGTERM" test $rc -eq 0
check "proof of play was written" grep -q "$id" "$TMP/state/proofplay.jsonl"
summary
