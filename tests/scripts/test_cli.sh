#!/usr/bin/env bash
# The crier command line: --help documents every flag, --version, exit codes,
# and bad arguments or configuration give a clear message naming what is wrong.
source "$(dirname "$0")/lib.sh"
DEMO=$CRIER_SOURCE/assets/demo

help=$("$CRIER" --help)
for flag in --help-config --config --headless --size --run-for --screenshot --events --version --help --set \
            --log-level --check-config --print-content --screenshot-every; do
  check "--help documents $flag" grep -q -- "$flag" <<<"$help"
done
check "--version prints the version" grep -Eq '^crier [0-9]+\.[0-9]+\.[0-9]+$' <<<"$("$CRIER" --version)"

expect_exit() { # expect_exit CODE PATTERN ARGS... : exit code and stderr pattern
  local code=$1 pattern=$2; shift 2
  local err rc=0
  err=$("$CRIER" "$@" 2>&1 >/dev/null) || rc=$?
  if [[ $rc -ne $code ]]; then echo "  exit $rc, wanted $code: $err"; return 1; fi
  if ! grep -Eq -- "$pattern" <<<"$err"; then echo "  message '$err' lacks /$pattern/"; return 1; fi
}
check "unknown flag: exit 2"            expect_exit 2 "unknown option '--bogus'" --bogus
check "missing value: exit 2"           expect_exit 2 "needs a value" --config
check "bad --run-for: exit 2"           expect_exit 2 "run-for needs a positive number" --run-for abc
check "stray argument: exit 2"          expect_exit 2 "unexpected argument 'extra'" extra
check "missing config file: exit 3"     expect_exit 3 "cannot open config file" --config "$TMP/nope.conf"
check "bad --size: exit 3"              expect_exit 3 "key 'size'" --size 12x
check "bad --set key: exit 3"           expect_exit 3 "unknown key 'colour'" --set colour=red

printf 'kiosk_id = k1\n# comment\nrotation = 45\n' > "$TMP/bad.conf"
check "bad value names key and line"    expect_exit 3 "bad.conf:3: key 'rotation'" --config "$TMP/bad.conf"
printf 'kiosk_id = k1\nbrightness = 3\n' > "$TMP/unknown.conf"
check "unknown key names key and line"  expect_exit 3 "unknown.conf:2: unknown key 'brightness'" --config "$TMP/unknown.conf"
printf 'source.news.type = file\nsource.news.path = missing.json\n' > "$TMP/missing.conf"
check "missing content file is named"   expect_exit 3 "source.news.path.*missing.json" --config "$TMP/missing.conf"
printf 'layout = nowhere.json\n' > "$TMP/layout.conf"
check "missing layout is named"         expect_exit 3 "key 'layout'" --config "$TMP/layout.conf"
printf '{"name":"x","reference":{"width":100,"height":100},"background":"#000000","zones":[{"type":"posts","rect":[0,0,2,1]}]}' > "$TMP/l.json"
printf 'layout = l.json\n' > "$TMP/badlayout.conf"
check "malformed layout is rejected"    expect_exit 3 "rect" --config "$TMP/badlayout.conf"
check "flags override the file"         expect_exit 3 "key 'rotation'" --config "$DEMO/demo.conf" --set rotation=33

out=$("$CRIER" --config "$DEMO/demo.conf" --check-config)
check "--check-config accepts the demo" grep -q "configuration OK" <<<"$out"
check "--check-config shows file values" grep -q "^kiosk_id = demo-1$" <<<"$out"
out=$("$CRIER" --config "$DEMO/demo.conf" --set kiosk_id=lobby-2 --check-config)
check "--set overrides the file" grep -q "^kiosk_id = lobby-2$" <<<"$out"

content=$("$CRIER" --config "$DEMO/demo.conf" --print-content)
check "--print-content prints posts"  grep -q '"kind":"post","source":"demo","id":"open-house"' <<<"$content"
check "--print-content prints events" grep -q '"kind":"event".*"starts":"2027-12-02T18:30:00.000Z"' <<<"$content"
check "--print-content lines are JSON" python3 -c 'import sys,json; [json.loads(l) for l in sys.stdin]' <<<"$content"

# A clean timed run exits 0 and emits the documented events.
"$CRIER" --config "$DEMO/demo.conf" --headless --size 640x360 --run-for 0.5 --events "$TMP/ev.jsonl" \
  --set log_level=warn
check "timed run exits 0" test $? -eq 0
for ev in started item_shown first_frame frame_presented stopped; do
  check "event $ev emitted with t_ms" grep -q "{\"t_ms\":[0-9]*,\"event\":\"$ev\"" "$TMP/ev.jsonl"
done
# SIGTERM stops it cleanly with the screenshot written.
"$CRIER" --config "$DEMO/demo.conf" --headless --size 640x360 --screenshot "$TMP/term.png" --set log_level=warn &
pid=$!
sleep 1
kill -TERM $pid
rc=0; wait $pid || rc=$?
check "SIGTERM: clean exit 0" test $rc -eq 0
check "SIGTERM: screenshot written" test -s "$TMP/term.png"
# Every key the program knows is documented.
missing=$("$CRIER" --help-config | awk 'NR>1 && $1 != "source.NAME.FIELD" {print $1}' | while read -r k; do
  grep -q "\`$k\`" "$CRIER_SOURCE/docs/configuration.md" || echo "$k"; done)
check "docs/configuration.md documents every key${missing:+ (missing: $missing)}" test -z "$missing"
summary
