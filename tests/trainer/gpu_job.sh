#!/usr/bin/env bash
# Issue 18's whole device job, for a GPU machine lent for minutes: builds the trainer alone against the pip
# torch's LibTorch (NCCL and the fused AdamW on; falls back without each, then without the profiler, saying
# why), runs gpu_check.sh (its checks, then the benchmark with a profile of two steps), then the benchmark's
# variants (a larger batch, which spreads the optimiser over more tokens; torch::optim::AdamW's own update;
# the full-logits loss and the plain RMSNorm against the chunked loss and at::rms_norm, CUDA's defaults)
# so one lease shows what moves MFU. Everything lands in $OUT (or ./gpu-job): job.log, bench.jsonl (the
# bench events, device name included), the trace's summary and the trace itself, compressed, and the log of
# any failed build.
# With gpu-sweep/jobs.json in the tree (tests/trainer/gpu_sweep_prepare.sh writes it; carry gpu-sweep), the
# time left of GPU_JOB_SECONDS (default 540) trains the calibration sweep's next runs and packs their results
# into $OUT/sweep-pack.tar.gz; GPU_JOB=sweep skips the checks and benchmarks for a lease of sweep alone.
# Usage: tests/trainer/gpu_job.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-gpu-job}
mkdir -p "$out"
exec > >(tee "$out/job.log") 2>&1
date -u +"job: %Y-%m-%dT%H:%M:%SZ"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv,noheader |
  sed 's/^/job: gpu: /'
python3 -c 'import torch; print("job: torch", torch.__version__, "cuda", torch.version.cuda)'
prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')
# NCCL's header sits in the nvidia-nccl wheel (its folder differs between CUDA 12 and 13 wheels), not in
# torch's include folder.
nccl_inc=$(python3 -c '
import glob, os, site
hits = [h for p in site.getsitepackages() for h in glob.glob(p + "/nvidia/**/nccl.h", recursive=True)]
print(os.path.dirname(hits[0]) if hits else "")' 2>/dev/null || true)
echo "job: nccl.h in ${nccl_inc:-(not found)}"
build=build-gpu
try=0
build_with() {
  try=$((try + 1))
  rm -rf "$build"
  if cmake -S . -B "$build" -DMOESCOPE_TRAINER_ONLY=ON -DCMAKE_PREFIX_PATH="$prefix" "$@" >"$out/build$try.log" 2>&1 &&
    cmake --build "$build" -j"$(nproc)" --target moescope-train >>"$out/build$try.log" 2>&1; then
    echo "job: built with $*"
    rm -f "$out/build$try.log"
    return 0
  fi
  echo "job: build with $* failed: $(grep -m3 -E 'error|Error' "$out/build$try.log" | tr '\n' ' ')"
  return 1
}
start=$SECONDS
build_with -DMOESCOPE_NCCL=ON ${nccl_inc:+"-DCMAKE_CXX_FLAGS=-I$nccl_inc"} ||
  build_with -DMOESCOPE_NCCL=ON ${nccl_inc:+"-DCMAKE_CXX_FLAGS=-I$nccl_inc"} -DMOESCOPE_FUSED_ADAMW=OFF ||
  build_with -DMOESCOPE_NCCL=OFF -DMOESCOPE_FUSED_ADAMW=OFF ||
  build_with -DMOESCOPE_NCCL=OFF -DMOESCOPE_FUSED_ADAMW=OFF -DMOESCOPE_BENCH_TRACE=OFF ||
  exit 1
echo "job: build took $((SECONDS - start)) s"
# What the window's device list will show from this build (#31): cpu and each cuda:i with its peak.
"$build/trainer/moescope-train" --devices --json | tee "$out/devices.json"
grep -q '"cuda:0"' "$out/devices.json" || echo "job: the CUDA build lists no cuda:0"

if [ "${GPU_JOB:-}" != sweep ]; then
  export BENCH_RECORD="$out/bench.jsonl" BENCH_TRACE="$out/trace.json"
  timeout 420 bash tests/trainer/gpu_check.sh "$build"
  echo "job: gpu_check.sh exit $?"
  unset BENCH_TRACE
  for variant in "--batch 16" "--adamw loop" "--loss full" "--norm plain"; do
    # A lease is one command of at most 600 s: a variant that could run past the job's time is left out.
    if [ "$SECONDS" -gt $((${GPU_JOB_SECONDS:-540} - 130)) ]; then
      echo "job: variant $variant skipped: $SECONDS s gone of ${GPU_JOB_SECONDS:-540}"
      continue
    fi
    echo "job: variant $variant"
    # shellcheck disable=SC2086 # the variant is two words on purpose
    timeout 120 bash tests/bench/bench_trainer_gpu.sh "$build" $variant
  done
  [ -f "$out/trace.json" ] && gzip -f "$out/trace.json"
fi
if [ -f gpu-sweep/jobs.json ]; then
  left=$((${GPU_JOB_SECONDS:-540} - SECONDS - 20))
  if [ "$left" -gt 60 ]; then
    # The corpus is the machine's own Python source, encoded with the tokenizer trained here (once a lease).
    corpus=/tmp/gpu-sweep-corpus.bin
    [ -f "$corpus" ] || timeout 180 python3 scripts/device_corpus.py --model gpu-sweep/sp.model --out "$corpus" \
      --manifest "$out/corpus.json" --max-tokens 3e8 >/dev/null
    left=$((${GPU_JOB_SECONDS:-540} - SECONDS - 20))
    if [ -f "$corpus" ]; then
      echo "job: calibration sweep for $left s on $(($(stat -c %s "$corpus") / 2)) tokens of corpus"
      python3 scripts/sweep_lease.py train gpu-sweep/jobs.json --trainer "$build/trainer/moescope-train" \
        --work /tmp/gpu-sweep-runs --pack "$out/sweep-pack.tar.gz" --data "$corpus" --device cuda \
        --deadline "$left"
      echo "job: sweep_lease.py exit $?"
    else
      echo "job: no corpus for the calibration sweep (scripts/device_corpus.py failed)"
    fi
  else
    echo "job: no time left for the calibration sweep ($left s)"
  fi
fi
echo "job: done after $SECONDS s"
