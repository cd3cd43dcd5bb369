#!/usr/bin/env bash
# test_alerts_crierctl.sh - crierctl keygen / alert / update / cancel / signed post end
# to end against a real mosquitto broker (scripts/broker.sh) and two stand-in kiosks
# (test_alerts --kiosk-sim: the real alert service alerts/alerts.c and MQTT thread
# remote/mqtt.c, with a stand-in renderer that reports every alert snapshot presented):
# key files and modes, signed alerts in two languages with --wait receipts, Update and
# Cancel found on the broker, a site-scoped alert with a kiosk that does not answer,
# an untrusted key, no key, --from-cap, signed and unsigned posts, exit codes.
set -uo pipefail

src=${CRIER_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${CRIER_BUILD:-$src/build}
ctl=$build/crierctl
sim=$build/tests/test_alerts
[[ -x $ctl ]] || { echo "missing $ctl"; exit 1; }
[[ -x $sim ]] || { echo "missing $sim"; exit 1; }
source "$(dirname "$0")/wait_lib.sh" # wait_for SECONDS PATTERN FILE

work=$(mktemp -d /tmp/crier-alerts-test.XXXXXX)
bdir="" sims=()
cleanup() {
  for p in "${sims[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  [[ -n $bdir ]] && bash "$src/scripts/broker.sh" stop "$bdir" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

fails=0 passes=0
ok() { passes=$((passes + 1)); echo "ok   $*"; }
bad() { fails=$((fails + 1)); echo "FAIL $*"; }
expect() { # CODE DESCRIPTION -- command...   (stdout+stderr in $work/out)
  local want=$1 what=$2
  shift 3
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  cat "$work/err" >>"$work/out"
  if [[ $got -eq $want ]]; then ok "$what (exit $got)"; else bad "$what: exit $got, want $want"; sed 's/^/     /' "$work/out"; fi
}
out_has() {
  if grep -q -- "$1" "$work/out"; then ok "$2"; else bad "$2: no '$1' in output"; sed 's/^/     /' "$work/out"; fi
}
# shows FILE PATTERN [SECONDS]: the kiosk's latest "ALERTS ..." line matches PATTERN
shows() {
  local i
  for ((i = 0; i < ${3:-5} * 20; i++)); do grep "^ALERTS" "$1" | tail -1 | grep -q -- "$2" && return 0; sleep 0.05; done
  return 1
}

line=$(bash "$src/scripts/broker.sh") || { echo "broker.sh failed"; exit 1; }
port=$(sed 's/.*port=\([0-9]*\).*/\1/' <<<"$line")
bdir=${line##*dir=}
url=mqtt://127.0.0.1:$port

# ---- keygen -----------------------------------------------------------------------
C=("$ctl" --broker "$url" --timeout 5)
expect 0 "keygen" -- "${C[@]}" keygen --issuer "Town Hall Emergency Office" --out "$work/staff"
out_has "key id [0-9a-f]\{16\}" "keygen prints the key id"
key=$work/staff/Town-Hall-Emergency-Office.key
pub=$work/staff/Town-Hall-Emergency-Office.pub
[[ -f $key && -f $pub ]] && ok "keygen wrote .key and .pub" || bad "key files missing: $(ls "$work/staff")"
[[ $(stat -c %a "$key") == 600 ]] && ok "secret key is mode 0600" || bad "secret key mode $(stat -c %a "$key")"
grep -q "^issuer: Town Hall Emergency Office" "$pub" && ok "public key names the issuer" || bad "issuer not in $pub"
grep -q "^secret:" "$pub" && bad "public key file holds the secret" || ok "public key file has no secret"
expect 7 "keygen refuses to overwrite" -- "${C[@]}" keygen --issuer "Town Hall Emergency Office" --out "$work/staff"
expect 1 "keygen without --issuer" -- "${C[@]}" keygen --out "$work/staff"
expect 0 "keygen of an untrusted key" -- "${C[@]}" keygen --issuer Mallory --out "$work/mallory"

# ---- two kiosks trusting the Town Hall key -------------------------------------------
mkdir -p "$work/kiosk-keys"
cp "$pub" "$work/kiosk-keys/"
"$sim" --kiosk-sim "$url" k1 townhall "$work/kiosk-keys" "$work/k1-alerts.json" >"$work/k1.log" 2>&1 &
sims+=($!)
"$sim" --kiosk-sim "$url" k2 library "$work/kiosk-keys" "$work/k2-alerts.json" >"$work/k2.log" 2>&1 &
sims+=($!)
wait_for 5 READY "$work/k1.log" && wait_for 5 READY "$work/k2.log" || bad "kiosk sims did not start"
sleep 0.5 # retained online status

S=("${C[@]}" --signing-key "$key")
expect 1 "alert without a signing key" -- "${C[@]}" alert --event Fire --severity Extreme --headline "Leave now"
out_has "no signing key" "says that a key is needed"
expect 1 "alert the kiosks would reject (bad severity)" -- "${S[@]}" alert --event Fire --severity Huge --headline x
out_has "kiosks would reject" "explains the rejection before sending"

expect 0 "alert in two languages, wait for both kiosks" -- "${S[@]}" alert --all --event Evacuation --severity Extreme \
  --headline "Evacuate the town hall now" --instruction "Leave by the east stairs." --expires +2h \
  --lang de --headline "Rathaus sofort räumen" --wait 2 --timeout 10
id=$(head -1 "$work/out")
cp "$work/out" "$work/first-alert.out"
[[ $id =~ ^a-[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$ ]] && ok "alert prints its identifier ($id)" || bad "alert id '$id'"
out_has "^k1 *accepted" "k1 accepted it"
out_has "^k2 *accepted" "k2 accepted it"
out_has "Town Hall Emergency Office" "receipts name the issuer"
out_has "2 receipt(s) (0 rejected) of 2 wanted; send to screen: p50 [0-9-]* ms, max [0-9-]* ms" "summary line"
out_has "no answer: -" "every kiosk answered"
shows "$work/k1.log" "ALERTS 1 $id" && ok "k1 shows the alert" || bad "k1 does not show $id"
shows "$work/k2.log" "ALERTS 1 $id" && ok "k2 shows the alert" || bad "k2 does not show $id"
p50=$(sed -n 's/.*p50 \([0-9-]*\) ms.*/\1/p' "$work/out")
[[ -n $p50 && $p50 -lt 1000 ]] && ok "send to screen p50 ${p50} ms < 1 s" || bad "p50 '$p50'"

expect 0 "update found on the broker" -- "${S[@]}" update "$id" --event Evacuation --severity Severe \
  --headline "Use the west exit" --expires +1h --wait 2 --timeout 10
uid=$(head -1 "$work/out")
out_has "^k1 *accepted" "k1 accepted the update"
shows "$work/k1.log" "ALERTS 1 $uid" && ok "k1 shows the update instead" || bad "k1 does not show $uid"

expect 0 "cancel (of the original id: the chain is followed)" -- "${S[@]}" cancel "$id" --wait 2 --timeout 10
out_has "^k2 *accepted" "k2 accepted the cancel"
shows "$work/k1.log" "ALERTS 0" && ok "k1 cleared the alert" || bad "k1 still shows an alert"
shows "$work/k2.log" "ALERTS 0" && ok "k2 cleared the alert" || bad "k2 still shows an alert"
expect 6 "cancel of an unknown alert" -- "${S[@]}" cancel no-such-alert
expect 0 "cancel of an unknown alert with a scope is sent anyway" -- "${S[@]}" cancel no-such-alert --all

expect 5 "site alert: one kiosk answers, wait for two" -- "${S[@]}" alert --site townhall --event Fire \
  --severity Severe --headline "Fire drill at noon" --status Exercise --wait 2 --timeout 3
out_has "^k1 *accepted" "k1 (townhall) answered"
grep -q "^k2 " "$work/out" && bad "k2 (library) answered a townhall alert" || ok "k2 (library) did not get it"
out_has "only 1 of 2" "reports the missing answer"

expect 7 "alert signed with an untrusted key is rejected" -- "${C[@]}" --signing-key "$work/mallory/Mallory.key" \
  alert --kiosk k1 --event Hoax --severity Extreme --headline "Fake evacuation" --wait 1 --timeout 5
out_has "rejected" "receipt says rejected"
out_has "unknown key" "receipt names the reason"
grep -q "Hoax\|Fake" "$work/k1.log" && bad "the fake alert reached the screen" || ok "the fake alert never shown"

chmod 644 "$key"
expect 1 "a group-readable secret key is refused" -- "${S[@]}" alert --event Fire --severity Extreme --headline x
chmod 600 "$key"

# CAP 1.2 XML, with times around now
now=$(date -u +%Y-%m-%dT%H:%M:%S+00:00)
later=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%S+00:00)
cat >"$work/cap.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>cap-test-$RANDOM</identifier>
  <sender>warnings@national.example</sender>
  <sent>$now</sent>
  <status>Actual</status>
  <msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <language>en-GB</language>
    <category>Met</category>
    <event>Flood warning</event>
    <urgency>Expected</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <expires>$later</expires>
    <headline>River Tamar expected to flood</headline>
    <area><areaDesc>Riverside</areaDesc></area>
  </info>
</alert>
EOF
expect 0 "alert --from-cap" -- "${S[@]}" alert --from-cap "$work/cap.xml" --all --wait 2 --timeout 10
out_has "^cap-test-" "prints the CAP identifier"
out_has "^k2 *accepted" "k2 accepted the CAP alert"
expect 1 "alert --from-cap of a hostile document" -- "${S[@]}" alert --from-cap "$src/tests/fixtures/cap/hostile_billion_laughs.xml"

# ---- signed staff posts --------------------------------------------------------------
expect 0 "signed post" -- "${S[@]}" post --kiosk k1 --title "Signed notice" --until +1h
wait_for 5 "POST 1" "$work/k1.log" && ok "k1 accepted the signed post" || bad "k1 did not take the signed post"
expect 0 "list shows the signed post's title" -- "${C[@]}" list --kiosk k1
out_has "Signed notice" "title read from inside the envelope"
expect 0 "unsigned post (published; kiosks with keys refuse it)" -- "${C[@]}" post --kiosk k1 --title "Unsigned" --until +1h
sleep 1
grep -q "POST 2" "$work/k1.log" && bad "k1 took an unsigned post" || ok "k1 refused the unsigned post"

[[ -n ${SHOW_OUT:-} ]] && cat "$work/first-alert.out"
echo "$passes passed, $fails failed"
((fails == 0))
