#!/usr/bin/env python3
"""trace_summary.py on a hand-built Chrome trace whose answer is known: two CPU threads (the forward's and
autograd's), nested operators, an "optimizer" and a "loss" user scope, kernels on one stream with a gap between them.
Exits 1 naming the first figure that differs."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import trace_summary  # noqa: E402

events = []


def op(cat, name, ts, dur, tid, correlation=None):
    e = {"ph": "X", "cat": cat, "name": name, "ts": ts, "dur": dur, "pid": 1, "tid": tid, "args": {}}
    if correlation is not None:
        e["args"]["correlation"] = correlation
    events.append(e)


def launch(ts, tid, correlation, kernel, start, dur):
    op("cuda_runtime", "cudaLaunchKernel", ts, 2, tid, correlation)
    op("kernel", kernel, start, dur, 99, correlation)


# Forward thread: linear > mm launches a GEMM; a grouped GEMM; a bare mul (element-wise).
op("cpu_op", "aten::linear", 0, 100, 1)
op("cpu_op", "aten::mm", 10, 50, 1)
launch(20, 1, 1, "nvjet_tst_128x256", 100, 300)          # 100..400
op("cpu_op", "aten::_grouped_mm", 110, 20, 1)
launch(115, 1, 2, "cutlass_grouped_kernel", 400, 200)     # 400..600
op("cpu_op", "aten::mul", 140, 10, 1)
launch(142, 1, 3, "elementwise_kernel", 600, 50)          # 600..650
# Autograd thread: index_select's backward gathers (permutation).
op("cpu_op", "IndexSelectBackward0", 200, 40, 2)
op("cpu_op", "aten::index_select", 205, 30, 2)
launch(210, 2, 4, "vectorized_gather_kernel", 750, 100)   # 750..850, after a 100 us gap
# The optimiser's scope: its mul_ is the optimiser's, not element-wise work.
op("user_annotation", "optimizer", 300, 100, 1)
op("cpu_op", "aten::mul_", 310, 20, 1)
launch(315, 1, 5, "elementwise_kernel", 850, 150)         # 850..1000
# The chunked loss's backward, on the autograd thread: its matmul and exp are the loss's.
op("user_annotation", "loss", 400, 50, 2)
op("cpu_op", "aten::mm", 405, 10, 2)
launch(407, 2, 6, "nvjet_tst_128x256", 1000, 40)          # 1000..1040
op("cpu_op", "aten::exp_", 420, 10, 2)
launch(422, 2, 7, "elementwise_kernel", 1040, 20)         # 1040..1060

s = trace_summary.summarise({"traceEvents": events})
expected_parts = {
    "dense GEMM (attention proj., router, head)": 300,
    "experts grouped GEMM": 200,
    "element-wise and reductions": 50,
    "token permutation (gather, scatter)": 100,
    "optimizer": 150,
    "loss (cross-entropy)": 60,
}
checks = [
    ("kernels", s["kernels"], 7),
    ("kernel_us", s["kernel_us"], 860),
    ("span_us", s["span_us"], 960),
    ("gpu_busy_us", s["gpu_busy_us"], 860),
    ("parts", s["parts"], expected_parts),
    ("innermost operator of the GEMM", "aten::mm" in s["top_ops"] and "aten::linear" not in s["top_ops"], True),
]
for name, got, want in checks:
    if got != want:
        print(f"test_trace_summary: {name}: got {got}, expected {want}")
        sys.exit(1)
print("test_trace_summary: every figure as expected")
