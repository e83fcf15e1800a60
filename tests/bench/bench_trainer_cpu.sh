#!/usr/bin/env bash
# Issue 6's CPU goal: moescope-train at least as fast as the same model in Python with Debian's
# python3-torch, both measured here in the same run with the same threads. Usage: bench_trainer_cpu.sh BUILD_DIR
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
cfg=(--d-model 256 --layers 4 --heads 4 --experts 8 --active 2 --ctx 256 --batch 8 --vocab 256)
ours=$("$build/trainer/moescope-train" --bench --bench-steps 10 --device cpu --threads 2 "${cfg[@]}" | grep '"bench"')
theirs=$(/usr/bin/python3 "$here/moe_reference.py" --steps 10 --threads 2 "${cfg[@]}")
/usr/bin/python3 - "$ours" "$theirs" <<'PY'
import json, sys
ours, ref = json.loads(sys.argv[1]), json.loads(sys.argv[2])
r = ours["tokens_per_s"] / ref["tokens_per_s"]
share = ", ".join(f"{k} {v:.0%}" for k, v in ours["time_share"].items())
print(f"trainer cpu: moescope-train {ours['tokens_per_s']:.0f} tokens/s ({ours['tflops']*1e3:.1f} GFLOP/s by Eq. 9; {share})")
print(f"trainer cpu: Python torch reference {ref['tokens_per_s']:.0f} tokens/s")
print(f"trainer cpu: {r:.2f}x the Python reference (goal >= 1x: {'met' if r >= 1 else 'MISSED'})")
PY
