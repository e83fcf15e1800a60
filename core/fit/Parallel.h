#pragma once
// The one thread pool of the fitters: tasks 0..n−1 striped over threads (task i on thread i mod T), so each
// task's result lands in its own slot and the outcome never depends on the thread count.
#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace moescope {

inline size_t threadCount(int requested) {
    return requested > 0 ? static_cast<size_t>(requested) : std::max(1u, std::thread::hardware_concurrency());
}

// Calls fn(task, thread) for every task; the calling thread is thread 0.
template <typename F> void parallelFor(size_t tasks, size_t threads, F fn) {
    threads = std::max<size_t>(1, std::min(threads, tasks));
    auto stripe = [&](size_t t) {
        for (size_t i = t; i < tasks; i += threads)
            fn(i, t);
    };
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t)
        pool.emplace_back(stripe, t);
    stripe(0);
    for (auto& th : pool)
        th.join();
}

} // namespace moescope
