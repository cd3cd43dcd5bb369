#!/usr/bin/env bash
# The render loop: draws only when something changed (a static screen renders
# no text and presents no frame until the clock minute turns), rotates posts on
# time, picks up a changed content file, and keeps the last good content when
# the file turns bad.
source "$(dirname "$0")/lib.sh"
d=$TMP/c
mkdir -p "$d"
cat > "$d/content.json" <<'JSON'
{"posts":[{"id":"a","title":"Only post","body":"Nothing moves here."}],
 "events":[{"title":"Council meeting","starts":"2099-01-01T18:00:00Z"}],
 "ticker":["Short ticker line"]}
JSON
printf 'city_name = Riverton\nsource.s.type = file\nsource.s.path = content.json\ntransition = none\n' > "$d/k.conf"
ev=$TMP/static.jsonl
# Start 2 s before a minute turns: exactly one new frame, with exactly one new text (the clock).
CRIER_FAKE_TIME=2026-11-26T10:00:58Z "$CRIER" --config "$d/k.conf" --headless --size 960x540 \
  --run-for 3.5 --events "$ev" --set log_level=warn
# Frames after the content arrived (a first frame may come before the file is read).
frames=$(sed -n '/"content_updated"/,$p' "$ev" | grep -c '"event":"frame_presented"')
check "static screen: 2 frames in 3.5 s across a minute turn (got $frames)" test "$frames" -eq 2
renders=$(python3 - "$ev" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().split('"content_updated"', 1)[1].splitlines()
r = [json.loads(l)["text_renders"] for l in lines if '"frame_presented"' in l]
print(r[1] - r[0] if len(r) == 2 else -1)
PY
)
check "static screen: only the clock text re-rendered at the minute (got $renders)" test "$renders" -eq 1

# Rotation: two posts of 1 s each alternate on time.
cat > "$d/two.json" <<'JSON'
{"posts":[{"id":"a","title":"First","duration_s":1},{"id":"b","title":"Second","duration_s":1}]}
JSON
printf 'source.s.type = file\nsource.s.path = two.json\ntransition_ms = 200\n' > "$d/two.conf"
ev=$TMP/rot.jsonl
"$CRIER" --config "$d/two.conf" --headless --size 640x360 --run-for 3.6 --events "$ev" --set log_level=warn
shown=$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["id"] for l in open(sys.argv[1]) if "item_shown" in l))' "$ev")
check "rotation alternates a b a b (got '$shown')" test "$shown" = "a b a b"
check "a transition ran" grep -q '"event":"transition_end"' "$ev"

# A changed file shows at once; a broken file keeps the last good content.
cp "$d/content.json" "$d/live.json"
printf 'source.s.type = file\nsource.s.path = live.json\ntransition = none\n' > "$d/live.conf"
ev=$TMP/live.jsonl
"$CRIER" --config "$d/live.conf" --headless --size 640x360 --run-for 9 --events "$ev" \
  --screenshot "$TMP/live.png" 2>"$TMP/live.log" &
pid=$!
sleep 2
cat > "$d/live.json.tmp" <<'JSON'
{"posts":[{"id":"new","title":"Boil-water notice lifted"}]}
JSON
mv "$d/live.json.tmp" "$d/live.json"
sleep 3
printf '{"posts":[{"id":"x","title":' > "$d/live.json"   # truncated JSON
sleep 3
wait $pid
check "changed file: new post shown" grep -q '"event":"item_shown","id":"new"' "$ev"
check "broken file: a log line names the source and the problem" \
  grep -q "source 's': '.*live.json' rejected: malformed JSON" "$TMP/live.log"
check "broken file: no item list replaced after it" \
  test "$(grep -c '"event":"content_updated"' "$ev")" -eq 2
check "broken file: the last good post is still on screen" \
  test "$(grep '"event":"item_shown"' "$ev" | tail -1 | grep -c '"id":"new"')" -eq 1
summary
