# console_lib.sh - start crier-console (and a kiosk it signs for) for
# tests/scripts/test_console_*.sh (sourced after lib.sh and start_broker).
#
# start_console [extra crier-console args]: a console on a free loopback port
# against the test broker ($url), with user admin (password in $cdir/admin.pw)
# and a cheap Argon2id cost; sets cpid, cdir and api (http://127.0.0.1:PORT).
start_console() {
  cdir=$TMP/console
  mkdir -p "$cdir"
  printf 'correct horse battery\n' > "$cdir/admin.pw"
  "$CRIER_BUILD/crier-console" --db "$cdir/console.db" --listen 127.0.0.1:0 --broker "$url" \
    --create-user admin:admin --password-file "$cdir/admin.pw" --pwhash-ops 1 --pwhash-mem-mib 8 \
    --log-level warn "$@" > "$cdir/out" 2> "$cdir/err" &
  cpid=$!
  on_exit "kill $cpid 2>/dev/null; wait $cpid 2>/dev/null"
  local t=100
  while ((t-- > 0)); do
    grep -q 'listening on' "$cdir/out" 2>/dev/null && break
    kill -0 "$cpid" 2>/dev/null || break
    sleep 0.1
  done
  api=$(sed -n 's/^crier-console: listening on \(.*\)$/\1/p' "$cdir/out")
  if [[ -z "$api" ]]; then
    echo "crier-console did not start:"; cat "$cdir/err"
    exit 1
  fi
  # wait for the broker connection
  t=50
  while ((t-- > 0)); do
    curl -s "$api/api/health" | grep -q '"broker":true' && return 0
    sleep 0.1
  done
  echo "crier-console did not connect to the broker"; cat "$cdir/err"
  exit 1
}

# start_console_and_kiosk [extra crier-console args]: a signing key "Console
# Desk" ($TMP/staff), crier-console signing with it (start_console), then a
# real headless kiosk (start_demo_kiosk) that trusts only that key and takes
# only signed posts: events in $ev ($TMP/kiosk.jsonl), stderr in
# $TMP/kiosk.log, state in $TMP/kstate, cache in $TMP/kcache; sets kpid.
start_console_and_kiosk() {
  "$CRIER_BUILD/crierctl" keygen --issuer "Console Desk" --out "$TMP/staff" >/dev/null
  mkdir -p "$TMP/keys" "$TMP/kstate" "$TMP/kcache"
  cp "$TMP/staff/Console-Desk.pub" "$TMP/keys/"
  start_console --signing-key "$TMP/staff/Console-Desk.key" "$@"
  ev=$TMP/kiosk.jsonl
  start_demo_kiosk "$ev" "$TMP/kiosk.log" --set state_dir="$TMP/kstate" --set cache_dir="$TMP/kcache" \
    --set alert_keys_dir="$TMP/keys" --set require_signed_posts=true
}
