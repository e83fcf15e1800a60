#include "trainer/BenchTrace.h"

#include <filesystem>
#include <stdexcept>

#ifdef MOESCOPE_BENCH_TRACE
#include <torch/csrc/autograd/profiler_kineto.h>
#endif

namespace moescope::trainer {

void traceSteps(const std::string& path, bool cuda, const std::function<void()>& steps) {
#ifdef MOESCOPE_BENCH_TRACE
    namespace prof = torch::autograd::profiler;
    using torch::profiler::impl::ActivityType;
    const torch::profiler::impl::ProfilerConfig config(torch::profiler::impl::ProfilerState::KINETO);
    std::set<ActivityType> activities{ActivityType::CPU};
    if (cuda) activities.insert(ActivityType::CUDA);
    prof::prepareProfiler(config, activities);
    prof::enableProfiler(config, activities);
    try {
        steps();
    } catch (...) {
        prof::disableProfiler();
        throw;
    }
    const auto result = prof::disableProfiler();
    try {
        result->save(path);
    } catch (const c10::Error& e) {
        // A LibTorch without Kineto records but cannot save; nothing partial is left behind either way.
        std::error_code ignored;
        std::filesystem::remove(path, ignored);
        throw std::runtime_error("option --bench-trace: '" + path +
                                 "' not written: " + e.what_without_backtrace());
    }
#else
    (void)cuda;
    (void)steps;
    throw std::runtime_error(
        "option --bench-trace: this build has no profiler (configure with "
        "-DMOESCOPE_BENCH_TRACE=ON against a LibTorch built with Kineto); not written: " +
        path);
#endif
}

} // namespace moescope::trainer
