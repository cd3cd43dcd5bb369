#!/usr/bin/env bash
# demo.sh - run the Crier demo on this machine.
#
# Installs missing Debian packages, builds, starts a throw-away mosquitto on a
# free loopback port (stopped on exit) and the kiosk with the bundled demo
# content.  With a display (DISPLAY / WAYLAND_DISPLAY, or a connected DRM
# screen) it opens a window; without one it runs headless and writes a PNG
# screenshot every few seconds, saying where.  Beside the kiosk it starts the
# staff console (crier-console) on a free loopback port with an account
# "demo" (role admin) and prints its address and password: posts published
# there are signed with the demo desk key and appear on the kiosk.
#
#   scripts/demo.sh [--headless] [--run-for SECONDS] [--out DIR] [--console-port PORT]
#
# Environment: CRIER_BUILD=DIR uses an existing build instead of building.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
headless=0 run_for="" out="" console_port=0
while (($#)); do
  case $1 in
    --headless) headless=1 ;;
    --run-for) run_for=$2; shift ;;
    --out) out=$2; shift ;;
    --console-port) console_port=$2; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if [[ -n "${CRIER_BUILD:-}" && -x "${CRIER_BUILD}/crier" ]]; then
  bdir=$CRIER_BUILD
else
  bdir=$root/build
  echo "demo: building in $bdir" >&2
  "$root/scripts/build.sh" "$bdir"
fi

out=${out:-$(mktemp -d /tmp/crier-demo.XXXXXX)}
mkdir -p "$out"
broker_dir="" kiosk_pid="" console_pid=""
cleanup() {
  local p
  for p in $console_pid $kiosk_pid; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  if [[ -n "$broker_dir" ]]; then "$root/scripts/broker.sh" stop "$broker_dir" || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

line=$("$root/scripts/broker.sh" start)
port=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' <<<"$line")
broker_dir=$(sed -n 's/.*dir=\(.*\)$/\1/p' <<<"$line")
echo "demo: mosquitto listening on 127.0.0.1:$port" >&2

python3 "$root/scripts/demo-content.py" "$root/assets/demo" "$out/content"

has_display() {
  [[ -n "${DISPLAY:-}" || -n "${WAYLAND_DISPLAY:-}" ]] && return 0
  local s
  for s in /sys/class/drm/card*-*/status; do
    [[ -r "$s" && "$(cat "$s")" == connected ]] && return 0
  done
  return 1
}

# A signing key for the demo's emergency desk: the kiosk trusts its public half.
mkdir -p "$out/keys" "$out/staff"
[[ -f "$out/staff/Demo-Desk.key" ]] || "$bdir/crierctl" keygen --issuer "Demo Desk" --out "$out/staff" >/dev/null
cp "$out/staff/Demo-Desk.pub" "$out/keys/"
ctl="$bdir/crierctl --broker mqtt://127.0.0.1:$port"
cat >&2 <<MSG
demo: while it runs, try from another terminal:
  $ctl post --title "Library closes at 16:00 today" --priority 10 --key $out/staff/Demo-Desk.key
  $ctl alert --key $out/staff/Demo-Desk.key --event "Flood warning" --severity Extreme \\
      --headline "Leave the riverside district now" --instruction "Go to the sports hall on Hill Road" --expires +10m --wait 1
  $ctl cancel ID --all --key $out/staff/Demo-Desk.key        (ID: what 'alert' printed)
  $ctl status
MSG

args=(--config "$out/content/demo.conf"
      --set "broker_url=mqtt://127.0.0.1:$port"
      --set "cache_dir=$out/cache" --set "state_dir=$out/state" --set "alert_keys_dir=$out/keys")
[[ -n "$run_for" ]] && args+=(--run-for "$run_for")
if ((headless)) || ! has_display; then
  shot=$out/screen.png
  echo "demo: no display here; running headless at 1920x1080." >&2
  echo "demo: a screenshot is written every 3 seconds to $shot (Ctrl-C stops)" >&2
  args+=(--headless --size 1920x1080 --screenshot "$shot" --screenshot-every 3)
else
  echo "demo: opening the kiosk window (Esc or q quits)" >&2
fi
mkdir -p "$out/cache" "$out/state"
"$bdir/crier" "${args[@]}" &
kiosk_pid=$!

# The staff console, after the kiosk: a demo account with a fresh password,
# signing with the demo desk key the kiosk trusts; previews drawn by this crier.
start_console() {
  local c=$out/console line="" t=100
  if [[ ! -x "$bdir/crier-console" ]]; then
    echo "demo: no $bdir/crier-console in this build; the staff console is left out" >&2
    return 0
  fi
  mkdir -p "$c"
  (umask 077; head -c 12 /dev/urandom | base64 | tr '+/' 'xy' > "$c/demo.pw")
  "$bdir/crier-console" --listen "127.0.0.1:$console_port" --db "$c/console.db" \
    --broker "mqtt://127.0.0.1:$port" --signing-key "$out/staff/Demo-Desk.key" \
    --crier "$bdir/crier" --web "$root/console/web" --layouts "$root/assets/layouts" \
    --create-user demo:admin --password-file "$c/demo.pw" --log-level warn \
    > "$c/out.log" 2> "$c/err.log" &
  console_pid=$!
  while ((t-- > 0)); do
    line=$(sed -n 's/^crier-console: listening on //p' "$c/out.log" 2>/dev/null)
    [[ -n "$line" ]] && break
    kill -0 "$console_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z "$line" ]]; then
    echo "demo: the staff console did not start (see $c/err.log); the kiosk runs on" >&2
    return 0
  fi
  cat >&2 <<MSG
demo: staff console at $line/  (log in as user 'demo', password '$(cat "$c/demo.pw")')
demo: publish a post there: it appears on the kiosk, signed by the Demo Desk key
MSG
}
start_console

rc=0
wait "$kiosk_pid" || rc=$?
kiosk_pid=""
exit "$rc"
