#!/usr/bin/env bash
# Stopping crier while work is in flight: a headless kiosk on a real broker,
# with feeds being fetched (one never answers, one drips, one is large, one
# has images), screenshot commands being encoded, signed alerts and posts
# arriving, is sent SIGTERM at a random moment, ROUNDS times.  Every round
# must end with exit status 0 and no sanitizer report or crash in its log:
# shutdown joins every thread (render loop, screenshot encoder, alert sound,
# MQTT, alerts, image relay, fetch, file sources) before freeing what they use
# (firmware/main.c, "Shutdown order").  The sanitize stage of scripts/test.sh
# runs this same script against the ASan/UBSan build.
#
# limits: ROUNDS=20; each round waits for the first frame, then 0.2-1.4 s of
# traffic before SIGTERM; a stop must finish within 15 s.
source "$(dirname "$0")/lib.sh"
unset CRIER_FAKE_TIME
CTL=$CRIER_BUILD/crierctl
ROUNDS=${ROUNDS:-20}
start_broker
ctl() { "$CTL" --broker "$url" --timeout 2 "$@"; }

# Feeds: a fixture, one that never answers, one that drips, a large one, and
# one whose items carry images on the same server.
python3 "$CRIER_SOURCE/tests/tools/httpd.py" --root "$CRIER_SOURCE/tests/fixtures/feeds" \
  --port-file "$TMP/hport" >/dev/null 2>&1 &
on_exit "kill $!"
for _ in $(seq 50); do [[ -s $TMP/hport ]] && break; sleep 0.1; done
base=http://127.0.0.1:$(cat "$TMP/hport")

mkdir -p "$TMP/staff" "$TMP/keys" "$TMP/state" "$TMP/cache"
"$CTL" keygen --issuer "Civil Protection" --out "$TMP/staff" >/dev/null
cp "$TMP/staff/Civil-Protection.pub" "$TMP/keys/"
{
  echo "kiosk_id = hall-1"
  echo "site = town-hall"
  echo "broker_url = $url"
  echo "state_dir = $TMP/state"
  echo "cache_dir = $TMP/cache"
  echo "alert_keys_dir = $TMP/keys"
  echo "feed_backoff_min_s = 1"
  echo "feed_low_speed_time_s = 30"
  echo "source.news.type = rss"
  echo "source.news.url = $base/f/rss2.xml"
  echo "source.hang.type = rss"
  echo "source.hang.url = $base/hang"
  echo "source.drip.type = rss"
  echo "source.drip.url = $base/drip"
  echo "source.big.type = rss"
  echo "source.big.url = $base/big?mb=3"
  echo "source.big.max_bytes = 67108864"
  echo "source.img.type = rss"
  echo "source.img.url = $base/imgfeed"
  echo "source.local.type = file"
  echo "source.local.path = $CRIER_SOURCE/assets/demo/content.json"
} >"$TMP/crier.conf"

# Traffic while the kiosk runs: screenshots from three senders, alerts and
# posts with images; each loop ends when the kiosk does.  Sets loops (pids).
traffic() { # traffic ROUND KIOSK_PID
  local r=$1 k=$2 i=0 s
  loops=()
  for s in 1 2 3; do
    (while kill -0 "$k" 2>/dev/null; do ctl screenshot hall-1 --out "$TMP/shot$s.png" || true; done) \
      >/dev/null 2>&1 &
    loops+=($!)
  done
  (while kill -0 "$k" 2>/dev/null; do
     i=$((i + 1))
     ctl alert --key "$TMP/staff/Civil-Protection.key" --kiosk hall-1 --event "Drill" --severity Severe \
       --headline "Round $r alert $i" --id "r$r-a$i" --expires +1h || true
     ctl post --kiosk hall-1 --title "Round $r post $i" --image "$base/f/tiny.png" || true
   done) >/dev/null 2>&1 &
  loops+=($!)
}

bad=0 all_loops=()
for r in $(seq "$ROUNDS"); do
  ev=$TMP/ev$r.jsonl log=$TMP/crier$r.log
  "$CRIER" --config "$TMP/crier.conf" --headless --size 1280x720 --events "$ev" 2>"$log" &
  kpid=$!
  if ! wait_for 20 '"first_frame"' "$ev"; then
    fail "round $r: no first frame"; kill -KILL $kpid 2>/dev/null; bad=1; break
  fi
  traffic "$r" "$kpid"
  sleep "$(awk -v s="$RANDOM" 'BEGIN { printf "%.2f", 0.2 + (s % 121) / 100 }')"
  kill -TERM $kpid
  for _ in $(seq 150); do kill -0 $kpid 2>/dev/null || break; sleep 0.1; done
  rc=0
  if kill -0 $kpid 2>/dev/null; then
    kill -KILL $kpid 2>/dev/null; wait $kpid 2>/dev/null || true; rc="none within 15 s"
  else
    wait $kpid || rc=$?
  fi
  all_loops+=("${loops[@]}") # they end with their kiosk; waited for at the end
  if [[ $rc != 0 ]] || grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:\|SUMMARY:' "$log"; then
    fail "round $r: exit status $rc or a sanitizer report (log below)"; tail -40 "$log"; bad=1; break
  fi
done
for p in "${all_loops[@]}"; do wait "$p" 2>/dev/null || true; done
((bad)) || ok "$ROUNDS rounds: SIGTERM with screenshots, fetches, image downloads and alerts in flight, exit 0, no sanitizer report"
shots=$(grep -h -c '"screenshot_requested"' "$TMP"/ev*.jsonl | awk '{s += $1} END {print s + 0}')
alerts=$(grep -h -c '"alerts_updated"' "$TMP"/ev*.jsonl | awk '{s += $1} END {print s + 0}')
check "screenshots were requested while stopping ($shots)" test "$shots" -gt 0
check "alerts arrived while stopping ($alerts)" test "$alerts" -gt 0
check "fetches were in flight (the hanging feed was asked)" grep -q "hang" <(curl -s "$base/stats")
summary
