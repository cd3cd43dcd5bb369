#!/usr/bin/env bash
# Faults: the kiosk SIGKILLed while it saves its alert state (STATE_DIR/alerts.json).
#
# A local mosquitto (scripts/broker.sh), a trusted signing key, a headless
# kiosk.  ROUNDS times: the kiosk is started, a sender publishes signed alerts
# back to back with crierctl, and the kiosk is SIGKILLed 0..4 ms after its
# K-th alert_received event (K random 1..4; the state is saved right after that
# event, so most kills land in or next to a save).  After every kill:
#   - alerts.json parses as JSON, is a crier-alert-state, and no ".corrupt"
#     copy ever appears (the loader renames a corrupt file to .corrupt);
#   - nothing is lost: every alert received >= 100 ms before the kill is in its
#     "active" list (earlier rounds' alerts included: they expire in 1 h);
#   - temp files of killed kiosks do not pile up (the next start removes them);
# then the kiosk is started with the broker unreachable and must present an
# active alert from that file (alert_presented) within 2 s of the start, with
# alerts_updated counting every active alert of the file.  At the end, with the
# broker reachable again, every alert ever sent is active and saved (what a kill
# cut off before its save comes back from the broker's retained copy).
source "$(dirname "$0")/lib.sh"
[[ -n "${KEEP_LOG:-}" ]] && on_exit "cp $TMP/crier.log $KEEP_LOG; cp $TMP/state/alerts.json $KEEP_LOG.json"
# recovery limit: 2 s (10 s in sanitizer builds, where CRIER_SKIP_TIMING is set)
limit_ms=$([[ -n "${CRIER_SKIP_TIMING:-}" ]] && echo 10000 || echo 2000)
ROUNDS=${ROUNDS:-8}
unset CRIER_FAKE_TIME
CTL=$CRIER_BUILD/crierctl
start_broker
dead=mqtt://127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$TMP/staff" "$TMP/keys" "$TMP/state"
"$CTL" keygen --issuer "Kill Office" --out "$TMP/staff" >/dev/null
cp "$TMP/staff/Kill-Office.pub" "$TMP/keys/"

start_kiosk() { # start_kiosk BROKER_URL EVENTS -> $kpid
  "$CRIER" --headless --size 320x180 --set broker_url="$1" --set kiosk_id=kill-1 --set site=faults \
    --set state_dir="$TMP/state" --set cache_dir="$TMP/cache" --set alert_keys_dir="$TMP/keys" \
    --set transition=none --set broker_reconnect_min_ms=200 --set broker_reconnect_max_ms=500 \
    --events "$2" 2>>"$TMP/crier.log" &
  kpid=$!
}

bad=0 lost=0 worst=0 not_presented=0 count_wrong=0 max_left=0 temps_after_kill=0 kills=0
for ((i = 1; i <= ROUNDS; i++)); do
  ev=$TMP/ev-$i.jsonl
  start_kiosk "$url" "$ev"
  for _ in $(seq 100); do grep -q "\[mqtt\] connected to" "$TMP/crier.log" 2>/dev/null && [[ -s "$ev" ]] && break; sleep 0.05; done
  sleep 0.3
  k=$((RANDOM % 4 + 1))
  # sender (started by the watcher once it watches): alerts back to back, at most 6 a
  # round (8 rounds stay under the 64 active alerts a kiosk keeps)
  printf '%s\n' "for j in 1 2 3 4 5 6; do" \
    "  '$CTL' --broker '$url' --timeout 3 alert --key '$TMP/staff/Kill-Office.key' --kiosk kill-1 --id k$i-\$j \\" \
    "    --event 'Kill test' --severity Moderate --headline \"Kill test $i.\$j\" --expires +1h >/dev/null 2>&1 || true" \
    "done" >"$TMP/sender.sh"
  out=$(python3 - "$ev" "$kpid" "$k" "$TMP" <<'PY'
import os, random, subprocess, sys, time
ev, pid, k, tmp = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
base = open(ev).read().count('"alert_received"')
sender = subprocess.Popen(["bash", f"{tmp}/sender.sh"])
deadline = time.time() + 10
size = -1
while time.time() < deadline:
    st = os.stat(ev).st_size
    if st != size:
        size = st
        if open(ev).read().count('"alert_received"') - base >= k:
            break
    time.sleep(0.0002)
time.sleep(random.uniform(0, 0.004))
os.kill(pid, 9)
t_kill = int(time.time() * 1000)
temps = [f for f in os.listdir(f"{tmp}/state") if ".tmp." in f]
sender.wait()
print(t_kill, len(temps))
PY
)
  wait "$kpid" 2>/dev/null || true
  kills=$((kills + 1))
  read -r t_kill temps <<<"$out"
  ((temps > 0)) && temps_after_kill=$((temps_after_kill + 1))
  res=$(python3 - "$TMP/state/alerts.json" "$ev" "$t_kill" <<'PY'
import json, os, sys
path, ev, t_kill = sys.argv[1], sys.argv[2], int(sys.argv[3])
got = [json.loads(l) for l in open(ev) if '"alert_received"' in l]
try:
    st = json.load(open(path))
    ok = isinstance(st, dict) and st.get("type") == "crier-alert-state" and isinstance(st.get("active"), list)
except FileNotFoundError as e:
    # killed inside the very first save: no file yet is a clean start (the
    # temp file is swept at the next start); fine while nothing was received
    # 100 ms or more before the kill
    if any(e2["t_ms"] <= t_kill - 100 for e2 in got):
        print("bad", "-", 0, repr(e)[:80]); sys.exit()
    st, ok = {"active": []}, True
except (OSError, ValueError) as e:
    print("bad", "-", 0, repr(e)[:80]); sys.exit()
def idents(o):
    if isinstance(o, dict):
        if isinstance(o.get("identifier"), str):
            yield o["identifier"]
        for v in o.values():
            yield from idents(v)
    elif isinstance(o, list):
        for v in o:
            yield from idents(v)
active = set(idents(st["active"]))
lost = [e["identifier"] for e in got if e["t_ms"] <= t_kill - 100 and e["identifier"] not in active]
print("ok" if ok else "bad", ",".join(sorted(active)) or "-", len(lost), ",".join(lost) or "-")
PY
)
  read -r verdict active nlost lostids <<<"$res"
  [[ $verdict == ok ]] || { bad=$((bad + 1)); echo "  round $i: alerts.json unusable: $res"; }
  ((nlost > 0)) && { lost=$((lost + nlost)); echo "  round $i: lost $lostids"; }
  nactive=$(tr ',' '\n' <<<"$active" | grep -vc '^-$' || true)

  # restart with the broker unreachable: the saved alert is back on screen
  ev2=$TMP/ev-r$i.jsonl
  t0=$(date +%s%3N)
  start_kiosk "$dead" "$ev2"
  r=$(python3 - "$ev2" "$t0" "$active" "$nactive" <<'PY'
import json, sys, time
ev, t0, active, n = sys.argv[1], int(sys.argv[2]), set(sys.argv[3].split(",")) - {"-"}, int(sys.argv[4])
deadline = time.time() + 12
pres, count = None, None
while time.time() < deadline:
    try:
        evs = [json.loads(l) for l in open(ev) if l.endswith("\n")]
    except OSError:
        evs = []
    for e in evs:
        if e["event"] == "alert_presented" and pres is None:
            pres = e
        if e["event"] == "alerts_updated":
            count = e["count"]
    if (pres or not active) and count is not None:
        break
    time.sleep(0.05)
ms = pres["t_ms"] - t0 if pres else (0 if not active else 99999)
print(ms, 1 if (not active or (pres and pres["identifier"] in active)) else 0, 1 if count == n else 0, count)
PY
)
  kill -KILL "$kpid"; wait "$kpid" 2>/dev/null || true
  read -r ms presented_ok count_ok count <<<"$r"
  left=$(find "$TMP/state" -name '*.tmp.*' | wc -l)
  ((left > max_left)) && max_left=$left
  echo "round $i: killed after alert_received #$k (temp file at the kill: $temps); active in the file: $nactive;" \
    "restart with no broker: alert on screen after $ms ms, alerts_updated count $count; temp files left: $left"
  ((ms > worst)) && worst=$ms
  ((presented_ok == 1)) || not_presented=$((not_presented + 1))
  ((count_ok == 1)) || count_wrong=$((count_wrong + 1))
done
# Finally, with the broker back: what a kill cut off before it was saved comes back
# from the broker's retained copies, and every alert sent is active and saved.
ev=$TMP/ev-final.jsonl
start_kiosk "$url" "$ev"
want=$((ROUNDS * 6))
for _ in $(seq 100); do grep -q "\"alerts_updated\",\"count\":$want" "$ev" 2>/dev/null && break; sleep 0.05; done
sleep 0.3
kill -TERM "$kpid"; rc=0; wait "$kpid" || rc=$?
check "kiosk exits 0 on SIGTERM ($rc)" test $rc -eq 0
saved=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["active"]))' "$TMP/state/alerts.json")
# An alert whose save a kill cut off comes back from the broker in a retained burst in topic
# order, not send order: the alert service applies a burst in sequence order and tolerates
# out-of-order sequences within a window, so none is refused.
check "with the broker back every one of the $want alerts sent is active and saved ($saved)" test "$saved" -eq "$want"
echo "kills with a save in progress (temp file present): $temps_after_kill of $kills"
# Whether a kill lands inside a save is timing: a hard check in a plain build, a
# note in sanitizer builds (CRIER_SKIP_TIMING), where the save is slower than the kill
# window and the other checks still prove nothing is lost or corrupt.
if [[ -z "${CRIER_SKIP_TIMING:-}" ]]; then
  check "some kills landed inside a save (a temp file present at the kill: $temps_after_kill of $kills)" \
    test "$temps_after_kill" -ge 1
fi
check "alerts.json always parses and is a crier-alert-state ($kills kills)" test $bad -eq 0
check "no alert state was ever found corrupt" bash -c "! ls '$TMP/state/'*.corrupt 2>/dev/null && ! grep -q 'alert state .* is corrupt' '$TMP/crier.log'"
check "nothing received >= 100 ms before a kill was lost ($lost lost)" test $lost -eq 0
check "after each restart with no broker an active alert of the file is presented" test $not_presented -eq 0
check "... within ${limit_ms} ms of the start (worst $worst ms)" test "$worst" -le "$limit_ms"
check "... and alerts_updated counts every active alert of the file" test $count_wrong -eq 0
check "temp files of killed kiosks do not pile up (max left after a restart: $max_left)" test "$max_left" -eq 0
check "the restored state is logged" grep -q "\[alert\] loaded [0-9]* active alert(s) from $TMP/state/alerts.json" "$TMP/crier.log"
check "no crash or sanitizer report in the log" bash -c "! grep -q 'AddressSanitizer\|runtime error:' '$TMP/crier.log'"
summary
