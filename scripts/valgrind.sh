#!/usr/bin/env bash
# scripts/valgrind.sh [BUILD_DIR] - every unit, io and console test program under
# valgrind (memcheck: invalid reads and writes, uses of uninitialised values,
# definite and indirect leaks).  Exits 1 if any program fails or valgrind
# reports an error.  About 4 minutes on 2 cores; not a CI stage (no room left in its 30 minutes): CI
# runs valgrind over the demo kiosk (script.test_valgrind) and ASan + UBSan
# over the whole suite (the sanitize stage); run this before a release and
# when a change touches memory handling in the pure code.
#
# Timing checks are relaxed the way the tests offer: CRIER_SKIP_TIMING=1
# (checks that only hold at full speed are skipped) and CRIER_TIME_SCALE=100
# (bounds that are the point of a test, such as the iCalendar recurrence
# budgets, are kept but scaled for valgrind's ~60x slow-down).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
[[ -f "$build/CTestTestfile.cmake" ]] || { echo "valgrind.sh: no test build in $build (scripts/build.sh $build -DCRIER_TESTS=ON)" >&2; exit 2; }
mapfile -t cmds < <(cd "$build" && ctest -L '^(unit|io|console)$' -N -V 2>/dev/null | sed -n 's/.*Test command: //p')
((${#cmds[@]} > 0)) || { echo "valgrind.sh: ctest lists no unit, io or console tests in $build" >&2; exit 2; }
fails=0
t0=$SECONDS
for cmd in "${cmds[@]}"; do
  name=$(basename "${cmd%% *}")
  log=$(mktemp)
  # shellcheck disable=SC2086 # the command line as ctest gives it
  (cd "$build" && CRIER_SKIP_TIMING=1 CRIER_TIME_SCALE=100 timeout 1200 valgrind -q --error-exitcode=99 \
    --leak-check=full --errors-for-leak-kinds=definite,indirect $cmd) >"$log" 2>&1
  rc=$?
  if ((rc == 0)); then
    echo "ok   $name"
  else
    echo "FAIL $name (exit $rc$( ((rc == 99)) && echo ': valgrind found errors'))"
    grep -E '^==[0-9]+==|FAIL' "$log" | head -40
    fails=$((fails + 1))
  fi
  rm -f "$log"
done
echo "valgrind: ${#cmds[@]} programs, $fails failed, $((SECONDS - t0)) s"
((fails == 0))
