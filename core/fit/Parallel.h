#pragma once
// The one thread pool of the fitters. parallelFor stripes tasks 0..n−1 over threads (task i on stripe
// i mod T), so each task's result lands in its own slot and the outcome never depends on the thread count.
// The stripes run on a process-wide pool whose threads are started once; the calling thread runs stripe 0
// itself. A parallelFor called from inside a pool task runs its tasks inline, so nesting never spawns
// threads or deadlocks. The first exception a task throws stops the remaining tasks and is rethrown to the
// caller once every stripe has finished.
#include <cstddef>
#include <functional>

namespace moescope {

// `requested` threads when positive, else the machine's hardware threads.
size_t threadCount(int requested);

// Calls fn(task, stripe) for every task; the calling thread is stripe 0.
void parallelFor(size_t tasks, size_t threads, const std::function<void(size_t task, size_t stripe)>& fn);

} // namespace moescope
