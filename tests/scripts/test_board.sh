#!/usr/bin/env bash
# test_board.sh - static checks of the systemd units in board/.
#
# systemd-analyze verify on crier.service and crier-firstboot.service (with
# ExecStart pointed at real executables, since verify checks they exist), the
# settings issue 7 requires, and an exposure score from
# `systemd-analyze security --offline=yes` no worse than CRIER_MAX_EXPOSURE.
set -euo pipefail
src=${CRIER_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
max_exposure=${CRIER_MAX_EXPOSURE:-2.5}

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "skipped: systemd-analyze not found (install systemd)"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL $*" >&2; fails=$((fails + 1)); }
ok() { echo "ok   $*" >&2; }

unit=$src/board/crier.service
firstboot=$src/board/crier-firstboot.service

# verify: point every ExecStart at an executable that exists here.
mkdir -p "$tmp/units" "$tmp/bin"
printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/stub" && chmod +x "$tmp/bin/stub"
for u in "$unit" "$firstboot"; do
  sed -E "s|^(Exec[A-Za-z]*=[-+!@:]*)/[^ ]+|\\1$tmp/bin/stub|" "$u" >"$tmp/units/${u##*/}"
done
for u in "$tmp"/units/*.service; do
  if out=$(systemd-analyze verify "$u" 2>&1) && [[ -z "$out" ]]; then
    ok "verify ${u##*/}"
  else
    fail "verify ${u##*/}: $out"
  fi
done
# The stub rewrite must not hide a wrong ExecStart in the real unit.
grep -qx 'ExecStart=/usr/bin/crier --config /etc/crier/crier.conf' "$unit" &&
  ok "ExecStart" || fail "ExecStart is not /usr/bin/crier --config /etc/crier/crier.conf"

# Settings the issue asks for, each one line of the unit.
for want in 'Type=notify' 'Restart=always' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
            'ProtectHome=yes' 'PrivateTmp=yes' 'User=crier' 'ReadWritePaths=/var/lib/crier' \
            'DevicePolicy=closed' 'CapabilityBoundingSet='; do
  grep -qx "$want" "$unit" && ok "$want" || fail "missing $want"
done
grep -qE '^WatchdogSec=[1-9][0-9]*s?$' "$unit" && ok "WatchdogSec" || fail "no WatchdogSec"
groups=$(sed -n 's/^SupplementaryGroups=//p' "$unit")
for g in $groups; do
  case "$g" in video|render|input|audio) ;; *) fail "unexpected group $g" ;; esac
done
ok "groups: $groups"

# Exposure score.
if sec=$(systemd-analyze security --offline=yes "$unit" 2>/dev/null); then
  score=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$sec")
  if [[ -z "$score" ]]; then
    fail "no exposure score in systemd-analyze security output"
  elif awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s <= m) }'; then
    ok "exposure $score <= $max_exposure"
  else
    fail "exposure $score > $max_exposure"
  fi
else
  echo "note: systemd-analyze security --offline unsupported here; score not checked" >&2
fi

# The .deb's Depends (cmake/packaging.cmake) must name the package of every
# shared library the built binaries need, or a Pi installs a crier that
# cannot start.  Checked when a native build and dpkg are at hand.
build=${CRIER_BUILD:-}
if [[ -n "${CRIER_SANITIZE_BUILD:-}" ]]; then
  echo "note: sanitizer build (links libasan/libubsan); package Depends checked in the normal build" >&2
elif [[ -n "$build" && -x "$build/crier" ]] && command -v dpkg >/dev/null && command -v objdump >/dev/null; then
  depends=$(sed -n '/CPACK_DEBIAN_PACKAGE_DEPENDS$/,/")$/p' "$src/cmake/packaging.cmake")
  missing=()
  for so in $(for b in "$build/crier" "$build/crierctl"; do
                [[ -x "$b" ]] && objdump -p "$b" | awk '/NEEDED/ { print $2 }'; done | sort -u); do
    path=$(ldconfig -p | awk -v so="$so" '$1 == so && !p { print $NF; p = 1 }')
    [[ -n "$path" ]] || { missing+=("$so(not found)"); continue; }
    pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | sed -n "1s/:.*//p" || true)
    [[ -n "$pkg" ]] || pkg=$(dpkg -S "$path" 2>/dev/null | sed -n "1s/:.*//p" || true)
    [[ -n "$pkg" ]] || { missing+=("$so(no package)"); continue; }
    grep -qE "(^|[\" ,])$pkg( |,|$)" <<<"$depends" || missing+=("$so($pkg)")
  done
  if ((${#missing[@]})); then
    fail "Depends in cmake/packaging.cmake lacks: ${missing[*]}"
  else
    ok "Depends covers every library crier and crierctl need"
  fi
else
  echo "note: no native build in CRIER_BUILD; package Depends not checked" >&2
fi

if ((fails)); then
  echo "test_board: $fails failed"
  exit 1
fi
echo "test_board: all passed"
