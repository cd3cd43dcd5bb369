#!/usr/bin/env bash
# Feeds at kiosk level: an RSS source is fetched and shown; when the source
# fails the cached copy is shown at start-up, and once it has been failing for
# longer than stale_after_s the header says "as of HH:MM"; --print-content
# falls back to the cache too.
source "$(dirname "$0")/lib.sh"
python3 "$CRIER_SOURCE/tests/tools/httpd.py" --root "$CRIER_SOURCE/tests/fixtures/feeds" --port-file "$TMP/port" \
  >"$TMP/httpd.log" 2>&1 &
hpid=$!
on_exit "kill $hpid"
for _ in $(seq 50); do [[ -s $TMP/port ]] && break; sleep 0.1; done
port=$(cat "$TMP/port")
cat > "$TMP/k.conf" <<CONF
city_name = Riverton
cache_dir = $TMP/cache
state_dir = $TMP/state
source.news.type = rss
source.news.url = http://127.0.0.1:$port/switch/rss2.xml
source.news.refresh_s = 10
stale_after_s = 3600
transition = none
feed_backoff_min_s = 1
feed_backoff_max_s = 2
CONF
ev=$TMP/ev1.jsonl
"$CRIER" --config "$TMP/k.conf" --headless --size 960x540 --run-for 4 --events "$ev" 2>"$TMP/k1.log"
check "the feed's items reach the screen" grep -q '"event":"content_updated","source":"news","items":[1-9]' "$ev"
check "a post from the feed is shown" grep -q '"event":"item_shown".*"source":"news"' "$ev"
check "the cache holds the source" test -n "$(ls "$TMP/cache" | grep -i news)"
check "fresh content: no 'as of' label" bash -c "! grep -q 'as of' '$ev'"

# The source fails; two hours later the kiosk restarts: cached content at once, and the label.
curl -s "http://127.0.0.1:$port/control?switch=fail" >/dev/null
later=2026-11-26T12:00:00Z # two hours after lib.sh's fixed clock
ev=$TMP/ev2.jsonl
CRIER_FAKE_TIME=$later "$CRIER" --config "$TMP/k.conf" --headless --size 960x540 --run-for 4 --events "$ev" \
  2>"$TMP/k2.log"
check "cached items shown while the source fails" grep -q '"event":"item_shown".*"source":"news"' "$ev"
check "the failure is logged naming the source" grep -qi "news.*500\|500.*news" "$TMP/k2.log"
check "the header says 'as of HH:MM'" grep -q '"event":"clock_updated".*as of [0-2][0-9]:[0-5][0-9]' "$ev"
out=$(CRIER_FAKE_TIME=$later "$CRIER" --config "$TMP/k.conf" --print-content 2>"$TMP/p.log")
check "--print-content falls back to the cache" grep -q '"source":"news"' <<<"$out"
summary
