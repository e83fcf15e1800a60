#include "core/fit/Parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace moescope {

namespace {

thread_local bool insidePool = false;

// Workers started on first use and kept for the life of the process; jobs are whole stripes.
class Pool {
public:
    static Pool& instance() {
        static Pool pool(std::max(1u, std::thread::hardware_concurrency()));
        return pool;
    }
    size_t size() const { return workers_.size(); }
    void submit(std::function<void()> job) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            jobs_.push_back(std::move(job));
        }
        wake_.notify_one();
    }
    ~Pool() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        for (auto& w : workers_)
            w.join();
    }

private:
    explicit Pool(unsigned n) {
        for (unsigned i = 0; i < n; ++i)
            workers_.emplace_back([this] { work(); });
    }
    void work() {
        insidePool = true;
        for (;;) {
            std::function<void()> job;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
                if (jobs_.empty()) return;
                job = std::move(jobs_.front());
                jobs_.pop_front();
            }
            job();
        }
    }
    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    std::vector<std::thread> workers_;
    bool stopping_ = false;
};

} // namespace

size_t threadCount(int requested) {
    return requested > 0 ? static_cast<size_t>(requested) : std::max(1u, std::thread::hardware_concurrency());
}

void parallelFor(size_t tasks, size_t threads, const std::function<void(size_t, size_t)>& fn) {
    threads = std::max<size_t>(1, std::min(threads, tasks));
    std::atomic<bool> failed{false};
    std::exception_ptr first;
    std::mutex m;
    auto stripe = [&](size_t t) {
        try {
            for (size_t i = t; i < tasks && !failed.load(std::memory_order_relaxed); i += threads)
                fn(i, t);
        } catch (...) {
            std::lock_guard<std::mutex> lock(m);
            if (!first) first = std::current_exception();
            failed = true;
        }
    };
    if (threads == 1 || insidePool) {
        // Inline, still striped the same way, so results match the threaded run slot for slot.
        for (size_t t = 0; t < threads; ++t)
            stripe(t);
    } else {
        std::mutex doneMutex;
        std::condition_variable doneSignal;
        size_t remaining = threads - 1;
        for (size_t t = 1; t < threads; ++t)
            Pool::instance().submit([&, t] {
                stripe(t);
                std::lock_guard<std::mutex> lock(doneMutex);
                if (--remaining == 0) doneSignal.notify_one();
            });
        stripe(0);
        std::unique_lock<std::mutex> lock(doneMutex);
        doneSignal.wait(lock, [&] { return remaining == 0; });
    }
    if (first) std::rethrow_exception(first);
}

} // namespace moescope
