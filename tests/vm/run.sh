#!/usr/bin/env bash
# run.sh - the vm stage: Crier as a booted kiosk in QEMU (TCG), checked from the host.
#
#   tests/vm/run.sh [--checks LIST] [--power-cycles N] [--boots N] [--keep] [--work DIR]
#
# 1. installs the missing packages of scripts/packages.txt and tests/vm/packages.txt
#    (qemu-system-x86, qemu-utils, mmdebstrap): no QEMU is a failure, never a skip;
# 2. builds crier in build-vm/ (scripts/build.sh) and its .deb (cpack);
# 3. writes the test kiosk's files (tests/vm/guest: crier.conf with the host ports,
#    content, a trusted alert key, a root console for the driver) and builds the
#    image with board/image/build-image.sh, cached by the hash of its inputs in
#    $CRIER_VM_CACHE (default /var/cache/crier-vm; a fresh machine builds it);
# 4. runs tests/vm/vmtest.py (boot, alert, watchdog, netloss, sandbox, powercut).
# The test signing key lives next to the cache (CACHE/test-key), so the image,
# which trusts its public half, stays cached between runs.
# CRIER_VM_DEB=FILE uses that .deb instead of building one (crier and crierctl
# on the host still come from build-vm/).
# Ports on the host loopback: broker 18883, feed 18880 (CRIER_VM_PORT_BASE=N moves
# them to N+3 and N; the guest reaches them as 10.0.2.2).
# Ends with "N passed, N failed"; exit 0 only when every check passed.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
cache=${CRIER_VM_CACHE:-/var/cache/crier-vm}
base_port=${CRIER_VM_PORT_BASE:-18880}
checks="" cycles=2 boots=1 keep=0 work=""
while (($#)); do
  case $1 in
    --checks) checks=$2; shift ;;
    --power-cycles) cycles=$2; shift ;;
    --boots) boots=$2; shift ;;
    --keep) keep=1 ;;
    --work) work=$2; shift ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
t0=$SECONDS
stamp() { echo "vm: $* [$((SECONDS - t0)) s]"; }

"$src/scripts/deps.sh" "$src/scripts/packages.txt" "$src/tests/vm/packages.txt"
for t in qemu-system-x86_64 mmdebstrap mkfs.ext4 e2fsck python3; do
  command -v "$t" >/dev/null || { echo "FAIL vm: $t is missing after scripts/deps.sh"; echo "0 passed, 1 failed"; exit 1; }
done
# Debian's python3 (python3-pil), not one of a user's PATH (pyenv ...)
py=/usr/bin/python3
[[ -x $py ]] || py=python3
"$py" -c 'import PIL' || { echo "FAIL vm: python3-pil missing"; echo "0 passed, 1 failed"; exit 1; }

build=$src/build-vm
if [[ -n ${CRIER_VM_DEB:-} ]]; then
  deb=$CRIER_VM_DEB  # a ready .deb (bench, or while the tree does not build); crierctl from build-vm
else
  "$src/scripts/build.sh" "$build" >/dev/null
  rm -f "$build"/crier_*.deb
  (cd "$build" && cpack -G DEB >/dev/null)
  deb=$(ls "$build"/crier_*_amd64.deb)
fi
stamp "firmware and $(basename "$deb") built"

mkdir -p "$cache/test-key"
key=$cache/test-key/VM-Test-Office.key
if [[ ! -s $key ]]; then
  rm -f "$cache/test-key/"*
  "$build/crierctl" keygen --issuer "VM Test Office" --out "$cache/test-key" >/dev/null
fi
[[ -z $work ]] && work=$(mktemp -d /tmp/crier-vm.XXXXXX)
mkdir -p "$work"
extra=$work/extra
rm -rf "$extra" && cp -a "$src/tests/vm/guest" "$extra"
sed -e "s/@BROKER_PORT@/$((base_port + 3))/" -e "s/@FEED_PORT@/$base_port/" \
  "$extra/etc/crier/crier.conf.in" >"$extra/etc/crier/crier.conf"
rm "$extra/etc/crier/crier.conf.in"
mkdir -p "$extra/etc/crier/keys"
cp "$cache/test-key/VM-Test-Office.pub" "$extra/etc/crier/keys/"
# the same files with the same times, so that the hash sees content only
find "$extra" -exec touch -h -d @0 {} +

img_t=$SECONDS
image=$(bash "$src/board/image/build-image.sh" --arch amd64 --deb "$deb" --extra "$extra" --cache "$cache" | tail -1)
stamp "image ready in $((SECONDS - img_t)) s: $image"

rc=0
"$py" "$src/tests/vm/vmtest.py" --image "$image" --build "$build" --work "$work" --extra "$extra" --key "$key" \
  --broker-port $((base_port + 3)) --feed-port "$base_port" --power-cycles "$cycles" --boots "$boots" \
  ${checks:+--checks "$checks"} || rc=$?
stamp >&2 "done (image $((SECONDS - img_t)) s before checks; results in $work/results.json)"
if ((rc == 0 && !keep)); then rm -rf "$work/vm"; fi
exit $rc
