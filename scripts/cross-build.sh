#!/usr/bin/env bash
# cross-build.sh - build Crier for arm64 (Raspberry Pi OS Bookworm) on a Debian 12 host.
#
#   scripts/cross-build.sh [--no-setup] [--test] [--package] [BUILD_DIR]
#
# 1. setup (skipped with --no-setup): enables the arm64 architecture, installs
#    crossbuild-essential-arm64, qemu-user-static and the arm64 variant of every
#    lib*-dev package in scripts/packages.txt.  apt's plan is simulated first and
#    the script refuses to go on if it would remove any installed package
#    (a multiarch version skew would otherwise swap amd64 -dev packages out).
# 2. configure with cmake/toolchain-aarch64.cmake into BUILD_DIR (default
#    build-arm64) and build everything.
# 3. --test: run the unit tests (and render tests, if any) under qemu-aarch64.
#    --package: make the arm64 .deb with cpack.
#    --configure-only: stop after configuring (tests/scripts/test_cross_arm64.sh
#    then builds just the test binaries).
# Prints the time each step took.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
setup=1 run_tests=0 package=0 configure_only=0 build=""
for arg in "$@"; do
  case "$arg" in
    --no-setup) setup=0 ;;
    --test) run_tests=1 ;;
    --package) package=1 ;;
    --configure-only) configure_only=1 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    -*) echo "cross-build: unknown option $arg" >&2; exit 2 ;;
    *) build=$arg ;;
  esac
done
build=${build:-$src/build-arm64}

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive

step_start=0
step() { step_start=$(date +%s); echo "== cross-build: $*" >&2; }
step_done() { echo "== cross-build: done in $(( $(date +%s) - step_start ))s" >&2; }

# -dev packages that cannot be co-installed for two architectures: libical-dev
# depends on libdb5.3-dev, which is not Multi-Arch: same, so apt would remove
# the amd64 libical-dev.  For these we install the arm64 runtime library and
# the -dev's own dependencies, and unpack the arm64 -dev into a private prefix
# under the build folder (headers, .pc file, .so link) that the toolchain file
# adds to pkg-config's search path.
extract_only=(libical-dev)
extract_runtime=(libical3:arm64 libicu-dev:arm64)

arm64_packages() {
  # Every library -dev package the native build needs, as its arm64 variant.
  sed -e 's/#.*//' -e 's/[[:space:]]//g' "$src/scripts/packages.txt" |
    grep -E '^lib.*-dev$' | grep -vxF -f <(printf '%s\n' "${extract_only[@]}") |
    sed -e 's/$/:arm64/'
  printf '%s\n' "${extract_runtime[@]}"
}

# unpack_extra DIR: unpack the arm64 extract_only packages into DIR/usr and
# point their .pc files and .so links at DIR and the multiarch runtime libs.
unpack_extra() {
  local dir=$1 tmp pkg deb pc link target want
  # Already unpacked for these exact package versions: nothing to download.
  want=$(for pkg in "${extract_only[@]}"; do
           echo "$pkg $(apt-cache policy "$pkg:arm64" 2>/dev/null | sed -n 's/^ *Candidate: //p')"
         done)
  if [[ -f "$dir/.crier-stamp" && "$(cat "$dir/.crier-stamp")" == "$want" ]] &&
     ! grep -q ' (none)$\| $' <<<"$want"; then
    echo "cross-build: $dir up to date" >&2
    return 0
  fi
  tmp=$(mktemp -d)
  rm -rf "$dir"
  mkdir -p "$dir/usr/lib/aarch64-linux-gnu/pkgconfig"
  for pkg in "${extract_only[@]}"; do
    (cd "$tmp" && apt-get download -q "$pkg:arm64" >&2)
  done
  for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$dir"; done
  rm -rf "$tmp"
  for pc in "$dir"/usr/lib/aarch64-linux-gnu/pkgconfig/*.pc; do
    sed -i -e "s|^prefix=.*|prefix=$dir/usr|" "$pc"
  done
  # libfoo.so -> libfoo.so.3 (relative): re-point at the installed runtime.
  for link in "$dir"/usr/lib/aarch64-linux-gnu/*.so; do
    [[ -L "$link" ]] || continue
    target=$(readlink "$link")
    ln -sfn "/usr/lib/aarch64-linux-gnu/${target##*/}" "$link"
  done
  printf '%s\n' "$want" >"$dir/.crier-stamp"
}

# all_installed PKG...: every package (name:arch) is installed ("ii").
all_installed() {
  local status
  status=$(dpkg-query -W -f='${db:Status-Abbrev}\n' "$@" 2>/dev/null) || return 1
  [[ $(grep -c '^ii' <<<"$status") -eq $# ]]
}

if ((setup)); then
  step "setup (arm64 architecture, cross compiler, qemu, arm64 -dev packages)"
  mapfile -t pkgs < <(arm64_packages)
  pkgs+=(crossbuild-essential-arm64 qemu-user-static)
fi
if ((setup)) && dpkg --print-foreign-architectures | grep -qx arm64 && all_installed "${pkgs[@]}"; then
  # Idempotent and fast on a machine that has everything: no apt-get update.
  echo "cross-build: all ${#pkgs[@]} packages already installed" >&2
  step_done
elif ((setup)); then
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $sudo dpkg --add-architecture arm64
  fi
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -q >&2
  # Simulate first: multiarch needs identical versions of each shared
  # package; if apt wants to remove anything, stop rather than break the host.
  plan=$(apt-get -s install -y --no-install-recommends "${pkgs[@]}")
  if grep -q '^Remv ' <<<"$plan"; then
    echo "cross-build: apt would remove packages; refusing:" >&2
    grep '^Remv ' <<<"$plan" >&2
    exit 1
  fi
  echo "cross-build: installing $(grep -c '^Inst ' <<<"$plan" || true) packages" >&2
  $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${pkgs[@]}" >&2
  step_done
fi

step "configure $build"
mkdir -p "$build"
unpack_extra "$build/cross-extra"
cmake -S "$src" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$src/cmake/toolchain-aarch64.cmake" \
  -DCRIER_CROSS_EXTRA_PREFIX="$build/cross-extra/usr" -DCMAKE_BUILD_TYPE=RelWithDebInfo >&2
step_done

((configure_only)) && exit 0

step "build"
cmake --build "$build" -j"$(nproc)" >&2
step_done

if ((run_tests)); then
  step "tests under qemu-aarch64"
  CRIER_CROSS=1 CRIER_BUILD_ARM64="$build" CRIER_SOURCE="$src" \
    bash "$src/tests/scripts/test_cross_arm64.sh"
  step_done
fi

if ((package)); then
  step "package"
  (cd "$build" && cpack -G DEB >&2)
  ls -l "$build"/*.deb >&2
  step_done
fi
