#!/usr/bin/env bash
# The README's pictures: the explorer on the bundled sample sweep, one picture per tab, on a 1600x1000 and a
# 1366x768 screen (a virtual X server of that size; the window takes the whole screen). Regenerate them after
# any change to a view: `make screenshots` (or bash scripts/screenshots.sh BUILD_DIR OUT_DIR).
set -euo pipefail
build=${1:-build}
out=${2:-docs/screenshots}
app="$build/app/moescope"
[ -x "$app" ] || { echo "screenshots: $app not built (make build)" >&2; exit 1; }
mkdir -p "$out"
for size in 1600x1000 1366x768; do
  xvfb-run -a -s "-screen 0 ${size}x24" "$app" --size "$size" --screenshots "$out" datasets/sample_sweep.csv
  echo "screenshots: $size -> $out"
done
ls "$out"
