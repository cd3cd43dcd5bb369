# console_lib.sh - start crier-console for tests/scripts/test_console_*.sh
# (sourced after lib.sh and start_broker).
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
