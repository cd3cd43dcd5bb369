#!/usr/bin/env bash
# Golden images of text in every script, at 1920x1080 (default.json) and
# 1080x1920 (portrait.json): each content file in tests/fixtures/render/ is
# rendered headless with a fixed clock and compared with
# tests/golden/<case>-<size>.png.  Also: no glyph may fall back to the .notdef
# box (the renderer's glyph_missing event), and a fixture with characters no
# font has must make that check fire; invalid UTF-8 is replaced and logged once
# per item.
#
# CRIER_UPDATE_GOLDEN=1 writes the references instead of comparing (what
# tests/scripts/update-golden.sh does).  Look at every image it writes.
source "$(dirname "$0")/lib.sh"
DIFF=$CRIER_BUILD/tests/crier-imgdiff
GOLDEN=$CRIER_SOURCE/tests/golden
FIX=$CRIER_SOURCE/tests/fixtures/render
CASES="scripts more_scripts zh_hans zh_hant mixed japanese emoji image_qr overlong invalid_utf8"

render_case() { # render_case CASE SIZE OUT.png EVENTS.jsonl LOG
  local c=$1 size=$2 out=$3 ev=$4 log=$5 d=$TMP/$1-$2
  mkdir -p "$d"
  printf 'city_name = Riverton\nsource.f.type = file\nsource.f.path = %s\n' "$FIX/$c.json" > "$d/k.conf"
  "$CRIER" --config "$d/k.conf" --headless --size "$size" --set ticker_motion=static --set transition=none \
    --set log_level=info --run-for 1.2 --screenshot "$out" --events "$ev" 2>"$log"
}

# Render every case first, four at a time (each mostly waits out --run-for),
# then check them in order.
jobs_running=0
for c in $CASES; do
  for size in 1920x1080 1080x1920; do
    ( render_case "$c" "$size" "$TMP/$c-$size.png" "$TMP/$c-$size.jsonl" "$TMP/$c-$size.log"
      echo $? > "$TMP/$c-$size.rc" ) &
    jobs_running=$((jobs_running + 1))
    if (( jobs_running >= 4 )); then
      wait -n || true
      jobs_running=$((jobs_running - 1))
    fi
  done
done
wait

for c in $CASES; do
  for size in 1920x1080 1080x1920; do
    ref=$GOLDEN/$c-$size.png out=$TMP/$c-$size.png ev=$TMP/$c-$size.jsonl log=$TMP/$c-$size.log
    if [[ $(cat "$TMP/$c-$size.rc" 2>/dev/null) != 0 ]]; then
      fail "$c at $size: crier failed: $(tail -3 "$log")"
      continue
    fi
    check "$c at $size: the post was shown" grep -q '"event":"item_shown"' "$ev"
    if grep -q '"event":"glyph_missing"' "$ev"; then
      fail "$c at $size: a glyph fell back to the .notdef box: $(grep -m1 'missing' "$log")"
    else
      ok "$c at $size: every glyph found in a font"
    fi
    if [[ ${CRIER_UPDATE_GOLDEN:-0} == 1 ]]; then
      cp "$out" "$ref"
      echo "wrote tests/golden/$c-$size.png"
    elif [[ ! -f $ref ]]; then
      fail "reference $ref missing (run tests/scripts/update-golden.sh)"
    else
      check "$c at $size matches $(basename "$ref")" "$DIFF" "$out" "$ref" --diff "$TMP/diff-$c-$size.png"
    fi
  done
done

# A bare board (no system fonts: CRIER_SYSTEM_FONTS=0) still draws the bundled
# scripts: the nine-script post without a missing glyph, as the golden image.
if [[ ${CRIER_UPDATE_GOLDEN:-0} != 1 ]]; then
  CRIER_SYSTEM_FONTS=0 render_case scripts 1920x1080 "$TMP/bare.png" "$TMP/bare.jsonl" "$TMP/bare.log" || true
  if grep -q '"event":"glyph_missing"' "$TMP/bare.jsonl"; then
    fail "bare board: a bundled script fell back to the .notdef box: $(grep -m1 'missing' "$TMP/bare.log")"
  else
    ok "bare board: every glyph of the nine scripts in the bundled fonts"
  fi
  check "bare board: the nine scripts match scripts-1920x1080.png" \
    "$DIFF" "$TMP/bare.png" "$GOLDEN/scripts-1920x1080.png"
  check "bare board: no system font looked up" bash -c "! grep -q 'system font' '$TMP/bare.log'"
  check "with system fonts: more_scripts found its faces there (the log says which)" \
    grep -q 'system font .*NotoSansBengali' "$TMP/more_scripts-1920x1080.log"
fi

# Over-long text: body and title are cut with an ellipsis, and the log says so.
check "over-long body: the log reports the ellipsis" \
  grep -q "post 'overlong' body shortened with an ellipsis" "$TMP/overlong-1920x1080.log"

# Invalid UTF-8 and control characters: one log line for the item, with its
# id and source, and no other complaint.
n=$(grep -c "item 'bad-bytes' from 'f': .* replaced" "$TMP/invalid_utf8-1920x1080.log" || true)
check "invalid UTF-8: logged once for the item (got $n)" test "$n" -eq 1

# The .notdef check must be able to fail: characters no font has.
ev=$TMP/missing.jsonl
render_case missing_glyph 1920x1080 "$TMP/missing.png" "$ev" "$TMP/missing.log"
check "missing glyphs: a glyph_missing event names the post" \
  grep -q '"event":"glyph_missing","id":"missing","source":"f","new":2' "$ev"
check "missing glyphs: frame_presented counts them" \
  grep -q '"event":"frame_presented".*"glyphs_missing":2' "$ev"

# A golden comparison notices a script that stopped rendering: the scripts
# post with its Devanagari line dropped must not match.
if [[ ${CRIER_UPDATE_GOLDEN:-0} != 1 ]]; then
  python3 - "$FIX/scripts.json" "$TMP/noscript.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1], encoding="utf-8"))
p = c["posts"][0]
p["body"] = "\n".join(l for l in p["body"].split("\n") if not l.startswith("हिन्दी"))
json.dump(c, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
  mkdir -p "$TMP/neg"
  printf 'city_name = Riverton\nsource.f.type = file\nsource.f.path = %s\n' "$TMP/noscript.json" > "$TMP/neg/k.conf"
  "$CRIER" --config "$TMP/neg/k.conf" --headless --size 1920x1080 --set ticker_motion=static \
    --set transition=none --set log_level=warn --run-for 1.2 --screenshot "$TMP/neg.png"
  if "$DIFF" "$TMP/neg.png" "$GOLDEN/scripts-1920x1080.png" >/dev/null; then
    fail "comparison did not notice a missing line of Devanagari"
  else
    ok "comparison notices a missing line of Devanagari"
  fi
fi
summary
