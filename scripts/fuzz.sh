#!/usr/bin/env bash
# fuzz.sh - build Crier's libFuzzer targets (ASan + UBSan) and run them.
#
#   scripts/fuzz.sh [--time S] [--jobs N] [--long] [--corpus DIR] [--build DIR] [TARGET...]
#
#   (default)     CI smoke: every target for 20 s on a scratch copy of its seeds
#   --time S      seconds per target (default 20; 3600 with --long)
#   --jobs N      targets run side by side (default: number of CPUs)
#   --long        long campaign: new inputs are kept in a persistent corpus outside
#                 the repo (--corpus DIR, default $CRIER_FUZZ_CORPUS or
#                 ${XDG_CACHE_HOME:-~/.cache}/crier-fuzz), so the next run goes on
#                 from where this one stopped
#   --keep-going  do not stop at the first crash of a target: libFuzzer's fork mode
#                 goes on and saves every crash, timeout and out-of-memory input
#   --build DIR   build folder (default build-fuzz/; configured with clang)
#   TARGET        names like config, post, cap (default: all tests/fuzz/fuzz_*.c)
#
# Exit status: 0 when every target ran clean, 1 when any crashed, leaked, hit a
# sanitizer report, broke a harness property or timed out (the crashing input's
# path is printed, with the command that reproduces it), 2 on usage or build errors.
# A crash found is kept: copy it to tests/fuzz/regressions/TARGET/ with the fix
# (docs/fuzzing.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bdir=$root/build-fuzz
secs="" jobs=$(nproc 2>/dev/null || echo 2) long=0 keep=0
corpus_root=${CRIER_FUZZ_CORPUS:-${XDG_CACHE_HOME:-$HOME/.cache}/crier-fuzz}
targets=()
while (($#)); do
  case $1 in
    --time) secs=${2:?--time needs seconds}; shift ;;
    --jobs) jobs=${2:?--jobs needs a number}; shift ;;
    --long) long=1 ;;
    --keep-going) keep=1 ;;
    --corpus) corpus_root=${2:?--corpus needs a folder}; shift ;;
    --build) bdir=${2:?--build needs a folder}; shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option '$1'" >&2; exit 2 ;;
    *) targets+=("$1") ;;
  esac
  shift
done
[[ -n $secs ]] || { ((long)) && secs=3600 || secs=20; }
[[ $secs =~ ^[0-9]+$ && $jobs =~ ^[0-9]+$ && $jobs -ge 1 ]] || { echo "fuzz.sh: bad --time or --jobs" >&2; exit 2; }
if ((${#targets[@]} == 0)); then
  for f in "$root"/tests/fuzz/fuzz_*.c; do t=${f##*/fuzz_}; targets+=("${t%.c}"); done
fi
for t in "${targets[@]}"; do
  [[ -f $root/tests/fuzz/fuzz_$t.c ]] || { echo "fuzz.sh: no target '$t' (tests/fuzz/fuzz_$t.c)" >&2; exit 2; }
done

command -v clang >/dev/null || { echo "fuzz.sh: clang not found (scripts/deps.sh installs it)" >&2; exit 2; }
if [[ -f $bdir/CMakeCache.txt ]] && ! grep -q '^CMAKE_C_COMPILER:.*clang' "$bdir/CMakeCache.txt"; then
  echo "fuzz.sh: $bdir was configured with another compiler; remove it or pass --build DIR" >&2
  exit 2
fi
echo "== building fuzz targets in $bdir"
mkdir -p "$bdir"
cmake -S "$root" -B "$bdir" -DCMAKE_C_COMPILER=clang -DCRIER_FUZZ=ON -DCRIER_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$bdir/fuzz-configure.log" 2>&1 ||
  { cat "$bdir/fuzz-configure.log" >&2; exit 2; }
cmake --build "$bdir" -j"$jobs" --target crier_fuzzers >"$bdir/fuzz-build.log" 2>&1 ||
  { tail -40 "$bdir/fuzz-build.log" >&2; exit 2; }

fbin=$bdir/tests/fuzz
logs=$bdir/fuzz-logs
artifacts=$bdir/fuzz-artifacts
rm -rf "$logs" "$artifacts"
mkdir -p "$logs" "$artifacts"
if ((long)); then work=$corpus_root; else work=$bdir/fuzz-corpus; rm -rf "$work"; fi
mkdir -p "$work"

dict_for() {
  case $1 in
    config|layout|content|post|alert|envelope|jsonfeed|mastodon) echo json ;;
    cap|rss) echo xml ;;
    ical) echo ical ;;
    html) echo html ;;
  esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
  local t=$1 d rc args=()
  mkdir -p "$work/$t"
  d=$(dict_for "$t")
  [[ -n $d ]] && args+=(-dict="$root/tests/fuzz/dict/$d.dict")
  ((keep)) && args+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  # new inputs go to the first folder (scratch or persistent); the seeds are read only
  "$fbin/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$t-" "${args[@]}" "$work/$t" "$root/tests/fuzz/corpus/$t" \
    >"$logs/$t.log" 2>&1 && rc=0 || rc=$?
  echo "$rc" >"$logs/$t.rc"
}

echo "== running ${#targets[@]} target(s), ${secs} s each, $jobs at a time; corpus $work"
start=$(date +%s)
running=0
for t in "${targets[@]}"; do
  if ((running >= jobs)); then wait -n || true; running=$((running - 1)); fi
  run_one "$t" &
  running=$((running + 1))
done
wait || true
elapsed=$(($(date +%s) - start))

failed=0
printf '%-10s %10s %9s %7s %7s %8s  %s\n' target execs exec/s cov ft corpus result
for t in "${targets[@]}"; do
  log=$logs/$t.log rc=$(cat "$logs/$t.rc" 2>/dev/null || echo 99)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  [[ -n $execs ]] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$last")
  [[ -n $eps ]] || eps=$(sed -n 's/.* exec\/s:\{0,1\} \([0-9]*\).*/\1/p' <<<"$last")
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  result=ok crash=""
  crashes=$(find "$artifacts" -name "$t-*" -type f | sort)
  if [[ $rc != 0 || -n $crashes ]]; then
    failed=1
    crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    [[ -n $crash ]] || crash=$(head -1 <<<"$crashes")
    # the most specific reason: a harness property, UBSan, ASan/LSan, then libFuzzer's own
    why=""
    for pat in 'fuzz property failed: .*' 'runtime error: .*' 'ERROR: (AddressSanitizer|LeakSanitizer): [a-z-]+[^(]*' \
               'ERROR: libFuzzer: [a-z-]+.*'; do
      why=$(grep -m1 -oE "$pat" "$log" || true)
      [[ -z $why ]] || break
    done
    result="FAILED (exit $rc): ${why:-see $log}"
  fi
  printf '%-10s %10s %9s %7s %7s %8s  %s\n' "$t" "${execs:--}" "${eps:--}" "${cov:--}" "${ft:--}" "${corp:--}" "$result"
  if [[ $rc != 0 || -n $crashes ]]; then
    [[ -n ${crash:-} ]] && echo "           crashing input: $crash" &&
      echo "           reproduce:      $fbin/fuzz_$t $crash"
    n=$(grep -c . <<<"$crashes" || true)
    ((n > 1)) && echo "           all $n saved inputs: $artifacts/$t-*"
    echo "           log:            $log"
  fi
done
echo "== ${#targets[@]} target(s) in ${elapsed} s; logs in $logs"
exit $failed
