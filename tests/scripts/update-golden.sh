#!/usr/bin/env bash
# Regenerate tests/golden/*.png from the current build: the demo at both
# sizes, and every case of tests/scripts/test_render_fixtures.sh (scripts,
# wrapping, emoji, image + QR, ellipsis, invalid UTF-8).  Look at every image
# before committing it: a reference with tofu boxes or clipped text is a bug.
#   tests/scripts/update-golden.sh [BUILD_DIR]
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
export CRIER_FAKE_TIME=2026-11-26T10:00:00Z TZ=UTC LC_ALL=C.UTF-8
for size in 1920x1080 1080x1920; do
  "$build/crier" --config "$src/assets/demo/demo.conf" --headless --size "$size" --set ticker_motion=static \
    --set transition=none --set log_level=warn --run-for 1 --screenshot "$src/tests/golden/demo-$size.png"
  echo "wrote tests/golden/demo-$size.png"
done
CRIER_UPDATE_GOLDEN=1 CRIER_BUILD=$build CRIER_SOURCE=$src bash "$src/tests/scripts/test_render_fixtures.sh" |
  grep -v '^ok '
