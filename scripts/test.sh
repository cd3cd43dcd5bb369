#!/usr/bin/env bash
# test.sh - install missing Debian packages, build, and run the whole test suite.
#
#   scripts/test.sh [--quick] [--stage NAME]... [-- CTEST_ARGS...]
#
# Stages (all by default, in this order; CI runs them all):
#   suite     build in build/ and run every test with ctest (valgrind included)
#   sanitize  build in build-asan/ with ASan + UBSan and run the suite again
#             (not the shell-only tests, which run no C code of ours)
#   fuzz      build the libFuzzer targets and run each for 10 s (smoke)
#   cross     aarch64 cross build; core unit tests and the headless render
#             test under qemu-aarch64
#   soak      3-minute accelerated soak (RSS growth, descriptor leaks)
#   vm        the system image (board/image) booted in QEMU under TCG: boot,
#             alert, watchdog, network loss, sandbox, 2 power cuts (tests/vm/run.sh;
#             image cached in /var/cache/crier-vm by the hash of its inputs)
# --quick     the suite stage only.
# Every stage starts the servers it needs (mosquitto, HTTP) on free loopback ports.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stages=() ctest_args=()
while (($#)); do
  case $1 in
    --quick) stages=(suite) ;;
    --stage) stages+=("$2"); shift ;;
    --sanitize) stages+=(sanitize) ;; # kept for muscle memory
    --) shift; ctest_args=("$@"); break ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
((${#stages[@]})) || stages=(suite sanitize fuzz cross soak vm)

"$root/scripts/deps.sh" || exit 1
passed=0 failed=0 failed_names=()
run_stage() {
  local name=$1 start=$SECONDS rc=0
  echo "=== stage $name"
  case $name in
    suite)
      "$root/scripts/build.sh" "$root/build" -DCRIER_TESTS=ON &&
        (cd "$root/build" && ctest --output-on-failure -j2 --timeout 900 -LE cross "${ctest_args[@]}") || rc=$?
      ;;
    sanitize)
      "$root/scripts/build.sh" "$root/build-asan" -DCRIER_TESTS=ON -DCRIER_SANITIZE=ON &&
        (cd "$root/build-asan" && CRIER_SANITIZE_BUILD=1 CRIER_SKIP_TIMING=1 \
          ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
          ctest --output-on-failure -j2 --timeout 900 -LE 'cross|valgrind|shell' "${ctest_args[@]}") || rc=$?
      ;;
    fuzz)
      "$root/scripts/fuzz.sh" --time 10 --jobs 2 || rc=$?
      ;;
    cross)
      bash "$root/scripts/cross-build.sh" --configure-only "$root/build-arm64" &&
        CRIER_CROSS=1 bash "$root/tests/scripts/test_cross_arm64.sh" || rc=$?
      ;;
    soak)
      if [[ -x "$root/bench/soak" ]]; then
        "$root/bench/soak" --ci --build "$root/build" || rc=$?
      else
        echo "no bench/soak yet"; rc=1
      fi
      ;;
    vm)
      # Never skipped: run.sh installs QEMU and mmdebstrap (tests/vm/packages.txt)
      # and fails when they are missing.
      bash "$root/tests/vm/run.sh" --power-cycles 2 || rc=$?
      ;;
    *) echo "test.sh: unknown stage '$name'" >&2; rc=2 ;;
  esac
  echo "=== stage $name: $([[ $rc -eq 0 ]] && echo ok || echo "FAILED (exit $rc)") in $((SECONDS - start)) s"
  if [[ $rc -eq 0 ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); failed_names+=("$name"); fi
}
for s in "${stages[@]}"; do run_stage "$s"; done
((failed == 0)) || echo "failed stages: ${failed_names[*]}"
echo "stages: $passed passed, $failed failed"
((failed == 0))
