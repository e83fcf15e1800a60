#!/usr/bin/env python3
"""Where a training step's GPU time goes, from the Chrome trace `moescope-train --bench --bench-trace` writes.

Each GPU kernel is charged to the innermost LibTorch operator that launched it (the kernel's correlation id
leads to its launch call, the launch call sits inside operators on the CPU side), and operators fall into the
parts of an MoE step: dense GEMMs, the experts' grouped GEMM, attention, routing, token permutation,
element-wise work, the optimiser. Also printed: how much of the traced time the GPU was busy at all — idle
gaps mean the host could not launch kernels fast enough.

Usage: trace_summary.py TRACE.json [--json OUT.json]
"""
import bisect
import json
import re
import sys
from collections import defaultdict

# Operator (or, failing one, kernel) name -> part of the step. First match wins.
PARTS = [
    ("experts grouped GEMM", r"grouped_mm|grouped_gemm|GroupedMm"),
    ("attention", r"scaled_dot_product|flash|fmha|efficient_attention|cudnn_attention|attention"),
    ("optimizer", r"foreach|adam|Adam|clip_grad|_fused_adamw|lerp|addcdiv|addcmul"),
    ("loss (cross-entropy)", r"cross_entropy|nll_loss|log_softmax"),
    ("routing (sort, top-k, softmax, counts)", r"\bsort\b|aten::sort|topk|bincount|histc|cumsum|_softmax|softmax|argsort|radix"),
    ("token permutation (gather, scatter)", r"index_select|index_add|scatter|gather|index_put|aten::index\b|IndexBackward|indexSelect|indexFuncLarge|scatter_gather"),
    ("dense GEMM (attention proj., router, head)", r"aten::mm|aten::addmm|aten::bmm|aten::matmul|aten::linear|gemm|xmma|nvjet|cutlass|Kernel2"),
    ("casts and copies", r"aten::copy_|aten::to\b|_to_copy|Memcpy|memcpy|Memset|memset"),
    ("nccl", r"nccl|c10d"),
    ("element-wise and reductions", r"."),
]


def part_of(name):
    for part, pattern in PARTS:
        if re.search(pattern, name):
            return part
    return "other"


def union_length(intervals):
    total, end = 0.0, float("-inf")
    for s, e in sorted(intervals):
        if e <= end:
            continue
        total += e - max(s, end)
        end = e
    return total


def summarise(trace):
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    complete = [e for e in events if e.get("ph") == "X" and "dur" in e]
    kernels = [e for e in complete if e.get("cat") in ("kernel", "gpu_memcpy", "gpu_memset")]
    if not kernels:
        raise SystemExit("trace_summary: no GPU kernels in the trace (was it taken on a CPU?)")
    launches = {}
    for e in complete:
        if e.get("cat") in ("cuda_runtime", "cuda_driver") and "correlation" in e.get("args", {}):
            launches[e["args"]["correlation"]] = e
    # CPU operators per thread, sorted by start, to find the innermost one around a launch.
    ops = defaultdict(list)
    for e in complete:
        if e.get("cat") in ("cpu_op", "user_annotation"):
            ops[e["tid"]].append(e)
    starts = {}
    for tid, lst in ops.items():
        lst.sort(key=lambda e: e["ts"])
        starts[tid] = [e["ts"] for e in lst]

    def innermost_op(launch):
        # Operators on one thread nest: walking back from the launch by start time, the first one that
        # still encloses it is the innermost.
        lst = ops.get(launch["tid"], [])
        i = bisect.bisect_right(starts.get(launch["tid"], []), launch["ts"]) - 1
        while i >= 0:
            e = lst[i]
            if e["ts"] + e["dur"] >= launch["ts"] + launch["dur"] and e.get("cat") == "cpu_op":
                return e["name"]
            i -= 1
        return None

    # The trainer names whole phases with user scopes (RECORD_USER_SCOPE): every kernel launched inside the
    # "optimizer" scope is the optimiser's, and inside a "loss" scope (the chunked cross-entropy, forward and
    # backward) the loss's, whatever operator launched it.
    scopes = {"optimizer": "optimizer", "loss": "loss (cross-entropy)"}
    phases = defaultdict(list)
    for e in complete:
        if e.get("cat") == "user_annotation" and e["name"] in scopes:
            phases[e["tid"]].append((e["ts"], e["ts"] + e["dur"], scopes[e["name"]]))

    def phase_of(launch):
        return next((p for s, e, p in phases.get(launch["tid"], []) if s <= launch["ts"] <= e), None)

    by_part, by_op, by_kernel = defaultdict(float), defaultdict(float), defaultdict(float)
    for k in kernels:
        launch = launches.get(k.get("args", {}).get("correlation"))
        op = innermost_op(launch) if launch else None
        key = op or k["name"]
        part = part_of(op) if op else "element-wise and reductions"
        if launch and phase_of(launch):
            part = phase_of(launch)
        if part == "element-wise and reductions":  # a generic operator: the kernel's name may say more
            part = part_of(k["name"])
        by_part[part] += k["dur"]
        by_op[key] += k["dur"]
        by_kernel[k["name"][:100]] += k["dur"]
    busy = union_length([(k["ts"], k["ts"] + k["dur"]) for k in kernels])
    span = max(k["ts"] + k["dur"] for k in kernels) - min(k["ts"] for k in kernels)
    kernel_time = sum(k["dur"] for k in kernels)
    return {
        "span_us": span,
        "gpu_busy_us": busy,
        "gpu_busy_share": busy / span if span else 0.0,
        "kernels": len(kernels),
        "kernel_us": kernel_time,
        "parts": dict(sorted(by_part.items(), key=lambda kv: -kv[1])),
        "top_ops": dict(sorted(by_op.items(), key=lambda kv: -kv[1])[:15]),
        "top_kernels": dict(sorted(by_kernel.items(), key=lambda kv: -kv[1])[:15]),
    }


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(argv[1]) as f:
            trace = json.load(f)
    except (OSError, ValueError) as e:
        print(f"trace_summary: {argv[1]}: {e}", file=sys.stderr)
        return 2
    s = summarise(trace)
    print(f"trace: {s['kernels']} kernels over {s['span_us'] / 1e3:.1f} ms; GPU busy {s['gpu_busy_share']:.0%} "
          f"of that ({s['gpu_busy_us'] / 1e3:.1f} ms)")
    for title, key in (("by part of the step", "parts"), ("by operator", "top_ops"), ("by kernel", "top_kernels")):
        print(f"trace: {title}:")
        for name, us in s[key].items():
            print(f"trace:   {us / s['kernel_us']:6.1%}  {us / 1e3:8.2f} ms  {name}")
    if "--json" in argv:
        with open(argv[argv.index("--json") + 1], "w") as f:
            json.dump(s, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
