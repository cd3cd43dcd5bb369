#!/usr/bin/env bash
# Window presentation modes (`present`, docs/architecture.md#presentation) on a
# virtual X server (Xvfb, 1920x1080, no GPU): the same frame shown with
# present=software (CPU into the window surface, damaged rectangles only) and
# present=gpu (SDL's GL renderer, here Mesa's llvmpipe) is read back from the X
# framebuffer; both must match the headless golden image and each other within
# the golden tolerance (crier-imgdiff: at most 0.05 % of the pixels differ by
# more than 40 in a channel).  In software mode no GL/EGL library may be mapped
# into the process, and present=auto must choose software here.  With rotation
# 90 the damaged rectangles are turned with the frame, pixel for pixel.
source "$(dirname "$0")/lib.sh"
DIFF=$CRIER_BUILD/tests/crier-imgdiff
GOLDEN=$CRIER_SOURCE/tests/golden
DEMO=$CRIER_SOURCE/assets/demo
if ! command -v Xvfb >/dev/null || ! command -v xwd >/dev/null; then
  echo "Xvfb or xwd missing (scripts/deps.sh installs xvfb and x11-apps)"; fail "Xvfb available"; summary; exit 1
fi
PY=
for p in python3 /usr/bin/python3; do
  if "$p" -c 'import PIL' 2>/dev/null; then PY=$p; break; fi
done
[[ -n $PY ]] || { fail "no python3 with Pillow (apt-get install python3-pil)"; summary; exit 1; }

start_xvfb 1920x1080x24
# SDL's X11 start-up leaks inside libdbus; that is not ours to fix.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
# Libraries of the GL stack; none may be mapped in software mode.
GL_LIBS='libGL\.|libGLX|libEGL|libGLES|libglapi|libLLVM|_dri\.so|swrast|llvmpipe'

xwd_to_png() { # xwd_to_png IN.xwd OUT.png: the X root window as an RGB PNG
  "$PY" - "$1" "$2" <<'PY'
import struct, sys
from PIL import Image
d = open(sys.argv[1], "rb").read()
hdr = struct.unpack(">25I", d[:100])
header_size, w, h, bpp, bpl, ncolors = hdr[0], hdr[4], hdr[5], hdr[11], hdr[12], hdr[19]
assert bpp == 32, bpp
off = header_size + ncolors * 12
Image.frombuffer("RGB", (w, h), d[off:off + bpl * h], "raw", "BGRX", bpl, 1).save(sys.argv[2])
PY
}

run_mode() { # run_mode MODE: crier in a window with present=MODE; X screen in $TMP/x-MODE.png
  local mode=$1
  local ev=$TMP/ev-$mode.jsonl
  "$CRIER" --config "$DEMO/demo.conf" --set fullscreen=true --set size=0x0 --set present="$mode" \
    --set ticker_motion=static --set transition=none --set log_level=info --run-for 4 \
    --events "$ev" --screenshot "$TMP/shot-$mode.png" 2>"$TMP/crier-$mode.log" &
  local cpid=$!
  # The content is read, then a frame with it follows at once: the steady picture.
  for _ in $(seq 100); do
    grep -q '"event":"content_updated"' "$ev" 2>/dev/null && grep -q '"event":"first_frame"' "$ev" && break
    sleep 0.05
  done
  sleep 0.6
  cp "/proc/$cpid/maps" "$TMP/maps-$mode" 2>/dev/null || true
  xwd -root -silent >"$TMP/x-$mode.xwd"
  local rc=0
  wait "$cpid" || rc=$?
  check "present=$mode: exits 0 (got $rc)" test "$rc" -eq 0
  xwd_to_png "$TMP/x-$mode.xwd" "$TMP/x-$mode.png"
  rm -f "$TMP/x-$mode.xwd"
}

run_mode software
check "present=software: logged as software presentation" \
  grep -q "window 1920x1080 on x11, software presentation" "$TMP/crier-software.log"
check "present=software: the process maps files (sanity)" grep -q "libSDL2" "$TMP/maps-software"
if grep -E "$GL_LIBS" "$TMP/maps-software"; then
  fail "present=software: GL/EGL libraries mapped (above)"
else
  ok "present=software: no GL/EGL/llvmpipe library mapped"
fi
check "present=software: the X screen matches the golden image" \
  "$DIFF" "$TMP/x-software.png" "$GOLDEN/demo-1920x1080.png" --diff "$TMP/diff-software.png"
check "present=software: the screenshot matches the golden image" \
  "$DIFF" "$TMP/shot-software.png" "$GOLDEN/demo-1920x1080.png"

run_mode gpu
check "present=gpu: logged as gpu presentation" grep -q "gpu presentation (present = gpu" "$TMP/crier-gpu.log"
check "present=gpu: the GL stack is loaded (the test sees GL)" grep -qE "$GL_LIBS" "$TMP/maps-gpu"
check "present=gpu: the X screen matches the golden image" \
  "$DIFF" "$TMP/x-gpu.png" "$GOLDEN/demo-1920x1080.png" --diff "$TMP/diff-gpu.png"
check "present=gpu and present=software show the same frame" "$DIFF" "$TMP/x-gpu.png" "$TMP/x-software.png"

# rotation 90 in software: the frame is composed upright (portrait) and only
# the changed rectangles are turned onto the window.  Two posts with a fade
# between them: after it the posts zone has been replaced by partial copies
# only.  The X screen turned back must equal the upright frame exactly.
mkdir -p "$TMP/rot"
cat >"$TMP/rot/two.json" <<'JSON'
{"posts":[{"id":"a","title":"First post","body":"One second only.","duration_s":1},
 {"id":"b","title":"Second post, after a fade","body":"It came in through partial copies.","duration_s":30}],
 "ticker":["Lost property at the Town Hall reception"]}
JSON
printf 'source.s.type = file\nsource.s.path = two.json\nticker_motion = static\ntransition = fade\ntransition_ms = 300\n' \
  >"$TMP/rot/k.conf"
"$CRIER" --config "$TMP/rot/k.conf" --set fullscreen=true --set size=0x0 --set present=software --set rotation=90 \
  --set log_level=warn --run-for 2.6 --events "$TMP/ev-rot.jsonl" --screenshot "$TMP/rot-upright.png" \
  2>"$TMP/crier-rot.log" &
rpid=$!
for _ in $(seq 60); do grep -q '"event":"transition_end"' "$TMP/ev-rot.jsonl" 2>/dev/null && break; sleep 0.05; done
sleep 0.3
xwd -root -silent >"$TMP/x-rot.xwd"
wait "$rpid" || true
xwd_to_png "$TMP/x-rot.xwd" "$TMP/x-rot.png"
check "rotation 90, software: a fade ran" grep -q '"event":"transition_end"' "$TMP/ev-rot.jsonl"
"$PY" -c 'import sys; from PIL import Image; Image.open(sys.argv[1]).rotate(90, expand=True).save(sys.argv[2])' \
  "$TMP/x-rot.png" "$TMP/x-rot-back.png"
check "rotation 90, software: the X screen turned back is the upright frame, pixel for pixel" \
  "$DIFF" "$TMP/x-rot-back.png" "$TMP/rot-upright.png" --threshold 0 --max-fraction 0

# auto on Xvfb (no DRI3/DRI2): software, decided without loading GL.
"$CRIER" --config "$DEMO/demo.conf" --set fullscreen=false --set size=640x360 --set log_level=info \
  --run-for 1.5 --events "$TMP/ev-auto.jsonl" 2>"$TMP/crier-auto.log" &
apid=$!
for _ in $(seq 60); do grep -q '"event":"first_frame"' "$TMP/ev-auto.jsonl" 2>/dev/null && break; sleep 0.05; done
cp "/proc/$apid/maps" "$TMP/maps-auto" 2>/dev/null || true
wait "$apid" || true
check "present=auto on Xvfb: software, because the X server offers no direct rendering" \
  grep -q "software presentation (window surface, damaged rectangles; auto: the X server offers no direct" \
  "$TMP/crier-auto.log"
check "present=auto on Xvfb: the chrome (background, zones) is logged before the first frame" \
  grep -q "background and zones on screen after" "$TMP/crier-auto.log"
if grep -qE "$GL_LIBS" "$TMP/maps-auto"; then
  fail "present=auto on Xvfb: GL mapped"
else
  ok "present=auto on Xvfb: no GL mapped"
fi
summary
