#!/usr/bin/env bash
# scripts/cuda_trainer.sh finds a CUDA build's two ingredients, checked with stand-ins on a CPU machine: no
# driver -> CPU only; a driver and no CUDA torch -> one line saying how to get one; both -> the build planned.
set -euo pipefail
src=$1
fake=$(mktemp -d)
trap 'rm -rf "$fake"' EXIT
cd "$src"
run() { PATH="$fake/bin:/usr/bin:/bin" MOESCOPE_TORCH_DIR= bash scripts/cuda_trainer.sh --detect; }
mkdir -p "$fake/bin"
# A driver that does not answer (as nvidia-smi without one).
printf '#!/bin/sh\nexit 9\n' > "$fake/bin/nvidia-smi"
chmod +x "$fake/bin/nvidia-smi"
out=$(run); echo "$out"
grep -q "no NVIDIA driver" <<<"$out"
printf '#!/bin/sh\necho "GPU 0: NVIDIA H200 (UUID: GPU-fake)"\n' > "$fake/bin/nvidia-smi"
printf '#!/bin/sh\nexit 1\n' > "$fake/bin/python3" # no torch
chmod +x "$fake/bin/"*
out=$(run); echo "$out"
grep -q "NVIDIA H200, but no CUDA LibTorch: pip install torch" <<<"$out"
[ "$(wc -l <<<"$out")" = 1 ]
printf '#!/bin/sh\necho /opt/fake-torch/share/cmake\n' > "$fake/bin/python3" # a CUDA wheel
out=$(run); echo "$out"
grep -q "LibTorch in /opt/fake-torch/share/cmake -> build-cuda/trainer/moescope-train" <<<"$out"
out=$(PATH="$fake/bin:/usr/bin:/bin" MOESCOPE_TORCH_DIR=/named/torch bash scripts/cuda_trainer.sh --detect)
grep -q "LibTorch in /named/torch" <<<"$out"
echo "cuda trainer detection: ok"
