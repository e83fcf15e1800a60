#!/usr/bin/env bash
# Issue 31's CUDA calibration sweep, the half that runs here. The lent machine reaches no network and takes
# at most 64 MiB of files, so the corpus is built there (scripts/device_corpus.py: the Python source of its
# standard library and permissively licensed packages); what travels is gpu-sweep/ (ignored by git; the
# device call carries it): the BPE tokenizer `moescope-cli tokenize` trains here on this machine's Python
# standard library (the same kind of text), and the job list of what can train in the next lease
# (`run-sweep --lease-jobs`). The plan and the sweep's folder stay here, in $SWEEP (default ../sweeps/gpu
# beside the checkout). gpu_job.sh encodes the corpus, trains the list and packs the results into
# $OUT/sweep-pack.tar.gz; after a lease, `tests/trainer/gpu_sweep_prepare.sh --collect PACK` unpacks them and
# lists the next lease's jobs. When every run is done, $SWEEP/runs/runs.csv is the sweep.
# Usage: tests/trainer/gpu_sweep_prepare.sh [--collect PACK]
set -euo pipefail
cd "$(dirname "$0")/../.."
cli=${MOESCOPE_CLI:-build/app/moescope-cli}
sweep=${SWEEP:-../sweeps/gpu}
lease=gpu-sweep
pack=
if [ "${1:-}" = --collect ]; then
  pack=${2:?--collect needs the pack a lease brought back}
fi
[ -x "$cli" ] || { echo "gpu_sweep_prepare: no $cli (make build first)"; exit 1; }
mkdir -p "$lease" "$sweep"

if [ ! -f "$lease/sp.model" ]; then
  stdlib=$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_paths()["stdlib"])')
  text=$(mktemp)
  trap 'rm -f "$text"' EXIT
  find "$stdlib" -name '*.py' -not -path '*/site-packages/*' -not -path '*/dist-packages/*' -print0 |
    sort -z | xargs -0 cat >"$text"
  "$cli" tokenize "$text" --vocab 8192 --out "$lease" --json >"$lease/tokenize.json"
  rm -f "$lease/tokens.bin" # the device encodes its own corpus
  echo "gpu_sweep_prepare: tokenizer trained on $stdlib ($(wc -c <"$text") bytes): $(cat "$lease/tokenize.json")"
fi
vocab=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vocab"])' "$lease/tokenize.json")

# Three budgets 2x apart around 1e15, three sparsities, five sizes each around the Abnar preset's optimum,
# ctx 512, 64 sequences a step (16 leave the GPU waiting on kernel launches at these sizes), each run's rate
# from the default learning-rate law: 45 runs, 5.3e16 FLOPs, about half an hour of an H200 at the few per cent
# of its peak such small models reach, in several leases. The smallest models read up to ~4e8 tokens, a few
# epochs of the device's corpus (its manifest says how many tokens it holds; 1e16-1e17 would read each token
# tens of times). Independent runs: a cooldown
# branch needs its stable run's checkpoint, which does not travel back.
plan="$sweep/plan.json"
if [ ! -f "$plan" ]; then
  "$cli" plan-sweep --budgets 5e14,1e15,2e15 --sparsities 0,0.5,0.75 --sizes 5 --vocab "$vocab" \
    --ctx 512 --batch 64 --device cuda --out "$plan.new"
  mv "$plan.new" "$plan"
fi
if [ -n "$pack" ]; then
  python3 scripts/sweep_lease.py collect "$pack" --into "$sweep/runs"
fi
"$cli" run-sweep "$plan" --out "$sweep/runs" --group calibration_gpu --lease-jobs "$lease/jobs.json" \
  --train-args "--dtype bf16 --eval-every 1000000"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"]; print(
  "gpu_sweep_prepare: the largest run reads %.3g tokens" % max(x["tokens"] for x in r))' "$plan"
du -sh "$lease" | sed 's/^/gpu_sweep_prepare: the lease folder holds /'
