#!/usr/bin/env bash
# Builds the CUDA trainer beside the CPU build when this machine can run one (#31): an NVIDIA driver and a
# CUDA LibTorch — $MOESCOPE_TORCH_DIR, or the torch package of a Python on PATH or in ./.venv / ./venv. The
# window then trains CUDA devices with it (build-cuda/trainer/moescope-train). Without both it says in one
# line how to get them, and the CPU build carries on alone. `--detect` only prints what it found.
set -uo pipefail
detect_only=0
[ "${1:-}" = --detect ] && detect_only=1 && shift
CUDA_BUILD_DIR=${CUDA_BUILD_DIR:-build-cuda}
JOBS=${JOBS:-2}

driver=""
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  driver=$(nvidia-smi -L 2>/dev/null | head -1 | sed 's/ (UUID.*//')
fi
if [ -z "$driver" ]; then
  echo "CUDA trainer: no NVIDIA driver here (nvidia-smi); the trainer runs on the CPU."
  exit 0
fi

torch_dir=${MOESCOPE_TORCH_DIR:-}
if [ -z "$torch_dir" ]; then
  for py in python3 .venv/bin/python venv/bin/python; do
    command -v "$py" >/dev/null 2>&1 || continue
    # A CUDA wheel names its CUDA version; a CPU-only one says None.
    found=$("$py" -c 'import torch, torch.utils; print(torch.utils.cmake_prefix_path if torch.version.cuda else "")' 2>/dev/null) || continue
    if [ -n "$found" ]; then torch_dir=$found; break; fi
  done
fi
if [ -z "$torch_dir" ]; then
  echo "CUDA trainer: $driver, but no CUDA LibTorch: pip install torch (a CUDA wheel) or set MOESCOPE_TORCH_DIR, then make again; training stays on the CPU until then."
  exit 0
fi
echo "CUDA trainer: $driver with the LibTorch in $torch_dir -> $CUDA_BUILD_DIR/trainer/moescope-train"
[ "$detect_only" = 1 ] && exit 0
cmake -S . -B "$CUDA_BUILD_DIR" -DMOESCOPE_TRAINER_ONLY=ON -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$torch_dir" >/dev/null &&
  cmake --build "$CUDA_BUILD_DIR" -j "$JOBS" --target moescope-train ||
  { echo "CUDA trainer: the build failed (see above); the window trains on the CPU."; exit 0; }
