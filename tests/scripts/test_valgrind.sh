#!/usr/bin/env bash
# The headless demo render under valgrind memcheck: zero errors (invalid reads and
# writes, uses of uninitialised values, bad frees) and zero definitely-lost
# blocks, with at least one frame rendered and the screenshot written, so the
# whole path from config and content parsing through layout, fonts, rendering
# and PNG encoding to a clean shutdown is covered.
#
# Skipped (exit 77, ctest SKIP_RETURN_CODE) when crier was built with ASan or
# UBSan: valgrind cannot run a sanitized binary.  Detected from
# CRIER_SANITIZE_BUILD=1 (scripts/test.sh --sanitize sets it), CRIER_SANITIZE=ON
# in the build's CMakeCache.txt, libasan/libubsan in `ldd crier`, or sanitizer
# runtime symbols in `nm crier` (clang links the runtime statically).
# Takes about 15-20 s (valgrind slows the first frame to a few seconds, more on a loaded
# machine: --run-for 6 leaves it room).
source "$(dirname "$0")/lib.sh"

skip() { echo "SKIP: $*"; exit 77; }

# (outputs captured first: with pipefail, `nm | grep -q` fails when grep exits early)
ldd_out=$(ldd "$CRIER" 2>/dev/null || true)
nm_out=$(nm "$CRIER" 2>/dev/null || true)
sanitized=""
if [[ ${CRIER_SANITIZE_BUILD:-0} == 1 ]]; then
  sanitized="CRIER_SANITIZE_BUILD=1"
elif grep -qs '^CRIER_SANITIZE:BOOL=ON' "$CRIER_BUILD/CMakeCache.txt"; then
  sanitized="CRIER_SANITIZE=ON in $CRIER_BUILD/CMakeCache.txt"
elif grep -qE 'lib(asan|ubsan|tsan)\.so' <<<"$ldd_out"; then
  sanitized="$CRIER links a sanitizer runtime (ldd)"
elif grep -qE ' (__asan_init|__ubsan_handle_[a-z_]+|__tsan_init)$' <<<"$nm_out"; then
  sanitized="$CRIER contains a sanitizer runtime (nm)"
fi
[[ -z $sanitized ]] || skip "crier is built with sanitizers ($sanitized); valgrind cannot run an ASan/UBSan" \
  "binary. Run this test from a build without -DCRIER_SANITIZE (scripts/test.sh does)."
command -v valgrind >/dev/null || skip "valgrind is not installed (scripts/deps.sh installs it from scripts/packages.txt)"
[[ -x $CRIER ]] || { fail "crier binary exists ($CRIER)"; summary; exit 1; }

vlog=$TMP/valgrind.log out=$TMP/crier.log shot=$TMP/shot.png
rc=0
env -u DISPLAY -u WAYLAND_DISPLAY \
  valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite \
  --error-exitcode=99 --num-callers=40 --track-fds=yes --log-file="$vlog" \
  "$CRIER" --config "$CRIER_SOURCE/assets/demo/demo.conf" --headless --size 1280x720 --run-for 6 \
  --set "cache_dir=$TMP/cache" --set "state_dir=$TMP/state" --screenshot "$shot" >"$out" 2>&1 || rc=$?

check "crier under valgrind exits 0 (99 = memcheck errors; got $rc)" test "$rc" -eq 0
check "memcheck reports 0 errors" grep -q 'ERROR SUMMARY: 0 errors' "$vlog"
check "no definitely lost blocks" grep -qE 'definitely lost: 0 bytes in 0 blocks|All heap blocks were freed' "$vlog"
frames=$(sed -n 's/.*stopped after \([0-9]*\) frames.*/\1/p' "$out" | tail -1)
check "at least one frame rendered (got ${frames:-none})" test "${frames:-0}" -ge 1
check "screenshot written" test -s "$shot"
# descriptors crier opened and left open at exit (ones inherited from the
# parent, like the valgrind log and whatever the test runner passes, do not count)
leaked_fds=$(awk '/Open (file descriptor|AF_[A-Z0-9]+ socket) [0-9]+/ { fd = $0; getline nxt;
  if (nxt !~ /inherited from parent/) { sub(/^==[0-9]+== */, "", fd); print fd } }' "$vlog")
[[ -z $leaked_fds ]] || echo "     left open: $leaked_fds"
check "no file descriptor left open at exit" test -z "$leaked_fds"
if ((FAILED)); then
  echo "---- crier output"; cat "$out"
  echo "---- valgrind ($vlog)"; grep -vE '^==[0-9]+== *$' "$vlog" | head -150
fi
summary
