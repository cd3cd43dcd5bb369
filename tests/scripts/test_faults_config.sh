#!/usr/bin/env bash
# Faults: a configuration with every field wrong, and missing or corrupt fonts.
#
# Config: every key crier knows (from --help-config) plus a source, an unknown
# key, a duplicate and a line without '=' are set to a wrong value.  crier must
# exit 3 naming the file, the line and the key of a bad line; the test removes
# that line and runs again until nothing is left to reject, so every wrong
# field is seen rejected one by one.  Then the corrected file starts a kiosk
# whose first frame is presented within 2 s (recovery once the fault is fixed).
#
# Fonts (assets copied to a temp folder, assets_dir pointed at it): one font
# missing, or corrupt (random bytes, empty): the kiosk keeps running on the
# rest of the fallback chain, logs a line naming the font file, draws every
# Latin glyph; every font missing or corrupt: exit 4, a message naming the
# font folder, no crash (no signal, no sanitizer report).
source "$(dirname "$0")/lib.sh"
# recovery limit: 2 s (10 s in sanitizer builds, where CRIER_SKIP_TIMING is set)
limit_ms=$([[ -n "${CRIER_SKIP_TIMING:-}" ]] && echo 10000 || echo 2000)
unset CRIER_FAKE_TIME

# ---- config with every field wrong -------------------------------------------------
conf=$TMP/every-field-wrong.conf
python3 - "$CRIER" "$conf" <<'PY'
import subprocess, sys
crier, out = sys.argv[1], sys.argv[2]
rows = subprocess.run([crier, "--help-config"], capture_output=True, text=True, check=True).stdout.splitlines()[1:]
keys = []
for r in rows:
    parts = r.split()
    if not parts or parts[0].startswith("source."):
        continue
    keys.append((parts[0], parts[1] if len(parts) > 1 else ""))
def wrong(key, default):
    if key == "kiosk_id" or key == "site":
        return "not a valid/id!"
    if key.endswith(("_dir", "_file", "cafile", "certfile", "keyfile")) or key in ("layout", "feed_ca_path"):
        return "/nonexistent/crier-fault-test/" + key
    if default.lstrip("-").isdigit():
        return "12abc"
    if default in ("true", "false"):
        return "maybe"
    if "x" in default and default.replace("x", "").isdigit():
        return "12xwide"
    if key == "broker_url":
        return "gopher://broker"
    if key.endswith("_format"):
        return '"unterminated'
    return '"' + key + ' unterminated'
with open(out, "w") as f:
    f.write("# every field wrong (tests/scripts/test_faults_config.sh)\n")
    for k, d in keys:
        f.write(f"{k} = {wrong(k, d)}\n")
    f.write("source.news.type = carrier-pigeon\nsource.news.url = ftp://example.org/feed\n")
    f.write("source.news.refresh_s = 1\nsource.news.priority = 1000\nsource.news.hours = 25-26\n")
    f.write("source.news.days = someday\nsource.bad name.type = rss\n")
    f.write("brightness = 11\nheartbeat_s = 30\nheartbeat_s = 40\nthis line has no equals sign\n")
PY
nlines=$(wc -l <"$conf")
runs=0 named=0 mismatch=0 crashed=0 rc=0
first_msg=""
for ((i = 0; i < nlines + 5; i++)); do
  rc=0
  # a real (headless) start: --check-config skips some cross-checks a start makes
  msg=$("$CRIER" --config "$conf" --headless --size 320x180 --run-for 0.5 --log-level off 2>&1 >/dev/null) || rc=$?
  runs=$((runs + 1))
  ((rc >= 128)) && crashed=$((crashed + 1))
  [[ $rc -eq 3 ]] || break
  [[ -z "$first_msg" ]] && first_msg=$msg
  echo "$msg" >>"$TMP/messages.txt"
  # "crier: FILE:LINE: key 'KEY': reason" or "crier: FILE:LINE: unknown key 'KEY'" or a line-level error
  line=$(sed -n -e "s|^crier: $conf:\([0-9]*\):.*|\1|p" -e "s|^crier: $conf: line \([0-9]*\):.*|\1|p" <<<"$msg" | head -1)
  if [[ -z "$line" ]]; then
    # cross-checks name the key but not a line: "crier: FILE: key 'K': ..."
    key=$(sed -n "s|^crier: $conf: key '\([^']*\)'.*|\1|p" <<<"$msg" | head -1)
    if [[ -z "$key" ]]; then mismatch=$((mismatch + 1)); echo "  unparsed message: $msg"; break; fi
    line=$(grep -n "^$key = " "$conf" | head -1 | cut -d: -f1)
    [[ -n "$line" ]] || { mismatch=$((mismatch + 1)); echo "  key '$key' not in the file: $msg"; break; }
  else
    key=$(sed -n "s|.*key '\([^']*\)'.*|\1|p" <<<"$msg" | head -1)
    text=$(sed -n "${line}p" "$conf")
    if [[ -n "$key" && "$text" != "$key "* ]]; then
      mismatch=$((mismatch + 1)); echo "  line $line is '$text' but the message names '$key': $msg"
    fi
  fi
  named=$((named + 1))
  sed -i "${line}d" "$conf"
done
echo "  first message: $first_msg"
check "the first message names the file, line 2 and key 'kiosk_id'" \
  grep -q "^crier: $TMP/every-field-wrong.conf:2: key 'kiosk_id'" <<<"$first_msg"
check "every rejection exits 3 and names a line holding the key it names ($named rejections, $mismatch mismatches)" \
  test "$mismatch" -eq 0 -a "$named" -ge 50
check "no run crashed ($crashed)" test "$crashed" -eq 0
left=$(grep -v '^#' "$conf" | sed 's/ =.*//' | sort | tr '\n' ' ')
echo "  accepted after every rejection: $left"
# Folders crier creates or warns about at run time (a kiosk without keys still shows
# posts).
check "only folders checked at run time (and the valid heartbeat_s = 30) remain accepted" \
  test "$left" = "alert_keys_dir cache_dir heartbeat_s state_dir "
check "the repeated key is refused on its second line" grep -q "key 'heartbeat_s'.*\\(more than once\\|already\\|twice\\|repeat\\|duplicate\\)" "$TMP/messages.txt"

# Recovery: a correct configuration starts and presents within 2 s.
mkdir -p "$TMP/st"
printf 'kiosk_id = fixed-1\nstate_dir = %s\ncache_dir = %s\nalert_keys_dir = %s\ntransition = none\n' \
  "$TMP/st" "$TMP/st/cache" "$TMP/st" >"$TMP/fixed.conf"
rc=0
"$CRIER" --config "$TMP/fixed.conf" --headless --size 480x270 --run-for 2 --events "$TMP/fixed.jsonl" \
  2>"$TMP/fixed.log" || rc=$?
ff=$(sed -n 's/.*"first_frame","since_start_ms":\([0-9]*\).*/\1/p' "$TMP/fixed.jsonl")
check "fixed config: exit 0 ($rc), first frame within 2 s of start (${ff:-none} ms)" \
  test "$rc" -eq 0 -a "${ff:-99999}" -lt "$limit_ms"

# ---- fonts -------------------------------------------------------------------------
content=$TMP/latin.json
echo '{"posts":[{"id":"p1","title":"Town hall open house","body":"Tours every half hour."}]}' >"$content"
fresh_assets() {
  rm -rf "$TMP/assets"; mkdir -p "$TMP/assets"
  cp -r "$CRIER_SOURCE/assets/fonts" "$CRIER_SOURCE/assets/layouts" "$TMP/assets/"
}
run_fonts() { # run_fonts NAME -> rc in $rc, log in $TMP/NAME.log, events in $TMP/NAME.jsonl
  rc=0
  "$CRIER" --headless --size 480x270 --run-for 1.5 --set assets_dir="$TMP/assets" --set state_dir="$TMP/st" \
    --set cache_dir="$TMP/st/cache" --set alert_keys_dir="$TMP/st" --set source.c.type=file \
    --set source.c.path="$content" --events "$TMP/$1.jsonl" 2>"$TMP/$1.log" || rc=$?
}
glyphs_ok() { # every presented frame drew every glyph, and a frame was presented
  grep -q '"frame_presented"' "$1" && ! grep -q '"glyphs_missing":[1-9]' "$1"
}
for mode in missing random empty; do
  fresh_assets
  f=$TMP/assets/fonts/NotoSans-Regular.ttf
  case $mode in
    missing) rm "$f" ;;
    random) head -c 65536 /dev/urandom >"$f" ;;
    empty) : >"$f" ;;
  esac
  run_fonts "one-$mode"
  check "primary font $mode: kiosk runs on the fallback chain (exit $rc)" test "$rc" -eq 0
  check "primary font $mode: a log line names the font file" grep -q "font.*NotoSans-Regular.ttf" "$TMP/one-$mode.log"
  check "primary font $mode: every Latin glyph drawn" glyphs_ok "$TMP/one-$mode.jsonl"
done
for mode in missing random; do
  fresh_assets
  for f in "$TMP"/assets/fonts/*.ttf "$TMP"/assets/fonts/*.otf; do
    if [[ $mode == missing ]]; then rm "$f"; else head -c 4096 /dev/urandom >"$f"; fi
  done
  run_fonts "all-$mode"
  check "every font $mode: exit 4, no crash (exit $rc)" test "$rc" -eq 4
  check "every font $mode: the message names the font folder" grep -q "$TMP/assets/fonts" "$TMP/all-$mode.log"
  [[ $mode == random ]] &&
    check "every font corrupt: a log line names a corrupt font file" grep -q "fonts/NotoSans-Regular.ttf" "$TMP/all-$mode.log"
done
# Recovery: the fonts put back, the next start presents within 2 s.
fresh_assets
run_fonts restored
ff=$(sed -n 's/.*"first_frame","since_start_ms":\([0-9]*\).*/\1/p' "$TMP/restored.jsonl")
check "fonts restored: exit 0 ($rc), first frame within 2 s (${ff:-none} ms)" test "$rc" -eq 0 -a "${ff:-99999}" -lt "$limit_ms"
summary
