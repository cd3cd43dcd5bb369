#!/usr/bin/env bash
# The whole remote path with the real kiosk: a headless crier connected to a
# local mosquitto shows a post sent with crierctl at once, removes it on
# retract, answers status, identify, screenshot and reload, keeps showing while
# the broker is away, and catches up after it comes back.
source "$(dirname "$0")/lib.sh"
unset CRIER_FAKE_TIME
CTL=$CRIER_BUILD/crierctl
start_broker
ctl() { "$CTL" --broker "$url" --timeout 10 "$@"; }

mkdir -p "$TMP/state"
ev=$TMP/ev.jsonl
start_demo_kiosk "$ev" "$TMP/crier.log" --set state_dir="$TMP/state" --set cache_dir="$TMP/cache" \
  --set feed_image_max_bytes=100000
# Bounds are generous: they return as soon as the line appears, and CI machines are loaded.
check "kiosk presents frames" wait_for 10 '"first_frame"' "$ev"
check "kiosk reports online" wait_for 10 'hall-1' <(sleep 1; ctl status 2>&1)

id=$(ctl post --kiosk hall-1 --title "Boil-water notice" --body "Boil tap water before drinking until further notice." --priority 50)
check "crierctl post prints an id" test -n "$id"
check "the post is shown on the kiosk" wait_for 15 "\"event\":\"item_shown\",\"id\":\"$id\",\"source\":\"mqtt\"" "$ev"
check "status shows what is on screen" wait_for 10 "Boil-water" <(sleep 6; ctl status 2>&1)
ctl retract "$id" >/dev/null
check "retract removes it" wait_for 15 "\"event\":\"item_retracted\",\"id\":\"$id\"" "$ev"

# A post's image URL is downloaded into the cache and the post shown with it.
mkdir -p "$TMP/www"
cp "$CRIER_SOURCE/assets/demo/town-hall.png" "$TMP/www/hall.png"
head -c 300000 /dev/urandom > "$TMP/www/huge.png"
hport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$TMP/www" && exec python3 -m http.server "$hport" --bind 127.0.0.1 >/dev/null 2>&1) &
hpid=$!
on_exit "kill $hpid"
# the server is up before the post names it (python starts slowly on a loaded machine)
for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$hport") 2>/dev/null && break; sleep 0.05; done
pid3=$(ctl post --kiosk hall-1 --title "Open house" --image "http://127.0.0.1:$hport/hall.png" --priority 70)
check "post with an image URL is shown at once" wait_for 15 "\"item_shown\",\"id\":\"$pid3\"" "$ev"
check "its image is downloaded into the cache" wait_for 15 "image of post '$pid3' downloaded" "$TMP/crier.log"
check "the cached file is the PNG" cmp -s "$TMP/www/hall.png" "$(ls "$TMP"/cache/img/*.png | head -1)"
pid4=$(ctl post --kiosk hall-1 --title "Too big" --image "http://127.0.0.1:$hport/huge.png" --priority 71)
check "an image over the cap is refused with a log line" wait_for 15 "huge.png is larger than 100000 bytes" "$TMP/crier.log"
check "and the post is still shown" wait_for 15 "\"item_shown\",\"id\":\"$pid4\"" "$ev"
ctl retract "$pid3" >/dev/null; ctl retract "$pid4" >/dev/null

ctl identify hall-1 --seconds 2 >/dev/null
check "identify shows the kiosk id" wait_for 15 '"event":"identify"' "$ev"
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
check "reload re-reads the content file" wait_for 15 "reload requested" "$TMP/crier.log"

# Broker away: the screen keeps going; a post sent after it returns arrives.
"$CRIER_SOURCE/scripts/broker.sh" kill "$bdir" >/dev/null
frames_before=$(grep -c frame_presented "$ev")
sleep 3
check "kiosk still running without a broker" kill -0 $kpid
"$CRIER_SOURCE/scripts/broker.sh" restart "$bdir" >/dev/null
id2=$(ctl post --site town-hall --title "Library closes early today" --priority 60)
check "after the broker returns, a new post is shown" wait_for 20 "\"item_shown\",\"id\":\"$id2\"" "$ev"
kill -TERM $kpid; rc=0; wait $kpid || rc=$?
check "kiosk exits 0 on SIGTERM" test $rc -eq 0
check "proof of play was written" grep -q "$id" "$TMP/state/proofplay.jsonl"
summary
