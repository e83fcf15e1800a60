#!/usr/bin/env bash
# Runs every benchmark of tests/bench against its same-run reference. Usage: run_all.sh BUILD_DIR
set -uo pipefail
build=${1:-build}
status=0
shared="$(cd "$(dirname "$0")/../.." && pwd)/../shared/data"
for b in bench_csv_import bench_isoflop bench_extrapolation bench_analysis bench_calibration; do
  [ -x "$build/tests/bench/$b" ] || continue
  echo "== $b"
  "$build/tests/bench/$b" || status=1
done
if [ -x "$build/tests/bench/bench_laws" ]; then
  echo "== bench_laws"
  "$build/tests/bench/bench_laws" "$shared" || status=1
fi
if [ -x "$build/tests/bench/bench_explorer" ]; then
  echo "== bench_explorer"
  if [ -z "${DISPLAY:-}" ]; then
    xvfb-run -a -s "-screen 0 1600x1000x24" "$build/tests/bench/bench_explorer" || status=1
  else
    "$build/tests/bench/bench_explorer" || status=1
  fi
fi
if [ -x "$build/trainer/moescope-train" ]; then
  echo "== bench_trainer_cpu"
  bash "$(dirname "$0")/bench_trainer_cpu.sh" "$build" || status=1
  if nvidia-smi >/dev/null 2>&1; then
    echo "== bench_trainer_gpu"
    bash "$(dirname "$0")/bench_trainer_gpu.sh" "$build" || status=1
  fi
fi
exit $status
