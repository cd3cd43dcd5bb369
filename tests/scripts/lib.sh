# lib.sh - shared helpers for tests/scripts/test_*.sh (sourced, not run).
set -euo pipefail
: "${CRIER_BUILD:?run through ctest (CRIER_BUILD unset)}"
: "${CRIER_SOURCE:?run through ctest (CRIER_SOURCE unset)}"
CRIER=$CRIER_BUILD/crier
TMP=$(mktemp -d /tmp/crier-test.XXXXXX)
PASSED=0 FAILED=0
_cleanup_fns=()
on_exit() { _cleanup_fns+=("$1"); }
# wait_for SECONDS PATTERN FILE (tests/scripts/wait_lib.sh)
source "$(dirname "${BASH_SOURCE[0]}")/wait_lib.sh"

# start_broker: a throw-away mosquitto (scripts/broker.sh) on a free loopback
# port, stopped at exit; sets port, bdir (its folder) and url.
start_broker() {
  local line
  line=$("$CRIER_SOURCE/scripts/broker.sh" start) || exit 1
  port=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$line")
  bdir=$(sed -n 's/.*dir=\(.*\)$/\1/p' <<<"$line")
  on_exit "'$CRIER_SOURCE/scripts/broker.sh' stop '$bdir'"
  url=mqtt://127.0.0.1:$port
}

# start_xvfb WxHxD: a virtual X server on a display it picks itself (-displayfd:
# no race with another test starting one at the same moment), stopped at exit;
# exports DISPLAY, sets xpid.  Fails the test when it does not come up.
start_xvfb() {
  Xvfb -displayfd 1 -screen 0 "$1" -nolisten tcp >"$TMP/xvfb.display" 2>"$TMP/xvfb.log" &
  xpid=$!
  on_exit "kill $xpid"
  local n=""
  for _ in $(seq 200); do n=$(head -n1 "$TMP/xvfb.display" 2>/dev/null); [[ -n $n ]] && break; sleep 0.05; done
  [[ -n $n ]] || { fail "Xvfb started (see $TMP/xvfb.log)"; summary; exit 1; }
  export DISPLAY=:$n
}

# start_demo_kiosk EVENTS LOG [crier args...]: a real headless kiosk (960x540)
# with the demo configuration on the test broker ($url, start_broker first),
# kiosk_id hall-1 at site town-hall, a heartbeat every 5 s, the extra args
# (--set KEY=VALUE...), its --events in EVENTS and its stderr in LOG; killed at
# exit; sets kpid.
start_demo_kiosk() {
  local ev=$1 log=$2
  shift 2
  "$CRIER" --config "$CRIER_SOURCE/assets/demo/demo.conf" --headless --size 960x540 \
    --set broker_url="$url" --set kiosk_id=hall-1 --set site=town-hall --set heartbeat_s=5 \
    "$@" --events "$ev" 2>"$log" &
  kpid=$!
  on_exit "kill $kpid 2>/dev/null"
}

# write_feeds_conf FILE "KEYS" SOURCE_FIELD [LINE...]: the kiosk configuration
# of the feed fault tests: cache and state in $TMP, 1 s per item, no
# transition, 1 s feed back-off, the extra "key = value" LINEs, then an RSS
# source per key in KEYS at $base/mode/KEY (tests/tools/httpd.py's switchable
# route), refreshed every 10 s, each with SOURCE_FIELD ("field = value").
write_feeds_conf() {
  local conf=$1 keys=$2 field=$3 k l
  shift 3
  {
    echo "cache_dir = $TMP/cache"
    echo "state_dir = $TMP/state"
    echo "default_duration_s = 1"
    echo "transition = none"
    echo "feed_backoff_min_s = 1"
    echo "feed_backoff_max_s = 1"
    for l in "$@"; do echo "$l"; done
    for k in $keys; do
      echo "source.$k.type = rss"
      echo "source.$k.url = $base/mode/$k"
      echo "source.$k.refresh_s = 10"
      echo "source.$k.$field"
    done
  } >"$conf"
}

# Keeps the test's exit status: a process still writing into $TMP while it
# stops (rm: "Directory not empty") must not turn a passed test into a failure.
_run_cleanup() {
  local rc=$? f
  for f in "${_cleanup_fns[@]}"; do eval "$f" || true; done
  rm -rf "$TMP" 2>/dev/null || { sleep 0.5; rm -rf "$TMP" 2>/dev/null; } || true
  return $rc
}
trap _run_cleanup EXIT
ok() { PASSED=$((PASSED + 1)); echo "ok   $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
# check DESCRIPTION COMMAND...: passes when COMMAND succeeds
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
# summary: prints the closing line and sets the exit status
summary() { echo "$PASSED passed, $FAILED failed"; ((FAILED == 0)); }
# Fixed clock and time zone for reproducible frames.
export CRIER_FAKE_TIME=2026-11-26T10:00:00Z TZ=UTC LC_ALL=C.UTF-8
