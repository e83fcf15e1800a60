#!/usr/bin/env bash
# Plans and trains an isoFLOP calibration sweep with MoEScope's own trainer, then fits it: the recipe behind
# datasets/calibration_cpu.csv (see datasets/calibration_cpu.md). Every setting is an environment variable,
# so a GPU owner re-runs it at larger budgets with one command, e.g.
#   BUDGETS=1e15,3e15,1e16,3e16,1e17 DEVICE=cuda VOCAB=32000 CTX=1024 ASPECT=64 BATCH=32 \
#     DATA=tokens/ OUT=gpu-sweep bash scripts/calibration_sweep.sh
# A stopped sweep continues where it stopped when the same command runs again.
set -euo pipefail
BUILD=${BUILD:-build}
BUDGETS=${BUDGETS:-1e11,3e11,1e12}
SPARSITIES=${SPARSITIES:-0,0.75}
SIZES=${SIZES:-5}
SPREAD=${SPREAD:-0.7}
VOCAB=${VOCAB:-256}    # byte-level: no tokenizer to train
CTX=${CTX:-128}
ASPECT=${ASPECT:-32}   # d_model / n_layers
BATCH=${BATCH:-16}
DEVICE=${DEVICE:-cpu}
THREADS=${THREADS:-0}  # 0: all cores
DATA=${DATA:-}         # default: the Brown Corpus the set-up installs
TRAINER=${TRAINER:-$BUILD/trainer/moescope-train}
OUT=${OUT:-calibration-sweep}
TRAIN_ARGS=${TRAIN_ARGS:---eval-every 250 --eval-batches 32}
# Further plan-sweep options, e.g. "--wsd --lr-ladder 3 --around datasets/calibration_cpu.csv" for stable
# runs with cooldown branches and learning-rate ladders (datasets/calibration_cpu_wsd.md).
read -r -a plan_args <<< "${PLAN_ARGS:-}"

cli=$BUILD/app/moescope-cli
mkdir -p "$OUT"
plan=$OUT/plan.json
if [ ! -f "$plan" ]; then
  "$cli" plan-sweep --budgets "$BUDGETS" --sparsities "$SPARSITIES" --sizes "$SIZES" --spread "$SPREAD" \
    --vocab "$VOCAB" --ctx "$CTX" --aspect "$ASPECT" --batch "$BATCH" --device "$DEVICE" ${plan_args[@]+"${plan_args[@]}"} --out "$plan"
fi
args=(--out "$OUT" --trainer "$TRAINER" --device "$DEVICE" --group calibration --train-args "$TRAIN_ARGS")
[ "$THREADS" != 0 ] && args+=(--threads "$THREADS")
[ -n "$DATA" ] && args+=(--data "$DATA")
start=$(date +%s)
"$cli" run-sweep "$plan" "${args[@]}"
echo "sweep wall time: $(( $(date +%s) - start )) s on $(nproc) core(s) of $(uname -m)" | tee -a "$OUT/wall.txt"
"$cli" fit "$OUT/runs.csv" --law isoflop
