#!/usr/bin/env bash
# Feeds: a calendar that made libical loop cannot stall the other sources.
#
# One headless kiosk, three sources on tests/tools/httpd.py:
#   news    RSS on /mode/news, refresh_s 10 (the minimum), switched to new
#           content 2 s in;
#   agenda  tests/fixtures/feeds/looping_rules.ics: rules that never match,
#           which libical 3.0 looks for up to the year 2582 or 20000 inside one
#           call: FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30 from 1970 (~10 s) and
#           BYWEEKNO=53;BYMONTH=1 (now refused before expansion), and 40 x
#           FREQ=MONTHLY;BYDAY=5MO;BYMONTHDAY=1 (~1.5 s each, not recognised:
#           only the deadline stops it) - a minute of the fetch thread in-process;
#   cal     tests/fixtures/feeds/events.ics, an ordinary calendar.
# feed_parse_timeout_ms = 1000, back-off 1..1 s, so the agenda is cut off and
# retried about every 2 s.  Asserted:
#   - the agenda fails again and again with a log line naming the source, the
#     deadline and the rule that was running, and never reaches the screen;
#   - the rules refused before any expansion are logged from the child
#     ("can never match");
#   - the ordinary calendar is parsed in its child and shown;
#   - news keeps refreshing: its new content reaches the screen within
#     refresh_s + one cut-off parse + 2 s of being published;
#   - at most one parse child at a time, none outlives the kiosk; exit 0 on SIGTERM.
source "$(dirname "$0")/lib.sh"
FX=$CRIER_SOURCE/tests/fixtures/feeds
mkdir -p "$TMP/fx" "$TMP/state"
cp "$FX/looping_rules.ics" "$FX/events.ics" "$TMP/fx/"
for v in old new; do
  cat >"$TMP/fx/$v-news.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>news</title>
<item><guid isPermaLink="false">$v-news</guid><title>${v^} news</title><description>$v</description></item>
</channel></rss>
EOF
done
python3 "$CRIER_SOURCE/tests/tools/httpd.py" --root "$TMP/fx" --port-file "$TMP/port" >"$TMP/httpd.log" 2>&1 &
hpid=$!
on_exit "kill $hpid 2>/dev/null"
for _ in $(seq 50); do [[ -s "$TMP/port" ]] && break; sleep 0.1; done
base=http://127.0.0.1:$(cat "$TMP/port")
curl -fsS "$base/control?key=news&mode=/f/old-news.xml" >/dev/null

cat >"$TMP/k.conf" <<CONF
cache_dir = $TMP/cache
state_dir = $TMP/state
transition = none
default_duration_s = 1
feed_backoff_min_s = 1
feed_backoff_max_s = 1
feed_parse_timeout_ms = 1000
source.news.type = rss
source.news.url = $base/mode/news
source.news.refresh_s = 10
source.agenda.type = ical
source.agenda.url = $base/f/looping_rules.ics
source.agenda.refresh_s = 10
source.cal.type = ical
source.cal.url = $base/f/events.ics
source.cal.refresh_s = 10
CONF
"$CRIER" --config "$TMP/k.conf" --headless --size 480x270 --events "$TMP/ev.jsonl" 2>"$TMP/k.log" &
kpid=$!
on_exit "kill $kpid 2>/dev/null"

# sample the kiosk's children (parse children) every 50 ms while it runs
( max=0; while kill -0 "$kpid" 2>/dev/null; do
    kids=$(pgrep -P "$kpid" || true); n=$(wc -w <<<"$kids"); ((n > max)) && max=$n
    echo "$max" >"$TMP/maxchildren"; [[ -n $kids ]] && echo $kids >>"$TMP/kids"; sleep 0.05
  done ) &
spid=$!

sleep 2
curl -fsS "$base/control?key=news&mode=/f/new-news.xml" >/dev/null
switched_ms=$(date +%s%3N)
deadline=$(( $(date +%s) + 16 ))
while (( $(date +%s) < deadline )); do
  grep -q '"event":"item_shown".*"title":"New news"' "$TMP/ev.jsonl" 2>/dev/null && break
  sleep 0.1
done
shown_ms=$(date +%s%3N)
sleep 1
kill -TERM "$kpid"
status=0
wait "$kpid" || status=$?
wait "$spid" 2>/dev/null || true
sleep 0.2
left=0
for p in $(cat "$TMP/kids" 2>/dev/null); do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done

cut=$(grep -c 'source agenda: parse cut off after 1[0-9][0-9][0-9] ms while expanding RRULE:FREQ=MONTHLY;BYDAY=5MO;BYMONTHDAY=1 of event "fifth-monday-on-the-1st-' "$TMP/k.log" || true)
echo "agenda cut off $cut times; news new content on screen $((shown_ms - switched_ms)) ms after the switch;" \
  "most parse children at once: $(cat "$TMP/maxchildren" 2>/dev/null)"
check "the looping calendar is cut off and retried, naming source, deadline and rule (>= 3 times)" test "$cut" -ge 3
check "a refused rule is logged from the child, naming its event" \
  grep -q 'agenda: recurrence of "feb30-hourly@crier.test" not expanded: RRULE:FREQ=HOURLY;BYMONTHDAY=30;BYMONTH=2 can never match' "$TMP/k.log"
check "an impossible BYWEEKNO rule is refused too" \
  grep -q 'agenda: recurrence of "weekno53-january@crier.test" not expanded: .*can never match (no BYWEEKNO falls in any BYMONTH)' "$TMP/k.log"
check "the looping calendar never reaches the screen" bash -c "! grep -q '\"source\":\"agenda\"' '$TMP/ev.jsonl'"
check "the ordinary calendar is parsed (in its child) and listed" \
  grep -q '"event":"content_updated","source":"cal","items":[1-9]' "$TMP/ev.jsonl"
check "news was shown before the switch" grep -q '"event":"item_shown".*"title":"Old news"' "$TMP/ev.jsonl"
check "news keeps refreshing: new content on screen within 10 s + 1 s + 2 s" \
  test $((shown_ms - switched_ms)) -le 13000 -a -n "$(grep '"title":"New news"' "$TMP/ev.jsonl")"
check "one parse child at a time" test "$(cat "$TMP/maxchildren" 2>/dev/null || echo 9)" -le 1
check "parse children were seen, and none outlives the kiosk" test -s "$TMP/kids" -a "$left" -eq 0
check "the kiosk exits 0 on SIGTERM" test "$status" -eq 0
summary
