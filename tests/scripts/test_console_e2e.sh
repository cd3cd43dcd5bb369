#!/usr/bin/env bash
# The staff console in a real browser: headless Chromium (Debian's chromium,
# chromium-driver, python3-selenium) drives the page served by a real
# crier-console, against a real mosquitto and a real headless kiosk, plus a
# simulated fleet of 1000 kiosks' retained heartbeats.  Log in, compose, see
# the preview image, publish, the kiosk shows the post, a picture on request,
# page ready < 1 s with the fleet, retract, an editor's post approved, history,
# audit lines and exports, a forged CSRF token refused, a viewer (on a phone)
# without a publish button whom the API refuses too.  The checks are in
# tests/console/e2e_console.py; E2E_SHOTS=DIR keeps the page's screenshots.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/console_lib.sh"
unset CRIER_FAKE_TIME
PY=/usr/bin/python3   # Debian's python3, which has python3-selenium
for need in /usr/bin/chromium /usr/bin/chromedriver "$CRIER_BUILD/crier-console"; do
  if [[ ! -x $need ]]; then echo "skipped: $need missing (scripts/deps.sh installs chromium, chromium-driver)"; exit 77; fi
done
if ! "$PY" -c 'import selenium' 2>/dev/null; then echo "skipped: python3-selenium missing"; exit 77; fi

start_broker
"$CRIER_BUILD/crierctl" keygen --issuer "Console Desk" --out "$TMP/staff" >/dev/null
mkdir -p "$TMP/keys" "$TMP/kstate" "$TMP/kcache"
cp "$TMP/staff/Console-Desk.pub" "$TMP/keys/"

kiosk=hall-1
ev=$TMP/kiosk.jsonl
"$CRIER" --config "$CRIER_SOURCE/assets/demo/demo.conf" --headless --size 960x540 \
  --set broker_url="$url" --set kiosk_id=$kiosk --set site=town-hall --set heartbeat_s=5 \
  --set state_dir="$TMP/kstate" --set cache_dir="$TMP/kcache" --set alert_keys_dir="$TMP/keys" \
  --set require_signed_posts=true --events "$ev" 2>"$TMP/kiosk.log" &
kpid=$!
on_exit "kill $kpid 2>/dev/null"
start_console --signing-key "$TMP/staff/Console-Desk.key" --crier "$CRIER"

t=150
until grep -q '"first_frame"' "$ev" 2>/dev/null; do
  ((t-- > 0)) || { fail "the kiosk presents no frame"; tail -20 "$TMP/kiosk.log"; summary; exit 1; }
  sleep 0.1
done
ok "the kiosk is up"

shots=${E2E_SHOTS:-$TMP/shots}
mkdir -p "$shots"
rc=0
CONSOLE_URL=$api ADMIN_PASSWORD="$(cat "$cdir/admin.pw")" KIOSK_ID=$kiosk KIOSK_EVENTS=$ev KIOSK_LOG=$TMP/kiosk.log \
  BROKER_PORT=$port FLEET=${E2E_FLEET:-1000} SHOTS=$shots \
  timeout 150 "$PY" "$CRIER_SOURCE/tests/console/e2e_console.py" > "$TMP/e2e.out" 2>&1 || rc=$?
grep -v '^[0-9]* passed, [0-9]* failed$' "$TMP/e2e.out"
# fold the browser test's counts into this script's
p=0 f=0
read -r p f < <(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$TMP/e2e.out" | tail -1) || true
PASSED=$((PASSED + ${p:-0})) FAILED=$((FAILED + ${f:-0}))
if ((rc != 0 && ${f:-0} == 0)); then fail "e2e_console.py exited $rc"; fi
if ((FAILED)); then
  echo "--- console log"; tail -20 "$cdir/err"
  echo "--- kiosk log"; tail -20 "$TMP/kiosk.log"
fi
summary
