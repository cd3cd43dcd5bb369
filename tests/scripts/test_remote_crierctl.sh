#!/usr/bin/env bash
# test_remote_crierctl.sh - crierctl end to end against real mosquitto brokers
# (scripts/broker.sh) and a stand-in kiosk (test_mqtt --kiosk-sim, the real
# MQTT thread of remote/mqtt.c): post, list, status, identify, reload, screenshot,
# retract, every documented exit code, a config file, TLS with a test CA,
# a login refused and an ACL that refuses a publish.
set -uo pipefail

src=${CRIER_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${CRIER_BUILD:-$src/build}
ctl=$build/crierctl
sim=$build/tests/test_mqtt
[[ -x $ctl ]] || { echo "missing $ctl"; exit 1; }
[[ -x $sim ]] || { echo "missing $sim"; exit 1; }
source "$(dirname "$0")/wait_lib.sh" # wait_for SECONDS PATTERN FILE

work=$(mktemp -d /tmp/crier-remote-test.XXXXXX)
brokers=() sims=()
cleanup() {
  for p in "${sims[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  for d in "${brokers[@]}"; do bash "$src/scripts/broker.sh" stop "$d" >/dev/null 2>&1; done
  rm -rf "$work"
}
trap cleanup EXIT

fails=0 passes=0
ok() { passes=$((passes + 1)); echo "ok   $*"; }
bad() { fails=$((fails + 1)); echo "FAIL $*"; }
# expect CODE DESCRIPTION -- command...   (stdout+stderr in $work/out)
expect() {
  local want=$1 what=$2
  shift 3
  "$@" >"$work/out" 2>&1
  local got=$?
  if [[ $got -eq $want ]]; then ok "$what (exit $got)"; else bad "$what: exit $got, want $want"; sed 's/^/     /' "$work/out"; fi
}
out_has() {
  if grep -q -- "$1" "$work/out"; then ok "$2"; else bad "$2: no '$1' in output"; sed 's/^/     /' "$work/out"; fi
}
start_broker() { # args -> sets $port $bdir
  local line
  line=$(bash "$src/scripts/broker.sh" "$@") || { echo "broker.sh $* failed"; exit 1; }
  port=$(sed 's/.*port=\([0-9]*\).*/\1/' <<<"$line")
  bdir=${line##*dir=}
  brokers+=("$bdir")
}

# ---- plain broker, one kiosk "k1" at site "lobby" ---------------------------------
start_broker
url=mqtt://127.0.0.1:$port
"$sim" --kiosk-sim "$url" k1 lobby >"$work/sim.log" 2>&1 &
sims+=($!)
wait_for 5 READY "$work/sim.log" || bad "kiosk sim did not start"
C=("$ctl" --broker "$url" --timeout 5)

expect 0 "post to a site" -- "${C[@]}" post --title "Hello lobby" --body "Open 8-16" --site lobby --until +2h --lang de,en
id=$(head -1 "$work/out")
[[ $id =~ ^p-[0-9]{8}-[0-9]{6}-[0-9a-f]{4}$ ]] && ok "post prints its id ($id)" || bad "post id '$id'"
wait_for 5 "UPSERT $id Hello lobby" "$work/sim.log" && ok "kiosk received the post" || bad "kiosk did not receive $id"

expect 0 "post to another site" -- "${C[@]}" post --title "Garage only" --site garage --id garage-1
sleep 0.3
grep -q "garage-1" "$work/sim.log" && bad "kiosk of lobby got a garage post" || ok "post for another site not delivered"

expect 0 "list" -- "${C[@]}" list
out_has "$id" "list shows the post"
out_has "site:garage" "list shows the scope"
expect 0 "list --json" -- "${C[@]}" list --site lobby --json
out_has "\"id\":\"$id\"" "list --json shows the post"

sleep 2.5 # a heartbeat after the post
expect 0 "status" -- "${C[@]}" status
out_has "k1 " "status lists k1"
out_has "online" "status shows online"
out_has "Hello lobby" "status shows what is on screen"
expect 0 "status --json" -- "${C[@]}" status k1 --json
out_has '"uptime_s"' "status --json has the heartbeat"
expect 6 "status of an unknown kiosk" -- "${C[@]}" status nosuch

expect 0 "identify" -- "${C[@]}" identify k1 --seconds 5
wait_for 5 "COMMAND identify" "$work/sim.log" && ok "kiosk got identify" || bad "no identify"
expect 0 "reload" -- "${C[@]}" reload k1
wait_for 5 "COMMAND reload" "$work/sim.log" && ok "kiosk got reload" || bad "no reload"
expect 0 "screenshot" -- "${C[@]}" screenshot k1 --out "$work/shot.png"
if [[ -f $work/shot.png ]] && head -c 4 "$work/shot.png" | grep -q PNG; then ok "screenshot is a PNG"; else bad "no PNG written"; fi
expect 5 "screenshot of an absent kiosk times out" -- "${C[@]}" screenshot nosuch --out "$work/x.png" --timeout 1
out_has "no answer from kiosk 'nosuch'" "timeout message"

expect 0 "retract" -- "${C[@]}" retract "$id"
wait_for 5 "RETRACT $id" "$work/sim.log" && ok "kiosk removed the post" || bad "no retract at the kiosk"
expect 6 "retract again: not found" -- "${C[@]}" retract "$id"
expect 0 "retract with a scope" -- "${C[@]}" retract garage-1 --site garage

# ---- bad arguments and content -------------------------------------------------------------
expect 1 "post without title" -- "${C[@]}" post --body x
out_has "--title is required" "missing title message"
expect 1 "post valid until the past" -- "${C[@]}" post --title x --until 2001-01-01T00:00:00Z
out_has "in the past" "past message"
expect 1 "post with a bad link" -- "${C[@]}" post --title x --link "javascript:alert(1)"
expect 1 "post with a bad time" -- "${C[@]}" post --title x --until tomorrow
expect 1 "two scopes" -- "${C[@]}" post --title x --all --site a
expect 1 "unknown command" -- "${C[@]}" frobnicate
expect 1 "unknown option" -- "$ctl" --frob list
expect 1 "bad broker url" -- "$ctl" --broker http://x list
expect 1 "missing password file" -- "$ctl" --broker "$url" --user u --password-file /nonexistent list
for c in post retract list status screenshot reload identify keygen alert update cancel; do
  expect 0 "$c --help" -- "$ctl" "$c" --help
done
out_has "Sends a signed Cancel" "cancel help"
for c in keygen alert update cancel; do
  expect 1 "$c without arguments" -- "${C[@]}" "$c"
done
expect 0 "--help" -- "$ctl" --help
out_has "Exit codes" "help documents exit codes"

# ---- broker unreachable ------------------------------------------------------------------------
dead=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
expect 3 "broker unreachable" -- "$ctl" --broker "mqtt://127.0.0.1:$dead" list
out_has "cannot reach the broker" "unreachable message"

# ---- config file -----------------------------------------------------------------------------------
cat >"$work/crierctl.conf" <<EOF
# staff defaults
broker = $url
scope = site:lobby
timeout = 5
EOF
expect 0 "post with defaults from --config" -- "$ctl" --config "$work/crierctl.conf" post --title "From config" --id cfg-1
expect 0 "list via config" -- "$ctl" --config "$work/crierctl.conf" list --site lobby
out_has "cfg-1" "config scope used"
wait_for 5 "UPSERT cfg-1" "$work/sim.log" && ok "kiosk got the config-scoped post" || bad "no cfg-1 at kiosk"
HOME=$work XDG_CONFIG_HOME=$work expect 0 "XDG config picked up" -- "$ctl" list --site lobby
printf 'bogus = 1\n' >"$work/bad.conf"
expect 1 "unknown config key" -- "$ctl" --config "$work/bad.conf" list
"${C[@]}" retract cfg-1 >/dev/null 2>&1

# ---- login refused, ACL refuses a publish ------------------------------------------------------------
printf 'user staff\ntopic readwrite crier/v1/#\n\nuser viewer\ntopic read crier/v1/#\n' >"$work/acl"
start_broker --user staff:s3cret --user viewer:v1ew --acl "$work/acl"
aurl=mqtt://127.0.0.1:$port
printf 's3cret\n' >"$work/staff.pw"
printf 'wrong\n' >"$work/wrong.pw"
printf 'v1ew\n' >"$work/viewer.pw"
expect 4 "wrong password" -- "$ctl" --broker "$aurl" --user staff --password-file "$work/wrong.pw" list
out_has "refused the login" "login refused message"
expect 0 "right password" -- "$ctl" --broker "$aurl" --user staff --password-file "$work/staff.pw" post --title ok --id auth-1
expect 4 "ACL refuses the viewer's post" -- "$ctl" --broker "$aurl" --user viewer --password-file "$work/viewer.pw" post --title no
out_has "refused the publish" "ACL message"
expect 0 "viewer may list" -- "$ctl" --broker "$aurl" --user viewer --password-file "$work/viewer.pw" list
out_has "auth-1" "viewer sees the post"

# ---- TLS with a test CA ----------------------------------------------------------------------------------
start_broker --tls
turl=mqtts://127.0.0.1:$port
SIM_CAFILE=$bdir/ca.crt "$sim" --kiosk-sim "$turl" ktls lobby >"$work/sim-tls.log" 2>&1 &
sims+=($!)
wait_for 5 READY "$work/sim-tls.log" || bad "TLS kiosk sim did not start"
expect 0 "post over TLS" -- "$ctl" --broker "$turl" --cafile "$bdir/ca.crt" post --title "Secure" --id tls-1
wait_for 5 "UPSERT tls-1 Secure" "$work/sim-tls.log" && ok "TLS kiosk got the post" || bad "TLS kiosk did not get the post"
expect 0 "client certificate" -- "$ctl" --broker "$turl" --cafile "$bdir/ca.crt" --cert "$bdir/client.crt" --key "$bdir/client.key" list
expect 3 "TLS without the test CA" -- "$ctl" --broker "$turl" list
expect 3 "plain MQTT to a TLS port" -- "$ctl" --broker "mqtt://127.0.0.1:$port" --timeout 2 list

echo "$passes passed, $fails failed"
((fails == 0))
