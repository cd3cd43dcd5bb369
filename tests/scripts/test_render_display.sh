#!/usr/bin/env bash
# Display options: `rotation` (the frame is composed at the logical size and
# turned at present, because KMSDRM does not rotate), the `slide` transition,
# and the clock/date `locale`.
source "$(dirname "$0")/lib.sh"
DIFF=$CRIER_BUILD/tests/crier-imgdiff
GOLDEN=$CRIER_SOURCE/tests/golden
DEMO=$CRIER_SOURCE/assets/demo

# Pixel checks need Pillow (Debian: python3-pil); pyenv's python3 may lack it.
PY=
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import PIL' 2>/dev/null; then PY=$p; break; fi
done
if [[ -z $PY ]]; then
  fail "no python3 with Pillow (apt-get install python3-pil)"
  summary
  exit 1
fi

demo() { # demo OUT.png [args]
  local out=$1; shift
  "$CRIER" --config "$DEMO/demo.conf" --headless --set ticker_motion=static --set transition=none \
    --set log_level=warn --run-for 1 --screenshot "$out" "$@"
}

# ---- rotation --------------------------------------------------------------
# A 1920x1080 panel turned by 90 or 270 degrees is a portrait screen: crier
# picks portrait.json, composes 1080x1920 frames (the screenshot is the upright
# frame, identical to the portrait golden image), and the output it presents
# is that frame turned clockwise by the rotation.
for rot in 0 90 180 270; do
  ref=$GOLDEN/demo-1920x1080.png
  ((rot % 180)) && ref=$GOLDEN/demo-1080x1920.png
  check "rotation $rot: renders" demo "$TMP/rot$rot.png" --size 1920x1080 --set rotation=$rot
  check "rotation $rot: the upright frame matches $(basename "$ref")" "$DIFF" "$TMP/rot$rot.png" "$ref"
  CRIER_SCREENSHOT_OUTPUT=1 demo "$TMP/out$rot.png" --size 1920x1080 --set rotation=$rot
  "$PY" - "$TMP/out$rot.png" "$rot" "$TMP/back$rot.png" <<'PY'
import sys
from PIL import Image
im = Image.open(sys.argv[1])
assert im.size == (1920, 1080), im.size          # the output keeps the panel's size
im.rotate(int(sys.argv[2]), expand=True).save(sys.argv[3])  # PIL turns counter-clockwise
PY
  check "rotation $rot: the output turned back by $rot matches $(basename "$ref")" "$DIFF" "$TMP/back$rot.png" "$ref"
done
# The turn has a direction: at 90 the header (dark) is on the right edge of
# the panel and the ticker (yellow) on the left; at 270 the other way round.
sides=$("$PY" - "$TMP/out90.png" "$TMP/out270.png" <<'PY'
import sys
from PIL import Image
out = []
for path in sys.argv[1:]:
    im = Image.open(path).convert("RGB")
    out.append("%s/%s" % (im.getpixel((5, 540)), im.getpixel((1914, 540))))
print(" ".join(out))
PY
)
check "rotation 90: ticker on the left, header on the right; 270 the reverse (got $sides)" \
  test "$sides" = "(255, 209, 102)/(11, 31, 51) (11, 31, 51)/(255, 209, 102)"

# ---- slide transition ------------------------------------------------------
# A 1 s post, then a 10 s one, with a 5 s slide between them: stopping 3.5 s
# in leaves the last frame half-way through the transition.  The accent rule under the title (160 px at 1080p) of the
# incoming slide must then be well inside the posts zone, not at its padding
# as on a still slide or during a fade.
d=$TMP/slide
mkdir -p "$d"
cat > "$d/two.json" <<'JSON'
{"posts":[{"id":"a","title":"First","duration_s":1},{"id":"b","title":"Second","duration_s":10}]}
JSON
printf 'source.s.type = file\nsource.s.path = two.json\nticker_motion = static\n' > "$d/k.conf"
rule_x() { # rule_x PNG: x of the first accent-coloured run >= 120 px in the posts zone, or -1
  "$PY" - "$1" <<'PY'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
w = int(0.68 * im.width)                     # default.json: posts zone x 0 .. 0.68
px = im.load()
for y in range(int(0.1111 * im.height), int(0.926 * im.height)):
    run = 0
    for x in range(w):
        if px[x, y] == (11, 61, 110):        # the posts zone accent #0b3d6e
            run += 1
            if run >= 120:
                print(x - run + 1)
                sys.exit(0)
        else:
            run = 0
print(-1)
PY
}
for kind in slide fade; do
  ev=$TMP/$kind.jsonl
  "$CRIER" --config "$d/k.conf" --headless --size 1920x1080 --set transition=$kind --set transition_ms=5000 \
    --set log_level=warn --run-for 3.5 --events "$ev" --screenshot "$TMP/$kind.png"
  check "$kind: the transition started with kind $kind" grep -q "\"event\":\"transition_start\",\"kind\":\"$kind\"" "$ev"
  frames=$(grep -c '"transition":1' "$ev" || true)
  check "$kind: it drew frames while running (got $frames)" test "$frames" -gt 20
  x=$(rule_x "$TMP/$kind.png")
  if [[ $kind == slide ]]; then
    check "slide: the incoming slide is part-way across the zone (rule at x=$x)" test "$x" -gt 260 -a "$x" -lt 1240
  else
    check "fade: slides do not move (rule at x=$x)" test "$x" -ge 50 -a "$x" -le 62
  fi
done

# ---- clock and date locale -------------------------------------------------
clock() { # clock EVENTS [args]: the date of the first clock_updated event
  local ev=$1; shift
  "$CRIER" --config "$DEMO/demo.conf" --headless --size 640x360 --set log_level=warn --run-for 0.5 \
    --events "$ev" "$@" 2>"$ev.log"
  sed -n 's/.*"event":"clock_updated","clock":"\([^"]*\)","date":"\([^"]*\)".*/\1 \2/p' "$ev" | head -1
}
got=$(clock "$TMP/c.jsonl" --set locale=C.UTF-8)
check "locale C.UTF-8: clock and date in English (got '$got')" test "$got" = "10:00 Thursday 26 November 2026"
got=$(clock "$TMP/none.jsonl" --set locale=xx_NOPE.UTF-8)
check "missing locale: English dates (got '$got')" test "$got" = "10:00 Thursday 26 November 2026"
check "missing locale: a warning names it" grep -q "locale 'xx_NOPE.UTF-8' is not available" "$TMP/none.jsonl.log"
# French: compile the locale into the test folder (no system change) when the
# glibc locale sources are installed (Debian: locales).
mkdir -p "$TMP/locale"
localedef -i fr_FR -f UTF-8 "$TMP/locale/fr_FR.UTF-8" >/dev/null 2>&1 || true  # exit 1 on mere warnings
if [[ -f $TMP/locale/fr_FR.UTF-8/LC_TIME ]]; then
  got=$(LOCPATH=$TMP/locale clock "$TMP/fr.jsonl" --set locale=fr_FR.UTF-8 --set "date_format=%A %-d %B %Y")
  check "locale fr_FR.UTF-8: date in French (got '$got')" test "$got" = "10:00 jeudi 26 novembre 2026"
else
  echo "skip fr_FR.UTF-8: localedef cannot build it here (install the 'locales' package)"
fi
summary
