#!/usr/bin/env bash
# Issue 6's GPU goal: MFU >= 30 % (achieved TFLOP/s by Eq. 9 over the device's dense bf16 peak, e.g. 989
# TFLOP/s on an H100 SXM) at d_model 1024, 8 layers, E = 64, K = 8, ctx 2048, bf16, with where the time goes.
# The experts are fine-grained (G = 8, hidden 4d/G = 512): with G = 1 the model holds 6.5e9 parameters,
# and their fp32 weights, gradients and AdamW moments (104 GB) exceed an H100's memory.
# Usage: bench_trainer_gpu.sh BUILD_DIR [extra moescope-train options, e.g. --batch 4]
#   BENCH_RECORD=FILE   appends the bench event (JSON Lines, device name included) to FILE
#   BENCH_TRACE=FILE    also profiles two steps into FILE (Chrome trace) and prints where the time goes
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
shift || true
cfg=(--d-model 1024 --layers 8 --heads 16 --experts 64 --active 8 --granularity 8 --ctx 2048 --batch 8
     --vocab 32768 --dtype bf16 --device cuda)
trace=()
[ -n "${BENCH_TRACE:-}" ] && trace=(--bench-trace "$BENCH_TRACE")
out=$("$build/trainer/moescope-train" --bench --bench-steps 10 "${cfg[@]}" "$@" "${trace[@]}") || true
line=$(grep '"event":"bench"' <<<"$out") || { echo "trainer gpu: no bench event: $(grep '"event":"error"' <<<"$out")"; exit 1; }
[ -n "${BENCH_RECORD:-}" ] && echo "$line" >>"$BENCH_RECORD"
python3 - "$line" <<'PY'
import json, sys
b = json.loads(sys.argv[1])
share = ", ".join(f"{k} {v:.0%}" for k, v in b["time_share"].items())
name = b.get("device_name") or b["device"]
print(f"trainer gpu: {name} ({b['device']}): {b['tokens_per_s']:.0f} tokens/s, {b['tflops']:.1f} TFLOP/s by Eq. 9 ({share})")
mfu = b.get("mfu")
if mfu is None:
    print("trainer gpu: no peak known for this device: MFU not computed")
    sys.exit(1)
print(f"trainer gpu: MFU {mfu:.1%} of {b['peak_tflops']:.0f} TFLOP/s (goal >= 30%: {'met' if mfu >= 0.30 else 'MISSED'})")
PY
if [ -n "${BENCH_TRACE:-}" ]; then
  grep -q '"event":"bench_trace"' <<<"$out" || { echo "trainer gpu: no trace: $(grep '"event":"error"' <<<"$out")"; exit 1; }
  python3 "$here/trace_summary.py" "$BENCH_TRACE" --json "${BENCH_TRACE%.json}.summary.json"
fi
