#!/usr/bin/env bash
# test_cross_arm64.sh - run the arm64 build's tests under qemu-aarch64.
#
# Opt-in: only with CRIER_CROSS=1 (it needs the arm64 set-up of
# scripts/cross-build.sh and takes minutes).  Builds build-arm64 (or
# $CRIER_BUILD_ARM64) when needed, checks that the test binaries really are
# AArch64, then runs the unit tests (the pure layer, crier_core) and the render tests
# (headless, SDL dummy driver) through ctest, which starts each binary with
# the toolchain's CMAKE_CROSSCOMPILING_EMULATOR (qemu-aarch64-static).
set -euo pipefail
if [[ "${CRIER_CROSS:-}" != 1 ]]; then
  echo "skipped: set CRIER_CROSS=1"
  exit 0
fi
src=${CRIER_SOURCE:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${CRIER_BUILD_ARM64:-$src/build-arm64}

start=$(date +%s)
# A fresh machine has no arm64 set-up yet: cross-build.sh installs it (and is a
# quick no-op, no apt-get update, when everything is already there).
if ! { command -v qemu-aarch64-static || command -v qemu-aarch64; } >/dev/null ||
   ! command -v aarch64-linux-gnu-gcc >/dev/null; then
  echo "cross: arm64 tools missing, running scripts/cross-build.sh --configure-only" >&2
  bash "$src/scripts/cross-build.sh" --configure-only "$build"
fi
qemu=$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)
[[ -n "$qemu" ]] || { echo "FAIL: qemu-aarch64 not installed (scripts/cross-build.sh sets it up)"; exit 1; }
command -v aarch64-linux-gnu-gcc >/dev/null || { echo "FAIL: no aarch64 cross compiler (run scripts/cross-build.sh)"; exit 1; }
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  bash "$src/scripts/cross-build.sh" --no-setup --configure-only "$build"
fi
grep -q 'CMAKE_CROSSCOMPILING_EMULATOR' "$build/CMakeCache.txt" 2>/dev/null ||
  grep -rq 'qemu-aarch64' "$build/CTestTestfile.cmake" "$build/tests/CTestTestfile.cmake" 2>/dev/null ||
  echo "note: emulator not recorded in the cache; ctest files decide" >&2
# Build only what the tests need: core, render and their test binaries.
mapfile -t targets < <(sed -n 's/^add_test(\(unit\|render\)\.\([A-Za-z0-9_]*\) .*/\2/p' \
  "$build/tests/CTestTestfile.cmake" 2>/dev/null)
((${#targets[@]} > 0)) || { echo "FAIL: no unit tests registered in $build"; exit 1; }
# Keep going past a broken target: ctest then reports exactly which tests
# have no binary, instead of one compile error hiding all other results.
build_ok=1
keep_going=()
grep -q '^CMAKE_GENERATOR:INTERNAL=Unix Makefiles' "$build/CMakeCache.txt" && keep_going=(-- -k)
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" "${keep_going[@]}" || build_ok=0

# Every test binary must be AArch64 (e_machine 183 at offset 18 of the ELF header).
fails=0
for t in "${targets[@]}"; do
  bin=$build/tests/$t
  [[ -f "$bin" ]] || continue
  machine=$(od -An -t u2 -j 18 -N 2 "$bin" 2>/dev/null | tr -d ' ')
  if [[ "$machine" != 183 ]]; then
    echo "FAIL: $bin is not an AArch64 executable (e_machine ${machine:-?})"
    fails=$((fails + 1))
  fi
done
((fails == 0)) || exit 1
echo "cross: ${#targets[@]} arm64 test binaries built in $(( $(date +%s) - start ))s; running under $qemu"

export SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy
# Tests that measure time, memory or iterate heavily read CRIER_EMULATED=1 and
# scale their bounds for qemu-user (several times slower than the hardware, and
# its own memory shows in /proc/self/status); their checks still run.
export CRIER_EMULATED=1
status=0
ctest --test-dir "$build" -L '^(unit|render)$' --output-on-failure -j"$(nproc)" || status=1
echo "cross: done in $(( $(date +%s) - start ))s"
((build_ok)) || { echo "FAIL: some arm64 test binaries did not build"; status=1; }
exit $status
