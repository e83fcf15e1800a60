#pragma once
// `moescope-train --bench --bench-trace FILE`: where a training step's time goes, as LibTorch's own profiler
// (Kineto) sees it — every operator on the CPU and every kernel on the GPU — written as a Chrome trace that
// tests/bench/trace_summary.py reduces to shares (GEMMs, attention, routing, permutation, optimiser...).
#include <functional>
#include <string>

namespace moescope::trainer {

// Runs `steps` while the profiler records, then writes the trace to `path`. Throws std::runtime_error when
// this build has no profiler or the trace cannot be written.
void traceSteps(const std::string& path, bool cuda, const std::function<void()>& steps);

} // namespace moescope::trainer
