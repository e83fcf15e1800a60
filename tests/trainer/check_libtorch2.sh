#!/usr/bin/env bash
# The trainer against LibTorch 2.x, on CPU. Builds moescope-train with -DMOESCOPE_TRAINER_ONLY=ON in a Debian
# chroot (sid: LibTorch 2.14, C++20 headers; MOESCOPE_LIBTORCH2_SUITE=trixie: 2.6), so its 2.x branches
# compile (at::scaled_dot_product_attention, the device-typed autocast API, at::_grouped_mm), then checks
# that a short run there matches this machine's LibTorch 1.13 build step for step, that the grouped GEMM
# trains like the per-expert loop (ATen's CPU fallback of the op the H100 runs in bf16), and that a run
# stopped and resumed there gives the uninterrupted losses.
# Needs root (debootstrap, chroot) and, the first time, the network: the chroot (~1.7 GB) is cached.
# Exits 77 when it cannot set up (no root, no network), 1 when the trainer fails a check.
# Usage: check_libtorch2.sh BUILD_DIR
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
suite="${MOESCOPE_LIBTORCH2_SUITE:-sid}"
root="${MOESCOPE_CHROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/moescope/$suite-libtorch2}"
# sid's Release files on some mirrors outlive their Valid-Until; the packages are what is checked here.
apt_opts="-o Acquire::Check-Valid-Until=false"
skip() { echo "check_libtorch2: skipped: $*"; exit 77; }

[ "$(id -u)" -eq 0 ] || skip "needs root for debootstrap and chroot"
[ -x "$build/trainer/moescope-train" ] || { echo "check_libtorch2: no $build/trainer/moescope-train"; exit 1; }
if [ ! -x "$root/usr/bin/cmake" ] || [ ! -d "$root/usr/include/torch" ]; then
  echo "check_libtorch2: setting up a $suite chroot with LibTorch 2.x in $root"
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap \
    >/dev/null || skip "debootstrap cannot be installed"
  rm -rf "$root" && mkdir -p "$root"
  debootstrap --variant=minbase "$suite" "$root" http://deb.debian.org/debian >/dev/null 2>&1 ||
    skip "debootstrap of $suite failed (network?)"
  chroot "$root" bash -c "apt-get $apt_opts update -qq && DEBIAN_FRONTEND=noninteractive apt-get $apt_opts \
    install -y -qq --no-install-recommends libtorch-dev g++ cmake make" >/dev/null 2>&1 ||
    skip "installing libtorch-dev in the chroot failed (network?)"
fi
version=$(chroot "$root" dpkg-query -W -f='${Version}' libtorch-dev)
echo "check_libtorch2: $suite, libtorch-dev $version"
grouped=0
dpkg --compare-versions "$version" ge 2.8 && grouped=1

# The working tree as git sees it (tracked and new files), not HEAD: the check is of what is about to land.
rm -rf "$root/src" && mkdir -p "$root/src"
(cd "$repo" && git ls-files -co --exclude-standard -z | tar --null -T - -c) | tar -x -C "$root/src"
chroot "$root" bash -c "cd /src && cmake -S . -B build -DMOESCOPE_TRAINER_ONLY=ON >/tmp/configure.log 2>&1 &&
  cmake --build build -j$(nproc) --target moescope-train >/tmp/build.log 2>&1" || {
  echo "check_libtorch2: the trainer does not build against LibTorch 2.x:"
  grep -E "error" "$root/tmp/build.log" "$root/tmp/configure.log" | head -20
  exit 1
}

cat "$repo"/core/*/*.cpp "$repo"/trainer/*.cpp >"$root/tmp/corpus.txt"
opts="--data /tmp/corpus.txt --d-model 64 --layers 2 --heads 2 --experts 4 --active 2 --ctx 64 --batch 8"
opts+=" --steps 60 --eval-every 30 --threads 2 --seed 3"
rm -rf "$root/tmp/runs" && mkdir -p "$root/tmp/runs"
# shellcheck disable=SC2086
(cd "$root" && "$build/trainer/moescope-train" ${opts//\/tmp/$root\/tmp} --out "$root/tmp/runs/host") \
  >"$root/tmp/runs/host.jsonl"
chroot "$root" bash -c "cd /tmp/runs &&
  /src/build/trainer/moescope-train $opts --out whole >whole.jsonl &&
  { /src/build/trainer/moescope-train $opts --out split --stop-at 30 >first.jsonl; [ \$? -eq 130 ]; } &&
  /src/build/trainer/moescope-train $opts --out split --resume >second.jsonl &&
  if [ $grouped = 1 ]; then /src/build/trainer/moescope-train $opts --out grouped --experts-gemm grouped \
    >grouped.jsonl; fi"
python3 - "$root/tmp/runs" <<'PY'
import json, sys, pathlib
runs = pathlib.Path(sys.argv[1])
def read(name):
    events = [json.loads(l) for l in (runs / name).read_text().splitlines() if l.startswith("{")]
    return ({e["step"]: e["loss"] for e in events if e["event"] == "step"},
            [e["val_loss"] for e in events if e["event"] == "done"])
host, host_val = read("host.jsonl")
whole, whole_val = read("whole.jsonl")
split = {**read("first.jsonl")[0], **read("second.jsonl")[0]}
grouped = read("grouped.jsonl") if (runs / "grouped.jsonl").exists() else None
# Runs that agree diverge only slowly (chaotically, from float rounding): the first 20 steps are held tight
# (a wrong forward shows at step 1, a wrong backward from step 2), the rest loosely.
early = [s for s in sorted(host) if s <= 20]
def worst(a, b, steps):
    return max(abs(a[s] - b[s]) for s in steps)
checks = [
    ("steps 1-20, 1.13 vs 2.x (explicit masked softmax vs scaled_dot_product_attention)",
     worst(host, whole, early), 1e-4),
    ("any step, 1.13 vs 2.x", worst(host, whole, host), 1e-2),
    ("final validation loss, 1.13 vs 2.x", abs(host_val[0] - whole_val[0]), 5e-3),
    ("resumed vs uninterrupted, 2.x", worst(whole, split, whole), 1e-6),
]
if grouped:
    checks += [
        ("steps 1-20, grouped GEMM vs per-expert loop", worst(grouped[0], whole, early), 1e-4),
        ("any step, grouped GEMM vs per-expert loop", worst(grouped[0], whole, whole), 1e-2),
        ("final validation loss, grouped GEMM vs loop", abs(grouped[1][0] - whole_val[0]), 5e-3),
    ]
else:
    print("check_libtorch2: LibTorch < 2.8 here: no at::_grouped_mm to check")
failed = False
for what, diff, tol in checks:
    ok = diff <= tol
    failed |= not ok
    print(f"check_libtorch2: {what}: differs by {diff:.2e} (tolerance {tol:g}): {'ok' if ok else 'FAILED'}")
sys.exit(1 if failed else 0)
PY
