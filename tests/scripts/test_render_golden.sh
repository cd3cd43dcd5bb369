#!/usr/bin/env bash
# Golden-image test: the demo rendered headless must match the reference PNGs in
# tests/golden/ (within a small tolerance), and the comparison must fail when
# text is missing.  Regenerate references with tests/scripts/update-golden.sh
# and LOOK at them before committing.
source "$(dirname "$0")/lib.sh"
DIFF=$CRIER_BUILD/tests/crier-imgdiff
GOLDEN=$CRIER_SOURCE/tests/golden
DEMO=$CRIER_SOURCE/assets/demo

render() { # render SIZE OUT [extra args]
  local size=$1 out=$2; shift 2
  "$CRIER" --config "$DEMO/demo.conf" --headless --size "$size" --set ticker_motion=static \
    --set transition=none --set log_level=warn --run-for 1 --screenshot "$out" "$@"
}

for size in 1920x1080 1080x1920; do
  ref=$GOLDEN/demo-$size.png
  check "demo renders at $size" render "$size" "$TMP/demo-$size.png"
  if [[ ! -f $ref ]]; then
    fail "reference $ref missing (run tests/scripts/update-golden.sh)"
    continue
  fi
  check "demo at $size matches $ref" "$DIFF" "$TMP/demo-$size.png" "$ref" --diff "$TMP/diff-$size.png"
done

# Negative controls: the comparison must notice missing or changed text.
mkdir -p "$TMP/notext"
python3 - "$DEMO/content.json" "$TMP/notext/content.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["posts"][0]["title"] = "T"          # the title of the first post almost gone
json.dump(c, open(sys.argv[2], "w"))
PY
cp "$DEMO/town-hall.png" "$TMP/notext/"
sed "s|content.json|$TMP/notext/content.json|" "$DEMO/demo.conf" > "$TMP/notext/demo.conf"
"$CRIER" --config "$TMP/notext/demo.conf" --headless --size 1920x1080 --set ticker_motion=static \
  --set transition=none --set log_level=warn --run-for 1 --screenshot "$TMP/notitle.png"
if "$DIFF" "$TMP/notitle.png" "$GOLDEN/demo-1920x1080.png" >/dev/null; then
  fail "comparison did not notice a missing title"
else
  ok "comparison notices a missing title"
fi
"$CRIER" --config "$DEMO/demo.conf" --headless --size 1920x1080 --set ticker_motion=static \
  --set transition=none --set log_level=warn --set city_name=X --run-for 1 --screenshot "$TMP/nocity.png"
if "$DIFF" "$TMP/nocity.png" "$GOLDEN/demo-1920x1080.png" >/dev/null; then
  fail "comparison did not notice a changed header"
else
  ok "comparison notices a changed header"
fi
summary
