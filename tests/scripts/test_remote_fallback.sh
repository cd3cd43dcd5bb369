#!/usr/bin/env bash
# test_remote_fallback.sh - a broker that refuses MQTT 5: the kiosk falls back to 3.1.1.
#
# A small TCP proxy in front of a real mosquitto answers every MQTT 5 CONNECT
# the way a 3.1.1-only broker does (CONNACK "unacceptable protocol version",
# then close) and forwards 3.1.1 connections.  The kiosk's MQTT thread (via
# test_mqtt --kiosk-sim) must connect through it, receive a post, and report
# "mqtt":4 in its heartbeat; crierctl must fall back as well.
set -uo pipefail

src=${CRIER_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${CRIER_BUILD:-$src/build}
ctl=$build/crierctl
sim=$build/tests/test_mqtt
work=$(mktemp -d /tmp/crier-fallback-test.XXXXXX)
bdir="" simpid="" proxypid=""
cleanup() {
  [[ -n $simpid ]] && { kill "$simpid" 2>/dev/null; wait "$simpid" 2>/dev/null; }
  [[ -n $proxypid ]] && { kill "$proxypid" 2>/dev/null; wait "$proxypid" 2>/dev/null; }
  [[ -n $bdir ]] && bash "$src/scripts/broker.sh" stop "$bdir" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
fails=0
ok() { echo "ok   $*"; }
bad() { fails=$((fails + 1)); echo "FAIL $*"; }

line=$(bash "$src/scripts/broker.sh") || { echo "broker.sh failed"; exit 1; }
bport=$(sed 's/.*port=\([0-9]*\).*/\1/' <<<"$line")
bdir=${line##*dir=}

cat >"$work/proxy.py" <<'EOF'
import socket, sys, threading
backend = int(sys.argv[1])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0)); srv.listen(16)
print(srv.getsockname()[1], flush=True)
refused = 0
def pump(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d: break
            b.sendall(d)
    except OSError: pass
    for s in (a, b):
        try: s.shutdown(socket.SHUT_RDWR)
        except OSError: pass
def handle(c):
    global refused
    head = b""
    while len(head) < 9:
        d = c.recv(9 - len(head))
        if not d: c.close(); return
        head += d
    # fixed header 0x10, 1-byte remaining length (small CONNECTs), "\0\4MQTT", level
    level = head[8] if head[0] == 0x10 and head[2:8] == b"\x00\x04MQTT" else None
    if level == 5:
        refused += 1
        print("refused v5", flush=True)
        c.sendall(b"\x20\x02\x00\x01")  # 3.1.1 CONNACK: unacceptable protocol version
        c.close(); return
    b = socket.create_connection(("127.0.0.1", backend))
    b.sendall(head)
    threading.Thread(target=pump, args=(c, b), daemon=True).start()
    threading.Thread(target=pump, args=(b, c), daemon=True).start()
while True:
    c, _ = srv.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
EOF
python3 "$work/proxy.py" "$bport" >"$work/proxy.log" 2>&1 &
proxypid=$!
for ((i = 0; i < 100; i++)); do [[ -s $work/proxy.log ]] && break; sleep 0.05; done
pport=$(head -1 "$work/proxy.log")
[[ $pport =~ ^[0-9]+$ ]] || { echo "proxy did not start"; cat "$work/proxy.log"; exit 1; }

: >"$work/sim.log"
"$sim" --kiosk-sim "mqtt://127.0.0.1:$pport" kfb lobby >"$work/sim.log" 2>&1 &
simpid=$!
for ((i = 0; i < 100; i++)); do grep -q READY "$work/sim.log" && break; sleep 0.05; done

# crierctl through the proxy: it must fall back too
if id=$("$ctl" --broker "mqtt://127.0.0.1:$pport" post --title "via 3.1.1" --id fb-1 2>"$work/err"); then
  ok "crierctl posts through a 3.1.1-only broker"
else
  bad "crierctl through the proxy: $(cat "$work/err")"
fi
for ((i = 0; i < 100; i++)); do grep -q "UPSERT fb-1" "$work/sim.log" && break; sleep 0.05; done
grep -q "UPSERT fb-1 via 3.1.1" "$work/sim.log" && ok "kiosk received the post over 3.1.1" || bad "kiosk did not get the post"
grep -q "refused v5" "$work/proxy.log" && ok "the proxy refused MQTT 5 at least once" || bad "no v5 attempt seen"
sleep 1
if "$ctl" --broker "mqtt://127.0.0.1:$bport" status kfb --json >"$work/status" 2>&1 && grep -q '"mqtt":4' "$work/status"; then
  ok "heartbeat reports MQTT 3.1.1"
else
  bad "heartbeat does not report mqtt 4: $(cat "$work/status")"
fi
"$ctl" --broker "mqtt://127.0.0.1:$bport" retract fb-1 >/dev/null 2>&1
((fails == 0)) && echo "all passed"
((fails == 0))
