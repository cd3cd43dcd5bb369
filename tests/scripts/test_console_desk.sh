#!/usr/bin/env bash
# The console's emergency desk through its JSON API, against a real mosquitto
# and a real headless kiosk: templates with placeholders, the two-person rule
# (an editor's Actual evacuation waits, the author cannot approve it, a second
# person does, the kiosk shows it and both names are in the audit log and in
# the signed note), receipts filling in, Update / All-clear / Cancel from the
# referenced alert, a Test alert sent by one person, hostile input refused,
# and crierctl approve.  The CAP relay part runs a local HTTP server serving
# a CAP index and alerts (tests/console/cap_server.py).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/console_lib.sh"
unset CRIER_FAKE_TIME
start_broker
start_console_and_kiosk "$@"
check "kiosk presents frames" wait_for 15 '"first_frame"' "$ev"

j() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
declare -A CSRF
login() { # login USER PASSWORD
  local out
  out=$(curl -s -c "$TMP/jar.$1" -H 'Content-Type: application/json' -d "{\"user\":\"$1\",\"password\":\"$2\"}" "$api/api/login")
  CSRF[$1]=$(j 'd["csrf"]' <<<"$out")
}
as() { # as USER METHOD PATH [JSON] -> body; status in $TMP/status
  curl -s -b "$TMP/jar.$1" -X "$2" -H "X-CSRF-Token: ${CSRF[$1]}" -H 'Content-Type: application/json' \
    -w '\n%{http_code}' ${4:+-d "$4"} "$api$3" > "$TMP/resp"
  tail -1 "$TMP/resp" > "$TMP/status"
  sed '$d' "$TMP/resp"
}
status() { cat "$TMP/status"; }
login admin "correct horse battery"
for u in ed:editor bob:publisher carol:publisher; do
  as admin POST /api/users "{\"user\":\"${u%%:*}\",\"password\":\"password-${u%%:*}\",\"role\":\"${u##*:}\"}" >/dev/null
  login "${u%%:*}" "password-${u%%:*}"
done
check "four users logged in" test -n "${CSRF[ed]}" -a -n "${CSRF[bob]}" -a -n "${CSRF[carol]}"
wait_screen() { local t=100; while ((t-- > 0)); do as admin GET /api/screens | grep -q "$1" && return 0; sleep 0.1; done; return 1; }
check "the kiosk is online in the fleet table" wait_screen '"kiosk":"hall-1","site":"town-hall","state":"online"'

# templates
tpl=$(as ed GET /api/alert-templates)
check "four default templates" test "$(j 'len(d["templates"])' <<<"$tpl")" = 4
check "the evacuation template asks for zone and route" test "$(j '[t["placeholders"] for t in d["templates"] if t["id"]=="evacuation"][0]' <<<"$tpl")" = "['zone', 'route']"
as ed POST /api/alert-templates '{"id":"x","name":"x","info":[{"event":"x"}]}' >/dev/null
check "an editor cannot edit templates (403)" test "$(status)" = 403

# SSE for bob (an approver) in the background
curl -s -N -b "$TMP/jar.bob" "$api/api/events" > "$TMP/sse.bob" &
spid=$!
on_exit "kill $spid 2>/dev/null"
sleep 0.3

# a placeholder left empty is refused
as ed POST /api/alerts '{"template":"evacuation","values":{"zone":"B"},"scope":"all"}' > "$TMP/o"
check "a missing placeholder value is refused (400, names it)" bash -c "test $(status) = 400 && grep -q 'fill in {route}' '$TMP/o'"

# the two-person rule
evac=$(as ed POST /api/alerts '{"template":"evacuation","values":{"zone":"B","route":"the east stairs"},"scope":"all","status":"Actual"}')
check "an editor's Actual evacuation waits for approval (202 pending)" bash -c "test $(status) = 202 && grep -q '\"state\":\"pending\"' <<<'$evac'"
id=$(j 'd["id"]' <<<"$evac")
check "the placeholders are filled" grep -q 'Evacuate zone B now' <<<"$evac"
check "the approver's page is told at once (SSE alert event)" wait_for 3 "\"id\":\"$id\".*\"state\":\"pending\"" "$TMP/sse.bob"
check "the kiosk shows nothing yet" bash -c "! grep -q '\"alert_presented\"' '$ev'"
as ed POST "/api/alerts/$id/approve" >/dev/null
check "an editor cannot approve (403)" test "$(status)" = 403
own=$(as bob POST /api/alerts '{"template":"shelter","values":{"area":"Old town","station":"City Radio 98.1"},"scope":"all"}')
own_id=$(j 'd["id"]' <<<"$own")
as bob POST "/api/alerts/$own_id/approve" > "$TMP/o"
check "one person cannot approve their own non-pre-approved Actual alert (403)" bash -c "test $(status) = 403 && grep -q 'two-person rule' '$TMP/o'"
as carol POST "/api/alerts/$own_id/reject" >/dev/null
check "a second approver can turn it down" test "$(status)" = 200
t0=$(date +%s%3N)
ok_=$(as bob POST "/api/alerts/$id/approve")
check "a second person approves: sent" bash -c "test $(status) = 200 && grep -q '\"state\":\"sent\".*\"approver\":\"bob\"' <<<'$ok_' || grep -q '\"approver\":\"bob\".*\"state\":\"sent\"' <<<'$ok_'"
as carol POST "/api/alerts/$id/approve" >/dev/null
check "approving again is a conflict (409)" test "$(status)" = 409
check "the kiosk presents the alert" wait_for 10 "\"alert_presented\".*\"identifier\":\"$id\"" "$ev"
check "the kiosk verified the desk's signature" wait_for 5 "Console Desk" "$TMP/kiosk.log"
rc_ok() { as ed GET "/api/alerts/$id" > "$TMP/d"; grep -q '"presented_ms":' "$TMP/d"; }
wait_rc() { local t=100; while ((t-- > 0)); do rc_ok && return 0; sleep 0.1; done; return 1; }
check "the receipt reaches the console (presented)" wait_rc
check "the summary counts the site" test "$(j 'd["summary"]["sites"][0]["site"]+":"+str(d["summary"]["sites"][0]["presented"])' < "$TMP/d")" = "town-hall:1"
check "send-to-last-screen is known" test "$(j 'd["summary"]["last_screen_ms"] is not None' < "$TMP/d")" = True
echo "approve -> presented on the kiosk: $(j 'd["summary"]["last_screen_ms"]' < "$TMP/d") ms (kiosk receipt)"

audit=$(as admin GET '/api/audit?format=jsonl')
check "audit: the request by ed" grep -q "\"user\":\"ed\",\"action\":\"alert.request\",\"object\":\"$id\"" <<<"$audit"
check "audit: the approval by bob names both" grep -q "\"user\":\"bob\",\"action\":\"alert.approve\",\"object\":\"$id\",\"result\":\"ok\",\"detail\":\"Actual Alert $id, scope all, author ed, approver bob" <<<"$audit"
check "audit: the refused self-approval" grep -q "\"user\":\"bob\",\"action\":\"alert.approve\",\"object\":\"$own_id\",\"result\":\"refused\"" <<<"$audit"
check "the signed note names both (the kiosk's state file)" wait_for 5 "Composed by ed, approved by bob" "$TMP/kstate/alerts.json"

# Update from the referenced alert: an editor's Update needs approval too
up=$(as ed POST "/api/alerts/$id/update" '{"template":"evacuation","values":{"zone":"B and C","route":"the east stairs"}}')
up_id=$(j 'd["id"]' <<<"$up")
check "an Update refers to the alert and waits (202)" bash -c "test $(status) = 202 && grep -q '\"refers_to\":\"$id\"' <<<'$up'"
as carol POST "/api/alerts/$up_id/approve" >/dev/null
check "carol approves the Update" test "$(status)" = 200
check "the kiosk presents the Update" wait_for 10 "\"alert_presented\".*\"identifier\":\"$up_id\"" "$ev"
as ed POST "/api/alerts/$id/update" '{"info":[{"event":"x","severity":"Minor","urgency":"Past","certainty":"Observed","headline":"x"}]}' >/dev/null
check "a later Update of the replaced alert starts from the newest (202)" test "$(status)" = 202
orig=$(as ed GET "/api/alerts/$id")
check "the original is never edited: replaced_by the Update" grep -q "\"replaced_by\":\"$up_id\"" <<<"$orig"

# All-clear: a pre-approved template, one person
ac=$(as ed POST "/api/alerts/$up_id/allclear" '{"values":{"area":"Zones B and C"}}')
ac_id=$(j 'd["id"]' <<<"$ac")
check "All-clear from a pre-approved template is sent by one person (201)" bash -c "test $(status) = 201 && grep -q '\"template\":\"all-clear\"' <<<'$ac'"
check "its references hold the whole chain" test "$(j 'len(d["references"])' <<<"$ac")" = 2
check "the kiosk presents the All-clear" wait_for 10 "\"alert_presented\".*\"identifier\":\"$ac_id\"" "$ev"
ed_ac=$(as ed POST "/api/alerts/$ac_id/allclear" '{"values":{"area":"Zones B and C"},"info":[{"event":"All clear","severity":"Minor","urgency":"Past","certainty":"Observed","headline":"Edited text"}]}')
check "an edited pre-approved template needs approval again (202)" test "$(status)" = 202

# an admin's own pre-approved template: one person sends it unchanged
as admin POST /api/alert-templates '{"id":"drill","name":"Fire drill","preapproved":true,"expires_minutes":15,"info":[{"language":"en","event":"Fire drill","severity":"Minor","urgency":"Expected","certainty":"Observed","headline":"Fire drill in {building} at {time}"}]}' >/dev/null
check "an admin adds a pre-approved template (201)" test "$(status)" = 201
dr=$(as ed POST /api/alerts '{"template":"drill","values":{"building":"the town hall","time":"10:00"},"scope":"kiosk:hall-1"}')
check "an Actual alert from it, unchanged, is sent by one person (201)" bash -c "test $(status) = 201 && grep -q 'Fire drill in the town hall at 10:00' <<<'$dr'"
as ed POST "/api/alerts/$(j 'd["id"]' <<<"$dr")/cancel" '{}' >/dev/null

# Cancel
cn=$(as ed POST "/api/alerts/$ac_id/cancel" '{}')
cn_id=$(j 'd["id"]' <<<"$cn")
check "Cancel is sent at once (201)" test "$(status)" = 201
check "the kiosk takes the alert off (receipt accepted)" wait_for 10 "\"identifier\":\"$cn_id\"" "$ev"
as ed POST "/api/alerts/$ac_id/cancel" '{}' >/dev/null
check "cancelling twice is a conflict (409)" test "$(status)" = 409

# Test alerts: one person, marked on screen by the kiosk
tst=$(as ed POST /api/alerts '{"template":"boil-water","values":{"area":"North","place":"the town hall"},"scope":"site:town-hall","status":"Test"}')
tst_id=$(j 'd["id"]' <<<"$tst")
check "a Test alert needs no approval (201)" test "$(status)" = 201
check "the kiosk presents the Test alert" wait_for 10 "\"alert_presented\".*\"identifier\":\"$tst_id\"" "$ev"

# hostile input
as ed POST /api/alerts '{"template":"evacuation","values":{"zone":"<script>{x}</script>","route":"r"},"scope":"all"}' >/dev/null
check "braces in a value are refused (400)" test "$(status)" = 400
as ed POST /api/alerts '{"info":[{"event":"x","severity":"Bad","urgency":"Immediate","certainty":"Observed"}],"scope":"all"}' > "$TMP/o"
check "a bad severity is refused with the kiosks' reason" bash -c "test $(status) = 400 && grep -q 'kiosks would refuse' '$TMP/o'"
as ed POST /api/alerts '{"info":[{"event":"x","colour":"red"}],"scope":"all"}' >/dev/null
check "an unknown field is refused (400)" test "$(status)" = 400
as ed POST /api/alerts '{"template":"evacuation","values":{"zone":"B","route":"r"},"scope":"site:../../x"}' >/dev/null
check "a bad scope is refused (400)" test "$(status)" = 400
as ed POST /api/alerts '[1,2' >/dev/null
check "broken JSON is refused (400)" test "$(status)" = 400
as ed POST /api/alerts/nope/approve >/dev/null
check "approving an unknown alert is 404" test "$(status)" = 404
big=$(python3 -c 'print("{\"info\":[" + ",".join(["{\"event\":\"x\",\"severity\":\"Minor\",\"urgency\":\"Past\",\"certainty\":\"Observed\"}"]*17) + "],\"scope\":\"all\"}")')
as ed POST /api/alerts "$big" >/dev/null
check "17 language blocks are refused (400)" test "$(status)" = 400
for bad in '{"info":"x","scope":"all"}' '{"info":[1],"scope":"all"}' '{"info":[{"event":5}],"scope":"all"}' \
           '{"template":5,"scope":"all"}' '{"template":"evacuation","values":[1],"scope":"all"}' \
           '{"template":"evacuation","values":{"zone":7,"route":"r"},"scope":"all"}' '{"template":"../x","scope":"all"}' \
           '{"info":[{"event":"x"}],"scope":"all","expires_minutes":-5}' '{"info":[{"event":"x"}],"scope":"all","status":"Draft"}' \
           "{\"info\":[{\"event\":\"x\"}],\"scope\":\"all\",\"note\":\"$(head -c 600 /dev/zero | tr '\0' n)\"}" \
           '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]' '"just a string"'; do
  as ed POST /api/alerts "$bad" > "$TMP/o"
  [[ $(status) == 400 ]] || { fail "hostile body answered $(status): $bad"; }
done
check "hostile bodies get 400 with a message" grep -q '"error":' "$TMP/o"
as ed POST /api/alerts/preview '{"template":"evacuation","values":{"zone":"B","route":"r"},"scope":"all","block":7}' >/dev/null
check "a preview of a block that does not exist is refused (400)" test "$(status)" = 400
curl -s -b "$TMP/jar.ed" -X POST -H 'Content-Type: application/json' -d '{}' -o /dev/null -w '%{http_code}' "$api/api/alerts/$id/cancel" > "$TMP/st"
check "no CSRF token: 403" test "$(cat "$TMP/st")" = 403
check "the console is still running" kill -0 "$cpid"

# crierctl approve: a token for carol approves ed's pending request
tok=$(as admin POST /api/tokens '{"name":"carol-phone","user":"carol"}' | j 'd["token"]')
pend=$(as ed POST /api/alerts '{"template":"shelter","values":{"area":"Harbour","station":"City Radio"},"scope":"site:town-hall"}')
pend_id=$(j 'd["id"]' <<<"$pend")
CRIER_CONSOLE_TOKEN=$tok "$CRIER_BUILD/crierctl" approve --console "$api" --list > "$TMP/list" 2>&1
check "crierctl approve --list shows the waiting alert" grep -q "$pend_id" "$TMP/list"
CRIER_CONSOLE_TOKEN=$tok "$CRIER_BUILD/crierctl" approve --console "$api" "$pend_id" > "$TMP/ap" 2>&1
check "crierctl approve sends it" grep -q "sent" "$TMP/ap"
check "the kiosk presents it" wait_for 10 "\"alert_presented\".*\"identifier\":\"$pend_id\"" "$ev"
rc=0
CRIER_CONSOLE_TOKEN=$tok "$CRIER_BUILD/crierctl" approve --console "$api" "$pend_id" > "$TMP/ap2" 2>&1 || rc=$?
check "crierctl approve of a sent alert fails (exit 7, says why)" bash -c "test $rc = 7 && grep -q 'not waiting' '$TMP/ap2'"

# ---- the CAP relay, against a local HTTP server serving a CAP index and alerts ----
capdir=$TMP/cap
mkdir -p "$capdir"
python3 "$CRIER_SOURCE/tests/console/cap_fixtures.py" "$capdir" start
python3 -u "$CRIER_SOURCE/tests/console/cap_server.py" "$capdir" > "$TMP/capsrv.out" 2>&1 &
cappid=$!
on_exit "kill $cappid 2>/dev/null"
check "the CAP server is up" wait_for 5 '^port ' "$TMP/capsrv.out"
cport=$(sed -n 's/^port //p' "$TMP/capsrv.out")
as bob POST /api/relay "{\"id\":\"civil\",\"url\":\"http://127.0.0.1:$cport/index.atom\"}" >/dev/null
check "only an admin adds a CAP source (403)" test "$(status)" = 403
as admin POST /api/relay '{"id":"x","url":"file:///etc/passwd"}' >/dev/null
check "a source that is not http(s) is refused (400)" test "$(status)" = 400
as admin POST /api/relay '{"id":"x","url":"http://a.example/","rules":{"min_severity":"Huge"}}' >/dev/null
check "a bad rule is refused (400)" test "$(status)" = 400
as admin POST /api/relay "{\"id\":\"civil\",\"url\":\"http://127.0.0.1:$cport/index.atom\",\"interval_s\":1,\"mode\":\"auto\",\"scope\":\"all\",\"rules\":{\"areas\":[\"town centre\"],\"min_severity\":\"Moderate\"}}" >/dev/null
check "admin adds an automatic source (201)" test "$(status)" = 201
check "new: a CAP alert for the town centre is relayed and shown on the kiosk" wait_for 15 '"alert_presented".*"identifier":"CP-0001"' "$ev"
relay_ok() { as admin GET /api/relay > "$TMP/relay.json"; grep -q "$1" "$TMP/relay.json"; }
wait_relay() { local t=100; while ((t-- > 0)); do relay_ok "$1" && return 0; sleep 0.1; done; return 1; }
check "malformed XML: a warning of the source, nothing sent" wait_relay 'malformed.xml: not a usable CAP alert'
check "oversized: refused before it is read" wait_relay 'big.xml: larger than'
check "a DOCTYPE (entities) is refused" wait_relay 'doctype.xml: not a usable CAP alert'
check "a missing document: a warning" wait_relay 'gone.xml: HTTP 404'
check "the source itself is ok" wait_relay '"state":"ok"'
al=$(as admin GET /api/alerts)
check "wrong area: not relayed" bash -c "! grep -q '\"identifier\":\"CP-0002\"' <<<'$al'"
check "expired: not relayed" bash -c "! grep -q '\"identifier\":\"CP-0003\"' <<<'$al'"
check "the relayed alert names its source" grep -q '"identifier":"CP-0001","sender":"warnings@civil-protection.example","msgType":"Alert","status":"Actual","state":"sent","author":"relay:civil"' <<<"$al"
sleep 2.5 # two more polls of the same index
check "a duplicate is not relayed twice" test "$(as admin GET /api/alerts | grep -o '"identifier":"CP-0001"' | wc -l)" = 1
python3 "$CRIER_SOURCE/tests/console/cap_fixtures.py" "$capdir" update
check "Update from the source: followed and shown" wait_for 15 '"alert_presented".*"identifier":"CP-0001-U1"' "$ev"
upd=$(as admin GET /api/alerts | python3 -c 'import json,sys; d=json.load(sys.stdin)["alerts"]; a={x["identifier"]:x for x in d}; print(a["CP-0001-U1"]["refers_to"] == a["CP-0001"]["id"], a["CP-0001"]["replaced_by"] == a["CP-0001-U1"]["id"])')
check "the Update refers to the relayed alert, which is replaced" test "$upd" = "True True"
python3 "$CRIER_SOURCE/tests/console/cap_fixtures.py" "$capdir" cancel
check "Cancel from the source: followed, the kiosk takes it" wait_for 15 '"identifier":"CP-0001-C1"' "$ev"
as admin POST /api/relay "{\"id\":\"storm\",\"url\":\"http://127.0.0.1:$cport/storm.rss\",\"interval_s\":1,\"mode\":\"draft\",\"scope\":\"site:town-hall\",\"rules\":{\"events\":[\"storm\"]}}" >/dev/null
pending_storm() { as admin GET '/api/alerts?state=pending' | grep -q '"identifier":"CP-0100".*"author":"relay:storm"'; }
wait_pending() { local t=100; while ((t-- > 0)); do pending_storm && return 0; sleep 0.1; done; return 1; }
check "a draft-mode source (an RSS index): the alert waits for an approver" wait_pending
sid=$(as admin GET '/api/alerts?state=pending' | python3 -c 'import json,sys; print([a["id"] for a in json.load(sys.stdin)["alerts"] if a["identifier"]=="CP-0100"][0])')
as bob POST "/api/alerts/$sid/approve" >/dev/null
check "an approver sends the draft (200)" test "$(status)" = 200
check "the kiosk shows it" wait_for 10 '"alert_presented".*"identifier":"CP-0100"' "$ev"
# a geocode rule: the area text says "Far away valley", its geocode is inside 08111
as admin POST /api/relay "{\"id\":\"geo\",\"url\":\"http://127.0.0.1:$cport/wrong-area.xml\",\"interval_s\":1,\"mode\":\"auto\",\"scope\":\"kiosk:hall-1\",\"rules\":{\"geocodes\":[\"08111\"]}}" >/dev/null
check "a geocode prefix rule relays an alert whose area text does not match" wait_for 15 '"alert_presented".*"identifier":"CP-0002"' "$ev"
n_before=$(as admin GET /api/alerts | grep -o '"id":"d-' | wc -l)
kill "$cappid"
wait "$cappid" 2>/dev/null || true
as admin POST /api/relay/civil/poll >/dev/null
check "source gone: the source is failing, with the reason" wait_relay '"state":"failing","error":"[^"]*[Cc]ouldn'"'"'t connect'
check "the console warns (audit relay.error)" grep -q '"action":"relay.error","object":"civil","result":"failed"' <(as admin GET '/api/audit?format=jsonl')
sleep 1.5
check "the last state stays: nothing was withdrawn" test "$(as admin GET /api/alerts | grep -o '"id":"d-' | wc -l)" = "$n_before"
check "the console is still running" kill -0 "$cpid"

kill $spid 2>/dev/null
kill -TERM "$cpid"
crc=0
wait "$cpid" || crc=$?
check "the console stops cleanly on SIGTERM (no sanitizer report: exit $crc)" test "$crc" = 0
summary
