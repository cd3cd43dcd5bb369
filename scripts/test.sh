#!/usr/bin/env bash
# test.sh - install missing Debian packages, build, and run the whole test suite.
#
#   scripts/test.sh [--sanitize] [-- CTEST_ARGS...]
#     --sanitize   build with ASan + UBSan in build-asan/ and run the suite there
#
# The suite starts its own servers (mosquitto, HTTP) on free loopback ports.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bdir=$root/build cmake_args=()
while (($#)); do
  case $1 in
    --sanitize) bdir=$root/build-asan; cmake_args+=(-DCRIER_SANITIZE=ON) ;;
    --) shift; break ;;
    *) echo "test.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done
"$root/scripts/build.sh" "$bdir" -DCRIER_TESTS=ON "${cmake_args[@]}"
cd "$bdir"
ctest --output-on-failure -j2 --timeout 900 "$@"
