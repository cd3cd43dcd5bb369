#!/usr/bin/env bash
# Signed retractions with the real kiosk, mosquitto and crierctl.
#
# A headless kiosk that trusts one staff key (so require_signed_posts = auto
# requires signatures) shows a signed post.  Then:
#   - an unsigned retraction (an empty retained message: crierctl retract
#     --unsigned) clears the broker's copy, but the kiosk refuses it with a log
#     line and a rejection receipt; the post stays in the rotation; proof of
#     play records the refused attempt;
#   - a reconnect (the broker restarted: it lost the post) does not sweep it
#     off the screen either;
#   - crierctl retract with the key (the broker holds nothing now: sent to the
#     post's scope anyway) removes it: item_retracted, and the very next frame
#     presented no longer holds it; the log and proof of play name who asked,
#     the issuer and the key;
#   - the tombstone stays retained: crierctl list does not show it, a second
#     retract says "already retracted" (exit 6);
#   - the same post id sent again later (newer "sent") is shown again.
source "$(dirname "$0")/lib.sh"
unset CRIER_FAKE_TIME
CTL=$CRIER_BUILD/crierctl
start_broker
mkdir -p "$TMP/state" "$TMP/keys" "$TMP/staff"
"$CTL" keygen --issuer "Town Hall" --out "$TMP/staff" >/dev/null
cp "$TMP/staff/Town-Hall.pub" "$TMP/keys/"
key=$TMP/staff/Town-Hall.key
ctl() { "$CTL" --broker "$url" --timeout 10 "$@"; }
cat >"$TMP/content.json" <<'EOF'
{"posts":[{"id":"a","title":"Library hours","duration_s":1},{"id":"b","title":"Market on Saturday","duration_s":1}]}
EOF
cat >"$TMP/k.conf" <<EOF
kiosk_id = hall-1
site = town-hall
source.local.type = file
source.local.path = $TMP/content.json
EOF
ev=$TMP/ev.jsonl
shown_after() { # shown_after LINE ID SECONDS: item_shown of ID after line LINE of the events
  local t=$(( $3 * 10 ))
  while ((t-- > 0)); do
    tail -n +"$(($1 + 1))" "$ev" | grep -q "\"event\":\"item_shown\",\"id\":\"$2\"" && return 0; sleep 0.1
  done
  return 1
}
start_kiosk() {
  "$CRIER" --config "$TMP/k.conf" --headless --size 480x270 \
    --set broker_url="$url" --set kiosk_id=hall-1 --set site=town-hall --set state_dir="$TMP/state" \
    --set cache_dir="$TMP/cache" --set alert_keys_dir="$TMP/keys" --set transition=none \
    --set default_duration_s=1 --set broker_reconnect_min_ms=200 --set broker_reconnect_max_ms=500 --events "$ev" 2>>"$TMP/crier.log" &
  kpid=$!
  on_exit "kill $kpid 2>/dev/null"
}
start_kiosk
check "kiosk presents frames" wait_for 10 '"first_frame"' "$ev"
check "kiosk connected" wait_for 10 "connected to 127.0.0.1" "$TMP/crier.log"

id=$(ctl post --kiosk hall-1 --key "$key" --title "Evacuation route B closed" --duration 1 --priority 90)
check "the signed post is received" wait_for 15 "post '$id' received .*signed by 'Town Hall'" "$TMP/crier.log"
check "and shown" wait_for 15 "\"event\":\"item_shown\",\"id\":\"$id\"" "$ev"

# ---- unsigned retraction: refused, logged, the post stays ----
ctl retract "$id" --unsigned >/dev/null 2>&1
check "the unsigned retraction is refused and logged" \
  wait_for 10 "unsigned retraction of post '$id' ignored: this kiosk accepts only signed retractions" "$TMP/crier.log"
check "the broker's copy is gone (crierctl list)" bash -c "! '$CTL' --broker '$url' --timeout 5 list | grep -q '$id'"
mark=$(wc -l <"$ev")
check "the post is still shown afterwards (rotating)" shown_after "$mark" "$id" 15
check "no item_retracted for it" bash -c "! grep -q '\"item_retracted\",\"id\":\"$id\"' '$ev'"

# ---- a reconnect does not sweep it away ----
"$CRIER_SOURCE/scripts/broker.sh" restart "$bdir" >/dev/null
check "the kiosk reconnects" wait_for 15 "no longer on the broker, but no signed retraction removed it" "$TMP/crier.log"
mark=$(wc -l <"$ev")
check "the post is still shown after the reconnect" shown_after "$mark" "$id" 15

# ---- signed retraction: gone in the next frame ----
out=$(ctl retract "$id" --kiosk hall-1 --key "$key" --by alice 2>&1)
check "crierctl retract sends it signed (broker copy gone: to the scope's topic)" grep -q "retracted $id .* signed" <<<"$out"
check "the kiosk removes it" wait_for 10 "\"event\":\"item_retracted\",\"id\":\"$id\"" "$ev"
check "the log names who asked, the issuer and the key" \
  wait_for 5 "post '$id' retracted (.*) by 'alice', signed by 'Town Hall' (key [0-9a-f]\{16\})" "$TMP/crier.log"
sleep 1.5
check "the next frame presented no longer holds it" python3 - "$ev" "$id" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
pid = sys.argv[2]
i = next(k for k, e in enumerate(ev) if e.get("event") == "item_retracted" and e.get("id") == pid)
frames = [k for k in range(i + 1, len(ev)) if ev[k].get("event") == "frame_presented"]
assert frames, "no frame after the retraction"
after = [e for e in ev[i + 1:] if e.get("event") == "item_shown" and e.get("id") == pid]
assert not after, f"shown again: {after}"
# the event just before that next frame: what the frame shows is not the retracted post
shown = [e for e in ev[:frames[0]] if e.get("event") == "item_shown"]
assert shown and shown[-1]["id"] != pid, f"frame {ev[frames[0]]} still shows {pid}"
t0, t1 = ev[i].get("t_ms", 0), ev[frames[0]].get("t_ms", 0)
print(f"    next frame {t1 - t0} ms after item_retracted (frame {ev[frames[0]]['frame']})")
assert 0 <= t1 - t0 < 1000, "the frame after the retraction came late: it waited for the rotation"
PY
pp=$TMP/state/proofplay.jsonl
check "proof of play: the refused unsigned attempt" \
  wait_for 5 "\"id\":\"$id\",\"source\":\"mqtt\",\"accepted\":false" "$pp"
check "proof of play: who retracted it, with issuer and key" \
  wait_for 5 "\"id\":\"$id\",\"source\":\"mqtt\",\"accepted\":true,\"by\":\"alice\",\"issuer\":\"Town Hall\",\"kid\":\"[0-9a-f]*\"" "$pp"
check "crierctl list does not show the tombstone" bash -c "! '$CTL' --broker '$url' --timeout 5 list | grep -q '$id'"
rc=0; ctl retract "$id" --key "$key" >/dev/null 2>"$TMP/again.err" || rc=$?
check "a second retract: already retracted (exit 6)" test "$rc" -eq 6 -a -n "$(grep 'already retracted' "$TMP/again.err")"

# ---- the same id posted again later is shown again ----
sleep 0.1
ctl post --id "$id" --kiosk hall-1 --key "$key" --title "Evacuation route B open again" --duration 1 --priority 90 >/dev/null
check "a newer post with the same id is accepted again" wait_for 15 "post '$id' received .*Evacuation route B open again" "$TMP/crier.log"
check "and shown" wait_for 10 "\"item_shown\",\"id\":\"$id\",\"source\":\"mqtt\",\"title\":\"Evacuation route B open again\"" "$ev"

kill -TERM "$kpid"; st=0; wait "$kpid" || st=$?
check "the kiosk exits 0" test "$st" -eq 0
summary
