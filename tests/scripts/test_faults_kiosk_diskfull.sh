#!/usr/bin/env bash
# Faults: the disk full while the kiosk writes its feed cache.
#
# As root, a 256 KiB tmpfs is mounted as the kiosk's cache_dir (skipped, exit
# 77, when mounting is not possible).  A headless kiosk with one RSS source
# (refresh_s 10) served by tests/tools/httpd.py caches version 1 (~40 KiB).
# The file system is then filled so that ~40 KiB stay free, and the server
# switches to version 2 (~120 KiB).  At the next refresh:
#   - the write fails, logged naming the cache file (ENOSPC) and the source;
#   - version 2 is still shown (the fetch itself was good), nothing is emptied,
#     posts keep rotating, the kiosk does not crash;
#   - the old cache file is intact (version 1, header length matching);
#   - no temp file is left on the full disk;
# then the space is freed, and the next refresh writes version 2 to the cache
# within refresh_s + 2 s of the space coming back (measured).
source "$(dirname "$0")/lib.sh"
# limit: refresh (10 s) + 2 s (+8 s in sanitizer builds, where CRIER_SKIP_TIMING is set)
limit_ms=$([[ -n "${CRIER_SKIP_TIMING:-}" ]] && echo 20000 || echo 12000)
unset CRIER_FAKE_TIME
cache=$TMP/cache
mkdir -p "$cache" "$TMP/fx" "$TMP/state"
if [[ $(id -u) -ne 0 ]] || ! mount -t tmpfs -o size=256k,mode=0700 tmpfs "$cache" 2>"$TMP/mount.err"; then
  echo "SKIP: cannot mount a small tmpfs as the cache folder (needs root and mount rights): $(cat "$TMP/mount.err" 2>/dev/null)"
  exit 77
fi
on_exit "umount -l '$cache'"

python3 - "$TMP/fx" <<'PY'
import sys
out = sys.argv[1]
for v, n in ((1, 40), (2, 130)):
    items = "".join(f'<item><guid isPermaLink="false">v{v}-{j}</guid><title>Version {v} post {j}</title>'
                    f'<description>{"Disk full test body. " * 45}</description></item>' for j in range(n))
    open(f"{out}/v{v}.xml", "w").write(f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
                                       f'<title>disk</title>{items}</channel></rss>\n')
PY
python3 "$CRIER_SOURCE/tests/tools/httpd.py" --root "$TMP/fx" --port-file "$TMP/port" &
hpid=$!
on_exit "kill $hpid 2>/dev/null"
for _ in $(seq 50); do [[ -s "$TMP/port" ]] && break; sleep 0.1; done
base=http://127.0.0.1:$(cat "$TMP/port")
curl -fsS "$base/control?key=disk&mode=/f/v1.xml" >/dev/null
"$CRIER" --headless --size 320x180 --set cache_dir="$cache" --set state_dir="$TMP/state" --set transition=none \
  --set default_duration_s=1 --set feed_backoff_min_s=1 --set feed_backoff_max_s=1 \
  --set source.disk.type=rss --set source.disk.url="$base/mode/disk" --set source.disk.refresh_s=10 \
  --set source.disk.max_items=3 --events "$TMP/ev.jsonl" 2>"$TMP/crier.log" &
kpid=$!
on_exit "kill $kpid 2>/dev/null"
# cache_ok VERSION: the cache file is a valid cache of that version's body
cache_ok() {
  python3 - "$cache/disk.feed" "$TMP/fx/v$1.xml" <<'PY'
import re, sys
try:
    d = open(sys.argv[1], "rb").read()
except OSError:
    sys.exit(1)
m = re.match(rb"CRIER-CACHE 1\n((?:[a-z-]+: [^\n]*\n)*)\n", d)
if not m:
    sys.exit(1)
hdr = dict(l.split(": ", 1) for l in m.group(1).decode().splitlines())
body = d[m.end():]
sys.exit(0 if int(hdr.get("length", -1)) == len(body) and body == open(sys.argv[2], "rb").read() else 1)
PY
}
check "version 1 shown" wait_for 10 '"item_shown","id":"v1-' "$TMP/ev.jsonl"
check "version 1 cached" cache_ok 1
t_first=$(date +%s%3N)

# fill the disk, leaving ~40 KiB: less than version 2 needs
dd if=/dev/zero of="$cache/filler" bs=4k 2>/dev/null || true
truncate -s -40K "$cache/filler"
echo "free on the cache file system: $(df -k --output=avail "$cache" | tail -1) KiB; version 2 is $(($(stat -c %s "$TMP/fx/v2.xml") / 1024)) KiB"
curl -fsS "$base/control?key=disk&mode=/f/v2.xml" >/dev/null
check "the failed write is logged naming the cache file and ENOSPC" \
  wait_for 15 "\[file\] write $cache/disk.feed.tmp.*: No space left on device" "$TMP/crier.log"
check "... and naming the source" wait_for 2 "\[feed\] source disk: cannot write the cache" "$TMP/crier.log"
check "version 2 is shown all the same" wait_for 3 '"item_shown","id":"v2-' "$TMP/ev.jsonl"
check "the old cache file is intact (version 1)" cache_ok 1
check "no temp file left on the full disk" test "$(find "$cache" -name '*.tmp.*' | wc -l)" -eq 0
sleep 1.5
check "posts keep rotating" test "$(grep -c '"item_shown","id":"v2-' "$TMP/ev.jsonl")" -ge 2
check "nothing emptied the screen" bash -c "! grep -q '\"content_updated\",\"source\":\"disk\",\"items\":0' '$TMP/ev.jsonl'"

# space back
rm -f "$cache/filler"
t_free=$(date +%s%3N)
ok_ms=99999
for _ in $(seq 250); do
  if cache_ok 2; then ok_ms=$(($(date +%s%3N) - t_free)); break; fi
  sleep 0.1
done
check "after the space came back the next refresh cached version 2 within refresh + 2 s (${ok_ms} ms; limit ${limit_ms})" \
  test "$ok_ms" -le "$limit_ms"
check "kiosk still running" kill -0 "$kpid"
kill -TERM "$kpid"; rc=0; wait "$kpid" || rc=$?
check "kiosk exits 0 on SIGTERM ($rc)" test "$rc" -eq 0
check "no crash or sanitizer report in the log" bash -c "! grep -q 'AddressSanitizer\|runtime error:' '$TMP/crier.log'"
summary
